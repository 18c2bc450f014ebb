"""docs/tutorial.ipynb runs from top to bottom and shows what it says (nbclient)."""

from __future__ import annotations

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="nbformat (dev extra) is not installed")
nbclient = pytest.importorskip("nbclient", reason="nbclient (dev extra) is not installed")
pytest.importorskip("ipykernel", reason="ipykernel (dev extra) is not installed")
pytest.importorskip("matplotlib", reason="the plot extra is not installed")
pytest.importorskip("pandas", reason="the notebook extra is not installed")

NOTEBOOK = Path(__file__).resolve().parent.parent / "docs" / "tutorial.ipynb"


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path_factory.mktemp("nb"))}})
    client.execute()  # raises CellExecutionError naming the cell if any cell fails
    return nb


def _text(nb) -> str:
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            parts.append(out.get("text", ""))
            parts.append(out.get("data", {}).get("text/plain", ""))
    return "\n".join(parts)


def test_every_cell_runs_and_the_worked_values_appear(executed):
    text = _text(executed)
    for value in ("1.737 bits", "0.515 bits", "0.074 bits", "2.585", "1.7918",
                  "{'A': '0', 'B': '10', 'C': '110', 'D': '111'} 1.8 1.761"):
        assert value in text, value


def test_the_report_renders_as_html_and_the_figures_inline(executed):
    html = [out["data"]["text/html"] for cell in executed.cells for out in cell.get("outputs", [])
            if "text/html" in out.get("data", {})]
    assert any("<table><caption>" in h and "<th>arithmetic</th>" in h for h in html)
    images = [out for cell in executed.cells for out in cell.get("outputs", [])
              if "image/png" in out.get("data", {})]
    assert len(images) == 2  # report.plot() and the mismatch figure

"""Notebook views: Report._repr_html_, Report.plot, Report.to_frame, ExperimentResult."""

from __future__ import annotations

import json
import sys

import pytest
from conftest import OWN_CORPORA

import entropycodec as ec
from entropycodec.experiments import run_corpus, run_length, run_mismatch, run_skew
from entropycodec.views import ExperimentResult, experiment_rows, report_rows

pd = pytest.importorskip("pandas", reason="the notebook extra (pandas) is not installed")
pytest.importorskip("matplotlib", reason="the plot extra (matplotlib) is not installed")


@pytest.fixture(scope="module")
def report():
    return ec.analyze((OWN_CORPORA / "abcd_iid.txt").read_bytes(), coders=("huffman", "arithmetic", "cm"))


def test_html_table_has_every_coder_and_the_exact_totals(report):
    page = report._repr_html_()
    assert page.startswith("<table>") and page.endswith("</table>")
    for name, acc in report.coders.items():
        assert f"<th>{name}</th>" in page
        assert f"{acc.total_bits:,}" in page
    assert f"{report.entropy_bits_per_symbol:.6f}" in page


def test_html_escapes_the_source_name():
    r = ec.analyze(b"abcabc", coders="huffman")
    r.source = "<b>x</b>"
    assert "&lt;b&gt;x&lt;/b&gt;" in r._repr_html_() and "<b>x</b>" not in r._repr_html_()


def test_to_frame_rows_add_up_to_the_totals(report):
    frame = report.to_frame()
    assert list(frame.index) == ["huffman", "arithmetic", "cm"]
    for name, acc in report.coders.items():
        row = frame.loc[name]
        assert row["total_bits"] == acc.total_bits
        parts = sum(v for k, v in acc.overhead_bits.items())
        assert parts == pytest.approx(acc.total_bits - report.bound_bits, abs=1e-6)
        assert row["header"] == acc.overhead_bits["header"]
    assert pd.isna(frame.loc["cm", "mismatch"])  # cm learns its model: no mismatch part


def test_plot_draws_one_stacked_bar_per_coder_with_totals(report):
    ax = report.plot()
    # the bound is the first bar series; a black tick marks each total
    assert [t.get_text() for t in ax.get_xticklabels()] == ["huffman", "arithmetic", "cm"]
    offsets = ax.collections[-1].get_offsets()
    assert [round(float(y), 6) for _, y in offsets] == [
        round(acc.bits_per_symbol, 6) for acc in report.coders.values()]
    labels = ax.get_legend_handles_labels()[1]
    assert "bound n H(P)" in labels and "total" in labels
    lo, hi = ax.get_ylim()
    assert lo <= min(a.bits_per_symbol for a in report.coders.values()) and hi >= max(
        a.bits_per_symbol for a in report.coders.values())


def test_plot_on_a_given_axes(report):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    assert report.plot(ax=ax) is ax and len(ax.patches) >= 3


def test_experiment_results_are_dicts_with_plot_and_to_frame():
    results = [run_mismatch([0.8, 0.1, 0.1], n=2000, steps=3, seed=1),
               run_skew(n=2000, binary_p=(0.9,), alphabet_sizes=(3,)),
               run_length(max_n=100),
               run_corpus([OWN_CORPORA / "abcd.txt"], methods=("huffman", "zlib-9"))]
    for r in results:
        assert isinstance(r, dict) and isinstance(r, ExperimentResult)
        json.dumps(ec.experiments.to_json(r))  # still JSON-ready
        frame = r.to_frame()
        assert len(frame) == len(experiment_rows(r)) > 0
        assert type(r.plot()).__name__ == "Figure"
    mismatch = results[0].to_frame()
    assert list(mismatch["t"]) == [0.0, 0.5, 1.0]
    assert mismatch["coders.arithmetic.bits_per_symbol"].iloc[0] == \
        results[0]["points"][0]["coders"]["arithmetic"]["bits_per_symbol"]


def test_report_rows_without_pandas(report, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    assert [r["coder"] for r in report_rows(report)] == ["huffman", "arithmetic", "cm"]
    with pytest.raises(ec.EntropyCodecError, match=r"pip install 'entropycodec\[notebook\]'"):
        report.to_frame()

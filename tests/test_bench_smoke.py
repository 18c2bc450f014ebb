"""CI smoke run of the peer benchmark (bench/peers.py --smoke): one small file, one round.

It runs in-process in a few seconds so the suite cannot rot: every peer's
API call, every round trip, the result files. The full run is
``python bench/peers.py`` (see bench/README.md).
"""

from __future__ import annotations

import importlib.util
import json
import zlib
from pathlib import Path

import pytest

PEERS = Path(__file__).resolve().parent.parent / "bench" / "peers.py"


@pytest.fixture(scope="module")
def peers():
    spec = importlib.util.spec_from_file_location("bench_peers", PEERS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_smoke_run_writes_results(peers, tmp_path):
    pytest.importorskip("constriction")
    result = peers.main(["--smoke", "--out-dir", str(tmp_path), "--no-plot"])
    summary = result["summary"]
    assert result["missing"] == {}
    assert set(summary) == set(peers.OURS) | set(peers.COUNTERPART)
    data = peers.SMOKE_FILE.read_bytes()
    # same data, same order-0 statistics: the arithmetic coders land within a few bytes
    assert summary["arithmetic"]["bits_per_byte"] == pytest.approx(
        summary["constriction-range"]["bits_per_byte"], abs=0.01)
    assert summary["rans"]["bits_per_byte"] == pytest.approx(
        summary["constriction-ans"]["bits_per_byte"], abs=0.01)
    # two optimal Huffman codes of the same counts have the same payload size (+/- padding)
    assert abs(summary["huffman"]["bits_per_byte"] - summary["bitarray-huffman"]["bits_per_byte"]) < 0.01
    assert summary["zlib-9"]["bits_per_byte"] == 8 * len(zlib.compress(data, 9)) / len(data)
    assert summary["constriction-ans"]["counterpart"] == "rans"
    assert summary["constriction-ans"]["our_encode_speed_ratio"] > 0
    doc = json.loads((tmp_path / "peers.json").read_text())
    assert doc["machine"]["logical_cores"] >= 1 and doc["params"]["rounds"] == 1
    md = (tmp_path / "peers.md").read_text()
    assert "| constriction-ans |" in md and "markov.txt" in md


def test_smoke_needs_an_output_folder(peers):
    with pytest.raises(SystemExit):
        peers.main(["--smoke"])

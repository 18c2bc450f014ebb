"""The bit accounting report: exact parts, stable keys, known values."""

import json
import math

import numpy as np
import pytest
from click.testing import CliRunner

import entropycodec as ec
from entropycodec.cli.main import cli
from entropycodec.coders import SYMBOL_CODERS

CODERS = ("huffman", "arithmetic", "rans", "adaptive")


@pytest.fixture(scope="module")
def abcd_iid(request):
    from conftest import OWN_CORPORA

    return (OWN_CORPORA / "abcd_iid.txt").read_bytes()


def test_parts_add_up_exactly(abcd_iid):
    r = ec.analyze(abcd_iid, coders=CODERS)
    for acc in r.coders.values():
        assert abs(r.bound_bits + sum(acc.overhead_bits.values()) - acc.total_bits) < 1e-6


def test_abcd_iid_values(abcd_iid):
    r = ec.analyze(abcd_iid, coders=CODERS)
    assert r.n_symbols == 100_000 and r.distinct_symbols == 4
    assert round(r.entropy_bits_per_symbol, 6) == 1.757521
    huff = r.coders["huffman"]
    counts = [abcd_iid.count(c) for c in b"ABCD"]
    exact = counts[0] * 1 + counts[1] * 2 + counts[2] * 3 + counts[3] * 3
    assert huff.payload_bits == 8 * math.ceil(exact / 8)
    assert huff.overhead_bits["integer_length"] == pytest.approx(
        sum(c * (ln + math.log2(c / 100_000)) for c, ln in zip(counts, [1, 2, 3, 3])), abs=1e-6)
    assert huff.overhead_bits["mismatch"] == pytest.approx(0, abs=1e-6)
    for name in ("arithmetic", "rans"):
        acc = r.coders[name]
        # within 0.05% of n*H plus the header
        assert acc.payload_bits <= r.bound_bits * 1.0005 + 64 + 8 * 40
        assert 0 <= acc.overhead_bits["quantization"] < 1.0
    assert r.coders["huffman"].compression_rate == pytest.approx(800_000 / huff.total_bits)
    assert r.coders["huffman"].space_saving_rate == pytest.approx(
        (800_000 - huff.total_bits) / huff.total_bits)


def test_mismatch_part_is_n_times_kl():
    rng = np.random.default_rng(3)
    data = rng.choice(3, size=200_000, p=[0.8, 0.1, 0.1]).astype(np.uint8)
    model = {0: 0.2, 1: 0.2, 2: 0.6}
    r = ec.analyze(data, model=model, coders=("arithmetic", "huffman"))
    counts = np.bincount(data, minlength=3)
    p = counts / counts.sum()
    kl = sum(p[i] * math.log2(p[i] / model[i]) for i in range(3))
    assert r.kl_divergence_bits_per_symbol == pytest.approx(kl, abs=1e-12)
    for acc in r.coders.values():
        assert acc.overhead_bits["mismatch"] == pytest.approx(200_000 * kl, rel=1e-9)


def test_to_dict_stable_keys_and_values(abcd_iid):
    r = ec.analyze(abcd_iid, coders=("huffman",), contexts=2)
    d = r.to_dict()
    assert json.loads(json.dumps(d)) == d  # JSON-ready as it is
    n = 100_000
    assert (d["n_symbols"], d["alphabet_size"], d["distinct_symbols"]) == (n, 256, 4)
    assert (d["original_bits"], d["fixed_length_bits_per_symbol"], d["file_bits"]) == (8 * n, 8, None)
    assert d["entropy_bits_per_symbol"] == r.entropy_bits_per_symbol
    assert round(d["entropy_bits_per_symbol"], 6) == 1.757521
    assert d["bound_bits"] == pytest.approx(n * d["entropy_bits_per_symbol"], rel=1e-12)
    # no model given: Q = P, so there is no cross-entropy or KL to report
    assert d["cross_entropy_bits_per_symbol"] is None and d["kl_divergence_bits_per_symbol"] is None
    assert d["model_given"] is False and d["model_ignored_by"] == []
    h = d["conditional_entropies_bits_per_symbol"]
    assert set(h) == {"H1", "H2"}
    # an i.i.d. source: context tells next to nothing (the estimates' bias is < 0.001 bit)
    assert d["entropy_bits_per_symbol"] - 0.001 < h["H2"] <= h["H1"] <= d["entropy_bits_per_symbol"]

    c = d["coders"]["huffman"]
    counts = [abcd_iid.count(x) for x in b"ABCD"]
    code_bits = sum(k * ln for k, ln in zip(counts, [1, 2, 3, 3]))  # A=0 B=10 C=110 D=111
    assert c["payload_bits"] == 8 * math.ceil(code_bits / 8) == 179_616
    # the code lengths of A, B, C, D: layout byte, list of 4 symbols (1 + 4 bytes), 2 bytes
    assert c["header_bits"] == 8 * (1 + 5 + 2)
    assert c["total_bits"] == c["payload_bits"] + c["header_bits"]
    assert c["bits_per_symbol"] == c["total_bits"] / n
    assert c["compression_rate_alpha"] == 8 * n / c["total_bits"]
    assert c["space_saving_rate_beta"] == (8 * n - c["total_bits"]) / c["total_bits"]
    assert (c["file_compression_rate"], c["uses_model"], c["scale_bits"]) == (None, True, None)
    parts = c["overhead_bits"]
    assert set(parts) == {"mismatch", "quantization", "integer_length", "termination", "header"}
    assert sum(parts.values()) == pytest.approx(c["total_bits"] - d["bound_bits"], abs=1e-6)
    assert parts["mismatch"] == pytest.approx(0, abs=1e-6) and parts["quantization"] == 0
    assert parts["termination"] == c["payload_bits"] - code_bits  # the padding of the last byte
    assert parts["header"] == c["header_bits"]
    assert c["overhead_bits_per_symbol"] == {k: v / n for k, v in parts.items()}


def test_abcd_message_values(abcd_message):
    """The ten-symbol message of corpora/abcd.txt, ABCAADABCA: P = 0.5, 0.2, 0.2, 0.1."""
    r = ec.analyze(abcd_message, coders=SYMBOL_CODERS, contexts=2)
    h = -(0.5 * math.log2(0.5) + 2 * 0.2 * math.log2(0.2) + 0.1 * math.log2(0.1))
    assert r.entropy_bits_per_symbol == pytest.approx(h, abs=1e-15)
    assert round(r.entropy_bits_per_symbol, 3) == 1.761
    assert r.bound_bits == pytest.approx(10 * h, abs=1e-12)
    # after A comes B, A, D or B (1.5 bits, 4 of 9 pairs); B, C and D each have one successor
    assert r.conditional_entropies == pytest.approx({"H1": 2 / 3, "H2": 0.0}, abs=1e-12)
    for name, acc in r.coders.items():
        enc = ec.encode(abcd_message, coder=name)
        assert (acc.payload_bits, acc.header_bits) == (enc.payload_bits, enc.header_bits), name
        assert sum(acc.overhead_bits.values()) == pytest.approx(acc.total_bits - r.bound_bits,
                                                                 abs=1e-9), name
    huff = r.coders["huffman"].overhead_bits
    assert r.coders["huffman"].payload_bits == 24  # 18 bits of code words in 3 bytes
    assert huff["integer_length"] == pytest.approx(18 - 10 * h, abs=1e-9)  # 0.390 bits
    assert huff["termination"] == 6.0 and huff["header"] == 64.0
    for name in ("adaptive", "cm"):  # one part: what learning costs over n H(P)
        acc = r.coders[name]
        (part,) = (v for k, v in acc.overhead_bits.items() if k != "header")
        assert part == pytest.approx(acc.payload_bits - 10 * h, abs=1e-9)


def test_markov_context_gain():
    from conftest import OWN_CORPORA

    data = (OWN_CORPORA / "markov.txt").read_bytes()
    r = ec.analyze(data, coders=("huffman",), contexts=1)
    assert round(r.entropy_bits_per_symbol, 3) == 2.318
    assert abs(r.conditional_entropies["H1"] - 1.670951) < 0.01  # the source's entropy rate


def test_analyze_cli_text_and_json(tmp_path):
    from conftest import OWN_CORPORA

    f = OWN_CORPORA / "abcd.txt"
    r = CliRunner().invoke(cli, ["analyze", str(f), "--coders", "huffman,arithmetic"])
    assert r.exit_code == 0, r.output
    assert "entropy H(P): 1.760964 bits/symbol" in r.output
    r = CliRunner().invoke(cli, ["analyze", str(f), "--json", "--contexts", "0"])
    doc = json.loads(r.output)
    assert doc["n_symbols"] == 10 and set(doc["coders"]) == set(CODERS) | {"cm", "bwt"}


def test_analyze_cli_model_mismatch_errors(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_bytes(b"hello world")
    b.write_bytes(b"hello")
    r = CliRunner().invoke(cli, ["analyze", str(a), "--model-from", str(b)])
    assert r.exit_code == 1 and "symbol ' ' occurs 1 times" in r.output and "Traceback" not in r.output
    r = CliRunner().invoke(cli, ["analyze", str(a), "--model-from", str(b), "--smoothing",
                                 "escape", "--json"])
    assert r.exit_code == 0
    assert json.loads(r.output)["coders"]["arithmetic"]["overhead_bits"]["fixup"] > 0
    q = tmp_path / "q.json"
    q.write_text('{"h": 0.2, "e": 0.2, "l": 0.3, "o": 0.2, " ": 0.05, "w": 0.025, "r": 0.0125, "d": 0.0125}')
    r = CliRunner().invoke(cli, ["analyze", str(a), "--model", str(q), "--json"])
    assert r.exit_code == 0, r.output
    q.write_text("{not json")
    r = CliRunner().invoke(cli, ["analyze", str(a), "--model", str(q)])
    assert r.exit_code == 1 and "not valid JSON" in r.output


def test_cm_row_gains_below_h0_on_text():
    from conftest import OWN_CORPORA

    data = (OWN_CORPORA / "markov.txt").read_bytes()
    r = ec.analyze(data, coders=("arithmetic", "cm"), contexts=1)
    cm = r.coders["cm"]
    assert cm.overhead_bits["context_modelling"] < 0  # context beats the order-0 bound
    assert cm.bits_per_symbol < r.conditional_entropies["H1"] + 0.05
    assert ec.decode(ec.encode(data, coder="cm")) == data
    with pytest.raises(ValueError, match="bytes only"):
        ec.encode(["a", "b"], coder="cm")


# -- review: smoothing split, one-symbol data, strict JSON -------------------------------------

@pytest.mark.parametrize("smoothing", ["escape", 0.01])
@pytest.mark.parametrize("coder", ["huffman", "arithmetic", "rans"])
def test_smoothing_split_charges_only_the_excess_to_fixup(coder, smoothing):
    data = b"ABCAADABCA" * 100  # D (100 times) has Q = 0
    model = {65: 5, 66: 2, 67: 2}
    r = ec.analyze(data, model=model, coders=(coder,), smoothing=smoothing)
    acc = r.coders[coder]
    enc = ec.encode(data, coder=coder, model=model, smoothing=smoothing)
    n, p_d = 1000, 0.1
    share_d = 100 * -math.log2(p_d)  # D's share of n H(P)
    assert acc.overhead_bits["fixup"] == pytest.approx(enc.fixup_bits - share_d, abs=1e-9)
    # mismatch: the KL-type sum over the symbols Q codes, under the smoothed Q'
    q = enc.model_probabilities
    counts = {65: 500, 66: 200, 67: 200}
    expect = sum(c * math.log2((c / n) / q[s]) for s, c in counts.items())
    assert acc.overhead_bits["mismatch"] == pytest.approx(expect, abs=1e-6)
    assert abs(r.bound_bits + sum(acc.overhead_bits.values()) - acc.total_bits) < 1e-6


def test_one_symbol_entropy_prints_without_a_sign():
    r = ec.analyze(b"AAAA", coders=("arithmetic",))
    assert "entropy H(P): 0.000000" in r.to_text()
    assert math.copysign(1, r.entropy_bits_per_symbol) == 1


def _strict_json(text):
    def refuse(name):
        raise AssertionError(f"not JSON: {name}")
    return json.loads(text, parse_constant=refuse)


def test_analyze_json_is_strict_json_with_infinite_kl(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_bytes(b"hello world")
    b.write_bytes(b"hello")
    r = CliRunner().invoke(cli, ["analyze", str(a), "--model-from", str(b), "--smoothing",
                                 "escape", "--json", "--coders", "arithmetic"])
    assert r.exit_code == 0, r.output
    doc = _strict_json(r.output)
    assert doc["kl_divergence_bits_per_symbol"] == "inf"
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    r = CliRunner().invoke(cli, ["analyze", str(empty), "--json", "--coders", "huffman"])
    assert r.exit_code == 0, r.output
    _strict_json(r.output)


def test_contexts_of_a_large_word_alphabet():
    # 70,000 distinct words need 17 bits each: an order-3 context does not fit one 64-bit key
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in rng.integers(0, 70_000, 100_000)] + [f"w{i}" for i in range(70_000)]
    r = ec.analyze(words, coders=("huffman",), contexts=3)
    h1, h3 = r.conditional_entropies["H1"], r.conditional_entropies["H3"]
    assert 0 <= h3 <= h1 <= r.entropy_bits_per_symbol
    small = [w % 5 for w in rng.integers(0, 5, 2000).tolist()]
    assert ec.conditional_entropy(small, 3) == pytest.approx(
        ec.conditional_entropy(np.array(small, dtype=np.uint8), 3), abs=1e-12)


def test_analyze_cli_smoothing_needs_a_model(tmp_path):
    a = tmp_path / "a.txt"
    a.write_bytes(b"hello world")
    r = CliRunner().invoke(cli, ["analyze", str(a), "--smoothing", "escape"])
    assert r.exit_code == 2 and "--model" in r.output


def test_rates_of_empty_data_are_undefined_not_infinite():
    acc = ec.analyze(b"", coders=("huffman",)).coders["huffman"]
    assert math.isnan(acc.compression_rate) and math.isnan(acc.space_saving_rate)
    acc = ec.analyze(b"AB", coders=("huffman",)).coders["huffman"]
    assert acc.compression_rate == 16 / acc.total_bits

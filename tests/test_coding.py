"""encode/decode: every coder, mismatched models, smoothing, arbitrary symbols."""

import math

import numpy as np
import pytest

import entropycodec as ec
from entropycodec.errors import InvalidInputError, ModelError

STATIC = ("huffman", "arithmetic", "rans")


@pytest.fixture(scope="module")
def source_801010():
    rng = np.random.default_rng(20261121)
    return rng.choice(3, size=10**6, p=[0.8, 0.1, 0.1]).astype(np.uint8)


Q = {0: 0.2, 1: 0.2, 2: 0.6}
H_PQ = -(0.8 * math.log2(0.2) + 0.1 * math.log2(0.2) + 0.1 * math.log2(0.6))


def test_cross_entropy_target_value():
    assert round(H_PQ, 3) == 2.163
    assert round(ec.entropy([0.8, 0.1, 0.1]), 3) == 0.922


@pytest.mark.parametrize("coder", ["arithmetic", "rans"])
def test_mismatched_model_costs_cross_entropy(source_801010, coder):
    enc = ec.encode(source_801010, coder=coder, model=Q)
    bps = enc.payload_bits / enc.n_symbols
    assert abs(bps - H_PQ) / H_PQ < 0.002
    out = ec.decode(enc)  # an array in, an array of the same dtype out
    assert out.dtype == np.uint8 and np.array_equal(out, source_801010)


def test_huffman_from_q_costs_exactly_p_times_lengths(source_801010):
    enc = ec.encode(source_801010, coder="huffman", model=Q)
    counts = np.bincount(source_801010, minlength=3)
    lengths = {s: enc.model.lengths_array[s] for s in range(3)}
    assert [int(lengths[s]) for s in range(3)] == [2, 2, 1]  # built from Q, not from P
    exact_bits = sum(int(counts[s]) * int(lengths[s]) for s in range(3))
    assert enc.payload_bits == 8 * math.ceil(exact_bits / 8)
    out = ec.decode(enc)  # an array in, an array of the same dtype out
    assert out.dtype == np.uint8 and np.array_equal(out, source_801010)


def test_model_from_counts_of_other_data():
    a = b"abracadabra" * 100
    b = b"cadabra abracad" * 50
    table = ec.FrequencyTable.from_data(b)
    for coder in STATIC:
        enc = ec.encode(a, coder=coder, model=table)
        assert ec.decode(enc) == a


@pytest.mark.parametrize("coder", STATIC)
def test_zero_probability_symbol_is_named(coder):
    with pytest.raises(ModelError, match="'z'"):
        ec.encode("aaz", coder=coder, model={"a": 1.0})


@pytest.mark.parametrize("coder", STATIC)
@pytest.mark.parametrize("smoothing", ["escape", 0.01])
def test_smoothing_round_trips_and_reports_fixup(coder, smoothing):
    data = list("aaaabbbccxyx")
    enc = ec.encode(data, coder=coder, model={"a": 0.5, "b": 0.3, "c": 0.2}, smoothing=smoothing)
    assert ec.decode(enc) == data
    assert enc.fixup_bits > 0


def test_smoothing_escape_on_bytes_returns_bytes():
    data = b"hello world"
    enc = ec.encode(data, coder="arithmetic", model={ord(c): 1 for c in "helo "},
                    smoothing="escape")
    assert ec.decode(enc) == data


@pytest.mark.parametrize("coder", ["huffman", "arithmetic", "rans", "adaptive"])
@pytest.mark.parametrize("data", [b"", b"x", b"x" * 1000, bytes(range(256)),
                                  "the quick brown fox".split()])
def test_round_trips(coder, data):
    enc = ec.encode(data, coder=coder)
    out = ec.decode(enc)
    assert type(out) is type(data) and out == data  # bytes give bytes, a list a list
    assert enc.n_symbols == len(data)


def test_bad_arguments():
    with pytest.raises(InvalidInputError, match="coder must be"):
        ec.encode(b"x", coder="lzw")
    with pytest.raises(InvalidInputError, match="adaptive"):
        ec.encode(b"x", coder="adaptive", model={120: 1})
    with pytest.raises(InvalidInputError, match="floor"):
        ec.encode("ab", coder="huffman", model={"a": 1}, smoothing=2.0)


# -- edge cases found in review ----------------------------------------------------------------

@pytest.mark.parametrize("coder", ["huffman", "arithmetic", "rans", "adaptive"])
@pytest.mark.parametrize("data", ["", [], np.array([], dtype=np.int64)])
def test_empty_non_byte_data_round_trips(coder, data):
    enc = ec.encode(data, coder=coder)
    out = ec.decode(enc)
    assert type(out) is type(data) and len(out) == 0 and enc.total_bits == 0


@pytest.mark.parametrize("coder", STATIC)
def test_smoothing_without_a_model_changes_nothing(coder):
    data = b"ABCAADABCA" * 10
    plain = ec.encode(data, coder=coder)
    for smoothing in ("escape", 0.5):
        enc = ec.encode(data, coder=coder, smoothing=smoothing)
        assert enc.payload == plain.payload and enc.total_bits == plain.total_bits
        assert ec.analyze(data, coders=(coder,), smoothing=smoothing).coders[coder].total_bits \
            == enc.total_bits


@pytest.mark.parametrize("model", [
    ec.FrequencyTable.from_data("AB"),
    ec.FrequencyTable.from_data("AB").quantize(8),
    {"AB": 1, "B": 1},
    {"é": 1},
    {65: 1, 66: 1, 300: 1},
    {"A": 1, "65": 1},
])
def test_byte_data_with_a_model_over_other_symbols_is_refused(model):
    with pytest.raises(InvalidInputError, match="byte"):
        ec.encode(b"ABC", coder="arithmetic", model=model, smoothing="escape")


@pytest.mark.parametrize("model", [
    {np.int64(65): 1, np.int64(66): 1},
    ec.FrequencyTable.from_counts({65: 1, 66: 1}),
    ec.FrequencyTable.from_counts({65: 1, 66: 1}).quantize(8),
])
@pytest.mark.parametrize("coder", STATIC)
def test_byte_data_with_an_integer_keyed_model_stays_bytes(model, coder):
    enc = ec.encode(b"ABAB", coder=coder, model=model)
    assert enc.alphabet.is_bytes and ec.decode(enc) == b"ABAB"


@pytest.mark.parametrize("coder", STATIC)
def test_list_of_ints_with_a_byte_model_decodes_to_the_list(coder):
    model = ec.FrequencyTable.from_data(b"ABAB")
    enc = ec.encode([65, 66, 65], coder=coder, model=model)
    assert ec.decode(enc) == [65, 66, 65]


@pytest.mark.parametrize("coder", STATIC)
def test_escape_over_bytes_keeps_a_small_header(coder):
    data = b"ABCAADABCA" * 100
    plain = ec.encode(data, coder=coder, model={65: 5, 66: 2, 67: 2, 68: 1})
    esc = ec.encode(data, coder=coder, model={65: 5, 66: 2, 67: 2}, smoothing="escape")
    assert ec.decode(esc) == data
    # the escape model describes 4 symbols (A, B, C, ESC) plus the list of one unknown
    # symbol and 100 zero-bit literals: not a listing of 257 symbols
    assert esc.header_bits - esc.side_bits <= plain.header_bits + 8 * 16


def test_header_lists_only_symbols_with_a_code():
    data = "ABCAADABCA" * 100
    small = ec.encode(data, coder="arithmetic", model={"A": 5, "B": 2, "C": 2, "D": 1})
    padded = ec.encode(data, coder="arithmetic",
                       model={"A": 5, "B": 2, "C": 2, "D": 1, **{c: 0 for c in "EFGHIJKLMNOP"}})
    assert padded.header_bits == small.header_bits


def test_escape_does_not_count_unknown_symbols_twice():
    data = "ABCAADABCA" * 100
    esc = ec.encode(data, coder="arithmetic", model={"A": 5, "B": 2, "C": 2}, smoothing="escape")
    # main header: A, B, C and ESC; side: the unknown list ("D") and 100 zero-bit literals
    assert esc.side_bits == 8 * 2
    freqs = esc.model.freqs[esc.model.freqs > 0].tolist()
    assert len(freqs) == 4  # A, B, C, ESC (D has frequency 0 and is not listed)
    listing = sum(len(s) + 1 for s in ("A", "B", "C", "<ESC>"))
    values = sum(max(1, (f.bit_length() + 6) // 7) for f in freqs)
    assert esc.header_bits - esc.side_bits == 8 * (listing + values + 1)


# -- property: every coder x model form x smoothing round-trips and the parts add up ----------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from entropycodec.alphabet import BYTE_ALPHABET  # noqa: E402

POOLS = {
    "bytes": st.integers(0, 255),
    "chars": st.sampled_from("abcdefgh"),
    "ints": st.integers(-5, 1000),
    "tuples": st.tuples(st.integers(0, 2), st.integers(0, 2)),
}


@st.composite
def coding_cases(draw):
    kind = draw(st.sampled_from(sorted(POOLS)))
    pool = draw(st.lists(POOLS[kind], min_size=1, max_size=6, unique=True))
    items = draw(st.lists(st.sampled_from(pool), max_size=60))
    data = bytes(items) if kind == "bytes" else ("".join(items) if kind == "chars" else items)
    form = draw(st.sampled_from(["none", "mapping", "table", "static", "sequence"]))
    model = None
    if form != "none" and items:
        # Q over some of the pool (symbols of the data may get 0), some weights 0
        syms = draw(st.lists(st.sampled_from(pool), unique=True, min_size=1))
        w = {s: draw(st.sampled_from([0, 1, 2, 7, 20])) for s in syms}
        w[syms[0]] = w[syms[0]] or 1
        if form == "mapping":
            model = w
        elif form in ("table", "static"):
            table = (ec.FrequencyTable(BYTE_ALPHABET, [w.get(i, 0) for i in range(256)])
                     if kind == "bytes" else ec.FrequencyTable.from_counts(w))
            model = table if form == "table" else table.quantize(draw(st.integers(5, 12)))
        else:
            alphabet = BYTE_ALPHABET if kind == "bytes" else ec.Alphabet.from_symbols(data)
            model = [w.get(s, 0) for s in alphabet.symbols]
            if not any(model):
                model = None
    smoothing = draw(st.sampled_from([None, "escape", 0.05, 0.5])) if model is not None else None
    coders = ["huffman", "arithmetic", "rans"] if model is not None else \
        ["huffman", "arithmetic", "rans", "adaptive"] + (["cm"] if kind == "bytes" else [])
    return kind, data, model, smoothing, draw(st.sampled_from(coders))


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(coding_cases())
def test_property_round_trip_and_exact_accounting(case):
    kind, data, model, smoothing, coder = case
    try:
        enc = ec.encode(data, coder=coder, model=model, smoothing=smoothing)
    except ModelError:
        assert model is not None and smoothing is None  # Q = 0 on a symbol of the data
        return
    assert ec.decode(enc) == (data if kind in ("bytes", "chars") else list(data))
    report = ec.analyze(data, model=model, coders=(coder,), smoothing=smoothing)
    acc = report.coders[coder]
    assert acc.total_bits == enc.total_bits
    parts = acc.overhead_bits
    assert all(math.isfinite(v) for v in parts.values())
    assert abs(report.bound_bits + sum(parts.values()) - acc.total_bits) < 1e-6
    if model is not None and smoothing is None and len(data):
        n = len(data)
        kl = report.kl_divergence_bits_per_symbol
        assert parts["mismatch"] == pytest.approx(n * kl, rel=1e-9, abs=1e-6)


@pytest.mark.parametrize("coder", ["arithmetic", "rans"])
def test_a_static_model_is_used_at_its_own_precision(coder):
    model = ec.FrequencyTable.from_data(b"ABCAADABCA").quantize(10)
    enc = ec.encode(b"ABCAADABCA" * 50, coder=coder, model=model)
    assert enc.model.scale_bits == 10
    assert enc.model.freqs.tolist() == model.freqs.tolist()
    assert ec.decode(enc) == b"ABCAADABCA" * 50
    assert ec.encode(b"AB", coder=coder, model=model, scale_bits=12).model.scale_bits == 12
    fine = ec.FrequencyTable.from_data(b"ABCAADABCA").quantize(28)  # finer than the coders take
    assert ec.encode(b"AB", coder=coder, model=fine).model.scale_bits == 24

"""Categorical (entropycodec.models.positional): the per-position classifier model, its
deterministic frequency rule (models/positional_kernels.py, CATEGORICAL and LOGITS),
both coders, the report, and `entropycodec analyze LABELS.npy --predictions PROBS.npy`."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import entropycodec as ec
from entropycodec.alphabet import Alphabet
from entropycodec.cli.main import cli
from entropycodec.errors import ChecksumError, CorruptDataError, InvalidInputError
from entropycodec.models import positional_kernels as pk
from entropycodec.models.static import StaticModel
from entropycodec.sequence import decode_payload

CODERS = ("arithmetic", "rans")
# the cross-entropy essay's one-hot case: label 0 under three predictions
ESSAY_ROWS = np.array([[0.3, 0.2, 0.5], [0.7, 0.2, 0.1], [0.95, 0.03, 0.02]])
ESSAY_LABELS = np.array([0, 0, 0])


def softmax(logits: np.ndarray) -> np.ndarray:
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def random_case(seed: int, n: int, k: int, dtype=np.float64):
    """Dirichlet rows and labels drawn from them (so the model is the source)."""
    rng = np.random.default_rng(seed)
    rows = rng.dirichlet(np.full(k, 0.5), size=n).astype(dtype)
    p = rows.astype(np.float64)
    x = (rng.random(n)[:, None] > np.cumsum(p / p.sum(1, keepdims=True), axis=1)).sum(1)
    return rows, np.minimum(x, k - 1).astype(np.int64)


# -- the worked example ---------------------------------------------------------------------

def test_worked_example_bits():
    q = ec.Categorical(ESSAY_ROWS)
    ic = q.information_content(ESSAY_LABELS)
    assert ic.round(3).tolist() == [1.737, 0.515, 0.074]
    assert ic.tolist() == pytest.approx([-math.log2(0.3), -math.log2(0.7), -math.log2(0.95)],
                                        abs=1e-12)
    assert q.cross_entropy(ESSAY_LABELS) == pytest.approx(ic.mean(), abs=1e-12)


def test_cross_entropy_base_e_is_the_framework_loss():
    q = ec.Categorical(ESSAY_ROWS)
    by_hand = -(math.log(0.3) + math.log(0.7) + math.log(0.95)) / 3
    assert q.cross_entropy(ESSAY_LABELS, base=math.e) == pytest.approx(by_hand, abs=1e-12)
    assert round(by_hand, 6) == 0.537314
    assert q.cross_entropy(ESSAY_LABELS, base=10) == pytest.approx(by_hand / math.log(10), abs=1e-12)


@pytest.mark.parametrize("base", [1, 0.5, -2, "x", math.inf])
def test_bad_base(base):
    with pytest.raises(InvalidInputError, match="base"):
        ec.Categorical(ESSAY_ROWS).cross_entropy(ESSAY_LABELS, base=base)


@pytest.mark.parametrize("coder", CODERS)
def test_worked_example_round_trip(coder):
    q = ec.Categorical(ESSAY_ROWS)
    enc = ec.encode(ESSAY_LABELS, coder=coder, model=q)
    assert ec.decode(enc).tolist() == [0, 0, 0]
    assert ec.decode(enc.payload, 3, model=q, coder=coder).tolist() == [0, 0, 0]


def test_always_right_uniform_and_marginal_predictions():
    """The issue's three reference points: ~0 bits, log2 K bits, H(P) bits per label."""
    rng = np.random.default_rng(3)
    n, k = 20_000, 10
    x = rng.integers(0, k, n)
    right = np.full((n, k), 1e-9)
    right[np.arange(n), x] = 1.0
    report = ec.analyze(x, model=ec.Categorical(right))
    assert report.model_bound_bits == pytest.approx(n * (k - 1) * 1e-9 / math.log(2), rel=1e-6)
    assert report.coders["arithmetic"].total_bits == 8
    assert report.coders["rans"].total_bits == 24  # one lane's state, which started at 1
    uniform = ec.analyze(x, model=ec.Categorical(np.ones(k)))
    assert uniform.model_bound_bits / n == pytest.approx(math.log2(k), abs=1e-12)
    assert uniform.coders["arithmetic"].total_bits == 66_448
    counts = np.bincount(x, minlength=k)
    marginal = ec.analyze(x, model=ec.Categorical(counts / n))
    assert marginal.model_bound_bits / n == pytest.approx(ec.entropy(counts), abs=1e-12)
    assert marginal.kl_divergence_bits_per_symbol == pytest.approx(0.0, abs=1e-12)
    assert marginal.coders["arithmetic"].total_bits == 66_456


# -- logits, float32, the shared row --------------------------------------------------------

def test_logits_match_softmaxed_rows():
    rng = np.random.default_rng(4)
    logits = rng.normal(0, 3, (500, 12))
    x = rng.integers(0, 12, 500)
    ql = ec.Categorical(logits, logits=True)
    qp = ec.Categorical(softmax(logits))
    np.testing.assert_allclose(ql.information_content(x), qp.information_content(x),
                               rtol=0, atol=1e-12)
    assert ql.cross_entropy(x, base=math.e) == pytest.approx(qp.cross_entropy(x, base=math.e),
                                                            abs=1e-12)
    np.testing.assert_allclose(ql.probabilities(), softmax(logits), rtol=0, atol=1e-15)
    # the essay's rows as log-probabilities plus a per-row shift: the same bits
    shifted = ec.Categorical(np.log(ESSAY_ROWS) + np.array([[5.0], [-40.0], [0.25]]), logits=True)
    np.testing.assert_allclose(shifted.information_content(ESSAY_LABELS),
                               [-math.log2(0.3), -math.log2(0.7), -math.log2(0.95)], atol=1e-12)
    for coder in CODERS:
        enc = ec.encode(x, coder=coder, model=ql)
        np.testing.assert_array_equal(ec.decode(enc), x)
        np.testing.assert_array_equal(decode_payload(enc.payload, 500, model=ql, coder=coder), x)


def test_logits_extreme_values_stay_codable():
    q = ec.Categorical(np.array([[0.0, -1000.0, -1e308], [1e308, -1e308, 0.0]]), logits=True)
    x = np.array([1, 1])
    assert q.information_content(x)[0] == pytest.approx(1000 / math.log(2), rel=1e-12)
    assert math.isinf(q.information_content(x)[1])
    # the floor: every symbol keeps frequency >= 1 of 2**20
    assert q.coded_information(x).max() <= 20.0
    for coder in CODERS:
        np.testing.assert_array_equal(ec.decode(ec.encode(x, coder=coder, model=q)), x)


@pytest.mark.parametrize("coder", CODERS)
def test_float32_rows(coder):
    rows, x = random_case(5, 2000, 16, np.float32)
    q = ec.Categorical(rows)
    assert q.rows.dtype == np.float32
    ref = ec.Categorical(rows.astype(np.float64))
    np.testing.assert_allclose(q.information_content(x), ref.information_content(x), atol=1e-12)
    # a float32 value is exactly a double: the same integer frequencies
    np.testing.assert_array_equal(q.coded_information(x), ref.coded_information(x))
    enc = ec.encode(x, coder=coder, model=q)
    assert enc.payload == ec.encode(x, coder=coder, model=ref).payload
    np.testing.assert_array_equal(ec.decode(enc), x)


@pytest.mark.parametrize("coder", CODERS)
def test_shared_row_is_the_static_path(coder):
    rng = np.random.default_rng(3)
    n, k = 5000, 7
    row = rng.random(k)
    x = rng.integers(0, k, n)
    q = ec.Categorical(row)
    assert q.positional is False and q.n_positions is None
    freqs = q.frequencies()
    assert freqs.sum() == 1 << q.scale_bits and freqs.min() >= 1
    static = StaticModel(Alphabet(range(k)), freqs, q.scale_bits)
    enc = ec.encode(x, coder=coder, model=q)
    assert enc.payload == ec.encode(x, coder=coder, model=static).payload
    np.testing.assert_array_equal(ec.decode(enc), x)
    tiled = ec.Categorical(np.tile(row, (n, 1)))
    np.testing.assert_array_equal(tiled.coded_information(x), q.coded_information(x))
    if coder == "rans":  # the per-position rANS stream is the static one
        assert ec.encode(x, coder=coder, model=tiled).payload == enc.payload


def test_row_frequencies_sum_and_floor():
    rows = np.array([[0.0, 0.0, 1.0, 0.0], [1e-300, 1.0, 1e-300, 0.0], [1.0, 1.0, 1.0, 1.0],
                     [3.0, 1.0, 2.0, 1e6]])
    q = ec.Categorical(rows)
    M = 1 << q.scale_bits
    assert q.scale_bits == 20
    got = [q.row_frequencies(i).tolist() for i in range(4)]
    assert got == [[1, 1, M - 3, 1], [1, M - 3, 1, 1], [M // 4] * 4, [4, 2, 3, M - 9]]
    rows, _ = random_case(9, 300, 40)
    q = ec.Categorical(rows, scale_bits=7)  # 2**7 >= 2 * 40: the smallest scale it takes
    for i in range(300):
        f = q.row_frequencies(i)
        assert f.sum() == 128 and f.min() >= 1


def test_scale_bits_rules():
    assert ec.Categorical(np.ones(300)).scale_bits == 20
    assert ec.Categorical(np.ones(2), scale_bits=2).scale_bits == 2
    for bad in (1, 0, 25, True, 2.0):
        with pytest.raises(InvalidInputError, match="scale_bits"):
            ec.Categorical(np.ones(3), scale_bits=bad)


# -- the frequency rule against a pure-Python reference (from the kernels' docstring) ---------

_INV_LN2 = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_TAYLOR = [1.0 / math.factorial(d) for d in range(13, -1, -1)]


def exp_det_reference(x: float) -> float:
    """exp(x), x <= 0: Cody-Waite reduction, degree-13 Taylor polynomial (Horner), times 2**k."""
    if x < -745.0:
        return 0.0
    k = math.floor(x * _INV_LN2 + 0.5)
    r = (x - k * _LN2_HI) - k * _LN2_LO
    p = _TAYLOR[0]
    for c in _TAYLOR[1:]:
        p = p * r + c
    return p * math.ldexp(1.0, k)


def cumulative_reference(row, scale_bits: int, logits: bool = False) -> list[int]:
    """cum_0 .. cum_k of one row by the documented CATEGORICAL / LOGITS rule: blocks of 8
    weights, each summed left to right; bases B_0 = 0, B_(b+1) = B_b + block b; P_s =
    B_(s div 8) + (p_(8b) + ... + p_(s-1)); w = (M - k) / P_k; cum_s = floor(P_s w) + s."""
    p = [float(v) for v in row]
    if logits:
        top = max(p)
        p = [exp_det_reference(v - top) for v in p]
    k, M = len(p), 1 << scale_bits

    def run(start, end):
        t = 0.0
        for j in range(start, end):
            t += p[j]
        return t

    bases = [0.0]
    for b in range((k + 7) // 8):
        bases.append(bases[-1] + run(8 * b, min(8 * b + 8, k)))
    w = (M - k) / bases[-1]
    return [math.floor((bases[s // 8] + run(8 * (s // 8), s)) * w) + s for s in range(k)] + [M]


def kernel_args(rows, scale_bits, logits=False):
    k = rows.shape[1]
    fam = pk.LOGITS if logits else pk.CATEGORICAL
    return (fam, rows, np.zeros((1, 1)), np.zeros((1, 1), dtype=np.int64),
            np.array([scale_bits, k], dtype=np.int64), np.empty((3, k + 8)), np.empty(k, np.int64))


def check_rule(rows: np.ndarray, scale_bits: int, logits: bool, probes) -> None:
    fam, A, B, T, P, sf, si = kernel_args(rows, scale_bits, logits)
    M = 1 << scale_bits
    symbols = np.zeros(rows.shape[0], dtype=np.int64)
    for i in range(rows.shape[0]):
        cum = cumulative_reference(rows[i], scale_bits, logits)
        assert cum[0] == 0 and cum[-1] == M
        for s in range(rows.shape[1]):
            f = cum[s + 1] - cum[s]
            assert f >= 1
            assert pk.interval(fam, i, s, symbols, A, B, T, P, sf, si) == (f, cum[s])
            for m in {cum[s], cum[s + 1] - 1, cum[s] + f // 2}:
                assert pk.lookup(fam, i, m, symbols, A, B, T, P, sf, si) == (s, f, cum[s])
        for m in probes:
            m %= M
            s = max(j for j in range(rows.shape[1]) if cum[j] <= m)
            assert pk.lookup(fam, i, m, symbols, A, B, T, P, sf, si) == (s, cum[s + 1] - cum[s], cum[s])


def test_kernel_docstring_example_by_reference():
    assert cumulative_reference([0.5, 0.2, 0.2, 0.1], 4) == [0, 7, 10, 13, 16]


def test_exp_det_is_the_documented_polynomial():
    xs = [0.0, -1e-300, -1e-9, -0.3466, -0.5, -1.0, -2.5, -10.0, -88.7, -300.0, -700.0,
          -744.9, -745.0, -745.1, -1000.0]
    xs += (-np.random.default_rng(0).exponential(20.0, 200)).tolist()
    for x in xs:
        assert pk.exp_det(x) == exp_det_reference(x), x
        if x > -700:
            assert pk.exp_det(x) == pytest.approx(math.exp(x), rel=1e-15)


_weights = st.floats(0.0, 1e3, allow_nan=False, allow_infinity=False)


@st.composite
def categorical_rows(draw):
    k = draw(st.integers(1, 20))
    n = draw(st.integers(1, 3))
    logits = draw(st.booleans())
    element = st.floats(-60.0, 60.0) if logits else _weights
    rows = np.array(draw(st.lists(st.lists(element, min_size=k, max_size=k), min_size=n,
                                  max_size=n)), dtype=np.float64).reshape(n, k)
    if not logits:
        rows[:, draw(st.integers(0, k - 1))] += draw(st.floats(1e-6, 10.0))  # not all zero
    if draw(st.booleans()):
        rows = rows.astype(np.float32)
    scale_bits = draw(st.integers((2 * k - 1).bit_length(), 24))
    probes = draw(st.lists(st.integers(0, (1 << 24) - 1), max_size=4))
    return rows, scale_bits, logits, probes


@settings(max_examples=150, deadline=None)
@given(categorical_rows())
def test_rule_matches_reference(case):
    rows, scale_bits, logits, probes = case
    check_rule(rows, scale_bits, logits, probes)
    q = ec.Categorical(rows, logits=logits, scale_bits=scale_bits)
    for i in range(rows.shape[0]):
        cum = cumulative_reference(rows[i], scale_bits, logits)
        assert q.row_frequencies(i).tolist() == np.diff(cum).tolist()


def test_rule_every_slot_small_scale():
    """With M = 2**7 every slot m is looked up and lands in its own interval."""
    rows = np.array([[0.0, 5.0, 1e-9, 3.0, 0.0, 2.0, 7.0, 1.0, 0.5, 0.25, 4.0]])
    check_rule(rows, 7, False, range(128))
    check_rule(np.log(rows + 1e-3), 7, True, range(128))


# -- golden bytes and the size bound --------------------------------------------------------

GOLDEN_ROWS = np.arange(40, dtype=np.float64).reshape(8, 5) % 7 + 1
GOLDEN_LABELS = np.array([0, 1, 2, 3, 4, 0, 2, 4])
GOLDEN = {
    "arithmetic": "08e93b",
    "rans": "6f0380f931",  # one lane's final state, 5 bytes: 20 bits of start, 17.4 of data
}


@pytest.mark.parametrize("coder", CODERS)
def test_golden_payload(coder):
    q = ec.Categorical(GOLDEN_ROWS)
    assert q.row_frequencies(0).tolist() == [69905, 139811, 209715, 279620, 349525]
    enc = ec.encode(GOLDEN_LABELS, coder=coder, model=q)
    assert enc.payload.hex() == GOLDEN[coder]
    assert enc.header_bits == 0
    assert decode_payload(bytes.fromhex(GOLDEN[coder]), 8, model=q, coder=coder).tolist() \
        == GOLDEN_LABELS.tolist()
    assert q.information_content(GOLDEN_LABELS).sum() == pytest.approx(17.350805407080614, abs=1e-9)
    assert q.coded_information(GOLDEN_LABELS).sum() == pytest.approx(17.35081153296597, abs=1e-9)


def test_100k_positions_payload_bound():
    """n = 1e5, K = 16: payload within 0.01% of sum -log2 q_i(x_i) of the quantized rows
    (rANS: plus its lane's state, in whole bytes, and its 32-bit words)."""
    rows, x = random_case(11, 100_000, 16)
    q = ec.Categorical(rows)
    coded = float(q.coded_information(x).sum())
    assert abs(coded - float(q.information_content(x).sum())) < 1e-4 * coded  # the rounding
    arith = ec.encode(x, coder="arithmetic", model=q)
    rans = ec.encode(x, coder="rans", model=q)
    # (the flush may end a few bits short of the information: the last interval is wide)
    assert abs(arith.payload_bits - coded) <= 1e-4 * coded
    assert abs(rans.payload_bits - coded) <= 1e-4 * coded + 64
    assert (arith.payload_bits, rans.payload_bits) == (303176, 303200)
    for enc in (arith, rans):
        np.testing.assert_array_equal(ec.decode(enc), x)


# -- bad input ------------------------------------------------------------------------------

def one_line_error(call, *fragments):
    with pytest.raises(InvalidInputError) as info:
        call()
    text = str(info.value)
    assert "\n" not in text
    for frag in fragments:
        assert frag in text, text
    return text


@pytest.mark.parametrize("rows, fragments", [
    ([[0.3, np.nan, 0.5], [1, 1, 1]], ("nan", "row 0, column 1", "not finite")),
    ([[0.3, 0.1, 0.5], [1, np.inf, 1]], ("inf", "row 1, column 1", "not finite")),
    ([[0.3, 0.1, 0.5], [1, 1, -np.inf]], ("-inf", "row 1, column 2")),
    ([[0.3, 0.1, 0.5], [1, -1, 1]], ("-1.0", "row 1, column 1", "negative")),
    ([[0.3, 0.1, 0.5], [0, 0, 0]], ("row 1", "all zero")),
    ([0.0, 0.0, 0.0], ("all zero",)),
    ([0.5, -0.5], ("-0.5", "index 1", "negative")),
    (np.zeros((2, 2, 2)), ("shape (2, 2, 2)",)),
    (np.zeros((2, 0)), ("shape (2, 0)",)),
    (np.float64(1.0), ("shape ()",)),
    (np.array([[True, False]]), ("dtype bool",)),
    (np.array([["a", "b"]]), ("dtype <U1",)),
    (np.array([[1, 2]], dtype=np.float16), ("dtype float16",)),
])
def test_bad_rows(rows, fragments):
    one_line_error(lambda: ec.Categorical(np.asarray(rows)), *fragments)


def test_bad_logits():
    one_line_error(lambda: ec.Categorical(np.array([[0.0, np.nan]]), logits=True),
                   "logit nan", "row 0, column 1")
    # negative and all-zero logits are fine: they are log-probabilities
    q = ec.Categorical(np.array([[-1.0, -1.0], [0.0, 0.0]]), logits=True)
    assert q.information_content([0, 1]).tolist() == [1.0, 1.0]


@pytest.mark.parametrize("symbols, fragments", [
    (np.array([0, 1]), ("3 positions", "2 symbols")),
    (np.array([0, 1, 2, 0]), ("3 positions", "4 symbols")),
    (np.array([0, 3, 1]), ("symbol 3", "position 1", "0..2")),
    (np.array([0, 1, -1]), ("symbol -1", "position 2")),
    (np.array([0, 1, 1.5]), ("integers", "float64")),
    (np.array([0, np.nan, 1]), ("integers",)),
    (np.array([True, False, True]), ("dtype bool",)),
    (np.array(["a", "b", "c"]), ("dtype <U1",)),
    (b"\x00\x01\x02", ("integers",)),
    (np.array([[0, 1, 2]]), ("one-dimensional", "(1, 3)")),
])
def test_bad_symbols(symbols, fragments):
    q = ec.Categorical(np.full((3, 3), 1 / 3))
    for call in (lambda: ec.encode(symbols, coder="rans", model=q),
                 lambda: ec.encode(symbols, coder="arithmetic", model=q),
                 lambda: q.information_content(symbols),
                 lambda: q.coded_information(symbols),
                 lambda: ec.analyze(symbols, model=q)):
        one_line_error(call, *fragments)


def test_coders_that_cannot_take_it():
    q = ec.Categorical(ESSAY_ROWS)
    for coder in ("huffman", "adaptive"):
        one_line_error(lambda c=coder: ec.encode(ESSAY_LABELS, coder=c, model=q), "arithmetic or rans")
    one_line_error(lambda: ec.encode(ESSAY_LABELS, coder="rans", model=q, scale_bits=12),
                   "scale_bits")
    one_line_error(lambda: decode_payload(b"", 3, model=q, coder="huffman"), "coder")
    one_line_error(lambda: decode_payload(b"", 3, model={0: 1.0}), "Categorical")
    one_line_error(lambda: ec.decode(ec.encode(ESSAY_LABELS, model=q), 3), "no n or model")
    one_line_error(lambda: ec.decode(b"\x00", 3), "needs n and the model")


# -- decoding with another model ------------------------------------------------------------

@pytest.mark.parametrize("coder", CODERS)
def test_other_model_gives_wrong_symbols_or_corrupt(coder):
    rng = np.random.default_rng(7)
    n, k = 300, 6
    rows, x = random_case(7, n, k)
    q = ec.Categorical(rows)
    enc = ec.encode(x, coder=coder, model=q)
    outcomes = set()
    for _ in range(30):
        other = ec.Categorical(rng.dirichlet(np.ones(k), n))
        try:
            out = ec.decode(enc.payload, n, model=other, coder=coder)
        except CorruptDataError:
            outcomes.add("corrupt")
        else:
            assert out.shape == (n,) and out.min() >= 0 and out.max() < k
            outcomes.add("same" if (out == x).all() else "wrong")
        with pytest.raises(ChecksumError):  # the Encoded's CRC catches the swap
            ec.decode(dataclasses.replace(enc, model=other))
    assert "same" not in outcomes
    # another number of positions is refused before decoding
    one_line_error(lambda: ec.decode(enc.payload, n - 1, model=q, coder=coder), "positions")
    # a copy of the same rows is the same model
    np.testing.assert_array_equal(ec.decode(dataclasses.replace(enc, model=ec.Categorical(rows.copy()))), x)


@pytest.mark.parametrize("coder", CODERS)
def test_truncated_and_flipped_bare_payloads(coder):
    rows, x = random_case(8, 200, 5)
    q = ec.Categorical(rows)
    payload = ec.encode(x, coder=coder, model=q).payload
    for cut in range(len(payload)):
        try:
            out = decode_payload(payload[:cut], 200, model=q, coder=coder)
        except CorruptDataError:
            continue
        assert out.shape == (200,)  # a range stream may decode from its zero padding
    for bit in range(0, 8 * len(payload), 5):
        damaged = bytearray(payload)
        damaged[bit // 8] ^= 1 << (bit % 8)
        try:
            decode_payload(bytes(damaged), 200, model=q, coder=coder)
        except CorruptDataError:
            pass


# -- the report -----------------------------------------------------------------------------

def test_report_parts_add_up_to_the_measured_size():
    rows, x = random_case(12, 3000, 8)
    q = ec.Categorical(rows)
    report = ec.analyze(x, model=q)
    bound = float(q.information_content(x).sum())
    coded = float(q.coded_information(x).sum())
    assert report.model_bound_bits == pytest.approx(bound, abs=1e-9)
    assert report.bound_bits == report.model_bound_bits
    counts = np.bincount(x, minlength=8)
    assert report.entropy_bits_per_symbol == pytest.approx(ec.entropy(counts), abs=1e-12)
    assert report.cross_entropy_bits_per_symbol == pytest.approx(bound / 3000, abs=1e-12)
    assert report.kl_divergence_bits_per_symbol == pytest.approx(
        bound / 3000 - ec.entropy(counts), abs=1e-12)
    assert report.kl_divergence_bits_per_symbol < 0  # the rows beat the marginal
    assert set(report.coders) == set(CODERS)
    for coder, acc in report.coders.items():
        enc = ec.encode(x, coder=coder, model=q)
        assert acc.payload_bits == enc.payload_bits and acc.header_bits == 0
        assert set(acc.overhead_bits) == {"quantization", "termination", "header"}
        assert acc.overhead_bits["quantization"] == pytest.approx(coded - bound, abs=1e-9)
        assert sum(acc.overhead_bits.values()) == pytest.approx(acc.total_bits - bound, abs=1e-6)
    text = report.to_text()
    assert "H(P,Q) - H(P) = -" in text and "better than coding with the marginal" in text
    doc = report.to_dict()
    assert doc["model"] == "Categorical(3000x8, scale_bits=20)"
    assert doc["model_bound_bits"] == pytest.approx(bound)
    one_line_error(lambda: ec.analyze(x, model=q, coders=("huffman",)), "huffman")


# -- the CLI --------------------------------------------------------------------------------

@pytest.fixture
def npy(tmp_path):
    def save(name, array, **kw):
        path = tmp_path / name
        np.save(path, array, **kw)
        return str(path)
    return save


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def assert_one_line_failure(result, fragment):
    assert result.exit_code == 1, (result.exit_code, result.output)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("entropycodec: "), result.stderr
    assert fragment in lines[0], lines[0]
    assert "Traceback" not in result.output


def test_cli_predictions_text_and_json(npy):
    labels, probs = npy("labels.npy", ESSAY_LABELS), npy("probs.npy", ESSAY_ROWS)
    result = run("analyze", labels, "--predictions", probs)
    assert result.exit_code == 0, result.output
    assert "model Q = Categorical(3x3, scale_bits=20): bound sum -log2 q_i(x_i) = 2.3 bits, " \
           "H(P,Q) = 0.775180 bits/symbol" in result.stdout
    assert "quantization" in result.stdout and "termination" in result.stdout
    result = run("analyze", labels, "--predictions", probs, "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["n_symbols"] == 3 and doc["alphabet_size"] == 3
    assert doc["model_bound_bits"] == pytest.approx(-math.log2(0.3 * 0.7 * 0.95), abs=1e-12)
    assert doc["entropy_bits_per_symbol"] == 0.0
    assert doc["coders"]["arithmetic"]["payload_bits"] == 0
    assert doc["coders"]["rans"]["payload_bits"] == 24  # 2.3 bits in a state that starts at 2**20
    logits = npy("logits.npy", np.log(ESSAY_ROWS) + 3.0)
    result = run("analyze", labels, "--predictions", logits, "--logits", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["model_bound_bits"] == pytest.approx(
        doc["model_bound_bits"], abs=1e-12)
    assert json.loads(result.stdout)["model"] == "Categorical(3x3, logits, scale_bits=20)"


def test_cli_predictions_bad_inputs(npy, tmp_path):
    labels, probs = npy("labels.npy", ESSAY_LABELS), npy("probs.npy", ESSAY_ROWS)
    assert_one_line_failure(run("analyze", labels, "--predictions", npy("p4.npy", np.ones((4, 3)))),
                            "has 4 rows")
    assert_one_line_failure(run("analyze", labels, "--predictions", npy("p1.npy", np.ones(3))),
                            "n x k")
    assert_one_line_failure(run("analyze", npy("l2.npy", np.zeros((3, 1), int)), "--predictions",
                                probs), "one-dimensional")
    assert_one_line_failure(run("analyze", npy("l3.npy", np.array([0, 5, 0])), "--predictions",
                                probs), "symbol 5 at position 1")
    assert_one_line_failure(run("analyze", labels, "--predictions",
                                npy("nan.npy", np.array([[0.5, np.nan, 0.5]] * 3))), "not finite")
    text = tmp_path / "labels.txt"
    text.write_text("0 0 0\n")
    assert_one_line_failure(run("analyze", text, "--predictions", probs), "not a numpy .npy file")
    obj = npy("obj.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    assert_one_line_failure(run("analyze", obj, "--predictions", probs), "Object arrays")
    assert_one_line_failure(run("analyze", labels, "--predictions", obj), "Object arrays")
    cut = tmp_path / "cut.npy"
    cut.write_bytes((tmp_path / "probs.npy").read_bytes()[:100])
    assert_one_line_failure(run("analyze", labels, "--predictions", cut), "cut.npy")
    assert run("analyze", labels, "--logits").exit_code == 2  # --logits needs --predictions


@settings(max_examples=300, deadline=None)
@given(st.integers(11, 24), st.data())
def test_state_division_is_exact(scale, data):
    """The per-position rANS encoder divides its state in doubles from scale 11 on; the
    quotient and remainder must be exact over the whole renormalized range, edges included:
    L <= x < 2**(63 - scale) f."""
    from entropycodec.coders.positional_kernels import _divmod_state

    f = data.draw(st.one_of(st.integers(1, 4), st.integers(1, 1 << scale),
                            st.integers((1 << scale) - 4, 1 << scale)))
    top = (1 << (63 - scale)) * f - 1
    x = data.draw(st.one_of(st.integers(1 << 31, top), st.integers(max(1 << 31, top - 1024), top)))
    assert _divmod_state(x, f, scale) == divmod(x, f)

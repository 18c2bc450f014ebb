"""The quantized continuous families (entropycodec.models.quantized): QuantizedGaussian,
QuantizedLaplace, QuantizedLogistic, their exact CDF tables (models/cdf_tables.py) and the
integer rule QUANTIZED of models/positional_kernels.py."""

from __future__ import annotations

import math
import zlib

import numpy as np
import pytest

import entropycodec as ec
from entropycodec.errors import CorruptDataError, InvalidInputError
from entropycodec.models import positional_kernels as pk
from entropycodec.models.cdf_tables import CDF_BITS, FAMILIES, GRID_BITS, cdf_table, table_range
from entropycodec.sequence import decode_payload

CODERS = ("arithmetic", "rans")
FAMILY_CLASSES = {"gaussian": ec.QuantizedGaussian, "laplace": ec.QuantizedLaplace,
                  "logistic": ec.QuantizedLogistic}
CLASSES = list(FAMILY_CLASSES.values())


def float_cdf(family: str, z: float) -> float:
    if family == "gaussian":
        return 0.5 * math.erfc(-z / math.sqrt(2))
    if family == "laplace":
        return 0.5 * math.exp(z) if z < 0 else 1 - 0.5 * math.exp(-z)
    return 1 / (1 + math.exp(-z))


def latents(seed: int, n: int, low: int = -40, high: int = 40):
    rng = np.random.default_rng(seed)
    loc = rng.normal(0, 5, n)
    scale = rng.uniform(0.3, 6, n)
    x = np.clip(np.round(loc + scale * rng.standard_normal(n)), low, high).astype(np.int64)
    return loc, scale, x


# -- the tables -----------------------------------------------------------------------------

@pytest.mark.parametrize("family, size, crc", [
    ("gaussian", 2561, 1736728464), ("laplace", 7169, 3933046554), ("logistic", 7681, 2388876001)])
def test_cdf_table_pinned(family, size, crc):
    t = cdf_table(family)
    assert t.dtype == np.int64 and t.size == size == 2 * FAMILIES[family] * (1 << GRID_BITS) + 1
    assert zlib.crc32(t.astype("<i8").tobytes()) == crc
    assert t[0] == 0 and t[-1] == 1 << CDF_BITS and t[t.size // 2] == 1 << (CDF_BITS - 1)
    assert (np.diff(t) >= 0).all()
    assert not t.flags.writeable
    with pytest.raises(KeyError):
        cdf_table("cauchy")


@pytest.mark.parametrize("family", FAMILIES)
def test_cdf_table_entries_against_math(family):
    t = cdf_table(family)
    z_max = table_range(family)
    for z in (-9.5, -5.0, -2.0, -1.0, -0.5, -1 / 128, 0.25, 1.0, 3.0, 7.75):
        if abs(z) >= z_max:
            continue
        j = round((z + z_max) * (1 << GRID_BITS))
        assert abs(int(t[j]) - round(float_cdf(family, z) * 2.0 ** CDF_BITS)) <= 1, (family, z)
    exact = {"gaussian": [(-5.0, 78794), (-1.0, 43610824126), (1.0, 231267082818)],
             "laplace": [(-20.0, 283), (-1.0, 50560965398), (2.0, 256277567248)],
             "logistic": [(-20.0, 567), (-1.0, 73926054997), (2.0, 242111657237)]}[family]
    for z, value in exact:
        assert int(t[round((z + z_max) * (1 << GRID_BITS))]) == value


# -- the float model ------------------------------------------------------------------------

@pytest.mark.parametrize("family", FAMILIES)
def test_lookup_on_a_wide_support_matches_the_cum_array(family):
    """The decoder's search starts from a floating-point guess; its answer must be the
    exact interval however far the guess is off: wide scales, scales of a fraction of a
    symbol, locations far outside the support, and R close to M (the +j term dominates)."""
    rng = np.random.default_rng(7)
    n, low, high = 24, -1000, 1000
    loc = rng.uniform(-1500, 1500, n)
    scale = np.exp(rng.uniform(np.log(1e-3), np.log(3e3), n))
    for bits in (12, 20):  # 2**12 = 4096 slots for 2001 symbols: the j term is half of cum
        q = FAMILY_CLASSES[family](loc, scale, low, high, scale_bits=bits)
        fam, A, B, T, P = q.kernel_arguments(n)
        sf, si, symbols = np.empty((3, 8)), np.empty(1, np.int64), np.zeros(n, np.int64)
        R, M = high - low + 1, 1 << bits
        for i in range(n):
            cums = np.array([pk.interval(fam, i, j, symbols, A, B, T, P, sf, si)[1]
                             for j in range(R)] + [M])
            for m in np.concatenate([rng.integers(0, M, 40), [0, M - 1], cums[1:-1], cums[1:-1] - 1]):
                j = int(np.searchsorted(cums, m, side="right")) - 1
                assert pk.lookup(fam, i, int(m), symbols, A, B, T, P, sf, si) == (
                    j, int(cums[j + 1] - cums[j]), int(cums[j])), (i, int(m), bits)


@pytest.mark.parametrize("cls", CLASSES)
@pytest.mark.parametrize("loc, scale, low, high", [
    (0.0, 1.0, -3, 3), (2.3, 0.4, -8, 8), (-30.0, 2.0, -8, 8), (100.0, 5.0, -8, 8),
    (0.5, 1e-3, 0, 1), (0.0, 50.0, -5, 5), (7.0, 1.0, 7, 7)])
def test_probabilities_sum_to_one(cls, loc, scale, low, high):
    q = cls(loc, scale, low, high)
    p = q.probabilities(np.arange(low, high + 1))
    assert p.min() >= 0 and float(p.sum()) == pytest.approx(1.0, abs=1e-12)


def test_gaussian_probabilities_by_hand():
    q = ec.QuantizedGaussian(0.0, 1.0, -3, 3)
    p = q.probabilities(np.arange(-3, 4))
    phi = [float_cdf("gaussian", z) for z in (-2.5, -1.5, -0.5, 0.5, 1.5, 2.5)]
    by_hand = [phi[0]] + [phi[i + 1] - phi[i] for i in range(5)] + [1 - phi[-1]]
    np.testing.assert_allclose(p, by_hand, rtol=0, atol=1e-15)
    assert p.round(4).tolist() == [0.0062, 0.0606, 0.2417, 0.3829, 0.2417, 0.0606, 0.0062]
    assert q.information_content([0]).tolist() == pytest.approx([-math.log2(phi[3] - phi[2])])


def test_parameter_names_and_repr():
    g = ec.QuantizedGaussian(np.array([0.0, 1.0]), 2.0, -4, 4)
    assert g.mean.tolist() == [0.0, 1.0] and g.std.tolist() == [2.0]
    assert repr(g) == "QuantizedGaussian(<2 values>, 2, -4, 4, scale_bits=20)"
    assert repr(ec.QuantizedLaplace(0.5, 1.0, 0, 9)) == "QuantizedLaplace(0.5, 1, 0, 9, scale_bits=20)"


# -- the integer model: the documented rule -------------------------------------------------

def quantized_cum_reference(family, j, loc, scale, low, R, scale_bits):
    """cum_j by the QUANTIZED rule of the kernels' docstring."""
    M = 1 << scale_bits
    if j <= 0:
        return 0
    if j >= R:
        return M
    z_max = table_range(family)
    table = cdf_table(family)
    z = (float(low + j) - 0.5 - loc) / scale
    if not z > -z_max:
        c = 0
    elif z >= z_max:
        c = 1 << CDF_BITS
    else:
        u = math.floor((z + z_max) * (1 << (GRID_BITS + 16)))
        g = u >> 16
        frac = u & 0xFFFF  # 0 at the last knot, which z + z_max reaches by rounding
        c = int(table[g]) + ((((int(table[g + 1]) - int(table[g])) * frac) >> 16) if frac else 0)
    return ((c * (M - R)) >> CDF_BITS) + j


def test_cdf_at_the_last_knot():
    """z just below Z, where z + Z rounds up to 2 Z: u lands on the table's last knot with
    a zero fraction, and the rule reads no knot past the table."""
    loc = -9.5 + 2.0 ** -49  # symbol 1 of [0, 4]: z = 10 - 2**-49, z + 10 rounds to 20
    assert (1 - 0.5 - loc) + 10 == 20.0
    q = ec.QuantizedGaussian(np.array([loc]), np.array([1.0]), 0, 4, scale_bits=16)
    rows, _ = all_intervals(q, 1)
    ref = [quantized_cum_reference("gaussian", j, loc, 1.0, 0, 5, 16) for j in range(5)]
    assert [c for _, c in rows[0]] == ref and ref[1] == ((1 << 16) - 5) + 1


def all_intervals(model, n):
    fam, A, B, T, P = model.kernel_arguments(n)
    sf, si = np.empty((3, 8)), np.empty(1, np.int64)
    symbols = np.zeros(max(n, 1), np.int64)
    return [[pk.interval(fam, i, j, symbols, A, B, T, P, sf, si) for j in range(model.alphabet_size)]
            for i in range(n)], (fam, A, B, T, P, sf, si, symbols)


@pytest.mark.parametrize("family", FAMILIES)
def test_integer_frequencies_every_position(family):
    loc, scale, _ = latents(1, 40, -12, 12)
    loc[:3] = [-100.0, 100.0, 0.0]  # all mass in one tail, or the other
    scale[:2] = 1.0  # 88 scales from the support: beyond every table
    scale[2] = 1e-4  # a point mass
    low, high = -12, 12
    q = FAMILY_CLASSES[family](loc, scale, low, high, scale_bits=16)
    R, M = high - low + 1, 1 << 16
    rows, (fam, A, B, T, P, sf, si, symbols) = all_intervals(q, 40)
    for i, row in enumerate(rows):
        freqs = [f for f, _ in row]
        cums = [c for _, c in row]
        assert cums[0] == 0 and min(freqs) >= 1 and sum(freqs) == M
        assert all(cums[j] + freqs[j] == (cums[j + 1] if j + 1 < R else M) for j in range(R))
        ref = [quantized_cum_reference(family, j, loc[i], scale[i], low, R, 16) for j in range(R + 1)]
        assert cums + [M] == ref
        for j, (f, c) in enumerate(row):  # the decoder's search finds each interval
            for m in {c, c + f - 1, c + f // 2}:
                assert pk.lookup(fam, i, m, symbols, A, B, T, P, sf, si) == (j, f, c)
    # the tails fold into the end points: position 0's mass sits on low, position 1's on high
    assert rows[0][0][0] == M - (R - 1) and rows[1][-1][0] == M - (R - 1)
    assert max(f for f, _ in rows[2]) == M - (R - 1)


@pytest.mark.parametrize("cls", CLASSES)
def test_coded_information_is_the_kernel_frequency(cls):
    loc, scale, x = latents(2, 300, -20, 20)
    q = cls(loc, scale, -20, 20)
    rows, _ = all_intervals(q, 300)
    coded = q.coded_information(x)
    by_kernel = [q.scale_bits - math.log2(rows[i][x[i] + 20][0]) for i in range(300)]
    np.testing.assert_allclose(coded, by_kernel, rtol=0, atol=1e-12)


@pytest.mark.parametrize("cls", CLASSES)
def test_quantization_is_small(cls):
    loc, scale, x = latents(3, 5000)
    q = cls(loc, scale, -40, 40)
    info = q.information_content(x)
    coded = q.coded_information(x)
    assert abs(coded.sum() - info.sum()) < 1e-4 * info.sum()
    # at one position: the rounding of a frequency f = 2**(20 - coded) costs up to ~1/f
    # relative (0.03 bits at f = 83, 13.6 bits), the table's interpolation far less
    assert (np.abs(coded - info) < 4 * 2.0 ** (coded - q.scale_bits) + 1e-3).all()


# -- round trips ----------------------------------------------------------------------------

@pytest.mark.parametrize("cls", CLASSES)
@pytest.mark.parametrize("coder", CODERS)
def test_round_trips_arrays_scalars_broadcast(cls, coder):
    loc, scale, x = latents(4, 2000, -30, 30)
    for q in (cls(loc, scale, -30, 30), cls(loc, 2.0, -30, 30), cls(0.5, scale, -30, 30),
              cls(-1.25, 3.0, -30, 30), cls(loc.tolist(), scale.tolist(), -30, 30)):
        enc = ec.encode(x, coder=coder, model=q)
        np.testing.assert_array_equal(ec.decode(enc), x)
        np.testing.assert_array_equal(ec.decode(enc.payload, 2000, model=q, coder=coder), x)
        assert enc.header_bits == 0
    # scalars fit any length
    q = cls(0.0, 1.0, -30, 30)
    for n in (0, 1, 7):
        y = np.zeros(n, np.int64)
        np.testing.assert_array_equal(ec.decode(ec.encode(y, coder=coder, model=q)), y)


def test_one_integer_support_costs_nothing():
    q = ec.QuantizedGaussian(0.0, 1.0, 5, 5)
    assert q.coded_information([5, 5]).tolist() == [0.0, 0.0]
    assert ec.decode(ec.encode(np.array([5, 5]), model=q)).tolist() == [5, 5]


GOLDEN_MEAN = np.array([0.0, 1.5, -2.25, 3.0, 0.5, -0.5])
GOLDEN_STD = np.array([1.0, 0.5, 2.0, 1.25, 3.0, 0.75])
GOLDEN_X = np.array([0, 2, -3, 3, 1, -1])
GOLDEN = {"arithmetic": "90ca",
          "rans": "62d5c768"}  # one lane's final state


@pytest.mark.parametrize("coder", CODERS)
def test_golden_payload(coder):
    q = ec.QuantizedGaussian(GOLDEN_MEAN, GOLDEN_STD, -6, 6)
    assert ec.encode(GOLDEN_X, coder=coder, model=q).payload.hex() == GOLDEN[coder]
    assert decode_payload(bytes.fromhex(GOLDEN[coder]), 6, model=q, coder=coder).tolist() \
        == GOLDEN_X.tolist()


@pytest.mark.parametrize("cls", CLASSES)
def test_1e5_latents_payload_bound(cls):
    """N = 1e5 per-position latents: the range coder's payload within 0.01% of the coded
    information (rANS: plus its 32 bytes of states)."""
    loc, scale, x = latents(5, 100_000)
    q = cls(loc, scale, -40, 40)
    coded = float(q.coded_information(x).sum())
    for coder, slack in (("arithmetic", 0), ("rans", 256)):
        enc = ec.encode(x, coder=coder, model=q)
        assert abs(enc.payload_bits - coded) <= 1e-4 * coded + slack
        np.testing.assert_array_equal(ec.decode(enc), x)


# -- bad input ------------------------------------------------------------------------------

def one_line_error(call, *fragments):
    with pytest.raises(InvalidInputError) as info:
        call()
    text = str(info.value)
    assert "\n" not in text
    for frag in fragments:
        assert frag in text, text


@pytest.mark.parametrize("cls", CLASSES)
def test_bad_parameters(cls):
    s = cls.__init__.__code__.co_varnames[2]  # "std" or "scale"
    m = cls.__init__.__code__.co_varnames[1]
    one_line_error(lambda: cls(0.0, 0.0, -3, 3), f"{s} 0.0", "> 0")
    one_line_error(lambda: cls(0.0, -2.0, -3, 3), f"{s} -2.0")
    one_line_error(lambda: cls(0.0, np.array([1.0, 2.0, -1.0]), -3, 3), f"{s} -1.0 at position 2")
    one_line_error(lambda: cls(0.0, np.inf, -3, 3), f"{s} inf")
    one_line_error(lambda: cls(np.array([0.0, np.nan]), 1.0, -3, 3), f"{m} nan at position 1",
                   "finite")
    one_line_error(lambda: cls(np.inf, 1.0, -3, 3), f"{m} inf")
    one_line_error(lambda: cls(0.0, 1.0, 3, -3), "high (-3) must be >= low (3)")
    one_line_error(lambda: cls(np.zeros(3), np.ones(4), -3, 3), "3 values", "4", "broadcast")
    one_line_error(lambda: cls(np.zeros((2, 2)), 1.0, -3, 3), "shape (2, 2)")
    one_line_error(lambda: cls(np.zeros(0), 1.0, -3, 3), "empty")
    one_line_error(lambda: cls("a", 1.0, -3, 3), m)
    one_line_error(lambda: cls(0.0, 1.0, -3.5, 3), "low must be an integer")
    one_line_error(lambda: cls(0.0, 1.0, True, 3), "low must be an integer")
    one_line_error(lambda: cls(0.0, 1.0, 0, 1 << 23), "integers; at most")
    one_line_error(lambda: cls(0.0, 1.0, -3, 3, scale_bits=2), "scale_bits")
    assert cls(0.0, 1.0, -3.0, 3.0).low == -3  # an integral float is an integer


@pytest.mark.parametrize("cls", CLASSES)
def test_bad_symbols(cls):
    q = cls(np.zeros(3), 1.0, -3, 3)
    for call in (lambda s: ec.encode(s, coder="rans", model=q), q.information_content,
                 q.coded_information, lambda s: ec.analyze(s, model=q)):
        one_line_error(lambda call=call: call(np.array([0, 1, 4])), "symbol 4 at position 2", "-3..3")
        one_line_error(lambda call=call: call(np.array([-4, 1, 1])), "symbol -4 at position 0")
        one_line_error(lambda call=call: call(np.array([0, 1])), "3 positions", "2 symbols")
        one_line_error(lambda call=call: call(np.array([0, 0.5, 1])), "integers")
        one_line_error(lambda call=call: call(np.array(["a", "b", "c"])), "integers")


@pytest.mark.parametrize("coder", CODERS)
def test_other_model_gives_wrong_symbols_or_corrupt(coder):
    rng = np.random.default_rng(6)
    loc, scale, x = latents(6, 300, -10, 10)
    q = ec.QuantizedGaussian(loc, scale, -10, 10)
    enc = ec.encode(x, coder=coder, model=q)
    for _ in range(20):
        other = ec.QuantizedGaussian(rng.normal(0, 2, 300), rng.uniform(0.2, 3), -10, 10)
        try:
            out = ec.decode(enc.payload, 300, model=other, coder=coder)
        except CorruptDataError:
            continue
        assert not (out == x).all() and out.min() >= -10 and out.max() <= 10

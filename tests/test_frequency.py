"""FrequencyTable counting and KL-optimal quantization."""

import itertools
import math

import numpy as np
import pytest
from conftest import ALL_CORPUS_FILES, corpus_params
from hypothesis import given, settings
from hypothesis import strategies as st

from entropycodec import FrequencyTable, quantize_counts
from entropycodec.errors import InvalidInputError
from entropycodec.models.counts import quantization_loss


def brute_force_best(counts, scale_bits):
    """Minimal KL over all frequency vectors (tiny cases only)."""
    total = 1 << scale_bits
    nz = [i for i, c in enumerate(counts) if c]
    best = math.inf
    for combo in itertools.product(range(1, total + 1), repeat=len(nz)):
        if sum(combo) != total:
            continue
        f = [0] * len(counts)
        for i, v in zip(nz, combo):
            f[i] = v
        best = min(best, quantization_loss(counts, f))
    return best


def test_counts_of_bytes_strings_and_tuples():
    t = FrequencyTable.from_data(b"ABCAADABCA")
    assert t.counts.size == 256 and t.n == 10
    assert t.as_dict() == {65: 5, 66: 2, 67: 2, 68: 1}
    w = FrequencyTable.from_data(["to", "be", "or", "not", "to", "be"])
    assert w.symbols == ("be", "not", "or", "to") and w.counts.tolist() == [2, 1, 1, 2]
    mixed = FrequencyTable.from_data([(1, 2), "x", (1, 2), 3])  # not comparable: first appearance
    assert mixed.symbols == ((1, 2), "x", 3) and mixed.counts.tolist() == [2, 1, 1]


def test_quantization_total_exact_and_rare_symbol_kept():
    counts = np.zeros(256, dtype=np.int64)
    counts[0] = 10**7
    counts[1] = 1
    for s in (8, 12, 16, 20, 24):
        f = quantize_counts(counts, s)
        assert f.sum() == 1 << s
        assert f[1] >= 1 and f[0] + f[1] == 1 << s
        assert f[1] == max(1, round((1 << s) / (10**7 + 1)))  # KL optimum near M * p
        assert (f[2:] == 0).all()


@pytest.mark.parametrize("counts, s", [
    ([5, 2, 2, 1], 3), ([100, 1, 1, 1], 3), ([7, 7, 1], 2), ([1, 1, 1, 1], 2),
    ([50, 30, 15, 4, 1], 4), ([3, 0, 9, 1], 3),
])
def test_quantization_is_optimal_on_small_cases(counts, s):
    f = quantize_counts(counts, s)
    assert quantization_loss(counts, f) <= brute_force_best(counts, s) + 1e-12


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 1000), min_size=1, max_size=40).filter(lambda c: sum(c) > 0),
       st.integers(6, 16))
def test_quantization_invariants(counts, s):
    nz = sum(1 for c in counts if c)
    if nz > (1 << s):
        with pytest.raises(InvalidInputError):
            quantize_counts(counts, s)
        return
    f = quantize_counts(counts, s)
    assert f.sum() == 1 << s
    assert all((c > 0) == (q > 0) for c, q in zip(counts, f))
    # no single +1/-1 exchange improves the loss (the optimality certificate)
    base = quantization_loss(counts, f)
    i = max((j for j in range(len(f)) if f[j]), key=lambda j: counts[j] / f[j])
    g = f.copy()
    for j in range(len(f)):
        if j != i and g[j] > 1:
            g[i] += 1
            g[j] -= 1
            assert quantization_loss(counts, g) >= base - 1e-12
            g[i] -= 1
            g[j] += 1


def test_too_many_symbols_for_scale_bits():
    with pytest.raises(InvalidInputError, match="scale_bits >= 9"):
        quantize_counts(np.ones(300), 8)


@pytest.mark.parametrize("path", corpus_params(ALL_CORPUS_FILES))
def test_quantization_loss_on_corpus_below_a_thousandth_of_a_bit(path):
    t = FrequencyTable.from_data(path.read_bytes())
    model = t.quantize(16)
    assert model.freqs.sum() == 1 << 16
    assert model.quantization_loss_bits_per_symbol < 0.001


def test_static_model_interface():
    m = FrequencyTable.from_counts({"A": 5, "B": 2, "C": 2, "D": 1}).quantize(4)
    assert m.total == 16
    assert [m.interval(i) for i in range(4)] == [(0, 8), (8, 11), (11, 14), (14, 16)]
    assert [m.symbol_at(c) for c in range(16)] == [0] * 8 + [1] * 3 + [2] * 3 + [3] * 2
    assert m.slot_table().tolist() == [0] * 8 + [1] * 3 + [2] * 3 + [3] * 2

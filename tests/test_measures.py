"""Information measures against the worked examples (3 decimals) and closed forms (1e-12)."""

import math

import numpy as np
import pytest

from entropycodec import cross_entropy, entropy, information_content, js_divergence, kl_divergence
from entropycodec.errors import EntropyCodecError

L2 = math.log2


def h2(ps):
    return -sum(p * L2(p) for p in ps if p > 0)


@pytest.mark.parametrize("p, base, printed, closed", [
    ([0.5, 0.5], 2, 1.000, 1.0),
    ([0.5, 0.5], math.e, 0.693, math.log(2)),
    ([1 / 6] * 6, 2, 2.585, L2(6)),
    ([1 / 6] * 6, math.e, 1.792, math.log(6)),
    ([2 / 3, 1 / 3], 2, 0.918, h2([2 / 3, 1 / 3])),
    ([0.8, 0.1, 0.1], math.e, 0.639, -(0.8 * math.log(0.8) + 0.2 * math.log(0.1))),
    ([0.4, 0.3, 0.2, 0.1], 2, 1.846, h2([0.4, 0.3, 0.2, 0.1])),
    ([0.1, 0.2, 0.7], 2, 1.157, h2([0.1, 0.2, 0.7])),
    ([0.3, 0.3, 0.4], 2, 1.571, h2([0.3, 0.3, 0.4])),
    ([0.5, 0.2, 0.2, 0.1], 2, 1.761, h2([0.5, 0.2, 0.2, 0.1])),
])
def test_entropy_worked_examples(p, base, printed, closed):
    value = entropy(p, base=base)
    assert round(value, 3) == printed
    assert abs(value - closed) < 1e-12


def test_mismatched_model_in_nats():
    p, q = [0.8, 0.1, 0.1], [0.2, 0.2, 0.6]
    hpq = cross_entropy(p, q, base=math.e)
    kl = kl_divergence(p, q, base=math.e)
    closed_hpq = -(0.8 * math.log(0.2) + 0.1 * math.log(0.2) + 0.1 * math.log(0.6))
    assert round(hpq, 3) == 1.500 and abs(hpq - closed_hpq) < 1e-12
    assert round(kl, 3) == 0.861
    assert abs(kl - (hpq - entropy(p, base=math.e))) < 1e-12


def test_colours_with_uniform_model():
    p = [0.4, 0.3, 0.2, 0.1]
    assert abs(cross_entropy(p, [0.25] * 4) - 2.0) < 1e-12
    assert round(cross_entropy(p, [0.25] * 4), 3) == 2.000


def test_abcd_information_content():
    got = [information_content(x) for x in (0.5, 0.2, 0.2, 0.1)]
    assert [round(g, 3) for g in got] == [1.0, 2.322, 2.322, 3.322]
    assert abs(got[3] - L2(10)) < 1e-12
    assert np.allclose(information_content(np.array([0.5, 0.25])), [1.0, 2.0], atol=1e-12)
    assert information_content(0.0) == math.inf


@pytest.mark.parametrize("label, pred, printed", [
    ([1, 0, 0], [0.3, 0.2, 0.5], 1.737),
    ([0, 1, 0], [0.2, 0.7, 0.1], 0.515),
    ([1, 0, 0], [0.95, 0.02, 0.03], 0.074),
])
def test_one_hot_cross_entropy(label, pred, printed):
    value = cross_entropy(label, pred)
    assert round(value, 3) == printed
    assert abs(value - -L2(pred[label.index(1)])) < 1e-12


def test_kl_asymmetric_and_jsd_symmetric_bounded():
    p, q = [0.8, 0.1, 0.1], [0.2, 0.2, 0.6]
    assert abs(kl_divergence(p, q) - kl_divergence(q, p)) > 0.05
    assert abs(js_divergence(p, q) - js_divergence(q, p)) < 1e-15
    assert 0 < js_divergence(p, q) <= 1
    assert js_divergence([1, 0], [0, 1]) == pytest.approx(1.0, abs=1e-12)
    assert js_divergence(p, p) == pytest.approx(0.0, abs=1e-15)


def test_counts_are_normalized_and_mappings_aligned():
    assert entropy([5, 2, 2, 1]) == pytest.approx(h2([0.5, 0.2, 0.2, 0.1]), abs=1e-12)
    p = {"a": 8, "b": 1, "c": 1}
    q = {"c": 6, "b": 2, "a": 2}
    assert cross_entropy(p, q) == pytest.approx(cross_entropy([0.8, 0.1, 0.1], [0.2, 0.2, 0.6]))
    # a symbol missing from a mapping has weight 0 there
    assert kl_divergence({"a": 1, "b": 1}, {"a": 1}) == math.inf
    assert kl_divergence({"a": 1}, {"a": 1, "b": 1}) == pytest.approx(1.0)


def test_zero_probability_rules():
    assert entropy([1, 0, 0]) == 0.0
    assert cross_entropy([0.5, 0.5], [1.0, 0.0]) == math.inf
    assert kl_divergence([0.5, 0.5], [1.0, 0.0]) == math.inf
    assert cross_entropy([1.0, 0.0], [0.5, 0.0]) == pytest.approx(0.0)  # 0 * log 0 = 0


@pytest.mark.parametrize("call, message", [
    (lambda: entropy([0.5, -0.1]), "negative"),
    (lambda: entropy([0.5, float("nan")]), "NaN"),
    (lambda: entropy([0, 0]), "zero"),
    (lambda: cross_entropy([0.5, 0.5], [1.0]), "different lengths"),
    (lambda: kl_divergence([1], {"a": 1}), "mappings"),
    (lambda: entropy([0.5, 0.5], base=1), "base"),
    (lambda: information_content(1.5), r"\[0, 1\]"),
])
def test_bad_input_raises_value_error_naming_problem(call, message):
    with pytest.raises(ValueError, match=message) as info:
        call()
    assert isinstance(info.value, EntropyCodecError)


@pytest.mark.parametrize("base", [0.5, 0.1, 1e-9])
def test_base_below_one_is_refused(base):
    # log base b < 1 is negative: it would report a negative entropy
    with pytest.raises(EntropyCodecError, match="base"):
        entropy([0.5, 0.5], base=base)
    with pytest.raises(EntropyCodecError, match="base"):
        information_content(0.5, base=base)


def test_huge_weights_are_normalized_without_overflow():
    assert entropy([1e308, 1e308]) == pytest.approx(1.0, abs=1e-12)
    assert cross_entropy([1e308, 1e308], [1, 3]) == pytest.approx(-(L2(0.25) + L2(0.75)) / 2)
    assert kl_divergence([1e308, 1e308], [1, 1]) == pytest.approx(0.0, abs=1e-12)


def test_information_content_of_non_numbers_is_invalid_input():
    with pytest.raises(EntropyCodecError, match="number"):
        information_content(["a"])

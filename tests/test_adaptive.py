"""Adaptive order-0 model and coder (entropycodec.coders.adaptive)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_coder_contract import BYTE_CASES

from entropycodec.coders.adaptive import adaptive_decode, adaptive_encode
from entropycodec.coders.arithmetic import ArithmeticDecoder, ArithmeticEncoder
from entropycodec.errors import (
    CorruptDataError,
    EntropyCodecError,
    InvalidInputError,
    ModelError,
    TruncatedDataError,
)
from entropycodec.models.adaptive import AdaptiveModel


def python_encode(indices, k, **params) -> bytes:
    model, enc = AdaptiveModel(k, **params), ArithmeticEncoder()
    for i in np.asarray(indices).tolist():
        enc.write(model, i)
        model.update(i)
    return enc.finish()


def python_decode(payload, n, k, **params) -> list:
    model, dec, out = AdaptiveModel(k, **params), ArithmeticDecoder(payload), []
    for _ in range(n):
        out.append(dec.read(model))
        model.update(out[-1])
    dec.finish()
    return out


def roundtrip(indices, k, **params) -> bytes:
    payload = adaptive_encode(indices, k, **params)
    np.testing.assert_array_equal(adaptive_decode(payload, len(indices), k, **params), indices)
    return payload


ABCD = [0, 1, 2, 0, 0, 3, 0, 1, 2, 0]
TWIN_SYMBOLS = 10_240  # the first symbols of each contract case the Python twin codes


# ---------------------------------------------------------------- the model


def test_model_counts_update_and_halving():
    m = AdaptiveModel(3, increment=32, limit=100)
    assert (m.total, m.interval(0), m.interval(2)) == (3, (0, 1), (2, 3))
    for expected_total in (35, 67, 99):
        m.update(0)
        assert m.total == expected_total
    m.update(1)  # 97, 33, 1 = 131 > 100: halve, rounding up, to 49, 17, 1
    assert m.counts.tolist() == [49, 17, 1] and m.total == 67
    assert [m.symbol_at(c) for c in (0, 48, 49, 65, 66)] == [0, 0, 1, 1, 2]
    assert m.interval(1) == (49, 66)


def test_model_fenwick_matches_naive_sums():
    rng = np.random.default_rng(0)
    m = AdaptiveModel(37, increment=5, limit=400)
    for i in rng.integers(0, 37, 2000).tolist():
        m.update(i)
        c = m.counts
        cum = np.concatenate(([0], np.cumsum(c)))
        assert m.total == cum[-1] <= 400
        j = int(rng.integers(0, 37))
        assert m.interval(j) == (cum[j], cum[j + 1])
        v = int(rng.integers(0, m.total))
        assert m.symbol_at(v) == int(np.searchsorted(cum, v, side="right")) - 1


def test_model_invalid_parameters():
    for bad in ({"alphabet_size": 0}, {"alphabet_size": 4, "increment": 0},
                {"alphabet_size": 4, "limit": 10}, {"alphabet_size": 4, "limit": 2**24},
                {"alphabet_size": 2.5}):
        with pytest.raises(InvalidInputError):
            AdaptiveModel(**bad)
    m = AdaptiveModel(4)
    with pytest.raises(ModelError):
        m.interval(4)
    with pytest.raises(ModelError):
        m.update(-1)
    with pytest.raises(InvalidInputError):
        m.symbol_at(m.total)


def test_default_limit_grows_with_the_alphabet():
    assert AdaptiveModel(256).limit == 2**16
    assert AdaptiveModel(100_000).limit == 2**20
    assert AdaptiveModel(2**22).limit == 2**24 - 32


# ---------------------------------------------------------------- the coder


def test_golden_bytes():
    assert adaptive_encode(np.array(ABCD), 4).hex() == "3c6579af"
    assert python_encode(ABCD, 4).hex() == "3c6579af"
    assert adaptive_encode(np.frombuffer(b"ABCAADABCA", np.uint8), 256).hex() == "415779bfb065cb"


# Empty input, one symbol, one distinct symbol, every byte value, random distributions and
# the corpora, with exact payload sizes: tests/test_coder_contract.py (the coder contract).
# Here: its byte cases through the kernel and the pure-Python twin.


@pytest.mark.parametrize("name", list(BYTE_CASES))
def test_contract_cases_match_python_twin(name):
    head = np.frombuffer(BYTE_CASES[name][:TWIN_SYMBOLS], np.uint8)
    payload = roundtrip(head, 256)
    assert payload == python_encode(head, 256)
    assert python_decode(payload, head.size, 256) == head.tolist()
    assert adaptive_decode(payload, head.size, 256).dtype == np.uint8
    if not head.size:
        assert payload == b""
        with pytest.raises(CorruptDataError):  # bytes for no symbols
            adaptive_decode(b"\x05", 0, 256)


def test_one_distinct_symbol_repeated():
    n = 10**6
    payload = roundtrip(np.full(n, 7, dtype=np.uint8), 256)
    # P(7) settles between 1 - 255/2**15 and 1 - 255/2**16 as the total cycles
    # between halvings: 0.0056..0.0113 bits per symbol.
    assert 703 <= len(payload) <= 1409 + 8
    assert adaptive_encode(np.zeros(1000, dtype=np.int64), 1) == b""  # a 1-symbol alphabet


def test_underflow_prone_runs():
    rng = np.random.default_rng(5)
    runs = []
    for _ in range(100):
        runs.append(np.zeros(rng.integers(1, 20_000), dtype=np.int64))
        runs.append(np.ones(rng.integers(1, 50), dtype=np.int64))
    data = np.concatenate(runs)
    payload = roundtrip(data, 2, increment=1, limit=2**24 - 1)  # P(rare) down to ~2**-14
    assert payload == python_encode(data, 2, increment=1, limit=2**24 - 1)


def test_large_alphabet():
    data = np.random.default_rng(2).integers(0, 5000, 30_000)
    payload = roundtrip(data, 5000)
    assert adaptive_decode(payload, data.size, 5000).dtype == np.int32
    assert payload == python_encode(data, 5000)


@settings(max_examples=30, deadline=None)
@given(
    k=st.integers(1, 300),
    increment=st.integers(1, 64),
    n=st.integers(0, 300),
    skew=st.floats(0.1, 5.0),
    seed=st.integers(0, 2**32 - 1),
)
def test_random_distributions_match_python_twin(k, increment, n, skew, seed):
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.full(k, skew))
    data = rng.choice(k, size=n, p=p)
    limit = max(k + increment, 2 * k + 64)  # small: halvings happen
    payload = roundtrip(data, k, increment=increment, limit=limit)
    assert payload == python_encode(data, k, increment=increment, limit=limit)
    assert python_decode(payload, n, k, increment=increment, limit=limit) == data.tolist()


def test_truncation_at_every_offset():
    data = np.random.default_rng(3).choice(4, size=400, p=[0.5, 0.2, 0.2, 0.1])
    payload = adaptive_encode(data, 4)
    undetected = 0
    for cut in range(len(payload)):
        try:
            out = adaptive_decode(payload[:cut], data.size, 4)
        except CorruptDataError:
            continue
        undetected += 1  # a shorter stream can decode to other symbols (~1-2%)
        assert not np.array_equal(out, data)
    assert undetected <= 2
    with pytest.raises(TruncatedDataError):
        adaptive_decode(payload[: len(payload) // 2], data.size, 4)
    with pytest.raises(CorruptDataError):
        adaptive_decode(payload + b"\x00", data.size, 4)
    with pytest.raises(TruncatedDataError):  # no huge allocation for a corrupt n
        adaptive_decode(payload, 10**15, 4)


def test_random_corruption_gives_package_errors_only():
    rng = np.random.default_rng(4)
    data = rng.integers(0, 256, 3000).astype(np.uint8)
    payload = adaptive_encode(data, 256)
    for _ in range(200):
        bad = bytearray(payload)
        for pos in rng.integers(0, len(bad), rng.integers(1, 4)):
            bad[pos] ^= int(rng.integers(1, 256))
        try:
            out = adaptive_decode(bytes(bad), data.size, 256)
        except EntropyCodecError:
            continue
        assert out.size == data.size


def test_invalid_inputs():
    with pytest.raises(ModelError):
        adaptive_encode(np.array([0, 4]), 4)
    with pytest.raises(InvalidInputError):
        adaptive_encode(np.array([0]), 0)
    with pytest.raises(InvalidInputError):
        adaptive_decode(b"", -3, 4)

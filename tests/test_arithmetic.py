"""Range coder (entropycodec.coders.arithmetic): the static kernel and its pure-Python twin."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from test_coder_contract import BYTE_CASES

import entropycodec as ec
from entropycodec.alphabet import Alphabet
from entropycodec.coders.arithmetic import (
    TWO_LANES_MIN_SYMBOLS,
    ArithmeticDecoder,
    ArithmeticEncoder,
    arithmetic_decode,
    arithmetic_encode,
)
from entropycodec.errors import (
    CorruptDataError,
    EntropyCodecError,
    InvalidInputError,
    ModelError,
    TruncatedDataError,
)
from entropycodec.models.counts import FrequencyTable, quantize_counts
from entropycodec.models.static import StaticModel


def model_of(freqs, scale_bits):
    return StaticModel(Alphabet(range(len(freqs))), freqs, scale_bits)


def python_encode(indices, model) -> bytes:
    enc = ArithmeticEncoder()
    for i in np.asarray(indices).tolist():
        enc.write(model, i)
    return enc.finish()


def python_decode(payload, n, model) -> list:
    dec = ArithmeticDecoder(payload)
    out = [dec.read(model) for _ in range(n)]
    dec.finish()
    return out


def two_lanes_of(indices, model) -> bytes:
    """The lanes=2 layout built from single streams: LEB128(len(even)), even, odd."""
    idx = np.asarray(indices)
    even = arithmetic_encode(idx[0::2], model, lanes=1)
    odd = arithmetic_encode(idx[1::2], model, lanes=1)
    head = bytearray()
    size = len(even)
    while True:
        head.append((size & 0x7F) | (0x80 if size >> 7 else 0))
        size >>= 7
        if not size:
            break
    return bytes(head) + even + odd


def roundtrip(indices, model) -> bytes:
    """Round trip in both layouts; check lanes=2 is two lanes=1 streams; return lanes=1."""
    n = len(indices)
    one = arithmetic_encode(indices, model, lanes=1)
    np.testing.assert_array_equal(arithmetic_decode(one, n, model, lanes=1), indices)
    two = arithmetic_encode(indices, model, lanes=2)
    assert two == (two_lanes_of(indices, model) if n else b"")
    np.testing.assert_array_equal(arithmetic_decode(two, n, model, lanes=2), indices)
    default = arithmetic_encode(indices, model)  # lanes chosen from n
    assert default == (two if n >= TWO_LANES_MIN_SYMBOLS else one)
    np.testing.assert_array_equal(arithmetic_decode(default, n, model), indices)
    return one


ABCD = [0, 1, 2, 0, 0, 3, 0, 1, 2, 0]  # "ABCAADABCA"
TWIN_SYMBOLS = 10_240  # the first symbols of each contract case the Python twin codes


@pytest.fixture(scope="module")
def abcd_model():
    return FrequencyTable.from_data("ABCAADABCA").quantize(4)  # freqs 8, 3, 3, 2


def test_golden_bytes(abcd_model):
    # 10 symbols of 1.85 bits (ideal 18.5 bits): 3 bytes. Changing this is a format change.
    assert arithmetic_encode(np.array(ABCD), abcd_model, lanes=1).hex() == "518752"
    assert python_encode(ABCD, abcd_model).hex() == "518752"
    assert arithmetic_encode(np.array(ABCD), abcd_model).hex() == "518752"  # 10 < 1024: one lane
    # two lanes (the default from 1024 symbols on): length 1, lane 0 = ACAAC, lane 1 = BADBA
    assert arithmetic_encode(np.array(ABCD), abcd_model, lanes=2).hex() == "015d9680"
    assert arithmetic_encode(np.array(ABCD), abcd_model, lanes=2) == two_lanes_of(ABCD, abcd_model)


def test_golden_bytes_wide_model():
    model = model_of(quantize_counts([5, 2, 2, 1], 24), 24)
    payload = arithmetic_encode(np.array(ABCD), model, lanes=1)
    assert payload == python_encode(ABCD, model)
    assert payload.hex() == "531d"  # 16 bits for 17.6 of information: a lucky round value
    assert arithmetic_decode(payload, 10, model, lanes=1).tolist() == ABCD


# Empty input, one symbol, one distinct symbol, every byte value, random distributions and
# the corpora, with exact payload sizes: tests/test_coder_contract.py (the coder contract).
# Here: its byte cases through both lane layouts and the pure-Python twin.


@pytest.mark.parametrize("name", list(BYTE_CASES))
def test_contract_cases_match_python_twin(name):
    data = BYTE_CASES[name]
    model = ec.encode(data or b"A", coder="arithmetic").model  # the model encode() builds
    head = np.frombuffer(data[:TWIN_SYMBOLS], np.uint8)
    payload = roundtrip(head, model)
    assert payload == python_encode(head, model)
    assert python_decode(payload, head.size, model) == head.tolist()
    assert arithmetic_decode(payload, head.size, model, lanes=1).dtype == np.uint8
    if not head.size:
        assert payload == b""
        with pytest.raises(CorruptDataError):  # bytes for no symbols
            python_decode(b"\x01", 0, model)


def test_one_symbol(abcd_model):
    for i in range(4):
        payload = roundtrip(np.array([i]), abcd_model)
        assert len(payload) <= 1
        assert payload == python_encode([i], abcd_model)
        assert python_decode(payload, 1, abcd_model) == [i]


def test_one_distinct_symbol_repeated():
    n = 10**6
    data = np.full(n, 7, dtype=np.uint8)
    certain = model_of(np.eye(256, dtype=np.int64)[7] * 4096, 12)
    assert len(roundtrip(data, certain)) == 0  # probability 1: no information at all
    counts = np.ones(256)
    counts[7] = 10**9
    likely = model_of(quantize_counts(counts, 16), 16)  # P(7) = 65281/65536
    payload = roundtrip(data, likely)
    ideal = n * -np.log2(65281 / 65536) / 8
    assert ideal - 1 <= len(payload) <= ideal * 1.0001 + 8  # a round value can save < 1 byte


def test_underflow_prone_runs():
    # A symbol of probability 2**-15 in long runs between runs of a dominant one:
    # the interval shrinks by 15 bits per rare symbol and the carries ripple.
    model = model_of([2**15 - 1, 1], 15)
    rng = np.random.default_rng(5)
    runs = []
    for _ in range(200):
        runs.append(np.zeros(rng.integers(1, 3000), dtype=np.int64))
        runs.append(np.ones(rng.integers(1, 50), dtype=np.int64))
    data = np.concatenate(runs)
    payload = roundtrip(data, model)
    ones = int(data.sum())
    ideal = (ones * 15 + (data.size - ones) * -np.log2(1 - 2**-15)) / 8
    assert abs(len(payload) - ideal) <= ideal * 1e-4 + 2
    assert payload == python_encode(data, model)


def test_carry_into_pending_ff_bytes():
    # All mass at the top of the range drives low towards 0xFF...FF so that the
    # cache/pending machinery and the final carry are exercised.
    model = model_of([1, 2**16 - 1], 16)
    data = np.array([1] * 5000 + [0] + [1] * 5000 + [0, 0, 0], dtype=np.int64)
    payload = roundtrip(data, model)
    assert payload == python_encode(data, model)


def test_large_alphabet_dtype():
    rng = np.random.default_rng(2)
    data = rng.integers(0, 1000, 20_000)
    model = model_of(quantize_counts(np.bincount(data, minlength=1000), 16), 16)
    payload = roundtrip(data, model)
    assert arithmetic_decode(payload, data.size, model, lanes=1).dtype == np.int32
    assert payload == python_encode(data, model)


@settings(max_examples=40, deadline=None)
@given(
    counts=st.lists(st.integers(0, 1000), min_size=1, max_size=300).filter(lambda c: sum(c) > 0),
    scale_bits=st.integers(9, 24),
    n=st.integers(0, 400),
    seed=st.integers(0, 2**32 - 1),
)
def test_random_distributions_match_python_twin(counts, scale_bits, n, seed):
    counts = np.array(counts)
    model = model_of(quantize_counts(counts, scale_bits), scale_bits)
    p = counts / counts.sum()
    data = np.random.default_rng(seed).choice(len(counts), size=n, p=p)
    payload = roundtrip(data, model)
    assert payload == python_encode(data, model)
    assert python_decode(payload, n, model) == data.tolist()


def test_mismatched_model_costs_cross_entropy():
    # Source 0.8/0.1/0.1 coded with model 0.2/0.2/0.6: H(P, Q) = 2.1635 bits.
    data = np.random.default_rng(2024).choice(3, size=10**6, p=[0.8, 0.1, 0.1])
    model = model_of(quantize_counts([2, 2, 6], 16), 16)
    payload = roundtrip(data, model)
    assert len(payload) * 8 / data.size == pytest.approx(2.163, rel=0.002)


@pytest.mark.parametrize("lanes", [1, 2])
def test_truncation_at_every_offset(abcd_model, lanes):
    data = np.random.default_rng(3).choice(4, size=300, p=[0.5, 0.2, 0.2, 0.1])
    payload = arithmetic_encode(data, abcd_model, lanes=lanes)
    undetected = 0
    for cut in range(len(payload)):
        try:
            out = arithmetic_decode(payload[:cut], data.size, abcd_model, lanes=lanes)
        except CorruptDataError as exc:
            if lanes == 1:
                with pytest.raises(type(exc)):  # the twin agrees
                    python_decode(payload[:cut], data.size, abcd_model)
            continue
        # The decoder checks the stream's exact length and final value, but a
        # shorter stream that decodes to other symbols can pass (~1% of cuts):
        # only a checksum can catch those. It must never give back the data.
        undetected += 1
        assert not np.array_equal(out, data)
    assert undetected <= 1
    with pytest.raises(CorruptDataError):  # trailing garbage
        arithmetic_decode(payload + b"\x00", data.size, abcd_model, lanes=lanes)


def test_truncated_is_truncated_error(abcd_model):
    data = np.random.default_rng(3).choice(4, size=3000, p=[0.5, 0.2, 0.2, 0.1])
    payload = arithmetic_encode(data, abcd_model)
    with pytest.raises(TruncatedDataError):
        arithmetic_decode(payload[: len(payload) // 2], data.size, abcd_model)
    with pytest.raises(TruncatedDataError):  # an n the payload cannot hold: no huge allocation
        arithmetic_decode(payload, 10**15, abcd_model)


def test_random_corruption_gives_package_errors_only(abcd_model):
    rng = np.random.default_rng(4)
    data = rng.choice(4, size=2000, p=[0.5, 0.2, 0.2, 0.1])
    payload = bytearray(arithmetic_encode(data, abcd_model))
    for _ in range(300):
        bad = bytearray(payload)
        for pos in rng.integers(0, len(bad), rng.integers(1, 4)):
            bad[pos] ^= int(rng.integers(1, 256))
        try:
            out = arithmetic_decode(bytes(bad), data.size, abcd_model)
        except EntropyCodecError:
            continue
        assert out.size == data.size and int(out.max()) < 4


def test_invalid_inputs(abcd_model):
    with pytest.raises(ModelError):
        arithmetic_encode(np.array([0, 4]), abcd_model)
    with pytest.raises(ModelError):
        arithmetic_encode(np.array([-1]), abcd_model)
    with pytest.raises(InvalidInputError):
        arithmetic_encode(np.array([0.5]), abcd_model)
    with pytest.raises(InvalidInputError):
        arithmetic_decode(b"", -1, abcd_model)
    with pytest.raises(InvalidInputError):
        arithmetic_decode(b"", 1.5, abcd_model)
    zero = model_of([8, 0, 8], 4)
    with pytest.raises(ModelError):
        arithmetic_encode(np.array([0, 1]), zero)
    with pytest.raises(ModelError):
        python_encode([1], zero)
    with pytest.raises(InvalidInputError):
        arithmetic_encode(np.array([0]), model_of([2**25], 25))


@pytest.mark.slow
@settings(max_examples=500, deadline=None)
@given(
    counts=st.lists(st.integers(0, 10**6), min_size=1, max_size=1000).filter(lambda c: sum(c) > 0),
    scale_bits=st.integers(10, 24),
    n=st.integers(0, 3000),
    seed=st.integers(0, 2**32 - 1),
)
def test_random_distributions_many(counts, scale_bits, n, seed):
    counts = np.array(counts)
    assume((counts > 0).sum() <= 2**scale_bits)  # every symbol needs a slot
    model = model_of(quantize_counts(counts, scale_bits), scale_bits)
    data = np.random.default_rng(seed).choice(len(counts), size=n, p=counts / counts.sum())
    assert roundtrip(data, model) == python_encode(data, model)


def test_two_lanes_edge_cases(abcd_model):
    one_symbol = arithmetic_encode([2], abcd_model, lanes=2)
    assert one_symbol == b"\x01" + arithmetic_encode([2], abcd_model, lanes=1)
    assert arithmetic_decode(one_symbol, 1, abcd_model, lanes=2).tolist() == [2]
    with pytest.raises(CorruptDataError):  # lane 1 must be empty for one symbol
        arithmetic_decode(one_symbol + b"\x07", 1, abcd_model, lanes=2)
    with pytest.raises(TruncatedDataError):  # the lane length says more than there is
        arithmetic_decode(b"\x09\x01", 2, abcd_model, lanes=2)
    with pytest.raises(CorruptDataError):  # an over-long lane length
        arithmetic_decode(b"\x80\x80\x80\x80\x80\x01", 2, abcd_model, lanes=2)
    data = np.zeros(TWO_LANES_MIN_SYMBOLS, dtype=np.int64)
    assert arithmetic_encode(data, abcd_model) == arithmetic_encode(data, abcd_model, lanes=2)
    assert arithmetic_encode(data[1:], abcd_model) == arithmetic_encode(data[1:], abcd_model, lanes=1)
    with pytest.raises(InvalidInputError):
        arithmetic_encode([0], abcd_model, lanes=3)

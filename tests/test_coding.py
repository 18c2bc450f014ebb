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
    assert ec.decode(enc) == source_801010.tobytes()


def test_huffman_from_q_costs_exactly_p_times_lengths(source_801010):
    enc = ec.encode(source_801010, coder="huffman", model=Q)
    counts = np.bincount(source_801010, minlength=3)
    lengths = {s: enc.model.lengths_array[s] for s in range(3)}
    assert [int(lengths[s]) for s in range(3)] == [2, 2, 1]  # built from Q, not from P
    exact_bits = sum(int(counts[s]) * int(lengths[s]) for s in range(3))
    assert enc.payload_bits == 8 * math.ceil(exact_bits / 8)
    assert ec.decode(enc) == source_801010.tobytes()


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
    assert out == (data if not isinstance(data, list) else data)
    assert enc.n_symbols == len(data)


def test_bad_arguments():
    with pytest.raises(InvalidInputError, match="coder must be"):
        ec.encode(b"x", coder="lzw")
    with pytest.raises(InvalidInputError, match="adaptive"):
        ec.encode(b"x", coder="adaptive", model={120: 1})
    with pytest.raises(InvalidInputError, match="floor"):
        ec.encode("ab", coder="huffman", model={"a": 1}, smoothing=2.0)

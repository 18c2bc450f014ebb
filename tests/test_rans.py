"""rANS (entropycodec.coders.rans): kernels, the pure-Python reference coder, choose_scale_bits."""

from __future__ import annotations

import dataclasses
import struct
import zlib

import numpy as np
import pytest
from conftest import ALL_CORPUS_FILES, corpus_params
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from test_coder_contract import BYTE_CASES

import entropycodec as ec
from entropycodec.alphabet import Alphabet
from entropycodec.coders.rans import (
    RANS_L,
    RansDecoder,
    RansEncoder,
    choose_scale_bits,
    rans_decode,
    rans_decode_reference,
    rans_encode,
    rans_encode_reference,
)
from entropycodec.coders.rans_kernels import encoder_table, kernels
from entropycodec.coders.rans_streams import WIDE_MIN, encode_lanes, lanes_for, read_states
from entropycodec.errors import (
    CorruptDataError,
    EntropyCodecError,
    InvalidInputError,
    ModelError,
    TruncatedDataError,
)
from entropycodec.models.counts import FrequencyTable, quantization_loss, quantize_counts
from entropycodec.models.static import StaticModel


def model_of(freqs, scale_bits):
    return StaticModel(Alphabet(range(len(freqs))), freqs, scale_bits)


def roundtrip(indices, model) -> bytes:
    payload = rans_encode(indices, model)
    np.testing.assert_array_equal(rans_decode(payload, len(indices), model), indices)
    return payload


ABCD = [0, 1, 2, 0, 0, 3, 0, 1, 2, 0]  # "ABCAADABCA"
LAYOUT0_STATES = 32  # layout 0: four 8-byte states
REFERENCE_SYMBOLS = 10_240  # the first symbols of each contract case the reference coder codes


@pytest.fixture(scope="module")
def abcd_model():
    return FrequencyTable.from_data("ABCAADABCA").quantize(4)  # freqs 8, 3, 3, 2


def test_golden_bytes(abcd_model):
    # Layout 1: one lane that started at M = 16; its final state 0x333332 in 3 bytes (18
    # bits of information after the 4 of the start), no words.
    assert rans_encode(ABCD, abcd_model).hex() == "323333"
    assert rans_encode_reference(ABCD, abcd_model).hex() == "323333"
    # Layout 0 (.ec blocks of param 0): four 8-byte states that started at L, lane 0 first.
    golden = ("a5aaaaaa0a000000f9aaaaaa2a000000"
              "5c555555050000005255555505000000")
    assert rans_encode(ABCD, abcd_model, layout=0).hex() == golden
    assert rans_encode_reference(ABCD, abcd_model, layout=0).hex() == golden
    assert rans_decode(bytes.fromhex(golden), 10, abcd_model, layout=0).tolist() == ABCD


def test_golden_bytes_with_words():
    model = model_of(quantize_counts([5, 2, 2, 1], 20), 20)
    data = ABCD * 8  # 80 symbols, ~141 bits: the state overflows into words
    payload = rans_encode(data, model)
    assert payload == rans_encode_reference(data, model)
    assert payload.hex() == "4ea972f7013c6acd4d" "5c0c2009" "e8037cf6" "e7a651ef"
    assert rans_decode(payload, 80, model).tolist() == data
    old = rans_encode(data, model, layout=0)
    assert old == rans_encode_reference(data, model, layout=0)
    assert len(old) == LAYOUT0_STATES + 2 * 4 and old[LAYOUT0_STATES:].hex() == "274f212d3988c992"
    assert rans_decode(old, 80, model, layout=0).tolist() == data


def test_four_lanes_golden_and_flush():
    # From WIDE_MIN symbols on, four lanes: a nibble of length per state, then the states.
    model = model_of(quantize_counts([5, 2, 2, 1], 12), 12)
    data = np.tile(ABCD, WIDE_MIN // 10 + 1)[:WIDE_MIN]
    payload = rans_encode(data, model)
    states, words, nwords = read_states(payload, data.size, 1, 12)
    assert lanes_for(data.size) == 4 and states.size == 4 and int(states.min()) >= RANS_L
    head = 2 + sum((int(x).bit_length() + 7) // 8 for x in states)
    assert payload[:2] == bytes([payload[0], payload[1]]) and len(payload) == head + 4 * nwords
    assert payload == rans_encode_reference(data, model)
    np.testing.assert_array_equal(rans_decode(payload, data.size, model), data)
    ideal = float(-np.log2(model.freqs[data] / 4096).sum()) / 8
    assert ideal < len(payload) < ideal + 12  # layout 0 spends about 24 bytes more
    assert len(rans_encode(data, model, layout=0)) > ideal + 16


def test_lanes_that_cannot_start_at_m_start_at_l():
    # The message ends with lane 0 coding rare symbols (12 bits each) and lanes 1-3 a
    # near-certain one: lane 0 writes a word while lanes 1-3 are still far below L, so
    # the encoder starts every lane at L, and the decoder accepts lanes that end at L.
    model = model_of([4093, 1, 1, 1], 12)
    data = np.zeros(WIDE_MIN + 64, dtype=np.int64)
    data[-64::4] = 3
    payload = rans_encode(data, model)
    assert payload == rans_encode_reference(data, model)
    states, _, _ = read_states(payload, data.size, 1, 12)
    np.testing.assert_array_equal(rans_decode(payload, data.size, model), data)
    np.testing.assert_array_equal(rans_decode_reference(payload, data.size, model), data)
    assert int(states.min()) >= RANS_L
    freqs = np.array([4093, 1, 1, 1], dtype=np.int64)
    table = encoder_table(freqs, np.concatenate(([0], np.cumsum(freqs))), 12)
    starts = []

    def kernel(out, xs):  # the encoder ran twice: from M, then from L
        starts.append(int(xs[0]))
        return kernels(4)[0](data, table, out, xs)

    assert encode_lanes(kernel, data.size, 1, 12) == payload and starts == [4096, RANS_L]


def test_encoder_table_matches_big_integer_formula():
    freqs = np.array([1, 2, 3, 5, 7, 1000, 4096, 65535, 2**23 + 1, 0], dtype=np.int64)
    cumulative = np.concatenate(([0], np.cumsum(freqs)))
    table = encoder_table(freqs, cumulative, 24)
    for s, f in enumerate(freqs.tolist()):
        if f < 2:
            continue
        shift = (f - 1).bit_length()
        rcp = int(table[s, 1]) % 2**64
        assert rcp == (2 ** (shift + 63) + f - 1) // f
        for x in (RANS_L, 2**40 + 12345, 2**62 + 7, (2**39 * f) - 1):  # x // f exactly
            assert ((x * rcp) >> 64) >> int(table[s, 2]) == x // f
    assert table[9].tolist() == [0, 0, 0, 0, 0]  # frequency 0: no row


# Empty input, one symbol, one distinct symbol, every byte value, random distributions and
# the corpora, with exact payload sizes: tests/test_coder_contract.py (the coder contract).
# Here: its byte cases through the kernels and the pure-Python reference coder.


@pytest.mark.parametrize("name", list(BYTE_CASES))
def test_contract_cases_match_reference(name):
    data = BYTE_CASES[name]
    model = ec.encode(data or b"A", coder="rans").model  # the model encode() builds
    head = np.frombuffer(data[:REFERENCE_SYMBOLS], np.uint8)
    payload = roundtrip(head, model)
    assert payload == rans_encode_reference(head, model)
    np.testing.assert_array_equal(rans_decode_reference(payload, head.size, model), head)
    assert rans_decode(payload, head.size, model).dtype == np.uint8
    ideal = float(-np.log2(model.freqs[head] / 2.0**model.scale_bits).sum()) / 8
    assert ideal - 1 <= len(payload) <= ideal + 4  # one lane: its state holds information
    if not head.size:
        assert payload == b""
        with pytest.raises(CorruptDataError):  # a state for no symbols
            rans_decode(b"\0" * 8, 0, model)


def test_one_symbol(abcd_model):
    for i, golden in enumerate(["20", "59", "5c", "8e"]):  # C(s, M = 16)
        payload = roundtrip(np.array([i]), abcd_model)
        assert payload.hex() == golden
        assert payload == rans_encode_reference([i], abcd_model)
        assert rans_decode_reference(payload, 1, abcd_model).tolist() == [i]


def test_one_distinct_symbol_repeated():
    n = 10**6
    data = np.full(n, 7, dtype=np.uint8)
    certain = model_of(np.eye(256, dtype=np.int64)[7] * 2**24, 24)
    # a certain symbol leaves every lane at M = 2**24: four lengths of 4, four states
    assert roundtrip(data, certain) == b"\x44\x44" + 4 * (1 << 24).to_bytes(4, "little")
    assert rans_encode(data, certain, layout=0) == struct.pack("<4Q", *[RANS_L] * 4)
    counts = np.ones(256)
    counts[7] = 10**9
    likely = model_of(quantize_counts(counts, 16), 16)
    ideal = n * -np.log2(65281 / 65536) / 8
    assert ideal <= len(roundtrip(data, likely)) <= ideal * 1.0001 + 16
    assert ideal <= len(rans_encode(data, likely, layout=0)) <= ideal * 1.0001 + 32


def test_underflow_prone_runs():
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
    assert abs(len(payload) - ideal) <= ideal * 1e-4 + 12
    assert payload == rans_encode_reference(data, model)


def test_large_alphabet_and_classes():
    rng = np.random.default_rng(2)
    data = rng.integers(0, 1000, 20_001)
    model = model_of(quantize_counts(np.bincount(data, minlength=1000), 18), 18)
    payload = RansEncoder(model).encode_reverse(data)
    decoded = RansDecoder(payload, model).decode(data.size)
    assert decoded.dtype == np.int32
    np.testing.assert_array_equal(decoded, data)
    assert payload == rans_encode_reference(data, model)


@settings(max_examples=40, deadline=None)
@given(
    counts=st.lists(st.integers(0, 1000), min_size=1, max_size=300).filter(lambda c: sum(c) > 0),
    scale_bits=st.integers(9, 24),
    n=st.integers(0, 400),
    seed=st.integers(0, 2**32 - 1),
)
def test_random_distributions_match_reference(counts, scale_bits, n, seed):
    counts = np.array(counts)
    model = model_of(quantize_counts(counts, scale_bits), scale_bits)
    data = np.random.default_rng(seed).choice(len(counts), size=n, p=counts / counts.sum())
    payload = roundtrip(data, model)
    assert payload == rans_encode_reference(data, model)
    np.testing.assert_array_equal(rans_decode_reference(payload, n, model), data)


def test_choose_scale_bits():
    assert choose_scale_bits([5, 2, 2, 1], 10) == 12
    assert choose_scale_bits([1], 1) == 12
    assert choose_scale_bits(np.ones(10_000), 10_000) == 17  # 2**14 slots: freqs 1 or 2, lossy
    ptt5_like = np.array([10**6, 300, 200, 100] + [1] * 100)
    s = choose_scale_bits(ptt5_like, int(ptt5_like.sum()))
    assert 12 < s <= 22
    h0 = FrequencyTable.from_counts(ptt5_like).entropy_bits_per_symbol
    assert quantization_loss(ptt5_like, quantize_counts(ptt5_like, s)) <= 5e-5 * h0
    assert quantization_loss(ptt5_like, quantize_counts(ptt5_like, s - 1)) > 5e-5 * h0


def test_mismatched_model_costs_cross_entropy():
    data = np.random.default_rng(2024).choice(3, size=10**6, p=[0.8, 0.1, 0.1])
    model = model_of(quantize_counts([2, 2, 6], 16), 16)
    payload = roundtrip(data, model)
    assert len(payload) * 8 / data.size == pytest.approx(2.163, rel=0.002)


def test_truncation_at_every_offset(abcd_model):
    # The lanes end at M (layout 1) or L (layout 0) only when every word was where the
    # encoder put it: every cut is caught, with a 16-slot model as with a 4096-slot one.
    model = model_of(quantize_counts([5, 2, 2, 1], 12), 12)
    data = np.random.default_rng(3).choice(4, size=500, p=[0.5, 0.2, 0.2, 0.1])
    for m, layout in ((model, 1), (abcd_model, 1), (abcd_model, 0)):
        payload = rans_encode(data, m, layout=layout)
        assert len(payload) > 40
        for cut in range(len(payload)):
            with pytest.raises(CorruptDataError):
                rans_decode(payload[:cut], data.size, m, layout=layout)
            with pytest.raises(CorruptDataError):
                rans_decode_reference(payload[:cut], data.size, m, layout=layout)
        with pytest.raises(CorruptDataError):
            rans_decode(payload + b"\0\0\0\0", data.size, m, layout=layout)
        with pytest.raises(TruncatedDataError):  # an n the payload cannot hold: no huge allocation
            rans_decode(payload, 10**15, m, layout=layout)
    with pytest.raises(TruncatedDataError):  # layout 0: a lane lacked a word
        rans_decode(payload[:-4], data.size, abcd_model, layout=0)


def test_random_corruption_gives_package_errors_only(abcd_model):
    rng = np.random.default_rng(4)
    data = rng.choice(4, size=2000, p=[0.5, 0.2, 0.2, 0.1])
    payload = rans_encode(data, abcd_model)
    detected = 0
    for _ in range(300):
        bad = bytearray(payload)
        for pos in rng.integers(0, len(bad), rng.integers(1, 4)):
            bad[pos] ^= int(rng.integers(1, 256))
        try:
            out = rans_decode(bytes(bad), data.size, abcd_model)
        except EntropyCodecError:
            detected += 1
            continue
        # With a 16-slot model the states resynchronize after a flipped bit, so
        # the end-state check misses some corruption: only a checksum sees it.
        assert out.size == data.size and int(out.max()) < 4 and (out != data).any()
    assert detected > 150


def test_invalid_inputs(abcd_model):
    with pytest.raises(ModelError):
        rans_encode(np.array([0, 4]), abcd_model)
    with pytest.raises(ModelError):
        rans_encode(np.array([0, 1, 1, 1, 1, 1, 5, 1]), abcd_model)
    with pytest.raises(InvalidInputError):
        rans_decode(b"", -1, abcd_model)
    zero = model_of([8, 0, 8], 4)
    with pytest.raises(ModelError, match="symbol 1"):
        rans_encode(np.array([0, 1, 2, 2, 2]), zero)
    with pytest.raises(InvalidInputError):
        rans_encode(np.array([0]), model_of([2**25], 25))


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
    assert roundtrip(data, model) == rans_encode_reference(data, model)


# -- the payload bound on real files, and the container's layouts ---------------------------

CALGARY_SIZED = [p for p in ALL_CORPUS_FILES if p.stat().st_size >= 10_000]


@pytest.mark.parametrize("path", corpus_params(CALGARY_SIZED))
def test_payload_within_half_a_permille_of_n_h0(path):
    """Every corpus file of 10 KB and up: the payload (quantization and flush included) is
    within 0.05% of n H0 at the precision the container picks; the model description is
    the stated header beside it. One lane below 131072 bytes, four above."""
    data = path.read_bytes()
    counts = np.bincount(np.frombuffer(data, np.uint8), minlength=256)
    enc = ec.encode(data, coder="rans", scale_bits=choose_scale_bits(counts, len(data)))
    n_h0 = len(data) * ec.entropy(counts)
    assert n_h0 <= enc.payload_bits <= 1.0005 * n_h0, (enc.payload_bits - n_h0) / n_h0
    assert ec.decode(enc) == data


def test_container_reads_both_layouts_and_no_other():
    from entropycodec.container.blocks import decode_block, encode_block
    from entropycodec.container.format import BLOCK_HEADER, unpack_block_header

    data = np.random.default_rng(9).choice(4, size=3000, p=[0.5, 0.2, 0.2, 0.1]).astype(np.uint8)
    block = encode_block(data, "rans")
    header = unpack_block_header(block[:BLOCK_HEADER.size], 1 << 20)
    assert header.coder_param == 1  # the layout new blocks are written in
    stored = block[BLOCK_HEADER.size:]
    model_desc, payload = stored[:header.model_size], stored[header.model_size:]
    model = model_of(*_desc_model(model_desc))
    assert bytes(rans_decode(payload, data.size, model)) == data.tobytes()
    old = rans_encode(data, model, layout=0)  # a block as written before layout 1
    old_stored = model_desc + old
    old_header = dataclasses.replace(header, coder_param=0, payload_size=len(old),
                                     stored_crc=zlib.crc32(old_stored))
    assert decode_block(old_header, old_stored) == data.tobytes()
    assert len(old) > len(payload) + 20
    with pytest.raises(CorruptDataError, match="unknown layout 2"):
        decode_block(dataclasses.replace(header, coder_param=2), stored)
    with pytest.raises(CorruptDataError):  # a layout-1 payload read as layout 0
        decode_block(dataclasses.replace(header, coder_param=0), stored)


def _desc_model(desc: bytes):
    from entropycodec.container.modeldesc import decode_frequencies

    freqs, scale = decode_frequencies(desc)
    return freqs, scale


def test_four_lanes_random_corruption_gives_package_errors_only():
    """Layout 1's four-lane flush (a nibble of length per lane, then the states): flipped
    bytes give a package error or n symbols, never a crash or a huge allocation."""
    rng = np.random.default_rng(12)
    model = model_of(quantize_counts([5, 2, 2, 1], 12), 12)
    data = rng.choice(4, size=WIDE_MIN + 1000, p=[0.5, 0.2, 0.2, 0.1])
    payload = rans_encode(data, model)
    errors = 0
    for _ in range(300):
        bad = bytearray(payload)
        for pos in rng.integers(0, 40, int(rng.integers(1, 4))):  # lengths, states, words
            bad[pos] ^= int(rng.integers(1, 256))
        try:
            out = rans_decode(bytes(bad), data.size, model)
        except EntropyCodecError:
            errors += 1
            continue
        assert out.size == data.size
    assert errors > 250

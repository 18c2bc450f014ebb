"""HuffmanCode: lengths, canonical words, length limits, degenerate alphabets, round trips."""

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
from bitarray import bitarray
from bitarray.util import huffman_code
from conftest import ALL_CORPUS_FILES, corpus_params
from hypothesis import given, settings
from hypothesis import strategies as st

import entropycodec as ec
from entropycodec import HuffmanCode
from entropycodec.errors import CorruptDataError, InvalidInputError, ModelError, TruncatedDataError

ABCD = {"A": 0.5, "B": 0.2, "C": 0.2, "D": 0.1}


def test_abcd_example():
    code = HuffmanCode.from_frequencies(ABCD)
    assert code.lengths == {"A": 1, "B": 2, "C": 3, "D": 3}
    assert code.codewords == {"A": "0", "B": "10", "C": "110", "D": "111"}
    assert code.expected_length() == pytest.approx(1.8, abs=1e-12)
    assert round(code.entropy_bits_per_symbol, 3) == 1.761
    assert code.redundancy() == pytest.approx(1.8 - 1.7609640474436812, abs=1e-12)
    assert code.kraft_sum == 1
    rows = code.table()
    assert [r["codeword"] for r in rows] == ["0", "10", "110", "111"]
    assert [round(r["information_bits"], 3) for r in rows] == [1.0, 2.322, 2.322, 3.322]


def test_abcd_message_golden_bytes(abcd_message):
    code = HuffmanCode.from_data(abcd_message)
    payload = code.encode(abcd_message)
    # A=0 B=10 C=110 D=111: 0 10 110 0 0 111 0 10 110 0 -> 18 bits
    assert payload == bytes.fromhex("58eb00")
    assert code.cost_bits(np.bincount(np.frombuffer(abcd_message, np.uint8), minlength=256)) == 18
    assert code.decode(payload, 10) == abcd_message


def brute_force_cost(weights, max_length):
    best = None
    for ls in itertools.product(range(1, max_length + 1), repeat=len(weights)):
        if sum(Fraction(1, 2**x) for x in ls) <= 1:
            cost = sum(w * x for w, x in zip(weights, ls))
            best = cost if best is None else min(best, cost)
    return best


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(1, 10**6), min_size=2, max_size=6), st.integers(0, 3))
def test_length_limited_is_optimal_by_exhaustive_search(weights, extra):
    min_len = (len(weights) - 1).bit_length()
    limit = max(min_len, 1) + extra
    code = HuffmanCode.from_frequencies(weights, max_length=limit)
    assert code.max_length <= limit
    cost = sum(w * int(code.lengths_array[i]) for i, w in enumerate(weights))
    assert cost == brute_force_cost(weights, limit)


def test_length_limit_below_alphabet_raises():
    with pytest.raises(InvalidInputError, match="5 symbols .* lengths <= 2"):
        HuffmanCode.from_frequencies([1, 1, 1, 1, 1], max_length=2)


def test_package_merge_limit_clamp_and_memory_bound(monkeypatch):
    """A limit above Huffman's longest word is clamped to it (the same lengths as the
    kernel at the full limit), and levels beyond MAX_PACKAGE_MERGE_ENTRIES are a one-line
    InvalidInputError instead of an allocation."""
    from entropycodec.coders import codelengths
    from entropycodec.coders.codelengths_kernels import package_merge

    rng = np.random.default_rng(4)
    w = np.round(rng.pareto(1.0, 300) * 10) + 1
    order = codelengths._tie_order(w)
    full = np.empty(w.size, np.int64)
    full[order] = package_merge(np.ascontiguousarray(w[order]), w.size - 1)
    monkeypatch.setattr(codelengths, "_CHEAP_ENTRIES", 0)  # clamp even small inputs
    clamped = codelengths.package_merge_lengths(w, 200)
    assert (clamped == full).all() and clamped.max() == codelengths.huffman_lengths(w).max()
    monkeypatch.setattr(codelengths, "MAX_PACKAGE_MERGE_ENTRIES", 1000)
    with pytest.raises(InvalidInputError, match="300 symbols with lengths <= 1[0-9] needs"):
        codelengths.package_merge_lengths(w, 200)


def test_fibonacci_weights_get_limited():
    fib = [1, 1]
    while len(fib) < 20:
        fib.append(fib[-1] + fib[-2])
    free = HuffmanCode.from_frequencies(fib)
    assert free.max_length == 19
    limited = HuffmanCode.from_frequencies(fib, max_length=8)
    assert limited.max_length == 8 and limited.kraft_sum <= 1
    assert limited.expected_length() > free.expected_length()


@pytest.mark.parametrize("weights, lengths", [
    ({"x": 3}, {"x": 1}),
    ({"x": 3, "y": 1}, {"x": 1, "y": 1}),
    ({"x": 1, "y": 10**12}, {"x": 1, "y": 1}),
])
def test_degenerate_alphabets(weights, lengths):
    code = HuffmanCode.from_frequencies(weights)
    assert code.lengths == lengths
    data = list(weights) * 3
    assert code.decode(code.encode(data), len(data)) == data


def test_empty_code_and_empty_data():
    code = HuffmanCode.from_frequencies({"a": 0})
    assert code.lengths == {} and code.encode([]) == b""
    assert code.decode(b"", 0) == []
    with pytest.raises(ModelError):
        code.encode(["a"])


def test_all_256_byte_values():
    data = bytes(range(256)) * 4
    code = HuffmanCode.from_data(data)
    assert set(code.lengths.values()) == {8} and code.kraft_sum == 1
    assert code.encode(data) == data  # canonical 8-bit code is the identity
    assert code.decode(code.encode(data), len(data)) == data


def test_arbitrary_symbols_round_trip():
    words = "the cat and the hat and the bat sat on the mat".split()
    code = HuffmanCode.from_data(words)
    assert code.decode(code.encode(words), len(words)) == words
    assert code.lengths["the"] == min(code.lengths.values())


def test_encode_matches_bitarray_bit_for_bit():
    rng = np.random.default_rng(5)
    data = rng.choice(256, size=20_000, p=np.arange(1, 257) / np.arange(1, 257).sum()).astype(np.uint8)
    code = HuffmanCode.from_data(data, max_length=12)
    ba = bitarray(endian="big")
    ba.encode(code.bitarrays(), data.tolist())
    assert code.encode(data) == ba.tobytes()


def test_long_code_words_use_slow_path():
    fib = [1, 1]
    while len(fib) < 40:
        fib.append(fib[-1] + fib[-2])
    code = HuffmanCode.from_frequencies(fib)  # lengths up to 39 > table bits and > 32
    assert code.max_length == 39
    data = list(range(40)) * 5
    assert code.decode(code.encode(data), len(data)) == data


def test_truncation_and_invalid_code_words():
    data = b"abracadabra" * 50
    code = HuffmanCode.from_data(data)
    payload = code.encode(data)
    for cut in range(len(payload)):
        with pytest.raises(TruncatedDataError):
            code.decode(payload[:cut], len(data))
    one = HuffmanCode.from_frequencies({"a": 1})  # single word '0': a 1 bit is invalid
    with pytest.raises(CorruptDataError):
        one.decode(b"\xff", 3)


@settings(max_examples=50, deadline=None)
@given(st.binary(min_size=1, max_size=3000), st.sampled_from([None, 9, 12, 15]))
def test_round_trip_random_bytes(data, limit):
    code = HuffmanCode.from_data(data, max_length=limit)
    assert code.decode(code.encode(data), len(data)) == data


@pytest.mark.parametrize("path", corpus_params(ALL_CORPUS_FILES))
def test_corpus_cost_matches_bitarray_and_round_trips(path):
    data = path.read_bytes()
    counts = np.bincount(np.frombuffer(data, np.uint8), minlength=256)
    code = HuffmanCode.from_frequencies(counts)
    peer = huffman_code({i: int(c) for i, c in enumerate(counts) if c})
    peer_cost = sum(int(counts[s]) * len(w) for s, w in peer.items())
    assert code.cost_bits(counts) == peer_cost  # both optimal
    assert code.kraft_sum == 1
    limited = HuffmanCode.from_frequencies(counts, max_length=12)
    payload = limited.encode(data)
    assert len(payload) == (limited.cost_bits(counts) + 7) // 8
    assert limited.decode(payload, len(data)) == data


def _fibonacci(k):
    fib = [1, 1]
    while len(fib) < k:
        fib.append(fib[-1] + fib[-2])
    return fib


def test_longest_decodable_words_round_trip():
    code = HuffmanCode.from_frequencies(_fibonacci(58))  # lengths up to 57: the decoder window
    assert code.max_length == 57
    data = [0, 57, 56, 1, 0] * 3
    assert code.decode(code.encode(data), len(data)) == data


def test_encoder_refuses_words_the_decoder_cannot_read():
    code = HuffmanCode.from_frequencies(_fibonacci(60))  # lengths up to 59
    assert code.max_length == 59
    with pytest.raises(InvalidInputError, match="max_length"):
        code.encode([0, 1, 59])
    with pytest.raises(InvalidInputError, match="max_length"):
        ec.encode(list(range(60)), coder="huffman", model=dict(enumerate(_fibonacci(60))))
    limited = HuffmanCode.from_frequencies(_fibonacci(60), max_length=57)
    assert limited.decode(limited.encode([0, 1, 59]), 3) == [0, 1, 59]


def test_table_of_a_certain_symbol_has_zero_information():
    row = HuffmanCode.from_frequencies({"A": 1}).table()[0]
    assert math.copysign(1, row["information_bits"]) == 1


# -- four streams (Huff0's 4X layout) -------------------------------------------------------

def test_four_streams_golden_bytes_and_layout():
    code = HuffmanCode.from_frequencies(ABCD)
    payload = code.encode("ABCAADABCA", streams=4)
    # sizes 1, 1, 1 (little-endian uint32), then ABC | AAD | ABC | A, each zero-padded
    assert payload.hex() == "010000000100000001000000" "58" "38" "58" "00"
    assert code.decode(payload, 10, streams=4) == list("ABCAADABCA")
    assert code.encode("", streams=4) == b"" and code.decode(b"", 0, streams=4) == []


@settings(max_examples=60, deadline=None)
@given(st.binary(min_size=0, max_size=5000), st.sampled_from([None, 9, 12, 14, 15]))
def test_four_streams_round_trip_random_bytes(data, limit):
    code = HuffmanCode.from_data(data or b"x", max_length=limit)
    assume_ok = code.max_length <= 15
    if not assume_ok:
        with pytest.raises(InvalidInputError, match="four streams"):
            code.encode(data, streams=4)
        return
    payload = code.encode(data, streams=4)
    assert code.decode(payload, len(data), streams=4) == data
    seg = (len(data) + 3) // 4
    parts = [code.encode(data[j * seg:(j + 1) * seg]) for j in range(4)]
    assert payload == (b"".join(len(p).to_bytes(4, "little") for p in parts[:3]) + b"".join(parts)
                       if data else b"")


@pytest.mark.parametrize("path", corpus_params(ALL_CORPUS_FILES))
def test_four_streams_corpus_round_trip(path):
    data = path.read_bytes()
    code = HuffmanCode.from_data(data, max_length=15)
    payload = code.encode(data, streams=4)
    assert code.decode(payload, len(data), streams=4) == data
    assert len(payload) - len(code.encode(data)) <= 12 + 3  # the jump table, three paddings


def test_four_streams_truncation_and_bad_jump_tables():
    data = bytes(np.random.default_rng(7).choice(list(b"abcdefgh"), 3000,
                                                 p=[.4, .2, .1, .1, .08, .06, .04, .02]))
    code = HuffmanCode.from_data(data)
    payload = code.encode(data, streams=4)
    for cut in range(len(payload)):
        with pytest.raises(CorruptDataError):  # TruncatedDataError or a bad code word
            code.decode(payload[:cut], len(data), streams=4)
    huge = (2**32 - 1).to_bytes(4, "little") + payload[4:]
    with pytest.raises(TruncatedDataError, match="jump table"):
        code.decode(huge, len(data), streams=4)
    with pytest.raises(InvalidInputError, match="streams must be 1 or 4"):
        code.encode(data, streams=2)


def test_registry_layout_one_uses_four_streams_from_65536_symbols():
    from entropycodec.coders.huffman import FOUR_STREAMS_MIN, huffman_decode, huffman_encode

    data = np.frombuffer(b"abracadabra, " * 6000, dtype=np.uint8)  # 78,000 symbols
    code = HuffmanCode.from_data(data.tobytes())
    assert FOUR_STREAMS_MIN == 65536 <= data.size
    four, one = huffman_encode(data, code, layout=1), huffman_encode(data, code)
    assert four == code.encode(data, streams=4) and one == code.encode(data)
    assert bytes(huffman_decode(four, data.size, code, layout=1)) == data.tobytes()
    short = data[:1000]
    assert huffman_encode(short, code, layout=1) == code.encode(short)
    blob = ec.compress(data.tobytes(), coder="huffman")  # an .ec block: layout 1, four streams
    assert ec.decompress(blob) == data.tobytes() and four in blob


def test_container_reads_one_stream_blocks_of_layout_zero():
    import dataclasses
    import zlib

    from entropycodec.container.blocks import decode_block, encode_block
    from entropycodec.container.format import BLOCK_HEADER, unpack_block_header

    data = b"abracadabra, " * 6000
    block = encode_block(data, "huffman")
    header = unpack_block_header(block[:BLOCK_HEADER.size], 1 << 20)
    desc = block[BLOCK_HEADER.size:BLOCK_HEADER.size + header.model_size]
    assert header.coder_param == 1
    one = HuffmanCode.from_data(data, max_length=15).encode(data)  # as written before
    old = dataclasses.replace(header, coder_param=0, payload_size=len(one),
                              stored_crc=zlib.crc32(desc + one))
    assert decode_block(old, desc + one) == data
    with pytest.raises(CorruptDataError, match="unknown layout 2"):
        decode_block(dataclasses.replace(header, coder_param=2), block[BLOCK_HEADER.size:])


def test_four_streams_random_corruption_gives_package_errors_only():
    """Flipped bytes anywhere (jump table, streams): a package error or n symbols, never
    a crash; the decoder's loads stay inside their streams whatever the sizes say."""
    from entropycodec.errors import EntropyCodecError

    rng = np.random.default_rng(11)
    data = bytes(rng.choice(list(b"abcdefgh"), 20_000, p=[.4, .2, .1, .1, .08, .06, .04, .02]))
    code = HuffmanCode.from_data(data)
    payload = code.encode(data, streams=4)
    outcomes = {"error": 0, "decoded": 0}
    for _ in range(400):
        bad = bytearray(payload)
        for pos in rng.integers(0, len(bad), int(rng.integers(1, 4))):
            bad[pos] ^= int(rng.integers(1, 256))
        if rng.random() < 0.25:  # a jump table of any sizes
            bad[:12] = rng.integers(0, 256, 12, dtype=np.uint8).tobytes()
        try:
            out = code.decode_indices(bytes(bad), len(data), streams=4)
        except EntropyCodecError:
            outcomes["error"] += 1
            continue
        assert out.size == len(data)
        outcomes["decoded"] += 1
    assert outcomes["error"] > 100

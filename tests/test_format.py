"""The .ec layout, asserted field by field and as golden bytes (docs/format.md)."""

from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest

import entropycodec
from entropycodec.coders import CODERS
from entropycodec.container import format as fmt
from entropycodec.container.blocks import _static_model, encode_block
from entropycodec.container.modeldesc import (
    decode_code_lengths,
    decode_frequencies,
    encode_code_lengths,
    encode_frequencies,
    frequency_description_size,
)
from entropycodec.errors import CorruptDataError, InvalidInputError, LimitExceededError

DATA = b"abracadabra" * 4
GOLDEN_HUFFMAN = bytes.fromhex(
    "8945430a010000004000150a"                                  # stream header
    "02010a002c0000000c000000eb87feef79d9f7594df7597e"          # block header (layout 1)
    "02046162636472133330"                                      # code lengths
    "4eac9c9d59393ab2727564e0"                                  # payload
    "000001000000"  "2c00000000000000" "eb87feef" "4330c68b"    # end marker
)


def test_golden_bytes_of_a_tiny_file():
    assert entropycodec.compress(DATA, coder="huffman") == GOLDEN_HUFFMAN
    assert entropycodec.decompress(GOLDEN_HUFFMAN) == DATA


def test_stream_header_fields():
    stream = entropycodec.compress(DATA, coder="huffman", block_size=1000)
    magic, version, flags, max_block, check = struct.unpack("<4sBBIH", stream[:12])
    assert (magic, version, flags, max_block) == (b"\x89EC\n", 1, 0, 1000)
    assert check == zlib.crc32(stream[:10]) & 0xFFFF


def test_block_header_fields():
    stream = entropycodec.compress(DATA, coder="huffman")
    cid, param, model, orig, payload, dcrc, scrc, check = struct.unpack("<BBHIIIII", stream[12:36])
    assert (cid, param, orig) == (fmt.CODER_IDS["huffman"], 1, len(DATA))  # layout 1
    assert dcrc == zlib.crc32(DATA)
    stored = stream[36:36 + model + payload]
    assert scrc == zlib.crc32(stored)
    assert check == zlib.crc32(stream[12:32])
    # end marker right after the payload
    end = stream[36 + model + payload:]
    marker, reserved, count, total, crc, echeck = struct.unpack("<BBIQII", end)
    assert (marker, reserved, count, total, crc) == (0, 0, 1, len(DATA), zlib.crc32(DATA))
    assert echeck == zlib.crc32(end[:18])


def test_empty_input_is_header_and_end_marker():
    stream = entropycodec.compress(b"")
    assert len(stream) == fmt.STREAM_HEADER.size + fmt.END_RECORD.size == 34
    assert stream[12:] == fmt.EndRecord(0, 0, 0).pack()
    assert entropycodec.decompress(stream) == b""


def test_raw_block_when_coding_would_expand():
    stream = entropycodec.compress(b"abc")
    header = fmt.unpack_block_header(stream[12:36], 1 << 22)
    assert (header.coder, header.model_size, header.payload_size) == ("raw", 0, 3)
    assert stream[36:39] == b"abc"


def test_every_coder_id_is_distinct_and_nonzero():
    ids = [c.coder_id for c in CODERS.values()]
    assert len(set(ids)) == len(ids) and fmt.END_MARKER not in ids


# -- limits -----------------------------------------------------------------------------

def test_block_size_limit_guarantees_32_bit_counts():
    # 15-bit Huffman words over a maximal block still fit a 32-bit bit count.
    assert fmt.MAX_BLOCK_SIZE * 15 < 2**32
    assert fmt.MAX_BLOCK_SIZE == 256 << 20


@pytest.mark.parametrize("size", [0, fmt.MAX_BLOCK_SIZE + 1, 1 << 32])
def test_block_size_beyond_limit_is_rejected(size):
    with pytest.raises(InvalidInputError, match="block_size"):
        entropycodec.compress(b"x", block_size=size)


def test_header_declaring_huge_blocks_is_rejected():
    head = fmt.STREAM_HEADER.pack(fmt.MAGIC, 1, 0, fmt.MAX_BLOCK_SIZE + 1, 0)[:-2]
    head += struct.pack("<H", zlib.crc32(head) & 0xFFFF)
    with pytest.raises(LimitExceededError):
        entropycodec.decompress(head)


def test_block_larger_than_stream_limit_is_rejected_before_reading_it():
    stream = bytearray(entropycodec.compress(b"a" * 100, coder="raw", block_size=100))
    header = fmt.BlockHeader(1, 0, 0, 101, 101, 0, 0).pack()   # valid check, too big
    stream[12:36] = header
    with pytest.raises(LimitExceededError):
        entropycodec.decompress(bytes(stream[:36]))  # no payload needed to reject it


def test_bad_magic_version_and_flags():
    good = entropycodec.compress(b"hello")
    with pytest.raises(CorruptDataError, match="magic"):
        entropycodec.decompress(b"PK\x03\x04" + good[4:])
    for offset, value, message in ((4, 2, "version"), (5, 1, "flags")):
        bad = bytearray(good)
        bad[offset] = value
        bad[10:12] = struct.pack("<H", zlib.crc32(bytes(bad[:10])) & 0xFFFF)
        with pytest.raises(CorruptDataError, match=message):
            entropycodec.decompress(bytes(bad))


def test_trailing_garbage_is_an_error():
    with pytest.raises(CorruptDataError):
        entropycodec.decompress(entropycodec.compress(b"hello") + b"\0", strict=True)
    # by default ignored, as lzma.decompress and bz2.decompress ignore it
    assert entropycodec.decompress(entropycodec.compress(b"hello") + b"\0") == b"hello"


# -- model descriptions ---------------------------------------------------------------

def _random_counts(rng, k):
    counts = np.zeros(256, np.int64)
    counts[rng.choice(256, k, replace=False)] = rng.geometric(0.02, k)
    return counts


@pytest.mark.parametrize("k", [1, 2, 3, 17, 31, 32, 33, 100, 255, 256])
def test_code_lengths_round_trip_and_layout(k):
    from entropycodec.coders.huffman import HuffmanCode

    rng = np.random.default_rng(k)
    code = HuffmanCode.from_frequencies(_random_counts(rng, k), max_length=15)
    desc = encode_code_lengths(code.lengths_array)
    assert (decode_code_lengths(desc) == code.lengths_array).all()
    expected_layout = 0 if k == 256 else (2 if 1 + k < 32 else 1)
    assert desc[0] == expected_layout
    assert len(desc) == 1 + {0: 0, 1: 32, 2: 1 + k}[expected_layout] + (k + 1) // 2
    assert len(desc) <= 161


@pytest.mark.parametrize("k", [1, 2, 5, 40, 200, 256])
@pytest.mark.parametrize("scale_bits", [8, 12, 16])
def test_frequencies_round_trip(k, scale_bits):
    from entropycodec.models.counts import quantize_counts

    rng = np.random.default_rng(k * 100 + scale_bits)
    freqs = quantize_counts(_random_counts(rng, k), scale_bits)
    desc = encode_frequencies(freqs, scale_bits)
    assert len(desc) == frequency_description_size(freqs, scale_bits)
    back, scale = decode_frequencies(desc)
    assert scale == scale_bits and (back == freqs).all()


def test_frequency_description_is_at_most_300_bytes_even_for_uniform_data():
    rng = np.random.default_rng(0)
    counts = np.bincount(rng.integers(0, 256, 1 << 20), minlength=256)
    model = _static_model(counts, int(counts.sum()))
    assert frequency_description_size(model.freqs, model.scale_bits) <= 300


def test_small_alphabet_descriptions_are_small():
    freqs = np.zeros(256, np.int64)
    freqs[[65, 66, 67, 68]] = [8, 4, 2, 2]
    assert len(encode_frequencies(freqs, 4)) <= 10
    lengths = np.zeros(256, np.uint8)
    lengths[[65, 66, 67, 68]] = [1, 2, 3, 3]
    assert len(encode_code_lengths(lengths)) == 8


@pytest.mark.parametrize("desc", [
    b"", b"\x03",                               # empty, unknown layout
    b"\x02\x01ab\x12",                           # lengths 1, 2: Kraft 3/4, incomplete
    b"\x02\x01ba\x11",                           # symbols not increasing
    b"\x02\x00a\x20",                            # single symbol with length 2
    b"\x02\x01ab\x11\x00",                       # trailing byte
    b"\x02\x02abc\x12\x21",                      # non-zero padding nibble
    b"\x02\x01ab\x10",                           # zero length for a present symbol
])
def test_invalid_code_lengths_are_corrupt(desc):
    with pytest.raises(CorruptDataError):
        decode_code_lengths(desc)


@pytest.mark.parametrize("desc", [
    b"", b"\x00", b"\x19\x02",                   # short, scale_bits 0 / 25
    b"\x04\x02\x01ab",                           # missing frequency bits
    b"\x02\x02\x01ab\xff",                       # frequencies exceed 2**scale_bits
    b"\x04\x02\x01ab\x80\x00",                   # trailing byte after the codes
    b"\x01\x02\x02abc\x80",                      # 3 symbols in 2 slots
])
def test_invalid_frequencies_are_corrupt(desc):
    with pytest.raises(CorruptDataError):
        decode_frequencies(desc)


def test_blocks_are_identical_whatever_the_split_point():
    # A block's bytes depend only on its data and coder.
    block = encode_block(DATA, "huffman")
    assert GOLDEN_HUFFMAN[12:58] == block


@pytest.mark.slow
def test_a_maximal_block_round_trips():
    """One block of exactly 2**28 bytes (2**31 bits of symbols): the largest the format
    allows; its sizes, bit counts and CRCs all fit their fields."""
    rng = np.random.default_rng(0)
    data = (rng.random(fmt.MAX_BLOCK_SIZE) < 0.3).astype(np.uint8).tobytes()
    packed = entropycodec.compress(data, coder="huffman", block_size=fmt.MAX_BLOCK_SIZE)
    (block,) = entropycodec.read_header(packed).blocks
    assert block.original_size == fmt.MAX_BLOCK_SIZE and block.coder == "huffman"
    assert entropycodec.decompress(packed) == data


def test_block_crc_is_zlibs_whichever_library_computes_it():
    """container.crc.crc32 (zlib-ng's with the ``fast`` extra) gives zlib.crc32's values, with
    and without a start value, on buffers of every alignment and on numpy arrays."""
    import importlib.util

    from entropycodec.container import crc

    assert crc.ACCELERATED == (importlib.util.find_spec("zlib_ng") is not None)
    rng = np.random.default_rng(11)
    data = rng.integers(0, 256, 1 << 20, dtype=np.uint8)
    for start, size in ((0, 0), (1, 1), (3, 15), (5, 4096), (7, 100_003), (0, data.size)):
        part = data[start:start + size]
        assert crc.crc32(part) == zlib.crc32(part.tobytes())
        assert crc.crc32(part, 0xDEADBEEF) == zlib.crc32(part.tobytes(), 0xDEADBEEF)
        assert crc.crc32(memoryview(part.tobytes())) == zlib.crc32(part.tobytes())


def test_crc32_combine_native_and_python_agree():
    """crc32_combine (zlib-ng's when installed) equals the pure-Python fallback and the
    CRC of the concatenation, for empty, short and 2**40-byte second parts."""
    from entropycodec.container import crc

    rng = np.random.default_rng(5)
    for size_a, size_b in ((0, 0), (0, 7), (13, 0), (1, 1), (100, 4093), (5000, 65_537)):
        a, b = rng.bytes(size_a), rng.bytes(size_b)
        want = zlib.crc32(a + b)
        assert crc.crc32_combine(zlib.crc32(a), zlib.crc32(b), len(b)) == want
        if b:
            python = crc._multmodp(crc._x2nmodp(len(b), 3), zlib.crc32(a)) ^ zlib.crc32(b)
            assert python == want
    huge = 1 << 40
    python = crc._multmodp(crc._x2nmodp(huge, 3), 0x12345678) ^ 0x9ABCDEF0
    assert crc.crc32_combine(0x12345678, 0x9ABCDEF0, huge) == python == 0x37290B0E


def test_container_without_zlib_ng_uses_zlibs_crc():
    """Without the ``fast`` extra the container falls back to zlib's CRC-32 and reads and
    writes the same files (a fresh interpreter in which zlib_ng cannot be imported)."""
    import subprocess
    import sys

    code = ("import sys; sys.modules['zlib_ng'] = None\n"
            "import zlib, entropycodec as ec\n"
            "from entropycodec.container import crc\n"
            "assert not crc.ACCELERATED and crc.crc32 is zlib.crc32\n"
            "data = bytes(range(256)) * 300\n"
            "blob = ec.compress(data, 1)\n"
            "assert ec.decompress(blob) == data\n"
            "print(blob.hex())\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    import entropycodec as ec

    assert bytes.fromhex(out.stdout.strip()) == ec.compress(bytes(range(256)) * 300, 1)

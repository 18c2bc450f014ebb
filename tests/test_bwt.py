"""The Burrows-Wheeler coder: golden bytes, the transform against its definition, both suffix
sorters, round trips over the corpora, and every way a payload can be bad.

The registry's common case list (tests/test_coder_contract.py) runs bwt too; this file keeps
what only bwt has: the transform's oracle (sorted rotations), the start rows, the chunks,
the order-0 chunks, and payload fields to corrupt.
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest
from conftest import ALL_CORPUS_FILES, CANTERBURY, corpus_params

from entropycodec.coders.bwt import DEFAULT_LEVEL, bwt_decode, bwt_encode, codec, memory_bytes
from entropycodec.coders.bwt import rank_coder as rc
from entropycodec.coders.bwt import rank_mixer as rm
from entropycodec.coders.bwt import transform as tf
from entropycodec.coders.bwt.suffix_array import have_divsufsort, sais, suffix_array
from entropycodec.errors import CorruptDataError, InvalidInputError, LimitExceededError, TruncatedDataError

ABRA = b"abracadabra abracadabra abracadabra"
CRC_SQUASH16 = 3643011307
needs_divsufsort = pytest.mark.skipif(not have_divsufsort(), reason="pydivsufsort not installed")


def _arr(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype=np.uint8)


def _small_strings(count: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    for _ in range(count):
        n = int(rng.integers(1, 40))
        k = int(rng.integers(1, 5))
        yield bytes((rng.integers(0, k, n) * 60).astype(np.uint8))


# -- golden bytes and sizes -----------------------------------------------------------------

def test_golden_bytes():
    # primary index 11, then the coded ranks (docs/format.md, "The bwt coder")
    assert bwt_encode(ABRA).hex(" ") == "0b 81 78 c0 9a 5a a0 3a a3 80 d6 a5 cd a8 4c 72"
    assert bwt_encode(b"z" * 100_000).hex(" ") == "a0 8d 06 81 14 00 01 79 60 01"
    assert bwt_encode(b"banana") == b"\x00\x9d\xb1\xdb\xe3"  # an order-0 chunk: smaller here
    assert bwt_encode(b"") == b""


@pytest.mark.skipif(not CANTERBURY.is_dir(), reason="standard corpora absent")
@pytest.mark.parametrize(("name", "size"), [("alice29.txt", 42674), ("xargs.1", 1693),
                                            ("grammar.lsp", 1217), ("kennedy.xls", 92337)])
def test_exact_payload_sizes(name, size):
    assert len(bwt_encode((CANTERBURY / name).read_bytes())) == size


def test_constants_mirror_the_kernels():
    """codec.py repeats these so that importing it loads no numba kernels."""
    assert codec.MAX_CHUNK == tf.MAX_CHUNK and codec.MAX_WALKS == tf.MAX_WALKS
    assert codec.DECODER_LOOKAHEAD == rc.DECODER_LOOKAHEAD
    assert rc.new_tables().nbytes + rc.new_tables(rc.BYTE_ROWS).nbytes < codec.MODEL_BYTES
    assert all(codec._walks(m) == tf.walks(m) for m in (1, 65535, 65536, 1 << 20, 1 << 23))


# -- the transform against its definition -----------------------------------------------------

@pytest.mark.parametrize("builder", ["sais", pytest.param("divsufsort", marks=needs_divsufsort)])
def test_transform_is_the_sorted_rotations(builder):
    for data in [b"banana", b"mississippi", b"a", b"aaaa", ABRA, *_small_strings(300)]:
        last, rows = tf.bwt(_arr(data), builder)
        assert (bytes(last), int(rows[0])) == tf.rotations_bwt(data)
        out = np.empty(len(data), dtype=np.uint8)
        assert tf.inverse_bwt(last, rows, out) == tf.OK and bytes(out) == data


def test_suffix_array_is_sorted_suffixes():
    for data in [b"mississippi", b"abab", *_small_strings(300, seed=1)]:
        assert sais(_arr(data)).tolist() == sorted(range(len(data)), key=lambda i: data[i:])


def test_start_rows_and_interleaved_walks():
    data = np.random.default_rng(3).integers(0, 4, 300_000).astype(np.uint8)
    walks = tf.walks(data.size)
    last, rows = tf.bwt(data, "sais", walks)
    sa = sais(data)
    seg = -(-data.size // walks)
    isa = np.empty(data.size, dtype=np.int64)
    isa[sa] = np.arange(data.size)
    assert walks == 4 and rows.tolist() == [int(isa[k * seg]) + 1 for k in range(walks)]
    out = np.empty_like(data)
    assert tf.inverse_bwt(last, rows, out) == tf.OK and np.array_equal(out, data)
    bad = rows.copy()
    bad[2] += 1  # walk 1 no longer ends where walk 2 starts
    assert tf.inverse_bwt(last, bad, out) == tf.CORRUPT


def test_move_to_front_round_trip():
    data = _arr(ABRA * 10)
    ranks = np.empty_like(data)
    tf.move_to_front(data, ranks)
    assert ranks[:4].tolist() == [97, 98, 114, 2]
    tf.inverse_move_to_front(ranks)
    assert bytes(ranks) == ABRA * 10


@needs_divsufsort
@pytest.mark.parametrize("path", corpus_params(ALL_CORPUS_FILES))
def test_divsufsort_and_sais_agree(path):
    data = np.fromfile(path, dtype=np.uint8)
    assert np.array_equal(suffix_array(data, "sais"), suffix_array(data, "divsufsort"))


@needs_divsufsort
def test_output_does_not_depend_on_the_sorter():
    data = (CANTERBURY / "fields.c").read_bytes() if CANTERBURY.is_dir() else ABRA * 100
    assert bwt_encode(data, builder="sais") == bwt_encode(data, builder="divsufsort")


# -- round trips --------------------------------------------------------------------------------

@pytest.mark.parametrize("path", corpus_params(ALL_CORPUS_FILES))
def test_corpus_round_trip(path):
    data = path.read_bytes()
    payload = bwt_encode(data)
    out = np.zeros(len(data), dtype=np.uint8)
    assert bwt_decode(payload, len(data), DEFAULT_LEVEL, out=out) is out
    assert out.tobytes() == data


def test_several_chunks():
    rng = np.random.default_rng(4)
    data = rng.integers(0, 3, tf.MAX_CHUNK + 1000).astype(np.uint8).tobytes()
    payload = bwt_encode(data)
    assert bwt_decode(payload, len(data), 1).tobytes() == data


def test_memoryless_data_takes_an_order0_chunk():
    rng = np.random.default_rng(5)
    data = rng.choice(np.frombuffer(b"ABCD", np.uint8), 5000, p=[0.5, 0.2, 0.2, 0.1]).tobytes()
    payload = bwt_encode(data)
    assert payload[0] == 0 and len(payload) == 1099
    assert bwt_decode(payload, len(data), 1).tobytes() == data


def test_memory_bytes_covers_the_inverse_table():
    assert memory_bytes(1, 4 << 20) == 4 * ((4 << 20) + 1) + codec.MODEL_BYTES
    assert memory_bytes(1, 1 << 28) == memory_bytes(1, tf.MAX_CHUNK)
    assert memory_bytes(2, 4 << 20) == 4 * ((4 << 20) + 1) + codec.MIXED_MODEL_BYTES
    assert rm.state_bytes() == sum(a.nbytes for a in rm.new_state()) < codec.MIXED_MODEL_BYTES


# -- level 2: move-to-front-2 and mixed predictions ---------------------------------------------

def test_level2_golden_bytes():
    assert bwt_encode(ABRA, 2).hex(" ") == "0b 81 7b 39 b8 a4 06 56 f1 5c 8b 42 a8 a2 5d"
    assert bwt_encode(b"z" * 100_000, 2).hex(" ") == "a0 8d 06 81 16 ff 80 69 07 9c"
    assert bwt_encode(b"banana", 2) == bwt_encode(b"banana", 1)  # order-0 chunks: level 1's


@pytest.mark.skipif(not CANTERBURY.is_dir(), reason="standard corpora absent")
@pytest.mark.parametrize(("name", "size"), [("alice29.txt", 41424), ("xargs.1", 1658),
                                            ("grammar.lsp", 1181), ("kennedy.xls", 82205)])
def test_level2_exact_payload_sizes(name, size):
    data = (CANTERBURY / name).read_bytes()
    payload = bwt_encode(data, 2)
    assert len(payload) == size < len(bwt_encode(data, 1))
    assert bwt_decode(payload, len(data), 2).tobytes() == data


def test_level2_logistic_table():
    """Built in exact decimal arithmetic: the same table on every machine (its CRC pinned)."""
    t, mid = rm.SQUASH16.astype(np.int64), rm.STRETCH_LIMIT
    assert zlib.crc32(t.astype("<i8").tobytes()) == CRC_SQUASH16
    assert t[mid] == 32768 and t[mid + 256] == 47911  # 65536 / (1 + e**-1) = 47910.6
    assert (t[1:] >= t[:-1]).all() and t[0] >= 1 and t[-1] <= 65535
    assert (t[mid + 1:] + t[mid - 1::-1] == 65536).all()


@pytest.mark.parametrize("path", corpus_params(ALL_CORPUS_FILES))
def test_level2_corpus_round_trip(path):
    data = path.read_bytes()
    out = np.zeros(len(data), dtype=np.uint8)
    assert bwt_decode(bwt_encode(data, 2), len(data), 2, out=out) is out
    assert out.tobytes() == data


def test_level2_small_strings_round_trip():
    for data in [b"a", b"ab", b"aaaa", ABRA, *_small_strings(200, seed=7)]:
        assert bwt_decode(bwt_encode(data, 2), len(data), 2).tobytes() == data


def test_a_level_is_not_the_other():
    payload = bwt_encode(ABRA * 3, 2)
    try:
        out = bwt_decode(payload, len(ABRA) * 3, 1)
    except CorruptDataError:
        return
    assert out.tobytes() != ABRA * 3  # the container's CRC refuses it


# -- bad input ------------------------------------------------------------------------------------

def test_bad_arguments():
    with pytest.raises(InvalidInputError):
        bwt_encode(ABRA, level=3)
    with pytest.raises(InvalidInputError):
        bwt_encode(np.zeros((2, 2), dtype=np.uint8))
    with pytest.raises(InvalidInputError):
        bwt_decode(b"", 0, 0)
    with pytest.raises(InvalidInputError):
        bwt_decode(b"", -1, 1)


def test_corrupt_primary_index():
    payload = bytearray(bwt_encode(ABRA))
    payload[0] = 36  # outside 1 .. 35
    with pytest.raises(CorruptDataError, match="start row 36 outside 1..35"):
        bwt_decode(bytes(payload), len(ABRA), 1)
    payload[0] = 0x80  # a varint that goes on into the coded bytes: row 0x81 ... too large
    with pytest.raises(CorruptDataError):
        bwt_decode(bytes(payload), len(ABRA), 1)
    payload[0] = 10  # inside the range, but not the transform's row
    with pytest.raises(CorruptDataError, match="start rows do not invert"):
        bwt_decode(bytes(payload), len(ABRA), 1)


def test_a_run_past_the_block():
    for level in (1, 2):
        coded = bwt_encode(b"a" * 1000, level)[2:]  # start row 1000 (2 varint bytes), then a run
        with pytest.raises(CorruptDataError, match="past the block's end"):
            bwt_decode(b"\x05" + coded, 10, level)


def test_level2_no_truncation_decodes_to_the_original():
    raised = 0
    for data in (ABRA, b"banana" * 7, b"z" * 5000):
        payload = bwt_encode(data, 2)
        for cut in range(len(payload)):
            try:
                out = bwt_decode(payload[:cut], len(data), 2)
            except CorruptDataError:
                raised += 1
                continue
            assert out.tobytes() != data
        with pytest.raises(CorruptDataError, match="after the end"):
            bwt_decode(payload + b"\x00", len(data), 2)
    assert raised == 15 + 10 + 6 - 1  # all but one cut of ABRA's payload


def test_n_beyond_what_the_payload_holds():
    with pytest.raises(LimitExceededError):
        bwt_decode(b"\x01\x02", 2 * tf.MAX_CHUNK, 1)
    with pytest.raises(TruncatedDataError):
        bwt_decode(b"", 5, 1)
    with pytest.raises(CorruptDataError):
        bwt_decode(b"\x01", 0, 1)


def test_no_truncation_decodes_to_the_original():
    """A cut payload raises, or (rarely: a range coder's cut stream can still be read to its
    length plus 3) decodes to other bytes, which the container's CRC refuses."""
    raised = 0
    for data in (ABRA, b"banana" * 7, b"z" * 5000):
        payload = bwt_encode(data)
        for cut in range(len(payload)):
            try:
                out = bwt_decode(payload[:cut], len(data), 1)
            except CorruptDataError:
                raised += 1
                continue
            assert out.tobytes() != data
    assert raised == 16 + 10 + 6 - 1  # all but one cut of ABRA's payload
    for data in (ABRA, b"banana" * 7, b"z" * 5000):
        with pytest.raises(CorruptDataError, match="after the end"):
            bwt_decode(bwt_encode(data) + b"\x00", len(data), 1)


def test_truncated_chunk_header():
    data = bytes(tf.MAX_CHUNK + 10)
    payload = bwt_encode(data)
    assert payload[:2] == b"\x00\x04"  # chunk 0: an order-0 chunk of 4 coded bytes
    for cut in range(1, 7):
        with pytest.raises(CorruptDataError):
            bwt_decode(payload[:cut], len(data), 1)
    for cut in (4, 5):  # long enough for two chunks' headers, but not for chunk 0's 4 bytes
        with pytest.raises(TruncatedDataError, match="ends inside a chunk"):
            bwt_decode(payload[:cut], len(data), 1)


@pytest.mark.parametrize("level", [1, 2])
def test_random_payloads_raise_only_corrupt_data(level):
    rng = np.random.default_rng(6)
    for _ in range(300):
        payload = rng.bytes(int(rng.integers(1, 60)))
        n = int(rng.integers(1, 3000))
        try:
            out = bwt_decode(payload, n, level)
        except CorruptDataError:
            continue
        assert out.shape == (n,)  # garbage in, n bytes out: the container's CRC catches it

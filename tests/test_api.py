"""The lzma/bz2-shaped API: round trips for every coder, incremental objects, ECFile, open."""

from __future__ import annotations

import io
import random

import numpy as np
import pytest
from conftest import CANTERBURY_FILES, LARGE_FILES, corpus_params
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import entropycodec
from entropycodec import Compressor, Decompressor, ECFile, compress, decompress, read_header
from entropycodec.coders import CODERS
from entropycodec.errors import CorruptDataError, InvalidInputError, TruncatedDataError

ALL_CODERS = ["auto", *CODERS]
FAST_CODERS = {"auto", "raw", "huffman", "arithmetic", "rans"}



def _samples() -> dict:
    rng = np.random.default_rng(7)
    text = b"It was the best of times, it was the worst of times. " * 40
    return {
        "empty": b"",
        "one-byte": b"x",
        "two-bytes": b"\x00\xff",
        "one-symbol": b"a" * 1000,
        "every-byte": bytes(range(256)) * 4,
        "random": rng.integers(0, 256, 5000, dtype=np.uint8).tobytes(),
        "skewed": rng.choice(4, 5000, p=[0.9, 0.05, 0.03, 0.02]).astype(np.uint8).tobytes(),
        "text": text,
    }


SAMPLES = _samples()


@pytest.mark.parametrize("coder", ALL_CODERS)
@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_round_trip_samples(coder, name):
    data = SAMPLES[name]
    packed = compress(data, coder=coder)
    assert decompress(packed) == data
    info = read_header(packed)
    assert info.uncompressed_size == len(data) and info.compressed_size == len(packed)


@pytest.mark.parametrize("coder", ALL_CODERS)
@pytest.mark.parametrize("size", [63, 64, 65, 128, 129, 640])
def test_block_boundaries(coder, size):
    data = SAMPLES["text"][:size]
    packed = compress(data, coder=coder, block_size=64)
    assert decompress(packed) == data
    blocks = read_header(packed).blocks
    assert [b.original_size for b in blocks] == [64] * (size // 64) + ([size % 64] if size % 64 else [])


def _corpus_cases(files, slow_coders_slow: bool):
    cases = []
    for param in corpus_params(files):
        for coder in ALL_CODERS:
            marks = list(param.marks)
            if coder not in FAST_CODERS and slow_coders_slow:
                marks.append(pytest.mark.slow)
            cases.append(pytest.param(param.values[0], coder, marks=marks,
                                      id=f"{param.id}-{coder}"))
    return cases


@pytest.mark.parametrize("path,coder", _corpus_cases(CANTERBURY_FILES, False)
                         + _corpus_cases(LARGE_FILES, True))
def test_round_trip_corpus(path, coder):
    data = path.read_bytes()
    packed = compress(data, coder=coder, block_size=1 << 20)
    assert decompress(packed) == data
    if coder in ("auto", "arithmetic", "rans", "huffman"):
        assert len(packed) <= len(data) + 34 + 24 * (len(data) // (1 << 20) + 1)


def test_auto_never_loses_to_the_coders_it_chooses_from():
    data = CANTERBURY_FILES[0].read_bytes() if CANTERBURY_FILES else SAMPLES["text"] * 50
    auto = len(compress(data, coder="auto"))
    for coder in ("huffman", "arithmetic", "rans"):
        assert auto <= len(compress(data, coder=coder)) + 16


def test_auto_stores_incompressible_blocks_raw():
    info = read_header(compress(SAMPLES["random"]))
    assert info.coder_counts() == {"raw": 1}


def test_threads_give_identical_output():
    data = (SAMPLES["text"] + SAMPLES["skewed"]) * 30
    one = compress(data, block_size=4096, threads=1)
    assert compress(data, block_size=4096, threads=2) == one
    assert compress(data, block_size=4096, threads=3) == one
    assert decompress(one) == data
    assert decompress(one + one, threads=2) == data + data
    assert decompress(one, threads=3) == data


def test_parallel_decompressor_with_max_length_and_small_pieces():
    data = (SAMPLES["text"] + SAMPLES["skewed"]) * 10
    packed = compress(data, block_size=1000)
    d = Decompressor(threads=2)
    parts = []
    for i in range(0, len(packed), 700):
        parts.append(d.decompress(packed[i:i + 700], max_length=300))
        while not d.needs_input and not d.eof:
            parts.append(d.decompress(b"", max_length=300))
    assert b"".join(parts) == data and d.eof


def test_parallel_decompressor_reports_damage_in_order():
    data = SAMPLES["text"] * 10
    packed = bytearray(compress(data, block_size=1000))
    packed[len(packed) // 2] ^= 0x10
    with pytest.raises(CorruptDataError):
        decompress(bytes(packed), threads=2)


def test_ecfile_reads_with_threads(tmp_path):
    data = SAMPLES["skewed"] * 20
    path = tmp_path / "t.ec"
    path.write_bytes(compress(data, block_size=3000))
    with ECFile(path, threads=2) as f:
        assert f.read(10) == data[:10] and f.read() == data[10:]


@pytest.mark.parametrize("kwargs", [{"coder": "lzma"}, {"block_size": 0}, {"block_size": 2.5},
                                    {"threads": -1}, {"block_size": (1 << 28) + 1},
                                    {"level": 10}, {"level": 0}, {"coder": "huffman", "level": 3},
                                    {"level": 3, "compresslevel": 3}, {"preset": 6 | (1 << 31)}])
def test_bad_options(kwargs):
    with pytest.raises(InvalidInputError):
        compress(b"abc", **kwargs)


def test_the_level_is_the_one_positional_option_as_in_bz2():
    data = SAMPLES["text"] * 20
    assert compress(data, 9) == compress(data, level=9) == compress(data, compresslevel=9) \
        == compress(data, preset=9)
    c = Compressor(1)
    assert c.compress(data) + c.flush() == compress(data, 1)
    with pytest.raises(InvalidInputError):
        compress(b"abc", "huffman")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        compress(b"abc", 6, "huffman")  # type: ignore[misc]


# -- incremental objects ----------------------------------------------------------------

def test_compressor_output_does_not_depend_on_chunking():
    data = SAMPLES["text"] * 20
    expected = compress(data, block_size=1000)
    rng = random.Random(3)
    comp = Compressor(block_size=1000)
    out, pos = [], 0
    while pos < len(data):
        step = rng.randint(0, 2500)
        out.append(comp.compress(data[pos:pos + step]))
        pos += step
    out.append(comp.flush())
    assert b"".join(out) == expected


def test_compressor_after_flush():
    comp = Compressor()
    comp.compress(b"abc")
    comp.flush()
    with pytest.raises(ValueError):
        comp.compress(b"more")
    with pytest.raises(ValueError):
        comp.flush()


def test_compressor_accepts_buffers():
    data = SAMPLES["text"]
    assert decompress(compress(bytearray(data))) == data
    assert decompress(compress(memoryview(data))) == data
    assert decompress(compress(np.frombuffer(data, np.uint8))) == data


def test_decompressor_byte_by_byte():
    data = SAMPLES["text"] * 3
    packed = compress(data, block_size=500)
    d = Decompressor()
    out = b"".join(d.decompress(packed[i:i + 1]) for i in range(len(packed)))
    assert out == data and d.eof and d.unused_data == b""


def test_decompressor_max_length_and_needs_input():
    data = SAMPLES["text"] * 3
    packed = compress(data, block_size=500)
    d = Decompressor()
    first = d.decompress(packed, max_length=100)
    assert first == data[:100] and not d.needs_input and not d.eof
    parts = [first]
    while not d.eof:
        chunk = d.decompress(b"", max_length=77)
        assert len(chunk) <= 77
        parts.append(chunk)
    assert b"".join(parts) == data
    with pytest.raises(EOFError):
        d.decompress(b"")


@pytest.mark.parametrize("threads", [1, 2])
def test_decompressor_max_length_ending_exactly_at_the_end_sets_eof(threads):
    """As lzma: when max_length is exactly the output left, the end marker is read too."""
    data = SAMPLES["text"] * 3
    for packed in (compress(data), compress(data, block_size=500)):
        d = Decompressor(threads=threads)
        assert d.decompress(packed + b"next", max_length=len(data)) == data
        assert d.eof and not d.needs_input and d.unused_data == b"next"


def test_ecfile_with_a_huge_thread_count_reads_only_what_exists(tmp_path):
    """threads=N used to read N * 8 MiB at once (an allocation, not only a bound)."""
    path = tmp_path / "x.ec"
    path.write_bytes(compress(SAMPLES["text"]))
    with ECFile(path, threads=100_000) as f:
        assert f.read() == SAMPLES["text"]


def test_decompressor_max_length_zero_decodes_nothing():
    d = Decompressor()
    assert d.decompress(compress(b"hello"), max_length=0) == b""
    assert d.decompress(b"") == b"hello"


def test_decompressor_needs_input_on_partial_data():
    packed = compress(SAMPLES["text"], block_size=500)
    d = Decompressor()
    d.decompress(packed[:40])
    assert d.needs_input and not d.eof


def test_decompressor_unused_data():
    d = Decompressor()
    assert d.decompress(compress(b"one") + b"tail") == b"one"
    assert d.eof and d.unused_data == b"tail"


def test_decompressor_keeps_failing_after_an_error():
    bad = bytearray(compress(SAMPLES["text"]))
    bad[-30] ^= 1
    d = Decompressor()
    with pytest.raises(CorruptDataError):
        d.decompress(bytes(bad))
    with pytest.raises(CorruptDataError):
        d.decompress(b"")


def test_concatenated_streams():
    a, b = SAMPLES["text"], SAMPLES["skewed"]
    assert decompress(compress(a) + compress(b, coder="huffman") + compress(b"")) == a + b + b""


def test_many_small_concatenated_streams_take_linear_time(tmp_path):
    """Each stream used to copy the rest of the input (unused_data, then feed): 100,000
    one-byte streams (5.9 MB) took 67 s in decompress(); linear time is about 2 s."""
    import time

    packed = compress(b"x") * 60_000
    started = time.perf_counter()
    assert decompress(packed) == b"x" * 60_000
    assert time.perf_counter() - started < 10
    path = tmp_path / "many.ec"
    path.write_bytes(packed[:59 * 1000] + b"garbage")
    with pytest.raises(CorruptDataError):
        entropycodec.open(path, strict=True).read()
    assert entropycodec.open(path).read() == b"x" * 1000  # as lzma: trailing data ignored


def test_parallel_decoding_of_many_streams_uses_one_thread_pool(monkeypatch):
    """A pool per stream (started and joined each time) made ``-T 2`` six times slower
    than one thread on a file of many small streams."""
    import entropycodec.container.streams as streams

    pools = []

    class CountingPool(streams.ThreadPoolExecutor):
        def __init__(self, *args, **kwargs):
            pools.append(self)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(streams, "ThreadPoolExecutor", CountingPool)
    parts = [SAMPLES["text"][:n] for n in (50, 300, 700, 20)]
    assert decompress(b"".join(compress(p, block_size=100) for p in parts), threads=2) == \
        b"".join(parts)
    assert len(pools) == 1


def test_empty_and_truncated_inputs():
    with pytest.raises(TruncatedDataError):
        decompress(b"")
    with pytest.raises(TruncatedDataError):
        decompress(compress(b"abc")[:-1])
    with pytest.raises(EOFError):  # TruncatedDataError is an EOFError, like gzip's
        decompress(compress(b"abc")[:20])


# -- ECFile and open ---------------------------------------------------------------------

def test_ecfile_write_then_read(tmp_path):
    path = tmp_path / "x.ec"
    data = SAMPLES["text"] * 10
    with ECFile(path, "wb", block_size=1000) as f:
        assert f.writable() and not f.readable()
        for i in range(0, len(data), 333):
            f.write(data[i:i + 333])
        assert f.tell() == len(data)
    assert decompress(path.read_bytes()) == data
    with ECFile(path) as f:
        assert f.readable() and f.seekable()
        assert f.read(10) == data[:10]
        assert f.peek(1)[:1] == data[10:11]
        f.seek(0)
        assert f.read() == data
        f.seek(-5, io.SEEK_END)
        assert f.read() == data[-5:]
        f.seek(100)
        assert f.tell() == 100 and f.read(3) == data[100:103]
    assert f.closed
    with pytest.raises(ValueError):
        f.read()


def test_ecfile_readline_and_iteration():
    lines = [b"line %d\n" % i for i in range(500)]
    with ECFile(io.BytesIO(compress(b"".join(lines), block_size=1000))) as f:
        assert f.readline() == lines[0]
        assert list(f) == lines[1:]


def test_ecfile_on_file_objects_and_append(tmp_path):
    buf = io.BytesIO()
    with ECFile(buf, "wb") as f:
        f.write(b"first ")
    assert not buf.closed  # a file object passed in is not closed
    path = tmp_path / "log.ec"
    path.write_bytes(buf.getvalue())
    with ECFile(path, "ab") as f:
        f.write(b"second")
    assert len(read_header(path).streams) == 2
    with ECFile(path) as f:
        assert f.read() == b"first second"


def test_ecfile_read_uses_bounded_memory_for_many_blocks(tmp_path):
    data = SAMPLES["skewed"] * 40
    path = tmp_path / "m.ec"
    path.write_bytes(compress(data, block_size=4096))
    with ECFile(path) as f:
        chunks = iter(lambda: f.read1(1000), b"")
        assert b"".join(chunks) == data


def test_ecfile_modes_and_types():
    with pytest.raises(ValueError):
        ECFile(io.BytesIO(), "r+")
    with pytest.raises(TypeError):
        ECFile(42)
    with ECFile(io.BytesIO(compress(b"abc")), "rb") as f:
        with pytest.raises(io.UnsupportedOperation):
            f.write(b"x")
    with ECFile(io.BytesIO(), "wb") as f, pytest.raises(io.UnsupportedOperation):
        f.read()


def test_ecfile_reports_truncation(tmp_path):
    path = tmp_path / "t.ec"
    path.write_bytes(compress(SAMPLES["text"])[:-3])
    with ECFile(path) as f, pytest.raises(TruncatedDataError):
        f.read()


def test_open_text_mode(tmp_path):
    path = tmp_path / "t.txt.ec"
    with entropycodec.open(path, "wt", encoding="utf-8", newline="\n") as f:
        f.write("línea uno\nlínea dos\n")
    with entropycodec.open(path, "rt", encoding="utf-8") as f:
        assert f.readlines() == ["línea uno\n", "línea dos\n"]
    with entropycodec.open(path, "rb") as f:
        assert f.read().decode("utf-8").count("\n") == 2


def test_open_rejects_text_arguments_in_binary_mode(tmp_path):
    with pytest.raises(ValueError):
        entropycodec.open(tmp_path / "x.ec", "wb", encoding="utf-8")
    with pytest.raises(ValueError):
        entropycodec.open(tmp_path / "x.ec", "rtb")


def test_open_with_coder_options(tmp_path):
    path = tmp_path / "h.ec"
    with entropycodec.open(path, "wb", coder="huffman", block_size=100) as f:
        f.write(SAMPLES["text"][:250])
    assert read_header(path).coder_counts() == {"huffman": 3}


def test_public_surface():
    for name in ("compress", "decompress", "open", "Compressor", "Decompressor", "ECFile",
                 "read_header"):
        assert name in entropycodec.__all__ and callable(getattr(entropycodec, name))


def test_read_header_on_file_objects_and_paths(tmp_path):
    packed = compress(SAMPLES["text"], block_size=700) + compress(b"zz", coder="raw")
    path = tmp_path / "h.ec"
    path.write_bytes(packed)
    for source in (packed, path, str(path), io.BytesIO(packed)):
        info = read_header(source)
        assert len(info.streams) == 2
        assert info.uncompressed_size == len(SAMPLES["text"]) + 2
        assert info.compressed_size == len(packed)
        assert sum(b.stored_size for b in info.blocks) + 2 * 34 == len(packed)


# -- property tests -------------------------------------------------------------------------

_FAST_AVAILABLE = sorted(FAST_CODERS)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=3000) | st.lists(st.sampled_from(b"ab \n"), max_size=3000).map(bytes),
       coder=st.sampled_from(_FAST_AVAILABLE), block_size=st.integers(1, 1200),
       cuts=st.lists(st.integers(0, 3000), max_size=6))
def test_property_round_trip_with_any_chunking(data, coder, block_size, cuts):
    expected = compress(data, coder=coder, block_size=block_size)
    comp = Compressor(coder=coder, block_size=block_size)
    bounds = sorted({0, len(data), *(c for c in cuts if c <= len(data))})
    pieces = [comp.compress(data[a:b]) for a, b in zip(bounds, bounds[1:])]
    packed = b"".join(pieces) + comp.flush()
    assert packed == expected
    d = Decompressor()
    out = b"".join(d.decompress(packed[a:b]) for a, b in
                   zip([0, *sorted(c for c in cuts if c < len(packed))],
                       [*sorted(c for c in cuts if c < len(packed)), len(packed)]))
    assert out == data and d.eof


def test_thread_count_is_capped():
    from entropycodec.container.streams import MAX_THREADS, check_threads

    assert check_threads(10_000) == MAX_THREADS
    assert 1 <= check_threads(0) <= MAX_THREADS
    data = b"abc" * 1000
    assert decompress(compress(data, threads=10_000, block_size=512)) == data


def test_decompressor_reads_bytes_in_place_and_keeps_none_of_them():
    """A Decompressor parses ``bytes`` input in place (no copy into its buffer), and lets
    go of it once every byte is parsed: fed whole or in pieces that split blocks and
    headers, it gives the data back and holds no reference to any piece afterwards;
    bytes after the end marker are kept as unused_data (a copy), and so is the rest of
    a block that needs more input."""
    import sys

    data = bytes(range(256)) * 2000
    blob = compress(data, coder="huffman", block_size=100_000)
    whole = bytes(blob)
    before = sys.getrefcount(whole)
    d = Decompressor()
    assert d.decompress(whole) == data and d.eof
    assert sys.getrefcount(whole) == before
    d = Decompressor()
    pieces = [bytes(blob[i:i + 70_001]) for i in range(0, len(blob), 70_001)]
    counts = [sys.getrefcount(p) for p in pieces]
    assert b"".join(d.decompress(p) for p in pieces) == data and d.eof
    assert [sys.getrefcount(p) for p in pieces] == counts
    tail = blob + b"trailing"
    before = sys.getrefcount(tail)
    d = Decompressor()
    assert d.decompress(tail) == data and d.unused_data == b"trailing"
    assert sys.getrefcount(tail) == before  # unused_data is a copy of the 8 bytes
    cut = bytes(blob[:len(blob) // 2])  # ends inside a block: the rest is copied
    before = sys.getrefcount(cut)
    d = Decompressor()
    d.decompress(cut)
    assert d.needs_input and sys.getrefcount(cut) == before

"""The API as a drop-in for bz2 and lzma: what their own test suites showed was different
(issue 16 §2, §3, §5; issue 15 §4). Where the stdlib decides, the test runs lzma or bz2
beside this package on the same shape of input."""

from __future__ import annotations

import bz2
import copy
import io
import lzma
import mmap
import pickle
from array import array

import numpy as np
import pytest

import entropycodec
import entropycodec.api
from entropycodec import (
    Compressor,
    CorruptDataError,
    Decompressor,
    ECFile,
    InvalidInputError,
    TruncatedDataError,
    compress,
    decode,
    decompress,
    read_header,
)
from entropycodec.api import StreamSequence

DATA = b"It was the best of times, it was the worst of times.\n" * 40
PACKED = compress(DATA, coder="huffman", block_size=512)
TRAILING = f"trailing data after the last stream at offset {len(PACKED)}"


def _read_file(blob: bytes, **options) -> bytes:
    with ECFile(io.BytesIO(blob), **options) as f:
        return f.read()


def _iterate_file(blob: bytes, **options) -> bytes:
    with ECFile(io.BytesIO(blob), **options) as f:
        return b"".join(f)


READERS = {
    "decompress": decompress,
    "decompress-threads": lambda blob, **o: decompress(blob, threads=2, **o),
    "ECFile.read": _read_file,
    "ECFile-threads": lambda blob, **o: _read_file(blob, threads=2, **o),
    "iterate": _iterate_file,
    "open": lambda blob, **o: entropycodec.open(io.BytesIO(blob), **o).read(),
}


# -- §2: data after the last stream -------------------------------------------------------

# What follows a valid stream, and whether it is ignored (lzma and bz2 ignore leftover
# bytes that are not a stream: "Leftover data is not a valid LZMA/XZ stream; ignore it").
IGNORED = {
    "junk": b"junk",
    "one zero byte": b"\0",
    "a zip header": b"PK\x03\x04" + b"\0" * 40,
    "magic, then not a header": PACKED[:4] + b"\xff" * 8 + DATA[:50],  # header check fails
}


@pytest.mark.parametrize("reader", sorted(READERS))
@pytest.mark.parametrize("name", sorted(IGNORED))
def test_trailing_bytes_that_are_not_a_stream_are_ignored(reader, name):
    read = READERS[reader]
    assert read(PACKED + IGNORED[name]) == DATA
    assert read(PACKED + PACKED + IGNORED[name]) == DATA + DATA
    with pytest.raises(CorruptDataError):
        read(PACKED + IGNORED[name], strict=True)


@pytest.mark.parametrize("reader", sorted(READERS))
def test_strict_keeps_the_message_and_the_offset(reader):
    with pytest.raises(CorruptDataError, match=f"^{TRAILING}$"):
        READERS[reader](PACKED + b"junk", strict=True)
    with pytest.raises(CorruptDataError, match=f"at offset {2 * len(PACKED)}$"):
        READERS[reader](PACKED + PACKED + b"\0", strict=True)


def test_the_stdlib_ignores_the_same_shapes():
    """The reference: lzma and bz2 return the data and drop leftover junk, and raise for
    leftover bytes that begin like a stream and then end."""
    for module in (lzma, bz2):
        packed = module.compress(b"data")
        assert module.decompress(packed + b"junk") == b"data"
        assert module.open(io.BytesIO(packed + b"junk")).read() == b"data"
        with pytest.raises((lzma.LZMAError, ValueError)):  # lzma's own type, bz2's ValueError
            module.decompress(packed + packed[:5])
        with pytest.raises(EOFError):
            module.open(io.BytesIO(packed + packed[:5])).read()


@pytest.mark.parametrize("reader", sorted(READERS))
@pytest.mark.parametrize("cut", [1, 3, 4, 11, 12, 30])
def test_a_following_stream_that_ends_early_still_raises(reader, cut):
    """As in lzma and bz2: leftover bytes that start like a stream and then end are a
    truncated stream, not trailing data."""
    with pytest.raises(TruncatedDataError):
        READERS[reader](PACKED + PACKED[:cut])


@pytest.mark.parametrize("reader", sorted(READERS))
def test_damage_after_a_valid_stream_header_still_raises(reader):
    damaged = bytearray(PACKED)
    damaged[-40] ^= 0x10
    with pytest.raises(CorruptDataError):
        READERS[reader](PACKED + bytes(damaged))
    with pytest.raises(CorruptDataError):
        READERS[reader](PACKED + PACKED[:12] + b"\1" * 40)  # a block header that fails


def test_a_first_stream_that_is_not_a_stream_still_raises():
    for reader in READERS.values():
        with pytest.raises(CorruptDataError, match=r"not an \.ec stream \(bad magic bytes\)"):
            reader(b"junk" + PACKED)
        with pytest.raises(TruncatedDataError):
            reader(b"")


def test_an_empty_stream_counts_as_a_stream():
    empty = compress(b"")
    assert decompress(empty + b"junk") == b""
    with pytest.raises(CorruptDataError, match=f"offset {len(empty)}$"):
        decompress(empty + b"junk", strict=True)


def test_a_stream_declaring_blocks_beyond_the_limit_is_not_trailing_data():
    """A header whose check holds but declares blocks over 256 MiB is a stream this
    implementation refuses (LimitExceededError), not junk to drop silently."""
    import struct
    import zlib

    from entropycodec import LimitExceededError
    from entropycodec.container.format import MAGIC

    head = struct.pack("<4sBBI", MAGIC, 1, 0, (1 << 28) + 1)
    head += struct.pack("<H", zlib.crc32(head) & 0xFFFF)
    with pytest.raises(LimitExceededError):
        decompress(PACKED + head + PACKED[12:])


def test_trailing_bytes_in_a_later_read_of_a_file(monkeypatch):
    monkeypatch.setattr(entropycodec.api, "_BUFFER_SIZE", 16)  # the junk comes in a later read
    assert entropycodec.open(io.BytesIO(PACKED + b"junk")).read() == DATA
    with pytest.raises(CorruptDataError, match=f"^{TRAILING}$"):
        entropycodec.open(io.BytesIO(PACKED + b"junk"), strict=True).read()


def test_the_decompressor_keeps_trailing_bytes_in_unused_data():
    d = Decompressor()
    assert d.decompress(PACKED + b"junk") == DATA
    assert d.eof and d.unused_data == b"junk"


@pytest.mark.parametrize("threads", [1, 2])
def test_stream_sequence_says_where_it_stopped(threads):
    """What the CLI needs for a gzip-style warning: the offset of the ignored bytes."""
    streams = StreamSequence(io.BytesIO(PACKED + PACKED + b"junk").read, threads=threads,
                             strict=False)
    assert streams.ignored_trailing_offset is None
    assert b"".join(iter(streams.read, b"")) == DATA + DATA
    assert streams.ignored_trailing_offset == 2 * len(PACKED) and streams.streams == 2
    clean = StreamSequence(io.BytesIO(PACKED).read, strict=False)
    assert b"".join(iter(clean.read, b"")) == DATA and clean.ignored_trailing_offset is None


def test_stream_sequence_is_strict_unless_told():
    streams = StreamSequence(io.BytesIO(PACKED + b"junk").read)
    with pytest.raises(CorruptDataError, match=f"^{TRAILING}$"):
        b"".join(iter(streams.read, b""))


def test_read_header_reports_trailing_bytes_unless_told_not_to():
    with pytest.raises(CorruptDataError, match=f"^{TRAILING}$"):
        read_header(PACKED + b"junk")
    info = read_header(PACKED + PACKED + b"junk", strict=False)
    assert len(info.streams) == 2 and info.ignored_trailing_offset == 2 * len(PACKED)
    assert read_header(PACKED).ignored_trailing_offset is None
    with pytest.raises(TruncatedDataError):
        read_header(PACKED + PACKED[:5], strict=False)
    with pytest.raises(CorruptDataError, match="check mismatch"):
        read_header(PACKED + IGNORED["magic, then not a header"])
    assert read_header(PACKED + IGNORED["magic, then not a header"], strict=False) \
        .ignored_trailing_offset == len(PACKED)


# -- §3: the exceptions a bz2, gzip or lzma user catches ----------------------------------

def test_bad_data_is_caught_as_oserror_and_valueerror():
    for bad in (b"junk", PACKED[:-3]):
        for expected in (OSError, ValueError, CorruptDataError):
            with pytest.raises(expected):
                decompress(bad)
            with pytest.raises(expected):
                entropycodec.open(io.BytesIO(bad)).read()
    with pytest.raises(EOFError):
        decompress(PACKED[:-3])
    # bz2's file class raises OSError for data that is not bzip2, gzip's BadGzipFile too
    with pytest.raises(OSError):
        bz2.open(io.BytesIO(b"junk")).read()


def test_corrupt_data_error_reads_like_a_message():
    exc = CorruptDataError("bad magic")
    assert str(exc) == "bad magic" and exc.args == ("bad magic",) and exc.errno is None
    assert pickle.loads(pickle.dumps(TruncatedDataError("cut"))).args == ("cut",)


def test_bad_arguments_are_not_oserror():
    with pytest.raises(InvalidInputError) as info:
        compress(b"x", coder="nope")
    assert not isinstance(info.value, OSError)


# -- §5: smaller differences --------------------------------------------------------------

def _unpicklables():
    yield Compressor()
    yield Decompressor()
    yield ECFile(io.BytesIO(PACKED))
    yield ECFile(io.BytesIO(), "wb")


@pytest.mark.parametrize("obj", list(_unpicklables()), ids=lambda o: f"{type(o).__name__}")
def test_compressor_objects_cannot_be_pickled_or_copied(obj):
    """As lzma's and bz2's: a copy would share nothing with the original's state."""
    name = type(obj).__name__
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        with pytest.raises(TypeError, match=f"^cannot pickle '{name}' object$"):
            pickle.dumps(obj, protocol)
    with pytest.raises(TypeError, match="cannot pickle"):
        copy.copy(obj)
    with pytest.raises(TypeError, match="cannot pickle"):
        copy.deepcopy(obj)
    if isinstance(obj, ECFile):
        obj.close()


def test_the_stdlib_refuses_to_pickle_them_too():
    for obj in (lzma.LZMACompressor(), lzma.LZMADecompressor(), bz2.BZ2Compressor()):
        with pytest.raises(TypeError, match="cannot pickle"):
            pickle.dumps(obj)


def test_arguments_are_checked_before_the_data():
    with pytest.raises(TypeError, match="^max_length must be an int"):
        Decompressor().decompress(b"foo", b"bar")  # was: bad magic bytes
    with pytest.raises(TypeError, match="^max_length must be an int .* not 'float'$"):
        Decompressor().decompress(PACKED, 1.5)  # was: a slicing error
    with pytest.raises(TypeError, match="wants a bytes-like object, not 'str'"):
        Decompressor().decompress("text", 1.5)
    d = Decompressor()
    assert d.decompress(PACKED, np.int64(5)) == DATA[:5]  # anything with __index__
    with pytest.raises(TypeError):
        lzma.LZMADecompressor().decompress(b"foo", b"bar")  # the stdlib's reference


def test_readline_none_means_no_limit_as_lzma():
    with ECFile(io.BytesIO(PACKED)) as f:
        assert f.readline(None) == DATA.splitlines(keepends=True)[0]
    with lzma.open(io.BytesIO(lzma.compress(b"a\nb\n"))) as f:
        assert f.readline(None) == b"a\n"


# -- issue 15 §4: inputs that are not bytes -----------------------------------------------

def _buffers(blob: bytes):
    """The same bytes as each kind of buffer the stdlib's compressors take (the word-sized
    ones when the length allows)."""
    yield "bytes", blob
    yield "bytearray", bytearray(blob)
    yield "memoryview", memoryview(blob)
    yield "numpy uint8", np.frombuffer(blob, np.uint8)
    if len(blob) % 4 == 0:
        yield "numpy 2-D", np.frombuffer(blob, np.uint8).reshape(4, -1)
        yield "array('I')", array("I", blob)
        yield "memoryview of int32", memoryview(blob).cast("i")


# A stream whose length is a multiple of 4, so that every kind of buffer can hold it.
WORD_SIZED = next(p for p in (compress(DATA[:n]) for n in range(len(DATA), 0, -1))
                  if len(p) % 4 == 0)


def test_decompress_takes_every_buffer():
    content = decompress(WORD_SIZED)
    kinds = 0
    for name, buf in _buffers(WORD_SIZED):
        assert decompress(buf) == content, name
        d = Decompressor()
        assert d.decompress(buf) == content and d.eof, name
        assert read_header(buf).uncompressed_size == len(content), name
        kinds += 1
    assert kinds == 7


def test_decompressor_fed_numpy_arrays_in_pieces():
    """``bytearray += ndarray`` was numpy's element-wise addition: a broadcasting
    ValueError, and after bytes of the same length a sum of the two ("bad magic")."""
    d = Decompressor()
    assert d.decompress(np.frombuffer(PACKED, np.uint8)) == DATA  # was: operands could not be broadcast
    half = 40
    d = Decompressor()
    out = d.decompress(PACKED[:half])
    out += d.decompress(np.frombuffer(PACKED[half:2 * half], np.uint8))  # was: a checksum error
    out += d.decompress(memoryview(PACKED)[2 * half:])
    assert out == DATA and d.eof


def test_decompress_takes_an_mmap(tmp_path):
    path = tmp_path / "x.ec"
    path.write_bytes(PACKED)
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
        assert decompress(m) == DATA
        assert Decompressor().decompress(m) == DATA
        assert read_header(m).uncompressed_size == len(DATA)


def test_compress_and_write_take_the_raw_bytes_of_any_buffer():
    words = array("I", range(1000))
    raw = words.tobytes()
    expected = compress(raw)
    assert compress(words) == expected
    assert compress(memoryview(words)) == expected
    assert compress(np.arange(1000, dtype=np.uint32)) == expected
    c = Compressor()
    assert c.compress(np.arange(1000, dtype=np.uint32).reshape(10, 100)) + c.flush() == expected
    buf = io.BytesIO()
    with ECFile(buf, "wb") as f:
        assert f.write(words) == len(raw)  # bytes, not items (as lzma's write)
        assert f.write(np.arange(1000, dtype=np.uint32)) == len(raw)
        assert f.write(memoryview(words).cast("B")) == len(raw)
        assert f.tell() == 3 * len(raw)
    assert decompress(buf.getvalue()) == raw * 3


def test_non_contiguous_buffers_are_a_type_error():
    strided = np.frombuffer(PACKED, np.uint8)[::2]
    for call in (lambda: decompress(strided), lambda: Decompressor().decompress(strided),
                 lambda: compress(strided), lambda: read_header(strided)):
        with pytest.raises(TypeError, match="C-contiguous"):
            call()


@pytest.mark.parametrize("bad", [None, "text", 3, 1.5, object()])
def test_data_that_is_not_a_buffer_is_a_type_error(bad):
    name = type(bad).__name__
    for call in (lambda: compress(bad), lambda: Compressor().compress(bad),
                 lambda: decompress(bad), lambda: Decompressor().decompress(bad)):
        with pytest.raises(TypeError, match=f"wants a bytes-like object, not '{name}'"):
            call()
    with ECFile(io.BytesIO(), "wb") as f, pytest.raises(TypeError, match="write\\(\\) wants"):
        f.write(bad)


def test_read_header_refuses_what_is_not_data():
    for bad in (None, 3, 1.5):
        with pytest.raises(TypeError, match="read_header\\(\\) wants bytes-like data, a path or a "
                                            f"binary file object, not '{type(bad).__name__}'"):
            read_header(bad)  # None was: AttributeError 'NoneType' object has no attribute 'read'
    assert read_header(io.BytesIO(PACKED)).uncompressed_size == len(DATA)


def test_decode_of_none_is_a_type_error():
    with pytest.raises(TypeError, match="decode\\(\\) wants the Encoded"):
        decode(None)


@pytest.mark.parametrize("level", [True, False, 1.5, "3"])
def test_level_of_the_wrong_type_is_refused(level, tmp_path):
    for call in (lambda: compress(b"x", coder="cm", level=level),
                 lambda: Compressor(coder="cm", level=level),
                 lambda: entropycodec.open(tmp_path / "x.ec", "wb", coder="cm", level=level)):
        with pytest.raises(InvalidInputError, match=f"level must be an int or None, got {level!r}"):
            call()

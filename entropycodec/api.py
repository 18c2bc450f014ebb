"""The standard-library-shaped API: ``compress``, ``decompress``, ``open``, ``Compressor``,
``Decompressor`` and ``ECFile``, used exactly like :mod:`lzma` or :mod:`bz2`.

Switching from lzma is a change of import::

    import entropycodec as lzma    # or: from entropycodec import open, compress, ...

The one-shot functions are built on the incremental objects, and every failure
on bad data is a :class:`~entropycodec.errors.CorruptDataError`, also an
``OSError`` and a ``ValueError`` (truncation:
:class:`~entropycodec.errors.TruncatedDataError`, also an ``EOFError``;
checksums: :class:`~entropycodec.errors.ChecksumError`). Data is any bytes-like
object; the objects are safe to share between threads and cannot be pickled;
bytes after the last stream that are not a stream are ignored unless
``strict=True``. What differs from the stdlib, and why: docs/api.md, "Switching
from bz2, lzma or gzip".

>>> data = b"to be or not to be, that is the question. " * 50
>>> packed = compress(data)
>>> len(packed) < len(data), decompress(packed) == data
(True, True)
>>> d = Decompressor()
>>> d.decompress(packed + b"rest", max_length=10), d.eof
(b'to be or n', False)
>>> len(d.decompress(b"")), d.eof, d.unused_data
(2090, True, b'rest')
"""

from __future__ import annotations

import builtins
import io
import operator
import os
import threading

from entropycodec.container.format import DEFAULT_BLOCK_SIZE
from entropycodec.container.streams import BlockPool, StreamReader, StreamWriter, check_threads
from entropycodec.errors import (
    CorruptDataError,
    EntropyCodecError,
    InvalidInputError,
    LimitExceededError,
    TruncatedDataError,
)

__all__ = [
    "DEFAULT_BLOCK_SIZE",
    "Compressor",
    "Decompressor",
    "ECFile",
    "compress",
    "decompress",
    "open",
]

_BUFFER_SIZE = 1 << 16  # bytes read from the underlying file at a time


def _byte_view(data, what: str) -> memoryview:
    """``data`` as a flat view of its raw bytes: any object with the buffer protocol
    (bytes, bytearray, memoryview of any format, array.array, mmap, numpy arrays), as
    the stdlib's compressors take it. Anything else is a TypeError naming ``what``."""
    try:
        view = memoryview(data)
    except TypeError:
        raise TypeError(f"{what} wants a bytes-like object, not {type(data).__name__!r}") from None
    if view.ndim != 1 or view.format != "B":
        try:
            view = view.cast("B")
        except TypeError:
            raise TypeError(f"{what} wants a C-contiguous buffer; copy it first "
                            "(bytes(data))") from None
    return view


def _as_data(data, what: str):
    """``data`` itself when it is bytes or bytearray, else a flat byte view of it."""
    return data if isinstance(data, (bytes, bytearray)) else _byte_view(data, what)


def _check_level(level, compresslevel=None, preset=None):
    """The one level of ``level``, bz2's ``compresslevel`` and lzma's ``preset`` (at most one
    given). A bool is an int to Python, and ``True in LEVELS`` is true: refuse it here."""
    given = [(name, v) for name, v in (("level", level), ("compresslevel", compresslevel),
                                       ("preset", preset)) if v is not None]
    if len(given) > 1:
        raise InvalidInputError(f"give one of level, compresslevel and preset, not "
                                f"{' and '.join(name for name, _ in given)}")
    if not given:
        return None
    name, level = given[0]
    if isinstance(level, bool) or not isinstance(level, int):
        raise InvalidInputError(f"{name} must be an int or None, got {level!r}")
    if name == "preset" and level & ~0xF:
        # lzma's PRESET_EXTREME flag (1 << 31) has no meaning here: the level alone
        raise InvalidInputError(f"preset must be a level 1..9 (no flags), got {level!r}")
    return level


def _refuse_lzma_options(format=None, check=None, filters=None) -> None:
    """lzma's format=, check= and filters= name choices the .ec format does not have."""
    for name, value in (("format", format), ("check", check), ("filters", filters)):
        if value is not None:
            raise TypeError(f"{name}= is an lzma option with no meaning here: .ec has one "
                            "container, always checks (a CRC-32 per block and for the whole "
                            "content) and chooses its coders by level")


def _check_max_length(max_length) -> int:
    try:
        return operator.index(max_length)
    except TypeError:
        raise TypeError("max_length must be an int (-1: no limit), not "
                        f"{type(max_length).__name__!r}") from None


class _Unpicklable:
    """The stdlib's compressor, decompressor and file objects refuse to be pickled on
    purpose: a copy would share nothing with the original's state (threads, buffers,
    the file), so it would be a different object with the same name."""

    __slots__ = ()

    def __reduce_ex__(self, protocol):
        raise TypeError(f"cannot pickle {type(self).__name__!r} object")


class Compressor(_Unpicklable):
    """Incremental compressor: ``compress(data)`` returns what is ready, ``flush()`` the rest.

    ``level``: the compression level 1..9 (default 6; bz2's ``compresslevel`` and
    lzma's ``preset`` are the same thing), which chooses each block's coder
    (:mod:`entropycodec.container.levels`: 1 order-0 rANS, the fastest; 2-3 context
    models; 4-6 the Burrows-Wheeler coder; 7-9 context mixing). Keyword-only options:
    ``coder`` to code every block with one coder instead ("auto": the smallest
    order-0 coder per block, "huffman", "arithmetic", "rans", "adaptive", "cm",
    "bwt", "context", "raw"; then ``level`` is that coder's own level, for "cm",
    "bwt" and "context"), ``block_size`` in bytes (1 .. 256 MiB; default the
    level's, else 4 MiB) and ``threads`` (blocks coded in parallel; 0 = all cores;
    the output does not depend on it). ``data`` is any bytes-like object.

    One Compressor may be shared by threads, as lzma's and bz2's are: a lock makes
    each call whole, so the k-th call to get the lock returns the k-th piece of the
    stream and its data is contiguous in the content. It cannot be pickled.

    >>> c = Compressor(coder="huffman", block_size=1 << 16)
    >>> out = c.compress(b"abc" * 1000) + c.flush()
    >>> decompress(out) == b"abc" * 1000
    True
    """

    def __init__(self, level: int | None = None, *, coder: str | None = None,
                 block_size: int | None = None, threads: int = 1,
                 compresslevel: int | None = None, preset: int | None = None,
                 format=None, check=None, filters=None):
        _refuse_lzma_options(format, check, filters)
        self._lock = threading.Lock()
        self._writer = StreamWriter(coder=coder, level=_check_level(level, compresslevel, preset),
                                    block_size=block_size, threads=threads)
        self._flushed = False

    def compress(self, data) -> bytes:
        data = _as_data(data, "compress()")
        with self._lock:
            if self._flushed:
                raise ValueError("Compressor has been flushed")
            return self._writer.write(data)

    def flush(self) -> bytes:
        """Finish the stream: the remaining blocks and the end marker."""
        with self._lock:
            if self._flushed:
                raise ValueError("Repeated call to flush()")
            self._flushed = True
            return self._writer.finish()

    def __del__(self):
        writer = getattr(self, "_writer", None)
        if writer is not None:
            writer.close()


class Decompressor(_Unpicklable):
    """Incremental decompressor of one stream (like ``lzma.LZMADecompressor``).

    After the end marker, :attr:`eof` is true and any further bytes are in
    :attr:`unused_data`. With ``max_length >= 0`` at most that many bytes are
    returned; the rest stays buffered and :attr:`needs_input` is false until it
    has been read. With ``threads > 1``, the complete blocks found in the input
    (up to ``2 * threads`` of them) are decoded in parallel; output and errors
    are the same as with one thread.

    After eof, :meth:`next_stream` gives the Decompressor of the stream that
    follows (CPython's ``lzma.decompress`` loops the same way on ``eof`` and
    ``unused_data``), without copying the bytes already given.

    ``data`` is any bytes-like object. Arguments are checked before the data: a
    ``max_length`` that is not an int is a TypeError. As lzma's, one Decompressor
    may be shared by threads (each call is whole; a lock) and cannot be pickled.

    ``memlimit`` (bytes; None: 1 GiB, ``DEFAULT_MEMLIMIT``) bounds the memory that
    decoding takes, as lzma's ``memlimit``: a block that needs more to decode (its
    size, its coder's tables: docs/format.md) raises LimitExceededError before
    anything is allocated for it, and parallel decoding keeps no more blocks in
    flight than fit in it together (one at least). Memory is then about the limit,
    plus the compressed input held, plus the output not yet returned.
    """

    def __init__(self, *, threads: int = 1, memlimit: int | None = None, format=None,
                 filters=None):
        _refuse_lzma_options(format, None, filters)
        self._lock = threading.Lock()
        self._reader = StreamReader(memlimit=memlimit)
        self._threads = check_threads(threads)
        self._pool = (BlockPool(self._threads, budget=self._reader.memlimit)
                      if self._threads > 1 else None)
        self._pending = memoryview(b"")
        self._error: Exception | None = None
        self.needs_input = True

    @property
    def eof(self) -> bool:
        return self._reader.eof and not self._pending

    @property
    def unused_data(self) -> bytes:
        return self._reader.unused_data if self.eof else b""

    def next_stream(self) -> Decompressor:
        """After eof: the Decompressor of the following stream, holding this one's
        unused_data without copying it (copying the rest of the input once per stream
        made many small concatenated streams cost quadratic time); it shares this
        one's threads. This object's unused_data is then empty. Raises
        CorruptDataError at once when those bytes do not start like a stream."""
        with self._lock:
            if not self.eof:
                raise ValueError("next_stream() before the end of this stream")
            following = Decompressor(threads=1)
            following._reader = self._reader.successor()  # raises before the pool moves
            following._threads = self._threads
            following._pool, self._pool = self._pool, None  # one pool, not one each
            following.needs_input = not following._reader.ready()
            return following

    @property
    def _unused_size(self) -> int:
        """len(unused_data), without making it."""
        return self._reader.buffered if self.eof else 0

    @property
    def _undecoded_size(self) -> int:
        """Compressed bytes held that no decoded block accounts for yet."""
        return self._reader.buffered + (self._pool.inflight_bytes if self._pool else 0)

    def decompress(self, data, max_length: int = -1) -> bytes:
        data = _as_data(data, "decompress()")
        max_length = _check_max_length(max_length)
        with self._lock:
            if self._error is not None:
                raise self._error
            if self.eof:
                raise EOFError("End of stream already reached")
            try:
                return self._decompress(data, max_length)
            except EntropyCodecError as exc:
                self._error = exc
                self._shutdown()
                self._reader.release_input(keep=False)
                raise

    def _next_block(self) -> bytes | None:
        return self._reader.read_block() if self._pool is None else self._pool.next_block(self._reader)

    def _decompress(self, data, max_length: int) -> bytes:
        self._reader.feed(data)
        out = []
        remaining = max_length
        while True:
            if self._pending:
                n = len(self._pending) if max_length < 0 else min(len(self._pending), remaining)
                whole = n == len(self._pending.obj)  # a whole block: its bytes, not a copy
                out.append(self._pending.obj if whole else self._pending[:n].tobytes())
                # an empty view would still hold the block: let it go
                self._pending = self._pending[n:] if n < len(self._pending) else memoryview(b"")
                remaining -= n
            if max_length >= 0 and remaining <= 0:
                break
            block = self._next_block()
            if block is None:
                break
            self._pending = memoryview(block)
        busy = self._pool is not None and self._pool.busy
        if not self._pending and not busy and (self._reader.at_end_marker() or self._reader.ending):
            # max_length ran out exactly at the end of the data: read the end marker now, so
            # that eof is true as with lzma (it decodes nothing, so max_length still holds).
            self._next_block()
        if self._reader.eof and not self._reader.buffered:
            self._shutdown()  # with bytes after the end, the pool is kept for next_stream
        busy = self._pool is not None and self._pool.busy
        self.needs_input = (not self.eof and not self._pending and not busy
                            and not self._reader.ready())
        if self.needs_input:  # the rest of a block: copied, so the caller's input can go
            self._reader.release_input()
        return b"".join(out)

    def _shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()

    def __del__(self):
        pool = getattr(self, "_pool", None)
        if pool is not None:
            pool.shutdown(wait=False)


class StreamSequence:
    """Decompress one or more concatenated streams pulled from ``read(size)``: the one
    multi-stream loop, shared by :func:`decompress`, the file objects and the CLI.

    :meth:`read` returns up to ``max_length`` decompressed bytes (``-1``: all that the
    bytes read so far hold), and ``b""`` once the input ends after a complete stream.
    Input that ends inside a stream, or holds no stream at all, raises
    TruncatedDataError with ``truncated`` as its message.

    Bytes after a complete stream that do not start a stream are *trailing data*. With
    ``strict=False`` (what :func:`decompress` and the file objects pass by default)
    they are ignored, as CPython's lzma and bz2 ignore them: reading ends there and
    :attr:`ignored_trailing_offset` is their offset in the input (None while nothing
    was ignored; a caller such as the CLI can warn). They do not start a
    stream when their first bytes are not the magic bytes, or when the 12-byte
    stream header that follows them is invalid (its check, version or flags).
    Anything else still raises, as in the stdlib: the first stream's own errors,
    bytes that begin like a stream and then end (TruncatedDataError), a stream
    header declaring more than a limit allows (LimitExceededError), and damage
    after a valid stream header. With ``strict=True`` (this class's default: its
    callers choose) trailing data raises CorruptDataError "trailing data after the
    last stream at offset N" (or the header's own error).
    """

    def __init__(self, read, *, threads: int = 1, read_size: int | None = None,
                 truncated: str = "compressed data ends before the end-of-stream marker",
                 strict: bool = True, memlimit: int | None = None,
                 piece_size: int = _BUFFER_SIZE):
        self._strict = strict
        # read() is called for at most piece_size bytes at a time; a reader over bytes in
        # memory that hands out views passes its size (one view of them, nothing joined)
        self._piece_size = piece_size
        self.ignored_trailing_offset: int | None = None
        self._read = read
        self._decomp = Decompressor(threads=threads, memlimit=memlimit)
        threads = self._decomp._threads
        # With threads, read enough compressed bytes at once to hold several blocks (two of
        # the default 4 MiB per thread, up to 32 threads' worth: a huge ``threads`` must
        # not mean a huge read; nor more than the memory limit).
        self._read_size = read_size or (_BUFFER_SIZE if threads == 1 else
                                        min(min(threads, 32) << 23, self._decomp._reader.memlimit))
        self._truncated = truncated
        self._fed = False  # the current stream has been given bytes
        self._done = False
        self.streams = 0  # complete streams so far
        self.bytes_in = 0  # compressed bytes read so far

    @property
    def undecoded_bytes(self) -> int:
        """Compressed bytes read that no decoded block accounts for yet (for progress)."""
        return self._decomp._undecoded_size

    def _pull(self) -> bytes:
        """Up to ``read_size`` compressed bytes, read in pieces of at most ``piece_size``:
        memory follows the data that exists, not the size asked for."""
        parts, got = [], 0
        while got < self._read_size:
            part = self._read(min(self._piece_size, self._read_size - got))
            if not part:
                break
            parts.append(part)
            got += len(part)
        data = parts[0] if len(parts) == 1 else b"".join(parts)
        self.bytes_in += len(data)
        return data

    def _ignore_trailing(self, exc: CorruptDataError, offset: int) -> bool:
        """Whether ``exc``, raised at the header of a stream after the first, marks
        trailing data to ignore; if so, reading ends at ``offset``."""
        if self._strict or not self.streams or isinstance(exc, (TruncatedDataError,
                                                                 LimitExceededError)):
            return False
        self.ignored_trailing_offset = offset
        self.close()
        return True

    def read(self, max_length: int = -1) -> bytes:
        while not self._done:
            d = self._decomp
            if d.eof:
                self.streams += 1
                self._fed = d._unused_size > 0
                offset = d._reader.offset
                try:
                    self._decomp = d.next_stream()
                except CorruptDataError as exc:
                    if self._ignore_trailing(exc, offset):
                        break
                    raise
                continue
            if d.needs_input:
                chunk = self._pull()
                if not chunk:
                    self._done = True
                    d._shutdown()
                    if self._fed or not self.streams:
                        raise TruncatedDataError(self._truncated)
                    break
                self._fed = True
            else:
                chunk = b""
            try:
                data = d.decompress(chunk, max_length)
            except CorruptDataError as exc:
                if d._reader.at_stream_start and self._ignore_trailing(exc, d._reader.offset):
                    break
                raise
            if data:
                return data
        return b""

    def close(self) -> None:
        self._done = True
        self._decomp._shutdown()


def _bytes_reader(data):
    """``read(size)`` over the bytes-like ``data``, handing out views (no copies)."""
    view = memoryview(data).cast("B")
    pos = 0

    def read(size: int):
        nonlocal pos
        piece = view[pos:pos + size]
        pos += len(piece)
        return piece

    return read, len(view)


def compress(data, level: int | None = None, *, coder: str | None = None,
             block_size: int | None = None, threads: int = 1,
             compresslevel: int | None = None, preset: int | None = None,
             format=None, check=None, filters=None) -> bytes:
    """Compress ``data`` (any bytes-like object: its raw bytes) into one ``.ec`` stream at
    compression ``level`` 1..9 (default 6). Options as for :class:`Compressor`.

    >>> len(compress(b"abracadabra " * 1000, 1)) > len(compress(b"abracadabra " * 1000))
    True
    """
    comp = Compressor(level, coder=coder, block_size=block_size, threads=threads,
                      compresslevel=compresslevel, preset=preset, format=format, check=check,
                      filters=filters)
    data = _as_data(data, "compress()")
    writer = comp._writer  # in one shot: the input's last block is coded in place, and
    # the stream's pieces (headers, model descriptions, payloads) are joined once
    return b"".join(writer.write_parts(data, last=True) + writer.finish_parts())


def decompress(data, *, threads: int = 1, strict: bool = False, memlimit: int | None = None,
               format=None, filters=None) -> bytes:
    """Decompress ``data`` (any bytes-like object): one or more concatenated ``.ec``
    streams (``threads``: blocks decoded in parallel; the result does not depend on it).
    ``memlimit`` is :class:`Decompressor`'s (a block that needs more memory to decode
    raises LimitExceededError); the result itself is as large as the content.

    Raises TruncatedDataError when ``data`` ends inside a stream (or is empty).
    Bytes after the last stream that are not a stream are ignored, as
    :func:`lzma.decompress` and :func:`bz2.decompress` ignore them (the rule is
    :class:`StreamSequence`'s); with ``strict=True`` they raise CorruptDataError
    ("trailing data after the last stream at offset N"). lzma's ``format=`` and
    ``filters=`` are a TypeError saying they have no meaning here.

    >>> packed = compress(b"data")
    >>> decompress(packed + b"junk")
    b'data'
    >>> decompress(packed + b"junk", strict=True)
    Traceback (most recent call last):
    ...
    entropycodec.errors.CorruptDataError: trailing data after the last stream at offset 62
    """
    _refuse_lzma_options(format, None, filters)
    read, size = _bytes_reader(_byte_view(data, "decompress()"))
    streams = StreamSequence(read, threads=threads, read_size=max(size, 1), strict=strict,
                             memlimit=memlimit, piece_size=max(size, 1))
    results = []
    while piece := streams.read():
        results.append(piece)
    return b"".join(results)


# -- file objects ---------------------------------------------------------------------------

class _DecompressReader(io.RawIOBase):
    """Raw reader of decompressed bytes over a compressed file object (multi-stream)."""

    def __init__(self, fp, threads: int = 1, strict: bool = False, memlimit: int | None = None):
        self._fp = fp
        self._threads = threads
        self._strict = strict
        self._memlimit = memlimit
        self._streams = self._new_streams()
        self._eof = False
        self._pos = 0
        self._size = -1

    def _new_streams(self) -> StreamSequence:
        return StreamSequence(self._fp.read, threads=self._threads, strict=self._strict,
                              memlimit=self._memlimit,
                              truncated="compressed file ends before the end-of-stream marker")

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        if self._streams is not None:
            self._streams.close()
            self._streams = None
        super().close()

    def seekable(self) -> bool:
        return self._fp.seekable()

    def readinto(self, b) -> int:
        with memoryview(b) as view, view.cast("B") as byte_view:
            data = self.read(len(byte_view))
            byte_view[:len(data)] = data
        return len(data)

    def read(self, size: int = -1) -> bytes:
        if size < 0:
            return self.readall()
        if not size or self._eof:
            return b""
        data = self._streams.read(size)
        if data:
            self._pos += len(data)
            return data
        self._eof = True
        self._size = self._pos
        return b""

    def readall(self) -> bytes:
        chunks = []
        while data := self.read(io.DEFAULT_BUFFER_SIZE * 16):
            chunks.append(data)
        return b"".join(chunks)

    def _rewind(self) -> None:
        self._fp.seek(0)
        self._eof = False
        self._pos = 0
        self._streams.close()
        self._streams = self._new_streams()

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            pass
        elif whence == io.SEEK_CUR:
            offset = self._pos + offset
        elif whence == io.SEEK_END:
            if self._size < 0:
                while self.read(io.DEFAULT_BUFFER_SIZE * 16):
                    pass
            offset = self._size + offset
        else:
            raise ValueError(f"Invalid value for whence: {whence}")
        if offset < self._pos:
            self._rewind()
        else:
            offset -= self._pos
        while offset > 0:
            data = self.read(min(io.DEFAULT_BUFFER_SIZE * 16, offset))
            if not data:
                break
            offset -= len(data)
        return self._pos

    def tell(self) -> int:
        return self._pos


_MODE_CLOSED, _MODE_READ, _MODE_WRITE = 0, 1, 2


class ECFile(_Unpicklable, io.BufferedIOBase):
    """A file object over ``.ec`` data, like ``lzma.LZMAFile``.

    ``filename`` is a path or a binary file object; ``mode`` is "r"/"rb"
    (read), "w"/"wb" (write, truncate), "x"/"xb" (create) or "a"/"ab" (append a
    new stream). Reading and writing keep at most ``2 * threads`` blocks in
    flight (one block when ``threads=1``). Seeking is emulated (slow backwards).
    Reading ignores bytes after the last stream that are not a stream, as
    :func:`decompress` does, unless ``strict=True`` (ignored when writing).
    ``memlimit`` bounds the memory decoding takes, as :class:`Decompressor`'s
    (ignored when writing).

    One ECFile may be shared by threads: each call is whole (a lock), so every
    ``write`` lands contiguous in the content and every ``read`` returns
    contiguous data. It cannot be pickled, as the stdlib's file objects.

    >>> buf = io.BytesIO()
    >>> with ECFile(buf, "wb", coder="huffman") as f:
    ...     _ = f.write(b"line one\\nline two\\n")
    >>> _ = buf.seek(0)
    >>> with ECFile(buf) as f:
    ...     f.readline(), f.read()
    (b'line one\\n', b'line two\\n')
    """

    def __init__(self, filename, mode: str = "r", *, coder: str | None = None,
                 level: int | None = None, block_size: int | None = None,
                 threads: int = 1, strict: bool = False, memlimit: int | None = None,
                 compresslevel: int | None = None, preset: int | None = None,
                 format=None, check=None, filters=None):
        _refuse_lzma_options(format, check, filters)
        self._lock = threading.RLock()  # first: close() (also from __del__) takes it
        self._fp = None
        self._closefp = False
        self._mode = _MODE_CLOSED
        if mode in ("r", "rb"):
            mode_code = _MODE_READ
        elif mode in ("w", "wb", "a", "ab", "x", "xb"):
            mode_code = _MODE_WRITE
            self._compressor = Compressor(level, coder=coder, block_size=block_size,
                                          threads=threads, compresslevel=compresslevel,
                                          preset=preset)
            self._pos = 0
        else:
            raise ValueError(f"Invalid mode: {mode!r}")
        if isinstance(filename, (str, bytes, os.PathLike)):
            if "b" not in mode:
                mode += "b"
            self._fp = builtins.open(filename, mode)
            self._closefp = True
        elif hasattr(filename, "read") or hasattr(filename, "write"):
            self._fp = filename
        else:
            raise TypeError("filename must be a str, bytes, path or file object")
        self._mode = mode_code
        if mode_code == _MODE_READ:
            raw = _DecompressReader(self._fp, check_threads(threads), strict=strict,
                                    memlimit=memlimit)
            self._buffer = io.BufferedReader(raw, _BUFFER_SIZE)

    def close(self) -> None:
        with self._lock:
            if self._mode == _MODE_CLOSED:
                return
            try:
                if self._mode == _MODE_READ:
                    self._buffer.close()
                    self._buffer = None
                elif self._mode == _MODE_WRITE:
                    self._fp.write(self._compressor.flush())
                    self._compressor = None
            finally:
                try:
                    if self._closefp:
                        self._fp.close()
                finally:
                    self._fp = None
                    self._closefp = False
                    self._mode = _MODE_CLOSED

    @property
    def closed(self) -> bool:
        return self._mode == _MODE_CLOSED

    def fileno(self) -> int:
        self._check_not_closed()
        return self._fp.fileno()

    def seekable(self) -> bool:
        return self.readable() and self._buffer.seekable()

    def readable(self) -> bool:
        self._check_not_closed()
        return self._mode == _MODE_READ

    def writable(self) -> bool:
        self._check_not_closed()
        return self._mode == _MODE_WRITE

    def _check_not_closed(self) -> None:
        if self.closed:
            raise ValueError("I/O operation on closed file")

    def _check_mode(self, wanted: int, what: str) -> None:
        self._check_not_closed()
        if self._mode != wanted:
            raise io.UnsupportedOperation(f"File not open for {what}")

    # Each call below holds the file's lock from the mode check to the end, so threads
    # sharing the file see whole calls (and a close() between two of them, not inside).

    def peek(self, size: int = -1) -> bytes:
        with self._lock:
            self._check_mode(_MODE_READ, "reading")
            return self._buffer.peek(size)

    def read(self, size: int = -1) -> bytes:
        with self._lock:
            self._check_mode(_MODE_READ, "reading")
            return self._buffer.read(size)

    def read1(self, size: int = -1) -> bytes:
        with self._lock:
            self._check_mode(_MODE_READ, "reading")
            if size < 0:
                size = _BUFFER_SIZE
            return self._buffer.read1(size)

    def readinto(self, b) -> int:
        with self._lock:
            self._check_mode(_MODE_READ, "reading")
            return self._buffer.readinto(b)

    def readline(self, size: int | None = -1) -> bytes:
        """One line; ``size`` None or negative: no limit (as lzma's; bz2 refuses None)."""
        with self._lock:
            self._check_mode(_MODE_READ, "reading")
            return self._buffer.readline(size)

    def write(self, data) -> int:
        """Compress ``data`` (any bytes-like object: its raw bytes); return its length in
        bytes. The compressed output reaches the file in the order of the calls."""
        data = _as_data(data, "write()")
        length = len(data) if not isinstance(data, memoryview) else data.nbytes
        with self._lock:
            self._check_mode(_MODE_WRITE, "writing")
            self._fp.write(self._compressor.compress(data))
            self._pos += length
            return length

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        with self._lock:
            self._check_mode(_MODE_READ, "seeking")
            return self._buffer.seek(offset, whence)

    def tell(self) -> int:
        with self._lock:
            self._check_not_closed()
            if self._mode == _MODE_READ:
                return self._buffer.tell()
            return self._pos


def open(file, mode: str = "rb", level: int | None = None, *, coder: str | None = None,
         block_size: int | None = None, threads: int = 1, strict: bool = False,
         memlimit: int | None = None,
         encoding: str | None = None, errors: str | None = None, newline: str | None = None,
         compresslevel: int | None = None, preset: int | None = None,
         format=None, check=None, filters=None):
    """Open an ``.ec`` file in binary ("rb", "wb", "xb", "ab") or text ("rt", "wt", "xt",
    "at") mode, as :func:`lzma.open`. Text modes wrap the :class:`ECFile` in an
    :class:`io.TextIOWrapper` with ``encoding``, ``errors`` and ``newline``.
    ``strict`` is :class:`ECFile`'s (trailing data raises instead of being ignored);
    so is ``memlimit`` (the memory decoding may take).

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "notes.txt.ec"
    >>> with open(path, "wt", encoding="utf-8") as f:
    ...     _ = f.write("café\\n")
    >>> with open(path, "rt", encoding="utf-8") as f:
    ...     f.read()
    'café\\n'
    """
    if "t" in mode:
        if "b" in mode:
            raise ValueError(f"Invalid mode: {mode!r}")
    else:
        if encoding is not None:
            raise ValueError("Argument 'encoding' not supported in binary mode")
        if errors is not None:
            raise ValueError("Argument 'errors' not supported in binary mode")
        if newline is not None:
            raise ValueError("Argument 'newline' not supported in binary mode")
    binary = ECFile(file, mode.replace("t", ""), coder=coder, level=level,
                    block_size=block_size, threads=threads, strict=strict, memlimit=memlimit,
                    compresslevel=compresslevel, preset=preset, format=format, check=check,
                    filters=filters)
    if "t" in mode:
        encoding = io.text_encoding(encoding)
        return io.TextIOWrapper(binary, encoding, errors, newline)
    return binary

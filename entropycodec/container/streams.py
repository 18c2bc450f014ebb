"""Incremental stream writer and reader: the state machines behind Compressor/Decompressor.

:class:`StreamWriter` cuts its input into blocks of ``block_size`` bytes and
codes them, on a thread pool when ``threads > 1`` (the coding kernels release
the GIL). Blocks are independent and emitted in input order, so the output is
byte-identical whatever the thread count. At most ``2 * threads`` blocks are in
flight, which bounds memory.

:class:`StreamReader` parses one stream from bytes fed in pieces of any size. It
holds at most one block's stored bytes and one decoded block, and validates
every size against the stream's limits before it waits for (or allocates)
anything.

>>> w = StreamWriter(coder="huffman", block_size=8)
>>> data = w.write(b"hello, hello, world") + w.finish()
>>> r = StreamReader()
>>> r.feed(data); b"".join(iter(r.read_block, None)), r.eof
(b'hello, hello, world', True)
"""

from __future__ import annotations

import struct
from collections import deque
from concurrent.futures import ThreadPoolExecutor

from entropycodec.container.blocks import check_coder, decode_block, encode_block
from entropycodec.container.crc import crc32_combine
from entropycodec.container.format import (
    BLOCK_HEADER,
    DEFAULT_BLOCK_SIZE,
    END_MARKER,
    END_RECORD,
    MAGIC,
    MAX_BLOCK_SIZE,
    STREAM_HEADER,
    BlockHeader,
    EndRecord,
    pack_stream_header,
    unpack_block_header,
    unpack_end_record,
    unpack_stream_header,
)
from entropycodec.errors import ChecksumError, CorruptDataError, InvalidInputError

__all__ = ["BlockPool", "StreamReader", "StreamWriter", "check_block_size", "check_threads"]


def check_block_size(block_size) -> int:
    if isinstance(block_size, bool) or not isinstance(block_size, int):
        raise InvalidInputError(f"block_size must be an int, got {block_size!r}")
    if not 1 <= block_size <= MAX_BLOCK_SIZE:
        raise InvalidInputError(
            f"block_size must be in 1..{MAX_BLOCK_SIZE} (256 MiB), got {block_size}")
    return block_size


# Each thread keeps up to two blocks in flight; past the core count more threads
# only buffer more input, so the count is capped (at most 2 * MAX_THREADS blocks).
MAX_THREADS = 64


def check_threads(threads) -> int:
    """The number of worker threads for ``threads`` (0 or None: all usable cores), capped."""
    if threads is None or threads == 0:
        import os
        threads = max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                      else os.cpu_count() or 1)
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise InvalidInputError(f"threads must be a positive int (or 0 for all cores), got {threads!r}")
    return min(threads, MAX_THREADS)


class StreamWriter:
    """Write one ``.ec`` stream: :meth:`write` returns the bytes ready so far, :meth:`finish`
    the rest and the end marker."""

    def __init__(self, *, coder: str = "auto", level: int | None = None,
                 block_size: int = DEFAULT_BLOCK_SIZE, threads: int = 1):
        self.coder, self.param = check_coder(coder, level)
        self.block_size = check_block_size(block_size)
        self.threads = check_threads(threads)
        self._executor = ThreadPoolExecutor(self.threads) if self.threads > 1 else None
        self._inflight: deque = deque()
        self._pending = bytearray()
        self._started = False
        self._finished = False
        self._crc = 0
        self._total = 0
        self._count = 0

    def _header(self) -> list:
        if self._started:
            return []
        self._started = True
        return [pack_stream_header(self.block_size)]

    def _emit(self, block: bytes, size: int, out: list) -> None:
        # The content CRC is combined from the blocks' CRCs (header bytes 12..15), which
        # the workers computed: the writer never makes its own pass over the data.
        self._crc = crc32_combine(self._crc, struct.unpack_from("<I", block, 12)[0], size)
        out.append(block)

    def _submit(self, block, out: list) -> None:
        self._count += 1
        if self._executor is None:
            self._emit(encode_block(block, self.coder, self.param), len(block), out)
            return
        future = self._executor.submit(encode_block, block, self.coder, self.param)
        self._inflight.append((future, len(block)))
        while self._inflight and (self._inflight[0][0].done()
                                  or len(self._inflight) > 2 * self.threads):
            self._collect(out)

    def _collect(self, out: list) -> None:
        future, size = self._inflight.popleft()
        self._emit(future.result(), size, out)

    def write(self, data) -> bytes:
        if self._finished:
            raise ValueError("write() after finish()")
        # Blocks of an immutable ``bytes`` input are coded in place; others are copied,
        # since the caller may reuse its buffer while worker threads still read it.
        view = memoryview(data).cast("B")
        borrow = isinstance(data, bytes)
        out = self._header()
        self._total += len(view)
        bs = self.block_size
        start = 0
        if self._pending:
            start = min(len(view), bs - len(self._pending))
            self._pending += view[:start]
            if len(self._pending) == bs:
                self._submit(bytes(self._pending), out)
                self._pending.clear()
        while len(view) - start >= bs:
            block = view[start:start + bs]
            self._submit(block if borrow else bytes(block), out)
            start += bs
        self._pending += view[start:]
        return b"".join(out)

    def finish(self) -> bytes:
        if self._finished:
            raise ValueError("finish() called twice")
        out = self._header()
        if self._pending:
            self._submit(bytes(self._pending), out)
            self._pending.clear()
        try:
            while self._inflight:
                self._collect(out)
        finally:
            self.close()
        self._finished = True
        out.append(EndRecord(self._count, self._total, self._crc).pack())
        return b"".join(out)

    def close(self) -> None:
        """Stop the worker threads (pending blocks are abandoned)."""
        if self._executor is not None:
            for future, _ in self._inflight:
                future.cancel()
            self._executor.shutdown(wait=True)
            self._executor = None


_HEADER, _BLOCKS, _ENDING, _DONE = range(4)


class StreamReader:
    """Parse one stream fed in pieces: :meth:`feed` bytes, then call :meth:`read_block`
    until it returns ``None`` (more input needed, or end of stream: see :attr:`eof`).

    For parallel decoding, :meth:`next_unit` only parses: it hands out each block's
    header and stored bytes (to decode anywhere with
    :func:`~entropycodec.container.blocks.decode_block`), and the caller reports
    the decoded blocks back in stream order with :meth:`account` and finally
    :meth:`finish`, which checks the end marker.
    """

    def __init__(self):
        self._buf = bytearray()
        self._pos = 0
        self._origin = 0  # offset in the whole input of _buf[0] (for messages)
        self._follows_stream = False  # made by successor(): another stream came before
        self._state = _HEADER
        self._end = None
        self.max_block_size = 0
        self.block_count = 0
        self.total_size = 0
        self._crc = 0

    @property
    def eof(self) -> bool:
        return self._state == _DONE

    @property
    def unused_data(self) -> bytes:
        """Bytes fed after the end marker (empty before it)."""
        return bytes(self._buf[self._pos:]) if self._state in (_ENDING, _DONE) else b""

    @property
    def buffered(self) -> int:
        return len(self._buf) - self._pos

    def feed(self, data) -> None:
        if self._state in (_ENDING, _DONE):
            self._buf += data  # kept as unused_data
            return
        if self._pos and self._pos >= len(self._buf) // 2:
            del self._buf[:self._pos]
            self._origin += self._pos
            self._pos = 0
        self._buf += data
        if self._state == _HEADER:
            head = bytes(self._buf[self._pos:self._pos + len(MAGIC)])
            if head != MAGIC[:len(head)]:
                if self._follows_stream:
                    raise CorruptDataError("trailing data after the last stream at offset "
                                           f"{self._origin + self._pos}")
                raise CorruptDataError("not an .ec stream (bad magic bytes)")

    def _peek(self, n: int):
        if len(self._buf) - self._pos < n:
            return None
        return bytes(self._buf[self._pos:self._pos + n])

    def ready(self) -> bool:
        """True when :meth:`next_unit` (or :meth:`read_block`) can progress without input."""
        if self._state == _HEADER:
            return self.buffered >= STREAM_HEADER.size
        if self._state != _BLOCKS or not self.buffered:
            return False
        if self._buf[self._pos] == END_MARKER:
            return self.buffered >= END_RECORD.size
        head = self._peek(BLOCK_HEADER.size)
        if head is None:
            return False
        header = unpack_block_header(head, self.max_block_size)
        return self.buffered >= BLOCK_HEADER.size + header.stored_size

    def successor(self) -> StreamReader:
        """A reader for the stream after this one's end marker, taking over the bytes fed
        after it without copying them (this reader keeps none). Raises CorruptDataError
        ("trailing data after the last stream at offset N", N counted from the start of
        the first stream's input) at once when they do not start like a stream."""
        following = StreamReader()
        following._buf, following._pos = self._buf, self._pos
        following._origin, following._follows_stream = self._origin, True
        self._buf, self._pos = bytearray(), 0
        following.feed(b"")  # checks the magic bytes present so far
        return following

    def at_end_marker(self) -> bool:
        """True when the next unit is the end marker and all of it is buffered."""
        return (self._state == _BLOCKS and self.buffered >= END_RECORD.size
                and self._buf[self._pos] == END_MARKER)

    def next_unit(self):
        """Parse the next unit without decoding: ``None`` (need input, or the end marker
        was reached), ``"header"``, ``"end"``, or ``(BlockHeader, stored bytes)``."""
        if not self.ready():
            return None
        if self._state == _HEADER:
            self.max_block_size = unpack_stream_header(self._peek(STREAM_HEADER.size))
            self._pos += STREAM_HEADER.size
            self._state = _BLOCKS
            return "header"
        if self._buf[self._pos] == END_MARKER:
            self._end = unpack_end_record(self._peek(END_RECORD.size))
            self._pos += END_RECORD.size
            self._state = _ENDING
            return "end"
        header = unpack_block_header(self._peek(BLOCK_HEADER.size), self.max_block_size)
        start = self._pos + BLOCK_HEADER.size
        stored = bytes(self._buf[start:start + header.stored_size])
        self._pos = start + header.stored_size
        return header, stored

    def account(self, header: BlockHeader, out: bytes) -> None:
        """Record a decoded block (in stream order); its CRC was verified by decode_block."""
        self.block_count += 1
        self.total_size += len(out)
        self._crc = crc32_combine(self._crc, header.data_crc, len(out))

    def finish(self) -> None:
        """Check the end marker against the blocks accounted for; the stream is then done."""
        record = self._end
        if record.block_count != self.block_count or record.total_size != self.total_size:
            raise CorruptDataError(
                f"end marker counts {record.block_count} blocks / {record.total_size} bytes,"
                f" the stream has {self.block_count} / {self.total_size}")
        if record.content_crc != self._crc:
            raise ChecksumError("stream CRC-32 mismatch")
        self._state = _DONE

    @property
    def ending(self) -> bool:
        """The end marker has been parsed; :meth:`finish` is due once all blocks are in."""
        return self._state == _ENDING

    def read_block(self) -> bytes | None:
        """The next decoded block (b"" after the stream header or the end marker), or None
        when more input is needed or the stream has ended."""
        unit = self.next_unit()
        if unit is None:
            return None
        if unit == "header":
            return b""
        if unit == "end":
            self.finish()
            return b""
        header, stored = unit
        out = decode_block(header, stored)
        self.account(header, out)
        return out


class BlockPool:
    """Decode the blocks of a :class:`StreamReader` on ``threads`` worker threads, in
    stream order, with at most ``2 * threads`` blocks in flight (the reader's twin of
    :class:`StreamWriter`'s pool; the kernels release the GIL).

    :meth:`next_block` has :meth:`StreamReader.read_block`'s contract. One pool can
    serve the readers of several concatenated streams in turn.
    """

    def __init__(self, threads: int):
        self.threads = threads
        self._executor = None
        self._inflight: deque = deque()

    @property
    def busy(self) -> bool:
        """Blocks are being decoded."""
        return bool(self._inflight)

    @property
    def inflight_bytes(self) -> int:
        """Compressed bytes (headers included) of the blocks being decoded."""
        return sum(BLOCK_HEADER.size + header.stored_size for header, _ in self._inflight)

    def next_block(self, reader: StreamReader) -> bytes | None:
        """The next decoded block of ``reader`` (b"" after its end marker), or None when
        more input is needed."""
        while len(self._inflight) < 2 * self.threads:
            unit = reader.next_unit()
            if unit is None or unit == "end":
                break
            if unit == "header":
                continue
            if self._executor is None:
                self._executor = ThreadPoolExecutor(self.threads)
            header, stored = unit
            self._inflight.append((header, self._executor.submit(decode_block, header, stored)))
        if self._inflight:
            header, future = self._inflight.popleft()
            block = future.result()
            reader.account(header, block)
            return block
        if reader.ending:
            reader.finish()
            return b""
        return None

    def shutdown(self, *, wait: bool = True) -> None:
        """Stop the threads; blocks still in flight are abandoned."""
        if self._executor is not None:
            self._executor.shutdown(wait=wait, cancel_futures=True)
            self._executor = None
        self._inflight.clear()

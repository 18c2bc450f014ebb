"""Incremental stream writer and reader: the state machines behind Compressor/Decompressor.

:class:`StreamWriter` cuts its input into blocks of ``block_size`` bytes and
codes them, on a thread pool when ``threads > 1`` (the coding kernels release
the GIL). Blocks are independent and emitted in input order, so the output is
byte-identical whatever the thread count. At most ``2 * threads`` blocks are in
flight, which bounds memory.

:class:`StreamReader` parses one stream from bytes fed in pieces of any size. It
holds at most one block's stored bytes and one decoded block, and validates
every size against the stream's limits, and each block's decoding memory against
the reader's ``memlimit`` (:data:`DEFAULT_MEMLIMIT`), before it waits for (or
allocates) anything. :class:`BlockPool` decodes on threads within the same
budget: the blocks in flight never need more than ``memlimit`` together.

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

from entropycodec.container.blocks import (
    check_coder,
    check_decode_memory,
    decode_block,
    decode_memory,
    encode_block_parts,
    stored_scale_bits,
)
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
from entropycodec.container.levels import LADDER, LEVELS
from entropycodec.errors import ChecksumError, CorruptDataError, InvalidInputError

__all__ = [
    "DEFAULT_MEMLIMIT",
    "BlockPool",
    "StreamReader",
    "StreamWriter",
    "check_block_size",
    "check_memlimit",
    "check_threads",
]

#: Decoding memory allowed by default (``memlimit=None``): 1 GiB admits every valid
#: stream (the largest block, 256 MiB, with the largest cm tables needs about 930 MiB)
#: and bounds what parallel decoding keeps in flight.
DEFAULT_MEMLIMIT = 1 << 30


def check_block_size(block_size) -> int:
    if isinstance(block_size, bool) or not isinstance(block_size, int):
        raise InvalidInputError(f"block_size must be an int, got {block_size!r}")
    if not 1 <= block_size <= MAX_BLOCK_SIZE:
        raise InvalidInputError(
            f"block_size must be in 1..{MAX_BLOCK_SIZE} (256 MiB), got {block_size}")
    return block_size


def check_memlimit(memlimit) -> int:
    """The decoding memory limit in bytes for ``memlimit`` (None: :data:`DEFAULT_MEMLIMIT`).

    >>> check_memlimit(None) == DEFAULT_MEMLIMIT, check_memlimit(64 << 20)
    (True, 67108864)
    """
    if memlimit is None:
        return DEFAULT_MEMLIMIT
    if isinstance(memlimit, bool) or not isinstance(memlimit, int):
        raise InvalidInputError(f"memlimit must be an int (bytes) or None, got {memlimit!r}")
    if memlimit < 1:
        raise InvalidInputError(f"memlimit must be at least 1 byte, got {memlimit}")
    return memlimit


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

    def __init__(self, *, coder: str | None = None, level: int | None = None,
                 block_size: int | None = None, threads: int = 1):
        self.coder, self.param = check_coder(coder, level)
        if block_size is None:  # the level's, or the format's default for one coder
            block_size = LEVELS[self.param].block_size if self.coder == LADDER else DEFAULT_BLOCK_SIZE
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

    def _emit(self, parts, size: int, out: list) -> None:
        # The content CRC is combined from the blocks' CRCs (header bytes 12..15: the
        # first part starts with the header), which the workers computed: the writer
        # never makes its own pass over the data.
        self._crc = crc32_combine(self._crc, struct.unpack_from("<I", parts[0], 12)[0], size)
        out.extend(parts)

    def _submit(self, block, out: list) -> None:
        self._count += 1
        if self._executor is None:
            self._emit(encode_block_parts(block, self.coder, self.param), len(block), out)
            return
        future = self._executor.submit(encode_block_parts, block, self.coder, self.param)
        self._inflight.append((future, len(block)))
        while self._inflight and (self._inflight[0][0].done()
                                  or len(self._inflight) > 2 * self.threads):
            self._collect(out)

    def _collect(self, out: list) -> None:
        future, size = self._inflight.popleft()
        self._emit(future.result(), size, out)

    def write(self, data, *, last: bool = False) -> bytes:
        """The bytes ready after ``data``; with ``last``, ``data`` ends the input and
        :meth:`finish` must follow: a tail shorter than a block is coded in place too,
        not copied into the pending buffer (one-shot ``compress()`` of a ``bytes``)."""
        return _joined(self.write_parts(data, last=last))

    def write_parts(self, data, *, last: bool = False) -> list:
        """:meth:`write`'s bytes as a list of pieces to concatenate (no block copied)."""
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
        if last and borrow and not self._pending and start < len(view):
            self._submit(view[start:], out)
        else:
            self._pending += view[start:]
        return out

    def write_coded(self, block: bytes, size: int) -> bytes:
        """Append a block coded elsewhere: ``encode_block(data, self.coder, self.param)`` of
        the next ``size`` bytes (``block_size`` of them, fewer for the last), as a cluster's
        workers code them (:mod:`entropycodec.dask`). Returns the bytes ready: the stream
        header before the first block, then the block. Not to be mixed with :meth:`write`."""
        if self._finished:
            raise ValueError("write_coded() after finish()")
        if self._pending or self._inflight:
            raise ValueError("write_coded() after write()")
        if not 1 <= size <= self.block_size:
            raise InvalidInputError(f"a block holds 1..{self.block_size} bytes, got {size}")
        out = self._header()
        self._count += 1
        self._total += size
        self._emit((block,), size, out)
        return b"".join(out)

    def finish(self) -> bytes:
        return _joined(self.finish_parts())

    def finish_parts(self) -> list:
        """:meth:`finish`'s bytes as a list of pieces to concatenate."""
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
        return out

    def close(self) -> None:
        """Stop the worker threads (pending blocks are abandoned)."""
        if self._executor is not None:
            for future, _ in self._inflight:
                future.cancel()
            self._executor.shutdown(wait=True)
            self._executor = None


def _joined(parts: list) -> bytes:
    """The concatenation of ``parts`` (a lone ``bytes`` part itself, not a copy)."""
    return parts[0] if len(parts) == 1 and isinstance(parts[0], bytes) else b"".join(parts)


_HEADER, _BLOCKS, _ENDING, _DONE = range(4)


def _immutable(data) -> bool:
    """Whether ``data`` is ``bytes`` or a view of ``bytes``: nobody can change it, so a
    reader may keep a view of it instead of a copy (a bytearray, mmap or array could
    change under the view, and a view would pin a bytearray's size)."""
    return isinstance(data, bytes) or (isinstance(data, memoryview) and isinstance(data.obj, bytes))


class StreamReader:
    """Parse one stream fed in pieces: :meth:`feed` bytes, then call :meth:`read_block`
    until it returns ``None`` (more input needed, or end of stream: see :attr:`eof`).

    For parallel decoding, :meth:`next_unit` only parses: it hands out each block's
    header and stored bytes (to decode anywhere with
    :func:`~entropycodec.container.blocks.decode_block`), and the caller reports
    the decoded blocks back in stream order with :meth:`account` and finally
    :meth:`finish`, which checks the end marker.

    ``memlimit`` (bytes; None: :data:`DEFAULT_MEMLIMIT`) bounds the memory decoding one
    block may take (:func:`~entropycodec.container.blocks.decode_memory`): a block that
    needs more raises LimitExceededError as soon as its header is buffered, before its
    bytes are waited for or anything is allocated for it.
    """

    def __init__(self, *, memlimit: int | None = None):
        self.memlimit = check_memlimit(memlimit)
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

    @property
    def offset(self) -> int:
        """Offset in the whole input of the next byte not yet parsed (for messages)."""
        return self._origin + self._pos

    @property
    def at_stream_start(self) -> bool:
        """The stream header has not been parsed yet."""
        return self._state == _HEADER

    def feed(self, data) -> None:
        """Append ``data``: any object with the buffer protocol, taken as its raw bytes
        (a numpy array, an ``array('I')``, mmap, memoryview of any format)."""
        if not isinstance(data, (bytes, bytearray)):
            # ``bytearray += ndarray`` is numpy's element-wise addition (ndarray.__radd__
            # comes before bytearray's concatenation), and multi-byte formats must count
            # bytes, not items: always add a flat byte view.
            data = memoryview(data).cast("B")
        if not len(data):
            pass  # nothing to add (and borrowed bytes stay borrowed): only the check below
        elif self._state in (_ENDING, _DONE):
            self._own()
            self._buf += data  # kept as unused_data
            return
        elif self._pos >= len(self._buf) and _immutable(data):
            # nothing buffered: parse the caller's immutable bytes in place (the blocks
            # are views of them, decoded with no copy; see next_unit)
            self._origin += len(self._buf)
            self._buf, self._pos = memoryview(data).cast("B"), 0
        else:
            self._own()
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

    def _own(self) -> None:
        """Make the buffer a bytearray of its own (copying what is left of borrowed bytes)
        before anything is appended to it, or before the caller's input must be let go."""
        if isinstance(self._buf, memoryview):
            rest = bytearray(self._buf[self._pos:])
            self._origin += self._pos
            self._buf, self._pos = rest, 0

    def release_input(self, *, keep: bool = True) -> None:
        """Stop holding the caller's input: copy what is left of borrowed bytes
        (``keep``), or drop it (a reader that failed needs none of it)."""
        if keep:
            self._own()
        elif isinstance(self._buf, memoryview):
            self._origin += len(self._buf)
            self._buf, self._pos = bytearray(), 0

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
        header = self.peek_block()
        return header is not None and self.buffered >= BLOCK_HEADER.size + header.stored_size

    def peek_block(self) -> BlockHeader | None:
        """The header of the next block once it is buffered (None when the next unit is
        not a block or its header is incomplete), validated: against the stream's limits,
        and its decoding memory against :attr:`memlimit` (LimitExceededError)."""
        if (self._state != _BLOCKS or self.buffered < BLOCK_HEADER.size
                or self._buf[self._pos] == END_MARKER):
            return None
        header = unpack_block_header(self._peek(BLOCK_HEADER.size), self.max_block_size)
        check_decode_memory(header, self.memlimit)
        return header

    def successor(self) -> StreamReader:
        """A reader for the stream after this one's end marker, taking over the bytes fed
        after it without copying them (this reader keeps none). Raises CorruptDataError
        ("trailing data after the last stream at offset N", N counted from the start of
        the first stream's input) at once when they do not start like a stream."""
        following = StreamReader(memlimit=self.memlimit)
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
            self._let_go()
            return "header"
        if self._buf[self._pos] == END_MARKER:
            self._end = unpack_end_record(self._peek(END_RECORD.size))
            self._pos += END_RECORD.size
            self._state = _ENDING
            self._own()  # what follows is unused_data, or the next stream: a copy of it
            return "end"
        header = self.peek_block()
        start = self._pos + BLOCK_HEADER.size
        if isinstance(self._buf, memoryview):  # borrowed immutable bytes: a view, no copy
            stored = self._buf[start:start + header.stored_size]
        else:
            with memoryview(self._buf) as view:  # one copy (a bytearray slice: a second)
                stored = bytes(view[start:start + header.stored_size])
        self._pos = start + header.stored_size
        self._let_go()
        return header, stored

    def _let_go(self) -> None:
        """Drop borrowed bytes once all of them are parsed: the reader must not keep the
        caller's input alive (the blocks handed out hold their own views)."""
        if isinstance(self._buf, memoryview) and self._pos >= len(self._buf):
            self._own()  # nothing is left to copy

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
        out = decode_block(header, stored, memlimit=self.memlimit)
        del stored
        self.account(header, out)
        return out


class BlockPool:
    """Decode the blocks of a :class:`StreamReader` on ``threads`` worker threads, in
    stream order (the reader's twin of :class:`StreamWriter`'s pool; the kernels release
    the GIL).

    The blocks in flight (submitted, or decoded and not yet handed out) need at most
    ``budget`` bytes together (:func:`~entropycodec.container.blocks.decode_memory`;
    None: :data:`DEFAULT_MEMLIMIT`), and there are at most ``2 * threads`` of them;
    one block is always allowed, so large blocks are decoded one at a time rather than
    refused (a block that needs more than the reader's ``memlimit`` is refused by the
    reader).

    :meth:`next_block` has :meth:`StreamReader.read_block`'s contract. One pool can
    serve the readers of several concatenated streams in turn.
    """

    def __init__(self, threads: int, *, budget: int | None = None):
        self.threads = threads
        self.budget = check_memlimit(budget)
        self._executor = None
        self._inflight: deque = deque()  # (header, future, need), in stream order
        self._inflight_need = 0
        self._held = None  # (header, stored, need): parsed, waiting for room in the budget

    @property
    def busy(self) -> bool:
        """Blocks are being decoded (or wait for room to be)."""
        return bool(self._inflight) or self._held is not None

    @property
    def inflight_bytes(self) -> int:
        """Compressed bytes (headers included) of the blocks being decoded."""
        held = [self._held[0]] if self._held is not None else []
        return sum(BLOCK_HEADER.size + header.stored_size
                   for header in [entry[0] for entry in self._inflight] + held)

    @property
    def inflight_need(self) -> int:
        """Decoding memory of the blocks in flight (at most :attr:`budget`, or one block)."""
        return self._inflight_need

    def next_block(self, reader: StreamReader) -> bytes | None:
        """The next decoded block of ``reader`` (b"" after its end marker), or None when
        more input is needed."""
        while len(self._inflight) < 2 * self.threads:
            if self._held is None:
                unit = reader.next_unit()
                if unit is None or unit == "end":
                    break
                if unit == "header":
                    continue
                header, stored = unit
                self._held = (header, stored,
                              decode_memory(header, stored_scale_bits(header, stored)))
            header, stored, need = self._held
            if self._inflight and self._inflight_need + need > self.budget:
                break  # wait for the blocks ahead: what is in flight stays within the budget
            self._held = None
            if self._executor is None:
                self._executor = ThreadPoolExecutor(self.threads)
            future = self._executor.submit(decode_block, header, stored, memlimit=reader.memlimit)
            self._inflight.append((header, future, need))
            self._inflight_need += need
        if self._inflight:
            header, future, need = self._inflight.popleft()
            self._inflight_need -= need
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
        self._inflight_need = 0
        self._held = None

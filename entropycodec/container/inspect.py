"""Headers without decoding: :func:`read_header` lists streams, blocks, coders and sizes.

It reads the stream headers, block headers and end markers (checking their own
check fields and limits) and skips over payloads with ``seek`` when it can, so
inspecting a large file costs a few reads. Payload CRCs are *not* verified here:
``entropycodec test`` (or decompressing) does that.

>>> from entropycodec import compress
>>> info = read_header(compress(b"abracadabra" * 100, coder="huffman"))
>>> [(b.coder, b.original_size, b.stored_size) for b in info.blocks]
[('huffman', 1100, 322)]
>>> info.uncompressed_size, info.compressed_size, round(info.ratio, 3)
(1100, 356, 0.324)
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass, field

from entropycodec.container.format import (
    BLOCK_HEADER,
    END_MARKER,
    END_RECORD,
    MAGIC,
    STREAM_HEADER,
    unpack_block_header,
    unpack_end_record,
    unpack_stream_header,
)
from entropycodec.errors import CorruptDataError, LimitExceededError, TruncatedDataError

__all__ = ["BlockInfo", "ContainerInfo", "StreamInfo", "read_header"]


@dataclass(frozen=True)
class BlockInfo:
    """One block as its header describes it. ``offset`` is from the start of the input."""

    offset: int
    coder: str
    coder_param: int
    original_size: int
    model_size: int
    payload_size: int
    data_crc: int

    @property
    def stored_size(self) -> int:
        """Bytes the block takes in the file: header, model description and payload."""
        return BLOCK_HEADER.size + self.model_size + self.payload_size


@dataclass
class StreamInfo:
    offset: int
    max_block_size: int
    blocks: list = field(default_factory=list)
    total_size: int = 0
    content_crc: int = 0
    compressed_size: int = 0


@dataclass
class ContainerInfo:
    """Everything :func:`read_header` learns: the streams and, flattened, their blocks.

    ``ignored_trailing_offset``: with ``read_header(..., strict=False)``, the offset of
    the trailing data that was ignored after the last stream (None: there was none).
    """

    streams: list
    ignored_trailing_offset: int | None = None

    @property
    def blocks(self) -> list:
        return [b for s in self.streams for b in s.blocks]

    @property
    def uncompressed_size(self) -> int:
        return sum(s.total_size for s in self.streams)

    @property
    def compressed_size(self) -> int:
        return sum(s.compressed_size for s in self.streams)

    @property
    def ratio(self) -> float:
        """Compressed size / uncompressed size (as ``xz -l``; 0 for empty content)."""
        return self.compressed_size / self.uncompressed_size if self.uncompressed_size else 0.0

    def coder_counts(self) -> dict:
        counts: dict = {}
        for b in self.blocks:
            counts[b.coder] = counts.get(b.coder, 0) + 1
        return counts


class _Source:
    """Sequential reads with skipping (seek when possible), one byte of push-back."""

    def __init__(self, fileobj):
        self.f = fileobj
        self.pos = 0
        self.head = b""
        try:
            self.seekable = fileobj.seekable()
        except (AttributeError, OSError):
            self.seekable = False

    def read(self, n: int, what: str) -> bytes:
        data = self.read_partial(n)
        if len(data) != n:
            raise TruncatedDataError(f"input ends inside the {what}")
        return data

    def read_partial(self, n: int) -> bytes:
        """``n`` bytes, or fewer at the end of the input."""
        data, self.head = self.head[:n], self.head[n:]
        if len(data) < n:
            data += self.f.read(n - len(data))
        self.pos += len(data)
        return data

    def at_end(self) -> bool:
        if not self.head:
            self.head = self.f.read(1)
        return not self.head

    def skip(self, n: int, what: str) -> None:
        if self.head and n:
            self.head, self.pos, n = b"", self.pos + 1, n - 1
        if self.seekable:
            here = self.f.tell()
            end = self.f.seek(0, io.SEEK_END)
            if end - here < n:
                raise TruncatedDataError(f"input ends inside the {what}")
            self.f.seek(here + n)
            self.pos += n
            return
        while n:
            chunk = self.f.read(min(n, 1 << 20))
            if not chunk:
                raise TruncatedDataError(f"input ends inside the {what}")
            n -= len(chunk)
            self.pos += len(chunk)


class _NotAStream(Exception):
    """Internal: the bytes at a stream's start are not a stream header (``error`` says why)."""

    def __init__(self, error: CorruptDataError):
        self.error = error


def _read_stream_header(src: _Source) -> StreamInfo:
    start = src.pos
    head = src.read_partial(STREAM_HEADER.size)
    # Judge the magic before the length, as the decoder does: a short file of anything
    # else is "not an .ec stream", not "truncated".
    if head[:len(MAGIC)] != MAGIC[:len(head)]:
        if start:
            raise _NotAStream(CorruptDataError(f"trailing data after the last stream at offset {start}"))
        raise CorruptDataError("not an .ec stream (bad magic bytes)")
    if not head and start == 0:
        raise TruncatedDataError("empty input: not an .ec file")
    if len(head) != STREAM_HEADER.size:
        raise TruncatedDataError("input ends inside the stream header")
    try:
        return StreamInfo(start, unpack_stream_header(head))
    except LimitExceededError:
        raise
    except CorruptDataError as exc:  # its check, version or flags
        raise _NotAStream(exc) from None


def _read_stream(src: _Source) -> StreamInfo:
    start = src.pos
    stream = _read_stream_header(src)
    while True:
        first = src.read(1, "block header")
        if first[0] == END_MARKER:
            record = unpack_end_record(first + src.read(END_RECORD.size - 1, "end marker"))
            stream.total_size = record.total_size
            stream.content_crc = record.content_crc
            break
        offset = src.pos - 1
        head = unpack_block_header(first + src.read(BLOCK_HEADER.size - 1, "block header"),
                                   stream.max_block_size)
        src.skip(head.stored_size, "block")
        stream.blocks.append(BlockInfo(offset, head.coder, head.coder_param, head.original_size,
                                       head.model_size, head.payload_size, head.data_crc))
    if len(stream.blocks) != record.block_count or stream.total_size != sum(
            b.original_size for b in stream.blocks):
        raise CorruptDataError("end marker disagrees with the blocks of its stream")
    stream.compressed_size = src.pos - start
    return stream


def read_header(source, *, strict: bool = True) -> ContainerInfo:
    """Describe an ``.ec`` file or byte string without decoding its payloads.

    ``source`` is any bytes-like object (bytes, bytearray, memoryview, mmap, a numpy
    array: its raw bytes), a path (str or PathLike), or a binary file object (read
    from its current position). Raises CorruptDataError (or a subclass) on
    malformed headers, TypeError for anything else.

    An inspector reports what is there, so by default bytes after the last stream
    that are not a stream raise CorruptDataError "trailing data after the last
    stream at offset N". With ``strict=False`` they are ignored by
    :func:`~entropycodec.decompress`'s rule (bad magic bytes, or an invalid stream
    header after them) and their offset is
    :attr:`ContainerInfo.ignored_trailing_offset`.

    >>> from entropycodec import compress
    >>> read_header(compress(b"x") + b"junk")
    Traceback (most recent call last):
    ...
    entropycodec.errors.CorruptDataError: trailing data after the last stream at offset 59
    >>> read_header(compress(b"x") + b"junk", strict=False).ignored_trailing_offset
    59
    """
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as f:
            return _read_all(_Source(f), strict)
    if isinstance(source, (bytes, bytearray)):
        return _read_all(_Source(io.BytesIO(source)), strict)
    try:
        view = memoryview(source)
    except TypeError:
        view = None
    if view is not None:
        try:
            view = view.cast("B")
        except TypeError:
            raise TypeError("read_header() wants a C-contiguous buffer; copy it first "
                            "(bytes(data))") from None
        return _read_all(_Source(io.BytesIO(view)), strict)
    if not callable(getattr(source, "read", None)):
        raise TypeError("read_header() wants bytes-like data, a path or a binary file "
                        f"object, not {type(source).__name__!r}")
    return _read_all(_Source(source), strict)


def _read_all(src: _Source, strict: bool) -> ContainerInfo:
    try:
        streams = [_read_stream(src)]
    except _NotAStream as exc:
        raise exc.error from None
    while not src.at_end():  # concatenated streams
        start = src.pos
        try:
            streams.append(_read_stream(src))
        except _NotAStream as exc:
            if strict:
                raise exc.error from None
            return ContainerInfo(streams, ignored_trailing_offset=start)
    return ContainerInfo(streams)

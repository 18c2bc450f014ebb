"""Constants, limits and ``struct`` layouts of the ``.ec`` format (docs/format.md, version 1).

Every fixed-size structure is packed and unpacked here, with explicit
little-endian ``struct`` formats, together with its check field. Unpacking
functions validate what can be validated from the structure alone and raise the
package's :class:`~entropycodec.errors.CorruptDataError` family.

>>> header = pack_stream_header(1 << 22)
>>> header.hex(" ")
'89 45 43 0a 01 00 00 00 40 00 15 0a'
>>> unpack_stream_header(header)
4194304
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

from entropycodec.coders import CODERS
from entropycodec.errors import ChecksumError, CorruptDataError, LimitExceededError

MAGIC = b"\x89EC\n"
VERSION = 1
#: A block holds at most 2**28 bytes: its payload is then < 2**32 bits even at 15 bits/symbol.
MAX_BLOCK_SIZE = 1 << 28
DEFAULT_BLOCK_SIZE = 1 << 22  # 4 MiB: big enough to amortize headers, small enough to stream
MAX_MODEL_SIZE = 300  # bytes: the largest model description a block may carry
MAX_CODE_LENGTH = 15  # Huffman code lengths fit in 4 bits

END_MARKER = 0
# a block's coder id (the registry, entropycodec.coders, assigns them) and back
CODER_IDS = {spec.name: spec.coder_id for spec in CODERS.values()}
CODER_NAMES = {v: k for k, v in CODER_IDS.items()}

STREAM_HEADER = struct.Struct("<4sBBIH")   # magic, version, flags, max_block_size, check
BLOCK_HEADER = struct.Struct("<BBHIIIII")  # id, param, model_size, orig, payload, 3 crcs
END_RECORD = struct.Struct("<BBIQII")      # 0, reserved, block_count, total, crc, check


def _crc16(data: bytes) -> int:
    return zlib.crc32(data) & 0xFFFF


def pack_stream_header(max_block_size: int) -> bytes:
    head = STREAM_HEADER.pack(MAGIC, VERSION, 0, max_block_size, 0)[:-2]
    return head + struct.pack("<H", _crc16(head))


def unpack_stream_header(data: bytes) -> int:
    """Validate a 12-byte stream header; return its ``max_block_size``."""
    magic, version, flags, max_block_size, check = STREAM_HEADER.unpack(data)
    if magic != MAGIC:
        raise CorruptDataError("not an .ec stream (bad magic bytes)")
    if check != _crc16(data[:-2]):
        raise ChecksumError("stream header check mismatch")
    if version != VERSION:
        raise CorruptDataError(f"unsupported .ec format version {version}")
    if flags:
        raise CorruptDataError(f"unknown stream flags 0x{flags:02x}")
    if not 1 <= max_block_size <= MAX_BLOCK_SIZE:
        raise LimitExceededError(
            f"stream declares blocks of {max_block_size} bytes; the limit is {MAX_BLOCK_SIZE}")
    return max_block_size


@dataclass(frozen=True)
class BlockHeader:
    """The fixed part of a block, as stored."""

    coder_id: int
    coder_param: int
    model_size: int
    original_size: int
    payload_size: int
    data_crc: int
    stored_crc: int

    @property
    def coder(self) -> str:
        return CODER_NAMES[self.coder_id]

    @property
    def stored_size(self) -> int:
        """Bytes after the header: model description plus payload."""
        return self.model_size + self.payload_size

    def pack(self) -> bytes:
        head = BLOCK_HEADER.pack(self.coder_id, self.coder_param, self.model_size,
                                 self.original_size, self.payload_size, self.data_crc,
                                 self.stored_crc, 0)[:-4]
        return head + struct.pack("<I", zlib.crc32(head))


def unpack_block_header(data: bytes, max_block_size: int) -> BlockHeader:
    """Validate a 24-byte block header (first byte not the end marker) against the limits."""
    cid, param, model_size, orig, payload, data_crc, stored_crc, check = BLOCK_HEADER.unpack(data)
    if check != zlib.crc32(data[:-4]):
        raise ChecksumError("block header check mismatch")
    if cid not in CODER_NAMES:
        raise CorruptDataError(f"unknown coder id {cid}")
    if not 1 <= orig <= max_block_size:
        raise LimitExceededError(
            f"block declares {orig} bytes; the stream allows 1..{max_block_size}")
    if model_size > MAX_MODEL_SIZE:
        raise LimitExceededError(f"model description of {model_size} bytes (limit {MAX_MODEL_SIZE})")
    if cid == CODER_IDS["raw"]:
        if model_size or payload != orig or param:
            raise CorruptDataError("raw block with inconsistent sizes")
    elif model_size + payload > orig:
        raise CorruptDataError("coded block larger than its data")
    return BlockHeader(cid, param, model_size, orig, payload, data_crc, stored_crc)


@dataclass(frozen=True)
class EndRecord:
    block_count: int
    total_size: int
    content_crc: int

    def pack(self) -> bytes:
        head = END_RECORD.pack(END_MARKER, 0, self.block_count, self.total_size,
                               self.content_crc, 0)[:-4]
        return head + struct.pack("<I", zlib.crc32(head))


def unpack_end_record(data: bytes) -> EndRecord:
    marker, reserved, count, total, crc, check = END_RECORD.unpack(data)
    if check != zlib.crc32(data[:-4]):
        raise ChecksumError("end marker check mismatch")
    if marker != END_MARKER or reserved:
        raise CorruptDataError("malformed end marker")
    return EndRecord(count, total, crc)

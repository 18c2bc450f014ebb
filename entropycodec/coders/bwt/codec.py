"""One-shot bwt encode and decode: the payload layout and every check around the kernels.

A block of n bytes is cut into chunks of :data:`~.transform.MAX_CHUNK` bytes (the last one
shorter; a block of the default 4 MiB is one chunk). Each chunk is transformed
(:mod:`.transform`), its move-to-front ranks are coded (:mod:`.rank_coder`), and the payload
is the chunks one after another (docs/format.md, "The bwt coder")::

    chunk = start rows (walks(m) LEB128 varints, the first the primary index)
            [coded length: one LEB128 varint, in every chunk but the last]
            coded ranks (range coder bytes)

Checked before anything is allocated: ``n`` against what the payload can hold (every chunk
takes at least 2 bytes), then per chunk the varints (inside the payload, rows in 1..m,
lengths inside what is left). The kernels then report a run past the chunk's end, a payload
read past its end plus the lookahead (truncated) or short of it (trailing bytes), and start
rows that do not chain into one cycle: each a :class:`~entropycodec.errors.CorruptDataError`
(truncation: :class:`~entropycodec.errors.TruncatedDataError`).

>>> import numpy as np
>>> data = np.frombuffer(b"to be or not to be, that is the question", dtype=np.uint8)
>>> payload = bwt_encode(data)
>>> bytes(bwt_decode(payload, len(data), DEFAULT_LEVEL))
b'to be or not to be, that is the question'
>>> bwt_decode(payload + b"\\0", len(data), DEFAULT_LEVEL)
Traceback (most recent call last):
...
entropycodec.errors.CorruptDataError: bwt payload: 1 bytes after the end of the coded data
"""

from __future__ import annotations

import numpy as np

from entropycodec.errors import CorruptDataError, InvalidInputError, LimitExceededError, TruncatedDataError

__all__ = ["DEFAULT_LEVEL", "LEVELS", "bwt_decode", "bwt_encode", "max_decoded_size", "memory_bytes"]

#: the entropy stage: 1 move-to-front ranks, one adaptive probability per decision
#: (:mod:`.rank_coder`); 2 move-to-front-2 ranks, three mixed predictions per decision
#: (:mod:`.rank_mixer`: ~2.3% smaller on text, ~2.5x the modelling time)
LEVELS = range(1, 3)
DEFAULT_LEVEL = 1

# Constants of .transform and .rank_coder, repeated so that importing this module (through
# the registry) does not compile or load numba kernels; tests/test_bwt.py checks they agree.
MAX_CHUNK = 1 << 23
MAX_WALKS = 32
DECODER_LOOKAHEAD = 3
MODEL_BYTES = 160 << 10  # the rank coder's tables (TABLE_ROWS x 3 int32 = 131 KiB) and kernel state
MIXED_MODEL_BYTES = 512 << 10  # level 2's tables (rank_mixer.state_bytes(): 465 KiB) and state
MIN_CHUNK_BYTES = 2  # one start row and the coder's flush byte


def _check_level(level) -> int:
    if isinstance(level, bool) or not isinstance(level, (int, np.integer)) or level not in LEVELS:
        raise InvalidInputError(f"bwt level must be an int in {LEVELS.start}..{LEVELS.stop - 1}, not {level!r}")
    return int(level)


def _walks(m: int) -> int:
    return max(1, min(MAX_WALKS, m >> 16))


def _chunks(n: int) -> list[tuple[int, int]]:
    """(start, length) of the chunks of a block of n bytes."""
    return [(start, min(MAX_CHUNK, n - start)) for start in range(0, n, MAX_CHUNK)]


def memory_bytes(level: int, n: int = MAX_CHUNK) -> int:
    """Bytes the decoder allocates for a block of ``n`` bytes besides its output: the
    packed inverse table of its largest chunk (4 bytes per row) and the model tables of
    the level's entropy stage.

    >>> memory_bytes(1, 4 << 20) == 4 * ((4 << 20) + 1) + MODEL_BYTES
    True
    >>> memory_bytes(1, 1 << 28) == memory_bytes(1)
    True
    """
    level = _check_level(level)
    return 4 * (min(n, MAX_CHUNK) + 1) + (MIXED_MODEL_BYTES if level == 2 else MODEL_BYTES)


def max_decoded_size(payload_bytes: int) -> int:
    """Largest n a payload of ``payload_bytes`` bytes can hold (each chunk takes >= 2 bytes).

    >>> max_decoded_size(0), max_decoded_size(3) == MAX_CHUNK
    (0, True)
    """
    return (max(payload_bytes, 0) // MIN_CHUNK_BYTES) * MAX_CHUNK


def _varint(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _read_varint(buf, pos: int, end: int) -> tuple[int, int]:
    """(value, next position) of the LEB128 varint at ``pos`` (at most 4 bytes: < 2**28)."""
    value = 0
    for k in range(4):
        if pos + k >= end:
            raise TruncatedDataError("bwt payload ends inside a chunk header")
        byte = int(buf[pos + k])
        value |= (byte & 0x7F) << (7 * k)
        if byte < 0x80:
            return value, pos + k + 1
    raise CorruptDataError("bwt payload: a chunk header field is longer than 4 bytes")


def _as_bytes_array(data) -> np.ndarray:
    if isinstance(data, (bytes, bytearray, memoryview)):
        data = np.frombuffer(data, dtype=np.uint8)
    data = np.asarray(data)
    if data.ndim != 1 or data.dtype != np.uint8:
        raise InvalidInputError(f"bwt_encode needs a 1-d uint8 array, not {data.dtype}{data.shape}")
    return np.ascontiguousarray(data)


def _code(kernel, symbols: np.ndarray, new_state) -> bytes:
    """The range-coded ``symbols`` through ``kernel`` (code_ranks, code_bytes or code_mixed)
    with the fresh model tables ``new_state()`` (a tuple)."""
    from entropycodec.coders.bwt.rank_coder import OVERFLOW

    m = symbols.shape[0]
    # Text codes to ~ m / 4; incompressible input grows by well under 1%. The rare input that
    # needs more is retried with a bound: a decision costs at most 16 bits, and a byte takes at
    # most 8 decisions, a rank 15 and a run (>= 1 byte) 63.
    for capacity in (m + (m >> 3) + 64, 128 * m + 64):
        stream = np.zeros(capacity, dtype=np.uint8)
        used = kernel(False, symbols, stream, *new_state())
        if used != OVERFLOW:
            return stream[:used].tobytes()
    raise AssertionError("unreachable: the second capacity is an upper bound")  # pragma: no cover


def _order0_bytes(chunk: np.ndarray) -> float:
    """n H0 / 8 of a chunk: about what the order-0 mode codes it to."""
    counts = np.bincount(chunk, minlength=256).astype(np.float64)
    counts = counts[counts > 0]
    return float(-(counts * np.log2(counts / chunk.shape[0])).sum()) / 8


def _tables(rows: int):
    from entropycodec.coders.bwt.rank_coder import new_tables

    return lambda: (new_tables(rows),)


def _encode_chunk(chunk: np.ndarray, builder: str, level: int) -> tuple[bytes, bytes]:
    """(header fields, coded symbols) of one chunk: the transform's start rows and coded
    ranks, or a 0 (no primary index is 0) and the order-0 coded bytes when those are smaller."""
    from entropycodec.coders.bwt.rank_coder import BYTE_ROWS, TABLE_ROWS, code_bytes, code_ranks
    from entropycodec.coders.bwt.transform import bwt, move_to_front, walks

    last, rows = bwt(chunk, builder, walks(chunk.shape[0]))
    if level == 2:
        from entropycodec.coders.bwt.rank_mixer import code_mixed, new_state

        coded = _code(code_mixed, last, new_state)  # the kernel ranks the symbols itself
    else:
        move_to_front(last, last)  # in place: the ranks
        coded = _code(code_ranks, last, _tables(TABLE_ROWS))
    # The transform gains on data with context (text: 2.2 bits per byte where n H0 is 4.5) and
    # loses on memoryless data (up to ~14% over n H0). Only when its output is within a few
    # percent of n H0 is the order-0 mode tried: it costs 8 decisions per byte.
    if len(coded) > 0.97 * _order0_bytes(chunk):
        direct = _code(code_bytes, chunk.copy(), _tables(BYTE_ROWS))  # writable: one kernel signature
        if len(direct) + 1 < len(coded) + sum(len(_varint(int(r))) for r in rows):
            return _varint(0), direct
    return b"".join(_varint(int(r)) for r in rows), coded


def bwt_encode(data, level: int = DEFAULT_LEVEL, *, builder: str = "auto") -> bytes:
    """Compress a 1-d uint8 array (or bytes-like) with the Burrows-Wheeler coder.

    ``builder`` picks the suffix sorter ("auto": libdivsufsort when installed, else the
    numba SA-IS; the output is the same). Decoding needs ``n = len(data)`` and the level.

    >>> bwt_encode(b"")
    b''
    >>> len(bwt_encode(b"z" * 100_000))
    10
    """
    level = _check_level(level)
    arr = _as_bytes_array(data)
    parts = []
    chunks = _chunks(arr.shape[0])
    for index, (start, length) in enumerate(chunks):
        rows, coded = _encode_chunk(arr[start:start + length], builder, level)
        parts.append(rows)
        if index < len(chunks) - 1:
            parts.append(_varint(len(coded)))
        parts.append(coded)
    return b"".join(parts)


def bwt_decode(payload, n: int, level: int, *, out=None) -> np.ndarray:
    """Decompress ``n`` bytes from a payload made by :func:`bwt_encode` (into ``out`` when
    given: a writable contiguous uint8 array of ``n`` bytes, which is filled).

    >>> bwt_decode(b"", 0, 1)
    array([], dtype=uint8)
    """
    from entropycodec.coders.checks import output_array  # loads numba: not at import time

    level = _check_level(level)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise InvalidInputError(f"n must be an int >= 0, not {n!r}")
    n = int(n)
    # one writable copy: the rank coder's kernel has one signature for both directions
    buf = np.frombuffer(payload, dtype=np.uint8).copy() if len(payload) else np.zeros(0, np.uint8)
    size = buf.shape[0]
    if n == 0:
        if size:
            raise CorruptDataError(f"bwt payload of {size} bytes for 0 bytes of data")
        return output_array(out, 0, np.uint8)
    if size == 0:
        raise TruncatedDataError(f"bwt payload is empty but {n} bytes are expected")
    if n > max_decoded_size(size):
        raise LimitExceededError(f"{n} bytes cannot come from a {size}-byte bwt payload "
                                 f"(at most {max_decoded_size(size)})")
    # every field is checked before the output is allocated
    pos, plan = 0, []
    chunks = _chunks(n)
    for index, (start, length) in enumerate(chunks):
        rows = []
        for k in range(_walks(length)):
            row, pos = _read_varint(buf, pos, size)
            if k == 0 and row == 0:
                break  # an order-0 coded chunk: no rows
            if not 1 <= row <= length:
                raise CorruptDataError(f"bwt payload: start row {row} outside 1..{length}")
            rows.append(row)
        if index < len(chunks) - 1:
            coded, pos = _read_varint(buf, pos, size)
            if coded > size - pos:
                raise TruncatedDataError("bwt payload ends inside a chunk's coded ranks")
        else:
            coded = size - pos
        plan.append((start, length, rows, pos, coded))
        pos += coded
    from entropycodec.coders.bwt.rank_coder import (
        BYTE_ROWS,
        CORRUPT,
        TABLE_ROWS,
        TRUNCATED,
        code_bytes,
        code_ranks,
        new_tables,
    )
    from entropycodec.coders.bwt.transform import OK, inverse_bwt, inverse_move_to_front

    out = output_array(out, n, np.uint8)
    for start, length, rows, pos, coded in plan:
        target = out[start:start + length]
        stream = buf[pos:pos + coded]
        if rows and level == 2:
            from entropycodec.coders.bwt.rank_mixer import code_mixed, new_state

            read = code_mixed(True, target, stream, *new_state())  # the symbols, not ranks
        elif rows:
            read = code_ranks(True, target, stream, new_tables(TABLE_ROWS))
        else:
            read = code_bytes(True, target, stream, new_tables(BYTE_ROWS))
        if read == CORRUPT:
            raise CorruptDataError("bwt payload: a run of zeros goes past the block's end")
        if read == TRUNCATED or read > coded + DECODER_LOOKAHEAD:
            raise TruncatedDataError("bwt payload ends early: the decoder read past its end")
        if read < coded + DECODER_LOOKAHEAD:
            raise CorruptDataError(
                f"bwt payload: {coded + DECODER_LOOKAHEAD - read} bytes after the end of the coded data")
        if not rows:
            continue
        if level == 1:
            inverse_move_to_front(target)
        if inverse_bwt(target, np.array(rows, dtype=np.int64), target) != OK:
            raise CorruptDataError("bwt payload: the start rows do not invert the transform")
    return out

"""The ``context`` block coder (id 8): a static order-1 or order-2 context model, range coded.

Its level is the model's order. The block is fitted its own
:class:`~entropycodec.models.context.ContextModel`, and the payload carries the model's
description (docs/format.md, "Context model description") before the range-coded
symbols (the per-position range coder of :mod:`.positional`, whose flush costs a few
bytes where rANS's four lane states cost 32)::

    payload = LEB128(len(description)) description range-coded bytes

>>> import numpy as np
>>> data = np.frombuffer(b"abracadabra abracadabra abracadabra", dtype=np.uint8)
>>> payload = context_encode(data, 1)
>>> len(payload), bytes(context_decode(payload, data.size, 1)) == data.tobytes()
(44, True)
"""

from __future__ import annotations

import numpy as np

from entropycodec.errors import CorruptDataError, InvalidInputError, TruncatedDataError

__all__ = ["DEFAULT_LEVEL", "LEVELS", "context_decode", "context_encode", "memory_bytes"]

LEVELS = range(1, 3)
DEFAULT_LEVEL = 1
SYMBOLS = 256
# the decoder's tables: a cumulative row of 257 int32 per context (at most 256**order
# contexts, and never more than the description lists), a dense context map of int64
MAP_BYTES = {1: 8 * 256, 2: 8 * 65536}
ROW_BYTES = 4 * (SYMBOLS + 1)


def _check_level(level) -> int:
    if isinstance(level, bool) or not isinstance(level, (int, np.integer)) or level not in LEVELS:
        raise InvalidInputError(f"context level (the model's order) must be 1 or 2, not {level!r}")
    return int(level)


def memory_bytes(level: int, contexts: int | None = None) -> int:
    """Decoding memory beside the output: the rows of the contexts the block lists (all
    256**order at most), the context map, and the description's parsed rows (int64)."""
    level = _check_level(level)
    rows = min(SYMBOLS ** level, 1 << 16) if contexts is None else contexts
    return (rows + 1) * (ROW_BYTES + 8 * SYMBOLS) + MAP_BYTES[level] + (64 << 10)


def _leb128(v: int) -> bytes:
    out = bytearray()
    while True:
        b, v = v & 0x7F, v >> 7
        out.append(b | (0x80 if v else 0))
        if not v:
            return bytes(out)


def context_encode(data, level: int = DEFAULT_LEVEL) -> bytes:
    """The payload of a block of bytes under its own order-``level`` context model."""
    from entropycodec.coders.positional import positional_encode
    from entropycodec.models.context import ContextModel

    level = _check_level(level)
    arr = np.frombuffer(data, dtype=np.uint8) if not isinstance(data, np.ndarray) else data
    if arr.size == 0:
        return b""
    model = ContextModel.fit(arr, level, alphabet_size=SYMBOLS)
    desc = model.description()
    return _leb128(len(desc)) + desc + positional_encode("arithmetic", arr, model)


def estimated_bits(data, level: int) -> float:
    """What :func:`context_encode` would write, in bits, less its few flush bytes: the
    model's coded information plus its description (for choosing a coder per block)."""
    from entropycodec.models.context import ContextModel

    arr = np.frombuffer(data, dtype=np.uint8) if not isinstance(data, np.ndarray) else data
    model = ContextModel.fit(arr, _check_level(level), alphabet_size=SYMBOLS)
    return float(model.coded_information(arr).sum()) + model.header_bits + 16


def context_decode(payload, n: int, level: int, *, out=None) -> np.ndarray:
    """``n`` bytes from a :func:`context_encode` payload (into ``out`` when given)."""
    from entropycodec.coders.checks import output_array
    from entropycodec.coders.positional import positional_decode
    from entropycodec.models.context import ContextModel

    level = _check_level(level)
    data = bytes(payload)
    if n == 0:
        if data:
            raise CorruptDataError("context payload for 0 bytes must be empty")
        return output_array(out, 0, np.uint8)
    size, pos, shift = 0, 0, 0
    while True:
        if pos >= len(data) or pos > 4:
            raise TruncatedDataError("context payload ends inside its description length")
        b = data[pos]
        pos += 1
        size |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            break
    if pos + size > len(data):
        raise TruncatedDataError("context payload ends inside its model description")
    model = ContextModel.from_description(data[pos:pos + size], order=level, alphabet_size=SYMBOLS)
    if model.order != level or model.alphabet_size != SYMBOLS:
        raise CorruptDataError("context payload: the description is not of this block's model")
    return positional_decode("arithmetic", data[pos + size:], n, model, out=out)

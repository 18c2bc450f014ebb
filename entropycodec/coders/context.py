"""The ``context`` block coder (id 8): a static order-1 or order-2 context model, range coded.

Its level is the model's order. The block is fitted its own
:class:`~entropycodec.models.context.ContextModel`, and the payload carries the model's
description (docs/format.md, "Context model description") before the range-coded
symbols (the per-position range coder of :mod:`.positional`, whose flush costs a few
bytes, as rANS's one lane does)::

    payload = LEB128(len(description)) description range-coded bytes

>>> import numpy as np
>>> data = np.frombuffer(b"abracadabra abracadabra abracadabra", dtype=np.uint8)
>>> payload = context_encode(data, 1)
>>> len(payload), bytes(context_decode(payload, data.size, 1)) == data.tobytes()
(44, True)
"""

from __future__ import annotations

import threading

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


# The models fitted in this thread to the last array, by order: a compression level that
# predicts a block's size under orders 1 and 2 (predicted_bytes) and then codes it under one
# fits each model once.
_LAST_FIT = threading.local()


def _fit(arr: np.ndarray, level: int):
    from entropycodec.models.context import ContextModel

    last = getattr(_LAST_FIT, "entry", None)
    if last is None or last[0] is not arr:
        last = _LAST_FIT.entry = (arr, {})  # holds arr: its id cannot be reused meanwhile
    if level not in last[1]:
        last[1][level] = ContextModel.fit(arr, level, alphabet_size=SYMBOLS)
    return last[1][level]


def context_encode(data, level: int = DEFAULT_LEVEL) -> bytes:
    """The payload of a block of bytes under its own order-``level`` context model."""
    from entropycodec.coders.positional import positional_encode

    level = _check_level(level)
    arr = np.frombuffer(data, dtype=np.uint8) if not isinstance(data, np.ndarray) else data
    if arr.size == 0:
        return b""
    model = _fit(arr, level)
    _LAST_FIT.entry = None  # coded: the next block is another array
    desc = model.description()
    return _leb128(len(desc)) + desc + positional_encode("arithmetic", arr, model)


def predicted_bytes(arr: np.ndarray, level: int) -> float:
    """What :func:`context_encode` would write less its flush (a byte or two), from the
    fitted model's counts and rows: sum count x (scale_bits - log2 frequency) over the
    (context, symbol) pairs seen, plus the description. The fit is kept for
    :func:`context_encode` of the same array in this thread.

    >>> data = np.frombuffer(b"abracadabra abracadabra abracadabra", dtype=np.uint8)
    >>> round(predicted_bytes(data, 1), 1), len(context_encode(data, 1))
    (43.3, 44)
    """
    level = _check_level(level)
    model = _fit(arr, level)
    contexts, bounds, sym, counts = model.counts
    row = np.repeat(np.arange(contexts.size), np.diff(bounds))
    freq = model.rows[row, sym]
    bits = float((counts * (model.scale_bits - np.log2(freq))).sum())
    desc = len(model.description())
    return bits / 8 + desc + len(_leb128(desc))


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

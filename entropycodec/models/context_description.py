"""The rows of a context model's description (docs/format.md, "Context model
description"), written by one numba kernel: a 4 MiB block's order-2 model lists ~40,000
(context, symbol) pairs, which a Python loop of varints wrote in ~30 ms holding the GIL.

>>> import numpy as np
>>> rows = np.array([[0, 3, 1], [4, 0, 0]])
>>> bytes(describe_rows(np.array([5, 9]), rows, np.array([2, 2]), 2)).hex(" ")
'05 02 02 01 02 00 04 02 01 00'
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["describe_rows"]


@njit(cache=True, nogil=True, inline="always")
def _varint(out, pos, v):
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out[pos] = b | 0x80
            pos += 1
        else:
            out[pos] = b
            return pos + 1


@njit(cache=True, nogil=True)
def _describe(ids, rows, row_bits, scale_bits, out):
    pos = 0
    prev = 0
    k = rows.shape[1]
    for r in range(ids.shape[0]):
        pos = _varint(out, pos, ids[r] - prev)
        prev = ids[r]
        bits = row_bits[r]
        shift = scale_bits - bits
        out[pos] = bits
        pos += 1
        listed = 0
        for j in range(k):
            listed += rows[r, j] != 0
        pos = _varint(out, pos, listed)
        last = -1
        seen = 0
        for j in range(k):
            if rows[r, j] == 0:
                continue
            seen += 1
            pos = _varint(out, pos, j - last - 1)
            if seen < listed:  # the last listed symbol's frequency is the rest
                pos = _varint(out, pos, (rows[r, j] >> shift) - 1)
            last = j
    return pos


def describe_rows(ids: np.ndarray, rows: np.ndarray, row_bits: np.ndarray, scale_bits: int) -> np.ndarray:
    """The per-context part of the description: for each context (ids increasing) the
    varint gap from the previous id, the row's scale in bits, the varint count of symbols
    listed, then each symbol's varint gap and (but for the last) its frequency less 1 at
    the row's scale."""
    ids = np.ascontiguousarray(ids, dtype=np.int64)
    rows = np.ascontiguousarray(rows, dtype=np.int64)
    row_bits = np.ascontiguousarray(row_bits, dtype=np.int64)
    entries = int(np.count_nonzero(rows))
    out = np.empty(ids.size * 21 + entries * 20 + 1, dtype=np.uint8)  # 10-byte varints at most
    used = _describe(ids, rows, row_bits, int(scale_bits), out)
    return out[:used]

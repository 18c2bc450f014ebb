"""The Burrows-Wheeler transform, its inverse, and move-to-front, as numba kernels.

Definition (docs/format.md, "The bwt coder"). Append to the block T = t_0 .. t_{n-1} a
sentinel $ smaller than every byte, sort the n + 1 rotations of T$, and read the last
column L (n + 1 symbols, one of them $). The stored transform is L without its $
(n bytes) and the *primary index* p, the row at which the $ stood (1 <= p <= n; row 0 is
the rotation "$T", whose last symbol is t_{n-1}). With SA the suffix array of T
(:mod:`.suffix_array`), L is t_{n-1}, then t_{SA[i] - 1} for i = 0 .. n - 1, with $ in
place of the one SA[i] = 0, at row p = i + 1. The transform is unique (the sort of
rotations of T$ has no ties), whatever builds SA.

The inverse walks the rows forward (bzip2's method): ``tt[j]`` packs the row that follows
row j in text order and the first symbol of row j, ``(next << 8) | symbol``, in one
uint32 (rows < 2**24; :data:`MAX_CHUNK` keeps a chunk within that), so each output byte
costs one dependent load.

>>> import numpy as np
>>> last, rows = bwt(np.frombuffer(b"banana", dtype=np.uint8))
>>> bytes(last), rows.tolist()
(b'annbaa', [4])
>>> out = np.empty(6, dtype=np.uint8)
>>> int(inverse_bwt(last, rows, out)), bytes(out)
(0, b'banana')
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["MAX_CHUNK", "MAX_WALKS", "bwt", "bwt_from_suffix_array", "inverse_bwt", "inverse_move_to_front",
           "move_to_front", "rotations_bwt", "walks"]

# Largest block the transform codes in one piece: its n + 1 rows must fit the 24 bits that
# the packed inverse table gives a row number. Larger blocks are cut into chunks of this size
# (a power of two, so the chunks of a 2**28-byte block are 32 equal pieces).
MAX_CHUNK = 1 << 23
# Most start rows a transform stores (see :func:`walks`): 32 interleaved walks inverted a 4 MiB
# block in 24 ms here, one walk in 290 ms (each step of a walk is a cache miss).
MAX_WALKS = 32

OK = 0
CORRUPT = 1


def walks(n: int) -> int:
    """How many start rows a transform of ``n`` bytes stores (1 to :data:`MAX_WALKS`): one
    per 64 KiB, so that a block whose table outgrows the L2 cache is inverted by that many
    interleaved walks.

    >>> walks(1), walks(150_000), walks(4 << 20)
    (1, 2, 32)
    """
    return max(1, min(MAX_WALKS, n >> 16))


@njit(cache=True, nogil=True)
def bwt_from_suffix_array(data, sa, last, rows):
    """Write the transform of ``data`` into ``last`` (n bytes) and the start rows into
    ``rows``: ``rows[k]`` is the row of the rotation that starts at byte k * seg, seg =
    ceil(n / len(rows)); ``rows[0]`` is the primary index."""
    n = data.shape[0]
    seg = (n + rows.shape[0] - 1) // rows.shape[0]
    last[0] = data[n - 1]
    j = 1
    for i in range(n):
        k = sa[i]
        if k % seg == 0:
            rows[k // seg] = i + 1
        if k != 0:
            last[j] = data[k - 1]
            j += 1


def bwt(data: np.ndarray, builder: str = "auto", n_walks: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """(last column without $, start rows) of the bytes ``data`` (n >= 1); ``rows[0]`` is the
    primary index, ``n_walks`` the number of rows (:func:`walks` for the stored transform)."""
    from entropycodec.coders.bwt.suffix_array import suffix_array

    last = np.empty(data.shape[0], dtype=np.uint8)
    rows = np.zeros(n_walks, dtype=np.int64)
    bwt_from_suffix_array(data, suffix_array(data, builder), last, rows)
    return last, rows


def rotations_bwt(data: bytes) -> tuple[bytes, int]:
    """The definition itself, in pure Python: sort the rotations of T$, read the last column.

    The test oracle of :func:`bwt` (quadratic: small inputs only).

    >>> rotations_bwt(b"banana")
    (b'annbaa', 4)
    """
    s = list(data) + [-1]  # -1: the sentinel, smaller than every byte
    rows = sorted(s[i:] + s[:i] for i in range(len(s)))
    column = [row[-1] for row in rows]
    primary = column.index(-1)
    return bytes(c for c in column if c >= 0), primary


@njit(cache=True, nogil=True)
def inverse_bwt(last, rows, out):
    """Undo :func:`bwt`: ``out`` (n bytes) from ``last`` (n bytes) and the start rows.

    ``out`` may be ``last`` itself (the table holds everything once it is built). The
    walks run interleaved, so their cache misses overlap. Returns OK, or CORRUPT when a
    row is outside 1..n or a walk does not end where the next one starts (the last one at
    row 0): a transform that no input has (``out`` then holds garbage).
    """
    n = last.shape[0]
    n_walks = rows.shape[0]
    seg = (n + n_walks - 1) // n_walks
    tail = n - (n_walks - 1) * seg  # the last walk's length, 1 .. seg (walks(n) ensures it)
    if n_walks < 1 or tail < 1:
        return CORRUPT
    for k in range(n_walks):
        if rows[k] < 1 or rows[k] > n:
            return CORRUPT
    primary = rows[0]
    start = np.zeros(256, dtype=np.int64)
    for i in range(n):
        start[last[i]] += 1
    total = 1  # row 0 is the sentinel's ($ is the smallest symbol)
    for c in range(256):
        count = start[c]
        start[c] = total
        total += count
    tt = np.empty(n + 1, dtype=np.uint32)
    tt[0] = np.uint32(primary << 8)  # row 0 ($T) is followed by row p (T$), which starts with t_0
    for i in range(primary):  # rows 0 .. p - 1 of the full last column
        c = last[i]
        tt[start[c]] = np.uint32((i << 8) | c)
        start[c] += 1
    for i in range(primary + 1, n + 1):  # rows p + 1 .. n: the $ at row p is not stored
        c = last[i - 1]
        tt[start[c]] = np.uint32((i << 8) | c)
        start[c] += 1
    j = rows.copy()
    for step in range(seg):
        active = n_walks if step < tail else n_walks - 1
        for k in range(active):
            v = tt[j[k]]
            out[k * seg + step] = np.uint8(v & 0xFF)
            j[k] = np.int64(v >> 8)
    for k in range(n_walks - 1):
        if j[k] != rows[k + 1]:
            return CORRUPT
    return OK if j[n_walks - 1] == 0 else CORRUPT


@njit(cache=True, nogil=True)
def move_to_front(data, ranks):
    """Move-to-front ranks of ``data`` into ``ranks`` (the list starts as 0, 1, .., 255)."""
    order = np.arange(256).astype(np.uint8)
    for i in range(data.shape[0]):
        c = data[i]
        if order[0] == c:
            ranks[i] = 0
            continue
        prev = order[0]
        r = 1
        while order[r] != c:
            tmp = order[r]
            order[r] = prev
            prev = tmp
            r += 1
        order[r] = prev
        order[0] = c
        ranks[i] = r


@njit(cache=True, nogil=True)
def inverse_move_to_front(ranks):
    """Undo :func:`move_to_front` in place: each rank becomes the byte at that rank."""
    order = np.arange(256).astype(np.uint8)
    for i in range(ranks.shape[0]):
        r = ranks[i]
        c = order[r]
        if r:
            for k in range(r, 0, -1):
                order[k] = order[k - 1]
            order[0] = c
        ranks[i] = c

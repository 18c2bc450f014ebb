"""quantize_counts for many rows at once, in numba (no GIL, no per-row Python call).

:meth:`~entropycodec.models.context.ContextModel.fit` quantizes one row of counts per seen
context (about 1,300 rows for a 4 MiB text block at order 2): through
:func:`~entropycodec.models.counts.quantize_counts` that was ~75 us of Python per row,
holding the GIL, so two threads coding level 3 ran at 1.4x one. The algorithm's heap
phases live here once (:func:`refine`, which ``quantize_counts`` calls too);
:func:`quantize_rows` starts each row as ``quantize_counts`` does, from integer counts
whose sums are exact in any order, so its frequencies are those of ``quantize_counts``
(tests/test_models_context.py compares them row by row).

>>> import numpy as np
>>> quantize_rows(np.array([5, 2, 2, 1, 1, 10**7]), np.array([0, 4, 6]), np.array([4, 8])).tolist()
[8, 3, 3, 2, 1, 255]
"""

from __future__ import annotations

import heapq
import math

import numpy as np
from numba import njit

__all__ = ["quantize_rows", "refine"]


@njit(cache=True, nogil=True, inline="always")
def _gain_inc(c, f):
    return c * math.log2((f + 1) / f)


@njit(cache=True, nogil=True, inline="always")
def _loss_dec(c, f):
    return c * math.log2(f / (f - 1)) if f > 1 else math.inf


@njit(cache=True, nogil=True, inline="always")
def _dec_heap(cl, fl):
    """Entries (loss of taking 1 from f_j, j) of every j that can give one (f_j > 1)."""
    heap = [(0.0, 0)]
    heap.pop()
    for j in range(cl.shape[0]):
        if fl[j] > 1:
            heap.append((_loss_dec(cl[j], fl[j]), j))
    heapq.heapify(heap)
    return heap


@njit(cache=True, nogil=True)
def refine(cl, fl, total_freq):
    """The two heap phases of :func:`~entropycodec.models.counts.quantize_counts`, in
    place: frequencies ``fl`` (int64, each >= 1) of the positive counts ``cl`` (float64)
    moved to sum to ``total_freq``, then exchanged while "+1 to i, -1 to j" lowers the KL
    loss (ties broken by index, tolerance 1e-12, at most 4 m + 64 exchanges)."""
    m = cl.shape[0]
    # Phase 1: reach the exact total with the cheapest single steps.
    diff = total_freq - fl.sum()
    if diff > 0:
        heap = [(-_gain_inc(cl[i], fl[i]), i) for i in range(m)]
        heapq.heapify(heap)
        for _ in range(diff):
            _, i = heapq.heappop(heap)
            fl[i] += 1
            heapq.heappush(heap, (-_gain_inc(cl[i], fl[i]), i))
    elif diff < 0:
        heap = _dec_heap(cl, fl)
        for _ in range(-diff):
            _, j = heapq.heappop(heap)
            fl[j] -= 1
            if fl[j] > 1:
                heapq.heappush(heap, (_loss_dec(cl[j], fl[j]), j))
    # Phase 2: exchanges. Lazy heaps: an entry is current only if its value is the live one.
    inc = [(-_gain_inc(cl[i], fl[i]), i) for i in range(m)]
    heapq.heapify(inc)
    dec = _dec_heap(cl, fl)
    for _ in range(4 * m + 64):
        while len(inc) > 0 and -inc[0][0] != _gain_inc(cl[inc[0][1]], fl[inc[0][1]]):
            heapq.heappop(inc)
        while len(dec) > 0 and dec[0][0] != _loss_dec(cl[dec[0][1]], fl[dec[0][1]]):
            heapq.heappop(dec)
        if len(inc) == 0 or len(dec) == 0:
            break
        gain, i = -inc[0][0], inc[0][1]
        loss, j = dec[0][0], dec[0][1]
        if gain <= loss * (1 + 1e-12) or i == j:
            break
        fl[i] += 1
        fl[j] -= 1
        heapq.heappush(inc, (-_gain_inc(cl[i], fl[i]), i))
        heapq.heappush(inc, (-_gain_inc(cl[j], fl[j]), j))
        if fl[i] > 1:
            heapq.heappush(dec, (_loss_dec(cl[i], fl[i]), i))
        if fl[j] > 1:
            heapq.heappush(dec, (_loss_dec(cl[j], fl[j]), j))


@njit(cache=True, nogil=True)
def _rows(counts, bounds, bits):
    out = np.zeros(counts.shape[0], dtype=np.int64)
    for r in range(bits.shape[0]):
        a, b = bounds[r], bounds[r + 1]
        cl = counts[a:b].astype(np.float64)
        total_freq = np.int64(1) << bits[r]
        s = cl.sum()  # integer counts: exact in any order, as quantize_counts' numpy sum
        for i in range(b - a):  # quantize_counts' start: floor of the scaled counts, >= 1
            out[a + i] = max(1, np.int64(math.floor(cl[i] * (total_freq / s))))
        refine(cl, out[a:b], total_freq)
    return out


def quantize_rows(counts: np.ndarray, bounds: np.ndarray, bits: np.ndarray) -> np.ndarray:
    """Frequencies of the rows ``counts[bounds[r]:bounds[r + 1]]`` (positive integers, at
    most 2**bits[r] of them in a row), row r summing to 2**bits[r]: what
    ``quantize_counts(row, bits[r])`` gives each."""
    return _rows(np.ascontiguousarray(counts, dtype=np.int64), np.ascontiguousarray(bounds, dtype=np.int64),
                 np.ascontiguousarray(bits, dtype=np.int64))

"""Numba kernels for the range coder with an adaptive order-0 model.

The model is the one of :class:`entropycodec.models.adaptive.AdaptiveModel`: every
count starts at 1; after each symbol its count grows by ``increment``; when
the total exceeds ``limit`` every count is halved, rounding up (so none
reaches 0). Cumulative counts come from a Fenwick tree (``tree[i]`` holds the
sum of counts[i - lowbit(i) .. i - 1], 1-based), so both the encoder's prefix
sum and the decoder's search cost O(log k).

The coder is the range coder of :mod:`entropycodec.coders.range_kernels`
with r = rng // total. :class:`~entropycodec.coders.arithmetic.ArithmeticEncoder` with
an ``AdaptiveModel`` (updated after each symbol) is the pure-Python twin: same
bytes. The Fenwick loops are written out inside the kernels because numba
calls between kernels that pass arrays cost far more than the loops.

Caution: numba's on-disk cache of this module does not notice edits to the
range_kernels helpers it calls; after changing those, delete
``entropycodec/kernels/__pycache__/adaptive_kernels*`` (or bump this file).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from entropycodec.coders.range_kernels import (
    BOT,
    CORRUPT,
    INITIAL_RANGE,
    TRUNCATED,
    WINDOW_BYTES,
    check_end,
    flush,
    shift_low,
    start_code,
    udiv64,
)


@njit(cache=True, nogil=True)
def rebuild(counts, tree):
    """Fill the Fenwick ``tree`` (length k + 1) from ``counts``; return the total."""
    k = counts.size
    tree[0] = 0
    for i in range(1, k + 1):
        tree[i] = counts[i - 1]
    for i in range(1, k + 1):
        j = i + (i & -i)
        if j <= k:
            tree[j] += tree[i]
    return counts.sum()


@njit(cache=True, nogil=True)
def halve(counts, tree):
    """counts = ceil(counts / 2), tree rebuilt; return the new total."""
    for i in range(counts.size):
        counts[i] = (counts[i] + 1) >> 1
    return rebuild(counts, tree)


@njit(cache=True, nogil=True)
def encode_adaptive(indices, alphabet_size, increment, limit, out):
    """Range-code ``indices`` (all < alphabet_size) adaptively; return bytes used.

    ``out`` needs len(indices) * ceil(bits(limit + increment) / 8) + 8 bytes;
    ``out[0]`` receives the always-zero leading byte. Requires
    limit >= alphabet_size + increment and limit + increment <= 2**24.
    """
    k = alphabet_size
    counts = np.ones(k, dtype=np.int64)
    tree = np.zeros(k + 1, dtype=np.int64)
    total = rebuild(counts, tree)
    low = 0
    rng = INITIAL_RANGE
    cache = 0
    pending = 0
    pos = 0
    for t in range(indices.size):
        s = np.int64(indices[t])
        c_lo = 0  # prefix sum counts[0 .. s - 1]
        i = s
        while i > 0:
            c_lo += tree[i]
            i &= i - 1
        r = udiv64(rng, total)
        low += r * c_lo
        rng = r * counts[s]
        while rng < BOT:
            low, cache, pending, pos = shift_low(low, cache, pending, out, pos)
            rng <<= 8
        counts[s] += increment  # update after coding: the decoder does the same
        i = s + 1
        while i <= k:
            tree[i] += increment
            i += i & -i
        total += increment
        if total > limit:
            total = halve(counts, tree)
    return flush(low, rng, cache, pending, out, pos)


@njit(cache=True, nogil=True)
def decode_adaptive(payload, n, alphabet_size, increment, limit, out):
    """Decode ``n`` indices into ``out``; return a status code (see range_kernels)."""
    k = alphabet_size
    counts = np.ones(k, dtype=np.int64)
    tree = np.zeros(k + 1, dtype=np.int64)
    total = rebuild(counts, tree)
    top = 1
    while top * 2 <= k:
        top *= 2
    size = payload.size
    code, pos = start_code(payload)
    rng = INITIAL_RANGE
    if code >= rng:
        return CORRUPT
    for t in range(n):
        r = udiv64(rng, total)
        value = udiv64(code, r)
        if value >= total:
            return CORRUPT
        s = 0  # Fenwick search: largest s with prefix(s) <= value
        rem = value
        step = top
        while step > 0:  # branch-free steps: the comparison is a coin flip
            nxt = s + step
            if nxt <= k:
                v = tree[nxt]
                take = np.int64(v <= rem)
                s += step * take
                rem -= v * take
            step >>= 1
        code -= r * (value - rem)
        rng = r * counts[s]
        while rng < BOT:
            code = (code << 8) | (payload[pos] if pos < size else 0)
            pos += 1
            rng <<= 8
        if pos > size + WINDOW_BYTES:
            return TRUNCATED
        out[t] = s
        counts[s] += increment
        i = s + 1
        while i <= k:
            tree[i] += increment
            i += i & -i
        total += increment
        if total > limit:
            total = halve(counts, tree)
    return check_end(payload, pos, code, rng)

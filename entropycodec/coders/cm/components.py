"""Model components of the context-mixing coder, as small numba functions.

Each function is one piece of the lpaq-style model and works on integers only;
the kernel in :mod:`entropycodec.coders.cm.kernels` calls them once per bit (or once per
nibble for the hash table). Units used throughout:

* a *probability* is 12-bit, ``p = P(bit = 1) * 4096`` in [1, 4095];
* a *stretched* value is ``ln(p / (1 - p)) * 256`` in [-2047, 2047];
* a *StateMap* entry is a uint32 holding a 22-bit probability in its top bits
  and a 10-bit count of updates in its low bits (the count sets the adaptation
  rate ``1 / (count + 1.5)``, so a new context learns as fast as a frequency
  count, then settles at the rate ``1 / (limit + 1.5)``);
* mixer weights are int32 with 16 fractional bits (65536 = 1.0).

Hashes are 32-bit values carried in int64: every product is masked back to 32
bits, and a product that wraps int64 still has the right low 32 bits, so the
results do not depend on overflow behaviour.

>>> squash_fast(0), stretch_fast(2048)
(2048, 0)
>>> fmix32(1) == fmix32(1) != fmix32(2)
True
"""

from __future__ import annotations

import numpy as np
from numba import njit

from entropycodec.coders.cm.tables import SQUASH_KNOTS, STATE_COUNTS, STATE_NEXT, STRETCH

__all__ = [
    "squash_fast",
    "stretch_fast",
    "fmix32",
    "context_hash",
    "find_bucket",
    "statemap_p",
    "statemap_update",
    "mixer_dot",
    "mixer_train",
    "apm_p",
    "apm_update",
    "STATEMAP_DT",
    "STATE_PRIORITY",
]

MASK32 = 0xFFFFFFFF

# STATEMAP_DT[n] = 16384 // (2n + 3): (target - p) >> 3 times this, in units of the packed word
# (p sits 10 bits up), moves p by (target - p) / (n + 1.5).
STATEMAP_DT = np.array([16384 // (n + n + 3) for n in range(1024)], dtype=np.int64)

# Replacement priority of a hash bucket: the total count n0 + n1 of the state in its first slot,
# so buckets whose context was seen often survive collisions.
STATE_PRIORITY = (STATE_COUNTS[:, 0] + STATE_COUNTS[:, 1]).astype(np.int64)

_KNOTS = SQUASH_KNOTS.astype(np.int64)
_STRETCH = STRETCH.astype(np.int64)
_NEXT = STATE_NEXT


@njit(cache=True, nogil=True)
def squash_fast(d):
    """12-bit logistic of a stretched value (same as :func:`tables.squash`), in [1, 4095]."""
    if d > 2047:
        d = 2047
    if d < -2047:
        d = -2047
    w = d & 127
    i = (d >> 7) + 16
    p = (_KNOTS[i] * (128 - w) + _KNOTS[i + 1] * w + 64) >> 7
    if p < 1:
        p = 1
    if p > 4095:
        p = 4095
    return p


@njit(cache=True, nogil=True)
def stretch_fast(p):
    """Stretched value of a 12-bit probability p in [0, 4095] (table look-up)."""
    return _STRETCH[p]


@njit(cache=True, nogil=True)
def next_state(s, y):
    """Bit-history state after bit y (see :data:`tables.STATE_NEXT`)."""
    return _NEXT[s, y]


@njit(cache=True, nogil=True)
def fmix32(h):
    """MurmurHash3's 32-bit finalizer: every input bit affects every output bit."""
    h &= MASK32
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & MASK32
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & MASK32
    h ^= h >> 16
    return h


@njit(cache=True, nogil=True)
def context_hash(a, b, tag):
    """32-bit hash of two 32-bit context words and a small tag that names the context kind."""
    h = ((a & MASK32) * 0x2F0B4AE3) & MASK32
    h ^= ((b & MASK32) * 0x6B43A9B5 + tag * 0x1B873593) & MASK32
    return fmix32(h)


@njit(cache=True, nogil=True)
def find_bucket(ht, h, mask):
    """Offset of the 16-byte bucket for 32-bit hash h in hash table ht (mask = buckets - 1).

    Bucket layout: byte 0 is an 8-bit checksum of h, bytes 1..15 the bit-history states of the
    15 nodes of a nibble's binary tree (node 1 is the nibble's first bit). Three neighbouring
    buckets (index, index^1, index^2; one 64-byte cache line) are probed for the checksum; on a
    miss the one with the lowest priority (fewest observations at node 1) is cleared and taken.
    """
    index = h & mask
    check = ((h * 0x9E3779B1) & MASK32) >> 24
    best = -1
    best_priority = 1 << 30
    for j in range(3):
        base = ((index ^ j) & mask) << 4
        if ht[base] == check:
            return base
        priority = STATE_PRIORITY[ht[base + 1]]
        if priority < best_priority:
            best_priority = priority
            best = base
    for k in range(16):
        ht[best + k] = 0
    ht[best] = check
    return best


@njit(cache=True, nogil=True)
def statemap_p(sm, i):
    """12-bit probability stored in StateMap entry i."""
    return np.int64(sm[i]) >> 20


@njit(cache=True, nogil=True)
def statemap_update(sm, i, y, limit):
    """Move entry i toward bit y at rate 1/(count + 1.5); the count saturates at limit (< 1024)."""
    e = np.int64(sm[i])
    n = e & 1023
    p = e >> 10
    if n < limit:
        e += 1
    e += (((y << 22) - p) >> 3) * STATEMAP_DT[n] & -1024
    sm[i] = e & MASK32


@njit(cache=True, nogil=True)
def mixer_dot(w, base, x, n):
    """Mixed stretched prediction: sum(x[i] * w[base + i]) / 65536, clamped to [-2047, 2047]."""
    dot = 0
    for i in range(n):
        dot += x[i] * np.int64(w[base + i])
    dot >>= 16
    if dot > 2047:
        dot = 2047
    if dot < -2047:
        dot = -2047
    return dot


# Weights are kept in [-WEIGHT_LIMIT, WEIGHT_LIMIT] (+-256.0), far beyond useful values, so int32
# storage can never overflow.
WEIGHT_LIMIT = 1 << 24


@njit(cache=True, nogil=True)
def mixer_train(w, base, x, n, err):
    """Gradient step on coding cost: w[base + i] += x[i] * err / 16384 (rounded).

    err is (y * 4096 - p) times an integer rate r; in real units (weights 1.0 = 65536, inputs
    in natural-log units) the step is (r / 1024) * (y - P) * ln(P_i / (1 - P_i)).
    """
    for i in range(n):
        v = np.int64(w[base + i]) + ((x[i] * err + 8192) >> 14)
        if v > WEIGHT_LIMIT:
            v = WEIGHT_LIMIT
        if v < -WEIGHT_LIMIT:
            v = -WEIGHT_LIMIT
        w[base + i] = v


@njit(cache=True, nogil=True)
def apm_p(t, ctx, p):
    """Adaptive probability map (SSE): refine p in context ctx; returns (p, index to update).

    Each context has 33 knots over the stretched domain (every 128 units); the output is the
    linear interpolation between the two knots around stretch(p). Knots hold 16-bit
    probabilities (p * 16).
    """
    s = _STRETCH[p] + 2048
    lo = s >> 7
    w = s & 127
    base = ctx * 33 + lo
    q = (np.int64(t[base]) * (128 - w) + np.int64(t[base + 1]) * w) >> 11
    if q < 1:
        q = 1
    if q > 4095:
        q = 4095
    return q, base + (w >> 6)


@njit(cache=True, nogil=True)
def apm_update(t, index, y, rate):
    """Move the knot nearest the last input toward bit y at rate 2**-rate."""
    g = (y << 16) + (y << rate) - y - y
    v = np.int64(t[index])
    t[index] = v + ((g - v) >> rate)

"""Numba kernels of rANS and the range coder for per-position models.

The streams are exactly those of the static kernels (:mod:`.rans_kernels`: four
interleaved lanes, 64-bit states, 32-bit words; :mod:`.range_kernels`: one lane,
the stream :class:`~entropycodec.coders.arithmetic.ArithmeticEncoder` writes);
only where a symbol's frequency comes from differs. Instead of a table, each
position asks the model's kernels (:func:`entropycodec.models.positional_kernels.interval`
and ``lookup``), so a new kind of model needs no code here.

rANS encodes with a true division (x // f): the frequency changes at every
position, so the static coder's per-symbol reciprocals would cost more to build
than they save.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from entropycodec.coders.range_kernels import (
    BOT,
    CORRUPT,
    FF_START,
    INITIAL_RANGE,
    OK,
    SHIFT_MASK,
    TOP,
    TRUNCATED,
    WINDOW_BYTES,
    check_end,
    flush,
    start_code,
    udiv64,
)
from entropycodec.coders.rans_kernels import LANES, RANS_L, STATE_MAX
from entropycodec.models.positional_kernels import interval, lookup

__all__ = ["kernels"]


_KERNELS = {}


def kernels(family: int):
    """The four kernels specialized for one model family (a compile-time constant, so that
    the model's functions inline into the coder's loop: 62 vs 165 ns per symbol for a
    16-symbol Categorical). Cached per family, in memory and by numba on disk."""
    if family not in _KERNELS:
        _KERNELS[family] = _make(family)
    return _KERNELS[family]


def _make(FAM):
    @njit(cache=True, nogil=True)
    def rans_encode_reverse(symbols, A, B, T, P, out):
        """rANS-encode ``symbols`` last to first; the index of the first word of ``out``, or
        -(1 + t) when the symbol at position t has frequency 0 there."""
        scale = P[0]
        k = max(A.shape[1], T.shape[1])
        sf = np.empty((3, k + 8), dtype=np.float64)  # scratch of the row rules
        si = np.empty(k, dtype=np.int64)
        pos = out.size
        xs = np.full(LANES, RANS_L, dtype=np.int64)
        x_unit = (RANS_L >> scale) << 32
        total = np.int64(1) << scale
        for t in range(symbols.size - 1, -1, -1):
            f, c = interval(FAM, t, np.int64(symbols[t]), symbols, A, B, T, P, sf, si)
            if f <= 0:
                return -(1 + t)
            x = xs[t & 3]
            # renormalize so that C(s, x) < 2**63; a certain symbol (f = M) leaves x as it is
            if f < total and x >= x_unit * f:
                pos -= 1
                out[pos] = x & 0xFFFFFFFF
                x >>= 32
            xs[t & 3] = ((x // f) << scale) + (x % f) + c  # x = C(s, x)
        for lane in range(LANES - 1, -1, -1):
            out[pos - 1] = xs[lane] >> 32
            out[pos - 2] = xs[lane] & 0xFFFFFFFF
            pos -= 2
        return pos


    @njit(cache=True, nogil=True)
    def rans_decode(words, nwords, n, A, B, T, P, out):
        """Decode ``n`` symbols into ``out``; a status code (as :func:`.rans_kernels.decode`)."""
        if nwords < 2 * LANES:
            return TRUNCATED
        scale = P[0]
        k = max(A.shape[1], T.shape[1])
        sf = np.empty((3, k + 8), dtype=np.float64)  # scratch of the row rules
        si = np.empty(k, dtype=np.int64)
        xs = np.empty(LANES, dtype=np.int64)
        for lane in range(LANES):
            x = np.int64(words[2 * lane]) | (np.int64(words[2 * lane + 1]) << 32)
            if x < RANS_L or x > STATE_MAX:
                return CORRUPT
            xs[lane] = x
        pos = 2 * LANES
        mask = (np.int64(1) << scale) - 1
        for t in range(n):
            x = xs[t & 3]
            m = x & mask
            s, f, c = lookup(FAM, t, m, out, A, B, T, P, sf, si)
            x = f * (x >> scale) + m - c  # x = D(x)
            if x < RANS_L:
                if pos >= nwords:
                    return TRUNCATED
                x = (x << 32) | np.int64(words[pos])
                pos += 1
            xs[t & 3] = x
            out[t] = s
        if pos != nwords:
            return CORRUPT
        for lane in range(LANES):
            if xs[lane] != RANS_L:
                return CORRUPT
        return OK


    @njit(cache=True, nogil=True)
    def range_encode(symbols, A, B, T, P, out):
        """Range-code ``symbols``; bytes used (out[0] is the always-zero leading byte), or
        -(1 + t) when the symbol at position t has frequency 0 there."""
        scale = P[0]
        k = max(A.shape[1], T.shape[1])
        sf = np.empty((3, k + 8), dtype=np.float64)  # scratch of the row rules
        si = np.empty(k, dtype=np.int64)
        low = 0
        rng = INITIAL_RANGE
        cache = 0
        pending = 0
        pos = 0
        for t in range(symbols.size):
            f, c = interval(FAM, t, np.int64(symbols[t]), symbols, A, B, T, P, sf, si)
            if f <= 0:
                return -(1 + t)
            r = rng >> scale
            low += r * c
            rng = r * f
            while rng < BOT:
                if low < FF_START or low >= TOP:  # shift_low, written out (as encode_static)
                    carry = low >> 48
                    out[pos] = (cache + carry) & 0xFF
                    pos += 1
                    while pending > 0:
                        out[pos] = (0xFF + carry) & 0xFF
                        pos += 1
                        pending -= 1
                    cache = (low >> 40) & 0xFF
                else:
                    pending += 1
                low = (low & SHIFT_MASK) << 8
                rng <<= 8
        return flush(low, rng, cache, pending, out, pos)


    @njit(cache=True, nogil=True)
    def range_decode(payload, n, A, B, T, P, out):
        """Decode ``n`` symbols into ``out``; a status code (as :func:`.range_kernels.decode_static`)."""
        scale = P[0]
        k = max(A.shape[1], T.shape[1])
        sf = np.empty((3, k + 8), dtype=np.float64)  # scratch of the row rules
        si = np.empty(k, dtype=np.int64)
        size = payload.size
        code, pos = start_code(payload)
        rng = INITIAL_RANGE
        if code >= rng:
            return CORRUPT
        total = np.int64(1) << scale
        for t in range(n):
            r = rng >> scale
            value = udiv64(code, r)
            if value >= total:
                return CORRUPT
            s, f, c = lookup(FAM, t, value, out, A, B, T, P, sf, si)
            code -= r * c
            rng = r * f
            while rng < BOT:
                code = (code << 8) | (payload[pos] if pos < size else 0)
                pos += 1
                rng <<= 8
            if pos > size + WINDOW_BYTES:
                return TRUNCATED
            out[t] = s
        return check_end(payload, pos, code, rng)

    return rans_encode_reverse, rans_decode, range_encode, range_decode

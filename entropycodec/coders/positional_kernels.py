"""Numba kernels of rANS and the range coder for per-position models.

The streams are exactly those of the static kernels (:mod:`.rans_kernels`:
interleaved lanes of 64-bit states, 32-bit words, laid out as :mod:`.rans_streams`
says; :mod:`.range_kernels`: one lane, the stream :class:`~entropycodec.coders.arithmetic.ArithmeticEncoder` writes);
only where a symbol's frequency comes from differs. Instead of a table, each
position asks the model's kernels (:func:`entropycodec.models.positional_kernels.interval`
and ``lookup``), so a new kind of model needs no code here.

rANS encodes with a true division (x // f): the frequency changes at every
position, so the static coder's per-symbol reciprocals would cost more to build
than they save. From scale_bits 11 on it is a division in doubles with an exact
fix-up (:func:`_divmod_state`): Categorical K = 16, 10**6 positions, encodes in
25.6 ms against 35.3 with the 64-bit integer division.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from entropycodec.coders.range_kernels import (
    BOT,
    CORRUPT,
    FF_START,
    INITIAL_RANGE,
    SHIFT_MASK,
    TOP,
    TRUNCATED,
    WINDOW_BYTES,
    check_end,
    flush,
    start_code,
    udiv64,
)
from entropycodec.coders.rans_kernels import RANS_L, final_status
from entropycodec.models.positional_kernels import interval, lookup

__all__ = ["kernels"]


@njit(cache=True, nogil=True, inline="always")
def _divmod_state(x, f, scale):
    """(x // f, x % f) for a renormalized state: x < 2**(63 - scale) f, so the quotient is
    below 2**(63 - scale). From scale 11 on it is below 2**52 and x / f in doubles is off
    by at most 1 (x rounds to within x 2**-53, under 2**(10 - scale) f): one floating-point
    division and the fix-up below give it exactly, at about a third of the cost of the
    64-bit integer division that the smaller scales keep (the module doc has the figures)."""
    if scale < 11:
        q = udiv64(x, f)
        return q, x - q * f
    q = np.int64(np.float64(x) / np.float64(f))
    r = x - q * f
    while r < 0:
        q -= 1
        r += f
    while r >= f:
        q += 1
        r -= f
    return q, r



@njit(cache=True, nogil=True, inline="always")
def _model_block(fam, start, stop, symbols, A, B, T, P, sf, si, fs, cs):
    """(fs, cs)[u - start] = (freq, cum) of the symbol at u, for u in [start, stop)."""
    for u in range(start, stop):
        fs[u - start], cs[u - start] = interval(fam, u, np.int64(symbols[u]), symbols,
                                                A, B, T, P, sf, si)

_KERNELS = {}
# The encoders ask the model for a block of positions at a time, in memory order, before
# they code them (rANS: last to first). The model's arithmetic then does not wait on the
# coder's state chain, and its parameters are read forwards: rANS, Categorical K = 256
# (2 KB rows) 1.9 -> 5.7 M symbols/s, QuantizedGaussian 33 -> 73 (in-process A/B).
ENCODE_BLOCK = 4096  # a power of two: the kernels take t & (ENCODE_BLOCK - 1)


def kernels(family: int):
    """The four kernels specialized for one model family (a compile-time constant, so that
    the model's functions inline into the coder's loop: 62 vs 165 ns per symbol for a
    16-symbol Categorical). Cached per family, in memory and by numba on disk."""
    if family not in _KERNELS:
        _KERNELS[family] = _make(family)
    return _KERNELS[family]


def _make(FAM):
    @njit(cache=True, nogil=True)
    def rans_encode_reverse(symbols, A, B, T, P, out, xs):
        """rANS-encode ``symbols`` last to first from the lane states ``xs`` (as
        :func:`.rans_kernels.encode_reverse`: the index of the first word of ``out``, or
        -(1 + t) when the symbol at position t has frequency 0 there, or -(2 + n))."""
        scale = P[0]
        k = max(A.shape[1], T.shape[1])
        sf = np.empty((3, k + 8), dtype=np.float64)  # scratch of the row rules
        si = np.empty(k, dtype=np.int64)
        n = symbols.size
        lmask = xs.size - 1
        pos = out.size
        checked = False
        x_unit = (RANS_L >> scale) << 32
        total = np.int64(1) << scale
        fs = np.empty(ENCODE_BLOCK, dtype=np.int64)
        cs = np.empty(ENCODE_BLOCK, dtype=np.int64)
        for t in range(n - 1, -1, -1):
            b = t & (ENCODE_BLOCK - 1)
            if b == ENCODE_BLOCK - 1 or t == n - 1:  # the model of this block, in memory order
                _model_block(FAM, t - b, t + 1, symbols, A, B, T, P, sf, si, fs, cs)
            f, c = fs[b], cs[b]
            if f <= 0:
                return -(1 + t)
            x = xs[t & lmask]
            # renormalize so that C(s, x) < 2**63; a certain symbol (f = M) leaves x as it is
            if f < total and x >= x_unit * f:
                if not checked:
                    for lane in range(min(xs.size, t)):
                        if xs[lane] < RANS_L:
                            return -(2 + n)
                    checked = True
                pos -= 1
                out[pos] = x & 0xFFFFFFFF
                x >>= 32
            q, r = _divmod_state(x, f, scale)
            xs[t & lmask] = (q << scale) + r + c  # x = C(s, x)
        return pos


    @njit(cache=True, nogil=True)
    def rans_decode(words, nwords, n, A, B, T, P, out, xs, start):
        """Decode ``n`` symbols into ``out`` from the flushed lane states ``xs``; a status
        code (as :func:`.rans_kernels.decode`)."""
        scale = P[0]
        k = max(A.shape[1], T.shape[1])
        sf = np.empty((3, k + 8), dtype=np.float64)  # scratch of the row rules
        si = np.empty(k, dtype=np.int64)
        lmask = xs.size - 1
        pos = 0
        starved = False
        mask = (np.int64(1) << scale) - 1
        for t in range(n):
            x = xs[t & lmask]
            m = x & mask
            s, f, c = lookup(FAM, t, m, out, A, B, T, P, sf, si)
            x = f * (x >> scale) + m - c  # x = D(x)
            if x < RANS_L:
                if pos < nwords:
                    x = (x << 32) | np.int64(words[pos])
                    pos += 1
                else:
                    starved = True
            xs[t & lmask] = x
            out[t] = s
        return final_status(xs, pos, nwords, starved, start)


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
        n = symbols.size
        fs = np.empty(ENCODE_BLOCK, dtype=np.int64)
        cs = np.empty(ENCODE_BLOCK, dtype=np.int64)
        for t in range(n):
            b = t & (ENCODE_BLOCK - 1)
            if b == 0:  # the model of the next block, ahead of the coder
                _model_block(FAM, t, min(t + ENCODE_BLOCK, n), symbols, A, B, T, P, sf, si, fs, cs)
            f, c = fs[b], cs[b]
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

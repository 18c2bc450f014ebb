"""Numba kernels of the per-position models: the integer frequencies of position i.

A per-position model (:class:`~entropycodec.models.protocol.PositionalModel`) does
not hand the coders a table per position (n x k integers would not fit in memory
for n = 10**6 and k = 256); it hands them its parameters, and the coders' kernels
call the two functions here for each position:

* ``interval(family, i, s, symbols, A, B, T, P, sf, si) -> (freq, cum)`` of symbol
  index ``s`` at position ``i`` (the encoders);
* ``lookup(family, i, m, symbols, A, B, T, P, sf, si) -> (s, freq, cum)``: the
  symbol whose interval [cum, cum + freq) holds slot ``m`` (the decoders).

``symbols`` is the sequence being coded (the encoder's input, the decoder's output
so far: a context model reads the symbols before i there). ``A``, ``B`` (float
2-d), ``T`` (integer 2-d) and ``P`` (int64 1-d, P[0] = scale_bits) are the
family's parameters, ``sf``/``si`` scratch rows. Frequencies sum to 2**P[0] at
every position and every symbol's is >= 1 (context rows: the symbols they list).

The rules, which make the frequencies the same on every machine (IEEE-754 double
arithmetic in a fixed order, no fused multiply-add, no library ``exp``/``erf``):

CATEGORICAL, LOGITS (A = the rows, (n, k) float32 or float64; M = 2**scale_bits):
    LOGITS first maps a row l to p_j = exp(l_j - max l) with :func:`exp_det`.
    The weights go in blocks of 8. P_s, the sum of p_0 .. p_(s-1), is B_b + (p_(8b) +
    ... + p_(s-1)) with b = s div 8, the block's part added left to right, and the bases
    B_0 = 0, B_(b+1) = B_b + (p_(8b) + ... + p_(8b+7)) (so P_(8b) = B_b exactly).
    S = P_k; w = (M - k) / S; cum_s = floor(P_s * w) + s for s < k, cum_k = M, and
    f_s = cum_(s+1) - cum_s. P_s never decreases with s (adding a weight >= 0 and
    rounding are both monotone), so f_s >= 1, and floor(P_(k-1) w) <= M - k keeps
    f_(k-1) >= 1. The encoder reads its symbol's block twice; the decoder sums the
    row, then walks the blocks up to its symbol's and that block's weights.
QUANTIZED (A = loc (1, n or 1), B = scale (1, n or 1), T = the family's CDF table,
P = [scale_bits, R, low, Z]): symbol index j stands for the integer low + j, R of
them. C(t) for t = low + j - 1/2: z = (t - loc) / scale; z <= -Z gives 0, z >= Z
gives 2**38, else u = floor((z + Z) 2**(GRID_BITS + 16)), C = T[u >> 16] +
((T[(u >> 16) + 1] - T[u >> 16]) (u & 0xffff)) >> 16 (integers; 0 when u & 0xffff is 0,
as at the last knot, which z + Z can reach by rounding). Then
cum_j = ((C * (M - R)) >> 38) + j with cum_0 = 0 and cum_R = M (the tails fold into
the end points), f_j = cum_(j+1) - cum_j >= 1. C is monotone in t, so the decoder
finds j by search: it starts from the family's quantile function at m (a guess, in
floating point) and checks every step against cum_j itself, so the guess changes no result.
CONTEXT (T = cumulative rows (r + 1, k + 1), the last for unseen contexts;
P = [scale_bits, k, order, dense, contexts, ids...]): the context of position i is
c = sum_d symbols[i - d] k**(d - 1), d = 1..order (symbols before 0 count as 0);
its row is P[5 + c] when dense (-1: unseen), else the bisection of c among the
sorted ids P[5:5 + contexts].

>>> import numpy as np
>>> rows = np.array([[0.5, 0.2, 0.2, 0.1]])
>>> P = np.array([4, 4], dtype=np.int64)
>>> sf, si = np.empty((3, 12)), np.empty(4, dtype=np.int64)
>>> e = np.zeros((1, 1)); t = np.zeros((1, 1), dtype=np.int64)
>>> [interval(CATEGORICAL, 0, s, np.zeros(1, np.int64), rows, e, t, P, sf, si) for s in range(4)]
[(7, 0), (3, 7), (3, 10), (3, 13)]
>>> lookup(CATEGORICAL, 0, 12, np.zeros(1, np.int64), rows, e, t, P, sf, si)
(2, 3, 10)
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from entropycodec.models.cdf_tables import CDF_BITS, FAMILIES, GRID_BITS

__all__ = ["CATEGORICAL", "CONTEXT", "LOGITS", "QUANTIZED", "exp_det", "interval", "lookup",
           "information_bits"]

CATEGORICAL = 1
LOGITS = 2
QUANTIZED = 3
CONTEXT = 4

# exp_det: Cody-Waite reduction x = k ln2 + r, |r| <= ln2 / 2, then exp(r) by its Taylor
# polynomial to degree 13 (error < 2**-60 on that interval), times 2**k from a table of
# exact powers of two. Only + and * in a fixed order: the same double on every machine.
_INV_LN2 = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01  # ln 2 to 32 bits (k * LN2_HI is exact for |k| < 2**20)
_LN2_LO = 1.90821492927058770002e-10  # ln 2 - LN2_HI
_POW2_MIN = -1100
_POW2 = np.array([math.ldexp(1.0, k) for k in range(_POW2_MIN, 1)])
_TAYLOR = np.array([1.0 / math.factorial(d) for d in range(13, -1, -1)])
_FIXED_ONE = 1 << CDF_BITS
_FRAC_BITS = GRID_BITS + 16


@njit(cache=True, nogil=True)
def exp_det(x):
    """exp(x) for x <= 0, bit-identical on every IEEE-754 machine (see above).

    >>> round(exp_det(-1.0), 15), exp_det(0.0), exp_det(-800.0)
    (0.367879441171442, 1.0, 0.0)
    """
    if x < -745.0:
        return 0.0
    k = math.floor(x * _INV_LN2 + 0.5)
    r = (x - k * _LN2_HI) - k * _LN2_LO
    p = _TAYLOR[0]
    for d in range(1, _TAYLOR.size):
        p = p * r + _TAYLOR[d]
    return p * _POW2[int(k) - _POW2_MIN]


# -- categorical rows -------------------------------------------------------------------------

# Row i is read in place as V[r, j] (V = A, r = i; for LOGITS V = sf, r = 0, after the
# exponentials), never through a view A[i]: a view costs a reference-count increment and
# decrement, atomic operations that took longer than a 16-symbol row (43 vs 8 ns).
# sf is scratch of shape (3, k + 8): row 0 the LOGITS weights, row 1 the block bases B_b.

@njit(cache=True, nogil=True, inline="always")
def _run(V, r, start, end):
    """p_start + ... + p_(end-1), left to right."""
    t = 0.0
    for j in range(start, end):
        t += V[r, j]
    return t


@njit(cache=True, nogil=True, inline="always")
def _bases(V, r, k, sf):
    """B_b into sf[1, b] for every block b of 8 weights; returns S = P_k. Each block's own
    sum does not wait for the bases before it, so the blocks' additions overlap."""
    acc = 0.0
    for b in range((k + 7) >> 3):
        sf[1, b] = acc
        acc = acc + _run(V, r, 8 * b, min(8 * b + 8, k))
    return acc


@njit(cache=True, nogil=True, inline="always")
def _cum(V, r, s, k, M, w, sf):
    if s >= k:
        return M
    b = s >> 3
    p = sf[1, b] + _run(V, r, 8 * b, s)
    return np.int64(p * w) + s  # P_s * w >= 0: truncation is floor


@njit(cache=True, nogil=True, inline="always")
def _source(fam, A, i, sf):
    """LOGITS: exp(l_j - max l) into sf row 0."""
    k = A.shape[1]
    top = A[i, 0]
    for j in range(1, k):
        top = max(top, A[i, j])
    for j in range(k):
        sf[0, j] = exp_det(np.float64(A[i, j]) - np.float64(top))


# The two rules below are written out rather than composed of _bases and _cum: the
# stores into sf that composing needs (and the reloads, since LLVM cannot tell sf from
# the rows) cost 70 vs 25 ns per 16-symbol row, measured.

@njit(cache=True, nogil=True, inline="always")
def _interval_in(V, r, k, s, M, sf):
    bs = s >> 3
    acc = 0.0
    base = 0.0
    for b in range((k + 7) >> 3):
        if b == bs:
            base = acc
        acc = acc + _run(V, r, 8 * b, min(8 * b + 8, k))
    w = (M - k) / acc
    q = _run(V, r, 8 * bs, s)
    c = np.int64((base + q) * w) + s  # P_s * w >= 0: truncation is floor
    q += V[r, s]
    after = M if s + 1 >= k else np.int64((base + q) * w) + s + 1
    return after - c, c


@njit(cache=True, nogil=True, inline="always")
def _lookup_in(V, r, k, m, M, sf):
    nb = (k + 7) >> 3
    acc = 0.0
    for b in range(nb):
        acc = acc + _run(V, r, 8 * b, min(8 * b + 8, k))
    w = (M - k) / acc
    base = 0.0  # B_b of the block walked: the first whose successor starts above m
    b = 0
    while b + 1 < nb:
        nxt = base + _run(V, r, 8 * b, 8 * b + 8)
        if np.int64(nxt * w) + 8 * (b + 1) > m:
            break
        base = nxt
        b += 1
    start = 8 * b
    end = min(start + 8, k)
    c = np.int64(base * w) + start
    q = 0.0
    for j in range(start, end):
        q += V[r, j]
        after = M if j + 1 >= k else np.int64((base + q) * w) + j + 1
        if after > m or j == end - 1:
            return j, after - c, c
        c = after
    return end - 1, M - c, c  # not reached


@njit(cache=True, nogil=True, inline="always")
def _row_interval(fam, A, i, s, M, sf):
    """(f_s, cum_s) of row i (the CATEGORICAL rule): one pass over the row."""
    i = i if A.shape[0] > 1 else 0  # one row shared by every position
    if fam == LOGITS:
        _source(fam, A, i, sf)
        return _interval_in(sf, 0, A.shape[1], s, M, sf)
    return _interval_in(A, i, A.shape[1], s, M, sf)


@njit(cache=True, nogil=True, inline="always")
def _row_lookup(fam, A, i, m, M, sf):
    """(s, f_s, cum_s) of the symbol of row i whose interval holds slot m (bisection)."""
    i = i if A.shape[0] > 1 else 0
    if fam == LOGITS:
        _source(fam, A, i, sf)
        return _lookup_in(sf, 0, A.shape[1], m, M, sf)
    return _lookup_in(A, i, A.shape[1], m, M, sf)


@njit(cache=True, nogil=True)
def _row_frequencies(fam, A, i, M, sf, si):
    """f_j of row i into si (the CATEGORICAL rule)."""
    k = A.shape[1]
    for j in range(k):
        si[j], _ = _row_interval(fam, A, i, j, M, sf)


# -- quantized continuous families ------------------------------------------------------------

@njit(cache=True, nogil=True, inline="always")
def _quantized_position(i, A, B, P):
    """The parameters of position i that cum_j needs: (loc, scale, low, Z, R, M). Read
    once per position, not per cum_j: the kernels store into arrays that numba cannot
    prove apart from P, so each read inside cum_j was a load again (11 vs 4 ns a cum_j)."""
    loc = np.float64(A[0, i if A.shape[1] > 1 else 0])
    scale = np.float64(B[0, i if B.shape[1] > 1 else 0])
    return loc, scale, P[2], np.float64(P[3]), P[1], np.int64(1) << P[0]


@njit(cache=True, nogil=True, inline="always")
def _cum_at(j, loc, scale, low, z_max, R, M, T):
    """cum_j (the QUANTIZED rule) from the parameters of :func:`_quantized_position`."""
    if j <= 0:
        return np.int64(0)
    if j >= R:
        return M
    z = ((low + j) - 0.5 - loc) / scale
    if not z > -z_max:
        c = np.int64(0)
    elif z >= z_max:
        c = np.int64(_FIXED_ONE)
    else:
        u = np.int64((z + z_max) * (1 << _FRAC_BITS))  # > 0 here: truncation is floor
        g = u >> 16
        lo = T[0, g]
        # z + Z can round up to 2 Z: g is then the last knot and the fraction 0, and the
        # knot after it (there is none) is not read: the last one stands in
        hi = T[0, min(g + 1, T.shape[1] - 1)]
        c = lo + (((hi - lo) * (u & 0xFFFF)) >> 16)
    return ((c * (M - R)) >> CDF_BITS) + j


# The decoder's starting guess inverts the family's CDF in floating point (libm's log and
# sqrt, Acklam's rational approximation of the Gaussian quantile, |error| < 1.2e-8): it
# may differ between machines in the last bit, which is harmless, since every step of the
# search is checked against the exact integer cum_j.
_Z_GAUSSIAN, _Z_LAPLACE, _Z_LOGISTIC = (FAMILIES[f] for f in ("gaussian", "laplace", "logistic"))
_ACKLAM_A = (-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
             1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00)
_ACKLAM_B = (-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
             6.680131188771972e+01, -1.328068155288572e+01)
_ACKLAM_C = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
             -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00)
_ACKLAM_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
             3.754408661907416e+00)
_ACKLAM_TAIL = 0.02425


@njit(cache=True, nogil=True, inline="always")
def _gaussian_tail(u):
    """Acklam's Phi^-1(u) for u < _ACKLAM_TAIL (u > 0)."""
    c, d = _ACKLAM_C, _ACKLAM_D
    q = math.sqrt(-2.0 * math.log(u))
    return ((((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
            / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0))


@njit(cache=True, nogil=True, inline="always")
def _standard_quantile(z_max, u):
    """About F^-1(u) of the family whose table spans +-z_max (0 < u < 1)."""
    if z_max == _Z_GAUSSIAN:
        if u < _ACKLAM_TAIL:
            return _gaussian_tail(u)
        if u > 1.0 - _ACKLAM_TAIL:
            return -_gaussian_tail(1.0 - u)
        a, b = _ACKLAM_A, _ACKLAM_B
        q = u - 0.5
        r = q * q
        return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
                / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0))
    if z_max == _Z_LAPLACE:
        return math.log(2.0 * u) if u < 0.5 else -math.log(2.0 * (1.0 - u))
    if z_max == _Z_LOGISTIC:
        return math.log(u / (1.0 - u))
    return (2.0 * u - 1.0) * z_max  # not reached by the three families: a poor but valid guess


@njit(cache=True, nogil=True, inline="always")
def _quantized_guess(m, loc, scale, low, z_max, R, M):
    """A symbol index near the one whose interval holds slot m (only a starting point for
    :func:`_quantized_lookup`, which checks it)."""
    # cum_j = C(t_j) (M - R) / 2**38 + j: C at m, less the j term; the term moves the
    # guess by up to R / (M - R) in C, which a second guess corrects where that matters
    j = _guess_at(m, loc, scale, low, z_max, R, M)
    if R > (M >> 10):
        j = _guess_at(m - j, loc, scale, low, z_max, R, M)
    return j


@njit(cache=True, nogil=True, inline="always")
def _guess_at(c, loc, scale, low, z_max, R, M):
    """The symbol whose bin holds the quantile (c + 1/2) / (M - R), in [0, R - 1]."""
    u = min(max((c + 0.5) / (M - R), 1e-300), 1.0 - 1e-16)
    t = loc + _standard_quantile(z_max, u) * scale - low + 0.5  # symbol j: t in [j, j + 1)
    if not t > 0.0:  # also NaN
        return np.int64(0)
    if t >= R - 1:
        return R - 1
    return np.int64(t)


@njit(cache=True, nogil=True, inline="always")
def _quantized_lookup(i, m, A, B, T, P):
    """(j, f_j, cum_j) with cum_j <= m < cum_(j+1): from the guess, steps that double
    until they pass m, then bisection. cum_0 = 0 <= m < M = cum_R bound the search, so
    any guess gives the same, exact answer; a good one costs two cum evaluations."""
    loc, scale, low, z_max, R, M = _quantized_position(i, A, B, P)
    j = _quantized_guess(m, loc, scale, low, z_max, R, M)
    cj = _cum_at(j, loc, scale, low, z_max, R, M, T)
    step = 1
    if cj <= m:
        lo, clo = j, cj
        hi = min(lo + 1, R)
        chi = _cum_at(hi, loc, scale, low, z_max, R, M, T)
        while chi <= m:  # hi < R here, since cum_R = M > m
            lo, clo = hi, chi
            step <<= 1
            hi = min(lo + step, R)
            chi = _cum_at(hi, loc, scale, low, z_max, R, M, T)
    else:
        hi, chi = j, cj
        lo = max(hi - 1, 0)
        clo = _cum_at(lo, loc, scale, low, z_max, R, M, T)
        while clo > m:  # lo > 0 here, since cum_0 = 0 <= m
            hi, chi = lo, clo
            step <<= 1
            lo = max(hi - step, 0)
            clo = _cum_at(lo, loc, scale, low, z_max, R, M, T)
    while hi - lo > 1:  # invariant: cum_lo <= m < cum_hi
        mid = (lo + hi) >> 1
        cm = _cum_at(mid, loc, scale, low, z_max, R, M, T)
        if cm <= m:
            lo, clo = mid, cm
        else:
            hi, chi = mid, cm
    return lo, chi - clo, clo


# -- context rows -----------------------------------------------------------------------------

@njit(cache=True, nogil=True, inline="always")
def _context_row(i, symbols, T, P):
    """Row of T for the context of position i (the last row: an unseen context)."""
    k, order, dense, contexts = P[1], P[2], P[3], P[4]
    c = np.int64(0)
    for d in range(order, 0, -1):
        c = c * k + (np.int64(symbols[i - d]) if i - d >= 0 else 0)
    unseen = T.shape[0] - 1
    if dense:
        r = P[5 + c]
        return r if r >= 0 else unseen
    lo, hi = 0, contexts
    while lo < hi:
        mid = (lo + hi) >> 1
        if P[5 + mid] < c:
            lo = mid + 1
        else:
            hi = mid
    if lo < contexts and P[5 + lo] == c:
        return lo
    return unseen


# -- the two entry points ---------------------------------------------------------------------

@njit(cache=True, nogil=True, inline="always")
def interval(fam, i, s, symbols, A, B, T, P, sf, si):
    """(freq, cum) of symbol index s at position i; freq 0: not codable there."""
    if fam == QUANTIZED:
        loc, scale, low, z_max, R, M = _quantized_position(i, A, B, P)
        c = _cum_at(s, loc, scale, low, z_max, R, M, T)
        return _cum_at(s + 1, loc, scale, low, z_max, R, M, T) - c, c
    if fam == CONTEXT:
        r = _context_row(i, symbols, T, P)
        c = np.int64(T[r, s])
        return np.int64(T[r, s + 1]) - c, c
    return _row_interval(fam, A, i, s, np.int64(1) << P[0], sf)


@njit(cache=True, nogil=True, inline="always")
def lookup(fam, i, m, symbols, A, B, T, P, sf, si):
    """(s, freq, cum) of the symbol whose interval at position i holds slot m (< 2**P[0])."""
    if fam == QUANTIZED:
        return _quantized_lookup(i, m, A, B, T, P)
    if fam == CONTEXT:
        r = _context_row(i, symbols, T, P)
        lo, hi = 0, T.shape[1] - 1
        while hi - lo > 1:  # largest s with T[r, s] <= m; then T[r, s + 1] > m
            mid = (lo + hi) >> 1
            if T[r, mid] <= m:
                lo = mid
            else:
                hi = mid
        c = np.int64(T[r, lo])
        return lo, np.int64(T[r, lo + 1]) - c, c
    return _row_lookup(fam, A, i, m, np.int64(1) << P[0], sf)


@njit(cache=True, nogil=True)
def information_bits(fam, symbols, A, B, T, P, sf, si, out):
    """out[i] = -log2(freq_i / 2**scale_bits) of symbols[i] under the integer model (inf if 0)."""
    scale = P[0]
    for i in range(symbols.size):
        f, _ = interval(fam, i, np.int64(symbols[i]), symbols, A, B, T, P, sf, si)
        out[i] = scale - math.log2(f) if f > 0 else np.inf


@njit(cache=True, nogil=True)
def scan_rows(rows, logits):
    """One pass over the (n, k) rows for what makes them invalid: [i, j] of the first value
    that is not finite, [i, j] of the first negative one, the first row whose sum is not
    above 1e-200, the first whose sum is infinite (-1: none; the last three only when
    ``logits`` is False). Row sums are added left to right."""
    out = np.full(6, -1, dtype=np.int64)
    n, k = rows.shape
    for i in range(n):
        total = 0.0
        for j in range(k):
            v = np.float64(rows[i, j])
            if not np.isfinite(v):
                if out[0] < 0:
                    out[0] = i
                    out[1] = j
            elif v < 0 and out[2] < 0:
                out[2] = i
                out[3] = j
            total += v
        if out[0] >= 0:
            return out  # a value that is not finite is reported first: stop here
        if not logits:
            if not total > 1e-200 and out[4] < 0:
                out[4] = i
            if not np.isfinite(total) and out[5] < 0:
                out[5] = i
    return out

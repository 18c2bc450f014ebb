"""Suffix arrays for the Burrows-Wheeler transform: SA-IS in numba, or libdivsufsort.

``suffix_array(data)`` is the array SA of the starting positions of the suffixes of
``data`` in increasing lexicographic order, a suffix that is a prefix of another coming
first (as if ``data`` ended with a sentinel smaller than every byte). It is unique, so
every builder gives the same array; the BWT (:mod:`.transform`) is a function of it.

Two builders:

* :func:`sais` -- induced sorting (Nong, Zhang and Chan 2009), after the AtCoder
  Library's ``sa_is``: numba kernels for the linear passes, the recursion on the
  reduced string (at most half as long) in Python, so the kernels need no recursion;
* libdivsufsort (Yuta Mori), through ``pydivsufsort`` when it is installed (the
  ``bwt-fast`` extra), about twice as fast on text.

>>> import numpy as np
>>> text = np.frombuffer(b"banana", dtype=np.uint8)
>>> sais(text).tolist()
[5, 3, 1, 0, 4, 2]
>>> suffix_array(text, builder="sais").tolist() == sorted(range(6), key=lambda i: b"banana"[i:])
True
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["BUILDERS", "have_divsufsort", "sais", "suffix_array"]

BUILDERS = ("auto", "sais", "divsufsort")


@njit(cache=True, nogil=True)
def _classify(s, upper):
    """Suffix types (1 = S: smaller than the next suffix, 0 = L; the last is L, since the
    virtual sentinel after it is smaller) and the bucket starts: ``sum_s[c]`` is where the
    S-suffixes of symbol c start, ``sum_l[c]`` where the L-suffixes of c start."""
    n = s.shape[0]
    ls = np.zeros(n, dtype=np.uint8)
    for i in range(n - 2, -1, -1):
        if s[i] == s[i + 1]:
            ls[i] = ls[i + 1]
        elif s[i] < s[i + 1]:
            ls[i] = 1
    sum_l = np.zeros(upper + 2, dtype=np.int64)
    sum_s = np.zeros(upper + 2, dtype=np.int64)
    for i in range(n):
        if ls[i] == 0:
            sum_s[s[i]] += 1
        else:
            sum_l[s[i] + 1] += 1
    for c in range(upper + 1):
        sum_s[c] += sum_l[c]
        sum_l[c + 1] += sum_s[c]
    return ls, sum_l, sum_s


@njit(cache=True, nogil=True)
def _lms_positions(ls):
    """(lms_map, lms): the leftmost-S positions (an S-suffix after an L-suffix) in text
    order, and for each position its index among them (-1 for the others)."""
    n = ls.shape[0]
    lms_map = np.full(n + 1, -1, dtype=np.int32)
    m = 0
    for i in range(1, n):
        if ls[i - 1] == 0 and ls[i] == 1:
            lms_map[i] = m
            m += 1
    lms = np.empty(m, dtype=np.int32)
    m = 0
    for i in range(1, n):
        if ls[i - 1] == 0 and ls[i] == 1:
            lms[m] = i
            m += 1
    return lms_map, lms


@njit(cache=True, nogil=True)
def _induce(s, ls, sum_l, sum_s, lms, sa):
    """Induced sorting: put the LMS suffixes (in the order ``lms`` gives) at the ends of
    their buckets, then induce the L-suffixes left to right and the S-suffixes right to left."""
    n = s.shape[0]
    sa[:] = -1
    buf = sum_s.copy()
    for k in range(lms.shape[0]):
        d = lms[k]
        if d == n:
            continue
        sa[buf[s[d]]] = d
        buf[s[d]] += 1
    buf[:] = sum_l
    sa[buf[s[n - 1]]] = n - 1
    buf[s[n - 1]] += 1
    for i in range(n):
        v = sa[i]
        if v >= 1 and ls[v - 1] == 0:
            sa[buf[s[v - 1]]] = v - 1
            buf[s[v - 1]] += 1
    buf[:] = sum_l
    for i in range(n - 1, -1, -1):
        v = sa[i]
        if v >= 1 and ls[v - 1] == 1:
            buf[s[v - 1] + 1] -= 1
            sa[buf[s[v - 1] + 1]] = v - 1


@njit(cache=True, nogil=True)
def _reduce(s, sa, lms_map, lms):
    """The reduced string: each LMS substring named by its rank among the distinct ones
    (in sorted order), placed in text order. Returns (names, largest name)."""
    n = s.shape[0]
    m = lms.shape[0]
    sorted_lms = np.empty(m, dtype=np.int32)
    k = 0
    for i in range(n):
        v = sa[i]
        if lms_map[v] != -1:
            sorted_lms[k] = v
            k += 1
    rec = np.zeros(m, dtype=np.int32)
    upper = 0
    rec[lms_map[sorted_lms[0]]] = 0
    for i in range(1, m):
        left = sorted_lms[i - 1]
        right = sorted_lms[i]
        end_l = lms[lms_map[left] + 1] if lms_map[left] + 1 < m else n
        end_r = lms[lms_map[right] + 1] if lms_map[right] + 1 < m else n
        same = True
        if end_l - left != end_r - right:
            same = False
        else:
            while left < end_l:
                if s[left] != s[right]:
                    break
                left += 1
                right += 1
            if left == n or s[left] != s[right]:
                same = False
        if not same:
            upper += 1
        rec[lms_map[sorted_lms[i]]] = upper
    return rec, upper


@njit(cache=True, nogil=True)
def _gather(lms, rec_sa):
    out = np.empty(rec_sa.shape[0], dtype=np.int32)
    for i in range(rec_sa.shape[0]):
        out[i] = lms[rec_sa[i]]
    return out


def sais(s: np.ndarray, upper: int = 255) -> np.ndarray:
    """Suffix array (int32) of ``s`` (uint8, or int32 names in 0..upper) by induced sorting.

    >>> sais(np.frombuffer(b"mississippi", dtype=np.uint8)).tolist()
    [10, 7, 4, 1, 0, 9, 8, 6, 3, 5, 2]
    """
    n = s.shape[0]
    if n <= 2:
        if n < 2:
            return np.zeros(n, dtype=np.int32)
        return np.array([0, 1] if s[0] < s[1] else [1, 0], dtype=np.int32)
    ls, sum_l, sum_s = _classify(s, upper)
    lms_map, lms = _lms_positions(ls)
    sa = np.empty(n, dtype=np.int32)
    _induce(s, ls, sum_l, sum_s, lms, sa)
    if lms.shape[0]:
        rec, rec_upper = _reduce(s, sa, lms_map, lms)
        del lms_map
        rec_sa = sais(rec, int(rec_upper))  # at most n / 2 symbols: depth <= log2(n)
        _induce(s, ls, sum_l, sum_s, _gather(lms, rec_sa), sa)
    return sa


def have_divsufsort() -> bool:
    """Whether libdivsufsort (``pydivsufsort``, the ``bwt-fast`` extra) is installed."""
    try:
        import pydivsufsort  # noqa: F401
    except ImportError:
        return False
    return True


def suffix_array(data: np.ndarray, builder: str = "auto") -> np.ndarray:
    """Suffix array of the bytes ``data`` (int32 or int64 positions): libdivsufsort for
    ``builder="auto"`` when installed, else SA-IS. Every builder gives the same array.

    >>> suffix_array(np.frombuffer(b"abab", dtype=np.uint8), "sais").tolist()
    [2, 0, 3, 1]
    """
    if builder not in BUILDERS:
        raise ValueError(f"builder must be one of {BUILDERS}, not {builder!r}")
    if builder == "divsufsort" or (builder == "auto" and have_divsufsort()):
        from pydivsufsort import divsufsort

        data = np.ascontiguousarray(data, dtype=np.uint8)
        # it takes a ctypes pointer, which a read-only array cannot give
        return divsufsort(data if data.flags.writeable else data.copy())
    return sais(np.ascontiguousarray(data, dtype=np.uint8))

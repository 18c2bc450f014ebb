"""Optimal prefix-code lengths: Huffman (unbounded) and package-merge (length-limited).

Both take positive weights and return one length per weight. Ties are broken
by position (the earlier symbol gets the shorter code), so the result is deterministic.

* :func:`huffman_lengths`: Huffman's algorithm with two queues over the sorted
  weights (van Leeuwen 1976): O(k log k) for the sort, O(k) after it.
* :func:`package_merge_lengths`: the optimal code whose lengths are at most
  ``max_length`` (Larmore and Hirschberg 1990), O(k * max_length), in a numba kernel
  (:mod:`.codelengths_kernels`).

>>> huffman_lengths([5, 2, 2, 1]).tolist()
[1, 2, 3, 3]
>>> package_merge_lengths([1, 1, 2, 4, 8], 3).tolist()
[3, 3, 3, 3, 1]
"""

from __future__ import annotations

import numpy as np

from entropycodec.errors import InvalidInputError

__all__ = ["huffman_lengths", "package_merge_lengths", "optimal_lengths"]


def _check(weights) -> np.ndarray:
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim != 1 or np.isnan(w).any() or np.isinf(w).any() or (w <= 0).any():
        raise InvalidInputError("code lengths need a flat sequence of finite, positive weights")
    return w


def _tie_order(w: np.ndarray) -> np.ndarray:
    """Ascending weights; among equal weights the later symbol first, so that on a
    tie the earlier symbol of the alphabet ends with the shorter (or equal) code."""
    return np.lexsort((-np.arange(w.size), w))


def huffman_lengths(weights) -> np.ndarray:
    """Huffman code lengths (a single weight gets length 1, no weight gives [])."""
    w = _check(weights)
    k = w.size
    if k <= 1:
        return np.ones(k, dtype=np.int64)
    order = _tie_order(w)
    nw = w[order].tolist() + [0.0] * (k - 1)  # node weights: k leaves, then k-1 internal nodes
    par = [0] * (2 * k - 1)
    leaf, internal, nxt = 0, k, k
    for _ in range(k - 1):
        pair = []
        for _ in range(2):
            # take the lighter front; on a tie prefer the leaf (keeps lengths short)
            if leaf < k and (internal >= nxt or nw[leaf] <= nw[internal]):
                pair.append(leaf)
                leaf += 1
            else:
                pair.append(internal)
                internal += 1
        nw[nxt] = nw[pair[0]] + nw[pair[1]]
        par[pair[0]] = par[pair[1]] = nxt
        nxt += 1
    depth = [0] * (2 * k - 1)
    for node in range(2 * k - 3, -1, -1):  # root is 2k-2 at depth 0
        depth[node] = depth[par[node]] + 1
    lengths = np.empty(k, dtype=np.int64)
    lengths[order] = depth[:k]
    return lengths


_CHEAP_ENTRIES = 1 << 22  # package-merge levels below this need no tighter limit
MAX_PACKAGE_MERGE_ENTRIES = 1 << 27  # about 1.1 GiB of levels: beyond, a clear error


def package_merge_lengths(weights, max_length: int) -> np.ndarray:
    """Optimal code lengths under the limit ``max_length`` (package-merge).

    Raises InvalidInputError when 2**max_length < number of weights, or when the levels
    would need more than MAX_PACKAGE_MERGE_ENTRIES entries (limit x 2 x symbols: only
    a binding limit over about three million symbols), rather than allocate them.
    """
    w = _check(weights)
    k = w.size
    max_length = int(max_length)
    if max_length < 1:
        raise InvalidInputError(f"max_length must be at least 1, got {max_length}")
    if k > (1 << min(max_length, 62)):
        raise InvalidInputError(
            f"{k} symbols cannot get a prefix code with lengths <= {max_length} "
            f"(2**{max_length} = {1 << max_length} < {k})"
        )
    if k <= 1:
        return np.ones(k, dtype=np.int64)
    from entropycodec.coders.codelengths_kernels import package_merge

    # No optimal code has a word longer than k - 1 bits, nor than Huffman's longest: a
    # larger limit binds nothing and only makes the kernel's levels (limit x 2k entries
    # of 9 bytes) larger (the lengths are the same: checked on 20,000 weight sets).
    limit = min(max_length, k - 1)
    if limit * 2 * k > _CHEAP_ENTRIES:  # only then is Huffman's bound worth its O(k log k)
        limit = min(limit, int(huffman_lengths(w).max()))
        if limit * 2 * k > MAX_PACKAGE_MERGE_ENTRIES:
            raise InvalidInputError(
                f"a code for {k} symbols with lengths <= {limit} needs "
                f"{limit * 2 * k * 9 / 2**30:.1f} GiB of package-merge tables (at most "
                f"{MAX_PACKAGE_MERGE_ENTRIES * 9 >> 30} GiB): use a smaller max_length or "
                f"fewer symbols")
    order = _tie_order(w)
    lengths = package_merge(np.ascontiguousarray(w[order]), limit)
    out = np.empty(k, dtype=np.int64)
    out[order] = lengths
    return out


def optimal_lengths(weights, max_length: int | None = None) -> np.ndarray:
    """Huffman lengths, or package-merge lengths when they would exceed ``max_length``."""
    lengths = huffman_lengths(weights)
    if max_length is not None and lengths.size and lengths.max() > max_length:
        return package_merge_lengths(weights, max_length)
    if max_length is not None and lengths.size > (1 << min(int(max_length), 62)):
        raise InvalidInputError(f"{lengths.size} symbols do not fit in lengths <= {max_length}")
    return lengths

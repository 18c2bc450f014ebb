"""Adaptive order-0 model: counts that learn as coding goes.

:class:`AdaptiveModel` learns symbol frequencies as it goes, so nothing about
the data has to be sent ahead of it: encoder and decoder start from the same
counts (1 for every symbol) and apply the same :meth:`~AdaptiveModel.update`
after each symbol. An update adds ``increment`` to the symbol's count; when
the total exceeds ``limit``, all counts are halved (rounding up, so every
symbol stays codable). Halving bounds the total (the range coder needs
total <= 2**24) and makes the model forget old statistics, which helps on
data whose statistics drift. Cumulative counts come from a Fenwick tree, so
``interval`` and ``symbol_at`` cost O(log k).

The model has the per-call interface of
:class:`~entropycodec.models.protocol.IntervalModel` (``total``, ``interval``,
``symbol_at``), plus ``update``; it never touches bits. The one-pass coder
built on it is :mod:`entropycodec.coders.adaptive`.

>>> m = AdaptiveModel(4, increment=32, limit=1024)
>>> m.total, m.interval(2)
(4, (2, 3))
>>> m.update(2)
>>> m.total, m.interval(2), m.interval(3), m.symbol_at(20)
(36, (2, 35), (35, 36), 2)
"""

from __future__ import annotations

import operator

import numpy as np

from entropycodec.errors import InvalidInputError, ModelError
from entropycodec.models.protocol import MAX_TOTAL

__all__ = ["DEFAULT_INCREMENT", "DEFAULT_LIMIT", "AdaptiveModel", "adaptive_parameters"]

DEFAULT_INCREMENT = 32  # big next to the initial count 1: learns a skewed source fast
DEFAULT_LIMIT = 1 << 16  # halve past this: ~2000 byte symbols between halvings


def adaptive_parameters(alphabet_size, increment, limit) -> tuple[int, int, int]:
    """Validated (alphabet_size, increment, limit); limit None means the default."""
    try:
        k, inc = operator.index(alphabet_size), operator.index(increment)
        limit = None if limit is None else operator.index(limit)
    except TypeError:
        raise InvalidInputError("alphabet_size, increment and limit must be integers") from None
    if k < 1:
        raise InvalidInputError(f"alphabet_size must be >= 1, got {k}")
    if inc < 1:
        raise InvalidInputError(f"increment must be >= 1, got {inc}")
    if limit is None:
        # Leave room for 8 increments per symbol between halvings on big alphabets.
        limit = max(DEFAULT_LIMIT, 1 << (8 * (k + inc) - 1).bit_length())
        limit = min(limit, MAX_TOTAL - inc)
    # Halving must bring the total back under the limit: (limit + inc + k) / 2 <= limit.
    if limit < k + inc or limit + inc > MAX_TOTAL:
        raise InvalidInputError(
            f"limit must be in [alphabet_size + increment, 2**24 - increment] = "
            f"[{k + inc}, {MAX_TOTAL - inc}], got {limit}"
        )
    return k, inc, limit


class AdaptiveModel:
    """Order-0 counts that adapt: ``update(index)`` after coding each symbol.

    Works for bytes (``alphabet_size=256``) and any alphabet of indices.
    """

    __slots__ = ("_counts", "_top", "_total", "_tree", "alphabet_size", "increment", "limit")

    def __init__(self, alphabet_size: int, *, increment: int = DEFAULT_INCREMENT, limit=None):
        self.alphabet_size, self.increment, self.limit = adaptive_parameters(alphabet_size, increment, limit)
        k = self.alphabet_size
        self._counts = [1] * k
        self._tree = [0] * (k + 1)  # Fenwick tree, 1-based
        self._rebuild()
        top = 1
        while top * 2 <= k:
            top *= 2
        self._top = top  # highest power of two <= k, the search's first step

    def _rebuild(self) -> None:
        counts, tree, k = self._counts, self._tree, self.alphabet_size
        tree[0] = 0
        tree[1:] = counts
        for i in range(1, k + 1):
            j = i + (i & -i)
            if j <= k:
                tree[j] += tree[i]
        self._total = sum(counts)

    @property
    def total(self) -> int:
        return self._total

    @property
    def counts(self) -> np.ndarray:
        """The current counts (a copy)."""
        return np.array(self._counts, dtype=np.int64)

    def interval(self, index: int) -> tuple[int, int]:
        """[low, high) of ``index`` among the cumulative counts."""
        if not 0 <= index < self.alphabet_size:
            raise ModelError(f"index {index} is not in an alphabet of {self.alphabet_size}")
        low, i, tree = 0, index, self._tree
        while i > 0:
            low += tree[i]
            i &= i - 1
        return low, low + self._counts[index]

    def symbol_at(self, cum: int) -> int:
        """The index whose interval holds ``cum`` (0 <= cum < total)."""
        if not 0 <= cum < self._total:
            raise InvalidInputError(f"cumulative count {cum} outside [0, {self._total})")
        s, rem, step, k, tree = 0, cum, self._top, self.alphabet_size, self._tree
        while step:
            nxt = s + step
            if nxt <= k and tree[nxt] <= rem:
                s, rem = nxt, rem - tree[nxt]
            step >>= 1
        return s

    def update(self, index: int) -> None:
        """Count one more ``index``; halve every count when the total passes ``limit``."""
        if not 0 <= index < self.alphabet_size:
            raise ModelError(f"index {index} is not in an alphabet of {self.alphabet_size}")
        inc, k, tree = self.increment, self.alphabet_size, self._tree
        self._counts[index] += inc
        i = index + 1
        while i <= k:
            tree[i] += inc
            i += i & -i
        self._total += inc
        if self._total > self.limit:
            self._counts = [(c + 1) >> 1 for c in self._counts]
            self._rebuild()

    def __repr__(self) -> str:
        return (f"AdaptiveModel({self.alphabet_size}, increment={self.increment}, "
                f"limit={self.limit}, total={self._total})")

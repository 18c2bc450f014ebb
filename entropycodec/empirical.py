"""Empirical entropies of data: H0 and the conditional entropies H1, H2, H3, ...

``conditional_entropy(data, order)`` is the plug-in estimate of
H(X_t | X_{t-order} ... X_{t-1}) in bits per symbol, over the positions that have
a full context (the first ``order`` symbols are skipped). It is what an ideal
static order-k model would pay per symbol, header excluded, so H0 - Hk shows how
much a context model could gain.

>>> round(conditional_entropy(b"ABCAADABCA", 0), 3)
1.761
>>> conditional_entropy(b"abababab", 1)
0.0
"""

from __future__ import annotations

import numpy as np

from .alphabet import Alphabet, as_byte_array, is_byte_data
from .errors import InvalidInputError

__all__ = ["conditional_entropy"]


def conditional_entropy(data, order: int = 0) -> float:
    """Plug-in conditional entropy of ``data`` given the previous ``order`` symbols."""
    order = int(order)
    if order < 0:
        raise InvalidInputError("order must be >= 0")
    if is_byte_data(data):
        x = as_byte_array(data).astype(np.uint64)
        width = 8
    else:
        alphabet = Alphabet.from_symbols(data)
        x = alphabet.to_indices(data).astype(np.uint64)
        width = max(1, int(len(alphabet) - 1).bit_length())
    n = x.size - order
    if n <= 0:
        return 0.0
    if width * (order + 1) <= 64:
        # each (context, symbol) packed into one 64-bit key: fast
        ctx = np.zeros(n, dtype=np.uint64)
        for j in range(order):
            ctx = (ctx << np.uint64(width)) | x[j : j + n]
        keys = (ctx << np.uint64(width)) | x[order:]
        _, joint = np.unique(keys, return_counts=True)
        _, marg = np.unique(ctx, return_counts=True)
    else:
        # large alphabets: one row of order + 1 indices per position
        rows = np.stack([x[j : j + n] for j in range(order + 1)], axis=1)
        _, joint = np.unique(rows, axis=0, return_counts=True)
        _, marg = np.unique(rows[:, :order], axis=0, return_counts=True)
    # H(X | C) = H(C, X) - H(C) = (sum_c m_c log m_c - sum_cx j_cx log j_cx) / n
    h = ((marg * np.log2(marg)).sum() - (joint * np.log2(joint)).sum()) / n
    return max(float(h), 0.0)

"""Information measures of discrete distributions: entropy, cross-entropy, KL, JSD.

Every function takes distributions as a sequence or numpy array of weights
(raw counts are normalized for you) or as a mapping ``{symbol: weight}``; two
mappings are aligned by symbol, a symbol missing from one of them having weight
0 there. ``base`` is 2 (bits, the default), ``math.e`` (nats), 10 (hartleys) or
any finite base above 1 (a base below 1 would make every measure negative).

Zero-probability rules, as in the literature:

* a term with p_i = 0 contributes 0 (the limit of p log p);
* q_i = 0 where p_i > 0 makes cross-entropy and KL divergence ``math.inf``
  (the model cannot code that symbol at any finite cost), not an exception;
* negative, NaN or infinite weights, all-zero weights, and p and q of different
  lengths raise :class:`~entropycodec.errors.InvalidInputError` (a ValueError).

>>> round(entropy([0.5, 0.2, 0.2, 0.1]), 3)
1.761
>>> round(cross_entropy([0.8, 0.1, 0.1], [0.2, 0.2, 0.6], base=math.e), 3)
1.5
>>> kl_divergence({"a": 1}, {"b": 1})
inf

Empirical entropies of data: ``conditional_entropy(data, order)`` is the plug-in
estimate of H(X_t | X_{t-order} ... X_{t-1}) in bits per symbol, over the
positions that have a full context (the first ``order`` symbols are skipped). It
is what an ideal static order-k model would pay per symbol, header excluded, so
H0 - Hk shows how much a context model could gain.

>>> round(conditional_entropy(b"ABCAADABCA", 0), 3)
1.761
>>> conditional_entropy(b"abababab", 1)
0.0
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from entropycodec.alphabet import Alphabet, as_byte_array, is_byte_data
from entropycodec.errors import InvalidInputError

__all__ = [
    "entropy",
    "cross_entropy",
    "kl_divergence",
    "js_divergence",
    "information_content",
    "conditional_entropy",
    "quantization_loss",
    "code_length_bits",
    "as_distribution",
    "check_probabilities",
    "PROBABILITY_SUM_TOLERANCE",
]

#: How far from 1 the sum of a distribution given as probabilities may be (absolute).
PROBABILITY_SUM_TOLERANCE = 1e-6


def _num(x) -> str:
    """A number as a user writes it in a message: -0.5, 1.3, 7 (never np.float64(-0.5))."""
    return f"{float(x):.10g}"


def _log(x: np.ndarray, base: float) -> np.ndarray:
    return np.log(x) / math.log(base)


def _check_base(base: float) -> float:
    try:
        base = float(base)
    except (TypeError, ValueError):
        raise InvalidInputError(f"base must be a number above 1, got {base!r}") from None
    if not (base > 1.0 and math.isfinite(base)):
        raise InvalidInputError(f"base must be finite and above 1, got {base!r}")
    return base


def _weights(values, name: str) -> np.ndarray:
    try:
        w = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"{name} must be numbers: {exc}") from None
    if w.ndim != 1:
        raise InvalidInputError(f"{name} must be one-dimensional, got shape {w.shape}")
    if w.size == 0:
        raise InvalidInputError(f"{name} is empty")
    if np.isnan(w).any():
        raise InvalidInputError(f"{name} contains NaN")
    if np.isinf(w).any():
        raise InvalidInputError(f"{name} contains an infinite weight")
    if (w < 0).any():
        raise InvalidInputError(f"{name} contains a negative weight ({_num(w[w < 0][0])})")
    top = w.max()
    if top <= 0:
        raise InvalidInputError(f"{name} has only zero weights")
    w = w / top  # first to [0, 1], so that the sum of huge weights cannot overflow
    return w / w.sum()


def as_distribution(p, name: str = "p") -> np.ndarray:
    """Validate weights ``p`` and return them normalized to sum to 1.

    >>> as_distribution([2, 1, 1]).tolist()
    [0.5, 0.25, 0.25]
    """
    if isinstance(p, Mapping):
        return _weights(list(p.values()), name)
    return _weights(p, name)


def check_probabilities(values, name: str = "p", *, tolerance: float = PROBABILITY_SUM_TOLERANCE):
    """Validate a distribution given as probabilities, and return it as a float64 array.

    ``values``: a sequence, array or mapping ``{symbol: probability}`` (its values).
    Each must be a finite number in [0, 1] and their sum must be 1 within
    ``tolerance`` (absolute; default :data:`PROBABILITY_SUM_TOLERANCE` = 1e-6).
    Nothing is rescaled: weights that are counts, or probabilities summing to 1.3,
    raise :class:`~entropycodec.errors.InvalidInputError`, whose message shows the
    numbers as written (``-0.5``, not ``np.float64(-0.5)``).

    >>> check_probabilities([0.5, 0.25, 0.25]).tolist()
    [0.5, 0.25, 0.25]
    >>> check_probabilities({"A": 0.5, "B": 0.8}, "model")
    Traceback (most recent call last):
    ...
    entropycodec.errors.InvalidInputError: model: probabilities sum to 1.3, not 1 (tolerance 1e-06)
    """
    raw = list(values.values()) if isinstance(values, Mapping) else values
    try:
        w = np.asarray(raw, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidInputError(f"{name}: probabilities must be numbers") from None
    if w.ndim != 1 or w.size == 0:
        raise InvalidInputError(f"{name}: expected a non-empty, flat list of probabilities")
    bad = np.flatnonzero(~np.isfinite(w) | (w < 0) | (w > 1))
    if bad.size:
        raise InvalidInputError(
            f"{name}: a probability must be a number in [0, 1], got {_num(w[bad[0]])}")
    total = math.fsum(w.tolist())
    if abs(total - 1.0) > tolerance:
        raise InvalidInputError(
            f"{name}: probabilities sum to {_num(total)}, not 1 (tolerance {tolerance:g})")
    return w


def _pair(p, q) -> tuple[np.ndarray, np.ndarray]:
    """Normalize p and q and align them symbol by symbol."""
    p_map, q_map = isinstance(p, Mapping), isinstance(q, Mapping)
    if p_map != q_map:
        raise InvalidInputError("p and q must both be mappings or both be sequences")
    if p_map:
        keys = list(p.keys()) + [k for k in q.keys() if k not in p]
        p = [p.get(k, 0) for k in keys]
        q = [q.get(k, 0) for k in keys]
    pw, qw = _weights(p, "p"), _weights(q, "q")
    if pw.size != qw.size:
        raise InvalidInputError(f"p and q have different lengths ({pw.size} and {qw.size})")
    return pw, qw


def _support(pw: np.ndarray, qw: np.ndarray):
    """Mask of p_i > 0, or None when q_i = 0 on it (the cost is then infinite)."""
    mask = pw > 0
    return None if (qw[mask] == 0).any() else mask


def entropy(p, base: float = 2) -> float:
    """Shannon entropy H(p) = -sum_i p_i log p_i, with 0 log 0 = 0.

    >>> round(entropy([0.5, 0.5]), 12), round(entropy([1, 1], base=math.e), 3)
    (1.0, 0.693)
    >>> round(entropy([1] * 6), 3)
    2.585
    """
    base = _check_base(base)
    pw = as_distribution(p)
    nz = pw[pw > 0]
    return float(-(nz * _log(nz, base)).sum()) + 0.0


def cross_entropy(p, q, base: float = 2) -> float:
    """Cross-entropy H(p, q) = -sum_i p_i log q_i: the cost of coding p with model q.

    Terms with p_i = 0 contribute 0; q_i = 0 where p_i > 0 gives ``math.inf``.

    >>> round(cross_entropy([0.4, 0.3, 0.2, 0.1], [0.25] * 4), 12)
    2.0
    """
    base = _check_base(base)
    pw, qw = _pair(p, q)
    mask = _support(pw, qw)
    if mask is None:
        return math.inf
    return float(-(pw[mask] * _log(qw[mask], base)).sum()) + 0.0


def kl_divergence(p, q, base: float = 2) -> float:
    """Kullback-Leibler divergence KL(p || q) = sum_i p_i log(p_i / q_i) = H(p, q) - H(p).

    The extra cost per symbol of coding data distributed as p with a code built
    for q. Not symmetric. ``math.inf`` when q_i = 0 for some p_i > 0.

    >>> round(kl_divergence([0.8, 0.1, 0.1], [0.2, 0.2, 0.6], base=math.e), 3)
    0.861
    """
    base = _check_base(base)
    pw, qw = _pair(p, q)
    mask = _support(pw, qw)
    if mask is None:
        return math.inf
    return max(float((pw[mask] * _log(pw[mask] / qw[mask], base)).sum()), 0.0)


def js_divergence(p, q, base: float = 2) -> float:
    """Jensen-Shannon divergence: (KL(p||m) + KL(q||m)) / 2 with m = (p + q) / 2.

    Symmetric, always finite, and at most 1 bit (log 2 in any base).

    >>> js_divergence([1, 0], [0, 1])
    1.0
    """
    base = _check_base(base)
    pw, qw = _pair(p, q)
    m = (pw + qw) / 2
    return (kl_divergence(pw, m, base) + kl_divergence(qw, m, base)) / 2


def information_content(p_x, base: float = 2):
    """Self-information -log p_x of an outcome of probability ``p_x`` (scalar or array).

    ``p_x = 0`` gives ``math.inf``; a value outside [0, 1] raises InvalidInputError.

    >>> [round(information_content(x), 3) for x in (0.5, 0.2, 0.1)]
    [1.0, 2.322, 3.322]
    """
    base = _check_base(base)
    try:
        arr = np.asarray(p_x, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidInputError(f"probabilities must be numbers, got {p_x!r}") from None
    if np.isnan(arr).any() or (arr < 0).any() or (arr > 1).any():
        raise InvalidInputError(f"probabilities must lie in [0, 1], got {p_x!r}")
    with np.errstate(divide="ignore"):
        out = -_log(arr, base) + 0.0
    return float(out) if arr.ndim == 0 else out

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


def quantization_loss(counts, freqs) -> float:
    """KL(P || F / sum F) in bits per symbol, P the normalized counts.

    >>> quantization_loss([1, 1], [1, 1]), round(quantization_loss([3, 1], [1, 1]), 4)
    (0.0, 0.1887)
    """
    c = np.asarray(counts, dtype=np.float64)
    f = np.asarray(freqs, dtype=np.float64)
    mask = c > 0
    if not mask.any():
        return 0.0
    if (f[mask] <= 0).any():
        return math.inf
    p = c[mask] / c.sum()
    q = f[mask] / f.sum()
    return max(float((p * np.log2(p / q)).sum()), 0.0)


def code_length_bits(counts, probs) -> float:
    """The ideal code length, in bits, of data with symbol ``counts`` coded with the
    probabilities ``probs``: sum_x c_x * -log2 q_x over the symbols with c_x > 0;
    ``math.inf`` when q_x = 0 for one of them. Neither argument is normalized (n times
    the cross-entropy of the counts' distribution and q when q sums to 1).

    >>> code_length_bits([5, 2, 2, 1], [0.5, 0.25, 0.125, 0.125])  # 5*1 + 2*2 + 2*3 + 1*3
    18.0
    >>> code_length_bits([1, 1], [1.0, 0.0])
    inf
    """
    c = np.asarray(counts, dtype=np.float64)
    q = np.asarray(probs, dtype=np.float64)
    mask = c > 0
    if (q[mask] <= 0).any():
        return math.inf
    return float(-(c[mask] * np.log2(q[mask])).sum()) + 0.0

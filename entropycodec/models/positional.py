"""Models whose distribution changes from one position to the next, and the Categorical model.

A classifier predicts a row of probabilities for every sample; coding the labels
with those rows costs sum_i -log2 q_i(x_i) bits, which is exactly the
cross-entropy loss a deep-learning framework reports (in nats: divide by ln 2).
:class:`PositionalModel` is what every such model here shares: the coders ask it
for its kernel arguments (:mod:`entropycodec.models.positional_kernels` turns them
into integer frequencies, position by position), users ask it for
``information_content(symbols)`` and ``cross_entropy(symbols)``.

>>> import numpy as np
>>> q = Categorical(np.array([[0.3, 0.2, 0.5], [0.7, 0.2, 0.1], [0.95, 0.03, 0.02]]))
>>> q.information_content([0, 0, 0]).round(3).tolist()
[1.737, 0.515, 0.074]
>>> round(q.cross_entropy([0, 0, 0], base=math.e), 6)  # what a framework reports, in nats
0.537314
"""

from __future__ import annotations

import math

import numpy as np

from entropycodec.errors import InvalidInputError
from entropycodec.models.protocol import MAX_SCALE_BITS

__all__ = ["DEFAULT_POSITIONAL_SCALE_BITS", "Categorical", "PositionalModel", "is_positional"]

#: Frequencies of a per-position model sum to 2**20 unless told otherwise: the floor of one
#: slot per symbol then costs at most k / 2**20 of the mass (256 symbols: 0.0004 bits/symbol),
#: and the range coder's r = range >> 20 >= 2**20 keeps its truncation loss negligible.
DEFAULT_POSITIONAL_SCALE_BITS = 20


def is_positional(model) -> bool:
    """Whether the coders must ask ``model`` position by position (kernel_arguments)."""
    return bool(getattr(model, "positional", False))


def _check_scale_bits(scale_bits, k: int) -> int:
    if scale_bits is None:
        scale_bits = max(DEFAULT_POSITIONAL_SCALE_BITS, (2 * k - 1).bit_length())
    if isinstance(scale_bits, bool) or not isinstance(scale_bits, (int, np.integer)):
        raise InvalidInputError(f"scale_bits must be an int, got {scale_bits!r}")
    scale_bits = int(scale_bits)
    if not 1 <= scale_bits <= MAX_SCALE_BITS:
        raise InvalidInputError(f"scale_bits must be in 1..{MAX_SCALE_BITS}, got {scale_bits}")
    if (1 << scale_bits) < 2 * k:
        raise InvalidInputError(
            f"{k} symbols need scale_bits >= {(2 * k - 1).bit_length()} (each keeps a frequency "
            f">= 1 and the rest is shared by probability), got {scale_bits}")
    return scale_bits


def _log(x, base: float):
    if base == 2:
        return np.log2(x)
    if base == math.e:
        return np.log(x)
    return np.log(x) / math.log(base)


def _check_base(base) -> float:
    try:
        base = float(base)
    except (TypeError, ValueError):
        raise InvalidInputError(f"base must be a number > 1, got {base!r}") from None
    if not base > 1 or math.isinf(base):
        raise InvalidInputError(f"base must be a number > 1, got {base!r}")
    return base


class PositionalModel:
    """What the per-position models share (the protocol the coders read).

    Subclasses set ``scale_bits`` and ``alphabet_size`` and define
    :meth:`kernel_arguments`, :meth:`to_indices`, :meth:`from_indices` and
    :meth:`probabilities_of`. ``n_positions`` is the number of positions the model
    has parameters for (None: any number).
    """

    positional = True
    scale_bits: int
    alphabet_size: int
    n_positions: int | None = None
    header_bits = 0  # the user keeps the model: nothing travels with the payload

    def kernel_arguments(self, n: int):
        """(family, A, B, T, P) for :mod:`~entropycodec.models.positional_kernels`."""
        raise NotImplementedError

    def to_indices(self, symbols) -> np.ndarray:
        """The symbols as indices 0..alphabet_size - 1 (InvalidInputError naming the first
        position outside the model's support)."""
        raise NotImplementedError

    def from_indices(self, idx) -> np.ndarray:
        raise NotImplementedError

    def probabilities_of(self, idx) -> np.ndarray:
        """q_i(x_i) of the model before quantization, for indices ``idx``."""
        raise NotImplementedError

    def check_length(self, n: int) -> None:
        if self.n_positions is not None and n != self.n_positions:
            raise InvalidInputError(
                f"the model has {self.n_positions} positions and the data {n} symbols")

    def information_content(self, symbols, base: float = 2) -> np.ndarray:
        """-log q_i(x_i) for every position i (bits unless ``base`` says otherwise)."""
        base = _check_base(base)
        idx = self.to_indices(symbols)
        self.check_length(idx.size)
        with np.errstate(divide="ignore"):
            return -_log(self.probabilities_of(idx), base) + 0.0

    def cross_entropy(self, symbols, base: float = 2) -> float:
        """The mean of :meth:`information_content`: H(P, Q) of the sequence under this
        model. With ``base=math.e`` it is the cross-entropy loss (in nats) that a deep
        learning framework reports for these predictions and labels (PyTorch's
        ``F.cross_entropy(logits, labels)``, Keras' sparse categorical cross-entropy)."""
        ic = self.information_content(symbols, base)
        return float(ic.mean()) if ic.size else 0.0

    def coded_information(self, symbols) -> np.ndarray:
        """-log2 of what the coders code with: freq_i(x_i) / 2**scale_bits of the integer
        model, per position. Its sum minus that of :meth:`information_content` is the
        quantization the report shows."""
        from entropycodec.models import positional_kernels as pk

        idx = self.to_indices(symbols)
        self.check_length(idx.size)
        fam, A, B, T, P = self.kernel_arguments(idx.size)
        k = max(A.shape[1], T.shape[1])
        out = np.empty(idx.size, dtype=np.float64)
        pk.information_bits(fam, idx, A, B, T, P, np.empty((3, k + 8)), np.empty(k, np.int64), out)
        return out

    def _index_array(self, symbols, low: int = 0) -> np.ndarray:
        """``symbols`` as a flat integer array minus ``low``, checked against the support."""
        try:
            arr = np.asarray(symbols)
        except (TypeError, ValueError):
            raise InvalidInputError("symbols must be an array of integers") from None
        if arr.ndim != 1 and arr.size:
            if arr.ndim == 0:
                arr = arr.reshape(1)
            else:
                raise InvalidInputError(f"symbols must be one-dimensional, got shape {arr.shape}")
        if arr.size == 0:
            return np.zeros(0, dtype=np.int64)
        if arr.dtype.kind not in "iu":
            if arr.dtype.kind == "b" or arr.dtype.kind not in "f" or not np.all(np.isfinite(arr)) \
                    or not np.all(arr == np.round(arr)):
                raise InvalidInputError(f"symbols must be integers, got dtype {arr.dtype}")
        arr = arr.astype(np.int64)
        idx = arr - low
        bad = (idx < 0) | (idx >= self.alphabet_size)
        if bad.any():
            i = int(np.argmax(bad))
            raise InvalidInputError(
                f"symbol {int(arr[i])} at position {i} is outside the model's "
                f"{self._support_text()}")
        return idx

    def _support_text(self) -> str:
        return f"range 0..{self.alphabet_size - 1}"


class Categorical(PositionalModel):
    """A categorical distribution over k symbols: one row per position (n x k), or one
    row shared by every position (k,).

    ``probabilities``: float32 or float64 weights (normalized per row; non-negative,
    finite, not all zero). ``logits=True``: unnormalized log-probabilities, turned
    into probabilities by a stable softmax. The rows are quantized to integer
    frequencies summing to 2**scale_bits (default 20) with every symbol >= 1, by
    the rule of :mod:`entropycodec.models.positional_kernels` (deterministic: the
    decoder rebuilds the same frequencies from the same rows).

    >>> q = Categorical([0.5, 0.2, 0.2, 0.1])
    >>> q.positional, round(q.cross_entropy([0, 1, 2, 3, 0]), 4)
    (False, 1.9932)
    """

    def __init__(self, probabilities, *, logits: bool = False, scale_bits: int | None = None):
        try:
            rows = np.asarray(probabilities)
        except (TypeError, ValueError):
            raise InvalidInputError("probabilities must be a numeric array") from None
        if rows.dtype not in (np.float32, np.float64):
            if rows.dtype.kind not in "iuf" or rows.dtype == np.float16:
                raise InvalidInputError(
                    f"probabilities must be float32 or float64 numbers, got dtype {rows.dtype}")
            rows = rows.astype(np.float64)
        if rows.ndim not in (1, 2) or rows.shape[-1] == 0:
            raise InvalidInputError(
                f"probabilities must be a row (k,) or one row per position (n, k), "
                f"got shape {rows.shape}")
        self.logits = bool(logits)
        self.positional = rows.ndim == 2
        self.rows = np.ascontiguousarray(rows)
        self.alphabet_size = int(rows.shape[-1])
        self.n_positions = int(rows.shape[0]) if self.positional else None
        self.scale_bits = _check_scale_bits(scale_bits, self.alphabet_size)
        self._check_rows()
        self._static = None

    def _check_rows(self) -> None:
        from entropycodec.models.positional_kernels import scan_rows  # one pass, no temporaries

        bad_i, bad_j, neg_i, neg_j, small, infinite = scan_rows(
            self.rows.reshape(-1, self.alphabet_size), self.logits).tolist()
        if bad_i >= 0:
            raise InvalidInputError(self._where(bad_i, bad_j, "is not finite"))
        if self.logits:
            return
        if neg_i >= 0:
            raise InvalidInputError(self._where(neg_i, neg_j, "is negative"))
        if small >= 0:  # all zero (or too small to normalize)
            raise InvalidInputError(f"row {small} of the probabilities is all zero" if self.positional
                                    else "the probabilities are all zero")
        if infinite >= 0:
            raise InvalidInputError(f"row {infinite} of the probabilities sums to infinity")

    def _where(self, i: int, j: int, what: str) -> str:
        value = float(self.rows.reshape(-1, self.alphabet_size)[i, j])  # repr: nan, not np.float64(nan)
        name = "logit" if self.logits else "probability"
        at = f"row {i}, column {j}" if self.positional else f"index {j}"
        return f"{name} {value!r} at {at} {what}"

    # -- the float model --------------------------------------------------------------

    def probabilities(self) -> np.ndarray:
        """The rows as normalized float64 probabilities (softmax of logits)."""
        rows = self.rows.astype(np.float64)
        if self.logits:
            rows = np.exp(rows - rows.max(axis=-1, keepdims=True))
        return rows / rows.sum(axis=-1, keepdims=True)

    def probabilities_of(self, idx) -> np.ndarray:
        idx = np.asarray(idx, dtype=np.int64)
        rows = self.rows.reshape(-1, self.alphabet_size)
        pick = rows[np.arange(idx.size), idx] if self.positional else rows[0, idx]
        pick = pick.astype(np.float64)
        if self.logits:  # log-softmax, stably: l - max - log sum exp(l - max)
            top = rows.max(axis=1).astype(np.float64)
            lse = np.log(np.exp(rows - top[:, None]).sum(axis=1, dtype=np.float64))
            if not self.positional:
                return np.exp(pick - top[0] - lse[0])
            return np.exp(pick - top - lse)
        sums = rows.sum(axis=1, dtype=np.float64)
        return pick / (sums if self.positional else sums[0])

    def information_content(self, symbols, base: float = 2) -> np.ndarray:
        if not self.logits:
            return super().information_content(symbols, base)
        base = _check_base(base)
        idx = self.to_indices(symbols)
        self.check_length(idx.size)
        rows = self.rows.reshape(-1, self.alphabet_size).astype(np.float64)
        top = rows.max(axis=1)
        with np.errstate(over="ignore"):  # logits 1e308 apart: -inf, exp 0, an infinite cost
            lse = top + np.log(np.exp(rows - top[:, None]).sum(axis=1))
            pick = rows[np.arange(idx.size), idx] if self.positional else rows[0, idx]
            nats = (lse if self.positional else lse[0]) - pick
        return nats / math.log(base)

    # -- what the coders read ---------------------------------------------------------

    def to_indices(self, symbols) -> np.ndarray:
        return self._index_array(symbols)

    def from_indices(self, idx) -> np.ndarray:
        return np.asarray(idx, dtype=np.int64)

    def kernel_arguments(self, n: int):
        from entropycodec.models import positional_kernels as pk

        self.check_length(n)
        fam = pk.LOGITS if self.logits else pk.CATEGORICAL
        rows = self.rows if self.positional else self.rows.reshape(1, -1)
        empty_f = np.zeros((1, 1))
        empty_i = np.zeros((1, 1), dtype=np.int64)
        return fam, rows, empty_f, empty_i, np.array([self.scale_bits, self.alphabet_size], np.int64)

    def frequencies(self) -> np.ndarray:
        """One row's integer frequencies (the shared row; row i of (n, k): ``row=i``)."""
        return self.row_frequencies(0)

    def row_frequencies(self, i: int) -> np.ndarray:
        """The integer frequencies row ``i`` is coded with (they sum to 2**scale_bits)."""
        from entropycodec.models import positional_kernels as pk

        fam, A, B, T, P = self.kernel_arguments(self.n_positions or 0)
        k = self.alphabet_size
        out = np.empty(k, dtype=np.int64)
        pk._row_frequencies(fam, A, int(i), np.int64(1) << self.scale_bits, np.empty((3, k + 8)), out)
        return out

    # -- a shared row is a static model (the fast one-table kernels code it) ------------

    def _static_model(self):
        if self._static is None:
            from entropycodec.alphabet import Alphabet
            from entropycodec.models.static import StaticModel

            self._static = StaticModel(Alphabet(range(self.alphabet_size)), self.frequencies(),
                                       self.scale_bits)
        return self._static

    def frequency_tables(self, n: int):
        if self.positional:
            raise InvalidInputError("a Categorical with one row per position has no single table")
        return self._static_model().frequency_tables(n)

    def slot_table(self):
        return self._static_model().slot_table()

    def check_codable(self, indices) -> None:
        return None  # every symbol has a frequency >= 1

    def __repr__(self) -> str:
        shape = "x".join(map(str, self.rows.shape))
        return (f"Categorical({shape}{', logits' if self.logits else ''}, "
                f"scale_bits={self.scale_bits})")

"""The static model: one quantized table of integer frequencies for every position.

:class:`StaticModel` is a fixed model whose total is 2**scale_bits. It has both
protocols of :mod:`entropycodec.models.protocol`: the array coders ask it for
its tables (:meth:`~StaticModel.frequency_tables`, one (k,) table whatever n)
and the decoders' slot lookup; the one-symbol coders ask it Nayuki's three
questions: the ``total``, the cumulative ``interval(index) -> (low, high)`` of a
symbol, and the ``symbol_at(cum)`` whose interval contains a cumulative count.

>>> from entropycodec.models.counts import FrequencyTable
>>> m = FrequencyTable.from_counts({"A": 5, "B": 2, "C": 2, "D": 1}).quantize(4)
>>> m.total, m.interval(1), m.symbol_at(9)
(16, (8, 11), 1)
"""

from __future__ import annotations

import numpy as np

from entropycodec.alphabet import Alphabet
from entropycodec.errors import InvalidInputError, ModelError
from entropycodec.measures import quantization_loss

__all__ = ["StaticModel"]


class StaticModel:
    """Integer frequencies ``freqs`` over ``alphabet`` summing to ``2**scale_bits``."""

    __slots__ = ("alphabet", "freqs", "cumulative", "scale_bits", "source_counts", "_slot")

    def __init__(self, alphabet: Alphabet, freqs, scale_bits: int, *, source_counts=None):
        freqs = np.asarray(freqs, dtype=np.int64)
        if freqs.ndim != 1 or freqs.size != len(alphabet):
            raise InvalidInputError("need one frequency per alphabet symbol")
        if (freqs < 0).any():
            raise InvalidInputError("frequencies must be non-negative")
        total = int(freqs.sum())
        if total and total != 1 << scale_bits:
            raise InvalidInputError(f"frequencies sum to {total}, not 2**{scale_bits}")
        self.alphabet = alphabet
        self.freqs = freqs.astype(np.uint32)
        self.cumulative = np.concatenate(([0], np.cumsum(freqs))).astype(np.uint32)
        self.scale_bits = int(scale_bits)
        self.source_counts = source_counts
        self._slot = None

    @property
    def total(self) -> int:
        return 1 << self.scale_bits

    @property
    def alphabet_size(self) -> int:
        return int(self.freqs.size)

    def frequency_tables(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """(freqs, cumulative) as int64 arrays of shape (k,) and (k + 1,): one table for
        every one of the ``n`` positions."""
        return self.freqs.astype(np.int64), self.cumulative.astype(np.int64)

    @property
    def probabilities(self) -> np.ndarray:
        return self.freqs / float(self.total)

    @property
    def quantization_loss_bits_per_symbol(self) -> float:
        """KL(counts || freqs) in bits per symbol; 0 when built without source counts."""
        if self.source_counts is None:
            return 0.0
        return quantization_loss(self.source_counts, self.freqs)

    def interval(self, index: int) -> tuple[int, int]:
        lo, hi = int(self.cumulative[index]), int(self.cumulative[index + 1])
        if lo == hi:
            raise ModelError(f"symbol {self.alphabet.symbols[index]!r} has frequency 0 in the model")
        return lo, hi

    def symbol_at(self, cum: int) -> int:
        return int(np.searchsorted(self.cumulative, cum, side="right")) - 1

    def slot_table(self) -> np.ndarray:
        """Index of the symbol owning each of the 2**scale_bits slots (built once, cached)."""
        if self._slot is None:
            dtype = np.uint8 if self.freqs.size <= 256 else np.int32
            self._slot = np.repeat(np.arange(self.freqs.size, dtype=dtype), self.freqs)
        return self._slot

    def check_codable(self, indices: np.ndarray) -> None:
        """Raise ModelError naming the first symbol of ``indices`` that has frequency 0."""
        if indices.size == 0:
            return
        present = np.bincount(indices, minlength=self.freqs.size)
        bad = np.flatnonzero((present > 0) & (self.freqs == 0))
        if bad.size:
            sym = self.alphabet.symbols[bad[0]]
            raise ModelError(
                f"symbol {sym!r} occurs {int(present[bad[0]])} times in the data but has "
                "probability 0 in the model (use smoothing='escape' or an additive floor)"
            )

    def __repr__(self) -> str:
        return f"StaticModel(symbols={int((self.freqs > 0).sum())}, scale_bits={self.scale_bits})"

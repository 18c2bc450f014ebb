"""What a coder needs from a model: the two protocols every model here satisfies.

Coders see models only through these (STYLE.md, habit 2): models never touch
bits, coders never count symbols.

* :class:`FrequencyModel` -- what the array coders (the range coder and rANS,
  :func:`~entropycodec.coders.arithmetic.arithmetic_encode`,
  :func:`~entropycodec.coders.rans.rans_encode`) take *as an argument*: integer
  frequencies at a scale for the positions to code. A model with one table for
  every position (:class:`~entropycodec.models.static.StaticModel`) returns
  arrays of shape (k,) and (k + 1,); a model whose distribution changes from one
  position to the next (a row per position: a classifier's predictions, a
  quantized Gaussian per latent) returns (n, k) and (n, k + 1), row i for
  position i. The coder never asks which kind of model it has, only which
  shape the tables are.
* :class:`IntervalModel` -- Nayuki's per-call interface, which the one-symbol
  coders (:class:`~entropycodec.coders.arithmetic.ArithmeticEncoder` and its
  decoder) take with every symbol: ``total``, ``interval(index)`` and
  ``symbol_at(cum)``. Static and adaptive models have it, and so can any
  context model of yours.

Importing this module imports no numpy.

>>> from entropycodec.models import FrequencyTable
>>> m = FrequencyTable.from_counts({"A": 5, "B": 2, "C": 2, "D": 1}).quantize(4)
>>> isinstance(m, FrequencyModel), isinstance(m, IntervalModel)
(True, True)
>>> freqs, cumulative = m.frequency_tables(10)
>>> freqs.tolist(), cumulative.tolist()
([8, 3, 3, 2], [0, 8, 11, 14, 16])
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    import numpy as np

__all__ = ["MAX_SCALE_BITS", "MAX_TOTAL", "FrequencyModel", "IntervalModel"]

#: The coders' precision limit: frequencies sum to 2**scale_bits <= 2**24, which keeps the
#: range coder's r = range >> scale_bits >= 2**16 and rANS's M / L <= 2**-7.
MAX_SCALE_BITS = 24
#: The largest model total any coder accepts (an adaptive model's counts stay below it).
MAX_TOTAL = 1 << MAX_SCALE_BITS


@runtime_checkable
class FrequencyModel(Protocol):
    """Integer frequencies at a scale, for the positions a coder codes.

    Invariants the coders rely on (and check): every row of ``freqs`` is
    non-negative and sums to ``2**scale_bits``; ``cumulative`` is its running
    sum starting at 0; encoder and decoder get the same tables for the same n.
    """

    @property
    def scale_bits(self) -> int:
        """Every table sums to 2**scale_bits (1..MAX_SCALE_BITS)."""

    @property
    def alphabet_size(self) -> int:
        """k: the symbols are the indices 0..k-1."""

    def frequency_tables(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """(freqs, cumulative) as int64 arrays for coding ``n`` symbols: shapes (k,) and
        (k + 1,) when one table serves every position, (n, k) and (n, k + 1) otherwise."""

    def slot_table(self) -> np.ndarray:
        """One-table models: the index owning each of the 2**scale_bits slots (the
        decoders' lookup, built once)."""

    def check_codable(self, indices) -> None:
        """Raise ModelError naming the first of ``indices`` that has frequency 0."""


@runtime_checkable
class IntervalModel(Protocol):
    """Nayuki's interface: what a one-symbol-at-a-time coder asks before each symbol."""

    @property
    def total(self) -> int:
        """The sum of the frequencies now (1..MAX_TOTAL)."""

    def interval(self, index: int) -> tuple[int, int]:
        """[low, high) of ``index`` among the cumulative frequencies."""

    def symbol_at(self, cum: int) -> int:
        """The index whose interval holds ``cum`` (0 <= cum < total)."""

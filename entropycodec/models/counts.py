"""Symbol counts (:class:`FrequencyTable`) and their quantization to integer frequencies.

A coder that works with exact integer arithmetic needs the model as integer
frequencies summing to a power of two, M = 2**scale_bits. Rounding p_i * M
naively can zero a rare symbol (making it uncodable) or waste bits. Here the
frequencies maximize sum_i c_i log f_i (equivalently minimize the quantization
loss KL(P || F/M), in bits per symbol) subject to sum f_i = M and f_i >= 1 for
every observed symbol. The objective is separable and concave in each f_i, so a
solution from which no single "+1 here, -1 there" exchange improves it is
optimal; :func:`quantize_counts` starts from floor(c_i M / n) and performs such
exchanges with heaps until none helps.

>>> t = FrequencyTable.from_data("ABCAADABCA")
>>> dict(zip(t.symbols, t.counts.tolist()))
{'A': 5, 'B': 2, 'C': 2, 'D': 1}
>>> m = t.quantize(scale_bits=4)
>>> m.freqs.tolist(), m.total
([8, 3, 3, 2], 16)
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from entropycodec.alphabet import BYTE_ALPHABET, Alphabet, as_byte_array, is_byte_data
from entropycodec.errors import InvalidInputError
from entropycodec.measures import entropy, quantization_loss

__all__ = ["FrequencyTable", "quantize_counts", "quantization_loss"]

MAX_SCALE_BITS = 31


def quantize_counts(counts, scale_bits: int) -> np.ndarray:
    """Integer frequencies summing to ``2**scale_bits`` that minimize the KL loss.

    Every symbol with a positive count gets a frequency of at least 1; symbols
    with count 0 get 0. Raises InvalidInputError when there are more observed
    symbols than 2**scale_bits.

    >>> quantize_counts([1, 10**7], 8).tolist()
    [1, 255]
    >>> quantize_counts([0, 5, 2, 2, 1], 4).tolist()
    [0, 8, 3, 3, 2]
    """
    c = np.asarray(counts, dtype=np.float64)
    if c.ndim != 1 or np.isnan(c).any() or (c < 0).any() or np.isinf(c).any():
        raise InvalidInputError("counts must be a flat sequence of finite, non-negative numbers")
    if not (1 <= int(scale_bits) <= MAX_SCALE_BITS):
        raise InvalidInputError(f"scale_bits must be in 1..{MAX_SCALE_BITS}, got {scale_bits}")
    total_freq = 1 << int(scale_bits)
    f = np.zeros(c.size, dtype=np.int64)
    nz = np.flatnonzero(c > 0)
    if nz.size == 0:
        return f
    if nz.size > total_freq:
        raise InvalidInputError(
            f"{nz.size} distinct symbols do not fit in 2**{scale_bits} = {total_freq} frequency "
            f"slots; use scale_bits >= {math.ceil(math.log2(nz.size))}"
        )
    from entropycodec.models.quantize_kernels import refine  # numba: loaded on first use

    cz = c[nz]
    fz = np.maximum(1, np.floor(cz * (total_freq / cz.sum()))).astype(np.int64)
    refine(cz, fz, total_freq)  # the exact total, then the exchanges that lower the loss
    f[nz] = fz
    return f


def _is_byte_key(key) -> bool:
    return (isinstance(key, (int, np.integer)) and not isinstance(key, (bool, np.bool_))
            and 0 <= key <= 255)


class FrequencyTable:
    """Counts of symbols over an :class:`Alphabet`.

    Build it from data (:meth:`from_data`), from a mapping ``{symbol: count}`` or
    from a sequence of counts (:meth:`from_counts`). Bytes use the fixed
    256-value alphabet and numpy's ``bincount``.

    >>> t = FrequencyTable.from_data(b"abracadabra")
    >>> t.n, t.counts[ord("a")].item(), round(t.entropy_bits_per_symbol, 4)
    (11, 5, 2.0404)
    """

    __slots__ = ("alphabet", "counts")

    def __init__(self, alphabet: Alphabet, counts):
        counts = np.asarray(counts)
        if counts.dtype.kind not in "iuf":
            raise InvalidInputError("counts must be numbers")
        if counts.ndim != 1 or counts.size != len(alphabet):
            raise InvalidInputError(
                f"need one count per alphabet symbol ({len(alphabet)}), got shape {counts.shape}"
            )
        if np.isnan(counts.astype(np.float64)).any() or (counts < 0).any():
            raise InvalidInputError("counts must be non-negative numbers")
        if counts.dtype.kind in "iu":
            counts = counts.astype(np.int64)
        self.alphabet = alphabet
        self.counts = counts

    @classmethod
    def from_data(cls, data, alphabet: Alphabet | None = None) -> FrequencyTable:
        """Count the symbols of ``data`` (bytes-like, numpy array, str or any iterable)."""
        if alphabet is None and isinstance(data, (str, np.ndarray)) and not is_byte_data(data):
            # characters and integer arrays: distinct symbols and counts in one pass
            from entropycodec.alphabet import code_points, distinct_counts, integer_values

            values = code_points(data) if isinstance(data, str) else integer_values(data)
            if values is not None:
                distinct, counts = distinct_counts(values)
                symbols = distinct.tolist()
                return cls(Alphabet(map(chr, symbols) if isinstance(data, str) else symbols), counts)
        if alphabet is None:
            alphabet = Alphabet.from_symbols(data)
        if alphabet.is_bytes and is_byte_data(data):
            from entropycodec.models.histogram_kernels import byte_histogram

            return cls(alphabet, byte_histogram(as_byte_array(data)))
        idx = alphabet.to_indices(data)
        return cls(alphabet, np.bincount(idx, minlength=len(alphabet)))

    @classmethod
    def from_counts(cls, counts, alphabet: Alphabet | None = None) -> FrequencyTable:
        """From ``{symbol: count}`` or a sequence of counts.

        Without ``alphabet``: a mapping whose keys are all integers in 0..255
        (``{97: 5, 98: 2}``, as ``collections.Counter(some_bytes)`` gives) is over
        the byte alphabet, so that codes built from it code byte data on the byte
        fast path and decode to bytes; any other mapping is over its keys, in order.
        A sequence of 256 counts is over the byte alphabet, of k != 256 counts over
        the integers 0..k-1. Pass ``alphabet=Alphabet(keys)`` to choose otherwise.

        >>> FrequencyTable.from_counts({97: 5, 98: 2}).alphabet.is_bytes
        True
        >>> FrequencyTable.from_counts({"a": 5, "b": 2}).symbols
        ('a', 'b')
        """
        if isinstance(counts, Mapping):
            if alphabet is None:
                keys = list(counts.keys())
                if keys and all(_is_byte_key(k) for k in keys):
                    values = np.zeros(256, dtype=np.asarray(list(counts.values())).dtype)
                    values[[int(k) for k in keys]] = list(counts.values())
                    return cls(BYTE_ALPHABET, values)
                alphabet = Alphabet(keys)
            return cls(alphabet, np.array([counts.get(s, 0) for s in alphabet.symbols]))
        counts = np.asarray(counts)
        if alphabet is None:
            alphabet = BYTE_ALPHABET if counts.size == 256 else Alphabet(range(counts.size))
        return cls(alphabet, counts)

    @property
    def symbols(self) -> tuple:
        return self.alphabet.symbols

    @property
    def n(self):
        """Total count (the number of symbols counted)."""
        total = self.counts.sum()
        return int(total) if self.counts.dtype.kind in "iu" else float(total)

    @property
    def probabilities(self) -> np.ndarray:
        n = self.counts.sum()
        if n == 0:
            return np.zeros(self.counts.size)
        return self.counts / n

    @property
    def entropy_bits_per_symbol(self) -> float:
        """H0 of the counts, in bits per symbol (0 for an empty table)."""
        return entropy(self.counts) if self.counts.sum() else 0.0

    def as_dict(self) -> dict:
        """``{symbol: count}`` for the symbols with a non-zero count."""
        return {s: c for s, c in zip(self.symbols, self.counts.tolist()) if c}

    def quantize(self, scale_bits: int = 16):
        """The :class:`~entropycodec.models.static.StaticModel` with frequencies summing to 2**scale_bits."""
        from entropycodec.models.static import StaticModel

        return StaticModel(self.alphabet, quantize_counts(self.counts, scale_bits), scale_bits,
                           source_counts=self.counts)

    def __repr__(self) -> str:
        return f"FrequencyTable(n={self.n}, distinct={int((self.counts > 0).sum())})"

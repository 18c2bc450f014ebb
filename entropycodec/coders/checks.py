"""Input checks every coder shares: index arrays, counts, payload sizes, model tables.

Each raises the package's exceptions (:mod:`entropycodec.errors`) with a message
naming what is wrong, before any kernel runs or any output is allocated.

>>> as_index_array([0, 2, 1], 3).tolist()
[0, 2, 1]
>>> index_dtype(300)
<class 'numpy.int32'>
"""

from __future__ import annotations

import math
import operator

import numpy as np

from entropycodec.coders import range_kernels as rk
from entropycodec.errors import CorruptDataError, InvalidInputError, ModelError, TruncatedDataError
from entropycodec.models.protocol import MAX_SCALE_BITS

__all__ = [
    "as_index_array",
    "check_count",
    "check_payload_size",
    "index_dtype",
    "output_array",
    "raise_for_status",
    "static_model_arrays",
]


def as_index_array(indices, alphabet_size: int) -> np.ndarray:
    """``indices`` as a flat integer array with every value in [0, alphabet_size)."""
    arr = np.asarray(indices).reshape(-1)
    if arr.size == 0:
        return arr if arr.dtype.kind in "iu" else arr.astype(np.int64)
    if arr.dtype.kind not in "iu":
        raise InvalidInputError(f"indices must be integers, got dtype {arr.dtype}")
    if arr.dtype == np.uint8 and alphabet_size >= 256:
        return arr  # every byte value is in range
    if int(arr.min()) < 0 or int(arr.max()) >= alphabet_size:
        raise ModelError(f"indices must lie in 0..{alphabet_size - 1}")
    return arr.astype(np.int64) if arr.dtype == np.uint64 else arr


def index_dtype(alphabet_size: int):
    """dtype of decoded indices: uint8 up to 256 symbols, else int32 (int64 beyond 2**31)."""
    if alphabet_size <= 256:
        return np.uint8
    return np.int32 if alphabet_size <= 2**31 else np.int64


def output_array(out, n: int, dtype) -> np.ndarray:
    """Where a decoder writes its ``n`` indices: ``out`` when given (a writable,
    C-contiguous one-dimensional array of ``n`` elements of ``dtype``, which the decoder
    fills completely: the container decodes a block straight into its output buffer),
    else a new array.

    >>> buf = np.zeros(3, dtype=np.uint8)
    >>> output_array(buf, 3, np.uint8) is buf, output_array(None, 2, np.uint8).shape
    (True, (2,))
    """
    if out is None:
        return np.empty(n, dtype=dtype)
    if (not isinstance(out, np.ndarray) or out.dtype != np.dtype(dtype) or out.shape != (n,)
            or not out.flags.c_contiguous or not out.flags.writeable):
        raise InvalidInputError(
            f"out must be a writable contiguous {np.dtype(dtype).name} array of {n} elements")
    return out


def check_count(n) -> int:
    """``n`` as a non-negative Python int (the number of symbols to decode)."""
    try:
        n = operator.index(n)
    except TypeError:
        raise InvalidInputError(f"n must be an integer, got {type(n).__name__}") from None
    if n < 0:
        raise InvalidInputError(f"n must be >= 0, got {n}")
    return n


def check_payload_size(payload_bytes: int, n: int, freqs, total: int, overhead_bytes: int) -> None:
    """Refuse an ``n`` that the payload is far too short to hold (before allocating n).

    Every symbol costs at least -log2(max_freq / total) bits, so a valid
    payload has at least n times that many bits, minus the coder's fixed
    overhead. Catches a corrupt symbol count before a huge allocation.
    """
    if n == 0:
        return
    top = int(np.max(freqs)) if len(freqs) else 0
    if top <= 0:
        raise ModelError("the model has no symbol with a non-zero frequency")
    if top >= total:
        return  # a certain symbol costs nothing; no bound
    min_bits = n * -math.log2(top / total) * 0.999 - 8 * overhead_bytes - 64
    if 8 * payload_bytes < min_bits:
        raise TruncatedDataError(
            f"{payload_bytes} bytes cannot hold {n} symbols of this model (need ~{min_bits / 8:.0f})"
        )


def static_model_arrays(model, max_scale_bits: int = MAX_SCALE_BITS, n: int = 0):
    """(freqs int64 (k,), cumulative int64 (k + 1,), scale_bits) of a one-table
    :class:`~entropycodec.models.protocol.FrequencyModel`, validated."""
    scale_bits = operator.index(model.scale_bits)
    if not 1 <= scale_bits <= max_scale_bits:
        raise InvalidInputError(f"scale_bits must be in 1..{max_scale_bits}, got {scale_bits}")
    freqs, cumulative = model.frequency_tables(n)
    freqs = np.asarray(freqs, dtype=np.int64)
    cumulative = np.asarray(cumulative, dtype=np.int64)
    if freqs.ndim == 2:
        raise InvalidInputError("this coder's kernels code with one table for every position; "
                                "the model gives one row per position")
    if freqs.ndim != 1 or cumulative.shape != (freqs.size + 1,) or (freqs < 0).any():
        raise InvalidInputError("model needs freqs (k,) and cumulative (k + 1,) arrays")
    total = int(cumulative[-1]) if cumulative.size else 0
    if total not in (0, 1 << scale_bits) or not np.array_equal(np.diff(cumulative), freqs):
        raise InvalidInputError(f"model frequencies do not sum to 2**{scale_bits}")
    return freqs, cumulative, scale_bits


def raise_for_status(status: int, what: str) -> None:
    """Turn a decoder kernel's status code into the package's exception."""
    if status == rk.TRUNCATED:
        raise TruncatedDataError(f"{what}: the payload ends before the stream does")
    if status != rk.OK:
        raise CorruptDataError(f"{what}: the payload is not a valid stream for this model")

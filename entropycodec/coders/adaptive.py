"""The one-pass adaptive range coder: an adaptive order-0 model and the range coder in one kernel.

:func:`adaptive_encode` / :func:`adaptive_decode` run the model of
:class:`~entropycodec.models.adaptive.AdaptiveModel` and the range coder in
one numba kernel (:mod:`.adaptive_kernels`); their bytes are those of
:class:`~entropycodec.coders.arithmetic.ArithmeticEncoder` with an AdaptiveModel.
Nothing about the model is sent: the decoder learns it back symbol by symbol.

>>> import numpy as np
>>> payload = adaptive_encode(np.array([2, 2, 2, 3, 2]), 4)
>>> adaptive_decode(payload, 5, 4).tolist()
[2, 2, 2, 3, 2]
"""

from __future__ import annotations

import numpy as np

from entropycodec.coders import adaptive_kernels as ak
from entropycodec.coders.checks import (
    as_index_array,
    check_count,
    check_payload_size,
    index_dtype,
    output_array,
    raise_for_status,
)
from entropycodec.coders.range_kernels import WINDOW_BYTES
from entropycodec.errors import CorruptDataError
from entropycodec.models.adaptive import DEFAULT_INCREMENT, adaptive_parameters

__all__ = ["adaptive_decode", "adaptive_encode"]


def _bytes_per_symbol(increment: int, limit: int) -> int:
    """Most byte shifts one symbol can cause: rng >= 2**40 / total, total <= limit + inc."""
    return ((limit + increment).bit_length() + 7) // 8


def adaptive_encode(indices, alphabet_size: int, *, increment: int = DEFAULT_INCREMENT,
                    limit=None) -> bytes:
    """Range-code ``indices`` in one pass with an adaptive order-0 model."""
    k, inc, limit = adaptive_parameters(alphabet_size, increment, limit)
    idx = as_index_array(indices, k)
    if idx.size == 0:
        return b""
    out = np.empty(idx.size * _bytes_per_symbol(inc, limit) + 8, dtype=np.uint8)
    size = ak.encode_adaptive(idx, k, inc, limit, out)
    return out[1:size].tobytes()


def adaptive_decode(payload, n: int, alphabet_size: int, *, increment: int = DEFAULT_INCREMENT,
                    limit=None, out=None) -> np.ndarray:
    """Decode ``n`` indices from an :func:`adaptive_encode` payload (same parameters), into
    ``out`` when given (see :func:`~entropycodec.coders.checks.output_array`)."""
    k, inc, limit = adaptive_parameters(alphabet_size, increment, limit)
    n = check_count(n)
    data = np.frombuffer(bytes(payload), dtype=np.uint8)
    # The likeliest symbol has probability at most 1 - (k - 1) / (limit + inc).
    check_payload_size(data.size, n, [limit + inc - (k - 1)], limit + inc, WINDOW_BYTES)
    out = output_array(out, n, index_dtype(k))
    if n == 0:
        if data.size:
            raise CorruptDataError("range decoder: bytes after the end of the stream")
        return out
    status = ak.decode_adaptive(data, n, k, inc, limit, out)
    raise_for_status(status, "adaptive range decoder")
    return out

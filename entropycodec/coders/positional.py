"""rANS and the range coder with a per-position model (a row per position, a context).

:func:`~entropycodec.coders.rans.rans_encode` and
:func:`~entropycodec.coders.arithmetic.arithmetic_encode` (and their decoders) come
here when their model is a :class:`~entropycodec.models.positional.PositionalModel`
(``model.positional`` is true). The streams are those of the static coders:
rANS writes its four lane states and then 32-bit words, the range coder one
lane; the kernels are in :mod:`.positional_kernels`.

>>> import numpy as np
>>> from entropycodec.models.positional import Categorical
>>> q = Categorical(np.array([[0.9, 0.1], [0.2, 0.8], [0.5, 0.5]]))
>>> payload = positional_encode("arithmetic", [0, 1, 1], q)
>>> payload.hex(), positional_decode("arithmetic", payload, 3, q).tolist()
('8b', [0, 1, 1])
"""

from __future__ import annotations

import numpy as np

from entropycodec.coders import positional_kernels as pkern
from entropycodec.coders.checks import check_count, index_dtype, output_array, raise_for_status
from entropycodec.errors import CorruptDataError, ModelError, TruncatedDataError

__all__ = ["positional_decode", "positional_encode"]

RANS_HEADER_BYTES = 32  # four 64-bit lane states


def _indices(indices, model) -> np.ndarray:
    idx = np.asarray(indices)
    if idx.ndim != 1:
        idx = idx.reshape(-1)
    if idx.size and (idx.dtype.kind not in "iu" or int(idx.min()) < 0
                     or int(idx.max()) >= model.alphabet_size):
        idx = model._index_array(idx)  # names the first bad position
    return np.ascontiguousarray(idx)


def positional_encode(coder: str, indices, model) -> bytes:
    """Code ``indices`` (0..k-1, one per position of ``model``) with ``coder`` ("rans" or
    "arithmetic")."""
    idx = _indices(indices, model)
    model.check_length(idx.size)
    if idx.size == 0:
        return b""
    fam, A, B, T, P = model.kernel_arguments(idx.size)
    if coder == "rans":
        out = np.empty(idx.size + 8, dtype=np.uint32)  # <= 1 word per symbol + 4 states
        start = pkern.kernels(fam)[0](idx, A, B, T, P, out)
        if start < 0:
            raise ModelError(f"symbol index {int(idx[-1 - start])} at position {-1 - start} "
                             "has probability 0 in the model")
        return out[start:].astype("<u4", copy=False).tobytes()
    scale = int(P[0])
    out = np.empty(idx.size * ((scale + 7) // 8) + 8, dtype=np.uint8)
    size = pkern.kernels(fam)[2](idx, A, B, T, P, out)
    if size < 0:
        raise ModelError(f"symbol index {int(idx[-1 - size])} at position {-1 - size} "
                         "has probability 0 in the model")
    return out[1:size].tobytes()


def positional_decode(coder: str, payload, n: int, model, *, out=None) -> np.ndarray:
    """Decode ``n`` indices coded by :func:`positional_encode` with the same model."""
    n = check_count(n)
    model.check_length(n)
    data = bytes(payload)
    out = output_array(out, n, index_dtype(model.alphabet_size))
    if n == 0:
        if data:
            raise CorruptDataError(f"{coder}: payload for 0 symbols must be empty")
        return out
    fam, A, B, T, P = model.kernel_arguments(n)
    if coder == "rans":
        if len(data) < RANS_HEADER_BYTES:
            raise TruncatedDataError(f"rANS: payload of {len(data)} bytes has no room for states")
        if len(data) % 4:
            raise CorruptDataError("rANS: payload length is not 32 + a multiple of 4 bytes")
        nwords = len(data) // 4
        words = np.frombuffer(data, dtype="<u4").astype(np.uint32)
        status = pkern.kernels(fam)[1](words, nwords, n, A, B, T, P, out)
        raise_for_status(status, "rANS decoder")
        return out
    status = pkern.kernels(fam)[3](np.frombuffer(data, dtype=np.uint8), n, A, B, T, P, out)
    raise_for_status(status, "range decoder")
    return out

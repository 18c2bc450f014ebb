"""rANS and the range coder with a per-position model (a row per position, a context).

:func:`~entropycodec.coders.rans.rans_encode` and
:func:`~entropycodec.coders.arithmetic.arithmetic_encode` (and their decoders) come
here when their model is a :class:`~entropycodec.models.positional.PositionalModel`
(``model.positional`` is true). The streams are those of the static coders:
rANS writes its lane states and then 32-bit words (:mod:`.rans_streams`), the
range coder one lane; the kernels are in :mod:`.positional_kernels`.

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
from entropycodec.coders.rans_streams import LAYOUT, encode_lanes, read_states, start_state
from entropycodec.errors import CorruptDataError, ModelError

__all__ = ["positional_decode", "positional_encode"]


def _indices(indices, model) -> np.ndarray:
    idx = np.asarray(indices)
    if idx.ndim != 1:
        idx = idx.reshape(-1)
    if idx.size and (idx.dtype.kind not in "iu" or int(idx.min()) < 0
                     or int(idx.max()) >= model.alphabet_size):
        idx = model._index_array(idx)  # names the first bad position
    return np.ascontiguousarray(idx)


def positional_encode(coder: str, indices, model, *, layout: int = LAYOUT) -> bytes:
    """Code ``indices`` (0..k-1, one per position of ``model``) with ``coder`` ("rans" or
    "arithmetic"; ``layout``: rANS's, :mod:`.rans_streams`)."""
    idx = _indices(indices, model)
    model.check_length(idx.size)
    if idx.size == 0:
        return b""
    fam, A, B, T, P = model.kernel_arguments(idx.size)
    if coder == "rans":
        kernel = pkern.kernels(fam)[0]
        payload = encode_lanes(lambda out, xs: kernel(idx, A, B, T, P, out, xs), idx.size, layout,
                               int(P[0]))
        if not isinstance(payload, bytes):
            raise ModelError(f"symbol index {int(idx[-1 - payload])} at position {-1 - payload} "
                             "has probability 0 in the model")
        return payload
    scale = int(P[0])
    out = np.empty(idx.size * ((scale + 7) // 8) + 8, dtype=np.uint8)
    size = pkern.kernels(fam)[2](idx, A, B, T, P, out)
    if size < 0:
        raise ModelError(f"symbol index {int(idx[-1 - size])} at position {-1 - size} "
                         "has probability 0 in the model")
    return out[1:size].tobytes()


def positional_decode(coder: str, payload, n: int, model, *, out=None,
                      layout: int = LAYOUT) -> np.ndarray:
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
        states, words, nwords = read_states(data, n, layout, int(P[0]))
        status = pkern.kernels(fam)[1](words, nwords, n, A, B, T, P, out, states,
                                       start_state(layout, int(P[0])))
        raise_for_status(status, "rANS decoder")
        return out
    status = pkern.kernels(fam)[3](np.frombuffer(data, dtype=np.uint8), n, A, B, T, P, out)
    raise_for_status(status, "range decoder")
    return out

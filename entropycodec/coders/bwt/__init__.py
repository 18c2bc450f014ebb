"""Burrows-Wheeler block coder (``bwt``): the transform, move-to-front, and a binary context model.

A block is sorted by the Burrows-Wheeler transform (BWT), which groups its bytes by the
context that follows them, so that a byte usually equals one of the few bytes just before
it in the transformed block. Move-to-front turns that into small ranks, mostly zeros in
runs; an adaptive binary model of the runs and ranks, contexted by the tokens before, codes
them with a binary range coder. The suffix array behind the transform comes from
libdivsufsort (``pydivsufsort``, the ``bwt-fast`` extra) when installed, else from an
SA-IS in numba: the output is the same. docs/format.md ("The bwt coder") gives the
payload byte by byte.

Importing this package does not import numba; the kernels compile (or load from numba's
cache) on the first call of :func:`bwt_encode` or :func:`bwt_decode`.

>>> import numpy as np
>>> from entropycodec.coders.bwt import bwt_encode, bwt_decode, DEFAULT_LEVEL
>>> data = np.frombuffer(b"abracadabra abracadabra abracadabra", dtype=np.uint8)
>>> payload = bwt_encode(data)
>>> len(payload) < len(data)
True
>>> bytes(bwt_decode(payload, len(data), DEFAULT_LEVEL)) == data.tobytes()
True
"""

from __future__ import annotations

from entropycodec.coders.bwt.codec import (
    DEFAULT_LEVEL,
    LEVELS,
    bwt_decode,
    bwt_encode,
    max_decoded_size,
    memory_bytes,
)

__all__ = ["bwt_encode", "bwt_decode", "LEVELS", "DEFAULT_LEVEL", "memory_bytes", "max_decoded_size"]

"""Context-mixing compressor (``cm``) in the lineage of lpaq1, as numba kernels.

Each byte is coded as 8 binary decisions, most significant bit first. For each
bit, models of several contexts predict P(bit = 1): direct adaptive tables for
orders 0 and 1, bit-history states in a hashed table for orders 2 to 6 and the
current word, and a match model that follows the longest earlier occurrence of
the recent bytes. A logistic mixer (weights learned online, a weight set per
partial byte and match length) combines them, two APM/SSE stages refine the
result, and a 32-bit binary arithmetic coder codes the bit. All arithmetic is
integer, so the decoder rebuilds the encoder's model exactly on every machine.
docs/cm.md describes the model, the levels and the payload.

Importing this package does not import numba; the kernels compile (or load
from numba's cache) on the first call of :func:`cm_encode` or :func:`cm_decode`.

>>> import numpy as np
>>> from entropycodec.coders.cm import cm_encode, cm_decode, DEFAULT_LEVEL
>>> data = np.frombuffer(b"abracadabra abracadabra abracadabra", dtype=np.uint8)
>>> payload = cm_encode(data)
>>> len(payload) < len(data)
True
>>> bytes(cm_decode(payload, len(data), DEFAULT_LEVEL)) == data.tobytes()
True
"""

from __future__ import annotations

from entropycodec.coders.cm.codec import (
    DEFAULT_LEVEL,
    LEVELS,
    cm_decode,
    cm_encode,
    max_decoded_size,
    memory_bytes,
)

__all__ = ["cm_encode", "cm_decode", "LEVELS", "DEFAULT_LEVEL", "memory_bytes", "max_decoded_size"]

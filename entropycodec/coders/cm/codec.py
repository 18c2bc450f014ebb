"""One-shot context-mixing encode and decode: argument checks around the numba kernel.

The payload is only the arithmetic-coded bits; the container stores ``n`` and
``level`` beside it. Everything a corrupt container could make us do is checked
here, in Python, before the kernel runs:

* ``n`` must be an int >= 0 and ``level`` one of :data:`LEVELS`
  (:class:`~entropycodec.errors.InvalidInputError` otherwise);
* ``n`` must be reachable from a payload of that length. Every coded bit
  narrows the coder's interval by at least the factor 4096/4097 (probabilities
  are clamped to [1/4096, 4095/4096]), which costs at least 1/2840 bit, so a
  payload of L bytes can hold at most ``(8 L + 32) * 355`` bytes (see
  docs/cm.md). A larger ``n`` raises
  :class:`~entropycodec.errors.LimitExceededError` (a ``CorruptDataError``)
  instead of allocating an output the payload cannot fill;
* the decoder reads past the payload's end only as zero bytes and counts them:
  every payload the encoder makes is read to exactly ``len(payload) + 3``
  bytes, so more means truncation (:class:`~entropycodec.errors.TruncatedDataError`;
  the kernel stops as soon as it gets there, so a corrupt payload costs time
  in proportion to its length, not to a claimed ``n``) and fewer means
  trailing garbage (:class:`~entropycodec.errors.CorruptDataError`).

>>> import numpy as np
>>> data = np.frombuffer(b"to be or not to be, that is the question", dtype=np.uint8)
>>> payload = cm_encode(data, level=1)
>>> bytes(cm_decode(payload, len(data), level=1))
b'to be or not to be, that is the question'
>>> cm_decode(payload + b"\\0\\0", len(data), level=1)
Traceback (most recent call last):
...
entropycodec.errors.CorruptDataError: cm payload has 2 bytes after the end of the coded data
>>> cm_decode(b"", len(data), level=1)
Traceback (most recent call last):
...
entropycodec.errors.TruncatedDataError: cm payload is empty but 40 bytes are expected
"""

from __future__ import annotations

import numpy as np

from entropycodec.coders.cm.levels import DEFAULT_LEVEL, LEVELS, allocate_tables, memory_bytes
from entropycodec.errors import CorruptDataError, InvalidInputError, LimitExceededError, TruncatedDataError

# The decoder reads this many bytes past what the encoder wrote (kernel.DECODER_LOOKAHEAD; kept
# here too so that importing this module does not import numba).
_DECODER_LOOKAHEAD = 3

__all__ = ["cm_encode", "cm_decode", "LEVELS", "DEFAULT_LEVEL", "memory_bytes", "max_decoded_size"]

# Bytes of output one payload byte can stand for, at most: a coded bit costs at least
# -log2(4096/4097) = 3.52e-4 bit, so one byte costs at least 2.82e-3 bit and one payload bit
# carries at most 355 bytes (see docs/cm.md, "Bounds").
_BYTES_PER_PAYLOAD_BIT = 355


def _check_level(level) -> int:
    if isinstance(level, bool) or not isinstance(level, (int, np.integer)) or level not in LEVELS:
        raise InvalidInputError(
            f"cm level must be an int in {LEVELS.start}..{LEVELS.stop - 1}, not {level!r}"
        )
    return int(level)


def max_decoded_size(payload_bytes: int) -> int:
    """Largest n a payload of ``payload_bytes`` bytes can encode (0 for an empty payload).

    >>> max_decoded_size(0), max_decoded_size(1)
    (0, 14200)
    """
    if payload_bytes <= 0:
        return 0
    return (8 * payload_bytes + 32) * _BYTES_PER_PAYLOAD_BIT


def cm_encode(data, level: int = DEFAULT_LEVEL) -> bytes:
    """Compress a 1-d uint8 array (or bytes-like) with the context-mixing model at ``level``.

    Returns the arithmetic-coded payload only; decoding needs ``n = len(data)`` and the level.

    >>> import numpy as np
    >>> cm_encode(np.zeros(0, dtype=np.uint8))
    b''
    >>> len(cm_encode(np.zeros(10000, dtype=np.uint8), level=1)) < 40
    True
    """
    level = _check_level(level)
    if isinstance(data, (bytes, bytearray, memoryview)):
        data = np.frombuffer(data, dtype=np.uint8)
    data = np.asarray(data)
    if data.ndim != 1 or data.dtype != np.uint8:
        raise InvalidInputError(f"cm_encode needs a 1-d uint8 array, not {data.dtype}{data.shape}")
    n = data.shape[0]
    if n == 0:
        return b""
    from entropycodec.coders.cm.kernels import run_model

    # The kernel reads the input as the match model's history; it needs a writable contiguous
    # array only because the decoder's history (the output) is written, and one compiled
    # signature serves both.
    buf = np.array(data, dtype=np.uint8, copy=True, order="C")
    # Typical output is far below n; incompressible input grows by well under 1%. The rare
    # input that needs more is retried with the proven bound: each bit costs at most 12 bits
    # plus the interval's rounding, so 13 n + 64 bytes always suffice.
    for capacity in (n + (n >> 4) + 64, 13 * n + 64):
        stream = np.zeros(capacity, dtype=np.uint8)
        written = run_model(False, buf, n, stream, *allocate_tables(level).values())
        if written >= 0:
            return stream[:written].tobytes()
    raise AssertionError("unreachable: the second capacity is an upper bound")  # pragma: no cover


def cm_decode(payload, n: int, level: int, *, out=None) -> np.ndarray:
    """Decompress ``n`` bytes from a payload made by :func:`cm_encode` at ``level`` (into
    ``out`` when given: a writable contiguous uint8 array of ``n`` bytes, which is filled).

    Raises :class:`~entropycodec.errors.CorruptDataError` (or its subclasses
    ``TruncatedDataError``, ``LimitExceededError``) on data the encoder could not have made;
    other corruption decodes to wrong bytes, never to a crash or a hang.

    >>> cm_decode(b"", 0, 7)
    array([], dtype=uint8)
    """
    from entropycodec.coders.checks import output_array  # loads numba: not at import time

    level = _check_level(level)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise InvalidInputError(f"n must be an int >= 0, not {n!r}")
    n = int(n)
    # a writable copy: the kernel has one signature for both directions
    stream = np.frombuffer(bytes(payload), dtype=np.uint8).copy()
    if n == 0:
        if stream.shape[0]:
            raise CorruptDataError(f"cm payload of {stream.shape[0]} bytes for 0 bytes of data")
        return output_array(out, 0, np.uint8)
    if stream.shape[0] == 0:
        raise TruncatedDataError(f"cm payload is empty but {n} bytes are expected")
    limit = max_decoded_size(stream.shape[0])
    if n > limit:
        raise LimitExceededError(
            f"{n} bytes cannot come from a {stream.shape[0]}-byte cm payload (at most {limit})"
        )
    from entropycodec.coders.cm.kernels import run_model

    # Every byte is written before the match model reads it (it follows earlier positions
    # only), so the buffer need not be cleared.
    out = output_array(out, n, np.uint8)
    consumed = run_model(True, out, n, stream, *allocate_tables(level).values())
    expected = stream.shape[0] + _DECODER_LOOKAHEAD
    if consumed > expected:
        raise TruncatedDataError(
            "cm payload ends early: the decoder read past its end (truncated or corrupt)"
        )
    if consumed < expected:
        raise CorruptDataError(
            f"cm payload has {expected - consumed} bytes after the end of the coded data"
        )
    return out

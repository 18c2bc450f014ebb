"""rANS (range asymmetric numeral systems) with a static model, 4 interleaved lanes.

READ ME FIRST
-------------
1. **Encoding is last in, first out.** The decoder returns symbols in the
   reverse order of the encoder's calls, so the encoder walks the input
   backwards: :meth:`RansEncoder.encode_reverse` takes the symbols in the
   order you want them *decoded*, and codes them last to first.
2. **Output grows backwards.** The encoder fills its buffer from the end
   towards the start; the payload is the filled tail, which the decoder reads
   front to back.
3. **Flush.** At the end the encoder writes its four 64-bit states (8 bytes
   each, little-endian, lane 0 first) in front of the words. Every lane
   starts at x = L, so that is 4 x 31 bits that carry no information; the
   decoder in exchange checks that every lane ends at exactly L and that it
   used every word. That always catches truncation, and catches most
   corruption (not all: after a flipped bit the states can fall back in step
   with the encoder's, so only a checksum sees everything). Cost: 32 bytes
   per payload, about 16 of them beyond the information they hold.

Parameters: states are 64-bit integers kept in the normalization interval
[L, 2**32 L) with L = 2**31, and renormalization moves 32-bit words. This
departs from the classic 32-bit state / byte I/O (ryg's rans_byte) on
purpose: precision M = 2**scale_bits may go up to 2**24 (constriction's
default is the same 64-bit state / 32-bit word / 24-bit layout), and the
coding loss from the state's finite size, which shrinks quickly as L / M
grows, stays negligible since L / M >= 2**7 (bible.txt at scale_bits 14: the
payload is 0.005% above n * H0, quantization loss and flush included). On
ptt5, quantizing to 16 bits alone costs ~0.05%, so :func:`choose_scale_bits`
picks 18 there. The decoder's slot table has 2**scale_bits entries: past
~16 bits it leaves the L1/L2 caches and decoding slows down (bible.txt:
~390 MB/s at 14 bits, ~100 MB/s at 22).

Symbol t goes to lane t % 4; the four lanes share one word stream, in the
order the decoder needs it. Four independent states let the CPU overlap the
latency of four symbols.

The math, in Duda's notation, with M = 2**scale_bits, f = freq[s], c = cum[s]:

- encode: x = C(s, x) = (x // f) * M + (x % f) + c, after first sending the
  low 32 bits of x while x >= x_max(s) = 2**(63 - scale_bits) * f, which
  keeps C(s, x) < 2**63.
- decode: s = slot[x % M]; x = D(x) = f * (x // M) + (x % M) - c, then read a
  word while x < L.

>>> from entropycodec.models.counts import FrequencyTable
>>> model = FrequencyTable.from_data("ABCAADABCA").quantize(4)
>>> payload = rans_encode([0, 1, 2, 0, 0, 3, 0, 1, 2, 0], model)
>>> len(payload)  # 10 symbols x 1.8 bits fit in the states: no words
32
>>> payload[:8].hex()  # lane 0's final state, little-endian
'a5aaaaaa0a000000'
>>> rans_decode(payload, 10, model).tolist()
[0, 1, 2, 0, 0, 3, 0, 1, 2, 0]
"""

from __future__ import annotations

import math
import struct

import numpy as np

from entropycodec.coders import rans_kernels as rkern
from entropycodec.coders.checks import (
    as_index_array,
    check_count,
    check_payload_size,
    index_dtype,
    output_array,
    raise_for_status,
    static_model_arrays,
)
from entropycodec.coders.positional import positional_decode, positional_encode
from entropycodec.errors import CorruptDataError, InvalidInputError, ModelError, TruncatedDataError
from entropycodec.models.counts import quantization_loss, quantize_counts
from entropycodec.models.positional import is_positional
from entropycodec.models.protocol import MAX_SCALE_BITS

__all__ = [
    "MAX_SCALE_BITS",
    "RansDecoder",
    "RansEncoder",
    "choose_scale_bits",
    "rans_decode",
    "rans_decode_reference",
    "rans_encode",
    "rans_encode_reference",
]

RANS_L = rkern.RANS_L  # 2**31: lower bound of the normalization interval
LANES = rkern.LANES  # interleaved states
STATE_BYTES = 8  # a flushed state: 64 bits, little-endian
HEADER_BYTES = LANES * STATE_BYTES
# MAX_SCALE_BITS (24, models.protocol): x_max = 2**(63 - scale_bits) * f; keeps M / L <= 2**-7
MIN_AUTO_SCALE_BITS = 12  # smaller tables buy no speed; 4 KB slot table fits L1
MAX_AUTO_SCALE_BITS = 22


def choose_scale_bits(counts, n: int) -> int:
    """Smallest scale_bits in 12..22 whose quantization loss is negligible.

    Negligible means at most 0.005% of H0, or 1e-5 bits per symbol, or under
    8 bits over all ``n`` symbols (then a larger table would cost more in the
    header than it saves). Never fewer bits than the distinct symbols need.

    >>> choose_scale_bits([5, 2, 2, 1], 10)
    12
    >>> import numpy as np
    >>> choose_scale_bits(np.array([10**6, 3, 3, 1]), 10**6 + 7) > 12
    True
    """
    c = np.asarray(counts, dtype=np.float64).reshape(-1)
    if np.isnan(c).any() or (c < 0).any():
        raise InvalidInputError("counts must be non-negative")
    distinct = int((c > 0).sum())
    if distinct > 1 << MAX_SCALE_BITS:
        raise InvalidInputError(f"{distinct} distinct symbols need more than 2**{MAX_SCALE_BITS}")
    least = max(MIN_AUTO_SCALE_BITS, math.ceil(math.log2(max(distinct, 1))))
    if distinct <= 1:
        return least
    p = c[c > 0] / c.sum()
    h0 = float(-(p * np.log2(p)).sum())
    for scale_bits in range(least, MAX_AUTO_SCALE_BITS + 1):
        loss = quantization_loss(c, quantize_counts(c, scale_bits))
        if loss <= 5e-5 * h0 or loss <= 1e-5 or n * loss < 8:
            return scale_bits
    return max(least, MAX_AUTO_SCALE_BITS)


# ----------------------------------------------------------------------------
# The minimal coder: plain division, one symbol at a time (the kernels' oracle).


def rans_encode_reference(indices, model) -> bytes:
    """Pure-Python rANS encoder; same bytes as :func:`rans_encode`, ~100x slower."""
    freqs, cumulative, scale_bits = static_model_arrays(model, MAX_SCALE_BITS)
    idx = as_index_array(indices, freqs.size)
    if idx.size == 0:
        return b""
    model.check_codable(idx)
    f_list, c_list = freqs.tolist(), cumulative.tolist()
    x = [RANS_L] * LANES  # every lane starts at L
    words = []  # in the order written, i.e. reversed stream order
    for t in range(idx.size - 1, -1, -1):
        s = int(idx[t])
        f, lane = f_list[s], t % LANES
        xl = x[lane]
        x_max = ((RANS_L >> scale_bits) << 32) * f
        if xl >= x_max:  # renormalize: after this, C(s, x) < 2**63
            words.append(xl & 0xFFFFFFFF)
            xl >>= 32
        x[lane] = ((xl // f) << scale_bits) + (xl % f) + c_list[s]  # x = C(s, x)
    words.reverse()
    return struct.pack(f"<{LANES}Q{len(words)}I", *x, *words)


def rans_decode_reference(payload, n: int, model) -> np.ndarray:
    """Pure-Python rANS decoder; twin of :func:`rans_decode` (same errors)."""
    freqs, cumulative, scale_bits = static_model_arrays(model, MAX_SCALE_BITS)
    n = check_count(n)
    payload = bytes(payload)
    nwords = _check_layout(payload, n)
    check_payload_size(len(payload), n, freqs, 1 << scale_bits, HEADER_BYTES)
    out = np.empty(n, dtype=index_dtype(freqs.size))
    if nwords == 0:
        return out
    x = list(struct.unpack_from(f"<{LANES}Q", payload))
    words = struct.unpack_from(f"<{(len(payload) - HEADER_BYTES) // 4}I", payload, HEADER_BYTES)
    if any(not RANS_L <= xl < 1 << 63 for xl in x):
        raise CorruptDataError("rANS: initial state out of range")
    f_list, c_list = freqs.tolist(), cumulative.tolist()
    mask, pos = (1 << scale_bits) - 1, 0
    for t in range(n):
        lane = t % LANES
        xl = x[lane]
        s = int(np.searchsorted(cumulative, xl & mask, side="right")) - 1
        xl = f_list[s] * (xl >> scale_bits) + (xl & mask) - c_list[s]  # x = D(x)
        if xl < RANS_L:
            if pos >= len(words):
                raise TruncatedDataError("rANS: the payload ends before the stream does")
            xl = (xl << 32) | words[pos]
            pos += 1
        x[lane] = xl
        out[t] = s
    if pos != len(words) or any(xl != RANS_L for xl in x):
        raise CorruptDataError("rANS: the payload is not a valid stream for this model")
    return out


def _check_layout(payload: bytes, n: int) -> int:
    """Number of 32-bit words after the states; raise for an impossible length."""
    if n == 0:
        if payload:
            raise CorruptDataError("rANS: payload for 0 symbols must be empty")
        return 0
    if len(payload) < HEADER_BYTES:
        raise TruncatedDataError(f"rANS: payload of {len(payload)} bytes has no room for states")
    if (len(payload) - HEADER_BYTES) % 4:
        raise CorruptDataError("rANS: payload length is not 32 + a multiple of 4 bytes")
    return (len(payload) - HEADER_BYTES) // 4 + 2 * LANES


# ----------------------------------------------------------------------------
# The fast path: numba kernels with reciprocal division and a slot table.
#
# Encoder: x // f becomes mulhi64(x, rcp_f) >> shift_f with rcp_f =
# ceil(2**(63 + shift_f) / f) (Alverson; exact for x < 2**63), and
# C(s, x) = x + bias + q * (M - f), see kernels.rans_kernels.encoder_table.
# Decoder: slot table, no division at all (x // M and x % M are a shift and
# a mask).


class RansEncoder:
    """Interleaved rANS encoder. LIFO: see READ ME FIRST.

    The model comes with the symbols (``encode_reverse(indices, model)``), as for
    every array coder here; a model given to the constructor is the default for
    each call. Encoder tables are built once per model and kept.

    >>> from entropycodec.models.counts import FrequencyTable
    >>> model = FrequencyTable.from_data(b"abracadabra").quantize(12)
    >>> payload = RansEncoder().encode_reverse(np.frombuffer(b"abracadabra", np.uint8), model)
    >>> RansDecoder(payload).decode(11, model).tobytes()
    b'abracadabra'
    """

    __slots__ = ("_cached", "model")

    def __init__(self, model=None):
        self.model = model
        self._cached = None  # (model, freqs, encoder table) of the last model used

    def _tables(self, model, n: int):
        if model is None:
            raise InvalidInputError("RansEncoder needs a model: encode_reverse(indices, model)")
        if self._cached is None or self._cached[0] is not model:
            freqs, cumulative, scale_bits = static_model_arrays(model, MAX_SCALE_BITS, n)
            self._cached = (model, freqs, rkern.encoder_table(freqs, cumulative, scale_bits))
        return self._cached[1], self._cached[2]

    def encode_reverse(self, indices, model=None) -> bytes:
        """Code ``indices`` last to first, so that decoding yields them first to last."""
        model = self.model if model is None else model
        freqs, table = self._tables(model, np.size(indices))
        idx = as_index_array(indices, freqs.size)
        if idx.size == 0:
            return b""
        out = np.empty(idx.size + 2 * LANES, dtype=np.uint32)  # <= 1 word per symbol
        start = rkern.encode_reverse(idx, table, out)
        if start < 0:  # a symbol with frequency 0: let the model name it
            model.check_codable(idx)
            raise ModelError(f"index {int(idx[-1 - start])} has frequency 0 in the model")
        return out[start:].astype("<u4", copy=False).tobytes()


class RansDecoder:
    """Decoder for a payload of :class:`RansEncoder`; ``decode(n, model)`` with the
    encoder's model (a model given to the constructor is the default)."""

    __slots__ = ("_payload", "model")

    def __init__(self, payload, model=None):
        self.model = model
        self._payload = bytes(payload)

    def decode(self, n: int, model=None, *, out=None) -> np.ndarray:
        """Decode all ``n`` symbols of the payload, in the order they were given (into
        ``out`` when given: see :func:`~entropycodec.coders.checks.output_array`)."""
        model = self.model if model is None else model
        if model is None:
            raise InvalidInputError("RansDecoder needs a model: decode(n, model)")
        n = check_count(n)
        freqs, cumulative, scale_bits = static_model_arrays(model, MAX_SCALE_BITS, n)
        nwords = _check_layout(self._payload, n)
        check_payload_size(len(self._payload), n, freqs, 1 << scale_bits, HEADER_BYTES)
        out = output_array(out, n, index_dtype(freqs.size))
        if nwords == 0:
            return out
        words = np.zeros(nwords + 1, dtype=np.uint32)  # one zero word of padding
        words[:nwords] = np.frombuffer(self._payload, dtype="<u4")
        status = rkern.decode(words, nwords, n, model.slot_table(), freqs, cumulative,
                              scale_bits, out)
        raise_for_status(status, "rANS decoder")
        return out


def rans_encode(indices, model) -> bytes:
    """rANS-encode an index array with a static model (4 lanes; see READ ME FIRST), or
    with a per-position model (:mod:`entropycodec.coders.positional`: the same stream)."""
    if is_positional(model):
        return positional_encode("rans", indices, model)
    return RansEncoder().encode_reverse(indices, model)


def rans_decode(payload, n: int, model, *, out=None) -> np.ndarray:
    """Decode ``n`` indices from a :func:`rans_encode` payload made with the same model
    (into ``out`` when given)."""
    if is_positional(model):
        return positional_decode("rans", payload, n, model, out=out)
    return RansDecoder(payload).decode(n, model, out=out)

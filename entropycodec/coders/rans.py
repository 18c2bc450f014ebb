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
3. **Flush and lanes.** At the end the encoder writes its lanes' final states
   in front of the words. How many lanes, where they start and how their
   states are written is the payload's *layout* (:mod:`.rans_streams`): the
   library writes layout 1, where a payload of fewer than 131072 symbols has
   one lane, a longer one four, and every lane starts at M = 2**scale_bits
   instead of L, so that 31 - scale_bits bits of its state carry information
   (a payload of one lane is about 2 bytes over its information, one of four
   lanes about 12, layout 0's 24). Layout 0, four lanes starting at L, is
   what ``.ec`` blocks written before layout 1 hold (block param 0);
   ``layout=0`` reads and writes it. The decoder checks that every lane ends
   where they all started and that it used every word. That catches most
   corruption (not all: after a flipped bit the states can fall back in step
   with the encoder's, so only a checksum sees everything).

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

Symbol t goes to lane t % lanes; the lanes share one word stream, in the
order the decoder needs it. Four independent states let the CPU overlap the
latency of four symbols.

The math, in Duda's notation, with M = 2**scale_bits, f = freq[s], c = cum[s]:

- encode: x = C(s, x) = (x // f) * M + (x % f) + c, after first sending the
  low 32 bits of x if x >= x_max(s) = 2**(63 - scale_bits) * f, which
  keeps C(s, x) < 2**63.
- decode: s = slot[x % M]; x = D(x) = f * (x // M) + (x % M) - c, then read a
  word if x < L and a word is left.

>>> from entropycodec.models.counts import FrequencyTable
>>> model = FrequencyTable.from_data("ABCAADABCA").quantize(4)
>>> payload = rans_encode([0, 1, 2, 0, 0, 3, 0, 1, 2, 0], model)
>>> payload.hex()  # 10 symbols x 1.8 bits: one lane's state in 3 bytes, no words
'323333'
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
from entropycodec.coders.rans_streams import (
    LAYOUT,
    LAYOUTS,
    encode_lanes,
    lanes_for,
    read_states,
    start_state,
)
from entropycodec.errors import CorruptDataError, InvalidInputError, ModelError, TruncatedDataError
from entropycodec.models.counts import quantization_loss, quantize_counts
from entropycodec.models.positional import is_positional
from entropycodec.models.protocol import MAX_SCALE_BITS

__all__ = [
    "LAYOUT",
    "LAYOUTS",
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
LANES = rkern.LANES  # interleaved states of a long payload (and of every layout-0 payload)
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


def rans_encode_reference(indices, model, *, layout: int = LAYOUT) -> bytes:
    """Pure-Python rANS encoder; same bytes as :func:`rans_encode`, ~100x slower."""
    freqs, cumulative, scale_bits = static_model_arrays(model, MAX_SCALE_BITS)
    idx = as_index_array(indices, freqs.size)
    layout = _check_layout_number(layout)
    if idx.size == 0:
        return b""
    model.check_codable(idx)
    f_list, c_list = freqs.tolist(), cumulative.tolist()
    n, lanes = idx.size, lanes_for(idx.size, layout)

    def run(start):
        x = [start] * lanes
        words, checked = [], False  # words in the order written, i.e. reversed stream order
        for t in range(n - 1, -1, -1):
            s = int(idx[t])
            f, lane = f_list[s], t % lanes
            xl = x[lane]
            x_max = ((RANS_L >> scale_bits) << 32) * f
            if xl >= x_max:  # renormalize: after this, C(s, x) < 2**63
                if not checked:  # the first word: every lane that codes again must be >= L
                    if any(x[j] < RANS_L for j in range(min(lanes, t))):
                        return None
                    checked = True
                words.append(xl & 0xFFFFFFFF)
                xl >>= 32
            x[lane] = ((xl // f) << scale_bits) + (xl % f) + c_list[s]  # x = C(s, x)
        words.reverse()
        return x, words

    x, words = run(start_state(layout, scale_bits)) or run(RANS_L)
    tail = struct.pack(f"<{len(words)}I", *words)
    if layout == 0:
        return struct.pack(f"<{lanes}Q", *x) + tail
    if lanes == 1:
        k = max((x[0].bit_length() + 7) // 8, 5 if words else 0)
        return x[0].to_bytes(k, "little") + tail
    lengths = [(xl.bit_length() + 7) // 8 for xl in x]
    head = bytes(lengths[i] | (lengths[i + 1] << 4) for i in range(0, lanes, 2))
    return head + b"".join(xl.to_bytes(k, "little") for xl, k in zip(x, lengths)) + tail


def rans_decode_reference(payload, n: int, model, *, layout: int = LAYOUT) -> np.ndarray:
    """Pure-Python rANS decoder; twin of :func:`rans_decode` (same errors)."""
    freqs, cumulative, scale_bits = static_model_arrays(model, MAX_SCALE_BITS)
    n = check_count(n)
    payload = bytes(payload)
    layout = _check_layout_number(layout)
    check_payload_size(len(payload), n, freqs, 1 << scale_bits, 8 * lanes_for(n, layout))
    out = np.empty(n, dtype=index_dtype(freqs.size))
    if _empty(payload, n):
        return out
    states, words, nwords = read_states(payload, n, layout, scale_bits)
    x, words = states.tolist(), words[:nwords].tolist()
    lanes = len(x)
    f_list, c_list = freqs.tolist(), cumulative.tolist()
    mask, pos, starved = (1 << scale_bits) - 1, 0, False
    for t in range(n):
        lane = t % lanes
        xl = x[lane]
        s = int(np.searchsorted(cumulative, xl & mask, side="right")) - 1
        xl = f_list[s] * (xl >> scale_bits) + (xl & mask) - c_list[s]  # x = D(x)
        if xl < RANS_L:
            if pos < len(words):
                xl = (xl << 32) | words[pos]
                pos += 1
            else:
                starved = True
        x[lane] = xl
        out[t] = s
    same = pos == len(words) and len(set(x)) == 1
    if same and (x[0] == start_state(layout, scale_bits) or x[0] == RANS_L) and not (
            x[0] == RANS_L and starved):
        return out
    if starved and layout == 0:
        raise TruncatedDataError("rANS: the payload ends before the stream does")
    raise CorruptDataError("rANS: the payload is not a valid stream for this model")


def _check_layout_number(layout) -> int:
    if layout not in LAYOUTS:
        raise InvalidInputError(f"rANS layout must be one of {LAYOUTS}, got {layout!r}")
    return int(layout)


def _empty(payload: bytes, n: int) -> bool:
    """True for the payload of 0 symbols (which must be empty)."""
    if n == 0:
        if payload:
            raise CorruptDataError("rANS: payload for 0 symbols must be empty")
        return True
    return False


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
    each call. Encoder tables are built once per model and kept. ``layout`` is the
    payload's layout (:mod:`.rans_streams`; 0: that of ``.ec`` blocks of param 0).

    >>> from entropycodec.models.counts import FrequencyTable
    >>> model = FrequencyTable.from_data(b"abracadabra").quantize(12)
    >>> payload = RansEncoder().encode_reverse(np.frombuffer(b"abracadabra", np.uint8), model)
    >>> RansDecoder(payload).decode(11, model).tobytes()
    b'abracadabra'
    """

    __slots__ = ("_cached", "layout", "model")

    def __init__(self, model=None, *, layout: int = LAYOUT):
        self.model = model
        self.layout = _check_layout_number(layout)
        self._cached = None  # (model, freqs, encoder table) of the last model used

    def _tables(self, model, n: int):
        if model is None:
            raise InvalidInputError("RansEncoder needs a model: encode_reverse(indices, model)")
        if self._cached is None or self._cached[0] is not model:
            freqs, cumulative, scale_bits = static_model_arrays(model, MAX_SCALE_BITS, n)
            self._cached = (model, freqs, rkern.encoder_table(freqs, cumulative, scale_bits),
                            scale_bits)
        return self._cached[1], self._cached[2]

    def encode_reverse(self, indices, model=None) -> bytes:
        """Code ``indices`` last to first, so that decoding yields them first to last."""
        model = self.model if model is None else model
        freqs, table = self._tables(model, np.size(indices))
        idx = as_index_array(indices, freqs.size)
        if idx.size == 0:
            return b""
        payload = encode_lanes(lambda out, xs: rkern.kernels(xs.size)[0](idx, table, out, xs),
                               idx.size, self.layout, self._cached[3])
        if not isinstance(payload, bytes):  # a symbol with frequency 0: let the model name it
            model.check_codable(idx)
            raise ModelError(f"index {int(idx[-1 - payload])} has frequency 0 in the model")
        return payload


class RansDecoder:
    """Decoder for a payload of :class:`RansEncoder`; ``decode(n, model)`` with the
    encoder's model (a model given to the constructor is the default) and layout."""

    __slots__ = ("_payload", "layout", "model")

    def __init__(self, payload, model=None, *, layout: int = LAYOUT):
        self.model = model
        self.layout = _check_layout_number(layout)
        self._payload = bytes(payload)

    def decode(self, n: int, model=None, *, out=None) -> np.ndarray:
        """Decode all ``n`` symbols of the payload, in the order they were given (into
        ``out`` when given: see :func:`~entropycodec.coders.checks.output_array`)."""
        model = self.model if model is None else model
        if model is None:
            raise InvalidInputError("RansDecoder needs a model: decode(n, model)")
        n = check_count(n)
        freqs, cumulative, scale_bits = static_model_arrays(model, MAX_SCALE_BITS, n)
        check_payload_size(len(self._payload), n, freqs, 1 << scale_bits,
                           8 * lanes_for(n, self.layout))
        out = output_array(out, n, index_dtype(freqs.size))
        if _empty(self._payload, n):
            return out
        states, words, nwords = read_states(self._payload, n, self.layout, scale_bits)
        status = rkern.kernels(states.size)[1](words, nwords, n, model.slot_table(), freqs,
                                               cumulative, scale_bits, out, states,
                                               start_state(self.layout, scale_bits))
        raise_for_status(status, "rANS decoder")
        return out


def rans_encode(indices, model, *, layout: int = LAYOUT) -> bytes:
    """rANS-encode an index array with a static model (see READ ME FIRST), or with a
    per-position model (:mod:`entropycodec.coders.positional`: the same stream)."""
    if is_positional(model):
        return positional_encode("rans", indices, model, layout=layout)
    return RansEncoder(layout=layout).encode_reverse(indices, model)


def rans_decode(payload, n: int, model, *, out=None, layout: int = LAYOUT) -> np.ndarray:
    """Decode ``n`` indices from a :func:`rans_encode` payload made with the same model
    and layout (into ``out`` when given)."""
    if is_positional(model):
        return positional_decode("rans", payload, n, model, out=out, layout=layout)
    return RansDecoder(payload, layout=layout).decode(n, model, out=out)

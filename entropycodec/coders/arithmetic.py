"""Arithmetic coding as a byte-wise range coder with exact integer arithmetic.

Two layers, Nayuki's split: :class:`ArithmeticEncoder` / :class:`ArithmeticDecoder`
take the model *per call* (anything with ``total``, ``interval(index)`` and
``symbol_at(cum)``: a :class:`~entropycodec.models.static.StaticModel`, an
:class:`~entropycodec.models.adaptive.AdaptiveModel`, your own context model), one
symbol at a time, in pure Python. :func:`arithmetic_encode` and
:func:`arithmetic_decode` code a whole array with a static model in numba
kernels: with ``lanes=1`` they produce exactly the classes' bytes; with
``lanes=2`` the even and odd positions go to two such streams, which the
decoder runs side by side. By default (and in the .ec format) arrays of 1024
symbols or more get two lanes, shorter ones one.

The coder (LZMA's carry-less range coder, widened to 48 bits):

- ``low`` (48 bits + a carry bit) and ``rng`` describe the interval
  [low, low + rng); between symbols rng is in [2**40, 2**48).
- To code a symbol with cumulative interval [c_lo, c_hi) out of ``total``:
  r = rng // total; low += r * c_lo; rng = r * (c_hi - c_lo). The part
  [r * total, rng) of the old interval is left unused; since r >= 2**16
  (total <= 2**24), that costs < 2**-16 of the interval, under 3e-5 bits.
- While rng < 2**40, the top byte of ``low`` is shifted out. A carry can still
  ripple into bytes already shifted out, so the last one is held back
  (``cache``) together with a count of following 0xFF bytes (``pending``).
- Termination: send the value in [low, low + rng) with the most zero bytes
  at its end, and leave those bytes out (the decoder reads missing bytes as
  zeros). As rng >= 2**40, that is at most one byte past the carry cache. The
  first byte of the stream is always zero and is not sent either.

The decoder keeps ``code`` = value - low, with the invariant 0 <= code < rng;
a value that falls in the unused tail is reported as corrupt data, and at the
end the decoder recomputes how long the stream must be, so truncation and
trailing bytes are detected (see :func:`entropycodec.coders.range_kernels.check_end`).

>>> from entropycodec.models.counts import FrequencyTable
>>> model = FrequencyTable.from_data("ABCAADABCA").quantize(4)
>>> enc = ArithmeticEncoder()
>>> for i in [0, 1, 2, 0, 0, 3, 0, 1, 2, 0]:
...     enc.write(model, i)
>>> payload = enc.finish()
>>> payload.hex()
'518752'
>>> dec = ArithmeticDecoder(payload)
>>> [dec.read(model) for _ in range(10)]
[0, 1, 2, 0, 0, 3, 0, 1, 2, 0]
>>> dec.finish()
>>> arithmetic_decode(payload, 10, model).tolist()  # 10 symbols: one lane
[0, 1, 2, 0, 0, 3, 0, 1, 2, 0]
>>> two = arithmetic_encode([0, 1, 2, 0, 0, 3, 0, 1, 2, 0], model, lanes=2)
>>> two.hex(), arithmetic_decode(two, 10, model, lanes=2).tolist()  # length 1, lane 0, lane 1
('015d9680', [0, 1, 2, 0, 0, 3, 0, 1, 2, 0])
"""

from __future__ import annotations

import numpy as np

from entropycodec.coders import range_kernels as rk
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
from entropycodec.models.positional import is_positional
from entropycodec.models.protocol import MAX_SCALE_BITS

__all__ = [
    "MAX_SCALE_BITS",
    "ArithmeticDecoder",
    "ArithmeticEncoder",
    "arithmetic_decode",
    "arithmetic_encode",
]

BOT, TOP, INITIAL_RANGE = rk.BOT, rk.TOP, rk.INITIAL_RANGE
WINDOW_BYTES = rk.WINDOW_BYTES


# ----------------------------------------------------------------------------
# The coder, one symbol at a time (pure Python; the kernels' oracle).


def _check_interval(total: int, low: int, high: int) -> None:
    if not 1 <= total <= rk.MAX_TOTAL:
        raise InvalidInputError(f"model total must be in 1..2**24, got {total}")
    if not 0 <= low < high <= total:
        raise ModelError(f"interval [{low}, {high}) is empty or outside [0, {total})")


class ArithmeticEncoder:
    """Range encoder; pass the model with every symbol: ``enc.write(model, index)``.

    Call :meth:`finish` once at the end to get the payload.

    >>> from entropycodec.models.adaptive import AdaptiveModel
    >>> m, enc = AdaptiveModel(4), ArithmeticEncoder()
    >>> for i in [3, 3, 3, 1]:
    ...     enc.write(m, i)
    ...     m.update(i)
    >>> len(enc.finish())
    1
    """

    __slots__ = ("_cache", "_done", "_low", "_out", "_pending", "_range")

    def __init__(self):
        # Invariants between symbols: 0 <= low < 2**49 (bit 48 = carry not yet
        # applied to the cache), 2**40 <= range < 2**48.
        self._low = 0
        self._range = INITIAL_RANGE
        self._cache = 0
        self._pending = 0
        self._out = bytearray()  # starts with the always-zero leading byte
        self._done = False

    def write(self, model, index: int) -> None:
        """Encode symbol ``index`` with the probabilities ``model`` gives it now."""
        if self._done:
            raise InvalidInputError("encoder already finished")
        total = model.total
        low, high = model.interval(index)
        _check_interval(total, low, high)
        r = self._range // total
        self._low += r * low
        self._range = r * (high - low)
        while self._range < BOT:
            self._shift_low()
            self._range <<= 8

    def _shift_low(self) -> None:
        low = self._low
        if low < rk.FF_START or low >= TOP:
            carry = low >> 48
            self._out.append((self._cache + carry) & 0xFF)
            self._out.extend(bytes([(0xFF + carry) & 0xFF]) * self._pending)
            self._pending = 0
            self._cache = (low >> 40) & 0xFF
        else:
            self._pending += 1
        self._low = (low & rk.SHIFT_MASK) << 8

    def finish(self) -> bytes:
        """Flush and return the payload (b"" when nothing was written)."""
        if not self._done:
            k = _zero_tail_bytes(self._low, self._range)
            self._low += (-self._low) & ((1 << (8 * k)) - 1)
            for _ in range(WINDOW_BYTES - k + 1):
                self._shift_low()
            self._done = True
        return bytes(self._out[1:])


def _zero_tail_bytes(low: int, rng: int) -> int:
    """Twin of range_kernels.zero_tail_bytes."""
    for k in range(WINDOW_BYTES, -1, -1):
        if ((-low) & ((1 << (8 * k)) - 1)) < rng:
            return k
    return 0


class ArithmeticDecoder:
    """Range decoder; ``dec.read(model)`` returns the next symbol index.

    Bytes beyond the payload read as zeros. :meth:`finish` checks that the
    payload is exactly as long as the stream decoded so far requires.
    """

    __slots__ = ("_code", "_data", "_pos", "_range")

    def __init__(self, payload):
        self._data = bytes(payload)
        self._pos = 0
        self._range = INITIAL_RANGE
        code = 0
        for _ in range(WINDOW_BYTES):
            code = (code << 8) | self._next_byte()
        if code >= self._range:
            raise CorruptDataError("range decoder: first bytes out of range")
        self._code = code  # invariant: 0 <= code < range; code = value - low

    def _next_byte(self) -> int:
        pos = self._pos
        self._pos = pos + 1
        if pos < len(self._data):
            return self._data[pos]
        if pos >= len(self._data) + WINDOW_BYTES:
            raise TruncatedDataError("range decoder: read past the end of the payload")
        return 0

    def read(self, model) -> int:
        """Decode one symbol index with ``model``."""
        total = model.total
        if not 1 <= total <= rk.MAX_TOTAL:
            raise InvalidInputError(f"model total must be in 1..2**24, got {total}")
        r = self._range // total
        value = self._code // r
        if value >= total:
            raise CorruptDataError("range decoder: value outside the model's intervals")
        index = model.symbol_at(value)
        low, high = model.interval(index)
        _check_interval(total, low, high)
        if not low <= value < high:
            raise InvalidInputError("model.symbol_at disagrees with model.interval")
        self._code -= r * low
        self._range = r * (high - low)
        while self._range < BOT:
            self._code = (self._code << 8) | self._next_byte()
            self._range <<= 8
        return index

    def finish(self) -> None:
        """Raise unless the payload ends exactly where this stream ends."""
        data, pos = self._data, self._pos
        window = int.from_bytes(data[pos - WINDOW_BYTES:pos].ljust(WINDOW_BYTES, b"\0"), "big")
        low = (window - self._code) & rk.LOW_MASK
        k = _zero_tail_bytes(low, self._range)
        expected = pos - k
        if len(data) < expected:
            raise TruncatedDataError("range decoder: payload shorter than the stream")
        if len(data) > expected:
            raise CorruptDataError("range decoder: bytes after the end of the stream")
        if self._code != (-low) & ((1 << (8 * k)) - 1):
            raise CorruptDataError("range decoder: the stream does not end as the encoder ends it")


# ----------------------------------------------------------------------------
# Whole arrays with a static model (numba kernels).


LANES = (1, 2)  # lanes=1: ArithmeticEncoder's own stream; 2: two interleaved streams
# lanes=None picks from n, which every decoder knows: below this many symbols the
# second flush and the length byte cost more than a faster decoder is worth.
TWO_LANES_MIN_SYMBOLS = 1024


def _check_lanes(lanes, n: int) -> int:
    if lanes is None:
        return 2 if n >= TWO_LANES_MIN_SYMBOLS else 1
    if isinstance(lanes, bool) or lanes not in LANES:
        raise InvalidInputError(f"lanes must be 1, 2 or None, got {lanes!r}")
    return int(lanes)


def _leb128(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _read_leb128(data: np.ndarray) -> tuple[int, int]:
    """(value, bytes used) of the LEB128 number at the start of ``data`` (at most 5 bytes)."""
    value = 0
    for i in range(min(5, data.size)):
        byte = int(data[i])
        value |= (byte & 0x7F) << (7 * i)
        if not byte & 0x80:
            if i and byte == 0:
                raise CorruptDataError("range decoder: lane length has a redundant byte")
            return value, i + 1
    if data.size < 5:
        raise TruncatedDataError("range decoder: payload ends inside the lane length")
    raise CorruptDataError("range decoder: lane length longer than 5 bytes")


def _encode_lane(idx, freqs, cumulative, scale_bits, model) -> bytes:
    """One range-coder stream: exactly the bytes ArithmeticEncoder writes for ``idx``."""
    if idx.size == 0:
        return b""
    out = np.empty(idx.size * ((scale_bits + 7) // 8) + 8, dtype=np.uint8)
    size = rk.encode_static(idx, freqs, cumulative, scale_bits, out)
    if size < 0:  # a symbol with frequency 0: let the model name it
        model.check_codable(idx)
        raise ModelError(f"index {int(idx[-1 - size])} has frequency 0 in the model")
    return out[1:size].tobytes()


def _decode_lane(data, n, freqs, cumulative, scale_bits, model, out) -> None:
    """Decode one stream of ``n`` symbols into ``out``."""
    if n == 0:
        if data.size:
            raise CorruptDataError("range decoder: bytes after the end of the stream")
        return
    slot = model.slot_table()
    if scale_bits <= rk.PACKED_MAX_SCALE_BITS:
        status = rk.decode_static_packed(data, n, _packed_table(freqs, cumulative, slot),
                                         slot, scale_bits, out)
    else:
        status = rk.decode_static(data, n, freqs, cumulative, slot, scale_bits, out)
    raise_for_status(status, "range decoder")


def _packed_table(freqs, cumulative, slot) -> np.ndarray:
    """packed[v] = freq[s] << 32 | (v - cumulative[s]) for the symbol s owning slot v."""
    owner = slot.astype(np.int64)
    return (freqs[owner] << 32) | (np.arange(slot.size) - cumulative[owner])


def arithmetic_encode(indices, model, *, lanes: int | None = None) -> bytes:
    """Range-code an index array with a :class:`~entropycodec.models.static.StaticModel`.

    ``lanes=1`` writes one stream, byte for byte what :class:`ArithmeticEncoder`
    writes. ``lanes=2`` codes the even positions and the odd positions as two
    such streams and writes LEB128(len(lane 0)), lane 0, lane 1: one to three
    bytes more, and a decoder that overlaps the two lanes' chains of dependent
    operations (about 1.4 times faster). ``lanes=None`` (the default, and the
    .ec format's rule) is 2 from TWO_LANES_MIN_SYMBOLS symbols on, else 1.
    Raises ModelError if an index is outside the alphabet or has frequency 0.
    A per-position model (``model.positional``) is coded in one lane by
    :mod:`entropycodec.coders.positional`.
    """
    if is_positional(model):
        return positional_encode("arithmetic", indices, model)
    freqs, cumulative, scale_bits = static_model_arrays(model)
    idx = as_index_array(indices, freqs.size)
    if _check_lanes(lanes, idx.size) == 1 or idx.size == 0:
        return _encode_lane(idx, freqs, cumulative, scale_bits, model)
    even = _encode_lane(np.ascontiguousarray(idx[0::2]), freqs, cumulative, scale_bits, model)
    odd = _encode_lane(np.ascontiguousarray(idx[1::2]), freqs, cumulative, scale_bits, model)
    return _leb128(len(even)) + even + odd


def arithmetic_decode(payload, n: int, model, *, lanes: int | None = None, out=None) -> np.ndarray:
    """Decode ``n`` indices coded by :func:`arithmetic_encode` with the same model and lanes
    (into ``out`` when given: see :func:`~entropycodec.coders.checks.output_array`)."""
    if is_positional(model):
        return positional_decode("arithmetic", payload, n, model, out=out)
    freqs, cumulative, scale_bits = static_model_arrays(model)
    n = check_count(n)
    lanes = _check_lanes(lanes, n)
    data = np.frombuffer(bytes(payload), dtype=np.uint8)
    check_payload_size(data.size, n, freqs, 1 << scale_bits, 2 * WINDOW_BYTES)
    out = output_array(out, n, index_dtype(freqs.size))
    if lanes == 1 or n == 0:
        _decode_lane(data, n, freqs, cumulative, scale_bits, model, out)
        return out
    size0, start = _read_leb128(data)
    if start + size0 > data.size:
        raise TruncatedDataError("range decoder: payload ends inside lane 0")
    lane0, lane1 = data[start:start + size0], data[start + size0:]
    slot = model.slot_table()
    if scale_bits <= rk.PACKED_MAX_SCALE_BITS:
        status = rk.decode_static_packed2(lane0, lane1, n, _packed_table(freqs, cumulative, slot),
                                          slot, scale_bits, out)
        raise_for_status(status, "range decoder")
    else:
        even = np.empty((n + 1) // 2, dtype=out.dtype)
        odd = np.empty(n // 2, dtype=out.dtype)
        _decode_lane(lane0, even.size, freqs, cumulative, scale_bits, model, even)
        _decode_lane(lane1, odd.size, freqs, cumulative, scale_bits, model, odd)
        out[0::2], out[1::2] = even, odd
    return out

"""Numba kernels for the range coder with a static model (total = 2**scale_bits).

The arithmetic is the one of :class:`entropycodec.coders.arithmetic.ArithmeticEncoder`
and :class:`~entropycodec.coders.arithmetic.ArithmeticDecoder`, which are these
kernels' pure-Python twins and test oracle: for the same static model both
produce the same bytes. The helpers below (:func:`shift_low`,
:func:`flush`, :func:`check_end`) are shared with the adaptive kernels so the
bitstream rules live in one place.

State (all values fit in int64, so no unsigned/signed mixing in numba):

- ``low``: 48-bit window of the interval's lower end, plus a carry in bit 48.
- ``rng``: width of the interval, kept in [BOT, TOP) = [2**40, 2**48) between
  symbols by byte-wise normalization.
- ``cache`` + ``pending``: LZMA-style carry propagation. The last byte shifted
  out of ``low`` is held in ``cache`` and the 0xFF bytes after it are only
  counted, because a later carry can still turn ``cache, FF, FF`` into
  ``cache+1, 00, 00``.

The encoder writes a leading byte at ``out[0]`` that is always zero (the
initial interval [0, 2**48 - 1) never carries into it); the wrappers drop it.
Decoders return a status code (OK, CORRUPT, TRUNCATED) that the Python
wrappers turn into exceptions.
"""

from __future__ import annotations

from numba import njit, types
from numba.extending import intrinsic

OK = 0
CORRUPT = 1  # a value outside every symbol's interval, or bytes after the stream's end
TRUNCATED = 2  # the stream ends before the decoder has what a valid stream would give it

WINDOW_BYTES = 6  # bytes of ``low`` (and of the decoder's ``code``) below the carry bit
TOP = 1 << 48  # carry bit of ``low``; ``rng`` < TOP always
BOT = 1 << 40  # normalize while rng < BOT, so r = rng // total >= 2**16 for total <= 2**24
INITIAL_RANGE = TOP - 1  # keeps the whole stream below 2**48: the leading byte is 0
LOW_MASK = TOP - 1
SHIFT_MASK = BOT - 1  # bits of low that survive a byte shift (then moved up 8 bits)
FF_START = 0xFF << 40  # low >= FF_START (and no carry): the top byte is 0xFF, defer it
MAX_TOTAL = 1 << 24  # largest model total: keeps r >= 2**16, truncation loss < 2**-16


@intrinsic
def udiv64(typingctx, a, b):
    """a // b for int64 a >= 0, b > 0, as one unsigned division.

    numba's ``//`` on int64 adds Python's floor-division sign fix-ups and a
    zero check around a signed divide; the decoder's critical path is this
    division, and the plain unsigned one is ~25% faster there (measured on
    bible.txt: 60 -> 77 MB/s). Callers guarantee b > 0.
    """
    sig = types.int64(types.int64, types.int64)

    def codegen(context, builder, signature, args):
        return builder.udiv(args[0], args[1])

    return sig, codegen


@njit(cache=True, nogil=True)
def shift_low(low, cache, pending, out, pos):
    """Move the top byte of the 48-bit ``low`` out (LZMA's ShiftLow).

    Returns ``(low, cache, pending, pos)``. ``out`` must have room for
    ``pending + 1`` more bytes at ``pos``.
    """
    if low < FF_START or low >= TOP:
        carry = low >> 48  # 0 or 1
        out[pos] = (cache + carry) & 0xFF
        pos += 1
        for _ in range(pending):
            out[pos] = (0xFF + carry) & 0xFF
            pos += 1
        pending = 0
        cache = (low >> 40) & 0xFF
    else:
        pending += 1  # top byte 0xFF: a carry may still reach it
    low = (low & SHIFT_MASK) << 8
    return low, cache, pending, pos


@njit(cache=True, nogil=True)
def zero_tail_bytes(low, rng):
    """Most window bytes k (0..6) a value in [low, low + rng) can end with as zeros.

    The encoder sends that value, whose k low zero bytes it leaves out; the
    decoder pads with zeros. Because rng >= 2**40 after normalization, k >= 5:
    the flush costs at most one byte beyond the pending ones.
    """
    for k in range(WINDOW_BYTES, -1, -1):
        mask = (1 << (8 * k)) - 1
        if ((-low) & mask) < rng:  # distance from low up to the next multiple of 2**(8k)
            return k
    return 0


@njit(cache=True, nogil=True)
def flush(low, rng, cache, pending, out, pos):
    """Terminate the stream; return the final byte count (including ``out[0]``)."""
    k = zero_tail_bytes(low, rng)
    mask = (1 << (8 * k)) - 1
    low += (-low) & mask  # the value sent, in [low, low + rng); may carry into bit 48
    for _ in range(WINDOW_BYTES - k + 1):  # the +1 pushes out the cache byte
        low, cache, pending, pos = shift_low(low, cache, pending, out, pos)
    return pos


@njit(cache=True, nogil=True)
def start_code(payload):
    """The decoder's first ``code``: the stream's first WINDOW_BYTES bytes (zeros past
    its end). Returns ``(code, bytes read)``."""
    size = payload.size
    code = 0
    for pos in range(WINDOW_BYTES):
        code = (code << 8) | (payload[pos] if pos < size else 0)
    return code, WINDOW_BYTES


@njit(cache=True, nogil=True)
def check_end(payload, pos, code, rng):
    """Status for a decoder that consumed ``pos`` bytes (zero-padded) and ended in (code, rng).

    The encoder's flush is a function of its final ``low`` and ``rng``; the
    decoder recovers ``low`` modulo 2**48 as (last 6 bytes read) - code, so it
    knows exactly how long a valid stream is (``pos - k`` bytes) and which
    value it ends on (low rounded up to a multiple of 2**(8k)).
    """
    size = payload.size
    window = 0
    for i in range(pos - WINDOW_BYTES, pos):
        window = (window << 8) | (payload[i] if i < size else 0)
    low = (window - code) & LOW_MASK
    k = zero_tail_bytes(low, rng)
    expected = pos - k
    if size < expected:
        return TRUNCATED
    if size > expected or code != ((-low) & ((1 << (8 * k)) - 1)):
        return CORRUPT  # trailing bytes, or not the value the encoder's flush picks
    return OK


@njit(cache=True, nogil=True)
def encode_static(indices, freqs, cumulative, scale_bits, out):
    """Range-code ``indices`` with frequencies summing to 2**scale_bits; return bytes used.

    ``freqs`` and ``cumulative`` are int64 (length k and k + 1); every index
    must have a non-zero frequency: the kernel stops at the first that has
    none and returns -(1 + its position). ``out`` needs
    ``len(indices) * ceil(scale_bits / 8) + 8`` bytes: a symbol leaves rng >=
    2**(40 - scale_bits), so it costs at most ceil(scale_bits / 8) shifts.
    ``out[0]`` receives the always-zero leading byte.
    """
    low = 0
    rng = INITIAL_RANGE
    cache = 0
    pending = 0
    pos = 0
    for t in range(indices.size):
        s = indices[t]
        f = freqs[s]
        if f == 0:
            return -(1 + t)
        r = rng >> scale_bits
        low += r * cumulative[s]
        rng = r * f
        while rng < BOT:
            # shift_low written out: a numba call passing ``out`` costs more than
            # its body here (measured 176 -> 236 MB/s on bible.txt).
            if low < FF_START or low >= TOP:
                carry = low >> 48
                out[pos] = (cache + carry) & 0xFF
                pos += 1
                while pending > 0:
                    out[pos] = (0xFF + carry) & 0xFF
                    pos += 1
                    pending -= 1
                cache = (low >> 40) & 0xFF
            else:
                pending += 1
            low = (low & SHIFT_MASK) << 8
            rng <<= 8
    return flush(low, rng, cache, pending, out, pos)


@njit(cache=True, nogil=True)
def decode_static(payload, n, freqs, cumulative, slot, scale_bits, out):
    """Decode ``n`` indices into ``out``; return a status code.

    ``slot[v]`` is the symbol whose interval holds v, for v < 2**scale_bits.
    Bytes past the end of ``payload`` read as zeros; a valid stream needs at
    most WINDOW_BYTES of them, so the kernel stops with TRUNCATED beyond that.
    Invariant between symbols: 0 <= code < rng, code = value - low.
    """
    size = payload.size
    code, pos = start_code(payload)
    rng = INITIAL_RANGE
    if code >= rng:
        return CORRUPT
    total = 1 << scale_bits
    for t in range(n):
        r = rng >> scale_bits
        value = udiv64(code, r)  # r >= 2**(40 - scale_bits) > 0
        if value >= total:  # in the unused tail [r * total, rng) of the interval
            return CORRUPT
        s = slot[value]
        code -= r * cumulative[s]
        rng = r * freqs[s]
        while rng < BOT:
            code = (code << 8) | (payload[pos] if pos < size else 0)
            pos += 1
            rng <<= 8
        if pos > size + WINDOW_BYTES:
            return TRUNCATED
        out[t] = s
    return check_end(payload, pos, code, rng)


# ----------------------------------------------------------------------------
# Fast path: one table load per symbol instead of two dependent ones.
#
# The decoder's speed is the latency of one chain per symbol: division ->
# slot[value] -> cumulative[s] -> multiply. With packed[v] = freq[s] << 32 |
# (v - cumulative[s]) for the symbol s owning slot v, the chain loses a load:
# code - r * cumulative[s] = (code - r * v) + r * (v - cumulative[s]).
# Measured on bible.txt (scale_bits 14): 77 -> 88 MB/s. The table has 8 bytes
# per slot, so the wrappers use it only for scale_bits <= PACKED_MAX_SCALE_BITS.

PACKED_MAX_SCALE_BITS = 18  # 2 MB table at most


@njit(cache=True, nogil=True)
def decode_static_packed(payload, n, packed, slot, scale_bits, out):
    """:func:`decode_static` with a packed per-slot table (same stream, same statuses)."""
    size = payload.size
    code, pos = start_code(payload)
    rng = INITIAL_RANGE
    if code >= rng:
        return CORRUPT
    total = 1 << scale_bits
    for t in range(n):
        r = rng >> scale_bits
        value = udiv64(code, r)
        if value >= total:
            return CORRUPT
        entry = packed[value]
        code = code - r * value + r * (entry & 0xFFFFFFFF)  # code -= r * cumulative[s]
        rng = r * (entry >> 32)  # rng = r * freq[s]
        while rng < BOT:
            code = (code << 8) | (payload[pos] if pos < size else 0)
            pos += 1
            rng <<= 8
        if pos > size + WINDOW_BYTES:
            return TRUNCATED
        out[t] = slot[value]
    return check_end(payload, pos, code, rng)


# ----------------------------------------------------------------------------
# Two interleaved lanes.
#
# One lane's decoder is a single dependent chain per symbol (divide, table load,
# multiply), so it runs at the chain's latency. Two independent range coders,
# one for the even and one for the odd positions, give the CPU two chains to
# overlap. Each lane is exactly the stream decode_static_packed reads (and
# ArithmeticEncoder writes) for its symbols.


@njit(cache=True, nogil=True)
def decode_static_packed2(lane0, lane1, n, packed, slot, scale_bits, out):
    """Decode ``n`` indices from two lanes: symbol t is in lane t % 2.

    ``lane0`` holds the (n + 1) // 2 even-position symbols, ``lane1`` the n // 2
    odd ones (an empty lane holds no bytes). Tables as in decode_static_packed;
    same statuses, checked for both lanes.
    """
    size0, size1 = lane0.size, lane1.size
    n1 = n // 2
    code0, pos0 = start_code(lane0)
    code1, pos1 = start_code(lane1) if n1 > 0 else (0, 0)
    rng0, rng1 = INITIAL_RANGE, INITIAL_RANGE
    if code0 >= rng0 or code1 >= rng1:
        return CORRUPT
    total = 1 << scale_bits
    for t in range(n1):
        r0 = rng0 >> scale_bits
        r1 = rng1 >> scale_bits
        v0 = udiv64(code0, r0)
        v1 = udiv64(code1, r1)
        if v0 >= total or v1 >= total:
            return CORRUPT
        e0 = packed[v0]
        e1 = packed[v1]
        code0 = code0 - r0 * v0 + r0 * (e0 & 0xFFFFFFFF)  # code -= r * cumulative[s]
        code1 = code1 - r1 * v1 + r1 * (e1 & 0xFFFFFFFF)
        rng0 = r0 * (e0 >> 32)  # rng = r * freq[s]
        rng1 = r1 * (e1 >> 32)
        while rng0 < BOT:
            code0 = (code0 << 8) | (lane0[pos0] if pos0 < size0 else 0)
            pos0 += 1
            rng0 <<= 8
        while rng1 < BOT:
            code1 = (code1 << 8) | (lane1[pos1] if pos1 < size1 else 0)
            pos1 += 1
            rng1 <<= 8
        if pos0 > size0 + WINDOW_BYTES or pos1 > size1 + WINDOW_BYTES:
            return TRUNCATED
        out[2 * t] = slot[v0]
        out[2 * t + 1] = slot[v1]
    if n % 2 == 1:  # the last symbol is lane 0's
        r0 = rng0 >> scale_bits
        v0 = udiv64(code0, r0)
        if v0 >= total:
            return CORRUPT
        e0 = packed[v0]
        code0 = code0 - r0 * v0 + r0 * (e0 & 0xFFFFFFFF)
        rng0 = r0 * (e0 >> 32)
        while rng0 < BOT:
            code0 = (code0 << 8) | (lane0[pos0] if pos0 < size0 else 0)
            pos0 += 1
            rng0 <<= 8
        if pos0 > size0 + WINDOW_BYTES:
            return TRUNCATED
        out[n - 1] = slot[v0]
    status = check_end(lane0, pos0, code0, rng0)
    if status != OK:
        return status
    if n1 == 0:
        return OK if size1 == 0 else CORRUPT
    return check_end(lane1, pos1, code1, rng1)

"""The entropy stage of the bwt coder: move-to-front ranks as tokens, binary decisions, a range coder.

The ranks of a BWT's move-to-front output are mostly zeros in runs. They are coded as
tokens: a *run* of zeros (its length L >= 1) or a nonzero *rank* r (1..255); two runs never
follow each other. Each token is a few binary decisions, coded with an adaptive
probability for its context:

* after a rank, "does a run follow?" (context: the bucket of that rank, the run before
  it, the rank before that);
* a run length as an Elias-gamma code: its exponent e = floor(log2 L) in unary (context:
  the rank before it, the previous run's bucket, the unary position), then its e lower
  bits from the top (context: e and the bit's position; the top one also the rank before);
* a rank likewise: e = floor(log2 r) in unary (context: the run before it, the previous
  rank's bucket), then its e lower bits through a binary tree per exponent.

A probability is P(bit = 1) in 22-bit fixed point with a count of its updates, which sets
the adaptation rate ``1 / (count + 1.5)`` up to a limit (a new context learns as fast as a
frequency count, then follows drift). The coder is lpaq1's carry-less binary range coder
with 16-bit probabilities (invariants as in :mod:`entropycodec.coders.cm.kernels`):
``0 <= x1 <= x <= x2 < 2**32``, the top bytes of x1 and x2 differ between decisions, a
decision splits [x1, x2] at ``x1 + ((x2 - x1) * p16 >> 16)``. The flush writes one byte;
the decoder reads the payload, then zero bytes, and counts them: a valid stream is read
to exactly ``len + 3`` bytes.

Encoder and decoder are one kernel (``decode`` picks the direction), so the model cannot
drift apart between them.

>>> import numpy as np
>>> ranks = np.array([0, 0, 0, 5, 1, 0, 2, 255, 0], dtype=np.uint8)
>>> stream = np.zeros(64, dtype=np.uint8)
>>> used = code_ranks(False, ranks.copy(), stream, new_tables())
>>> back = np.zeros(9, dtype=np.uint8)
>>> status = code_ranks(True, back, stream[:used], new_tables())
>>> status == used + DECODER_LOOKAHEAD, back.tolist() == ranks.tolist()
(True, True)
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["BYTE_ROWS", "DECODER_LOOKAHEAD", "TABLE_ROWS", "code_bytes", "code_ranks", "new_tables"]

MASK32 = 0xFFFFFFFF
DECODER_LOOKAHEAD = 3  # the decoder starts with 4 bytes in x, the encoder's flush is 1 byte
# Kernel results below zero (positive results are bytes written or read).
OVERFLOW = -1  # the encoder's output buffer is full
CORRUPT = -2  # a run past the block's end, or a rank outside 1..255
TRUNCATED = -3  # the decoder read past the payload's end plus its lookahead

# Buckets: rank r >= 1 -> min(floor(log2 r), 4) (5 values); run length L -> 0 when no run
# came just before, else 1 + min(floor(log2 L), 5) (7 values).
RB = 5
ZB = 7
# Context rows of each decision; every row is one (p22, count) pair.
Z_BASE = 0  # "a run follows": rank bucket x run bucket before it x previous rank bucket
Z_ROWS = RB * ZB * RB
RUN_E_BASE = Z_BASE + Z_ROWS  # run exponent unary: (rank bucket x previous run bucket) x 32
RUN_E_ROWS = RB * ZB * 32
RUN_M_BASE = RUN_E_BASE + RUN_E_ROWS  # run mantissa: (top bit: rank bucket) x exponent x position
RUN_M_ROWS = (RB + 1) * 32 * 32
RANK_E_BASE = RUN_M_BASE + RUN_M_ROWS  # rank exponent unary: (run bucket x rank bucket) x 8
RANK_E_ROWS = ZB * RB * RB * 8
RANK_M_BASE = RANK_E_BASE + RANK_E_ROWS  # rank mantissa: (after a run?) x exponent x tree node
RANK_M_ROWS = 2 * 8 * 128
TABLE_ROWS = RANK_M_BASE + RANK_M_ROWS

FAST = 4  # the fast probability settles at the rate 2**-4
SLOW = 7  # the slow one at 2**-7; a decision's probability is their mean
LIMIT = (1 << SLOW) - 1  # updates counted: beyond, both rates are fixed
# Rates in 16 fractional bits, by a context's count of updates c: 1 / (c + 5.5) while that is
# above the settled rate. A young context so learns at about the speed of a frequency count
# (started at 5.5 rather than 1.5: a first bit moves p from 1/2 to 0.59, not to 0.83, which
# measured 3% smaller on the small Canterbury files).
RATE_FAST = np.array([max((1 << 17) // (2 * c + 11), 1 << (16 - FAST)) for c in range(LIMIT + 1)], np.int64)
RATE_SLOW = np.array([max((1 << 17) // (2 * c + 11), 1 << (16 - SLOW)) for c in range(LIMIT + 1)], np.int64)
# Rates of the order-0 coder of chunks that the transform does not help (code_bytes): a
# frequency count, 1 / (c + 1.5), down to 1 / 1024.5 (bytes without context are close to
# stationary; the fast rate would cost ~2% there).
COUNT_SHIFT = 10
RATE_COUNT = np.array([max((1 << 17) // (2 * c + 3), 1 << (16 - COUNT_SHIFT)) for c in range(1 << COUNT_SHIFT)],
                      np.int64)
BYTE_ROWS = 256  # the bit tree of a byte: node 1 .. 255


def new_tables(rows: int = TABLE_ROWS) -> np.ndarray:
    """Fresh model: every probability 1/2 with count 0 (int32 rows of (p22 fast, p22 slow,
    count)); ``BYTE_ROWS`` rows for :func:`code_bytes`."""
    tables = np.zeros((rows, 3), dtype=np.int32)
    tables[:, :2] = 1 << 21
    return tables


@njit(cache=True, nogil=True, inline="always")
def _read(stream, i):
    if i < stream.shape[0]:
        return np.int64(stream[i])
    return np.int64(0)


@njit(cache=True, nogil=True, inline="always")
def _code_bit(x1, x2, xc, sp, stream, p16, bit, decode):
    """Code one decision of P(bit = 1) = p16 / 65536 (1 <= p16 <= 65535): the coder state
    (x1, x2, x, position) after it, and the bit (the decoder's decoded bit). The encoder
    writes nothing past the stream's end but counts on: a position past the end
    afterwards means the buffer was too small."""
    xmid = x1 + (((x2 - x1) * p16) >> 16)
    if decode:
        bit = 1 if xc <= xmid else 0
    if bit:
        x2 = xmid
    else:
        x1 = xmid + 1
    while ((x1 ^ x2) & 0xFF000000) == 0:
        if decode:
            xc = ((xc << 8) & MASK32) | _read(stream, sp)
        elif sp < stream.shape[0]:
            stream[sp] = x2 >> 24
        sp += 1
        x1 = (x1 << 8) & MASK32
        x2 = ((x2 << 8) & MASK32) | 255
    return x1, x2, xc, sp, bit


@njit(cache=True, nogil=True, inline="always")
def _learn(tables, row, bit, fast, slow, fast_shift, slow_shift):
    """Move both probabilities of context ``row`` toward ``bit`` at the rates of its count."""
    pf = np.int64(tables[row, 0])
    ps = np.int64(tables[row, 1])
    target = np.int64(bit) << 22
    count = tables[row, 2]
    if count < fast.shape[0] - 1:
        tables[row, 0] = pf + (((target - pf) * fast[count]) >> 16)
        tables[row, 1] = ps + (((target - ps) * slow[count]) >> 16)
        tables[row, 2] = count + 1
    else:  # a settled context: the rates are fast[-1] and slow[-1], as shifts (1.7x faster)
        tables[row, 0] = pf + ((target - pf) >> fast_shift)
        tables[row, 1] = ps + ((target - ps) >> slow_shift)


@njit(cache=True, nogil=True, inline="always")
def _bit(x1, x2, xc, sp, stream, tables, row, bit, decode, fast, slow, fast_shift, slow_shift):
    """Code one decision with the probability of context ``row`` and update it (the mean
    of its two estimates)."""
    p16 = (np.int64(tables[row, 0]) + np.int64(tables[row, 1])) >> 7
    x1, x2, xc, sp, bit = _code_bit(x1, x2, xc, sp, stream, p16, bit, decode)
    _learn(tables, row, bit, fast, slow, fast_shift, slow_shift)
    return x1, x2, xc, sp, bit


@njit(cache=True, nogil=True, inline="always")
def _rbit(x1, x2, xc, sp, stream, tables, row, bit, decode):
    """:func:`_bit` at the rank coder's rates."""
    return _bit(x1, x2, xc, sp, stream, tables, row, bit, decode, RATE_FAST, RATE_SLOW, FAST, SLOW)


@njit(cache=True, nogil=True, inline="always")
def _start(stream, decode):
    """The coder's state (x1, x2, x, position) before the first decision: the decoder
    starts with the stream's first 4 bytes in x."""
    xc = np.int64(0)
    sp = np.int64(0)
    if decode:
        for _ in range(4):
            xc = (xc << 8) | _read(stream, sp)
            sp += 1
    return np.int64(0), np.int64(MASK32), xc, sp


@njit(cache=True, nogil=True, inline="always")
def _finish(decode, stream, sp, x1):
    """A kernel's result: the decoder's bytes read; the encoder's bytes written after its
    flush, one byte inside [x1, x2] once followed by zeros (the top bytes differ), or
    OVERFLOW."""
    if decode:
        return sp
    if sp >= stream.shape[0]:
        return OVERFLOW
    stream[sp] = (x1 >> 24) + 1
    return sp + 1


@njit(cache=True, nogil=True, inline="always")
def _run_length_bits(x1, x2, xc, sp, stream, tables, rb, e, length, decode):
    """The e bits of a run length below its leading 1, from the top (context: e and the
    bit's position; the top one also the bucket of the rank before): the coder state and
    the length (the decoder's decoded one)."""
    value = 1
    for j in range(e - 1, -1, -1):
        top = rb + 1 if j == e - 1 else 0
        row = RUN_M_BASE + (top * 32 + e) * 32 + j
        x1, x2, xc, sp, b = _rbit(x1, x2, xc, sp, stream, tables, row, (length >> j) & 1, decode)
        value = (value << 1) | b
    return x1, x2, xc, sp, value


@njit(cache=True, nogil=True, inline="always")
def _rank_bucket(r):
    e = 0
    while (r >> (e + 1)) != 0 and e < RB - 1:
        e += 1
    return e


@njit(cache=True, nogil=True, inline="always")
def _run_bucket(length):
    e = 0
    while (length >> (e + 1)) != 0 and e < ZB - 2:
        e += 1
    return e + 1


@njit(cache=True, nogil=True)
def code_ranks(decode, ranks, stream, tables):
    """Encode ``ranks`` into ``stream`` (returns bytes written, or OVERFLOW), or decode
    ``ranks.shape[0]`` ranks from ``stream`` into ``ranks`` (returns bytes read including
    the zero bytes read past the end, or CORRUPT / TRUNCATED)."""
    n = ranks.shape[0]
    x1, x2, xc, sp = _start(stream, decode)
    limit = stream.shape[0] + DECODER_LOOKAHEAD
    rb = 0  # bucket of the last rank
    rb_prev = 0  # bucket of the rank before it
    zb = 0  # bucket of the run just before the last rank (0: none)
    zb_last = 0  # bucket of the last run
    pos = 0
    after_run = False
    while pos < n:
        if decode and sp > limit:
            return TRUNCATED
        # ---- a run, unless one just ended
        run = 0
        if not after_run:
            if not decode:
                run = 1 if ranks[pos] == 0 else 0
            x1, x2, xc, sp, run = _rbit(x1, x2, xc, sp, stream, tables,
                                        Z_BASE + (rb * ZB + zb) * RB + rb_prev, run, decode)
        if run:
            length = 0
            if not decode:
                while pos + length < n and ranks[pos + length] == 0:
                    length += 1
            # exponent e = floor(log2 length), unary: "e > i" for i = 0, 1, ...
            ctx = RUN_E_BASE + (rb * ZB + zb_last) * 32
            e = 0
            while e < 31:
                more = 1 if (length >> (e + 1)) != 0 else 0
                x1, x2, xc, sp, more = _rbit(x1, x2, xc, sp, stream, tables, ctx + e, more, decode)
                if not more:
                    break
                e += 1
            x1, x2, xc, sp, value = _run_length_bits(x1, x2, xc, sp, stream, tables, rb, e, length, decode)
            if decode:
                if value > n - pos:
                    return CORRUPT  # a run past the block's end
                for k in range(pos, pos + value):
                    ranks[k] = 0
            pos += value
            zb_last = _run_bucket(value)
            after_run = True
            if pos >= n:
                break
        # ---- a nonzero rank: its exponent in unary, then its bits below the leading 1
        r = 0 if decode else np.int64(ranks[pos])
        zb_now = zb_last if after_run else 0
        ctx = RANK_E_BASE + ((zb_now * RB + rb) * RB + rb_prev) * 8
        e = 0
        while e < 7:
            more = 1 if (r >> (e + 1)) != 0 else 0
            x1, x2, xc, sp, more = _rbit(x1, x2, xc, sp, stream, tables, ctx + e, more, decode)
            if not more:
                break
            e += 1
        node = 1  # the rank's leading 1, then its mantissa bits from the top: the rank
        base = RANK_M_BASE + (1024 if after_run else 0) + e * 128
        for j in range(e - 1, -1, -1):
            x1, x2, xc, sp, b = _rbit(x1, x2, xc, sp, stream, tables, base + node, (r >> j) & 1, decode)
            node = (node << 1) | b
        if decode:
            ranks[pos] = node
        pos += 1
        rb_prev = rb
        rb = _rank_bucket(node)
        zb = zb_now
        after_run = False
    return _finish(decode, stream, sp, x1)


@njit(cache=True, nogil=True)
def code_bytes(decode, data, stream, tables):
    """Order-0 coding of bytes without the transform (for chunks it does not help, such as
    memoryless sources, where move-to-front loses the symbols' frequencies): each byte is
    8 decisions down a bit tree, most significant bit first. Same results as
    :func:`code_ranks` (bytes written or OVERFLOW; bytes read or TRUNCATED)."""
    n = data.shape[0]
    x1, x2, xc, sp = _start(stream, decode)
    limit = stream.shape[0] + DECODER_LOOKAHEAD
    for pos in range(n):
        if decode and sp > limit:
            return TRUNCATED
        c = 0 if decode else np.int64(data[pos])
        node = 1
        for j in range(7, -1, -1):
            x1, x2, xc, sp, b = _bit(x1, x2, xc, sp, stream, tables, node, (c >> j) & 1, decode,
                                     RATE_COUNT, RATE_COUNT, COUNT_SHIFT, COUNT_SHIFT)
            node = (node << 1) | b
        if decode:
            data[pos] = node - 256
    return _finish(decode, stream, sp, x1)

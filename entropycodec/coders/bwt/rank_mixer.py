"""The entropy stage of bwt level 2: move-to-front-2 ranks, coded with mixed predictions.

Level 1 (:mod:`.rank_coder`) codes move-to-front ranks with one adaptive probability per
decision, in contexts made of the ranks and runs just before. Move-to-front forgets which
symbol stands at the front, and in a BWT that symbol says much about what follows (after
the rotations that precede "he", the rotations that precede "hi"). This stage keeps the
same tokens and decisions (runs of zero ranks, Elias-gamma run lengths, unary rank
exponents, rank mantissas) and adds what level 1 forgets:

* the ranks are those of *move-to-front-2* (Balkenhol and Kurtz): a symbol found at
  position 1 moves to the front only when the rank before it was not 0, and a symbol found
  further back moves to position 1, not to the front; a stray symbol inside a run of
  another so costs the run less (0.8% smaller here on the text files than plain
  move-to-front, as the level 1 coder codes them);
* every decision but a run-length mantissa bit is predicted three ways: by level 1's
  context row, by a row of the decision alone (coarse: it learns fast), and by a row of
  the decision under the previous symbol c0; a mixer per decision kind (weights learnt
  online, lpaq's rule) combines the three in the logistic domain.

Measured on the Canterbury and Large Canterbury text files (bench/results/levels.md): about
2.3% smaller than level 1 (bible.txt 776.6 KB -> 758.9 KB), for about 2.5x level 1's
modelling time (compression level 6 decodes at two thirds of level 5's speed). Tried and
left out: the c0 rows alone (the coarse rows give as much), a hashed (c1, c0) context
(0.3% more at 3 MB of tables, mostly cache misses: 2x slower), an APM after the mixer (no
gain); leaving the rank mantissa bits unmixed (about 15% faster, 0.03% larger on text, but
10% larger on kennedy.xls); the slow estimates of the coarse and c0 rows (no gain, 12% of
the time).

Units: a probability row holds two 22-bit estimates of P(bit = 1) (rates 2**-4 and 2**-7
once settled, faster while young: :mod:`.rank_coder`) and a count (the coarse and c0 rows
use the fast one alone); a stretched value is
``ln(p / (1 - p)) * 256`` (cm's 12-bit STRETCH table of the row's top 12 bits); mixer
weights carry 16 fractional bits; the mixed probability is 16-bit, from :data:`SQUASH16`,
a table computed in exact decimal arithmetic (so every machine builds the same one). The
range coder is level 1's (lpaq1's carry-less binary coder, flush of one byte).

Encoder and decoder are one kernel on the BWT's output symbols (the decoder inverts
move-to-front-2 as it goes: it needs each symbol for the next contexts).

>>> import numpy as np
>>> last = np.frombuffer(b"aaaabbbbaaaccca", dtype=np.uint8).copy()
>>> stream = np.zeros(64, dtype=np.uint8)
>>> used = code_mixed(False, last, stream, *new_state())
>>> back = np.zeros(last.size, dtype=np.uint8)
>>> code_mixed(True, back, stream[:used], *new_state()) == used + DECODER_LOOKAHEAD
True
>>> bytes(back)
b'aaaabbbbaaaccca'
"""

from __future__ import annotations

import decimal

import numpy as np
from numba import njit

from entropycodec.coders.bwt.rank_coder import (
    CORRUPT,
    DECODER_LOOKAHEAD,
    FAST,
    RANK_E_BASE,
    RANK_M_BASE,
    RATE_FAST,
    RATE_SLOW,
    RB,
    RUN_E_BASE,
    SLOW,
    TABLE_ROWS,
    TRUNCATED,
    Z_BASE,
    ZB,
    _code_bit,
    _finish,
    _learn,
    _rank_bucket,
    _run_bucket,
    _run_length_bits,
    _start,
    new_tables,
)
from entropycodec.coders.cm.tables import STRETCH

__all__ = ["DECODER_LOOKAHEAD", "SQUASH16", "code_mixed", "new_state", "state_bytes"]

# The second input: rows of each decision in a coarse context (the decision alone: "a run
# follows" x rank bucket x run bucket, the unary positions, the mantissa tree node), which
# learn faster than level 1's fine rows.
QZ_BASE = 0
QRE_BASE = QZ_BASE + RB * ZB
QKE_BASE = QRE_BASE + 32
QKM_BASE = QKE_BASE + 8
Q_ROWS = QKM_BASE + 256
# The third input: rows under the previous symbol c0 ("a run follows" x rank bucket x run
# bucket; the run exponent's first 4 unary positions; the rank exponent x the run before;
# the rank mantissa's first 4 levels of the tree).
CZ_BASE = 0
CRE_BASE = CZ_BASE + 256 * RB * ZB
CKE_BASE = CRE_BASE + 256 * 4
CKM_BASE = CKE_BASE + 256 * ZB * 8
C_ROWS = CKM_BASE + 256 * 16
# Mixer inputs: level 1's two estimates, the coarse and the c0 rows' one (their slow
# estimates measured no gain and cost 12% of the time), and a bias; one weight set per kind.
N_INPUTS = 5
KINDS = 4  # "a run follows", run exponent, rank exponent, rank mantissa
BIAS = 64  # the bias input, a stretched 0.25
W_HALF = 1 << 15  # level 1 averages its two estimates: the mixer starts there
WEIGHT_LIMIT = 1 << 22
STRETCH_LIMIT = 3071  # the mixed prediction's range: ln-odds of +-12


def _squash16() -> np.ndarray:
    """65536 / (1 + exp(-d / 256)) for d in -STRETCH_LIMIT..STRETCH_LIMIT, rounded half to
    even and kept in [1, 65535], computed with decimal (correctly rounded exp)."""
    ctx = decimal.Context(prec=30)
    D = decimal.Decimal
    half = [int(ctx.divide(D(65536), 1 + ctx.exp(D(-d) / 256)).to_integral_value(decimal.ROUND_HALF_EVEN))
            for d in range(STRETCH_LIMIT + 1)]
    table = np.empty(2 * STRETCH_LIMIT + 1, dtype=np.int64)
    for d, v in enumerate(half):
        table[STRETCH_LIMIT + d] = min(v, 65535)
        table[STRETCH_LIMIT - d] = max(65536 - v, 1)
    return table


SQUASH16 = _squash16().astype(np.uint16)
_ST = STRETCH.astype(np.int16)  # small tables: they share L1 with the rows


def new_state():
    """Fresh model: level 1's rows, the coarse rows, the c0 rows and the mixer weights."""
    w = np.zeros((KINDS, N_INPUTS), dtype=np.int32)
    w[:, 0] = W_HALF
    w[:, 1] = W_HALF
    return new_tables(TABLE_ROWS), new_tables(Q_ROWS), new_tables(C_ROWS), w


def state_bytes() -> int:
    """Bytes of the model's tables (what decoding allocates besides the block)."""
    return 12 * (TABLE_ROWS + Q_ROWS + C_ROWS) + 4 * KINDS * N_INPUTS


@njit(cache=True, nogil=True, inline="always")
def _update_fast(t, row, bit):
    """Level 1's update of a row's fast estimate alone (the coarse and c0 rows)."""
    p = np.int64(t[row, 0])
    target = np.int64(bit) << 22
    count = t[row, 2]
    if count < RATE_FAST.shape[0] - 1:
        t[row, 0] = p + (((target - p) * RATE_FAST[count]) >> 16)
        t[row, 2] = count + 1
    else:
        t[row, 0] = p + ((target - p) >> FAST)


@njit(cache=True, nogil=True, inline="always")
def _mbit(x1, x2, xc, sp, stream, t, q, c, w, kind, row, qrow, crow, bit, decode):
    """Code one decision with the mix of rows ``row`` (t), ``qrow`` (q), ``crow`` (c)."""
    s0 = np.int64(_ST[t[row, 0] >> 10])
    s1 = np.int64(_ST[t[row, 1] >> 10])
    s2 = np.int64(_ST[q[qrow, 0] >> 10])
    s3 = np.int64(_ST[c[crow, 0] >> 10])
    dot = (s0 * w[kind, 0] + s1 * w[kind, 1] + s2 * w[kind, 2] + s3 * w[kind, 3]
           + BIAS * w[kind, 4]) >> 16
    if dot > STRETCH_LIMIT:
        dot = STRETCH_LIMIT
    if dot < -STRETCH_LIMIT:
        dot = -STRETCH_LIMIT
    p16 = np.int64(SQUASH16[dot + STRETCH_LIMIT])
    x1, x2, xc, sp, bit = _code_bit(x1, x2, xc, sp, stream, p16, bit, decode)
    err = (np.int64(bit) << 16) - p16
    for i, s in enumerate((s0, s1, s2, s3, BIAS)):
        v = np.int64(w[kind, i]) + ((s * err) >> 16)
        w[kind, i] = min(max(v, -WEIGHT_LIMIT), WEIGHT_LIMIT)
    _learn(t, row, bit, RATE_FAST, RATE_SLOW, FAST, SLOW)
    _update_fast(q, qrow, bit)
    _update_fast(c, crow, bit)
    return x1, x2, xc, sp, bit


@njit(cache=True, nogil=True)
def code_mixed(decode, symbols, stream, t, q, c, w):
    """Encode the BWT output ``symbols`` into ``stream`` (returns bytes written, or
    OVERFLOW), or decode ``symbols.shape[0]`` of them from ``stream`` into ``symbols``
    (returns bytes read including the zero bytes read past the end, or CORRUPT /
    TRUNCATED). ``t, q, c, w``: :func:`new_state`."""
    n = symbols.shape[0]
    x1, x2, xc, sp = _start(stream, decode)
    limit = stream.shape[0] + DECODER_LOOKAHEAD
    order = np.arange(256, dtype=np.int64)  # the move-to-front-2 list
    c0 = np.int64(0)  # the previous symbol
    last_rank = 0
    rb = 0
    rb_prev = 0
    zb = 0
    zb_last = 0
    pos = 0
    after_run = False
    while pos < n:
        if decode and sp > limit:
            return TRUNCATED
        # ---- a run of zero ranks (the front symbol repeated), unless one just ended
        run = 0
        front = order[0]
        if not after_run:
            if not decode:
                run = 1 if symbols[pos] == front else 0
            x1, x2, xc, sp, run = _mbit(x1, x2, xc, sp, stream, t, q, c, w, 0,
                                        Z_BASE + (rb * ZB + zb) * RB + rb_prev,
                                        QZ_BASE + rb * ZB + zb,
                                        CZ_BASE + (c0 * RB + rb) * ZB + zb, run, decode)
        if run:
            length = 0
            if not decode:
                while pos + length < n and symbols[pos + length] == front:
                    length += 1
            ctx = RUN_E_BASE + (rb * ZB + zb_last) * 32
            e = 0
            while e < 31:
                more = 1 if (length >> (e + 1)) != 0 else 0
                x1, x2, xc, sp, more = _mbit(x1, x2, xc, sp, stream, t, q, c, w, 1, ctx + e,
                                             QRE_BASE + e, CRE_BASE + c0 * 4 + min(e, 3),
                                             more, decode)
                if not more:
                    break
                e += 1
            x1, x2, xc, sp, value = _run_length_bits(x1, x2, xc, sp, stream, t, rb, e, length, decode)
            if decode:
                if value > n - pos:
                    return CORRUPT
                for k in range(pos, pos + value):
                    symbols[k] = front
            pos += value
            c0 = front
            last_rank = 0
            zb_last = _run_bucket(value)
            after_run = True
            if pos >= n:
                break
        # ---- a nonzero rank: exponent in unary, then the bits below its leading 1
        r = 0
        if not decode:
            s = symbols[pos]
            while order[r] != s:
                r += 1
        zb_now = zb_last if after_run else 0
        ctx = RANK_E_BASE + ((zb_now * RB + rb) * RB + rb_prev) * 8
        e = 0
        while e < 7:
            more = 1 if (r >> (e + 1)) != 0 else 0
            x1, x2, xc, sp, more = _mbit(x1, x2, xc, sp, stream, t, q, c, w, 2, ctx + e,
                                         QKE_BASE + e,
                                         CKE_BASE + (c0 * ZB + zb_now) * 8 + e, more, decode)
            if not more:
                break
            e += 1
        node = 1
        base = RANK_M_BASE + (1024 if after_run else 0) + e * 128
        for j in range(e - 1, -1, -1):
            x1, x2, xc, sp, b = _mbit(x1, x2, xc, sp, stream, t, q, c, w, 3, base + node,
                                      QKM_BASE + node, CKM_BASE + c0 * 16 + min(node, 15),
                                      (r >> j) & 1, decode)
            node = (node << 1) | b
        r = node
        s = order[r]
        if decode:
            symbols[pos] = s
        # move-to-front-2: to the front from position 1 only after a nonzero rank; from
        # further back to position 1
        dest = 0 if (r == 1 and last_rank != 0) else 1
        for k in range(r, dest, -1):
            order[k] = order[k - 1]
        order[dest] = s
        last_rank = r
        c0 = s
        pos += 1
        rb_prev = rb
        rb = _rank_bucket(node)
        zb = zb_now
        after_run = False
    return _finish(decode, stream, sp, x1)

"""The context-mixing coding loop: one numba kernel shared by the encoder and the decoder.

Encoder and decoder run the same function (``decode`` selects the direction),
so the model cannot drift apart: every prediction is computed from bits both
sides already know, then the bit is coded, then every component is updated
with it. Per bit the work is: 2 direct StateMaps (orders 0 and 1), 6 bit
histories in the hash table (orders 2-6 and the word), the match model, one
mixer dot product of :data:`levels.N_INPUTS` inputs, one APM, the binary
arithmetic coder, and the matching updates. Per nibble, 6 hash-table buckets
are looked up. Nothing is allocated per byte.

The arithmetic coder is lpaq1's carry-less binary coder. Invariants before and
after each bit: ``0 <= x1 <= x <= x2 < 2**32`` (x only in the decoder) and the
top bytes of x1 and x2 differ. A bit with P(1) = p/4096 splits [x1, x2] at
``xmid = x1 + ((x2 - x1) >> 12) * p``: 1 keeps [x1, xmid], 0 keeps
[xmid + 1, x2]; then equal leading bytes are shifted out. The flush writes one
byte, ``(x1 >> 24) + 1``, which the decoder extends with zero bytes to a value
inside the final interval.

>>> import numpy as np
>>> from entropycodec.coders.cm.levels import allocate_tables
>>> data = np.frombuffer(b"abracadabra", dtype=np.uint8).copy()
>>> out = np.zeros(64, dtype=np.uint8)
>>> written = run_model(False, data, len(data), out, *allocate_tables(1).values())
>>> back = np.zeros(len(data), dtype=np.uint8)
>>> consumed = run_model(True, back, len(data), out[:written], *allocate_tables(1).values())
>>> bytes(back), consumed == written + 3
(b'abracadabra', True)
"""

from __future__ import annotations

import numpy as np
from numba import njit

from entropycodec.coders.cm.components import (
    apm_p,
    apm_update,
    context_hash,
    find_bucket,
    fmix32,
    mixer_dot,
    mixer_train,
    next_state,
    squash_fast,
    statemap_p,
    statemap_update,
    stretch_fast,
)
from entropycodec.coders.cm.levels import N_HASHED, N_INPUTS

__all__ = ["run_model", "MATCH_MIN_LENGTH"]

MASK32 = 0xFFFFFFFF
# A match is looked up through a hash of the last 6 bytes and accepted when at least that many
# bytes really match (checked backwards, up to MATCH_VERIFY bytes).
MATCH_MIN_LENGTH = 6
MATCH_VERIFY = 32
MATCH_MAX_LENGTH = 65535
# Mixer learning rate (see mixer_train), in 1/1024 per unit of error and stretch: it starts at
# MIXER_RATE_START, so a new model learns fast, and decays as 1/(1 + bytes / MIXER_RATE_HALF)
# toward MIXER_RATE_END, where a settled model loses least to noise.
MIXER_RATE_START = 24
MIXER_RATE_END = 2
MIXER_RATE_HALF = 8192
# Errors within +-MIXER_SKIP (of 4096) move no weight by more than 2047 * 24 * 24 / 16384 = 72
# (0.001), so the mixer skips training on them; most bits of redundant text are such.
MIXER_SKIP = 24
# StateMap count limits: the adaptation rate settles at 1 / (limit + 1.5).
LIMIT_DIRECT = 1023
LIMIT_HASHED = 1023
LIMIT_MATCH = 1023
# A decoder following a valid payload reads exactly len(payload) + 3 bytes: 4 to fill its window
# at the start, and the encoder ends with a 1-byte flush instead of 4.
DECODER_LOOKAHEAD = 3
# APM adaptation rate 2**-7.
APM_RATE = 7
# Mixer inputs by index.
I_ORDER0 = 0
I_ORDER1 = 1
I_HASHED = 2
I_MATCH = I_HASHED + N_HASHED
I_MATCH_LENGTH = I_MATCH + 1
I_BIAS = I_MATCH + 2


@njit(cache=True, nogil=True)
def _read_byte(stream, i):
    """Byte i of the payload, or 0 past its end (the decoder counts such reads)."""
    if i < stream.shape[0]:
        return np.int64(stream[i])
    return 0


@njit(cache=True, nogil=True)
def _context_hashes(hashes, c4, c8, word, word_prev):
    """Byte-boundary hashes of the hashed contexts: orders 2-6, then the word context.

    c4 holds the last 4 bytes (most recent lowest), c8 the 4 before them. The word context is
    the hash of the current alphabetic word, or, between words, the previous word and the
    last byte.
    """
    hashes[0] = context_hash(c4 & 0xFFFF, 0, 2)
    hashes[1] = context_hash(c4 & 0xFFFFFF, 0, 3)
    hashes[2] = context_hash(c4, 0, 4)
    hashes[3] = context_hash(c4, c8 & 0xFF, 5)
    hashes[4] = context_hash(c4, c8 & 0xFFFF, 6)
    if word != 0:
        hashes[5] = context_hash(word, 0, 7)
    else:
        hashes[5] = context_hash(word_prev, c4 & 0xFF, 8)


@njit(cache=True, nogil=True)
def _find_buckets(ht, mask, hashes, slots, c0):
    """Buckets of the nibble that starts now (c0 = 1 for the first nibble, 16..31 the second)."""
    for i in range(N_HASHED):
        slots[i] = find_bucket(ht, fmix32(hashes[i] + c0 * 0x9E3779B1), mask)


@njit(cache=True, nogil=True)
def _match_length_class(length):
    """Quantized match length 0..31: exact below 16, then steps of 4."""
    if length < 16:
        return length
    q = 16 + ((length - 16) >> 2)
    return q if q < 31 else 31


@njit(cache=True, nogil=True)
def _word_update(word, word_prev, c):
    """Hash of the current alphabetic word after byte c (letters case-folded), and the last word.

    A non-letter ends the word: it becomes ``word_prev`` and ``word`` is 0 (a word's hash is never
    0, so 0 means "between words").
    """
    lower = c + 32 if 65 <= c <= 90 else c
    if 97 <= lower <= 122:
        word = ((word + lower) * 0x2E0B3A1D) & MASK32
        if word == 0:
            word = 1
    elif word != 0:
        word_prev = word
        word = 0
    return word, word_prev


@njit(cache=True, nogil=True)
def _match_predict(buf, ptr, length, bit, smm, x):
    """The match model's two mixer inputs for bit number ``bit`` of the byte (0 = MSB).

    Sets x[I_MATCH] (the StateMap's stretched belief in the expected bit, by length class) and
    x[I_MATCH_LENGTH] (+-min(length, 32) * 32 toward the expected bit); both 0 without a match.
    Returns (expected bit, StateMap context, length class 0..3 for the mixer).
    """
    if length == 0:
        x[I_MATCH] = 0
        x[I_MATCH_LENGTH] = 0
        return 0, 0, 0
    expected = (np.int64(buf[ptr]) >> (7 - bit)) & 1
    ctx = _match_length_class(length) * 2 + expected
    x[I_MATCH] = stretch_fast(statemap_p(smm, ctx))
    m = length if length < 32 else 32
    x[I_MATCH_LENGTH] = (2 * expected - 1) * m * 32
    return expected, ctx, 1 if length < 8 else (2 if length < 16 else 3)


@njit(cache=True, nogil=True)
def _match_find(buf, known, mt, mt_index, length, ptr):
    """Byte-boundary match update; returns (length, ptr) of the match to follow.

    ``known`` bytes of buf are final. A match still running is kept (its bits all agreed); with
    none, the last occurrence of the same 6-byte hash is verified backwards and taken if at least
    MATCH_MIN_LENGTH bytes agree. The index then records the current position.
    """
    if length == 0 and known >= MATCH_MIN_LENGTH:
        cand = np.int64(mt[mt_index])
        if cand > 0:
            n = 0
            while n < MATCH_VERIFY and n < cand and buf[cand - 1 - n] == buf[known - 1 - n]:
                n += 1
            if n >= MATCH_MIN_LENGTH:
                length = n
                ptr = cand
    if known >= MATCH_MIN_LENGTH:
        mt[mt_index] = known
    return length, ptr


@njit(cache=True, nogil=True)
def run_model(decode, buf, n, stream, ht, mt, sm0, sm1, smh, smm, mw, apm):
    """Code n bytes; returns payload bytes written (encoder) or read (decoder).

    Encoder (decode False): reads buf[:n], writes the payload into stream; returns the payload
    length, or -1 if stream is too small. Decoder (decode True): reads stream (bytes past its end
    read as 0), writes buf[:n]; returns how many bytes it read, which is len(payload) + 3 for
    every payload the encoder made. The tables are those of ``levels.allocate_tables`` and are
    updated in place. The decoder stops early, returning more than len(payload) + 3, once it has
    read further than a valid payload allows.
    """
    ht_mask = (ht.shape[0] >> 4) - 1
    mt_mask = mt.shape[0] - 1
    x = np.zeros(N_INPUTS, dtype=np.int64)
    hashes = np.zeros(N_HASHED, dtype=np.int64)
    slots = np.zeros(N_HASHED, dtype=np.int64)
    states = np.zeros(N_HASHED, dtype=np.int64)

    x1 = 0
    x2 = MASK32
    xc = 0
    sp = 0  # payload bytes written or read
    if decode:
        for _ in range(4):
            xc = (xc << 8) | _read_byte(stream, sp)
            sp += 1

    c0 = 1  # partial byte with a leading 1: 1, 1b, 1bb, ... (as in lpaq)
    c4 = 0
    c8 = 0
    word = 0
    word_prev = 0
    match_len = 0
    match_ptr = 0
    _context_hashes(hashes, c4, c8, word, word_prev)
    _find_buckets(ht, ht_mask, hashes, slots, 1)
    x[I_BIAS] = 256

    for pos in range(n):
        c1 = c4 & 0xFF
        mixer_rate = MIXER_RATE_END + (MIXER_RATE_START - MIXER_RATE_END) * MIXER_RATE_HALF // (
            MIXER_RATE_HALF + pos
        )
        nib = 1
        for bit in range(8):
            # ---- predict: each input is a stretched probability of a 1
            x[I_ORDER0] = stretch_fast(statemap_p(sm0, c0))
            i1 = (c1 << 8) | c0
            x[I_ORDER1] = stretch_fast(statemap_p(sm1, i1))
            known = 0  # hashed contexts seen before at this node: 0..6
            for i in range(N_HASHED):
                s = np.int64(ht[slots[i] + nib])
                states[i] = s
                if s != 0:
                    known += 1
                x[I_HASHED + i] = stretch_fast(statemap_p(smh, i * 256 + s))
            expected, match_ctx, match_class = _match_predict(
                buf, match_ptr, match_len, bit, smm, x
            )
            wbase = ((known * 4 + match_class) * 256 + c0) * N_INPUTS
            pm = squash_fast(mixer_dot(mw, wbase, x, N_INPUTS))
            pa, ia = apm_p(apm, ((c1 << 4) ^ c0) & 0xFFF, pm)
            p = (pm + 3 * pa + 2) >> 2
            if p < 1:
                p = 1
            if p > 4095:
                p = 4095

            # ---- code the bit
            xmid = x1 + ((x2 - x1) >> 12) * p
            if decode:
                y = 1 if xc <= xmid else 0
            else:
                y = (np.int64(buf[pos]) >> (7 - bit)) & 1
            if y:
                x2 = xmid
            else:
                x1 = xmid + 1
            while ((x1 ^ x2) & 0xFF000000) == 0:
                if decode:
                    xc = ((xc << 8) & MASK32) | _read_byte(stream, sp)
                    if sp >= stream.shape[0] + DECODER_LOOKAHEAD:
                        # past what any encoder output needs: the payload is truncated or
                        # corrupt, and decoding on would only cost time
                        return sp + 1
                else:
                    if sp >= stream.shape[0]:
                        return -1
                    stream[sp] = x2 >> 24
                sp += 1
                x1 = (x1 << 8) & MASK32
                x2 = ((x2 << 8) & MASK32) | 255

            # ---- update every component with y
            err = (y << 12) - pm
            if err > MIXER_SKIP or err < -MIXER_SKIP:
                mixer_train(mw, wbase, x, N_INPUTS, err * mixer_rate)
            statemap_update(sm0, c0, y, LIMIT_DIRECT)
            statemap_update(sm1, i1, y, LIMIT_DIRECT)
            for i in range(N_HASHED):
                statemap_update(smh, i * 256 + states[i], y, LIMIT_HASHED)
                ht[slots[i] + nib] = next_state(states[i], y)
            if match_len > 0:
                statemap_update(smm, match_ctx, y, LIMIT_MATCH)
                if expected != y:
                    match_len = 0
            apm_update(apm, ia, y, APM_RATE)
            c0 = (c0 << 1) | y
            nib = (nib << 1) | y
            if bit == 3:
                nib = 1
                _find_buckets(ht, ht_mask, hashes, slots, c0)

        # ---- byte boundary
        c = c0 - 256
        if decode:
            buf[pos] = c
        c0 = 1
        c8 = ((c8 << 8) | (c4 >> 24)) & MASK32
        c4 = ((c4 << 8) | c) & MASK32
        word, word_prev = _word_update(word, word_prev, c)
        if match_len > 0:
            match_ptr += 1
            if match_len < MATCH_MAX_LENGTH:
                match_len += 1
        mt_index = context_hash(c4, c8 & 0xFFFF, 9) & mt_mask
        match_len, match_ptr = _match_find(buf, pos + 1, mt, mt_index, match_len, match_ptr)
        _context_hashes(hashes, c4, c8, word, word_prev)
        _find_buckets(ht, ht_mask, hashes, slots, 1)

    if not decode:
        if sp >= stream.shape[0]:
            return -1
        stream[sp] = (x1 >> 24) + 1
        sp += 1
    return sp

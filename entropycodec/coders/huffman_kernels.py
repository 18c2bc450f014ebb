"""Numba kernels for canonical Huffman coding of index arrays.

Bit order: code words are written most significant bit first into bytes filled
from their most significant bit (bitarray's ``endian="big"``); the last byte is
padded with zero bits.

Encoder: a 64-bit accumulator takes whole code words and spills 32 bits at a
time, so a word of up to 32 bits always fits (longer words are split in two).

Decoder: a 64-bit window, top-aligned, refilled byte by byte to at least 57
valid bits. The first ``table_bits`` bits index a table holding (symbol,
length) for every code word of at most ``table_bits`` bits; longer words fall
back to canonical decoding (first code and first index per length), which
handles words of up to 57 bits.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# Kernel status codes (the Python wrappers turn them into exceptions).
OK = 0
INVALID_CODE = 1  # bits that no code word starts with (possible when the Kraft sum < 1)

MAX_DECODE_LENGTH = 57  # window of 64 bits minus the up-to-7 bits of the refill byte


@njit(cache=True, nogil=True)
def encode_kernel(indices, codes, lengths, out):
    """Write the code words of ``indices`` into ``out``; return the number of bits.

    ``codes[s]`` holds the ``lengths[s]``-bit code word of symbol s (right-aligned,
    at most 64 bits); ``out`` must hold at least ceil(total_bits / 8) + 8 bytes.
    A symbol without a code word (length 0) stops the kernel, which then returns
    -(1 + its position in ``indices``).
    """
    acc = np.uint64(0)
    nacc = 0  # valid low bits in acc; invariant: nacc < 32 between symbols
    pos = 0
    total = 0
    for t in range(indices.size):
        s = indices[t]
        length = np.int64(lengths[s])
        code = codes[s]
        if length == 0:
            return -(1 + t)
        total += length
        # The 32-bit spill below is written out twice on purpose: moving it into a
        # helper returning (acc, nacc, pos) made this loop 7x slower under numba 0.68.
        if length > 32:
            # split: high (length - 32) bits first, then the low 32 bits
            hi_len = length - 32
            acc = (acc << np.uint64(hi_len)) | (code >> np.uint64(32))
            nacc += hi_len
            if nacc >= 32:
                nacc -= 32
                word = acc >> np.uint64(nacc)
                out[pos] = (word >> np.uint64(24)) & 0xFF
                out[pos + 1] = (word >> np.uint64(16)) & 0xFF
                out[pos + 2] = (word >> np.uint64(8)) & 0xFF
                out[pos + 3] = word & 0xFF
                pos += 4
                acc &= (np.uint64(1) << np.uint64(nacc)) - np.uint64(1)
            length = 32
            code &= np.uint64(0xFFFFFFFF)
        acc = (acc << np.uint64(length)) | code
        nacc += length
        if nacc >= 32:
            nacc -= 32
            word = acc >> np.uint64(nacc)
            out[pos] = (word >> np.uint64(24)) & 0xFF
            out[pos + 1] = (word >> np.uint64(16)) & 0xFF
            out[pos + 2] = (word >> np.uint64(8)) & 0xFF
            out[pos + 3] = word & 0xFF
            pos += 4
            acc &= (np.uint64(1) << np.uint64(nacc)) - np.uint64(1)
    # flush the remaining nacc (< 32) bits, left-aligned in whole bytes
    while nacc > 0:
        if nacc >= 8:
            nacc -= 8
            out[pos] = (acc >> np.uint64(nacc)) & 0xFF
        else:
            out[pos] = (acc << np.uint64(8 - nacc)) & 0xFF
            nacc = 0
        pos += 1
    return total


@njit(cache=True, nogil=True)
def decode_kernel(data, n, table_sym, table_len, table_bits,
                  first_code, first_index, count, sorted_syms, max_len, out):
    """Decode ``n`` symbols from ``data`` into ``out``.

    Returns (status, bits_consumed). Bits beyond the end of ``data`` read as
    zeros; the caller compares bits_consumed with 8 * len(data) to detect
    truncation. ``first_code[l]``, ``first_index[l]`` and ``count[l]`` describe
    the canonical code words of length l (1 <= l <= max_len <= 57).
    """
    size = data.size
    window = np.uint64(0)  # valid bits are the top ``nbits`` bits
    nbits = 0
    pos = 0  # next byte to load (may run past ``size``: zeros are loaded then)
    consumed = 0
    shift_t = np.uint64(64 - table_bits)
    for t in range(n):
        while nbits <= 56:
            b = np.uint64(data[pos]) if pos < size else np.uint64(0)
            window |= b << np.uint64(56 - nbits)
            nbits += 8
            pos += 1
        e = window >> shift_t
        length = np.int64(table_len[e])
        if length > 0:
            out[t] = table_sym[e]
        else:
            # canonical slow path for words longer than table_bits
            found = False
            for ln in range(table_bits + 1, max_len + 1):
                code = np.int64(window >> np.uint64(64 - ln))
                off = code - first_code[ln]
                if off >= 0 and off < count[ln]:
                    out[t] = sorted_syms[first_index[ln] + off]
                    length = ln
                    found = True
                    break
            if not found:
                return INVALID_CODE, consumed
        window <<= np.uint64(length)
        nbits -= length
        consumed += length
    return OK, consumed


@njit(cache=True, nogil=True)
def decode_short_kernel(data, n, table, table_bits, out):
    """Decode ``n`` symbols when every code word fits the table (max length <= table_bits <= 16).

    ``table[e]`` packs (symbol << 5) | length for the ``table_bits``-bit prefix e;
    length 0 marks a prefix no code word starts with. The window is refilled 32
    bits at a time whenever it holds fewer than 32 bits, which leaves room for two
    table look-ups per refill. Returns (status, bits_consumed) as decode_kernel.
    """
    size = data.size
    window = np.uint64(0)  # valid bits are the top ``nbits`` bits
    nbits = 0
    pos = 0
    consumed = 0
    shift = np.uint64(64 - table_bits)
    t = 0
    while t < n:
        if nbits < 32:
            if pos + 4 <= size:
                w = ((np.uint64(data[pos]) << np.uint64(24)) | (np.uint64(data[pos + 1]) << np.uint64(16))
                     | (np.uint64(data[pos + 2]) << np.uint64(8)) | np.uint64(data[pos + 3]))
            else:
                w = np.uint64(0)
                for j in range(4):
                    b = np.uint64(data[pos + j]) if pos + j < size else np.uint64(0)
                    w = (w << np.uint64(8)) | b
            pos += 4
            window |= w << np.uint64(32 - nbits)
            nbits += 32
        # two symbols per refill: nbits >= 32 >= 2 * table_bits is not required, only
        # that each look-up sees table_bits valid bits, so check before the second one
        entry = table[window >> shift]
        length = entry & 31
        if length == 0:
            return INVALID_CODE, consumed
        out[t] = entry >> 5
        window <<= np.uint64(length)
        nbits -= length
        consumed += length
        t += 1
        if t < n and nbits >= table_bits:
            entry = table[window >> shift]
            length = entry & 31
            if length == 0:
                return INVALID_CODE, consumed
            out[t] = entry >> 5
            window <<= np.uint64(length)
            nbits -= length
            consumed += length
            t += 1
    return OK, consumed

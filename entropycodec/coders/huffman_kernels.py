"""Numba kernels for canonical Huffman coding of index arrays.

Bit order: code words are written most significant bit first into bytes filled
from their most significant bit (bitarray's ``endian="big"``); the last byte is
padded with zero bits.

Encoder: a 64-bit accumulator takes whole code words and spills 32 bits at a
time, so a word of up to 32 bits always fits (longer words are split in two).
:func:`encode_fast`, used for words of up to 56 bits, writes the same bytes with
one unaligned 8-byte store per few words instead (``store_be64``).

Decoder: a 64-bit window, top-aligned, refilled byte by byte to at least 57
valid bits. The first ``table_bits`` bits index a table holding (symbol,
length) for every code word of at most ``table_bits`` bits; longer words fall
back to canonical decoding (first code and first index per length), which
handles words of up to 57 bits.

Four streams (zstd's Huff0 4X): the symbols in four segments, each coded as its
own stream; :func:`decode_4x` decodes one symbol of every stream in turn, so that
the CPU overlaps four dependency chains, and reloads each stream's window with
one unaligned 8-byte load at its bit position (``load_be64``), no refill branch:
bible.txt decodes at 767 MB/s where one stream does 306 (15-bit words: 658 and
200).
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

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


@intrinsic
def load_be64(typingctx, arr, index):
    """The 8 bytes of the uint8 array ``arr`` from ``index`` on, read as a big-endian
    uint64 (one unaligned load and a byte swap; the caller keeps index + 8 <= arr.size).
    Python twin: ``int.from_bytes(arr[index:index + 8], "big")``."""
    sig = types.uint64(arr, index)

    def codegen(context, builder, signature, args):
        array = context.make_array(signature.args[0])(context, builder, args[0])
        ptr = builder.bitcast(builder.gep(array.data, [args[1]]), ir.IntType(64).as_pointer())
        bswap = builder.module.declare_intrinsic("llvm.bswap", [ir.IntType(64)])
        return builder.call(bswap, [builder.load(ptr, align=1)])

    return sig, codegen


_FOUR = {}


def decode_4x(per_load: int):
    """The four-stream decoder that takes ``per_load`` symbols (3 or 4) from each
    8-byte load: a load gives at least 57 valid bits, 4 words of up to 14 bits or 3 of
    up to 15 (the kernel is compiled per count, a constant of its inner loop)."""
    if per_load not in _FOUR:
        _FOUR[per_load] = _make_4x(per_load)
    return _FOUR[per_load]


def _make_4x(K):
    @njit(cache=True, nogil=True)
    def decode(data, bounds, n, table, table_bits, out):
        """Decode ``n`` symbols from four streams into ``out``; return (status, stream)
        with stream the first whose words ran past its end (-1 if none).

        Stream j holds symbols [j m, min((j + 1) m, n)) with m = ceil(n / 4), in
        ``data[bounds[j]:bounds[j + 1]]``. ``table[e]`` packs (symbol << 4) | length for
        every ``table_bits``-bit prefix e (length 0: no word starts so). The main loop
        runs while the last stream has K symbols and every stream 8 bytes left; the rest
        of each stream is decoded one symbol at a time with its bytes read one by one
        (zeros past its end). ``bounds`` is checked by the caller (increasing, within
        ``data``).
        """
        seg = (n + 3) // 4
        last = n - 3 * seg
        shift = np.uint64(64 - table_bits)
        q0, q1, q2, q3 = bounds[0] * 8, bounds[1] * 8, bounds[2] * 8, bounds[3] * 8
        e0, e1, e2, e3 = bounds[1], bounds[2], bounds[3], bounds[4]  # each stream's end byte
        invalid = False
        t = 0
        # every load stays inside its own stream, so a corrupt stream cannot read past data
        while (t + K <= last and (q0 >> 3) + 8 <= e0 and (q1 >> 3) + 8 <= e1
               and (q2 >> 3) + 8 <= e2 and (q3 >> 3) + 8 <= e3):
            w0 = load_be64(data, q0 >> 3) << np.uint64(q0 & 7)
            w1 = load_be64(data, q1 >> 3) << np.uint64(q1 & 7)
            w2 = load_be64(data, q2 >> 3) << np.uint64(q2 & 7)
            w3 = load_be64(data, q3 >> 3) << np.uint64(q3 & 7)
            for k in range(K):
                x0, x1 = table[w0 >> shift], table[w1 >> shift]
                x2, x3 = table[w2 >> shift], table[w3 >> shift]
                invalid |= (x0 == 0) | (x1 == 0) | (x2 == 0) | (x3 == 0)
                l0, l1 = np.int64(x0 & 15), np.int64(x1 & 15)
                l2, l3 = np.int64(x2 & 15), np.int64(x3 & 15)
                out[t + k] = x0 >> 4
                out[seg + t + k] = x1 >> 4
                out[2 * seg + t + k] = x2 >> 4
                out[3 * seg + t + k] = x3 >> 4
                w0 <<= np.uint64(l0)
                w1 <<= np.uint64(l1)
                w2 <<= np.uint64(l2)
                w3 <<= np.uint64(l3)
                q0 += l0
                q1 += l1
                q2 += l2
                q3 += l3
            t += K
        if invalid:
            return INVALID_CODE, -1
        starts = (q0, q1, q2, q3)
        for j in range(4):
            q = starts[j]
            end = bounds[j + 1]
            stop = min((j + 1) * seg, n)
            for u in range(j * seg + t, stop):
                w = np.uint64(0)
                for b in range(3):  # the 24 bits from bit q on: enough for 15-bit words
                    at = (q >> 3) + b
                    w = (w << np.uint64(8)) | (np.uint64(data[at]) if at < end else np.uint64(0))
                x = table[((w << np.uint64(40 + (q & 7))) >> shift)]
                if x == 0:
                    return INVALID_CODE, -1
                out[u] = x >> 4
                q += np.int64(x & 15)
            if q > end * 8:
                return OK, j
        return OK, -1

    return decode


@intrinsic
def store_be64(typingctx, arr, index, value):
    """Write the uint64 ``value`` big-endian into the 8 bytes of the uint8 array ``arr``
    from ``index`` on (one byte swap and an unaligned store; the caller keeps
    index + 8 <= arr.size)."""
    sig = types.void(arr, index, value)

    def codegen(context, builder, signature, args):
        array = context.make_array(signature.args[0])(context, builder, args[0])
        ptr = builder.bitcast(builder.gep(array.data, [args[1]]), ir.IntType(64).as_pointer())
        bswap = builder.module.declare_intrinsic("llvm.bswap", [ir.IntType(64)])
        builder.store(builder.call(bswap, [args[2]]), ptr, align=1)
        return context.get_dummy_value()

    return sig, codegen


MAX_FAST_ENCODE_LENGTH = 56  # K words of up to 56 // K bits and 7 pending bits fit 63 bits
_FAST_ENCODERS = {}


def encode_fast(per_store: int):
    """An encoder that writes the same bytes as :func:`encode_kernel` with one 8-byte
    store per ``per_store`` words (1..4; words of up to 56 // per_store bits): no
    branch on the accumulator's fill. bible.txt: 804 MB/s against 548 (12-bit words,
    4 per store), 710 against 544 (15-bit, 3)."""
    if per_store not in _FAST_ENCODERS:
        _FAST_ENCODERS[per_store] = _make_fast_encoder(per_store)
    return _FAST_ENCODERS[per_store]


def _make_fast_encoder(K):
    @njit(cache=True, nogil=True)
    def encode(indices, codes, lengths, out):
        """As :func:`encode_kernel` (bits written, or -(1 + t) for a symbol of length 0);
        ``out`` needs ceil(total_bits / 8) + 8 bytes. After each group of K words the
        accumulator's whole bytes are stored at once (its low bits: nacc of them, at
        most 63) and the 0-7 bits of the last partial byte stay in it."""
        acc = np.uint64(0)
        nacc = 0
        pos = 0
        n = indices.size
        t = 0
        while t < n:
            stop = min(t + K, n)
            for u in range(t, stop):
                s = indices[u]
                length = np.int64(lengths[s])
                if length == 0:
                    return -(1 + u)
                acc = (acc << np.uint64(length)) | codes[s]
                nacc += length
            t = stop
            store_be64(out, pos, (acc << np.uint64(63 - nacc)) << np.uint64(1))
            pos += nacc >> 3
            nacc &= 7
            acc &= (np.uint64(1) << np.uint64(nacc)) - np.uint64(1)
        if nacc:
            store_be64(out, pos, (acc << np.uint64(63 - nacc)) << np.uint64(1))
        return 8 * pos + nacc

    return encode

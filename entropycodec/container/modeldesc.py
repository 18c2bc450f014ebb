"""Compact model descriptions: Huffman code lengths and normalized frequencies.

Layouts are specified in docs/format.md ("Model descriptions"). Both start with
the *symbol set* (which byte values occur) in the shortest of three layouts,
then one value per present symbol: a 4-bit code length, or a frequency written
as an Exp-Golomb code whose order is chosen per block. Readers check every
value and every size against the bytes actually present, so a damaged
description raises :class:`~entropycodec.errors.CorruptDataError` and never
an IndexError.

>>> lengths = [0] * 256
>>> lengths[97], lengths[98], lengths[99] = 1, 2, 2
>>> desc = encode_code_lengths(lengths)
>>> desc.hex(" ")          # layout 2 (list): k-1 = 2, symbols a b c, lengths 1 2 2
'02 02 61 62 63 12 20'
>>> decode_code_lengths(desc)[97:100].tolist()
[1, 2, 2]
>>> freqs = [0] * 256
>>> freqs[97], freqs[98] = 3, 1
>>> decode_frequencies(encode_frequencies(freqs, 2))[0][97:99].tolist()
[3, 1]
"""

from __future__ import annotations

import numpy as np

from entropycodec.container.format import MAX_CODE_LENGTH, MAX_MODEL_SIZE
from entropycodec.errors import CorruptDataError
from entropycodec.models.protocol import MAX_SCALE_BITS

__all__ = [
    "MAX_CODE_LENGTH",
    "MAX_MODEL_SIZE",
    "MAX_SCALE_BITS",
    "decode_code_lengths",
    "decode_frequencies",
    "encode_code_lengths",
    "encode_frequencies",
    "frequency_description_size",
]

LAYOUT_ALL, LAYOUT_BITMAP, LAYOUT_LIST = 0, 1, 2


# -- symbol set ---------------------------------------------------------------------------

def _symbol_set(present: np.ndarray) -> tuple[int, bytes]:
    """Shortest (layout, bytes) of the sorted present symbols (ties: lower layout)."""
    k = present.size
    if k == 256:
        return LAYOUT_ALL, b""
    mask = np.zeros(256, dtype=bool)
    mask[present] = True
    bitmap = np.packbits(mask, bitorder="little").tobytes()
    listed = bytes([k - 1]) + present.astype(np.uint8).tobytes()
    return (LAYOUT_BITMAP, bitmap) if len(bitmap) <= len(listed) else (LAYOUT_LIST, listed)


def _read_symbol_set(layout: int, data: bytes, pos: int) -> tuple[np.ndarray, int]:
    """Present symbols (sorted) and the position after the symbol set."""
    if layout == LAYOUT_ALL:
        return np.arange(256), pos
    if layout == LAYOUT_BITMAP:
        raw = _take(data, pos, 32)
        present = np.flatnonzero(np.unpackbits(np.frombuffer(raw, np.uint8), bitorder="little"))
        if present.size == 0:
            raise CorruptDataError("model description: empty symbol set")
        return present, pos + 32
    if layout == LAYOUT_LIST:
        k = _take(data, pos, 1)[0] + 1
        present = np.frombuffer(_take(data, pos + 1, k), np.uint8).astype(np.int64)
        if k > 1 and not (np.diff(present) > 0).all():
            raise CorruptDataError("model description: symbol list not increasing")
        return present, pos + 1 + k
    raise CorruptDataError(f"model description: unknown symbol-set layout {layout}")


def _take(data: bytes, pos: int, n: int) -> bytes:
    if pos + n > len(data):
        raise CorruptDataError("model description ends early")
    return data[pos:pos + n]


# -- Huffman code lengths -----------------------------------------------------------------

def encode_code_lengths(lengths) -> bytes:
    """Description of a code over the byte alphabet from its 256 lengths (0 = absent)."""
    lengths = np.asarray(lengths, dtype=np.int64)
    present = np.flatnonzero(lengths)
    layout, symbol_set = _symbol_set(present)
    nibbles = lengths[present]
    if nibbles.size % 2:
        nibbles = np.append(nibbles, 0)
    packed = (nibbles[0::2] << 4 | nibbles[1::2]).astype(np.uint8).tobytes()
    return bytes([layout]) + symbol_set + packed


def decode_code_lengths(desc: bytes) -> np.ndarray:
    """The 256 code lengths (uint8) of a description; checks range and Kraft's equality."""
    if not desc:
        raise CorruptDataError("model description ends early")
    present, pos = _read_symbol_set(desc[0], desc, 1)
    k = present.size
    if len(desc) != pos + (k + 1) // 2:
        raise CorruptDataError("Huffman description has the wrong size")
    packed = np.frombuffer(desc, np.uint8, offset=pos).astype(np.int64)
    nibbles = np.empty(packed.size * 2, np.int64)
    nibbles[0::2], nibbles[1::2] = packed >> 4, packed & 15
    if k % 2 and nibbles[-1]:
        raise CorruptDataError("Huffman description: non-zero padding nibble")
    values = nibbles[:k]
    if (values == 0).any():
        raise CorruptDataError("Huffman description: zero length for a present symbol")
    # Kraft's equality, exactly, in units of 2**-15.
    kraft = int((1 << (MAX_CODE_LENGTH - values)).sum())
    if k == 1 and values[0] != 1 or k > 1 and kraft != 1 << MAX_CODE_LENGTH:
        raise CorruptDataError("Huffman description: lengths do not form a complete prefix code")
    lengths = np.zeros(256, np.uint8)
    lengths[present] = values
    return lengths


# -- normalized frequencies ---------------------------------------------------------------

_ORDERS = np.arange(16)


def _best_order(values: np.ndarray) -> tuple[int, int]:
    """(order, total bits) of the Exp-Golomb order 0..15 that codes ``values`` (>= 0) in
    the fewest bits (ties: the lowest order), all 16 orders sized in one array operation:
    an order-g code of v takes 2 floor(log2(v + 2**g)) - g + 1 bits."""
    w = values[None, :] + (1 << _ORDERS)[:, None]
    top = np.floor(np.log2(w)).astype(np.int64)  # exact for w < 2**52
    totals = (2 * top).sum(axis=1) - (_ORDERS - 1) * values.size
    order = int(np.argmin(totals))
    return order, int(totals[order])


def frequency_description_size(freqs, scale_bits: int) -> int:
    """Bytes :func:`encode_frequencies` would write, without writing them."""
    freqs = np.asarray(freqs, dtype=np.int64)
    present = np.flatnonzero(freqs)
    _, symbol_set = _symbol_set(present)
    values = freqs[present[:-1]] - 1
    return 2 + len(symbol_set) + (_best_order(values)[1] + 7) // 8


def encode_frequencies(freqs, scale_bits: int) -> bytes:
    """Description of 256 frequencies (0 = absent) summing to ``2**scale_bits``."""
    freqs = np.asarray(freqs, dtype=np.int64)
    if int(freqs.sum()) != 1 << scale_bits or not 1 <= scale_bits <= MAX_SCALE_BITS:
        raise ValueError("frequencies must sum to 2**scale_bits, scale_bits in 1..24")
    present = np.flatnonzero(freqs)
    layout, symbol_set = _symbol_set(present)
    values = freqs[present[:-1]] - 1
    order, _ = _best_order(values)
    acc, nbits = 0, 0
    for v in values.tolist():
        w = v + (1 << order)
        width = w.bit_length()
        zeros = width - 1 - order
        acc = (acc << (zeros + width)) | w
        nbits += zeros + width
    pad = -nbits % 8
    bits = (acc << pad).to_bytes((nbits + pad) // 8, "big")
    return bytes([scale_bits, layout | order << 4]) + symbol_set + bits


def decode_frequencies(desc: bytes) -> tuple[np.ndarray, int]:
    """(256 frequencies as uint32, scale_bits) of a description, fully validated."""
    if len(desc) < 2:
        raise CorruptDataError("model description ends early")
    scale_bits, order = desc[0], desc[1] >> 4
    if not 1 <= scale_bits <= MAX_SCALE_BITS:
        raise CorruptDataError(f"frequency description: scale_bits {scale_bits} out of 1..24")
    present, pos = _read_symbol_set(desc[1] & 15, desc, 2)
    if present.size > 1 << scale_bits:
        raise CorruptDataError("frequency description: more symbols than frequency slots")
    stream = int.from_bytes(desc[pos:], "big")
    nbits = 8 * (len(desc) - pos)
    cursor = 0  # bits consumed from the top of ``stream``
    total = 1 << scale_bits
    values = []
    for _ in range(present.size - 1):
        rest = nbits - cursor
        window = stream & ((1 << rest) - 1)
        if window == 0:
            raise CorruptDataError("frequency description ends early")
        zeros = rest - window.bit_length()
        width = zeros + order + 1
        if cursor + zeros + width > nbits:
            raise CorruptDataError("frequency description ends early")
        w = (stream >> (rest - zeros - width)) & ((1 << width) - 1)
        cursor += zeros + width
        f = w - (1 << order) + 1
        values.append(f)
        total -= f
        if total < 1:
            raise CorruptDataError("frequency description: frequencies exceed 2**scale_bits")
    if nbits - cursor >= 8 or stream & ((1 << (nbits - cursor)) - 1):
        raise CorruptDataError("frequency description: trailing bits")
    values.append(total)
    freqs = np.zeros(256, np.uint32)
    freqs[present] = values
    return freqs, scale_bits


if len(encode_code_lengths([4] * 256)) > MAX_MODEL_SIZE:  # pragma: no cover - layout sanity
    raise RuntimeError("Huffman description exceeds the format's limit")

"""One block through one coder: block encoding and block decoding.

The coders are those of the registry (:data:`entropycodec.coders.CODERS`);
what a block stores before the payload follows from what the coder needs from
a model (``model_kind``): Huffman code lengths ("code"), quantized frequencies
("frequencies"), or nothing ("learned": adaptive, cm; "none": raw). Coder
modules are imported only when a block needs them.

``coder="auto"`` picks, per block, the cheapest of Huffman, range coding and
rANS *before* coding anything: the Huffman size is exact from the code lengths
(sum of count x length), the arithmetic sizes are the model's cross-entropy
plus the coder's flush bytes; only the winner is run. A block that would not
shrink is stored raw.

>>> from entropycodec.container.format import CODER_IDS
>>> block = encode_block(b"abracadabra" * 10, "huffman")
>>> len(block), block[0] == CODER_IDS["huffman"]
(63, True)
>>> from entropycodec.container.format import unpack_block_header, BLOCK_HEADER
>>> h = unpack_block_header(block[:BLOCK_HEADER.size], 1 << 20)
>>> decode_block(h, block[BLOCK_HEADER.size:])[:11]
b'abracadabra'
"""

from __future__ import annotations

import ctypes
import math

import numpy as np

from entropycodec.coders import AUTO_CANDIDATES, CODERS, by_id
from entropycodec.container.crc import crc32
from entropycodec.container.format import BLOCK_HEADER, MAX_CODE_LENGTH, MAX_MODEL_SIZE, BlockHeader
from entropycodec.container.levels import LADDER, LEVELS, SMALL_BLOCK, check_level
from entropycodec.container.modeldesc import (
    MAX_SCALE_BITS,
    decode_code_lengths,
    decode_frequencies,
    encode_code_lengths,
    encode_frequencies,
    frequency_description_size,
)
from entropycodec.errors import (
    ChecksumError,
    CorruptDataError,
    EntropyCodecError,
    InvalidInputError,
    LimitExceededError,
)

__all__ = [
    "AUTO",
    "AUTO_CANDIDATES",
    "check_coder",
    "check_decode_memory",
    "coder_names",
    "decode_block",
    "decode_memory",
    "encode_block",
    "encode_block_parts",
    "memory_text",
    "stored_scale_bits",
]

AUTO = "auto"
# the alphabet of every block: bytes (the adaptive coder's model is over 256 symbols)
BYTE_SYMBOLS = 256
# bytes the range coder writes beyond the symbols' information: a few bytes of ``low``
# in each of its two lanes plus lane 0's length (rANS: rans_streams.flush_bytes)
RANGE_FLUSH_BYTES = 6


def _flush_bytes(name: str, n: int) -> int:
    if name == "rans":
        from entropycodec.coders.rans_streams import flush_bytes

        return flush_bytes(n)
    return RANGE_FLUSH_BYTES


# -- models of a block ----------------------------------------------------------------------

def _huffman_code(counts):
    from entropycodec.coders.huffman import HuffmanCode

    return HuffmanCode.from_frequencies(counts, max_length=MAX_CODE_LENGTH)


def _scale_bits(counts, n: int) -> int:
    """Model precision for a block: the rANS module's choice, within the format's limits."""
    from entropycodec.coders.rans import choose_scale_bits

    k = int(np.count_nonzero(counts))
    floor = max(1, math.ceil(math.log2(k))) if k > 1 else 1
    return max(floor, min(int(choose_scale_bits(counts, n)), MAX_SCALE_BITS))


def _static_model(counts, n: int):
    """Quantized model whose description fits in MAX_MODEL_SIZE bytes: lower the precision
    until it does (a near-uniform 256-symbol table costs ~200 bytes at 12 bits)."""
    from entropycodec.alphabet import BYTE_ALPHABET
    from entropycodec.models.counts import quantize_counts
    from entropycodec.models.static import StaticModel

    class OwnCountsModel(StaticModel):
        """A model quantized from the very block it codes: every symbol of the block has
        a frequency >= 1 by construction, so the coders' re-count of the block (a
        second pass over it) is skipped."""

        __slots__ = ()

        def check_codable(self, indices) -> None:
            return None

    scale = _scale_bits(counts, n)
    while True:
        freqs = quantize_counts(counts, scale)
        if frequency_description_size(freqs, scale) <= MAX_MODEL_SIZE or scale <= 8:
            return OwnCountsModel(BYTE_ALPHABET, freqs, scale)
        scale -= 1


def _encode_with(spec, arr, counts, param, prepared=None) -> tuple[bytes, bytes]:
    """(model description, payload) of one block coded by ``spec``."""
    kind = spec.model_kind
    if kind == "none":
        return b"", arr.tobytes()
    if kind == "learned":
        return b"", spec.encode(arr, spec.entry_model(param, BYTE_SYMBOLS))
    counts = _counts(arr, counts)
    layout = _write_layout(spec)
    if kind == "code":
        code = prepared if prepared is not None else _huffman_code(counts)
        return encode_code_lengths(code.lengths_array), spec.encode(arr, code, **layout)
    model = prepared if prepared is not None else _static_model(counts, arr.size)
    return encode_frequencies(model.freqs, model.scale_bits), spec.encode(arr, model, **layout)


def _write_layout(spec) -> dict:
    """``{"layout": N}``, the newest layout, for a coder whose payloads have layouts."""
    return {} if spec.stream_layout is None else {"layout": spec.stream_layout}


def _decoding_model(spec, model_desc: bytes, param: int):
    """What ``spec.decode`` is given as its model, from a block's model description."""
    kind = spec.model_kind
    if kind == "none":
        return None
    if kind == "learned":
        return spec.entry_model(param, BYTE_SYMBOLS)
    if kind == "code":
        from entropycodec.coders.huffman import HuffmanCode

        return HuffmanCode.from_lengths(decode_code_lengths(model_desc))
    from entropycodec.alphabet import BYTE_ALPHABET
    from entropycodec.models.static import StaticModel

    freqs, scale = decode_frequencies(model_desc)
    return StaticModel(BYTE_ALPHABET, freqs, scale)


def coder_names() -> list[str]:
    """Every coder name a block can be written with, plus ``auto``."""
    return [AUTO, *CODERS]


def check_coder(coder: str | None, level: int | None = None) -> tuple[str, int]:
    """Validate a coder choice; return (coder, param). Raises InvalidInputError.

    ``coder`` None: the compression level ``level`` (1..9, default 6) chooses the
    coder of each block (:mod:`entropycodec.container.levels`); returns ("level", N).
    """
    if coder is None or coder == LADDER:
        return LADDER, check_level(level)
    if coder != AUTO and coder not in CODERS:
        raise InvalidInputError(f"unknown coder {coder!r}; choose from {', '.join(coder_names())}")
    spec = None if coder == AUTO else CODERS[coder]
    if level is not None and not (spec and spec.has_level):
        with_levels = " or ".join(repr(name) for name, other in CODERS.items() if other.has_level)
        raise InvalidInputError(f"level applies only to coder {with_levels}, not {coder!r}")
    if spec is None or not spec.has_level:
        return coder, 0
    impl = spec.implementation()
    level = impl.DEFAULT_LEVEL if level is None else level
    if level not in impl.LEVELS:
        raise InvalidInputError(f"{coder} level must be one of {sorted(impl.LEVELS)}, got {level}")
    return coder, int(level)


# -- writing ------------------------------------------------------------------------------

def _counts(arr, counts):
    from entropycodec.models.histogram_kernels import byte_histogram

    return counts if counts is not None else byte_histogram(arr)


def _static_cost_bytes(model, counts, name: str) -> float:
    nz = counts > 0
    bits = float((counts[nz] * (model.scale_bits - np.log2(model.freqs[nz]))).sum())
    return (bits / 8 + _flush_bytes(name, int(counts.sum()))
            + frequency_description_size(model.freqs, model.scale_bits))


def _auto_choose(arr, counts):
    """(coder name, prepared model) with the smallest predicted size among the candidates."""
    from entropycodec.coders.huffman import JUMP_TABLE_BYTES, streams_for

    code = _huffman_code(counts)
    huff = (code.cost_bits(counts) + 7) // 8 + len(encode_code_lengths(code.lengths_array))
    if streams_for(arr.size, CODERS["huffman"].stream_layout) == 4:
        huff += JUMP_TABLE_BYTES + 2  # and each stream's last byte: about half of one padded
    best = (huff, "huffman", code)
    model = _static_model(counts, arr.size)
    for name in AUTO_CANDIDATES[1:]:
        cost = _static_cost_bytes(model, counts, name)
        if cost < best[0]:
            best = (cost, name, model)
    return best[1], best[2]


# A candidate whose predicted size is this much above the best block coded so far is not
# coded: the predictions (context: the model's information content and description; auto:
# n H0 / 8, below which no order-0 coder goes) are at most a few flush bytes low.
PREDICTION_SLACK = 16


def _lower_bound(arr: np.ndarray, coder: str, param: int) -> float:
    """Bytes below which ``encode_block(arr, coder, param)`` cannot come (less the slack),
    or 0 where nothing cheaper than coding tells."""
    if coder == "context":
        from entropycodec.coders.context import predicted_bytes

        return BLOCK_HEADER.size + predicted_bytes(arr, param)
    if coder == AUTO:
        from entropycodec.measures import entropy

        return BLOCK_HEADER.size + arr.size * entropy(_counts(arr, None)) / 8
    return 0.0


def encode_level_block(data, level: int) -> bytes:
    """One block coded as compression ``level`` says (:mod:`.levels`): the smallest of
    the level's candidate coders (the first of them on a tie). Candidates are coded in
    the order of their predicted sizes, and one predicted larger than the best block so
    far (by :data:`PREDICTION_SLACK`) is skipped: level 3 codes a text block once where it
    used to code it three times, with the same result."""
    arr = data if isinstance(data, np.ndarray) else np.frombuffer(data, dtype=np.uint8)
    spec = LEVELS[level]
    candidates = spec.coders + (spec.small if arr.size <= SMALL_BLOCK else ())
    if len(candidates) == 1:
        return encode_block(arr, *candidates[0])
    order = sorted((_lower_bound(arr, coder, param), index, coder, param)
                   for index, (coder, param) in enumerate(candidates))
    best = None
    for bound, index, coder, param in order:
        if best is not None and bound - PREDICTION_SLACK > len(best[1]):
            break
        block = encode_block(arr, coder, param)
        if best is None or (len(block), index) < (len(best[1]), best[0]):
            best = (index, block)
    return best[1]


def encode_block(data, coder: str = AUTO, param: int = 0) -> bytes:
    """One block (header, model description, payload) holding ``data`` (1..2**28 bytes,
    any buffer; it is only read)."""
    parts = encode_block_parts(data, coder, param)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def encode_block_parts(data, coder: str = AUTO, param: int = 0) -> tuple:
    """:func:`encode_block` as the pieces that make it, in order (the block header
    first, or the whole block), so that a writer joins a stream's pieces once instead
    of copying each block's payload into the block first."""
    if coder == LADDER:
        return (encode_level_block(data, param),)
    arr = data if isinstance(data, np.ndarray) else np.frombuffer(data, dtype=np.uint8)
    n = arr.size
    prepared = None
    counts = None
    if coder == AUTO:
        counts = _counts(arr, None)
        coder, prepared = _auto_choose(arr, counts)
    spec = CODERS[coder]
    model, payload = _encode_with(spec, arr, counts, param, prepared)
    if coder != "raw" and len(model) + len(payload) >= n:
        spec, model, payload, param = CODERS["raw"], b"", arr.tobytes(), 0
    if not spec.has_level:
        param = spec.stream_layout or 0
    header = BlockHeader(spec.coder_id, param, len(model), n, len(payload),
                         crc32(arr), crc32(payload, crc32(model)))
    return header.pack(), model, payload


# -- decoding memory ------------------------------------------------------------------------
# What decoding one block allocates besides the bytes it reads (docs/format.md, "Decoding
# memory"): the output block, the coder's working copies of the payload, and its tables. The
# constants are upper bounds measured with tracemalloc (tests/test_memory_limits.py checks
# them for every coder of the registry). Working copies of the payload: Huffman reads it in
# place; the range coders copy it once; rANS copies it and pads it into 32-bit words; cm
# copies it and makes that writable; bwt makes one writable copy.
PAYLOAD_COPIES = {"raw": 0, "huffman": 0, "arithmetic": 1, "rans": 2, "adaptive": 1, "cm": 2, "bwt": 1, "context": 1}
# 2**12-entry look-up tables (symbol, length, packed) + canonical arrays, and the four-stream
# decoder's 2**15 uint16 entries
HUFFMAN_TABLE_BYTES = 128 << 10
ADAPTIVE_TABLE_BYTES = 16 << 10  # a Fenwick tree over 256 symbols (cm: its kernel's state)
MODEL_BYTES = 128 << 10  # a static model's frequency and cumulative tables, and kernel state
# The frequency coders' tables have 2**scale_bits slots. rANS keeps one byte per slot (its
# slot table); the range coder builds a packed table of 8 bytes per slot (through int64
# temporaries: 36 bytes per slot at the peak) up to PACKED_MAX_SCALE_BITS; beyond, it keeps
# the one-byte slot table and decodes its two lanes apart (n more bytes).
RANS_SLOT_BYTES = 1
PACKED_SLOT_BYTES = 36
PACKED_MAX_SCALE_BITS = 18


def _working_bytes(spec, header: BlockHeader, scale_bits: int) -> int:
    """Bytes of tables (and lane buffers) the coder of ``header`` allocates to decode it."""
    kind = spec.model_kind
    if kind == "code":
        return HUFFMAN_TABLE_BYTES
    if kind == "learned":
        if spec.name == "bwt":  # its inverse transform's table grows with the block
            return spec.implementation().memory_bytes(header.coder_param, header.original_size)
        if spec.name == "context":  # a row per context the block can hold
            return spec.implementation().memory_bytes(
                header.coder_param, min(256 ** header.coder_param, header.original_size))
        if spec.has_level:  # cm: its level's tables (entropycodec.coders.cm.memory_bytes)
            return spec.implementation().memory_bytes(header.coder_param) + ADAPTIVE_TABLE_BYTES
        return ADAPTIVE_TABLE_BYTES
    if spec.name == "rans":
        return MODEL_BYTES + (RANS_SLOT_BYTES << scale_bits)
    if scale_bits <= PACKED_MAX_SCALE_BITS:
        return MODEL_BYTES + (PACKED_SLOT_BYTES << scale_bits)
    return MODEL_BYTES + (1 << scale_bits) + header.original_size


def decode_memory(header: BlockHeader, scale_bits: int = 0) -> int:
    """Bytes that decoding the block of ``header`` allocates, at most: the output block,
    the coder's working copies of its payload (none to two) and its tables. A raw block
    needs only its output (its stored bytes). The tables of the frequency coders grow
    with the model's ``scale_bits`` (in the block's model description): 0 counts them
    at their smallest.

    >>> from entropycodec.container.format import CODER_IDS
    >>> raw = BlockHeader(CODER_IDS["raw"], 0, 0, 1 << 20, 1 << 20, 0, 0)
    >>> decode_memory(raw) == 1 << 20
    True
    >>> cm = BlockHeader(CODER_IDS["cm"], 7, 0, 1 << 20, 1000, 0, 0)
    >>> memory_text(decode_memory(cm))
    '41.8 MiB'
    """
    spec = by_id(header.coder_id)
    if spec.model_kind == "none":
        return header.original_size
    return (header.original_size + PAYLOAD_COPIES[spec.name] * header.payload_size
            + _working_bytes(spec, header, scale_bits))


def stored_scale_bits(header: BlockHeader, stored) -> int:
    """The ``scale_bits`` of a frequency coder's block (the first byte of its model
    description, docs/format.md), for :func:`decode_memory`; 0 for the other coders."""
    if by_id(header.coder_id).model_kind != "frequencies" or not header.model_size:
        return 0
    return min(stored[0], MAX_SCALE_BITS)


def memory_text(n: int) -> str:
    """``n`` bytes in B, KiB, MiB or GiB; whole numbers when exact, else one decimal.

    >>> memory_text(256 << 20), memory_text((256 << 20) + (100 << 10)), memory_text(999)
    ('256 MiB', '256.1 MiB', '999 B')
    """
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            return f"{n // size} {unit}" if n % size == 0 else f"{n / size:.1f} {unit}"
    return f"{n} B"


def check_decode_memory(header: BlockHeader, memlimit: int | None, scale_bits: int = 0) -> int:
    """The :func:`decode_memory` of a block; LimitExceededError (with ``need`` and ``limit``
    attributes) when it is over ``memlimit`` (None: no limit)."""
    need = decode_memory(header, scale_bits)
    if memlimit is not None and need > memlimit:
        spec = by_id(header.coder_id)
        exc = LimitExceededError(
            f"a {memory_text(header.original_size)} {spec.name} block needs "
            f"{memory_text(need)} to decode; the memory limit is {memory_text(memlimit)}")
        exc.need, exc.limit = need, memlimit
        raise exc
    return need


# -- reading ------------------------------------------------------------------------------

def _writable_bytes(n: int) -> tuple[bytes, np.ndarray]:
    """A new ``bytes`` object of ``n`` (>= 1) bytes and a writable uint8 array over its
    contents, for a decoder to fill before anyone else sees the object.

    This is how C extensions such as zlib build their results
    (``PyBytes_FromStringAndSize(NULL, n)``, then write the buffer): the decoded block
    *is* the ``bytes`` handed to the caller, with no copy. The array must not outlive
    the decoding; only the caller of this function holds the object until then.
    """
    obj = _new_bytes(None, n)
    address = ctypes.cast(ctypes.c_char_p(obj), ctypes.c_void_p).value
    return obj, np.frombuffer((ctypes.c_uint8 * n).from_address(address), dtype=np.uint8)


_new_bytes = ctypes.pythonapi.PyBytes_FromStringAndSize
_new_bytes.restype = ctypes.py_object
_new_bytes.argtypes = (ctypes.c_char_p, ctypes.c_ssize_t)


def _layout(spec, header: BlockHeader) -> dict:
    """``{"layout": N}`` for a coder whose payloads have layouts (named by the block's
    parameter byte), else nothing."""
    if spec.stream_layout is None:
        return {}
    if header.coder_param > spec.stream_layout:
        raise CorruptDataError(f"{spec.name} block of unknown layout {header.coder_param}")
    return {"layout": header.coder_param}


def decode_block(header: BlockHeader, stored, *, memlimit: int | None = None) -> bytes:
    """The original bytes of a block from its validated header and its stored bytes.

    The stored CRC is checked before any decoder runs; then the decoding memory
    (:func:`decode_memory`) is checked against ``memlimit`` (None: no limit) before
    anything is allocated, raising LimitExceededError. The decoder writes straight into
    the ``bytes`` object returned (a raw block returns its stored bytes). Any failure
    inside a decoder becomes CorruptDataError; the result is checked against its CRC.
    """
    if len(stored) != header.stored_size:
        raise CorruptDataError("block stored size mismatch")
    if crc32(stored) != header.stored_crc:
        raise ChecksumError("block data check mismatch (stored bytes damaged)")
    spec = by_id(header.coder_id)
    n = header.original_size
    if spec.model_kind == "none":
        check_decode_memory(header, memlimit)
        out = stored if isinstance(stored, bytes) else bytes(stored)
    else:
        view = memoryview(stored).cast("B")  # the model and the payload are views, not copies
        try:
            model = _decoding_model(spec, bytes(view[:header.model_size]), header.coder_param)
            check_decode_memory(header, memlimit, getattr(model, "scale_bits", 0))
            out, target = _writable_bytes(n)
            spec.decode(view[header.model_size:], n, model, out=target, **_layout(spec, header))
        except CorruptDataError:
            raise
        except (EntropyCodecError, ValueError, IndexError, KeyError, OverflowError,
                ZeroDivisionError, TypeError) as exc:
            raise CorruptDataError(f"{spec.name} block does not decode: {exc}") from None
        del target  # no writable view of ``out`` survives
    if crc32(out) != header.data_crc:
        raise ChecksumError("block CRC-32 mismatch: decoded data differs from the original")
    return out

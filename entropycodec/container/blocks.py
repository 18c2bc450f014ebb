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

import math
import zlib

import numpy as np

from entropycodec.coders import AUTO_CANDIDATES, CODERS, by_id, get
from entropycodec.container.format import MAX_CODE_LENGTH, MAX_MODEL_SIZE, BlockHeader
from entropycodec.container.modeldesc import (
    MAX_SCALE_BITS,
    decode_code_lengths,
    decode_frequencies,
    encode_code_lengths,
    encode_frequencies,
    frequency_description_size,
)
from entropycodec.errors import ChecksumError, CorruptDataError, EntropyCodecError, InvalidInputError

__all__ = ["AUTO", "AUTO_CANDIDATES", "check_coder", "coder_names", "decode_block", "encode_block"]

AUTO = "auto"
# the alphabet of every block: bytes (the adaptive coder's model is over 256 symbols)
BYTE_SYMBOLS = 256
# bytes the range coder writes beyond the symbols' information: a few bytes of ``low``
# in each of its two lanes plus lane 0's length (rANS: its flushed lane states)
RANGE_FLUSH_BYTES = 6


def _flush_bytes(name: str) -> int:
    if name == "rans":
        return get("rans").implementation().HEADER_BYTES
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


def _coder_model(spec, param: int):
    """What a learning coder is given as its model: its level (cm) or the alphabet size."""
    return param if spec.has_level else BYTE_SYMBOLS


def _encode_with(spec, arr, counts, param, prepared=None) -> tuple[bytes, bytes]:
    """(model description, payload) of one block coded by ``spec``."""
    kind = spec.model_kind
    if kind == "none":
        return b"", arr.tobytes()
    if kind == "learned":
        return b"", spec.encode(arr, _coder_model(spec, param))
    counts = _counts(arr, counts)
    if kind == "code":
        code = prepared if prepared is not None else _huffman_code(counts)
        return encode_code_lengths(code.lengths_array), spec.encode(arr, code)
    model = prepared if prepared is not None else _static_model(counts, arr.size)
    return encode_frequencies(model.freqs, model.scale_bits), spec.encode(arr, model)


def _decode_with(spec, model_desc: bytes, payload, n: int, param: int):
    kind = spec.model_kind
    if kind == "none":
        return payload
    if kind == "learned":
        return spec.decode(payload, n, _coder_model(spec, param))
    if kind == "code":
        from entropycodec.coders.huffman import HuffmanCode

        return spec.decode(payload, n, HuffmanCode.from_lengths(decode_code_lengths(model_desc)))
    from entropycodec.alphabet import BYTE_ALPHABET
    from entropycodec.models.static import StaticModel

    freqs, scale = decode_frequencies(model_desc)
    return spec.decode(payload, n, StaticModel(BYTE_ALPHABET, freqs, scale))


def coder_names() -> list[str]:
    """Every coder name a block can be written with, plus ``auto``."""
    return [AUTO, *CODERS]


def check_coder(coder: str, level: int | None = None) -> tuple[str, int]:
    """Validate a coder choice; return (coder, param). Raises InvalidInputError."""
    if coder != AUTO and coder not in CODERS:
        raise InvalidInputError(f"unknown coder {coder!r}; choose from {', '.join(coder_names())}")
    spec = None if coder == AUTO else CODERS[coder]
    if level is not None and not (spec and spec.has_level):
        raise InvalidInputError(f"level applies only to coder 'cm', not {coder!r}")
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
    return bits / 8 + _flush_bytes(name) + frequency_description_size(model.freqs, model.scale_bits)


def _auto_choose(arr, counts):
    """(coder name, prepared model) with the smallest predicted size among the candidates."""
    code = _huffman_code(counts)
    huff = (code.cost_bits(counts) + 7) // 8 + len(encode_code_lengths(code.lengths_array))
    best = (huff, "huffman", code)
    model = _static_model(counts, arr.size)
    for name in AUTO_CANDIDATES[1:]:
        cost = _static_cost_bytes(model, counts, name)
        if cost < best[0]:
            best = (cost, name, model)
    return best[1], best[2]


def encode_block(data, coder: str = AUTO, param: int = 0) -> bytes:
    """One block (header, model description, payload) holding ``data`` (1..2**28 bytes,
    any buffer; it is only read)."""
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
        param = 0
    stored = model + payload if model else payload
    header = BlockHeader(spec.coder_id, param, len(model), n, len(payload),
                         zlib.crc32(arr), zlib.crc32(stored))
    return header.pack() + stored


# -- reading ------------------------------------------------------------------------------

def decode_block(header: BlockHeader, stored) -> bytes:
    """The original bytes of a block from its validated header and its stored bytes.

    The stored CRC is checked before any decoder runs; any failure inside a decoder
    becomes CorruptDataError; the result is checked for size and CRC.
    """
    if len(stored) != header.stored_size:
        raise CorruptDataError("block stored size mismatch")
    if zlib.crc32(stored) != header.stored_crc:
        raise ChecksumError("block data check mismatch (stored bytes damaged)")
    spec = by_id(header.coder_id)
    model = bytes(stored[:header.model_size])
    payload = stored[header.model_size:]
    try:
        out = _decode_with(spec, model, payload, header.original_size, header.coder_param)
    except CorruptDataError:
        raise
    except (EntropyCodecError, ValueError, IndexError, KeyError, OverflowError,
            ZeroDivisionError, TypeError) as exc:
        raise CorruptDataError(f"{spec.name} block does not decode: {exc}") from None
    out = out.tobytes() if isinstance(out, np.ndarray) else bytes(out)
    if len(out) != header.original_size:
        raise CorruptDataError(f"{spec.name} block decoded to {len(out)} bytes, "
                               f"expected {header.original_size}")
    if zlib.crc32(out) != header.data_crc:
        raise ChecksumError("block CRC-32 mismatch: decoded data differs from the original")
    return out

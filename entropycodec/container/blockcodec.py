"""One block through one coder: the coder registry, block encoding and block decoding.

Each coder registers how it writes a block (model description + payload) and how
it reads one back. Coder modules are imported only when a block needs them, so
a coder that is not installed fails with a clear
:class:`~entropycodec.errors.InvalidInputError` (when writing) or
:class:`~entropycodec.errors.CorruptDataError` (when reading) and nothing else.

``coder="auto"`` picks, per block, the cheapest of Huffman, range coding and
rANS *before* coding anything: the Huffman size is exact from the code lengths
(sum of count x length), the arithmetic sizes are the model's cross-entropy
plus the coder's flush bytes; only the winner is run. A block that would not
shrink is stored raw.

>>> block = encode_block(b"abracadabra" * 10, "huffman")
>>> len(block), block[0] == CODER_IDS["huffman"]
(63, True)
>>> from entropycodec.container.format import unpack_block_header, BLOCK_HEADER
>>> h = unpack_block_header(block[:BLOCK_HEADER.size], 1 << 20)
>>> decode_block(h, block[BLOCK_HEADER.size:])[:11]
b'abracadabra'
"""

from __future__ import annotations

import importlib
import math
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..errors import ChecksumError, CorruptDataError, EntropyCodecError, InvalidInputError
from ..modeldesc import (
    MAX_CODE_LENGTH,
    MAX_SCALE_BITS,
    decode_code_lengths,
    decode_frequencies,
    encode_code_lengths,
    encode_frequencies,
    frequency_description_size,
)
from .format import CODER_IDS, MAX_MODEL_SIZE, BlockHeader

__all__ = ["AUTO", "CODERS", "available_coders", "coder_names", "decode_block", "encode_block"]

AUTO = "auto"
AUTO_CANDIDATES = ("huffman", "rans", "arithmetic")  # ties go to the earlier (faster) one


def _flush_bytes(name: str) -> int:
    """Bytes a coder writes beyond the symbols' information: rANS flushes its lane states,
    the range coder a few bytes of ``low`` in each of its two lanes plus lane 0's length."""
    if name == "rans":
        return int(getattr(_mod("rans"), "HEADER_BYTES", 8))
    return 6


@dataclass(frozen=True)
class Coder:
    """How one coder writes and reads a block. ``module`` is imported lazily."""

    name: str
    module: str
    encode: Callable  # (u8 array, counts or None, param) -> (model description, payload)
    decode: Callable  # (model description, payload, n, param) -> u8 array or bytes
    has_param: bool = False
    requires: tuple = ()  # names the module must define (it may exist half-written)

    @property
    def coder_id(self) -> int:
        return CODER_IDS[self.name]

    def available(self) -> bool:
        if not self.module:
            return True
        try:
            module = importlib.import_module(f"entropycodec.{self.module}")
        except ImportError:
            return False
        return all(hasattr(module, name) for name in self.requires)


def _mod(name: str):
    return importlib.import_module(f"entropycodec.{name}")


# -- raw ----------------------------------------------------------------------------------

def _raw_encode(arr, counts, param):
    return b"", arr.tobytes()


def _raw_decode(model, payload, n, param):
    return payload


# -- Huffman ------------------------------------------------------------------------------

def _huffman_code(counts):
    return _mod("huffman").HuffmanCode.from_frequencies(counts, max_length=MAX_CODE_LENGTH)


def _huffman_encode(arr, counts, param, code=None):
    code = code if code is not None else _huffman_code(_counts(arr, counts))
    return encode_code_lengths(code.lengths_array), code.encode(arr)


def _huffman_decode(model, payload, n, param):
    code = _mod("huffman").HuffmanCode.from_lengths(decode_code_lengths(model))
    return code.decode_indices(payload, n)


# -- static frequency models (range coder, rANS) -------------------------------------------

def _scale_bits(counts, n: int) -> int:
    """Model precision for a block: the rANS module's choice, within the format's limits."""
    k = int(np.count_nonzero(counts))
    floor = max(1, math.ceil(math.log2(k))) if k > 1 else 1
    try:
        scale = int(_mod("rans").choose_scale_bits(counts, n))
    except (ImportError, AttributeError):
        scale = 14
    return max(floor, min(scale, MAX_SCALE_BITS))


def _static_model(counts, n: int):
    """Quantized model whose description fits in MAX_MODEL_SIZE bytes: lower the precision
    until it does (a near-uniform 256-symbol table costs ~200 bytes at 12 bits)."""
    from ..alphabet import BYTE_ALPHABET
    from ..frequency import quantize_counts
    from ..models import StaticModel

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


def _model_from(model_desc):
    from ..alphabet import BYTE_ALPHABET
    from ..models import StaticModel

    freqs, scale = decode_frequencies(model_desc)
    return StaticModel(BYTE_ALPHABET, freqs, scale)


def _static_encoder(module: str, function: str):
    def encode(arr, counts, param, model=None):
        model = model if model is not None else _static_model(_counts(arr, counts), arr.size)
        payload = getattr(_mod(module), function)(arr, model)
        return encode_frequencies(model.freqs, model.scale_bits), payload
    return encode


def _static_decoder(module: str, function: str):
    def decode(model_desc, payload, n, param):
        return getattr(_mod(module), function)(payload, n, _model_from(model_desc))
    return decode


# -- adaptive and context mixing: no model description --------------------------------------

def _adaptive_encode(arr, counts, param):
    return b"", _mod("adaptive").adaptive_encode(arr, 256)


def _adaptive_decode(model, payload, n, param):
    return _mod("adaptive").adaptive_decode(payload, n, 256)


def _cm_encode(arr, counts, param):
    return b"", _mod("cm").cm_encode(arr, param)


def _cm_decode(model, payload, n, param):
    return _mod("cm").cm_decode(payload, n, param)


CODERS: dict[str, Coder] = {c.name: c for c in (
    Coder("raw", "", _raw_encode, _raw_decode),
    Coder("huffman", "huffman", _huffman_encode, _huffman_decode, requires=("HuffmanCode",)),
    Coder("arithmetic", "arithmetic", _static_encoder("arithmetic", "arithmetic_encode"),
          _static_decoder("arithmetic", "arithmetic_decode"),
          requires=("arithmetic_encode", "arithmetic_decode")),
    Coder("rans", "rans", _static_encoder("rans", "rans_encode"),
          _static_decoder("rans", "rans_decode"), requires=("rans_encode", "rans_decode")),
    Coder("adaptive", "adaptive", _adaptive_encode, _adaptive_decode,
          requires=("adaptive_encode", "adaptive_decode")),
    Coder("cm", "cm", _cm_encode, _cm_decode, has_param=True,
          requires=("cm_encode", "cm_decode", "LEVELS", "DEFAULT_LEVEL")),
)}
_BY_ID = {c.coder_id: c for c in CODERS.values()}


def coder_names() -> list[str]:
    """Every coder name the format knows, plus ``auto``."""
    return [AUTO, *CODERS]


def available_coders() -> list[str]:
    """Coders whose module is importable here (``auto`` needs Huffman at least)."""
    return [name for name, c in CODERS.items() if c.available()]


def check_coder(coder: str, level: int | None = None) -> tuple[str, int]:
    """Validate a coder choice; return (coder, param). Raises InvalidInputError."""
    if coder != AUTO and coder not in CODERS:
        raise InvalidInputError(f"unknown coder {coder!r}; choose from {', '.join(coder_names())}")
    if level is not None and coder != "cm":
        raise InvalidInputError(f"level applies only to coder 'cm', not {coder!r}")
    if coder == AUTO:
        if not CODERS["huffman"].available():
            raise InvalidInputError("coder 'auto' needs the Huffman coder, which is unavailable")
        return coder, 0
    if not CODERS[coder].available():
        raise InvalidInputError(f"coder {coder!r} is not available in this installation")
    if coder == "cm":
        cm = _mod("cm")
        level = cm.DEFAULT_LEVEL if level is None else level
        if level not in cm.LEVELS:
            raise InvalidInputError(f"cm level must be one of {sorted(cm.LEVELS)}, got {level}")
        return coder, int(level)
    return coder, 0


# -- writing ------------------------------------------------------------------------------

def _counts(arr, counts):
    from .histogram import byte_histogram

    return counts if counts is not None else byte_histogram(arr)


def _static_cost_bytes(model, counts, name: str) -> float:
    nz = counts > 0
    bits = float((counts[nz] * (model.scale_bits - np.log2(model.freqs[nz]))).sum())
    return bits / 8 + _flush_bytes(name) + frequency_description_size(model.freqs, model.scale_bits)


def _auto_choose(arr, counts):
    """(coder name, prepared model) with the smallest predicted size among the candidates."""
    best = None
    code = _huffman_code(counts)
    huff = (code.cost_bits(counts) + 7) // 8 + len(encode_code_lengths(code.lengths_array))
    best = (huff, "huffman", code)
    static = [name for name in ("rans", "arithmetic") if CODERS[name].available()]
    if static:
        model = _static_model(counts, arr.size)
        for name in static:
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
    if prepared is not None:
        model, payload = spec.encode(arr, counts, param, prepared)
    else:
        model, payload = spec.encode(arr, counts, param)
    if coder != "raw" and len(model) + len(payload) >= n:
        spec, model, payload, param = CODERS["raw"], b"", arr.tobytes(), 0
    if not spec.has_param:
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
    spec = _BY_ID[header.coder_id]
    if not spec.available():
        raise CorruptDataError(f"block uses coder {spec.name!r}, unavailable in this installation")
    model = bytes(stored[:header.model_size])
    payload = stored[header.model_size:]
    try:
        out = spec.decode(model, payload, header.original_size, header.coder_param)
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

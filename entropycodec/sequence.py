"""One-call coding of any symbol sequence: ``encode(symbols, coder=...)`` -> :class:`Encoded`.

This layer joins models and coders. It builds the model (from the data itself,
or from a model ``Q`` built elsewhere: a FrequencyTable of other data, a
StaticModel, a mapping ``{symbol: probability}`` or a sequence of probabilities
over the data's alphabet), runs one coder over the symbol indices, and keeps
the exact bit counts the report (:mod:`entropycodec.report`) explains.

Coding with a mismatched model Q costs n * H(P, Q) bits instead of n * H(P).
A symbol that occurs in the data but has Q = 0 cannot be coded: that is a
:class:`~entropycodec.errors.ModelError` naming the symbol, unless you ask for
``smoothing``:

* ``smoothing="escape"``: Q gets one extra symbol, ESC, with the smallest
  frequency; each unknown symbol is coded as ESC followed by a fixed-length
  literal indexing the list of unknown symbols (stored in the header).
* ``smoothing=eps`` (a float in (0, 1)): the additive floor Q' = (1 - eps) Q + eps U,
  U uniform over the union of the model's and the data's symbols.

Either way the bits spent on the fix-up are reported separately (``fixup_bits``).
Without a model (Q = P) every symbol of the data is codable and ``smoothing``
is ignored.

Byte data (bytes, bytearray, memoryview, numpy ``uint8`` arrays) keeps the byte
alphabet. The keys of a mapping model for it are read by
:func:`~entropycodec.alphabet.byte_value`: ``65``, ``"65"``, ``"0x41"`` and
``"A"`` all name byte 65 (a digit string is a number: the character '7' is
``"0x37"``). A model for other data is over that data's own symbols, as given.

:func:`decode` gives back the kind of sequence :func:`encode` was given: bytes
for bytes-like data, a ``str`` for a ``str``, a numpy array of the same dtype for
an array (one-dimensional), and a list for anything else.

>>> enc = encode("ABCAADABCA", coder="huffman")
>>> enc.payload.hex(), enc.payload_bits, decode(enc)
('58eb00', 24, 'ABCAADABCA')
>>> decode(encode(b"ABCA", coder="arithmetic", model={"A": 0.5, "0x42": 0.25, "67": 0.25}))
b'ABCA'
"""

from __future__ import annotations

import math
import operator
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from entropycodec.alphabet import BYTE_ALPHABET, Alphabet, byte_weights, display_symbol, is_byte_data
from entropycodec.coders import BYTES_ONLY_CODERS, FREQUENCY_CODERS, LEARNING_CODERS, SYMBOL_CODERS
from entropycodec.coders import CODERS as CODER_SPECS
from entropycodec.coders.huffman import HuffmanCode
from entropycodec.container.crc import crc32
from entropycodec.errors import (
    ChecksumError,
    CorruptDataError,
    EntropyCodecError,
    InvalidInputError,
    ModelError,
)
from entropycodec.models.counts import FrequencyTable, quantize_counts
from entropycodec.models.positional import PositionalModel
from entropycodec.models.protocol import MAX_SCALE_BITS
from entropycodec.models.static import StaticModel

__all__ = ["encode", "decode", "decode_payload", "Encoded", "CODERS", "build_model", "coders_for",
           "default_scale_bits"]

CODERS = SYMBOL_CODERS  # every coder encode() takes, in report order (the registry's)
DEFAULT_SCALE_BITS = 16  # the default for alphabets of up to 4096 coded symbols
MAX_CODER_SCALE_BITS = MAX_SCALE_BITS  # the arithmetic and rANS coders' limit
ESCAPE = "<ESC>"  # display name of the escape symbol (smoothing="escape")


def coders_for(data) -> tuple[str, ...]:
    """The coders that can code ``data``: all of :data:`CODERS` for byte data, all but
    cm (which models the bits of bytes) for any other symbols.

    >>> coders_for(b"abc"), coders_for("abc")
    (('huffman', 'arithmetic', 'rans', 'adaptive', 'cm', 'bwt'), ('huffman', 'arithmetic', 'rans', 'adaptive'))
    """
    if is_byte_data(data):
        return CODERS
    return tuple(c for c in CODERS if c not in BYTES_ONLY_CODERS)


def default_scale_bits(k: int, n: int) -> int:
    """The precision of the quantized model when ``scale_bits`` is not given.

    ``k``: symbols the model gives a non-zero probability; ``n``: symbols coded.
    The rule: ceil(log2 k) + 4 (at least 16 slots per symbol, so that rare symbols
    are not over-charged by the floor of one slot), but no more than ceil(log2 n)
    (finer than one slot per coded symbol gains nothing and enlarges the header),
    clamped to 16..24. Alphabets of up to 4096 symbols therefore get 16. On the
    28,659 words of the King James Bible (n = 766,111) it gives 19, where the
    total (payload + header) is smallest: 16 would lose 0.37 bits per symbol to
    quantization and fall behind Huffman.

    >>> default_scale_bits(256, 10**6), default_scale_bits(28_659, 766_111), default_scale_bits(10**6, 10**8)
    (16, 19, 24)
    """
    k, n = max(int(k), 1), max(int(n), 2)
    wanted = min((k - 1).bit_length() + 4, (n - 1).bit_length())
    return min(MAX_CODER_SCALE_BITS, max(DEFAULT_SCALE_BITS, wanted))


def _input_kind(data) -> tuple[str, object]:
    """What :func:`decode` gives back: ("bytes" | "str" | "array" | "list", dtype)."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        return "bytes", None
    if isinstance(data, np.ndarray):
        return "array", data.dtype
    if isinstance(data, str):
        return "str", None
    return "list", None


def _restore(alphabet: Alphabet, idx, kind: str, dtype):
    """Indices back to symbols, in the kind of sequence that was encoded."""
    if kind == "bytes":
        out = alphabet.from_indices(idx)
        return out if isinstance(out, bytes) else bytes(out)
    if kind == "array":
        if alphabet.is_bytes:
            return np.asarray(idx, dtype=np.uint8).astype(dtype, copy=False)
        idx = np.asarray(idx, dtype=np.int64)
        if dtype.kind in "biufcUS":  # symbols of a plain dtype: take from an array of that dtype
            return np.asarray(alphabet.symbols, dtype=dtype).reshape(-1)[idx]
        return alphabet.symbol_array()[idx].astype(dtype)
    if kind == "str":
        return alphabet.text_from_indices(idx)
    out = alphabet.from_indices(idx)
    return list(out) if isinstance(out, bytes) else out


@dataclass(frozen=True)
class Encoded:
    """A coded sequence: payload bytes plus everything needed to decode and to account.

    ``model`` is the StaticModel (arithmetic, rANS) or HuffmanCode (huffman) that
    coded the data, None for the adaptive coder. ``model_probabilities`` is the
    model before quantization (Q), aligned with ``alphabet``. Bit counts:
    ``payload_bits`` = 8 * len(payload); ``header_bits`` = the model description
    a decoder needs; ``fixup_bits`` = the part of the payload and header spent on
    symbols the model could not code (smoothing), else 0. ``input_kind`` ("bytes",
    "str", "array" or "list", with ``input_dtype`` for arrays) is what :func:`decode`
    gives back.

    Two CRC-32s guard it, as the ``.ec`` container's ``stored_crc`` and ``data_crc``
    guard a block: ``payload_crc`` covers what the decoder is given (coder, n_symbols,
    alphabet size, the model's description, escape literals, payload) and is checked
    before decoding; ``symbols_crc`` covers the symbol indices that were encoded and is
    checked after. :func:`decode` verifies both unless ``verify=False``. They are
    :attr:`check_bits` = 64 bits of side data, not counted in ``header_bits`` or
    ``total_bits`` (those account for the model description a file format needs; the
    ``.ec`` container has CRCs of its own).

    >>> import dataclasses
    >>> enc = encode(b"abracadabra", coder="rans")
    >>> decode(dataclasses.replace(enc, n_symbols=12))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    entropycodec.errors.ChecksumError: the payload or its counts ... (payload_crc 0xaf2f940d, now 0xe22ce05b)...
    """

    check_bits: ClassVar[int] = 64  # payload_crc and symbols_crc

    coder: str
    payload: bytes
    n_symbols: int
    alphabet: Alphabet
    model: object
    model_probabilities: np.ndarray | None
    header_bits: int
    counts: np.ndarray | None = None  # symbol counts over ``alphabet`` (the coded sequence)
    fixup_bits: float = 0.0  # bits for symbols Q could not code (smoothing), side bits included
    side_bits: int = 0  # part of header_bits that is fix-up side information (escape literals)
    escape: dict = field(default_factory=dict)  # smoothing="escape": literal side information
    input_kind: str = "list"  # what decode returns: "bytes", "str", "array" or "list"
    input_dtype: object = None  # the array's numpy dtype when input_kind == "array"
    payload_crc: int | None = None  # CRC-32 of what decoding reads (_payload_crc); None: not made by encode()
    symbols_crc: int | None = None  # CRC-32 of the encoded symbol indices (_symbols_crc)

    @property
    def payload_bits(self) -> int:
        return 8 * len(self.payload)

    @property
    def total_bits(self) -> int:
        return self.payload_bits + self.header_bits

    @property
    def bits_per_symbol(self) -> float:
        return self.total_bits / self.n_symbols if self.n_symbols else 0.0


# -- integrity checks -----------------------------------------------------------------------
# Both are zlib's CRC-32 (CRC-32/ISO-HDLC, through container.crc.crc32: zlib-ng's when
# installed, the same values) over canonical bytes, so they do not depend on the dtype an
# index array happens to have or on the platform, and survive pickling.

def _model_description(spec, model) -> bytes:
    """The part of the model the coder's decoder reads, as canonical bytes: a Huffman
    code's lengths, a static model's frequencies and scale_bits, cm's level (the
    adaptive coder reads only the alphabet size, which the caller covers)."""
    if isinstance(model, PositionalModel):
        return _positional_fingerprint(model)
    try:
        if spec.model_kind == "code":
            return np.ascontiguousarray(model.lengths_array, dtype="<i8").tobytes()
        if spec.model_kind == "frequencies":
            freqs = np.ascontiguousarray(model.freqs, dtype="<i8").tobytes()
            return freqs + f"/{int(model.scale_bits)}".encode()
        if spec.has_level:
            return f"level {int(model)}".encode()
    except (AttributeError, TypeError, ValueError, OverflowError):
        # not a model this coder reads: it cannot match what encode() described
        return f"unreadable {type(model).__name__}".encode()
    return b""


def _positional_fingerprint(model) -> bytes:
    """A per-position model as canonical bytes: its kernel arguments (so any change of the
    rows, parameters, contexts or precision changes the CRC)."""
    try:
        fam, A, B, T, P = model.kernel_arguments(model.n_positions or 0)
    except EntropyCodecError:
        return f"unusable {type(model).__name__}".encode()
    crc = 0
    for arr in (A, B, T, P):
        # the array's buffer, not a copy (tobytes: the same bytes; 128 MB for 10**6 x 16 rows)
        crc = crc32(np.ascontiguousarray(arr).reshape(-1).view(np.uint8),
                    crc32(str(arr.shape).encode(), crc))
    return f"{type(model).__name__}/{fam}/{crc}".encode()


def _payload_crc(coder: str, n: int, alphabet_size: int, model, escape: dict, payload) -> int:
    """CRC-32 of everything the decoder and the escape step read, checked before decoding."""
    crc = crc32(f"{coder}\0{n}\0{alphabet_size}\0".encode())
    spec = CODER_SPECS.get(coder)
    if spec is not None:
        crc = crc32(_model_description(spec, model), crc)
    if escape:
        try:
            for key in ("unknown", "literals"):
                crc = crc32(np.ascontiguousarray(escape[key], dtype="<i8").tobytes(), crc)
            crc = crc32(f"\0{len(escape['alphabet'])}".encode(), crc)
        except (KeyError, TypeError, ValueError, OverflowError):
            crc = crc32(b"\0unreadable escape", crc)  # cannot match what encode() wrote
    return crc32(payload, crc)


def _index_dtype(alphabet_size: int) -> str:
    """The narrowest unsigned little-endian integer that holds every index."""
    if alphabet_size <= 1 << 8:
        return "<u1"
    return "<u2" if alphabet_size <= 1 << 16 else "<u4"


def _symbols_crc(idx: np.ndarray, alphabet_size: int) -> int:
    """CRC-32 of n, the alphabet size and the indices, checked after decoding."""
    crc = crc32(f"{idx.size}\0{alphabet_size}\0".encode())
    return crc32(np.ascontiguousarray(idx, dtype=_index_dtype(alphabet_size)), crc)


# -- models ---------------------------------------------------------------------------------

def _byte_weights(m_alpha: Alphabet, w: np.ndarray) -> np.ndarray:
    """A FrequencyTable's or StaticModel's weights for byte data, as 256 weights: its
    symbols must be the integers 0..255 (a table carries its own symbols; only a
    mapping's keys are read by :func:`~entropycodec.alphabet.byte_value`)."""
    out = np.zeros(256, dtype=np.float64)
    for sym, weight in zip(m_alpha.symbols, w.tolist()):
        try:
            value = operator.index(sym)
        except TypeError:
            value = -1
        if not 0 <= value < 256:
            raise InvalidInputError(
                f"byte data needs a model over the byte values 0..255, and this model has the "
                f"symbol {sym!r}; build the table from bytes, pass a mapping {{byte: weight}} "
                f"(65, '65', '0x41' and 'A' all name byte 65), or code str data")
        out[value] = weight
    return out


def _model_weights(model, alphabet: Alphabet) -> tuple[Alphabet, np.ndarray]:
    """(alphabet, weights) of a user model, extended to cover ``alphabet``'s symbols.

    The model's own symbols come first (in its order), then data symbols it lacks
    (with weight 0). Byte data keeps the byte alphabet: a mapping's keys are read
    by byte_value, a table's symbols must be the integers 0..255. Other data never
    gets the byte alphabet.
    """
    if isinstance(model, StaticModel):
        m_alpha, w = model.alphabet, model.freqs.astype(np.float64)
    elif isinstance(model, FrequencyTable):
        m_alpha, w = model.alphabet, model.counts.astype(np.float64)
    elif isinstance(model, Mapping):
        if alphabet.is_bytes:  # keys as byte_value reads them: 65, "65", "0x41", "A"
            m_alpha, w = BYTE_ALPHABET, byte_weights(model)
        else:
            m_alpha = Alphabet(model.keys())
            try:
                w = np.array([float(v) for v in model.values()], dtype=np.float64)
            except (TypeError, ValueError):
                raise InvalidInputError("model weights must be numbers") from None
    elif isinstance(model, (Sequence, np.ndarray)):
        w = np.asarray(model, dtype=np.float64)
        if w.ndim != 1 or w.size != len(alphabet):
            raise InvalidInputError(
                f"a model given as a sequence needs one weight per symbol of the data's "
                f"alphabet ({len(alphabet)}), got {w.size}; pass a mapping instead")
        m_alpha = alphabet
    else:
        raise InvalidInputError(f"unsupported model type {type(model).__name__}")
    if np.isnan(w).any() or np.isinf(w).any() or (w < 0).any() or w.sum() <= 0:
        raise InvalidInputError("model weights must be finite, non-negative and not all zero")
    if alphabet.is_bytes:
        return (m_alpha, w) if m_alpha.is_bytes else (BYTE_ALPHABET, _byte_weights(m_alpha, w))
    if m_alpha.is_bytes:
        m_alpha = Alphabet(m_alpha.symbols)  # the same 256 ints, decoded to a list
    extra = [s for s in alphabet.symbols if s not in m_alpha]
    if not extra:
        return m_alpha, w
    return Alphabet(m_alpha.symbols + tuple(extra)), np.concatenate((w, np.zeros(len(extra))))


def build_model(data, model=None):
    """(alphabet, indices, counts, Q) for ``data`` under ``model`` (None: Q = P)."""
    from entropycodec.models.histogram_kernels import index_counts

    alphabet = BYTE_ALPHABET if is_byte_data(data) else Alphabet.from_symbols(data)
    if model is None:
        idx = alphabet.to_indices(data)
        counts = index_counts(idx, len(alphabet))
        q = counts.astype(np.float64)
        return alphabet, idx, counts, q / max(q.sum(), 1)
    m_alpha, w = _model_weights(model, alphabet)
    idx = m_alpha.to_indices(data)
    counts = index_counts(idx, len(m_alpha))
    return m_alpha, idx, counts, w / w.sum()


def _label(alphabet: Alphabet, index: int) -> str:
    """How an error message names a symbol: 'a' or 0xff for bytes, repr otherwise."""
    sym = alphabet.symbols[index]
    return display_symbol(sym, True) if alphabet.is_bytes else repr(sym)


def _first_uncodable(counts, q) -> int | None:
    bad = np.flatnonzero((counts > 0) & (q <= 0))
    return int(bad[0]) if bad.size else None


# -- header sizes ---------------------------------------------------------------------------

def _varint_bytes(values) -> int:
    return sum(max(1, (int(v).bit_length() + 6) // 7) for v in values)


def _alphabet_bytes(alphabet: Alphabet, used=None) -> int:
    """Bytes to list symbols of a non-byte alphabet (``used``: a mask, default all):
    each symbol's text in UTF-8 plus a separator."""
    symbols = alphabet.symbols if used is None else (
        s for s, u in zip(alphabet.symbols, used) if u)
    return sum(len(str(s).encode("utf-8")) + 1 for s in symbols)


def header_bits_for(coder: str, model, alphabet: Alphabet) -> int:
    """Size of the model description a decoder needs, in bits.

    Byte alphabets: exact, the .ec container's compact descriptions
    (docs/format.md). Other alphabets (and bytes plus the escape symbol) have no
    file format; they are charged a plain listing: the symbols that have a code
    word or a frequency (``str(symbol)`` in UTF-8 plus a separator) with their
    varint-coded values, plus one byte (scale_bits). Symbols of value 0 cannot
    occur and are not listed. The adaptive coder needs the alphabet listing plus
    4 bytes for its size.
    """
    spec = CODER_SPECS[coder]
    if spec.has_level:
        return 8  # the level byte
    if spec.model_kind == "learned":
        return 0 if alphabet.is_bytes else 8 * (_alphabet_bytes(alphabet) + 4)
    is_code = spec.model_kind == "code"
    if alphabet.is_bytes and len(alphabet) == 256:
        from entropycodec.container import modeldesc

        if is_code:
            return 8 * len(modeldesc.encode_code_lengths(model.lengths_array))
        return 8 * modeldesc.frequency_description_size(model.freqs, model.scale_bits)
    values = np.asarray(model.lengths_array if is_code else model.freqs)
    used = values > 0
    return 8 * (_alphabet_bytes(alphabet, used) + _varint_bytes(values[used]) + 1)


# -- encode / decode ------------------------------------------------------------------------

def _check_smoothing(smoothing):
    """None, 'escape', or the additive floor as a float in (0, 1)."""
    if smoothing is None or smoothing == "escape":
        return smoothing
    try:
        eps = float(smoothing)
    except (TypeError, ValueError):
        raise InvalidInputError(f"smoothing must be None, 'escape' or a float, got {smoothing!r}") from None
    if not 0 < eps < 1:
        raise InvalidInputError(f"an additive floor must lie in (0, 1), got {eps}")
    return eps


def _smooth(alphabet, idx, counts, q, smoothing):
    """Apply smoothing; returns (alphabet, idx, counts, q, escape_info)."""
    if smoothing is None:
        bad = _first_uncodable(counts, q)
        if bad is not None:
            raise ModelError(
                f"symbol {_label(alphabet, bad)} occurs "
                f"{int(counts[bad])} times in the data "
                "but has probability 0 in the model; pass smoothing='escape' or a float floor")
        return alphabet, idx, counts, q, {}
    if smoothing == "escape":
        unknown = np.flatnonzero((counts > 0) & (q <= 0))
        if unknown.size == 0:
            return alphabet, idx, counts, q, {}
        esc = len(alphabet)
        # keep the known symbols' indices; unknown symbols become ESC in the main stream
        remap = np.arange(len(alphabet) + 1)
        remap[unknown] = esc
        literals = np.searchsorted(unknown, idx[np.isin(idx, unknown)])
        new_alpha = Alphabet(alphabet.symbols + (ESCAPE,))
        new_idx = remap[idx]
        new_counts = np.bincount(new_idx, minlength=esc + 1)
        # ESC gets half the smallest probability Q gives a known symbol: it costs the known
        # symbols little, and each escaped occurrence pays -log2 of it plus its literal
        q_ext = np.append(q, 0.0)
        q_ext[esc] = max(q[q > 0].min() / 2, 1e-9) if (q > 0).any() else 1.0
        q_ext /= q_ext.sum()
        info = {"alphabet": alphabet, "unknown": unknown, "literals": literals.astype(np.int64)}
        return new_alpha, new_idx, new_counts, q_ext, info
    eps = _check_smoothing(smoothing)
    support = (q > 0) | (counts > 0)
    q_new = (1 - eps) * q + eps * support / support.sum()
    return alphabet, idx, counts, q_new, {}


def encode(symbols, *, coder: str = "arithmetic", model=None, scale_bits: int | None = None,
           smoothing=None, max_length: int | None = None) -> Encoded:
    """Code ``symbols`` (bytes, str, or any sequence of hashable symbols) with one coder.

    ``coder``: "huffman", "arithmetic", "rans", "adaptive" (order-0, learns as it
    goes) or "cm" (context mixing, bytes only). ``model``: None (built from the
    data), a FrequencyTable, StaticModel, mapping or probability sequence (weights
    are normalized). ``scale_bits``: precision of the quantized model, up to 24
    (default: a StaticModel's own, else :func:`default_scale_bits` of the alphabet
    size and n: 16 for up to 4096 symbols). ``max_length``: Huffman length limit.
    """
    if coder not in CODERS:
        raise InvalidInputError(f"coder must be one of {', '.join(CODERS)}, got {coder!r}")
    if isinstance(model, PositionalModel):
        return _encode_positional(symbols, coder, model, scale_bits)
    if coder in LEARNING_CODERS and model is not None:
        raise InvalidInputError(f"the {coder} coder learns its model from the data: model= is unused")
    if coder in BYTES_ONLY_CODERS and not is_byte_data(symbols):
        raise InvalidInputError(f"the {coder} coder codes bytes only (it models bits of bytes), "
                                f"and the data is {type(symbols).__name__}")
    if scale_bits is not None and not 1 <= int(scale_bits) <= MAX_CODER_SCALE_BITS:
        raise InvalidInputError(f"scale_bits must be in 1..{MAX_CODER_SCALE_BITS}, got {scale_bits}")
    kind, dtype = _input_kind(symbols)
    smoothing = _check_smoothing(smoothing)
    if model is None:
        smoothing = None  # Q = P gives every symbol of the data a probability: nothing to smooth
    alphabet, idx, counts, q = build_model(symbols, model)
    symbols_crc = _symbols_crc(idx, len(alphabet))  # the symbols as given, before any escape
    alphabet, idx, counts, q, esc = _smooth(alphabet, idx, counts, q, smoothing)
    n = int(idx.size)
    k_needed = max(1, int((q > 0).sum()))
    if scale_bits is None:
        # a StaticModel keeps its own precision (re-quantizing its frequencies
        # proportionally at that scale gives them back unchanged)
        scale_bits = (min(model.scale_bits, MAX_CODER_SCALE_BITS) if isinstance(model, StaticModel)
                      else default_scale_bits(k_needed, n))
    scale = int(scale_bits)
    scale = max(scale, (k_needed - 1).bit_length())

    spec = CODER_SPECS[coder]
    if spec.model_kind == "code":
        cm = (HuffmanCode.from_frequencies(FrequencyTable(alphabet, q), max_length=max_length)
              if (q > 0).any() else HuffmanCode(alphabet, np.zeros(len(alphabet), np.int64)))
    elif spec.model_kind == "frequencies":
        freqs = quantize_counts(q, scale) if (q > 0).any() else np.zeros(len(alphabet), np.int64)
        cm = StaticModel(alphabet, freqs, scale, source_counts=counts)
    elif spec.has_level:  # cm: the decoder rebuilds the model from the level alone
        cm = spec.implementation().DEFAULT_LEVEL
    else:  # adaptive: nothing but the alphabet size
        cm = None
    payload = spec.encode(idx, spec.entry_model(cm, len(alphabet))) if n else b""

    header = header_bits_for(coder, cm, alphabet) if n else 0
    fixup, side = 0.0, 0
    if esc:
        # ESC's ideal cost under Q in the main stream, plus the literals and the
        # list of unknown symbols, which travel in the header
        n_unknown = len(esc["unknown"])
        side = len(esc["literals"]) * max(0, (n_unknown - 1).bit_length())
        side += 8 * _alphabet_bytes(
            Alphabet(esc["alphabet"].symbols[i] for i in esc["unknown"].tolist()))
        header += side
        fixup = -int(counts[-1]) * math.log2(q[-1]) + side
    elif smoothing is not None:
        # what the symbols of probability 0 under the unsmoothed model cost under Q'
        zero = (counts > 0) & (build_model(symbols, model)[3] <= 0)
        fixup = float(-(counts[zero] * np.log2(q[zero])).sum())
    return Encoded(coder, payload, n, alphabet, cm, q, int(header), counts, float(fixup), side, esc,
                   kind, dtype, _payload_crc(coder, n, len(alphabet), cm, esc, payload), symbols_crc)


def _encode_positional(symbols, coder: str, model, scale_bits) -> Encoded:
    """encode() with a per-position model (Categorical, the quantized families,
    ContextModel): the symbols are integers of the model's support, coded by the
    range coder or rANS with the model's frequencies at every position."""
    from entropycodec.models.context import ContextModel

    if coder not in FREQUENCY_CODERS:
        raise InvalidInputError(
            f"a {type(model).__name__} model is coded by {' or '.join(FREQUENCY_CODERS)}; "
            f"{coder} codes with one table (huffman) or learns its own model")
    if scale_bits is not None:
        raise InvalidInputError(f"scale_bits belongs to the {type(model).__name__}: give it there")
    if isinstance(model, ContextModel):
        model = model.fitted_to(symbols)
    idx = model.to_indices(symbols)
    model.check_length(idx.size)
    n = int(idx.size)
    spec = CODER_SPECS[coder]
    payload = spec.encode(idx, model) if n else b""
    k = model.alphabet_size
    counts = np.bincount(idx, minlength=k) if k <= 1 << 20 else None
    symbols_crc = _symbols_crc(idx, k)
    header = int(model.header_bits) if n else 0
    kind = "bytes" if isinstance(symbols, (bytes, bytearray, memoryview)) else "array"
    return Encoded(coder, payload, n, None, model, None, header, counts, 0.0, 0, {},
                   kind, np.dtype(np.int64), _payload_crc(coder, n, k, model, {}, payload),
                   symbols_crc)


def decode_payload(payload, n: int, *, model, coder: str = "arithmetic") -> np.ndarray:
    """Decode ``n`` symbols from a bare ``payload`` that ``coder`` wrote with ``model``,
    for the user who keeps the model outside (a learned codec: the decoder recomputes
    the same predictions). Returns the symbols (numpy int64). A different model than the
    encoder's gives wrong symbols, or CorruptDataError when the stream cannot be one:
    nothing else can tell (an :class:`Encoded` and a .ec file carry CRCs that do).

    >>> import numpy as np
    >>> from entropycodec.models.quantized import QuantizedGaussian
    >>> q = QuantizedGaussian(np.array([0.0, 3.0, -2.0]), 1.0, -8, 8)
    >>> enc = encode(np.array([0, 3, -1]), coder="rans", model=q)
    >>> decode_payload(enc.payload, 3, model=q, coder="rans").tolist()
    [0, 3, -1]
    """
    if coder not in FREQUENCY_CODERS:
        raise InvalidInputError(f"coder must be one of {', '.join(FREQUENCY_CODERS)}, got {coder!r}")
    if not isinstance(model, PositionalModel):
        raise InvalidInputError("decode(payload, n, model=...) takes a Categorical, a quantized "
                                "family or a fitted ContextModel; for an Encoded, decode(encoded)")
    try:
        data = bytes(memoryview(payload))
    except TypeError:
        raise InvalidInputError(f"payload must be bytes, got {type(payload).__name__}") from None
    idx = CODER_SPECS[coder].decode(data, n, model)
    return model.from_indices(idx)


def _decode_positional(encoded: Encoded, verify: bool):
    model, n = encoded.model, encoded.n_symbols
    k = model.alphabet_size
    if verify:
        _verify_crc(encoded, _payload_crc(encoded.coder, n, k, model, {}, encoded.payload))
    idx = CODER_SPECS[encoded.coder].decode(encoded.payload, n, model) if n else np.zeros(0, np.int64)
    if verify and _symbols_crc(np.asarray(idx), k) != encoded.symbols_crc:
        raise ChecksumError("the decoded symbols do not match the check encode() made: "
                            "the model differs from the one that coded the payload")
    if encoded.input_kind == "bytes":
        return np.asarray(idx, dtype=np.uint8).tobytes()
    return model.from_indices(idx)


def _verify_crc(encoded: Encoded, crc: int) -> None:
    if encoded.payload_crc is None or encoded.symbols_crc is None:
        raise ChecksumError("this Encoded carries no integrity check (it was not made by encode()); "
                            "decode(encoded, verify=False) decodes it unchecked")
    if crc != encoded.payload_crc:
        raise ChecksumError(
            f"the payload or its counts do not match the check encode() made "
            f"(payload_crc {_hex(encoded.payload_crc)}, now {_hex(crc)}): the payload is damaged, "
            f"or n_symbols, the coder or the model was changed")


def _verify_payload(encoded: Encoded) -> None:
    """ChecksumError unless what the decoder will read is what encode() wrote."""
    if encoded.payload_crc is None or encoded.symbols_crc is None:
        raise ChecksumError("this Encoded carries no integrity check (it was not made by encode()); "
                            "decode(encoded, verify=False) decodes it unchecked")
    try:
        memoryview(encoded.payload).release()
    except TypeError:
        raise InvalidInputError(f"Encoded.payload must be bytes, got {type(encoded.payload).__name__}") from None
    crc = _payload_crc(encoded.coder, encoded.n_symbols, len(encoded.alphabet), encoded.model,
                       encoded.escape, encoded.payload)
    if crc != encoded.payload_crc:
        raise ChecksumError(
            f"the payload or its counts do not match the check encode() made "
            f"(payload_crc {_hex(encoded.payload_crc)}, now {_hex(crc)}): the payload is damaged, "
            f"or n_symbols, the coder, the model or the escape side information was changed")


def _verify_symbols(encoded: Encoded, idx: np.ndarray, alphabet: Alphabet) -> None:
    """ChecksumError unless the decoded indices are the ones encode() was given."""
    crc = _symbols_crc(idx, len(alphabet))
    if crc != encoded.symbols_crc:
        raise ChecksumError(
            f"the decoded symbols do not match the check encode() made "
            f"(symbols_crc {_hex(encoded.symbols_crc)}, now {_hex(crc)}): the model, the alphabet "
            f"or the escape literals differ from the ones that coded the payload")


def _hex(crc) -> str:
    return f"0x{crc:08x}" if isinstance(crc, int) else repr(crc)


def _resolve_escapes(idx, alphabet: Alphabet, escape: dict) -> tuple[np.ndarray, Alphabet]:
    """ESC positions take, in order, the unknown symbols' original indices; returns them
    with the alphabet they index (the one before the escape symbol was added)."""
    idx = np.asarray(idx, dtype=np.int64).copy()
    esc_positions = np.flatnonzero(idx == len(alphabet) - 1)
    try:
        unknown = np.asarray(escape["unknown"], dtype=np.int64).reshape(-1)
        literals = np.asarray(escape["literals"], dtype=np.int64).reshape(-1)
        original = escape["alphabet"]
    except (KeyError, TypeError, ValueError, OverflowError):
        original = None
    if not isinstance(original, Alphabet):
        raise CorruptDataError("the escape side information is incomplete (unknown, literals, alphabet)")
    if esc_positions.size != literals.size or (
            literals.size and (literals.min() < 0 or literals.max() >= unknown.size)):
        raise CorruptDataError(
            f"the payload has {esc_positions.size} escapes and the side information "
            f"{literals.size} literals for {unknown.size} unknown symbols: they do not fit together")
    idx[esc_positions] = unknown[literals]
    return idx, original


def decode(encoded, n: int | None = None, *, model=None, coder: str = "arithmetic",
           verify: bool = True):
    """Decode an :class:`Encoded` into the kind of sequence that was encoded: bytes,
    a str, a numpy array of the same dtype, or a list of symbols.

    With ``verify`` (the default) the two checks :func:`encode` stored are verified:
    ``payload_crc`` before decoding (a damaged payload or a changed ``n_symbols``,
    coder or model never reaches the decoder), ``symbols_crc`` after. Either
    mismatch is a :class:`~entropycodec.errors.ChecksumError`. ``verify=False``
    skips both, for speed (two CRC-32 passes: over the payload, and over the
    symbols); a damaged payload may then raise CorruptDataError or decode to wrong
    symbols, silently.

    >>> enc = encode("ABCAADABCA", coder="huffman")
    >>> decode(enc), decode(enc, verify=False)
    ('ABCAADABCA', 'ABCAADABCA')
    >>> import dataclasses
    >>> flipped = dataclasses.replace(enc, payload=bytes.fromhex("59eb00"))  # one bit flipped
    >>> decode(flipped, verify=False)
    'ABCADBBCAA'
    >>> decode(flipped)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    entropycodec.errors.ChecksumError: the payload or its counts do not match the check encode() made ...
    >>> decode(b"not an Encoded")
    Traceback (most recent call last):
    ...
    TypeError: decode() wants the Encoded that encode() returned, got bytes (for .ec data, use decompress())
    """
    if model is not None or n is not None:
        if isinstance(encoded, Encoded):
            raise InvalidInputError("decode(encoded) takes no n or model: the Encoded has both")
        if n is None or model is None:
            raise InvalidInputError("decode(payload, n, model=M, coder=...) needs n and the model")
        return decode_payload(encoded, n, model=model, coder=coder)
    if not isinstance(encoded, Encoded):
        hint = " (for .ec data, use decompress())" if isinstance(
            encoded, (bytes, bytearray, memoryview)) else ""
        raise TypeError(f"decode() wants the Encoded that encode() returned, got "
                        f"{type(encoded).__name__}{hint}")
    n, alphabet = encoded.n_symbols, encoded.alphabet
    if encoded.coder not in CODERS:
        raise InvalidInputError(f"unknown coder {encoded.coder!r}")
    if isinstance(encoded.model, PositionalModel):
        return _decode_positional(encoded, verify)
    if verify:
        _verify_payload(encoded)
    if n == 0:  # nothing was coded (and an empty alphabet has no model to rebuild)
        idx = np.empty(0, dtype=np.int64)
    else:
        spec = CODER_SPECS[encoded.coder]
        idx = spec.decode(encoded.payload, n, spec.entry_model(encoded.model, len(alphabet)))
    if encoded.escape:
        idx, alphabet = _resolve_escapes(idx, alphabet, encoded.escape)
    if verify:
        _verify_symbols(encoded, idx, alphabet)
    return _restore(alphabet, idx, encoded.input_kind, encoded.input_dtype)

"""Canonical Huffman codes over any alphabet: :class:`HuffmanCode`.

A code is built from weights (counts or probabilities) with Huffman's algorithm,
or with package-merge when ``max_length`` bounds the code word length. Code
words are canonical (DEFLATE's assignment): sorted by length, then by the
symbol's position in the alphabet, each the previous one plus one, shifted
left when the length grows. A code is therefore fully described by its lengths.

Degenerate alphabets: no symbol gives an empty code (only empty data can be
coded); a single symbol gets the 1-bit word ``0`` (a prefix code cannot be
shorter; the arithmetic and rANS coders spend 0 bits per symbol there, since
the symbol count is stored beside the payload).

>>> code = HuffmanCode.from_frequencies({"A": 0.5, "B": 0.2, "C": 0.2, "D": 0.1})
>>> code.codewords
{'A': '0', 'B': '10', 'C': '110', 'D': '111'}
>>> round(code.expected_length(), 3), round(code.entropy_bits_per_symbol, 3)
(1.8, 1.761)
>>> payload = code.encode("ABCAADABCA")
>>> payload.hex(), code.decode(payload, 10) == list("ABCAADABCA")
('58eb00', True)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from fractions import Fraction
from typing import NamedTuple

import numpy as np

from entropycodec.alphabet import BYTE_ALPHABET, Alphabet, as_byte_array, is_byte_data
from entropycodec.coders.codelengths import optimal_lengths
from entropycodec.errors import CorruptDataError, InvalidInputError, ModelError, TruncatedDataError
from entropycodec.measures import entropy
from entropycodec.models.counts import FrequencyTable

__all__ = ["HuffmanCode", "huffman_decode", "huffman_encode"]

TABLE_BITS = 12  # decoder look-up table index width: 4096 entries stay in L1 cache
# Four streams (streams=4): a jump table of three little-endian uint32 (the byte sizes of
# streams 0, 1 and 2), then the streams; stream j codes symbols [j m, (j + 1) m), m =
# ceil(n / 4). Its decoder's table has 2**max_length entries of (symbol << 4) | length,
# so it takes words of up to 15 bits and alphabets of up to 4096 symbols.
JUMP_TABLE_BYTES = 12
MAX_4X_LENGTH = 15
MAX_4X_SYMBOLS = 1 << 12
# layout 1 of the registry's entry points (the .ec blocks' param 1): four streams from
# this many symbols on, where the jump table costs at most 0.04% of a payload
FOUR_STREAMS_MIN = 1 << 16
MAX_KERNEL_LENGTH = 57  # longest word the decoding window can hold (see huffman_kernels)


class _DecodeTables(NamedTuple):
    """What the decoding kernels need, built once per code (see huffman_kernels)."""

    table_sym: np.ndarray  # symbol of each table_bits-bit prefix (short words)
    table_len: np.ndarray  # its word length; 0: no word of <= table_bits bits starts there
    table_bits: int
    first_code: np.ndarray  # canonical first code word of each length
    first_index: np.ndarray  # rank of that word among all words
    count: np.ndarray  # words of each length
    sorted_syms: np.ndarray  # symbols in canonical order
    max_len: int
    packed: np.ndarray  # (symbol << 5) | length: the fast kernel's table
    sym_dtype: type


def _kraft_numerator(lengths) -> int:
    """sum over the code words of 2^(L - length), L the longest length (an exact int: the
    Kraft sum times 2^L)."""
    per_length = np.bincount(np.asarray(lengths, dtype=np.int64).ravel())
    top = per_length.size - 1
    return sum(int(m) << (top - ln) for ln, m in enumerate(per_length.tolist()) if ln and m)


def _canonical_words(lengths: np.ndarray, max_len: int) -> np.ndarray:
    """DEFLATE's canonical assignment, vectorized (max_len <= 62): the first word of each
    length is (first word of the length below + its word count) << 1, and words of one
    length follow the alphabet order. int64 words; 0 where the length is 0."""
    per_length = np.bincount(lengths, minlength=max_len + 1)
    per_length[0] = 0
    first = [0] * (max_len + 1)
    code = 0
    for ln in range(1, max_len + 1):
        code = (code + int(per_length[ln - 1])) << 1
        first[ln] = code
    order = np.argsort(lengths, kind="stable")
    sorted_len = lengths[order]
    rank = np.arange(lengths.size) - np.searchsorted(sorted_len, sorted_len, side="left")
    words = np.zeros(lengths.size, dtype=np.int64)
    words[order] = np.asarray(first, dtype=np.int64)[sorted_len] + rank
    words[lengths == 0] = 0
    return words


class HuffmanCode:
    """A canonical prefix code: one length (0 = no code word) per alphabet symbol.

    Measures come in two uniform forms: properties named ``*_bits_per_symbol``
    (``entropy_bits_per_symbol``, ``expected_length_bits_per_symbol``,
    ``redundancy_bits_per_symbol``) of the weights the code was built from, and
    methods of the same stem taking a distribution ``p`` (default: those weights):
    ``entropy(p)``, ``expected_length(p)``, ``redundancy(p)``.
    """

    __slots__ = ("alphabet", "lengths_array", "weights", "_codes", "_decoder", "_table4")

    def __init__(self, alphabet: Alphabet, lengths, weights=None):
        lengths = np.asarray(lengths, dtype=np.int64)
        if lengths.ndim != 1 or lengths.size != len(alphabet):
            raise InvalidInputError("need one code length per alphabet symbol")
        if (lengths < 0).any() or (lengths > 255).any():
            raise InvalidInputError("code lengths must lie in 0..255")
        if _kraft_numerator(lengths) > 1 << int(lengths.max(initial=0)):
            raise InvalidInputError("these lengths violate the Kraft inequality (sum 2^-l > 1)")
        self.alphabet = alphabet
        self.lengths_array = lengths.astype(np.uint8)
        self.weights = None if weights is None else np.asarray(weights, dtype=np.float64)
        self._codes = self._canonical_codes()
        self._decoder = None
        self._table4 = None  # the four-stream decoder's table, built on first use

    # -- construction -----------------------------------------------------------------

    @classmethod
    def from_frequencies(cls, freqs, *, max_length: int | None = None) -> HuffmanCode:
        """From ``{symbol: weight}``, a sequence of weights (symbols 0..k-1; 256 weights
        mean the byte alphabet) or a :class:`FrequencyTable`. Zero weights get no code.

        A mapping keyed by integers 0..255 (``collections.Counter(some_bytes)``) gives a
        code over the byte alphabet: it codes byte data on the byte fast path and
        :meth:`decode` returns bytes (see :meth:`FrequencyTable.from_counts`).

        >>> code = HuffmanCode.from_frequencies({97: 5, 98: 2, 99: 1})
        >>> code.alphabet.is_bytes, code.codewords, code.decode(code.encode(b"abca"), 4)
        (True, {97: '0', 98: '10', 99: '11'}, b'abca')
        """
        table = freqs if isinstance(freqs, FrequencyTable) else FrequencyTable.from_counts(freqs)
        weights = table.counts.astype(np.float64)
        if np.isnan(weights).any() or np.isinf(weights).any():
            raise InvalidInputError("weights must be finite numbers")
        present = np.flatnonzero(weights > 0)
        if max_length is not None and present.size > (1 << min(int(max_length), 62)):
            raise InvalidInputError(
                f"{present.size} symbols cannot get a prefix code with lengths <= {max_length}"
            )
        lengths = np.zeros(weights.size, dtype=np.int64)
        lengths[present] = optimal_lengths(weights[present], max_length)
        return cls(table.alphabet, lengths, weights)

    @classmethod
    def from_data(cls, data, *, max_length: int | None = None) -> HuffmanCode:
        """The optimal code for the symbol counts of ``data`` (bytes, str, any iterable)."""
        return cls.from_frequencies(FrequencyTable.from_data(data), max_length=max_length)

    @classmethod
    def from_lengths(cls, lengths, alphabet: Alphabet | None = None) -> HuffmanCode:
        """Rebuild the canonical code from its lengths (256 lengths = byte alphabet).

        >>> HuffmanCode.from_lengths([1, 2, 3, 3]).codewords
        {0: '0', 1: '10', 2: '110', 3: '111'}
        """
        if isinstance(lengths, Mapping):
            alphabet = alphabet or Alphabet(lengths.keys())
            lengths = [lengths.get(s, 0) for s in alphabet.symbols]
        lengths = np.asarray(lengths)
        if alphabet is None:
            alphabet = BYTE_ALPHABET if lengths.size == 256 else Alphabet(range(lengths.size))
        return cls(alphabet, lengths)

    def _canonical_codes(self) -> list[int]:
        """Code word values (right-aligned ints) in canonical order of (length, index)."""
        lengths = self.lengths_array.astype(np.int64)
        max_len = int(lengths.max(initial=0))
        if max_len <= 62:  # every word fits an int64: the vectorized assignment
            return _canonical_words(lengths, max_len).tolist()
        order = np.lexsort((np.arange(lengths.size), lengths))
        codes = [0] * lengths.size
        code, prev = 0, 0
        for i in order.tolist():
            ln = int(lengths[i])
            if ln == 0:
                continue
            code <<= ln - prev
            codes[i] = code
            code += 1
            prev = ln
        return codes

    # -- description ----------------------------------------------------------------

    @property
    def symbols(self) -> tuple:
        return self.alphabet.symbols

    @property
    def lengths(self) -> dict:
        """``{symbol: code length in bits}`` for the symbols that have a code word."""
        return {s: int(n) for s, n in zip(self.symbols, self.lengths_array.tolist()) if n}

    @property
    def codewords(self) -> dict:
        """``{symbol: code word as a '0'/'1' string}``."""
        return {
            s: format(c, f"0{n}b")
            for s, c, n in zip(self.symbols, self._codes, self.lengths_array.tolist())
            if n
        }

    def bitarrays(self) -> dict:
        """``{symbol: bitarray}``: the code words as bit-level values (bitarray's format).

        >>> HuffmanCode.from_lengths([1, 1]).bitarrays()[1]
        bitarray('1')
        """
        from bitarray import bitarray

        return {s: bitarray(w, endian="big") for s, w in self.codewords.items()}

    @property
    def max_length(self) -> int:
        return int(self.lengths_array.max()) if self.lengths_array.size else 0

    @property
    def kraft_sum(self) -> Fraction:
        """sum 2^-len over the code words, exactly; 1 for a full (complete) code."""
        return Fraction(_kraft_numerator(self.lengths_array), 1 << self.max_length)

    def _probabilities(self, p=None) -> np.ndarray:
        if p is None:
            if self.weights is None:
                raise InvalidInputError("this code was built from lengths: pass probabilities p")
            w = self.weights
        elif isinstance(p, Mapping):
            w = np.array([p.get(s, 0) for s in self.symbols], dtype=np.float64)
        else:
            w = np.asarray(p, dtype=np.float64)
        if w.size != len(self.alphabet) or np.isnan(w).any() or (w < 0).any() or w.sum() <= 0:
            raise InvalidInputError("p must give one non-negative weight per symbol, not all zero")
        return w / w.sum()

    # Measures, in two uniform forms: a ``*_bits_per_symbol`` property of the weights the
    # code was built from, and a method of the same stem for any distribution p (default:
    # those weights). ``code.redundancy_bits_per_symbol == code.redundancy()``.

    def expected_length(self, p=None) -> float:
        """Bits per symbol sum_x p(x) len(x) (default p: the weights the code was built from).

        ``math.inf`` when p gives weight to a symbol without a code word.
        """
        pr = self._probabilities(p)
        if (pr[self.lengths_array == 0] > 0).any():
            return math.inf
        return float((pr * self.lengths_array).sum())

    def entropy(self, p=None) -> float:
        """H(p) = -sum_x p(x) log2 p(x) in bits per symbol (default p: the code's weights)."""
        return entropy(self._probabilities(p))

    def redundancy(self, p=None) -> float:
        """Expected length minus the entropy of p, in bits per symbol (>= 0 for p = weights).

        >>> code = HuffmanCode.from_frequencies({"A": 0.5, "B": 0.2, "C": 0.2, "D": 0.1})
        >>> round(code.redundancy(), 4), round(code.redundancy_bits_per_symbol, 4)
        (0.039, 0.039)
        >>> round(code.redundancy({"A": 0.25, "B": 0.25, "C": 0.25, "D": 0.25}), 4)
        0.25
        """
        return self.expected_length(p) - self.entropy(p)

    @property
    def expected_length_bits_per_symbol(self) -> float:
        """:meth:`expected_length` under the weights the code was built from."""
        return self.expected_length()

    @property
    def entropy_bits_per_symbol(self) -> float:
        """H of the weights the code was built from, in bits per symbol (:meth:`entropy`)."""
        return self.entropy()

    @property
    def redundancy_bits_per_symbol(self) -> float:
        """:meth:`redundancy` under the weights the code was built from."""
        return self.redundancy()

    def table(self, p=None) -> list[dict]:
        """Rows (symbol, probability, information_bits, codeword, length), in alphabet order."""
        pr = self._probabilities(p) if (p is not None or self.weights is not None) else None
        words = self.codewords
        rows = []
        for i, s in enumerate(self.symbols):
            n = int(self.lengths_array[i])
            prob = None if pr is None else float(pr[i])
            if n == 0 and not prob:
                continue
            info = None if not prob else -math.log2(prob) + 0.0  # p = 1: 0.0, not -0.0
            rows.append({"symbol": s, "probability": prob, "information_bits": info,
                         "codeword": words.get(s, ""), "length": n})
        return rows

    def cost_bits(self, counts) -> int:
        """Exact payload size in bits for data with these per-symbol counts."""
        c = np.asarray(counts, dtype=np.int64)
        if c.size != self.lengths_array.size:
            raise InvalidInputError("need one count per alphabet symbol")
        missing = np.flatnonzero((c > 0) & (self.lengths_array == 0))
        if missing.size:
            raise ModelError(f"symbol {self.symbols[missing[0]]!r} has no code word")
        return int((c * self.lengths_array.astype(np.int64)).sum())

    def __repr__(self) -> str:
        return f"HuffmanCode(symbols={int((self.lengths_array > 0).sum())}, max_length={self.max_length})"

    # -- coding ------------------------------------------------------------------------

    def _indices(self, data) -> np.ndarray:
        if self.alphabet.is_bytes and is_byte_data(data):
            return as_byte_array(data)
        return self.alphabet.to_indices(data)

    def encode(self, data, *, streams: int = 1) -> bytes:
        """Code words of ``data`` concatenated MSB first, zero-padded to whole bytes; with
        ``streams=4``, four such streams of a quarter of the symbols each after a jump
        table of their sizes (Huff0's 4X layout, which decodes about 2.5x as fast).

        >>> code = HuffmanCode.from_frequencies({"A": 0.5, "B": 0.2, "C": 0.2, "D": 0.1})
        >>> code.encode("ABCAADABCA", streams=4).hex()  # streams ABC AAD ABC A
        '01000000010000000100000058385800'
        >>> code.decode(code.encode("ABCAADABCA", streams=4), 10, streams=4)
        ['A', 'B', 'C', 'A', 'A', 'D', 'A', 'B', 'C', 'A']
        """
        return self.encode_indices(self._indices(data), streams=streams)

    def encode_indices(self, idx: np.ndarray, *, streams: int = 1) -> bytes:
        """Like :meth:`encode`, for an array of alphabet indices."""
        if streams == 4:
            return self._encode_4x(idx)
        if streams != 1:
            raise InvalidInputError(f"streams must be 1 or 4, got {streams!r}")
        if idx.size == 0:
            return b""
        if self.max_length > MAX_KERNEL_LENGTH:
            # the encoder could go to 64 bits, but nothing could decode the result
            raise InvalidInputError(
                f"code words longer than {MAX_KERNEL_LENGTH} bits: build with max_length")
        if not self.lengths_array.any():
            raise ModelError("an empty code cannot encode any symbol")
        kernel, codes = self._encoder()
        out = np.empty((idx.size * self.max_length + 7) // 8 + 8, dtype=np.uint8)
        total_bits = kernel(idx, codes, self.lengths_array, out)
        if total_bits < 0:
            raise ModelError(f"symbol {self.symbols[idx[-total_bits - 1]]!r} has no code word")
        return out[: (total_bits + 7) // 8].tobytes()

    def _encoder(self):
        """(kernel, code words as uint64) for this code: the store-based encoder for words
        of up to MAX_FAST_ENCODE_LENGTH bits (the 15 the four streams allow included),
        the general one beyond."""
        from entropycodec.coders.huffman_kernels import (
            MAX_FAST_ENCODE_LENGTH,
            encode_fast,
            encode_kernel,
        )

        codes = np.array(self._codes, dtype=np.uint64)
        if self.max_length > MAX_FAST_ENCODE_LENGTH:
            return encode_kernel, codes
        return encode_fast(min(4, MAX_FAST_ENCODE_LENGTH // max(self.max_length, 1))), codes

    def _encode_4x(self, idx: np.ndarray) -> bytes:
        self._table_4x()  # refuse a code the four-stream decoder cannot read
        if idx.size == 0:
            return b""
        if not self.lengths_array.any():
            raise ModelError("an empty code cannot encode any symbol")
        # the four streams are written one after the other into one buffer (each kernel
        # may write 8 bytes past its stream's end: the next stream overwrites them)
        kernel, codes = self._encoder()
        out = np.empty(JUMP_TABLE_BYTES + (idx.size * self.max_length + 7) // 8 + 4 + 8,
                       dtype=np.uint8)
        seg = (idx.size + 3) // 4
        pos, sizes = JUMP_TABLE_BYTES, []
        for j in range(4):
            part = idx[j * seg:(j + 1) * seg]
            bits = kernel(part, codes, self.lengths_array, out[pos:]) if part.size else 0
            if bits < 0:
                raise ModelError(f"symbol {self.symbols[part[-bits - 1]]!r} has no code word")
            sizes.append((bits + 7) // 8)
            pos += sizes[-1]
        out[:JUMP_TABLE_BYTES] = np.array(sizes[:3], dtype="<u4").view(np.uint8)
        return out[:pos].tobytes()

    def _table_4x(self) -> tuple[np.ndarray, int]:
        """(table, table_bits) of the four-stream decoder: (symbol << 4) | length for every
        max_length-bit prefix (0: no word starts so)."""
        if self._table4 is None:
            bits = max(self.max_length, 1)
            if bits > MAX_4X_LENGTH or len(self.alphabet) > MAX_4X_SYMBOLS:
                raise InvalidInputError(
                    f"four streams take words of up to {MAX_4X_LENGTH} bits and up to "
                    f"{MAX_4X_SYMBOLS} symbols; this code has {self.max_length} and "
                    f"{len(self.alphabet)} (build it with max_length, or use streams=1)")
            # canonical words in (length, index) order cover consecutive ranges of
            # prefixes from 0 up: the table is each entry repeated over its range
            lengths = self.lengths_array.astype(np.int64)
            order = np.argsort(lengths, kind="stable")
            order = order[lengths[order] > 0]
            spans = np.left_shift(1, bits - lengths[order])
            table = np.zeros(1 << bits, dtype=np.uint16)
            table[:spans.sum()] = np.repeat((order << 4) | lengths[order], spans)
            self._table4 = (table, bits)
        return self._table4

    def _decode_tables(self) -> _DecodeTables:
        if self._decoder is None:
            lengths = self.lengths_array.astype(np.int64)
            max_len = max(self.max_length, 1)
            if max_len > MAX_KERNEL_LENGTH:
                raise InvalidInputError(
                    f"code words longer than {MAX_KERNEL_LENGTH} bits: build with max_length")
            tbits = min(max_len, TABLE_BITS)
            sym_dtype = np.uint8 if len(self.alphabet) <= 256 else np.int32
            table_sym = np.zeros(1 << tbits, dtype=sym_dtype)
            table_len = np.zeros(1 << tbits, dtype=np.uint8)
            first_code = np.zeros(max_len + 2, dtype=np.int64)
            first_index = np.zeros(max_len + 2, dtype=np.int64)
            count = np.zeros(max_len + 2, dtype=np.int64)
            order = np.lexsort((np.arange(lengths.size), lengths))
            order = order[lengths[order] > 0]
            sorted_syms = order.astype(sym_dtype)
            for rank, i in enumerate(order.tolist()):
                ln, code = int(lengths[i]), self._codes[i]
                if count[ln] == 0:
                    first_code[ln], first_index[ln] = code, rank
                count[ln] += 1
                if ln <= tbits:
                    lo = code << (tbits - ln)
                    table_sym[lo : lo + (1 << (tbits - ln))] = i
                    table_len[lo : lo + (1 << (tbits - ln))] = ln
            packed = (table_sym.astype(np.int32) << 5) | table_len
            self._decoder = _DecodeTables(table_sym, table_len, tbits, first_code, first_index,
                                          count, sorted_syms, max_len, packed, sym_dtype)
        return self._decoder

    def decode_indices(self, data, count: int, *, out=None, streams: int = 1) -> np.ndarray:
        """Decode ``count`` symbol indices from ``data`` (into ``out`` when given: see
        :func:`~entropycodec.coders.checks.output_array`); ``streams`` as encoded."""
        from entropycodec.coders.checks import output_array
        from entropycodec.coders.huffman_kernels import OK, decode_kernel, decode_short_kernel

        count = int(count)
        if count < 0:
            raise InvalidInputError("count must be non-negative")
        buf = as_byte_array(data) if is_byte_data(data) else np.frombuffer(bytes(data), np.uint8)
        if streams == 4:
            return self._decode_4x(buf, count, out)
        if streams != 1:
            raise InvalidInputError(f"streams must be 1 or 4, got {streams!r}")
        tables = self._decode_tables()
        if count == 0:
            return output_array(out, 0, tables.sym_dtype)
        if not (self.lengths_array > 0).any():
            raise CorruptDataError("an empty code cannot decode any symbol")
        if count > buf.size * 8:  # every code word has at least one bit
            raise TruncatedDataError(
                f"{count} symbols need at least {count} bits, the data has {buf.size * 8}")
        out = output_array(out, count, tables.sym_dtype)
        if tables.max_len <= tables.table_bits:  # every word fits the table
            status, consumed = decode_short_kernel(buf, count, tables.packed, tables.table_bits, out)
        else:
            status, consumed = decode_kernel(
                buf, count, tables.table_sym, tables.table_len, tables.table_bits,
                tables.first_code, tables.first_index, tables.count, tables.sorted_syms,
                tables.max_len, out)
        if status != OK:
            raise CorruptDataError("invalid Huffman code word in the data")
        if consumed > buf.size * 8:
            raise TruncatedDataError(
                f"Huffman data ends early: {consumed} bits needed, {buf.size * 8} present")
        return out

    def _decode_4x(self, buf: np.ndarray, count: int, out) -> np.ndarray:
        from entropycodec.coders.checks import output_array
        from entropycodec.coders.huffman_kernels import OK, decode_4x

        table, bits = self._table_4x()
        sym_dtype = np.uint8 if len(self.alphabet) <= 256 else np.int32
        if count == 0:
            return output_array(out, 0, sym_dtype)
        if buf.size < JUMP_TABLE_BYTES:
            raise TruncatedDataError(f"four Huffman streams need a {JUMP_TABLE_BYTES}-byte jump "
                                     f"table; the data has {buf.size} bytes")
        sizes = np.frombuffer(buf[:JUMP_TABLE_BYTES].tobytes(), dtype="<u4").astype(np.int64)
        bounds = np.empty(5, dtype=np.int64)
        bounds[0] = JUMP_TABLE_BYTES
        bounds[1:4] = JUMP_TABLE_BYTES + np.cumsum(sizes)
        bounds[4] = buf.size
        if bounds[3] > buf.size:
            raise TruncatedDataError("Huffman jump table: the streams end past the data")
        if count > buf.size * 8:  # every code word has at least one bit
            raise TruncatedDataError(
                f"{count} symbols need at least {count} bits, the data has {buf.size * 8}")
        if not (self.lengths_array > 0).any():
            raise CorruptDataError("an empty code cannot decode any symbol")
        out = output_array(out, count, sym_dtype)
        status, short = decode_4x(4 if bits <= 14 else 3)(buf, bounds, count, table, bits, out)
        if status != OK:
            raise CorruptDataError("invalid Huffman code word in the data")
        if short >= 0:
            raise TruncatedDataError(f"Huffman stream {short} of 4 ends before its symbols do")
        return out

    def decode(self, data, count: int, *, streams: int = 1):
        """Decode ``count`` symbols: ``bytes`` for the byte alphabet, else a list of symbols."""
        return self.alphabet.from_indices(self.decode_indices(data, count, streams=streams))


def streams_for(n: int, layout: int = 0) -> int:
    """The streams of a payload of ``n`` symbols in the registry's ``layout``: one in
    layout 0 (what :func:`entropycodec.encode` writes); in layout 1 (``.ec`` blocks of
    param 1) four from :data:`FOUR_STREAMS_MIN` symbols on."""
    if layout not in (0, 1):
        raise InvalidInputError(f"Huffman layout must be 0 or 1, got {layout!r}")
    return 4 if layout == 1 and n >= FOUR_STREAMS_MIN else 1


def huffman_encode(indices, code: HuffmanCode, *, layout: int = 0) -> bytes:
    """The registry's entry point: ``code.encode_indices(indices, streams=...)``."""
    return code.encode_indices(indices, streams=streams_for(np.size(indices), layout))


def huffman_decode(payload, n: int, code: HuffmanCode, *, out=None, layout: int = 0):
    """The registry's entry point: ``code.decode_indices(payload, n, out=out, streams=...)``."""
    return code.decode_indices(payload, n, out=out, streams=streams_for(n, layout))

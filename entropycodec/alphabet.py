"""Alphabets: the mapping between user symbols and the dense indices coders work on.

Bytes are the fast path: their alphabet is the 256 byte values, index = value,
and data stays a numpy ``uint8`` array end to end. *Byte data* is exactly:
``bytes``, ``bytearray``, ``memoryview`` and numpy ``uint8`` arrays; the type
decides, not the values (an ``int64`` array of the values 0, 1, 2 is three
integer symbols; pass ``arr.astype(np.uint8)`` to code it as bytes). Any other
hashable symbols (characters, words, ints, tuples) get an :class:`Alphabet`
whose order is deterministic: sorted when the symbols can be compared,
otherwise the order of first appearance.

Mapping symbols to indices and back is vectorized with numpy for the common
alphabets (integers: a look-up table or ``searchsorted``; characters of a
``str``: their code points), and done by C-level dictionary look-ups
otherwise, never symbol by symbol in Python bytecode.

Keys of a model for byte data follow one rule, :func:`byte_value`, in the API
and in the command line's JSON model files alike.

>>> a = Alphabet.from_symbols("ABCAADABCA")
>>> a.symbols
('A', 'B', 'C', 'D')
>>> a.to_indices("DAB").tolist()
[3, 0, 1]
>>> a.from_indices([3, 0, 1])
['D', 'A', 'B']
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from entropycodec.errors import InvalidInputError, ModelError

__all__ = ["Alphabet", "BYTE_ALPHABET", "as_byte_array", "is_byte_data", "split_symbols",
           "display_symbol", "byte_value", "byte_weights"]

_BYTE_TYPES = (bytes, bytearray, memoryview)


def is_byte_data(data) -> bool:
    """True for bytes-like objects and numpy ``uint8`` arrays (the fast path)."""
    return isinstance(data, _BYTE_TYPES) or (
        isinstance(data, np.ndarray) and data.dtype == np.uint8
    )


def as_byte_array(data) -> np.ndarray:
    """View bytes-like data as a one-dimensional numpy ``uint8`` array without copying."""
    if isinstance(data, np.ndarray):
        if data.dtype != np.uint8:
            raise InvalidInputError(f"expected uint8 data, got dtype {data.dtype}")
        return data.reshape(-1)
    return np.frombuffer(memoryview(data).cast("B"), dtype=np.uint8)


def _is_int(symbol) -> bool:
    return isinstance(symbol, (int, np.integer)) and not isinstance(symbol, (bool, np.bool_))


# how Alphabet maps data to indices without a Python loop (see Alphabet._lookup)
_INTS, _CHARS, _OTHER = "ints", "chars", "other"
_MAX_TABLE = 1 << 16  # a direct look-up table up to this many entries, else searchsorted


class _Lookup:
    """Sorted keys (int64 values, or code points of one-character strings) and the
    alphabet index of each, plus a direct table when the keys are small."""

    __slots__ = ("keys", "index", "table", "offset")

    def __init__(self, keys, index):
        order = np.argsort(keys, kind="stable")
        self.keys = np.asarray(keys, dtype=np.int64)[order]
        self.index = np.asarray(index, dtype=np.int64)[order]
        self.table = None
        self.offset = 0
        if self.keys.size and int(self.keys[-1]) - int(self.keys[0]) < _MAX_TABLE:
            self.offset = int(self.keys[0])
            self.table = np.full(int(self.keys[-1]) - self.offset + 1, -1, dtype=np.int64)
            self.table[self.keys - self.offset] = self.index

    def map(self, values: np.ndarray) -> tuple[np.ndarray, int | None]:
        """(indices, position of the first value that is not a key, or None)."""
        values = values.reshape(-1)
        if self.keys.size == 0:
            return np.zeros(values.size, dtype=np.int64), (0 if values.size else None)
        if self.table is not None:
            if values.size == 0:
                return np.zeros(0, dtype=np.int64), None
            low, high = int(values.min()), int(values.max())
            if low >= self.offset and high - self.offset < self.table.size:  # the usual case
                idx = self.table[(values - self.offset).astype(np.intp, copy=False)]
                if idx.min() >= 0:
                    return idx, None
                return idx, int(np.flatnonzero(idx < 0)[0])
            shifted = values.astype(np.int64) - self.offset
            inside = (shifted >= 0) & (shifted < self.table.size)
            idx = self.table[np.where(inside, shifted, 0)]
            bad = np.flatnonzero(~inside | (idx < 0))
        else:
            pos = np.minimum(np.searchsorted(self.keys, values), self.keys.size - 1)
            idx = self.index[pos]
            bad = np.flatnonzero(self.keys[pos] != values)
        return idx, (int(bad[0]) if bad.size else None)


class Alphabet:
    """An ordered, duplicate-free tuple of symbols with index look-up both ways."""

    __slots__ = ("symbols", "_index", "is_bytes", "_kind", "_lookup", "_objects")

    def __init__(self, symbols: Iterable, *, _is_bytes: bool = False):
        self.symbols = tuple(symbols)
        self.is_bytes = _is_bytes
        self._index = {s: i for i, s in enumerate(self.symbols)}
        if len(self._index) != len(self.symbols):
            raise InvalidInputError("alphabet symbols must be distinct")
        self._lookup = None
        self._objects = None
        if all(_is_int(s) for s in self.symbols):
            self._kind = _INTS
        elif all(type(s) is str for s in self.symbols):
            self._kind = _CHARS
        else:
            self._kind = _OTHER

    @classmethod
    def from_symbols(cls, data: Iterable) -> Alphabet:
        """The alphabet of the distinct symbols in ``data`` (sorted when comparable)."""
        if is_byte_data(data):
            return BYTE_ALPHABET
        if isinstance(data, str):  # the distinct characters, sorted (= by code point)
            return cls(chr(c) for c in _distinct(code_points(data)).tolist())
        values = integer_values(data) if isinstance(data, np.ndarray) else None
        if values is not None:
            return cls(_distinct(values).tolist())
        seen = list(dict.fromkeys(data))
        try:
            seen.sort()
        except TypeError:
            pass  # not comparable: keep first-appearance order, still deterministic
        return cls(seen)

    def __len__(self) -> int:
        return len(self.symbols)

    def __iter__(self):
        return iter(self.symbols)

    def __contains__(self, symbol) -> bool:
        return symbol in self._index

    def __eq__(self, other) -> bool:
        return isinstance(other, Alphabet) and self.symbols == other.symbols

    def __hash__(self) -> int:
        return hash(self.symbols)

    def __repr__(self) -> str:
        if self.is_bytes:
            return "Alphabet(<256 byte values>)"
        shown = ", ".join(repr(s) for s in self.symbols[:8])
        more = ", ..." if len(self.symbols) > 8 else ""
        return f"Alphabet([{shown}{more}])"

    def index(self, symbol) -> int:
        try:
            return self._index[symbol]
        except (KeyError, TypeError):
            raise ModelError(f"symbol {symbol!r} is not in the alphabet") from None

    def _table(self) -> _Lookup:
        """The vectorized look-up of an alphabet of ints or of strings (built once)."""
        if self._lookup is None:
            if self._kind == _INTS:
                self._lookup = _Lookup([int(s) for s in self.symbols], range(len(self.symbols)))
            else:  # one-character strings, by code point (longer ones never match a char)
                chars = [(ord(s), i) for i, s in enumerate(self.symbols) if len(s) == 1]
                self._lookup = _Lookup([c for c, _ in chars], [i for _, i in chars])
        return self._lookup

    def _missing(self, symbol):
        return ModelError(f"symbol {symbol!r} is not in the alphabet")

    def to_indices(self, data) -> np.ndarray:
        """Map symbols to indices (``uint8`` for byte data, ``int64`` otherwise)."""
        if self.is_bytes and is_byte_data(data):
            return as_byte_array(data)
        if self._kind == _INTS:
            values = integer_values(data)
            if values is not None:
                if self.is_bytes:
                    if values.size and (values.min() < 0 or values.max() > 255):
                        bad = values[(values < 0) | (values > 255)][0]
                        raise ModelError(f"byte alphabet: values must lie in 0..255, got {int(bad)}")
                    return values.astype(np.uint8)
                idx, bad = self._table().map(values)
                if bad is not None:
                    raise self._missing(int(values[bad]))
                return idx
        elif self._kind == _CHARS and isinstance(data, str):
            points = code_points(data)
            idx, bad = self._table().map(points)
            if bad is not None:
                raise self._missing(data[bad])
            return idx
        # any other symbols: C-level dictionary look-ups (map, not a Python loop)
        try:
            return np.fromiter(map(self._index.__getitem__, data), dtype=np.int64)
        except KeyError as exc:
            raise self._missing(exc.args[0]) from None
        except TypeError:
            for s in data:  # find the unhashable symbol to name it
                try:
                    hash(s)
                except TypeError:
                    raise ModelError(f"symbol {s!r} is not hashable, so not in the alphabet") from None
            raise

    def symbol_array(self) -> np.ndarray:
        """The symbols as a one-dimensional numpy object array (built once)."""
        if self._objects is None:
            objects = np.empty(len(self.symbols), dtype=object)
            for i, s in enumerate(self.symbols):
                objects[i] = s  # element by element: tuples must not become rows
            self._objects = objects
        return self._objects

    def text_from_indices(self, indices: Sequence[int]) -> str:
        """Map indices back to symbols and join them into one str (symbols must be str).

        >>> Alphabet.from_symbols("abc").text_from_indices([2, 0, 1])
        'cab'
        """
        if self._kind == _CHARS and all(len(s) == 1 for s in self.symbols):
            points = np.array([ord(s) for s in self.symbols], dtype="<u4")
            taken = points[np.asarray(indices, dtype=np.int64).reshape(-1)]
            return taken.tobytes().decode("utf-32-le", "surrogatepass")
        return "".join(self.from_indices(indices))

    def from_indices(self, indices: Sequence[int]):
        """Map indices back to symbols: ``bytes`` for the byte alphabet, else a list."""
        if self.is_bytes:
            return np.asarray(indices, dtype=np.uint8).tobytes()
        idx = np.asarray(indices, dtype=np.int64).reshape(-1)
        return self.symbol_array()[idx].tolist()


def code_points(text: str) -> np.ndarray:
    """The code points of a str as int64 (one per character; lone surrogates kept)."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4").astype(np.int64)


def _distinct(values: np.ndarray) -> np.ndarray:
    """The sorted distinct values of an integer array (a bincount when their range is small)."""
    return distinct_counts(values)[0]


def distinct_counts(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sorted distinct values, their counts) of an integer array, in one bincount when
    the range of the values is small, else by sorting."""
    if values.size == 0:
        return values.astype(np.int64), np.zeros(0, dtype=np.int64)
    low, high = int(values.min()), int(values.max())
    if high - low < max(_MAX_TABLE, 4 * values.size):
        counts = np.bincount((values - low).astype(np.intp, copy=False))
        present = np.flatnonzero(counts)
        return present + low, counts[present].astype(np.int64)
    distinct, counts = np.unique(values, return_counts=True)
    return distinct, counts.astype(np.int64)


def integer_values(data) -> np.ndarray | None:
    """``data`` as an integer numpy array when it holds only integers, else None."""
    if isinstance(data, np.ndarray):
        if data.dtype.kind not in "iu":
            return None
        if data.dtype == np.uint64 and data.size and data.max() > np.iinfo(np.int64).max:
            return None  # beyond int64: dictionary look-ups, exactly
        return data.reshape(-1)
    if is_byte_data(data):
        return as_byte_array(data)
    if isinstance(data, (list, tuple)):
        try:
            values = np.asarray(data)
        except (OverflowError, ValueError, TypeError):
            return None  # ints beyond 64 bits, ragged data: dictionary look-ups
        if values.dtype.kind in "iu" and values.ndim == 1:
            return values
        if values.size == 0:
            return np.zeros(0, dtype=np.int64)
    return None


BYTE_ALPHABET = Alphabet(range(256), _is_bytes=True)


SYMBOL_MODES = ("bytes", "chars", "words")


def split_symbols(data: bytes, mode: str = "bytes"):
    """Cut raw file contents into symbols: bytes (as is), UTF-8 characters or
    whitespace-separated words.

    >>> split_symbols(b"to be or not to be", "words")
    ['to', 'be', 'or', 'not', 'to', 'be']
    """
    if mode == "bytes":
        return data
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInputError(
            f"not valid UTF-8 at byte {exc.start}: it cannot be split into {mode}; split it into "
            "bytes instead") from None
    if mode == "chars":
        return text
    if mode == "words":
        return text.split()
    raise InvalidInputError(f"symbol mode must be one of {', '.join(SYMBOL_MODES)}, got {mode!r}")


def display_symbol(symbol, is_bytes: bool) -> str:
    """A printable, unambiguous label: 'a', '\\n' or 0xff for bytes; str() otherwise."""
    if is_bytes:
        ch = chr(symbol)
        return repr(ch) if ch.isprintable() and symbol < 128 else f"0x{symbol:02x}"
    return symbol if isinstance(symbol, str) else repr(symbol)


def byte_value(key) -> int:
    """The byte value (0..255) that a key of a model for byte data names.

    The one rule, for model mappings passed to the API and for the keys of the
    command line's JSON model files (where keys are always strings):

    * an int 0..255: that byte (``65``);
    * a string of decimal digits: its value (``"65"``; a single digit is a
      number too: ``"7"`` is byte 7, and the character '7' is ``"0x37"`` or 55);
    * ``"0x"`` and one or two hex digits: that byte (``"0x41"``, any case);
    * any other one-character string: an ASCII character is its code
      (``"A"`` is 65); a non-ASCII character is refused, since UTF-8 writes it in
      several bytes (key them one by one, or code characters instead of bytes).

    >>> [byte_value(k) for k in (65, "65", "0x41", "A", "7", "0x37")]
    [65, 65, 65, 65, 7, 55]
    >>> byte_value("AB")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    entropycodec.errors.InvalidInputError: byte model key 'AB' names no byte: use an int 0..255, ...
    """
    if _is_int(key):
        value = int(key)
        if not 0 <= value <= 255:
            raise InvalidInputError(f"byte model key {value} is not a byte value (0..255)")
        return value
    if isinstance(key, str):
        if key.isascii() and key.isdigit():
            value = int(key)
            if value > 255:
                raise InvalidInputError(f"byte model key {key!r} is not a byte value (0..255)")
            return value
        low = key.lower()
        if low.startswith("0x") and 3 <= len(low) <= 4 and all(c in "0123456789abcdef" for c in low[2:]):
            return int(low, 16)
        if len(key) == 1:
            if key.isascii():
                return ord(key)
            utf8 = " ".join(f"0x{b:02x}" for b in key.encode("utf-8", "surrogatepass"))
            raise InvalidInputError(
                f"byte model key {key!r} is not one byte: UTF-8 writes it as {utf8}; key those "
                "bytes, or code characters instead of bytes")
    raise InvalidInputError(
        f"byte model key {key!r} names no byte: use an int 0..255, decimal digits ('65'), "
        "0x and hex digits ('0x41') or one ASCII character ('A')")


def byte_weights(mapping) -> np.ndarray:
    """The 256 weights of a model for byte data given as ``{key: weight}``, each key
    read by :func:`byte_value`; two keys naming the same byte are refused.

    >>> w = byte_weights({"A": 0.5, "0x42": 0.25, 67: 0.25})
    >>> w[65:68].tolist()
    [0.5, 0.25, 0.25]
    """
    out = np.zeros(256, dtype=np.float64)
    named = {}
    for key, weight in mapping.items():
        value = byte_value(key)
        if value in named:
            raise InvalidInputError(
                f"byte model keys {named[value]!r} and {key!r} both name byte {value} (0x{value:02x})")
        named[value] = key
        try:
            out[value] = float(weight)
        except (TypeError, ValueError):
            raise InvalidInputError(f"the weight of byte model key {key!r} is not a number: "
                                    f"{weight!r}") from None
    return out

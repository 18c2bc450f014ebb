"""Alphabets: the mapping between user symbols and the dense indices coders work on.

Bytes are the fast path: their alphabet is the 256 byte values, index = value,
and data stays a numpy ``uint8`` array end to end. Any other hashable symbols
(characters, words, ints, tuples) get an :class:`Alphabet` whose order is
deterministic: sorted when the symbols can be compared, otherwise the order of
first appearance.

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

from .errors import InvalidInputError, ModelError

__all__ = ["Alphabet", "BYTE_ALPHABET", "as_byte_array", "is_byte_data", "split_symbols", "display_symbol"]

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


class Alphabet:
    """An ordered, duplicate-free tuple of symbols with index look-up both ways."""

    __slots__ = ("symbols", "_index", "is_bytes")

    def __init__(self, symbols: Iterable, *, _is_bytes: bool = False):
        self.symbols = tuple(symbols)
        self.is_bytes = _is_bytes
        self._index = {s: i for i, s in enumerate(self.symbols)}
        if len(self._index) != len(self.symbols):
            raise InvalidInputError("alphabet symbols must be distinct")

    @classmethod
    def from_symbols(cls, data: Iterable) -> Alphabet:
        """The alphabet of the distinct symbols in ``data`` (sorted when comparable)."""
        if is_byte_data(data):
            return BYTE_ALPHABET
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

    def to_indices(self, data) -> np.ndarray:
        """Map symbols to indices (``uint8`` for byte data, ``int64`` otherwise)."""
        if self.is_bytes and is_byte_data(data):
            return as_byte_array(data)
        if isinstance(data, np.ndarray) and data.dtype.kind in "iu" and self.is_bytes:
            if data.size and (data.min() < 0 or data.max() > 255):
                raise ModelError("byte alphabet: values must lie in 0..255")
            return data.astype(np.uint8)
        idx = self._index
        try:
            return np.fromiter((idx[s] for s in data), dtype=np.int64)
        except (KeyError, TypeError) as exc:
            raise ModelError(f"symbol {exc.args[0]!r} is not in the alphabet") from None

    def from_indices(self, indices: Sequence[int]):
        """Map indices back to symbols: ``bytes`` for the byte alphabet, else a list."""
        if self.is_bytes:
            return np.asarray(indices, dtype=np.uint8).tobytes()
        syms = self.symbols
        return [syms[i] for i in np.asarray(indices).tolist()]


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
        raise InvalidInputError(f"not valid UTF-8 at byte {exc.start}: use --symbols bytes") from None
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

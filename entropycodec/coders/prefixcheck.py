"""Validation of user-supplied codes: Kraft sum, prefix freedom, unique decodability.

Kraft-McMillan: every uniquely decodable code has sum 2^-len <= 1, so a sum
above 1 proves the code ambiguous. A prefix-free code is instantaneous. A code
that is not prefix-free may still be uniquely decodable; the Sardinas-Patterson
test (1953) decides it exactly: the code is ambiguous iff some set of "dangling
suffixes" contains a code word.

>>> check = check_prefix_code({"A": "0", "B": "10", "C": "11", "D": "111"})
>>> check.kraft_sum, check.is_prefix_free, check.conflicts, check.uniquely_decodable
(Fraction(9, 8), False, [('C', 'D')], False)
>>> round(check.expected_length({"A": 0.5, "B": 0.2, "C": 0.2, "D": 0.1}), 3)
1.6
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from entropycodec.errors import InvalidInputError

__all__ = ["check_prefix_code", "PrefixCodeCheck"]


@dataclass(frozen=True)
class PrefixCodeCheck:
    """The verdict on a code: ``{symbol: '0'/'1' string}``."""

    codewords: dict
    kraft_sum: Fraction
    is_prefix_free: bool
    conflicts: list = field(default_factory=list)  # (a, b): a's word is a prefix of b's
    uniquely_decodable: bool = True

    @property
    def decodable(self) -> bool:
        """Whether every concatenation of code words has exactly one parsing."""
        return self.uniquely_decodable

    def expected_length(self, p) -> float:
        """sum_x p(x) len(x) in bits per symbol for probabilities ``{symbol: p}``."""
        missing = [s for s, w in p.items() if w and s not in self.codewords]
        if missing:
            raise InvalidInputError(f"no code word for symbol {missing[0]!r}")
        total = sum(p.values())
        if total <= 0:
            raise InvalidInputError("probabilities must not all be zero")
        return sum(w * len(self.codewords[s]) for s, w in p.items()) / total

    def verdict(self) -> str:
        """One line: what kind of code this is, and why."""
        if self.is_prefix_free:
            kind = "complete" if self.kraft_sum == 1 else "incomplete"
            return f"prefix-free ({kind}, Kraft sum {self.kraft_sum}): uniquely decodable"
        pairs = ", ".join(f"{a} ({self.codewords[a]}) is a prefix of {b} ({self.codewords[b]})"
                          for a, b in self.conflicts)
        if self.uniquely_decodable:
            return f"not prefix-free ({pairs}) but uniquely decodable (Sardinas-Patterson)"
        why = f"Kraft sum {self.kraft_sum} > 1" if self.kraft_sum > 1 else "Sardinas-Patterson"
        return f"not prefix-free ({pairs}); NOT uniquely decodable ({why})"


def _sardinas_patterson(words: list[str]) -> bool:
    """Whether the code is uniquely decodable (Sardinas-Patterson)."""
    code = set(words)
    if len(code) != len(words):
        return False  # two symbols share a code word
    # S1: dangling suffixes between pairs of distinct code words
    current = {d[len(c):] for c in code for d in code if c != d and d.startswith(c)}
    seen: set[str] = set()
    while current:
        if current & code:
            return False
        seen |= current
        nxt = set()
        for s in current:
            for c in code:
                if c.startswith(s) and c != s:
                    nxt.add(c[len(s):])
                elif s.startswith(c) and c != s:
                    nxt.add(s[len(c):])
        current = nxt - seen
    return True


def check_prefix_code(codewords) -> PrefixCodeCheck:
    """Check a code given as ``{symbol: '0'/'1' string}``, or as a list (or tuple) of
    code word strings, whose symbols are then their positions 0, 1, 2, ...

    >>> check_prefix_code(["0", "10", "11"]).codewords
    {0: '0', 1: '10', 2: '11'}
    >>> check_prefix_code("0 10 11")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    TypeError: check_prefix_code wants a mapping {symbol: code word} or a list of code words (...), got str
    """
    if isinstance(codewords, (list, tuple)):
        codewords = dict(enumerate(codewords))
    elif not isinstance(codewords, Mapping):
        raise TypeError("check_prefix_code wants a mapping {symbol: code word} or a list of code "
                        f"words (strings of 0 and 1), got {type(codewords).__name__}")
    words = {}
    for sym, w in codewords.items():
        if not isinstance(w, str):
            raise TypeError(f"the code word for {sym!r} must be a string of 0 and 1, "
                            f"got {type(w).__name__} {w!r}")
        if not w or set(w) - {"0", "1"}:
            raise InvalidInputError(f"code word for {sym!r} must be a non-empty string of 0 and 1")
        words[sym] = w
    if not words:
        raise InvalidInputError("no code words given")
    kraft = sum((Fraction(1, 1 << len(w)) for w in words.values()), Fraction(0))
    items = list(words.items())
    conflicts = [(a, b) for a, wa in items for b, wb in items
                 if a != b and wb.startswith(wa) and (wa != wb or repr(a) < repr(b))]
    ud = _sardinas_patterson(list(words.values()))
    return PrefixCodeCheck(words, kraft, not conflicts, conflicts, ud and kraft <= 1)

"""The package's exception hierarchy: one root, one type per kind of failure.

Every failure the package reports on purpose is an :class:`EntropyCodecError`.
Bad arguments are also :class:`ValueError` (so ``except ValueError`` keeps
working for callers used to the standard library); bad compressed data has its
own branch, :class:`CorruptDataError`, with :class:`TruncatedDataError` (also an
:class:`EOFError`) and :class:`ChecksumError` beneath it.

>>> issubclass(TruncatedDataError, CorruptDataError) and issubclass(TruncatedDataError, EOFError)
True
>>> issubclass(CorruptDataError, ValueError)
True
"""

from __future__ import annotations

__all__ = [
    "EntropyCodecError",
    "InvalidInputError",
    "ModelError",
    "CorruptDataError",
    "TruncatedDataError",
    "ChecksumError",
    "LimitExceededError",
]


class EntropyCodecError(Exception):
    """Root of every exception raised on purpose by entropycodec."""


class InvalidInputError(EntropyCodecError, ValueError):
    """An argument is out of its domain: negative weights, NaN, mismatched lengths..."""


class ModelError(InvalidInputError):
    """The data cannot be coded with the given model (a symbol has probability 0 in it)."""


class CorruptDataError(EntropyCodecError, ValueError):
    """Compressed data is malformed: bad magic, impossible sizes, undecodable bits."""


class TruncatedDataError(CorruptDataError, EOFError):
    """Compressed data ends before the format says it should."""


class ChecksumError(CorruptDataError):
    """Decoded data does not match the checksum stored beside it."""


class LimitExceededError(CorruptDataError):
    """A size declared in a header is beyond what this implementation accepts."""

"""The package's exception hierarchy: one root, one type per kind of failure.

Every failure the package reports on purpose is an :class:`EntropyCodecError`.
Bad arguments are also :class:`ValueError` (so ``except ValueError`` keeps
working for callers used to the standard library); bad compressed data has its
own branch, :class:`CorruptDataError`, with :class:`TruncatedDataError` (also an
:class:`EOFError`), :class:`ChecksumError` and :class:`LimitExceededError`
beneath it.

Bad compressed data is both a :class:`ValueError` (as lzma's and bz2's one-shot
functions raise for it) and an :class:`OSError` (as ``bz2.BZ2File`` and
``gzip.BadGzipFile`` do), so code written for any of them catches it unchanged;
truncation is also an :class:`EOFError` (as in gzip and the stdlib's file
classes). Bad arguments (:class:`InvalidInputError`) are a ValueError only: they
are not I/O.

>>> issubclass(TruncatedDataError, CorruptDataError) and issubclass(TruncatedDataError, EOFError)
True
>>> issubclass(CorruptDataError, ValueError) and issubclass(CorruptDataError, OSError)
True
>>> str(CorruptDataError("bad magic")), CorruptDataError("bad magic").errno
('bad magic', None)
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


class CorruptDataError(EntropyCodecError, ValueError, OSError):
    """Compressed data is malformed: bad magic, impossible sizes, undecodable bits.

    Also a ValueError and an OSError (``except OSError`` is what a bz2 or gzip
    user writes). Raise it with one argument, the message: OSError reads two
    arguments as ``(errno, strerror)``."""

    def __new__(cls, *args, **kwargs):
        # The instances have OSError's layout; naming its __new__ here lets code that
        # rebuilds exceptions with cls.__new__(cls, *args) (pickling helpers such as
        # tblib, which Dask installs) make one instead of failing in ValueError.__new__.
        return OSError.__new__(cls, *args, **kwargs)


class TruncatedDataError(CorruptDataError, EOFError):
    """Compressed data ends before the format says it should."""


class ChecksumError(CorruptDataError):
    """Decoded data does not match the checksum stored beside it."""


class LimitExceededError(CorruptDataError):
    """A size declared in a header is beyond what this implementation accepts."""


class MissingExtraError(EntropyCodecError, ImportError):
    """An optional dependency (an *extra*) needed by the requested feature is not installed."""

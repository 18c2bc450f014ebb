"""Byte counts and speeds as people write and read them (no numpy at import time).

Sizes given on the command line take binary suffixes (:class:`ByteSize`, read back by
:func:`size_text`); sizes printed for people are binary too (:func:`human_size`), and
speeds are decimal, as zstd and xz print them (:func:`format_speed`).
"""

from __future__ import annotations

import click

from entropycodec.container.format import MAX_BLOCK_SIZE

MIN_TIMED = 0.01  # seconds: a run shorter than this reports no speed (timer noise)
_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}


def size_text(n: int) -> str:
    """``n`` bytes as :class:`ByteSize` reads it, with the largest suffix that is exact.

    >>> size_text(1 << 22), size_text(1 << 28), size_text(65536), size_text(1000)
    ('4M', '256M', '64K', '1000')
    """
    for unit in ("G", "M", "K"):
        if n and n % _UNITS[unit] == 0:
            return f"{n // _UNITS[unit]}{unit}"
    return str(n)


class ByteSize(click.ParamType):
    """A size with an optional binary suffix: 65536, 64K, 4M, 4MiB, 1G; from 1 byte to
    ``maximum`` (by default the format's block size limit, MAX_BLOCK_SIZE).

    >>> ByteSize().convert("64K", None, None), ByteSize().convert("4MiB", None, None)
    (65536, 4194304)
    >>> ByteSize(maximum=1 << 40).convert("16G", None, None)
    17179869184
    """

    name = "SIZE"

    def __init__(self, maximum: int = MAX_BLOCK_SIZE):
        self.maximum = maximum

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            return value
        text = str(value).strip().upper().removesuffix("IB").removesuffix("B")
        unit = text[-1:] if text[-1:] in _UNITS and text[-1:] else ""
        number = text[:-1] if unit else text
        try:
            size = int(number) * _UNITS[unit]
        except ValueError:
            self.fail(f"{value!r} is not a size (examples: 65536, 64K, 4M)", param, ctx)
        if not 1 <= size <= self.maximum:
            self.fail(f"{value!r} is outside 1 byte .. {size_text(self.maximum)}", param, ctx)
        return size


def human_size(n: int) -> str:
    """``n`` bytes in B, KiB, MiB or GiB, one decimal.

    >>> human_size(512), human_size(3 << 20), human_size(1536)
    ('512 B', '3.0 MiB', '1.5 KiB')
    """
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            return f"{n / size:,.1f} {unit}"
    return f"{n} B"


def format_speed(nbytes: int, seconds: float) -> str | None:
    """``nbytes`` per ``seconds`` in B/s, kB/s, MB/s or GB/s (powers of 1000, as zstd and xz
    print them); None when ``seconds`` is under MIN_TIMED, too short to time.

    >>> format_speed(9000, 0.5), format_speed(3 << 20, 2.0), format_speed(9000, 0.001)
    ('18.0 kB/s', '1.6 MB/s', None)
    """
    if seconds < MIN_TIMED:
        return None
    rate = nbytes / seconds
    for unit, scale in (("GB/s", 1e9), ("MB/s", 1e6), ("kB/s", 1e3)):
        if rate >= scale:
            return f"{rate / scale:.1f} {unit}"
    return f"{rate:.0f} B/s"

"""Compression levels 1..9: which coder codes each block, as gzip's, xz's and zstd's -1..-9.

======  ===========================================================  ==========
level   each block is coded by                                       block size
======  ===========================================================  ==========
1       rANS with the block's order-0 model (the fastest)            4 MiB
2       its order-1 context model, or order-0 where that is smaller  4 MiB
3       its order-2 context model, or order 1 or 0 where smaller     4 MiB
4       the Burrows-Wheeler coder (bwt)                              1 MiB
5       bwt                                                          2 MiB
6       bwt (the default)                                            4 MiB
7       context mixing (cm) at memory level 5                        4 MiB
8       cm at memory level 6                                         4 MiB
9       cm at memory level 7 (the cm default)                        4 MiB
======  ===========================================================  ==========

A block that would not shrink is stored raw at every level. The output does not depend
on the number of threads; blocks are independent. The level is not stored: each block
header names its coder and that coder's parameter (``entropycodec info`` shows them), so
any level's files decode with any reader of this format.

>>> LEVELS[6].coders, DEFAULT_LEVEL
((('bwt', 1),), 6)
>>> describe(1)
'level 1: rANS with the block order-0 model (the fastest)'
"""

from __future__ import annotations

from dataclasses import dataclass

from entropycodec.errors import InvalidInputError

__all__ = ["DEFAULT_LEVEL", "LADDER", "LEVELS", "Level", "check_level", "describe"]

LADDER = "level"  # the container's name for "code each block as a level says"
MIB = 1 << 20


@dataclass(frozen=True)
class Level:
    number: int
    coders: tuple  # (coder, param) candidates: the smallest result is kept
    block_size: int
    summary: str


LEVELS = {level.number: level for level in (
    Level(1, (("rans", 0),), 4 * MIB, "rANS with the block order-0 model (the fastest)"),
    Level(2, (("context", 1), ("auto", 0)), 4 * MIB,
          "order-1 context model, or order-0 where that is smaller"),
    Level(3, (("context", 2), ("context", 1), ("auto", 0)), 4 * MIB,
          "order-2 context model, or order-1 or order-0 where that is smaller"),
    Level(4, (("bwt", 1),), 1 * MIB, "Burrows-Wheeler coder, 1 MiB blocks"),
    Level(5, (("bwt", 1),), 2 * MIB, "Burrows-Wheeler coder, 2 MiB blocks"),
    Level(6, (("bwt", 1),), 4 * MIB, "Burrows-Wheeler coder, 4 MiB blocks"),
    Level(7, (("cm", 5),), 4 * MIB, "context mixing, memory level 5"),
    Level(8, (("cm", 6),), 4 * MIB, "context mixing, memory level 6"),
    Level(9, (("cm", 7),), 4 * MIB, "context mixing, memory level 7"),
)}
DEFAULT_LEVEL = 6


def check_level(level) -> int:
    """``level`` as an int in 1..9 (None: the default), else InvalidInputError."""
    if level is None:
        return DEFAULT_LEVEL
    if isinstance(level, bool) or not isinstance(level, int) or level not in LEVELS:
        raise InvalidInputError(f"compression level must be an int in 1..9, got {level!r}")
    return level


def describe(level: int) -> str:
    return f"level {level}: {LEVELS[level].summary}"

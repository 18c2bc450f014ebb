"""Compression levels 1..9: which coder codes each block, as gzip's, xz's and zstd's -1..-9.

======  ===========================================================  ==========
level   each block is coded by                                       block size
======  ===========================================================  ==========
1       rANS with the block's order-0 model (the fastest)            4 MiB
2       its order-1 context model, or order-0 where that is smaller  4 MiB
3       its order-2 context model, or order 1 or 0 where smaller     4 MiB
4       the Burrows-Wheeler coder (bwt); blocks up to 64 KiB: the    1 MiB
        smaller of bwt and context mixing (cm level 3)
5       bwt                                                          4 MiB
6       bwt at its level 2 (mixed rank models: ~2.3% smaller, about  4 MiB
        two thirds of level 5's speed); the default
7       context mixing (cm) at memory level 5                        4 MiB
8       cm at memory level 6                                         4 MiB
9       cm at memory level 7 (the cm default)                        4 MiB
======  ===========================================================  ==========

A block that would not shrink is stored raw at every level. The output does not depend
on the number of threads; blocks are independent. The level is not stored: each block
header names its coder and that coder's parameter (``entropycodec info`` shows them), so
any level's files decode with any reader of this format.

>>> LEVELS[6].coders, DEFAULT_LEVEL
((('bwt', 2),), 6)
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
    small: tuple = ()  # more candidates for blocks of at most SMALL_BLOCK bytes


#: At levels 4-6 a block this small is also tried with context mixing at cm level 3 (5 MiB
#: of tables): the Burrows-Wheeler coder's adaptive model has too few bytes to learn from
#: there (grammar.lsp, 3,721 bytes: bwt 1,275, gzip -9 1,234, cm 1,086 bytes), and cm's
#: ~1.7 MB/s costs at most ~40 ms on such a block.
SMALL_BLOCK = 64 << 10


LEVELS = {level.number: level for level in (
    Level(1, (("rans", 0),), 4 * MIB, "rANS with the block order-0 model (the fastest)"),
    Level(2, (("context", 1), ("auto", 0)), 4 * MIB,
          "order-1 context model, or order-0 where that is smaller"),
    Level(3, (("context", 2), ("context", 1), ("auto", 0)), 4 * MIB,
          "order-2 context model, or order-1 or order-0 where that is smaller"),
    Level(4, (("bwt", 1),), 1 * MIB, "Burrows-Wheeler coder, 1 MiB blocks",
          small=(("cm", 3),)),
    Level(5, (("bwt", 1),), 4 * MIB, "Burrows-Wheeler coder, 4 MiB blocks",
          small=(("cm", 3),)),
    # bwt's mixed entropy stage: 2.3% smaller than level 5 on the text files, at 0.66x its
    # decoding and 0.76x its coding speed (bench/results/levels.md)
    Level(6, (("bwt", 2),), 4 * MIB, "Burrows-Wheeler coder with mixed rank models, 4 MiB blocks",
          small=(("cm", 3),)),
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

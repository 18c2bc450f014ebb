"""Levels of the context-mixing coder: how much memory the model's tables take, and the tables.

A level sets the size of the two hashed tables; everything else is fixed. Every
array the kernel touches is allocated here, once per call, so
:func:`memory_bytes` is the model's whole footprint (besides the O(n) input,
output and payload buffers):

======  ===========  ============  ======================
level   hash table   match index   total (memory_bytes)
======  ===========  ============  ======================
1       512 KiB      128 KiB       1.4 MiB
2       1 MiB        256 KiB       2.1 MiB
3       2 MiB        512 KiB       3.3 MiB
4       4 MiB        1 MiB         5.8 MiB
5       8 MiB        2 MiB         10.8 MiB
6       16 MiB       4 MiB         20.8 MiB
7       32 MiB       8 MiB         40.8 MiB (default)
8       64 MiB       16 MiB        80.8 MiB
9       128 MiB      32 MiB        160.8 MiB
======  ===========  ============  ======================

>>> memory_bytes(DEFAULT_LEVEL) <= 256 << 20
True
>>> sum(a.nbytes for a in allocate_tables(1).values()) == memory_bytes(1)
True
"""

from __future__ import annotations

import numpy as np

from entropycodec.coders.cm.tables import STATE_COUNTS, squash

__all__ = ["LEVELS", "DEFAULT_LEVEL", "memory_bytes", "allocate_tables", "N_INPUTS", "N_HASHED"]

LEVELS = range(1, 10)
DEFAULT_LEVEL = 7

# Hashed contexts with bit-history buckets: orders 2, 3, 4, 5, 6 and the current word.
N_HASHED = 6
# Mixer inputs: order 0, order 1, the N_HASHED hashed contexts, match (2 inputs), bias.
N_INPUTS = 2 + N_HASHED + 3
# Mixer weight sets: partial byte c0 (256) times 4 match-length classes times the number of
# hashed contexts (0..6) whose bit history at this node is not empty.
N_MIXER_SETS = 256 * 4 * 7
# Match-model StateMap contexts: 32 quantized lengths times the expected bit.
N_MATCH_CONTEXTS = 64
# APM contexts: the partial byte c0 with the previous byte c1, folded to 12 bits as
# (c1 << 4) xor c0 (4096 rows, small enough to stay in L2 cache); 33 knots each.
APM_CONTEXTS = 1 << 12
APM_KNOTS = 33
# Initial mixer weight, 0.125 in 16-bit fixed point: about 1 / (useful inputs), so the first
# predictions are a plain average in the stretched domain.
INITIAL_WEIGHT = 1 << 13


def _hash_table_bytes(level: int) -> int:
    """16-byte buckets, 2**(14 + level) of them (512 KiB at level 1, 128 MiB at level 9)."""
    return 1 << (18 + level)


def _match_entries(level: int) -> int:
    """Last-position index of the match model: 2**(14 + level) int32 (128 KiB .. 32 MiB)."""
    return 1 << (14 + level)


def _specs(level: int) -> dict[str, tuple[int, type]]:
    return {
        "hash_table": (_hash_table_bytes(level), np.uint8),
        "match_index": (_match_entries(level), np.int32),
        "sm_order0": (256, np.uint32),
        "sm_order1": (1 << 16, np.uint32),
        "sm_hashed": (N_HASHED * 256, np.uint32),
        "sm_match": (N_MATCH_CONTEXTS, np.uint32),
        "mixer_weights": (N_MIXER_SETS * N_INPUTS, np.int32),
        "apm_order1": (APM_CONTEXTS * APM_KNOTS, np.uint16),
    }


def memory_bytes(level: int) -> int:
    """Bytes of model tables the coder allocates at ``level`` (input and output not counted).

    >>> memory_bytes(1) < memory_bytes(2) < memory_bytes(9)
    True
    """
    return sum(count * np.dtype(dtype).itemsize for count, dtype in _specs(level).values())


def allocate_tables(level: int) -> dict[str, np.ndarray]:
    """Fresh, initialized model tables for ``level`` (the encoder and decoder start equal).

    StateMaps start at probability 1/2 with count 0, except the bit-history maps, which start
    at (n1 + 1/2) / (n0 + n1 + 1) of each state's counts; APM knots start at the identity map.

    >>> t = allocate_tables(1)
    >>> int(t["sm_order0"][0] >> 20), int(t["apm_order1"][16] >> 4)
    (2048, 2048)
    """
    tables = {name: np.zeros(count, dtype=dtype) for name, (count, dtype) in _specs(level).items()}
    half = np.uint32(1 << 31)  # p = 2048 << 10 in the top 22 bits, count 0
    tables["sm_order0"][:] = half
    tables["sm_order1"][:] = half
    tables["sm_match"][:] = half
    n0 = STATE_COUNTS[:, 0].astype(np.int64)
    n1 = STATE_COUNTS[:, 1].astype(np.int64)
    p22 = ((2 * n1 + 1) << 22) // (2 * (n0 + n1) + 2)
    per_state = np.full(256, 1 << 31, dtype=np.int64)
    per_state[: len(p22)] = p22 << 10
    tables["sm_hashed"].reshape(N_HASHED, 256)[:] = per_state.astype(np.uint32)
    tables["mixer_weights"][:] = INITIAL_WEIGHT
    knots = np.array([squash((j - 16) * 128) * 16 for j in range(APM_KNOTS)], dtype=np.uint16)
    # broadcast into a 2-d view: no temporary as large as the table
    tables["apm_order1"].reshape(APM_CONTEXTS, APM_KNOTS)[:] = knots
    return tables

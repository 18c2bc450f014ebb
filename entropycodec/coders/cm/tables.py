"""Constant tables of the context-mixing model, built once in exact integer arithmetic.

Three tables, each a pure function of the constants in this module, so the
encoder and the decoder (on any machine) start from identical models:

* ``SQUASH_KNOTS``: 33 knots of the logistic function
  ``4096 / (1 + exp(-x))`` at ``x = -8, -7.5, ..., 8``, truncated to integers
  and kept in [1, 4095]. :func:`squash` interpolates between them linearly,
  so no float is ever evaluated at run time (the knots are typed in; a test
  checks them against the formula).
* ``STRETCH``: ``stretch(p)`` for every 12-bit probability, the inverse of
  :func:`squash` found by search (the smallest ``d`` with ``squash(d) >= p``).
* ``STATE_NEXT``, ``STATE_COUNTS``: a bit-history state machine. A state
  stands for a pair of counts ``(n0, n1)`` of zeros and ones seen in a context;
  on a bit the matching count grows (up to :data:`STATE_COUNT_CAP`) and the
  other, if above 2, is roughly halved, so the history favours recent bits
  (non-stationary counting, as in PAQ). States are numbered in breadth-first
  order from ``(0, 0)``, which is state 0; there are 254 of them, so a state
  fits in one byte.

>>> squash(0), squash(2047), squash(-2047)
(2048, 4094, 1)
>>> all(squash(int(STRETCH[p])) >= p for p in range(1, 4095))
True
>>> [tuple(int(c) for c in STATE_COUNTS[int(STATE_NEXT[0, y])]) for y in (0, 1)]
[(1, 0), (0, 1)]
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "SQUASH_KNOTS",
    "STRETCH",
    "STATE_NEXT",
    "STATE_COUNTS",
    "STATE_COUNT_CAP",
    "squash",
    "stretch",
]

# floor(4096 / (1 + exp(-x))) for x = (i - 16) / 2, i = 0..32, clamped to [1, 4095]. The
# stretch domain is scaled by 256 (d = 256 x), so knot i sits at d = (i - 16) * 128.
SQUASH_KNOTS = np.array(
    [1, 2, 3, 6, 10, 16, 27, 45, 73, 120, 194, 310, 488, 747, 1101, 1546, 2048,
     2549, 2994, 3348, 3607, 3785, 3901, 3975, 4022, 4050, 4068, 4079, 4085, 4089,
     4092, 4093, 4094],
    dtype=np.int32,
)

# Largest stretch value: |d| <= 2047 covers probabilities 1/4096 .. 4095/4096.
STRETCH_LIMIT = 2047


def squash(d: int) -> int:
    """Logistic function 4096/(1+e^(-d/256)) by linear interpolation; 12-bit result in [1, 4095].

    >>> squash(-5000), squash(128), squash(5000)
    (1, 2549, 4094)
    """
    if d > STRETCH_LIMIT:
        d = STRETCH_LIMIT
    if d < -STRETCH_LIMIT:
        d = -STRETCH_LIMIT
    w = d & 127  # position between knots, 0..127
    i = (d >> 7) + 16  # knot on the left, 0..31
    p = (int(SQUASH_KNOTS[i]) * (128 - w) + int(SQUASH_KNOTS[i + 1]) * w + 64) >> 7
    return min(max(p, 1), 4095)


def _build_stretch() -> np.ndarray:
    table = np.empty(4096, dtype=np.int16)
    d = -STRETCH_LIMIT
    for p in range(4096):
        # squash is non-decreasing, so the search resumes where the last one stopped
        while d < STRETCH_LIMIT and squash(d) < p:
            d += 1
        table[p] = d
    return table


STRETCH = _build_stretch()


def stretch(p: int) -> int:
    """ln(p / (4096 - p)) * 256 for a 12-bit probability p, the inverse of :func:`squash`.

    >>> stretch(2048), stretch(1) < -1500 < 1500 < stretch(4095)
    (0, True)
    """
    return int(STRETCH[p])


# Counts saturate here; 35 is the largest cap for which the reachable states fit in a byte.
STATE_COUNT_CAP = 35


def _discount(n: int) -> int:
    """The opposite count after a bit: kept up to 2, otherwise (n + 2) // 2 (3->2, 6->4, 20->11)."""
    return n if n <= 2 else (n + 2) // 2


def _build_states() -> tuple[np.ndarray, np.ndarray]:
    order = [(0, 0)]
    number = {(0, 0): 0}
    edges = []
    i = 0
    while i < len(order):
        n0, n1 = order[i]
        i += 1
        succ = ((min(n0 + 1, STATE_COUNT_CAP), _discount(n1)),
                (_discount(n0), min(n1 + 1, STATE_COUNT_CAP)))
        for s in succ:
            if s not in number:
                number[s] = len(order)
                order.append(s)
        edges.append((number[succ[0]], number[succ[1]]))
    nxt = np.array(edges, dtype=np.uint8)
    counts = np.array(order, dtype=np.int32)
    return nxt, counts


STATE_NEXT, STATE_COUNTS = _build_states()

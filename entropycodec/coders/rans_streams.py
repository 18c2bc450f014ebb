"""How a rANS payload is laid out: the lane count, the lanes' start, the flush.

Two layouts, shared by the static coder (:mod:`.rans`) and the per-position one
(:mod:`.positional`); ``.ec`` blocks name theirs in the block header's parameter
byte (docs/format.md), the library's encoders write the newest.

* **Layout 0** (``.ec`` blocks of param 0, written before layout 1 existed):
  four lanes, each starting at x = L, flushed as four 8-byte states. The
  states of a payload carry 4 x 31 bits that hold no information: about 24
  bytes over n H0 on any input.
* **Layout 1**: the lane count follows n (:func:`lanes_for`): one lane below
  :data:`WIDE_MIN` symbols, four from there on. Every lane starts at
  x = M = 2**scale_bits and grows without writing a word until it passes L,
  so that 31 - scale_bits of the 31 bits layout 0 spends on nothing carry the
  lane's first information. (Not lower: from x < M, D(x) = x - c, and a lane
  at x = 1 would decode the first symbol, whose c is 0, for ever, so that a
  run of it at the end of the data would cost no bits at all: ptt5 ends with
  36,316 zero bytes, 902 bytes of information. Smaller, but the payload would
  no longer cost what the model says; from x >= M every symbol costs its
  information, within the coder's rounding.)

  The decoder's rule does not change: a state below L after D reads a word
  *if one is left*; a lane still in its start reads none because the
  encoder's words come last. That holds as long as no lane is still below L
  when the first word is written; otherwise (a rare input: one lane gains 32
  bits of information more than another in the lanes' first symbols) the
  encoder starts every lane at L instead, as layout 0 does. The decoder
  accepts lanes that end all at M or all at L.

  The flush writes each lane's final state in as few little-endian bytes as
  hold it, lane 0 first. One lane writes at least 5 when words follow (then
  x >= L), so the payload length tells the state's length (k = the length up
  to 8 bytes; else k = 5 + (length - 5) % 4). Several lanes write their
  lengths first, a nibble each (lane 2i in the low nibble of byte i). A
  payload of one lane is about scale_bits + 4 bits over its symbols'
  information, one of four lanes about 4 (scale_bits + 8) bits.

>>> lanes_for(1000), lanes_for(1 << 16), lanes_for(1000, layout=0)
(1, 1, 4)
>>> def no_words(out, xs):  # a kernel that leaves four lanes at these states
...     xs[:] = [4096, 5000, 70000, 2**40]
...     return out.size
>>> encode_lanes(no_words, 1 << 17, 1, 12).hex()  # lengths 2, 2 | 3, 6; then the states
'226300108813701101000000000001'

>>> state_length(9), state_length(12), state_length(13), state_length(3)
(5, 8, 5, 3)
"""

from __future__ import annotations

import sys

import numpy as np

from entropycodec.coders.rans_kernels import LANES, RANS_L
from entropycodec.errors import CorruptDataError, TruncatedDataError

__all__ = ["LAYOUT", "LAYOUTS", "WIDE_MIN", "encode_lanes", "flush_bytes", "lanes_for",
           "read_states", "start_state", "state_length"]

LAYOUTS = (0, 1)
LAYOUT = 1  # what the encoders write
# Below this many symbols one lane: four lanes cost about 10-13 bytes beyond their
# information (their starts, lengths and rounding to bytes), 0.05% of n H0 at
# n H0 = 208 kbit, which n = 2**17 symbols reach from H0 = 1.6 bits on; and a block
# this short decodes in about a millisecond on one lane (160 MB/s on bible.txt,
# four lanes 500).
WIDE_MIN = 1 << 17
STATE_BYTES = 8  # a flushed state of several lanes: 64 bits, little-endian
STATE_MAX = (1 << 63) - 1


def lanes_for(n: int, layout: int = LAYOUT) -> int:
    """The lanes of a payload of ``n`` symbols in ``layout``."""
    return 1 if layout == 1 and n < WIDE_MIN else LANES


def start_state(layout: int, scale_bits: int) -> int:
    """Where the encoder starts every lane: L in layout 0, M = 2**scale_bits in layout 1."""
    return RANS_L if layout == 0 else 1 << scale_bits


def flush_bytes(n: int, layout: int = LAYOUT) -> int:
    """Bytes a payload spends beyond its symbols' information, on average (what
    ``coder="auto"`` adds to n H when it predicts the rANS size)."""
    lanes = lanes_for(n, layout)
    if layout == 0:
        return lanes * STATE_BYTES - lanes * 2  # ~16 of each state's 64 bits are data
    return 3 if lanes == 1 else 3 * lanes + 1  # scale_bits 12..16 + rounding, per lane


def state_length(size: int) -> int:
    """Bytes of the one-lane state at the start of a layout-1 payload of ``size`` bytes."""
    return size if size <= STATE_BYTES else 5 + (size - 5) % 4


def encode_lanes(run, n: int, layout: int, scale_bits: int):
    """Run an encoder kernel with the lanes of ``layout`` and flush its states.

    ``run(out, xs)`` codes the n symbols into the tail of ``out`` (uint32) from the
    starting states ``xs`` (updated in place) and returns the index of its first
    word, or a negative code (-(1 + t): symbol t is not codable; -(2 + n): a lane
    was below L at the first word). Returns the payload (bytes), or that negative
    code when it is -(1 + t).
    """
    lanes = lanes_for(n, layout)
    # room in front of the words for the flushed states (layout 1: up to 8 bytes per
    # lane and a nibble of length each; layout 0: 2 words per lane), so that the payload
    # leaves ``out`` in one copy
    out = np.empty(n + 3 * lanes, dtype=np.uint32)
    xs = np.full(lanes, start_state(layout, scale_bits), dtype=np.int64)
    pos = run(out, xs)
    if pos == -(2 + n):  # a lane still in its start at the first word
        xs[:] = RANS_L
        pos = run(out, xs)
    if pos < 0:
        return pos
    if layout == 1:
        if lanes == 1:
            x = int(xs[0])
            head = x.to_bytes(max((x.bit_length() + 7) // 8, 5 if pos < out.size else 0),
                              "little")
        else:
            states = [int(x).to_bytes((int(x).bit_length() + 7) // 8, "little") for x in xs]
            nibbles = [len(state) for state in states] + [0] * (lanes % 2)
            head = bytes(nibbles[i] | nibbles[i + 1] << 4 for i in range(0, lanes, 2))
            head += b"".join(states)
        if sys.byteorder != "little":
            return head + out[pos:].astype("<u4").tobytes()
        start = 4 * pos - len(head)
        if start < 0:  # a kernel wrote more than one word per symbol: out has no room
            raise AssertionError("rANS encoder wrote more words than symbols")
        out8 = out.view(np.uint8)
        out8[start:4 * pos] = np.frombuffer(head, np.uint8)
        return out8[start:].tobytes()
    pos -= 2 * lanes
    out[pos:pos + 2 * lanes] = xs.astype("<u8").view("<u4")
    return out[pos:].astype("<u4", copy=False).tobytes()


def read_states(payload: bytes, n: int, layout: int, scale_bits: int):
    """(states int64 (lanes,), words uint32 with one zero word of padding, word count)
    of a payload of ``n`` >= 1 symbols; TruncatedDataError or CorruptDataError for a
    length or a state no encoder writes (every state is >= where the lanes start)."""
    low = start_state(layout, scale_bits)
    size = len(payload)
    lanes = lanes_for(n, layout)
    if lanes == 1 and layout == 1:
        k = state_length(size)
        x = int.from_bytes(payload[:k], "little")
        has_words = size > k
        if x > STATE_MAX or x < low or (has_words and x < RANS_L) or (
                k != max((x.bit_length() + 7) // 8, 5 if has_words else 0)):
            raise CorruptDataError("rANS: the flushed state is not one an encoder writes")
        states = np.array([x], dtype=np.int64)
    elif layout == 1:
        states, k = _read_lane_states(payload, lanes, low)
    else:
        head = lanes * STATE_BYTES
        if size < head:
            raise TruncatedDataError(f"rANS: payload of {size} bytes has no room for "
                                     f"{lanes} states")
        if (size - head) % 4:
            raise CorruptDataError(f"rANS: payload length is not {head} + a multiple of 4 bytes")
        raw = np.frombuffer(payload, dtype="<u8", count=lanes)
        if int(raw.max()) > STATE_MAX or int(raw.min()) < low:
            raise CorruptDataError("rANS: initial state out of range")
        states = raw.astype(np.int64)
        k = head
    nwords = (size - k) // 4
    words = np.zeros(nwords + 1, dtype=np.uint32)  # one zero word of padding
    words[:nwords] = np.frombuffer(payload, dtype="<u4", offset=k, count=nwords)
    return states, words, nwords


def _read_lane_states(payload: bytes, lanes: int, low: int):
    """(states, bytes they take) of a layout-1 payload of several lanes."""
    head = (lanes + 1) // 2
    if len(payload) < head:
        raise TruncatedDataError(f"rANS: payload of {len(payload)} bytes has no room for "
                                 f"{lanes} state lengths")
    lengths = [payload[i // 2] >> (4 * (i % 2)) & 15 for i in range(lanes)]
    end = head + sum(lengths)
    if max(lengths) > STATE_BYTES or end > len(payload):
        raise CorruptDataError("rANS: state lengths that no encoder writes")
    if (len(payload) - end) % 4:
        raise CorruptDataError("rANS: the words after the states are not whole 32-bit words")
    states, at = [], head
    for k in lengths:
        x = int.from_bytes(payload[at:at + k], "little")
        if x > STATE_MAX or x < low or (x.bit_length() + 7) // 8 != k:
            raise CorruptDataError("rANS: a flushed state is not one an encoder writes")
        states.append(x)
        at += k
    return np.array(states, dtype=np.int64), end

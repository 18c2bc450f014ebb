"""Tests for entropycodec.coders.cm: round trips, golden bytes, corrupt payloads, memory, ratio.

Every corpus file, the large ones included, makes a whole round trip (the coder
runs at about 1 MB/s each way, so the suite takes well under a minute).
"""

from __future__ import annotations

import bz2
import math
import subprocess
import sys
import tracemalloc

import numpy as np
import pytest
from conftest import CANTERBURY, CANTERBURY_FILES, LARGE_FILES, corpus_params
from hypothesis import given, settings
from hypothesis import strategies as st

from entropycodec.coders.cm import DEFAULT_LEVEL, LEVELS, cm_decode, cm_encode, max_decoded_size, memory_bytes
from entropycodec.coders.cm.levels import allocate_tables
from entropycodec.coders.cm.tables import (
    SQUASH_KNOTS,
    STATE_COUNT_CAP,
    STATE_COUNTS,
    STATE_NEXT,
    STRETCH,
    squash,
)
from entropycodec.errors import (
    CorruptDataError,
    EntropyCodecError,
    InvalidInputError,
    LimitExceededError,
    TruncatedDataError,
)

GOLDEN_INPUT = b"The quick brown fox jumps over the lazy dog. The quick brown fox jumps again!\n"
# Payload of GOLDEN_INPUT at the default level. It pins the model and the coder: any change to
# either (tables, hashes, rates, mixing) changes these bytes and must be a deliberate format change.
GOLDEN_HEX = (
    "9c3a2ee99a7aff36242f9c47277f0f802f845d2a6748a"
    "10f3f164fce72f746e824c57db914c1ff46df3c6f9bdf"
)


def arr(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype=np.uint8)


def round_trip(data: bytes, level: int = DEFAULT_LEVEL) -> bytes:
    payload = cm_encode(arr(data), level)
    assert bytes(cm_decode(payload, len(data), level)) == data
    return payload


# ---- public surface


def test_public_surface():
    import entropycodec.coders.cm as cm

    assert set(cm.__all__) >= {"cm_encode", "cm_decode", "LEVELS", "DEFAULT_LEVEL", "memory_bytes"}
    assert list(LEVELS) == list(range(1, 10)) and DEFAULT_LEVEL in LEVELS
    assert memory_bytes(DEFAULT_LEVEL) <= 256 << 20
    assert all(memory_bytes(a) < memory_bytes(b) for a, b in zip(LEVELS, LEVELS[1:], strict=False))


def test_import_does_not_load_numba():
    code = "import sys, entropycodec.coders.cm; print('numba' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ---- constant tables (the model's deterministic integer building blocks)


def test_squash_knots_follow_the_logistic_formula():
    expected = [min(max(int(4096 / (1 + math.exp(-(i - 16) / 2))), 1), 4095) for i in range(33)]
    assert SQUASH_KNOTS.tolist() == expected


def test_stretch_inverts_squash_and_compiled_twins_agree():
    from entropycodec.coders.cm.components import squash_fast, stretch_fast

    for d in range(-2100, 2100):
        assert squash_fast(d) == squash(d)
    for p in range(4096):
        assert stretch_fast(p) == int(STRETCH[p])
        if 1 <= p <= 4094:
            d = int(STRETCH[p])
            assert squash(d) >= p and (d == -2047 or squash(d - 1) < p)
    assert np.all(np.diff(STRETCH.astype(int)) >= 0)


def test_state_machine():
    assert len(STATE_COUNTS) <= 255 and tuple(STATE_COUNTS[0]) == (0, 0)
    assert STATE_COUNTS.max() == STATE_COUNT_CAP
    for s, (n0, n1) in enumerate(STATE_COUNTS.tolist()):
        z0, z1 = STATE_COUNTS[STATE_NEXT[s, 0]].tolist()
        o0, o1 = STATE_COUNTS[STATE_NEXT[s, 1]].tolist()
        assert z0 == min(n0 + 1, STATE_COUNT_CAP) and z1 <= n1
        assert o1 == min(n1 + 1, STATE_COUNT_CAP) and o0 <= n0


# ---- round trips


@pytest.mark.parametrize("path", corpus_params(CANTERBURY_FILES))
def test_round_trip_canterbury(path):
    round_trip(path.read_bytes())


@pytest.mark.parametrize("path", corpus_params(LARGE_FILES))
def test_round_trip_large(path):
    # whole files: about 5 s each way for the 4.6 MB E.coli at >= 1 MB/s
    round_trip(path.read_bytes())


# Empty input, one byte, every byte value and random distributions at the default level are
# the coder contract's cases (tests/test_coder_contract.py), with their exact payload sizes.


def test_all_zero_is_tiny_and_within_the_decoder_bound():
    n = 1 << 20
    payload = round_trip(bytes(n), level=1)
    # The coder's floor: P(expected bit) <= 4095/4096 costs >= 3.5e-4 bit per bit, 369 bytes
    # per MiB; the decoder's size bound (n <= max_decoded_size) is built on the same floor.
    assert len(payload) < 400
    assert n <= max_decoded_size(len(payload))


def test_random_expands_little():
    data = np.random.default_rng(1).integers(0, 256, 1 << 16, dtype=np.uint8).tobytes()
    payload = round_trip(data, level=1)
    assert len(payload) < len(data) * 1.01 + 16


@pytest.mark.parametrize("level", list(LEVELS))
def test_every_level(level):
    data = (CANTERBURY / "grammar.lsp").read_bytes() if CANTERBURY_FILES else GOLDEN_INPUT * 20
    round_trip(data, level)


def test_accepts_bytes_and_readonly_arrays():
    data = arr(GOLDEN_INPUT)
    assert not data.flags.writeable
    assert cm_encode(GOLDEN_INPUT) == cm_encode(data) == cm_encode(bytearray(GOLDEN_INPUT))


@settings(max_examples=30, deadline=None)
@given(st.binary(max_size=400))
def test_round_trip_property(data):
    round_trip(data, level=1)


# ---- golden bytes


def test_golden_bytes():
    payload = cm_encode(arr(GOLDEN_INPUT))
    assert payload.hex() == GOLDEN_HEX
    decoded = cm_decode(bytes.fromhex(GOLDEN_HEX), len(GOLDEN_INPUT), DEFAULT_LEVEL)
    assert bytes(decoded) == GOLDEN_INPUT


# ---- argument checks


@pytest.mark.parametrize("level", [0, 10, -1, "7", 7.0, True, None])
def test_bad_level(level):
    with pytest.raises(InvalidInputError):
        cm_encode(arr(b"abc"), level)
    with pytest.raises(InvalidInputError):
        cm_decode(b"\x01", 3, level)


@pytest.mark.parametrize("n", [-1, 1.0, "3", None, True])
def test_bad_n(n):
    with pytest.raises(InvalidInputError):
        cm_decode(b"\x01", n, DEFAULT_LEVEL)


@pytest.mark.parametrize("data", [np.zeros((2, 2), np.uint8), np.zeros(4, np.int32), [1, 2, 3]])
def test_bad_data(data):
    with pytest.raises(InvalidInputError):
        cm_encode(data)


def test_n_beyond_what_the_payload_can_hold():
    payload = cm_encode(arr(GOLDEN_INPUT))
    with pytest.raises(LimitExceededError):
        cm_decode(payload, max_decoded_size(len(payload)) + 1, DEFAULT_LEVEL)
    with pytest.raises(LimitExceededError):
        cm_decode(payload, 1 << 62, DEFAULT_LEVEL)


def test_payload_for_zero_bytes_is_corrupt():
    with pytest.raises(CorruptDataError):
        cm_decode(b"\x00", 0, DEFAULT_LEVEL)


def test_empty_payload_for_data_is_truncated():
    with pytest.raises(TruncatedDataError):
        cm_decode(b"", 5, DEFAULT_LEVEL)


# ---- corrupt payloads: wrong data or a package error, never a crash or a hang

CORRUPT_SOURCE = (GOLDEN_INPUT * 4)[:300]


def decode_or_error(payload: bytes, n: int, level: int, original: bytes | None = None):
    """Decode damaged ``payload``: a CorruptDataError (returned), or n bytes that are either
    ``original`` (the damage was in bits the decoder never reads) or the very data whose
    encoding ``payload`` is: the decoder accepts a payload only if it is an encoder's output."""
    try:
        out = cm_decode(payload, n, level)
    except CorruptDataError as exc:
        return exc
    assert out.dtype == np.uint8 and out.shape == (n,)
    assert bytes(out) == original or cm_encode(out, level) == payload
    return None


def test_truncation_at_every_offset():
    payload = cm_encode(arr(CORRUPT_SOURCE), 1)
    raised = 0
    for cut in range(len(payload)):
        try:
            out = cm_decode(payload[:cut], len(CORRUPT_SOURCE), 1)
        except CorruptDataError:
            raised += 1
            continue
        assert out.shape == (len(CORRUPT_SOURCE),) and bytes(out) != CORRUPT_SOURCE
    assert raised > len(payload) // 2  # most truncations are detected, not just decoded wrong


def test_bit_flips():
    payload = bytearray(cm_encode(arr(CORRUPT_SOURCE), 1))
    errors = []
    for i in range(0, 8 * len(payload), 3):
        flipped = bytearray(payload)
        flipped[i // 8] ^= 1 << (i % 8)
        errors.append(decode_or_error(bytes(flipped), len(CORRUPT_SOURCE), 1, CORRUPT_SOURCE))
    raised = [e for e in errors if e is not None]
    assert all(isinstance(e, TruncatedDataError) for e in raised)  # a flip derails the model
    assert len(raised) > len(errors) * 2 // 3


def test_random_payloads():
    rng = np.random.default_rng(7)
    for size in (1, 2, 5, 17, 200):
        for _ in range(5):
            payload = rng.integers(0, 256, size, dtype=np.uint8).tobytes()
            # far fewer bytes than n needs: the decoder reads past the end
            error = decode_or_error(payload, min(5000, max_decoded_size(size)), 1)
            assert isinstance(error, TruncatedDataError)


def test_errors_are_package_errors():
    assert issubclass(TruncatedDataError, EntropyCodecError)
    assert issubclass(LimitExceededError, CorruptDataError)


# ---- memory


@pytest.mark.parametrize("level", list(LEVELS))
def test_memory_bytes_counts_every_table(level):
    tables = allocate_tables(level)
    assert sum(a.nbytes for a in tables.values()) == memory_bytes(level)


def test_decoder_allocates_tables_plus_o_n():
    payload = cm_encode(arr(CORRUPT_SOURCE), 3)
    n = 100_000  # a corrupt n, far beyond the data, still bounded by the payload
    tracemalloc.start()
    try:
        with pytest.raises(TruncatedDataError):  # the payload ends long before n bytes
            cm_decode(payload, min(n, max_decoded_size(len(payload))), 3)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak <= memory_bytes(3) + 2 * n + (1 << 20)


# ---- compression


def test_smaller_than_bz2_on_alice29():
    path = CANTERBURY / "alice29.txt"
    if not path.is_file():
        pytest.skip("corpus absent")
    data = path.read_bytes()
    payload = cm_encode(arr(data))
    assert len(payload) < len(bz2.compress(data, 9))
    assert 8 * len(payload) / len(data) < 2.2  # bits per byte; lpaq1-class models get ~2.05


# ---- the kernel's loop against its Python twin


def test_kernel_loop_matches_its_interpreted_twin():
    """numba's ``py_func`` runs the same loop with Python's unbounded ints: equal payloads show
    that no int64 overflow or numba-specific integer rule changes a decision."""
    from entropycodec.coders.cm.kernels import run_model

    data = np.frombuffer(CORRUPT_SOURCE[:120], dtype=np.uint8).copy()
    payloads = []
    for fn in (run_model, run_model.py_func):
        out = np.zeros(256, dtype=np.uint8)
        written = fn(False, data, len(data), out, *allocate_tables(1).values())
        payloads.append(out[:written].tobytes())
    assert payloads[0] == payloads[1]
    back = np.zeros(len(data), dtype=np.uint8)
    consumed = run_model.py_func(True, back, len(data), np.frombuffer(payloads[0], np.uint8).copy(),
                                 *allocate_tables(1).values())
    assert back.tobytes() == data.tobytes() and consumed == len(payloads[0]) + 3


def test_compiled_state_transitions_match_the_table():
    """Also guards against a stale numba cache holding an old state table."""
    from entropycodec.coders.cm.components import next_state

    for s in range(len(STATE_COUNTS)):
        for y in (0, 1):
            assert next_state(s, y) == STATE_NEXT[s, y]


def test_garbage_with_the_largest_n_stops_early():
    """A 1,000-byte garbage payload may claim n = 2.9 million bytes; the decoder gives up as soon
    as it has read past what a valid payload allows, instead of decoding all of them."""
    import time

    payload = np.random.default_rng(3).integers(0, 256, 1000, dtype=np.uint8).tobytes()
    n = max_decoded_size(len(payload))
    t0 = time.process_time()
    with pytest.raises(TruncatedDataError):
        cm_decode(payload, n, 1)
    assert time.process_time() - t0 < 1.0  # decoding all n bytes would take about 2.5 s


def test_encoder_reports_a_full_output_buffer():
    """cm_encode's retry path: the kernel returns -1 instead of writing past its buffer."""
    from entropycodec.coders.cm.kernels import run_model

    data = np.random.default_rng(5).integers(0, 256, 500, dtype=np.uint8)
    small = np.zeros(100, dtype=np.uint8)
    assert run_model(False, data, len(data), small, *allocate_tables(1).values()) == -1

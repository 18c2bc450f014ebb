"""Encoded's integrity check (issue 15, section 3): decode() verifies payload_crc before
decoding and symbols_crc after, so a damaged payload or changed counts raise instead of
decoding to wrong symbols silently."""

from __future__ import annotations

import dataclasses
import pickle
import random
import zlib

import numpy as np
import pytest

import entropycodec as ec
from entropycodec.errors import ChecksumError, CorruptDataError, EntropyCodecError
from entropycodec.sequence import CODERS, Encoded, coders_for

TEXT = (b"It was the best of times, it was the worst of times, it was the age of wisdom, "
        b"it was the age of foolishness, it was the epoch of belief.") * 3
WORDS = TEXT.decode().split()


def _cases() -> list:
    """(data, coder): byte data for every coder, and non-byte symbols for every coder
    that takes them (the empty adaptive payload decoded for those)."""
    cases = [pytest.param(TEXT, coder, id=f"bytes-{coder}") for coder in CODERS]
    for coder in coders_for(WORDS):
        cases.append(pytest.param(WORDS, coder, id=f"words-{coder}"))
        cases.append(pytest.param(TEXT.decode(), coder, id=f"str-{coder}"))
    return cases


def _mutate(rng: random.Random, payload: bytes) -> bytes:
    data = bytearray(payload)
    kind = rng.randrange(5)
    if kind == 0:
        for _ in range(rng.randint(1, 3)):
            bit = rng.randrange(8 * len(data))
            data[bit >> 3] ^= 1 << (bit & 7)
    elif kind == 1:
        data[rng.randrange(len(data))] = rng.randrange(256)
    elif kind == 2:
        del data[rng.randrange(len(data)):]
    elif kind == 3:
        at = rng.randrange(len(data) + 1)
        data[at:at] = rng.randbytes(rng.randint(1, 4))
    else:
        at = rng.randrange(len(data))
        del data[at:at + rng.randint(1, 4)]
    return bytes(data)


@pytest.mark.parametrize(("data", "coder"), _cases())
def test_mutated_payload_raises_or_decodes_to_the_original(data, coder):
    """A seeded campaign per coder: decode raises an EntropyCodecError or returns exactly
    the original, never other symbols. Without the check (verify=False) the same campaign
    finds wrong output for every coder but rANS, whose decoder checks its final states, and
    bwt, whose start rows must chain into one cycle."""
    enc = ec.encode(data, coder=coder)
    assert ec.decode(enc) == data
    rng = random.Random(f"issue 15 {coder} {type(data).__name__}")
    wrong_unverified = 0
    for _ in range(300):
        damaged = dataclasses.replace(enc, payload=_mutate(rng, enc.payload))
        try:
            out = ec.decode(damaged)
        except EntropyCodecError as exc:
            if damaged.payload != enc.payload:
                assert isinstance(exc, ChecksumError), exc  # caught before the decoder ran
            continue
        assert out == data
        assert damaged.payload == enc.payload  # only a no-op mutation passes
        try:
            wrong_unverified += ec.decode(damaged, verify=False) != data
        except EntropyCodecError:
            pass
    for _ in range(100):
        damaged = dataclasses.replace(enc, payload=_mutate(rng, enc.payload))
        try:
            wrong_unverified += ec.decode(damaged, verify=False) != data
        except EntropyCodecError:
            pass
    if coder not in ("rans", "bwt"):  # their decoders check their final states / chain
        assert wrong_unverified > 0  # the campaign does reach silent wrong output


@pytest.mark.parametrize(("data", "coder"), _cases())
@pytest.mark.parametrize("delta", [-1, 1])
def test_changed_n_symbols_is_detected(data, coder, delta):
    enc = ec.encode(data, coder=coder)
    with pytest.raises(ChecksumError, match="the payload or its counts do not match"):
        ec.decode(dataclasses.replace(enc, n_symbols=enc.n_symbols + delta))


def test_huge_n_symbols_is_refused_before_decoding():
    enc = ec.encode(TEXT, coder="huffman")
    with pytest.raises(ChecksumError):
        ec.decode(dataclasses.replace(enc, n_symbols=10**12))


def test_empty_adaptive_payload_is_detected():
    for data in ("abcabcabc", [1, 2, 2, 2, 2], WORDS):  # ("aaaa" codes to b"" itself)
        enc = ec.encode(data, coder="adaptive")
        empty = dataclasses.replace(enc, payload=b"")
        assert ec.decode(empty, verify=False) != data  # the defect: it decodes, wrongly
        with pytest.raises(ChecksumError):
            ec.decode(empty)


@pytest.mark.parametrize("coder", ["huffman", "arithmetic", "rans"])
def test_other_model_is_detected(coder):
    enc = ec.encode(TEXT, coder=coder)
    other = ec.encode(TEXT[::-1] + b"zzzzzzzzzz", coder=coder)
    with pytest.raises(ChecksumError, match="the coder, the model or the escape side information was changed"):
        ec.decode(dataclasses.replace(enc, model=other.model))


def test_other_coder_is_detected():
    enc = ec.encode(TEXT, coder="arithmetic")
    with pytest.raises(ChecksumError):
        ec.decode(dataclasses.replace(enc, coder="rans"))


def test_other_alphabet_size_is_detected():
    enc = ec.encode("abcab", coder="adaptive")
    with pytest.raises(ChecksumError):
        ec.decode(dataclasses.replace(enc, alphabet=ec.Alphabet("abcd")))


def test_same_size_alphabet_is_not_covered():
    """Documented limit: the symbols themselves are not covered, only their count."""
    enc = ec.encode("abcab", coder="huffman")
    assert ec.decode(dataclasses.replace(enc, alphabet=ec.Alphabet("xyz"))) == "xyzxy"


def test_escape_literals_are_covered():
    enc = ec.encode("AAABAC", coder="huffman", model={"A": 1.0}, smoothing="escape")
    assert ec.decode(enc) == "AAABAC"
    swapped = dict(enc.escape, literals=enc.escape["literals"][::-1].copy())
    with pytest.raises(ChecksumError):
        ec.decode(dataclasses.replace(enc, escape=swapped))
    assert ec.decode(dataclasses.replace(enc, escape=swapped), verify=False) == "AAACAB"
    # unchecked, literals that do not fit are a CorruptDataError, not numpy's IndexError
    broken = dict(enc.escape, literals=np.array([0, 5]))
    with pytest.raises(CorruptDataError, match="do not fit together"):
        ec.decode(dataclasses.replace(enc, escape=broken), verify=False)
    short = dict(enc.escape, literals=np.array([0]))
    with pytest.raises(CorruptDataError, match="2 escapes and the side information 1 literals"):
        ec.decode(dataclasses.replace(enc, escape=short), verify=False)
    for incomplete in ({"unknown": enc.escape["unknown"]}, dict(enc.escape, alphabet=None),
                       dict(enc.escape, literals="ab")):
        with pytest.raises(ChecksumError):
            ec.decode(dataclasses.replace(enc, escape=incomplete))
        with pytest.raises(CorruptDataError, match="escape side information is incomplete"):
            ec.decode(dataclasses.replace(enc, escape=incomplete), verify=False)


def test_replaced_payload_with_recomputed_payload_crc_is_caught_by_symbols_crc():
    """Replacing the payload and recomputing payload_crc is still caught: the symbols differ."""
    model = {"a": 0.5, "b": 0.25, "c": 0.25}
    enc = ec.encode("abacab", coder="arithmetic", model=model)
    other = ec.encode("cabbaa", coder="arithmetic", model=model)
    forged = dataclasses.replace(enc, payload=other.payload, payload_crc=other.payload_crc)
    with pytest.raises(ChecksumError, match="the decoded symbols do not match"):
        ec.decode(forged)
    # recomputing both checks is not detected: an integrity check, not authentication
    assert ec.decode(dataclasses.replace(forged, symbols_crc=other.symbols_crc)) == "cabbaa"


def test_missing_check_raises_unless_verify_is_false():
    enc = ec.encode(TEXT, coder="rans")
    bare = dataclasses.replace(enc, payload_crc=None, symbols_crc=None)
    with pytest.raises(ChecksumError, match=r"no integrity check .*verify=False"):
        ec.decode(bare)
    assert ec.decode(bare, verify=False) == TEXT


def test_payload_that_is_not_bytes():
    enc = ec.encode(TEXT, coder="rans")
    with pytest.raises(ec.InvalidInputError, match="Encoded.payload must be bytes, got NoneType"):
        ec.decode(dataclasses.replace(enc, payload=None))


def test_golden_checks():
    """The checks' definition is pinned: CRC-32 over fixed canonical bytes."""
    enc = ec.encode("ABCAADABCA", coder="huffman")
    assert (enc.payload.hex(), enc.payload_crc, enc.symbols_crc) == ("58eb00", 0xb9bf41fc, 0x3f7c514a)
    # symbols_crc: "n\0k\0" then the indices, one byte each for k <= 256 symbols
    assert enc.symbols_crc == zlib.crc32(bytes([0, 1, 2, 0, 0, 3, 0, 1, 2, 0]), zlib.crc32(b"10\x004\x00"))
    assert ec.encode(b"ABCAADABCA", coder="huffman").symbols_crc == 0x0a6549f1  # 256 byte values


def test_check_is_side_data_not_counted_in_the_bits():
    enc = ec.encode(TEXT, coder="arithmetic")
    assert Encoded.check_bits == enc.check_bits == 64
    assert enc.total_bits == enc.payload_bits + enc.header_bits
    assert "check_bits" not in {f.name for f in dataclasses.fields(Encoded)}


@pytest.mark.parametrize(("data", "coder"), [
    (np.arange(300, dtype=np.int32) % 290, "rans"),  # 290 symbols: 16-bit indices
    (np.arange(70_000, dtype=np.int64) % 66_000, "huffman"),  # 32-bit indices
    (b"", "cm"), ("", "adaptive"), (b"x", "arithmetic"),
])
def test_wide_and_empty_alphabets(data, coder):
    enc = ec.encode(data, coder=coder)
    out = ec.decode(enc)
    assert np.array_equal(out, data) if isinstance(data, np.ndarray) else out == data
    if enc.n_symbols:
        with pytest.raises(ChecksumError):
            ec.decode(dataclasses.replace(enc, n_symbols=enc.n_symbols - 1))


def test_checks_survive_pickling():
    enc = ec.encode(WORDS, coder="huffman")
    again = pickle.loads(pickle.dumps(enc))
    assert (again.payload_crc, again.symbols_crc) == (enc.payload_crc, enc.symbols_crc)
    assert ec.decode(again) == WORDS

"""A bounded, seeded mutation campaign over the fuzz seeds, run with every test run.

Each mutated input goes through the fuzz target's own checks
(fuzz/fuzz_decompress.py ``check_input``: only EntropyCodecError is raised, the chunked
Decompressor agrees with ``decompress(strict=True)``, read_header agrees on sizes, and a
damaged Encoded payload never decodes to wrong symbols). Knowing the original adds what a
successful ``decompress`` of a mutated file may return:

* Every byte of an ``.ec`` file is under a check: the stream header's 16-bit check, the
  block header's CRC-32, ``stored_crc`` over model description and payload (before
  decoding), ``data_crc`` of each block's content and the end marker's ``content_crc``
  and ``marker_check`` (docs/format.md). So no mutation changes the content of a stream
  that still decodes.
* What a mutation can change is which streams there are: a cut at a stream boundary
  leaves the first streams; a lenient ``decompress`` stops at bytes after a stream that
  do not start one (a damaged magic or stream header of a later stream); a splice, an
  insertion or a deletion can leave whole streams of both inputs back to back.

Hence: after a mutation in place (bit flips, changed bytes) or a truncation, the output
is the content of the first k streams of the original (strict: all of them for in-place
changes, a prefix for truncations); after any mutation, the output is a concatenation of
whole streams' contents of the inputs involved.
"""

from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path

import pytest

import entropycodec as ec
from entropycodec.errors import EntropyCodecError

FUZZ = Path(__file__).resolve().parent.parent / "fuzz"


def _load_target():
    spec = importlib.util.spec_from_file_location("fuzz_decompress", FUZZ / "fuzz_decompress.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("fuzz_decompress", module)
    spec.loader.exec_module(module)  # puts fuzz/ on sys.path, for make_seeds
    return module


target = _load_target()
import make_seeds  # noqa: E402  (fuzz/, put on sys.path by the target)

SEEDS = {name: data for name, data in make_seeds.seed_files().items() if name.endswith(".ec")}
CONTENTS = make_seeds.seed_contents()
NAMES = sorted(SEEDS)
CASES_PER_KIND = 500


def _stream_contents(blob: bytes) -> list[bytes]:
    """The content of each stream of a valid file, in order."""
    info = ec.read_header(blob)
    return [ec.decompress(blob[s.offset:s.offset + s.compressed_size]) for s in info.streams]


STREAMS = {name: _stream_contents(blob) for name, blob in SEEDS.items()}


def _prefixes(name: str) -> set[bytes]:
    """The contents of the first k streams of a seed, for every k >= 1."""
    parts = STREAMS[name]
    return {b"".join(parts[:k]) for k in range(1, len(parts) + 1)}


def _is_concatenation(out: bytes, pieces: set[bytes]) -> bool:
    """Whether ``out`` is a concatenation of members of ``pieces``."""
    pieces = {p for p in pieces if p}
    reachable = [False] * (len(out) + 1)
    reachable[0] = True
    for i in range(len(out)):
        if reachable[i]:
            for p in pieces:
                if out.startswith(p, i):
                    reachable[i + len(p)] = True
    return reachable[-1]


# -- mutations: each returns (mutated bytes, names of the seeds it drew from) --------------

def _flip(rng, name):
    data = bytearray(SEEDS[name])
    for _ in range(rng.randint(1, 3)):
        bit = rng.randrange(8 * len(data))
        data[bit >> 3] ^= 1 << (bit & 7)
    return bytes(data), (name,)


def _change_bytes(rng, name):
    data = bytearray(SEEDS[name])
    for _ in range(rng.randint(1, 4)):
        data[rng.randrange(len(data))] = rng.randrange(256)
    return bytes(data), (name,)


def _truncate(rng, name):
    data = SEEDS[name]
    return data[:rng.randrange(len(data))], (name,)


def _insert(rng, name):
    data = SEEDS[name]
    at = rng.randrange(len(data) + 1)
    return data[:at] + rng.randbytes(rng.randint(1, 8)) + data[at:], (name,)


def _delete(rng, name):
    data = SEEDS[name]
    at = rng.randrange(len(data))
    return data[:at] + data[at + rng.randint(1, 16):], (name,)


def _copy_part(rng, name):
    """A piece of the file repeated elsewhere in it (libFuzzer's CopyPart)."""
    data = SEEDS[name]
    start = rng.randrange(len(data))
    piece = data[start:start + rng.randint(1, 64)]
    at = rng.randrange(len(data) + 1)
    return data[:at] + piece + data[at:], (name,)


def _splice(rng, name):
    other = rng.choice(NAMES)
    a, b = SEEDS[name], SEEDS[other]
    return a[:rng.randrange(len(a) + 1)] + b[rng.randrange(len(b)):], (name, other)


IN_PLACE = {"flip": _flip, "change_bytes": _change_bytes}
MUTATIONS = {**IN_PLACE, "truncate": _truncate, "insert": _insert, "delete": _delete,
             "copy_part": _copy_part, "splice": _splice}


def _strict(blob: bytes):
    try:
        return ec.decompress(blob, strict=True)
    except EntropyCodecError:
        return None


@pytest.mark.parametrize("kind", MUTATIONS)
def test_mutated_files_raise_or_decode_to_whole_streams(kind):
    rng = random.Random(f"issue 15 {kind}")
    mutate = MUTATIONS[kind]
    outcomes = {"raised": 0, "decoded": 0}
    for case in range(CASES_PER_KIND):
        name = NAMES[case % len(NAMES)]
        blob, sources = mutate(rng, name)
        lenient = target.check_input(blob)  # raises AssertionError (or worse) on a finding
        outcomes["raised" if lenient is None else "decoded"] += 1
        if lenient is None:
            continue
        if blob == SEEDS[name]:  # a no-op mutation (a byte set to its own value)
            assert lenient == CONTENTS[name], (kind, case)
            continue
        strict = _strict(blob)
        if kind in IN_PLACE:
            assert lenient in _prefixes(name), (kind, case, blob.hex())
            assert strict is None or strict == CONTENTS[name], (kind, case, blob.hex())
        elif kind == "truncate":
            assert lenient in _prefixes(name), (kind, case, blob.hex())
            assert strict is None or strict in _prefixes(name), (kind, case, blob.hex())
        else:
            pieces = {piece for source in sources for piece in STREAMS[source]}
            assert _is_concatenation(lenient, pieces), (kind, case, blob.hex())
    # the campaign reaches both outcomes (a campaign where everything raises proves little)
    assert outcomes["raised"] > CASES_PER_KIND // 4, outcomes


def test_every_truncation_of_the_multi_stream_seed():
    """Cut at every offset: a cut at a stream boundary decodes to the streams before it."""
    blob = SEEDS["streams.ec"]
    boundaries = {s.offset + s.compressed_size: i + 1
                  for i, s in enumerate(ec.read_header(blob).streams)}
    for cut in range(len(blob)):
        out = target.check_input(blob[:cut])
        if cut in boundaries:
            assert out == b"".join(STREAMS["streams.ec"][:boundaries[cut]]), cut
        else:
            assert out is None or out in _prefixes("streams.ec"), cut


@pytest.mark.parametrize("case", [name for name in make_seeds.encoded_cases()])
def test_damaged_payloads_never_decode_to_wrong_symbols(case):
    """check_decode on payloads of one Encoded, mutated: the verified decode raises or gives
    the original (fuzz target's assertion); the unverified one raises or gives n symbols."""
    names = list(make_seeds.encoded_cases())
    index = names.index(case)
    payload = make_seeds.encoded_cases()[case].payload
    rng = random.Random(f"issue 15 payload {case}")
    for _ in range(150):
        data = bytearray(payload)
        kind = rng.randrange(4)
        if kind == 0 and data:
            bit = rng.randrange(8 * len(data))
            data[bit >> 3] ^= 1 << (bit & 7)
        elif kind == 1 and data:
            data[rng.randrange(len(data))] = rng.randrange(256)
        elif kind == 2:
            del data[rng.randrange(len(data) + 1):]
        else:
            data[rng.randrange(len(data) + 1):0] = rng.randbytes(rng.randint(1, 4))
        target.check_decode(bytes([index]) + bytes(data))


def test_committed_seeds_are_valid():
    """fuzz/seeds/ holds what make_seeds.py writes: each .ec seed decompresses to its
    content, and each payload seed is its Encoded's payload (regenerate them with
    ``python fuzz/make_seeds.py`` when the format or an encoder changes)."""
    committed = {p.name: p.read_bytes() for p in (FUZZ / "seeds").iterdir()}
    assert set(committed) == set(make_seeds.seed_files())
    for name, blob in committed.items():
        if name.endswith(".ec"):
            assert ec.decompress(blob, strict=True) == CONTENTS[name], name
        else:
            target.check_decode(blob)  # an intact payload must decode to the original
    assert sum(map(len, committed.values())) < 8192

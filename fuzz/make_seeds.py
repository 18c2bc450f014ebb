"""Write the fuzz seed corpus: ``python fuzz/make_seeds.py [OUT_DIR]`` (default: fuzz/seeds).

Two kinds of seed, both small (the whole corpus is a few KB):

* ``<name>.ec``: an ``.ec`` file of every coder (raw, huffman, arithmetic with one lane
  and with two, rans, adaptive, cm), one of several blocks chosen by ``auto``, one of
  three concatenated streams (one of them empty) and an empty stream. The fuzz target
  gives each input to ``decompress``, a chunked ``Decompressor`` and ``read_header``.
* ``payload-<case>.bin``: one byte naming an :class:`~entropycodec.Encoded` of
  :func:`encoded_cases` (its index there), then that Encoded's payload. The fuzz target
  decodes the rest of the input as that Encoded's payload.

The fuzz target and tests/test_fuzz_campaign.py import :func:`seed_contents`,
:func:`seed_files` and :func:`encoded_cases`, so the corpus and the campaign always use
what the current encoder writes; the committed seeds are only where libFuzzer starts.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

import entropycodec as ec
from entropycodec.sequence import CODERS

SEEDS = Path(__file__).resolve().parent / "seeds"

# Text with a skewed alphabet, so that every coder codes it smaller than raw.
TEXT = (b"the cat sat on the mat; the rat ate the oat. a bat, a cat and a rat sat at tea "
        b"at ten, and that was that.\n") * 2
# 1100 bytes from 3 symbols: the arithmetic coder's two-lane layout (from 1024 bytes on).
SKEWED = np.random.default_rng(15).choice(np.frombuffer(b"abc", np.uint8), size=1100,
                                          p=[0.8, 0.15, 0.05]).tobytes()


def _streams() -> list[tuple[bytes, str]]:
    """(content, coder) of the streams of streams.ec, in order."""
    return [(TEXT[:90], "huffman"), (b"", "auto"), (TEXT[90:], "rans")]


def seed_contents() -> dict[str, bytes]:
    """The original content of each .ec seed, by file name."""
    return {
        "raw.ec": b"\x00\x01\x02 stored as it is \xfe\xff",
        "huffman.ec": TEXT,
        "arithmetic.ec": TEXT,
        "arithmetic-lanes.ec": SKEWED,
        "rans.ec": TEXT,
        "adaptive.ec": TEXT,
        "cm.ec": TEXT,
        "auto-blocks.ec": TEXT + SKEWED[:200],
        "streams.ec": b"".join(content for content, _ in _streams()),
        "empty.ec": b"",
    }


def seed_files() -> dict[str, bytes]:
    """Every seed file's bytes, by file name."""
    contents = seed_contents()
    files = {}
    for name, content in contents.items():
        stem = name.removesuffix(".ec")
        if name == "streams.ec":
            files[name] = b"".join(ec.compress(c, coder=coder) for c, coder in _streams())
        elif name == "auto-blocks.ec":
            files[name] = ec.compress(content, coder="auto", block_size=96)
        elif name == "cm.ec":
            files[name] = ec.compress(content, coder="cm", level=1)  # 1.4 MiB of tables per run
        elif name == "empty.ec":
            files[name] = ec.compress(content)
        else:
            files[name] = ec.compress(content, coder=stem.removesuffix("-lanes"))
    for index, (name, enc) in enumerate(encoded_cases().items()):
        files[f"payload-{name}.bin"] = bytes([index]) + enc.payload
    return files


def encoded_cases() -> dict[str, ec.Encoded]:
    """The Encoded objects whose payloads the fuzz target replaces, by name (in a fixed
    order: an input's first byte picks one by index). cm, whose decoder allocates 40 MiB
    of tables per call, comes last: the first byte of every .ec file (0x89) picks the
    fast adaptive-words case instead."""
    cases = {coder: ec.encode(TEXT, coder=coder) for coder in CODERS if coder != "cm"}
    cases["adaptive-words"] = ec.encode(TEXT.decode().split(), coder="adaptive")
    cases["huffman-escape"] = ec.encode(TEXT.decode(), coder="huffman", smoothing="escape",
                                        model={c: 1 for c in "the cat"})
    cases["cm"] = ec.encode(TEXT, coder="cm")
    assert set(CODERS) <= set(cases)
    return cases


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else SEEDS
    out.mkdir(parents=True, exist_ok=True)
    files = seed_files()
    for name, data in files.items():
        (out / name).write_bytes(data)
    print(f"wrote {len(files)} seeds, {sum(map(len, files.values()))} bytes, to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

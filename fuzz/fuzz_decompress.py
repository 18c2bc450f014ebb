"""Coverage-guided fuzz target (atheris) for everything that reads untrusted bytes.

Run it (fuzz/README.md has more)::

    pip install atheris
    python fuzz/make_seeds.py /tmp/corpus        # or: cp fuzz/seeds/* /tmp/corpus/
    python fuzz/fuzz_decompress.py -max_total_time=60 /tmp/corpus

Each input goes through :func:`check_input`, which asserts, without knowing where the
bytes came from:

* ``decompress``, ``decompress(strict=True)``, a ``Decompressor`` fed in chunks (with
  ``max_length``, and ``next_stream`` between streams) and ``read_header`` raise nothing
  but :class:`~entropycodec.errors.EntropyCodecError`;
* the chunked Decompressor, which stops at bytes that are not a stream, succeeds exactly
  when ``decompress(strict=True)`` does, with the same output; a strict success is also
  a lenient one with the same output; ``read_header`` (strict or not, as decompress
  was) then agrees on the size, and, for one input in eight with several blocks,
  ``threads=2`` on the output;
* the input's first byte picks an :class:`~entropycodec.Encoded` of
  ``make_seeds.encoded_cases()`` and the rest replaces its payload: ``decode`` with
  ``verify=False`` raises an EntropyCodecError or returns n symbols; with the default
  ``verify=True`` it raises or returns exactly the original.

Anything else (another exception, a failed assertion, a crash in a kernel, a hang past
``-timeout``) is a finding: libFuzzer writes the input to ``crash-<sha1>``.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import sys
import zlib
from pathlib import Path

try:
    import atheris
except ImportError:  # tests/test_fuzz_campaign.py imports this module for check_input
    atheris = None

_NOT_FUZZED = ("entropycodec.cli", "entropycodec.experiments", "entropycodec.numcodecs",
               "entropycodec.__main__")


def _package_modules() -> tuple[list[str], list[str]]:
    """(modules to import, numba kernel modules) of entropycodec, found without importing
    it. Kernel modules are not instrumented: numba compiles a function from its bytecode
    and would not understand atheris's coverage calls in it."""
    root = Path(importlib.util.find_spec("entropycodec").origin).parent
    modules, kernels = [], []
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        if name.startswith(_NOT_FUZZED):
            continue
        modules.append(name)
        if "njit" in path.read_text(encoding="utf-8"):
            kernels.append(name)
    return modules, kernels


if atheris is not None and __name__ == "__main__":
    _modules, _kernels = _package_modules()
    with atheris.instrument_imports(include=["entropycodec"], exclude=_kernels):
        for _name in _modules:  # the package imports lazily: import all of it while hooked
            importlib.import_module(_name)

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_seeds import encoded_cases  # noqa: E402

import entropycodec as ec  # noqa: E402  (imported, instrumented, above when fuzzing)
from entropycodec.errors import EntropyCodecError, TruncatedDataError  # noqa: E402

CASES = list(encoded_cases().items())
ORIGINALS = [ec.decode(enc) for _, enc in CASES]


def decompress_in_chunks(data: bytes) -> bytes:
    """What ``decompress(data, strict=True)`` gives, through the incremental objects: the
    input fed in chunks of 1..64 bytes, output taken in pieces of at most 97 bytes, a
    new Decompressor (``next_stream``) after each end of stream. Sizes come from the
    input's CRC, so a failing input replays identically."""
    crc = zlib.crc32(data)
    chunk, max_length = 1 + crc % 64, 1 + (crc >> 8) % 97
    d = ec.Decompressor()
    out, pos, stalls = [], 0, 0
    while True:
        if d.eof:
            if pos >= len(data) and not d.unused_data:
                return b"".join(out)
            d = d.next_stream()  # CorruptDataError when the bytes do not start a stream
        if d.needs_input:
            if pos >= len(data):
                raise TruncatedDataError("input ends inside a stream")
            piece, pos = data[pos:pos + chunk], pos + chunk
        else:
            piece = b""
        out.append(d.decompress(piece, max_length=max_length))
        # a call without input must make progress (output, eof, or reading a header):
        # a Decompressor that says it needs no input and then gives nothing would spin
        stalls = stalls + 1 if not (piece or out[-1] or d.eof) else 0
        assert stalls < 3, "Decompressor needs no input but makes no progress"


def _outcome(function, *args, **kwargs):
    """(result, None) or (None, the EntropyCodecError); anything else propagates."""
    try:
        return function(*args, **kwargs), None
    except EntropyCodecError as exc:
        return None, exc


def check_input(data: bytes) -> bytes | None:
    """Assert what holds for any input (the module's docstring); return what lenient
    ``decompress`` gave, or None when it raised."""
    lenient, _ = _outcome(ec.decompress, data)
    strict, strict_error = _outcome(ec.decompress, data, strict=True)
    chunked, chunked_error = _outcome(decompress_in_chunks, data)
    assert (strict is None) == (chunked is None), (strict_error, chunked_error)
    assert strict == chunked
    if strict is not None:
        assert lenient == strict
        info, info_error = _outcome(ec.read_header, data)
        assert info_error is None, info_error
        assert info.uncompressed_size == len(strict)
        if len(info.blocks) > 1 and zlib.crc32(data) % 8 == 0:  # a thread pool costs ~10 ms
            assert ec.decompress(data, threads=2, strict=True) == strict
    else:
        _outcome(ec.read_header, data)  # may raise or not: payloads are not decoded
    if lenient is not None:  # read_header(strict=False) ignores the same trailing bytes
        info, info_error = _outcome(ec.read_header, data, strict=False)
        assert info_error is None, info_error
        assert info.uncompressed_size == len(lenient)
    check_decode(data)
    return lenient


def check_decode(data: bytes) -> None:
    """Decode ``data[1:]`` as the payload of the Encoded that ``data[0]`` picks."""
    if not data:
        return
    index = data[0] % len(CASES)
    enc, original = CASES[index][1], ORIGINALS[index]
    damaged = dataclasses.replace(enc, payload=bytes(data[1:]))
    out, _ = _outcome(ec.decode, damaged, verify=False)
    if out is not None:
        assert len(out) == enc.n_symbols and type(out) is type(original)
    out, error = _outcome(ec.decode, damaged)
    if out is not None:
        assert out == original
    elif damaged.payload == enc.payload:
        raise AssertionError(f"decode of an intact payload raised {error!r}")


def TestOneInput(data: bytes) -> None:  # noqa: N802 (atheris's name)
    check_input(data)


if __name__ == "__main__":
    if atheris is None:
        sys.exit("atheris is not installed: pip install atheris (see fuzz/README.md)")
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()

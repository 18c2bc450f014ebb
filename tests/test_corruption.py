"""Damaged input: every truncation, random bit flips, crafted payloads with valid CRCs.

Every failure must be the package's CorruptDataError family in the API, and on
the command line exit code 1 with one line on stderr, no traceback, no output
file left behind and the input untouched.
"""

from __future__ import annotations

import random
import tracemalloc
import zlib

import pytest
from click.testing import CliRunner

import entropycodec
from entropycodec import Decompressor, compress, decompress, read_header
from entropycodec.cli.main import cli
from entropycodec.container.format import (
    BLOCK_HEADER,
    MAX_BLOCK_SIZE,
    BlockHeader,
    pack_stream_header,
    unpack_block_header,
)
from entropycodec.errors import CorruptDataError, TruncatedDataError

TEXT = (b"Alice was beginning to get very tired of sitting by her sister on the bank, "
        b"and of having nothing to do: once or twice she had peeped into the book. ") * 3


def _small_stream() -> bytes:
    """Several blocks and coders, then a second stream: every structure is present."""
    coders = ["huffman", "arithmetic", "rans"]
    first = compress(TEXT, block_size=150)
    rest = b"".join(compress(TEXT[:120], coder=c) for c in coders)
    return first + rest + compress(b"\x00\x01", coder="raw")


SMALL = _small_stream()
SMALL_CONTENT = decompress(SMALL)
# what the first k whole streams of SMALL decompress to, k = 1, 2, ...
SMALL_PREFIXES = {decompress(SMALL[:info.offset + info.compressed_size])
                  for info in read_header(SMALL).streams}


def test_small_stream_has_every_structure():
    info = read_header(SMALL)
    assert len(info.streams) >= 3 and {"raw", "huffman"} <= set(info.coder_counts())


def test_every_truncation_point_raises():
    assert decompress(SMALL) == TEXT + TEXT[:120] * (len(read_header(SMALL).streams) - 2) + b"\0\1"
    boundaries = {s.offset for s in read_header(SMALL).streams}  # cuts there are valid files
    for cut in range(len(SMALL)):
        if cut in boundaries and cut:
            continue
        with pytest.raises(CorruptDataError):
            decompress(SMALL[:cut])


def test_truncation_inside_a_single_stream_is_truncated_data_error():
    one = compress(TEXT, block_size=150)
    for cut in range(len(one)):
        with pytest.raises(TruncatedDataError):
            decompress(one[:cut])
        d = Decompressor()
        d.decompress(one[:cut])
        assert not d.eof and d.needs_input


def test_every_truncation_point_in_read_header():
    starts = [s.offset for s in read_header(SMALL).streams]
    contents = [decompress(SMALL[a:b]) for a, b in zip(starts, starts[1:] + [len(SMALL)])]
    valid = 0
    for cut in range(len(SMALL)):
        try:
            info = read_header(SMALL[:cut])
        except CorruptDataError:
            assert cut not in starts[1:], cut
            continue
        # a cut exactly between two streams is a valid, shorter file: the streams before it
        k = starts.index(cut)
        assert k > 0 and info.compressed_size == cut and len(info.streams) == k
        assert decompress(SMALL[:cut]) == b"".join(contents[:k])
        valid += 1
    assert valid == len(starts) - 1


@pytest.mark.parametrize("threads", [1, 2])
def test_random_single_bit_flips_are_all_detected(threads):
    """With strict=True every flip raises. By default (as lzma and bz2) a flip in the
    header of a stream after the first makes it trailing data: the output is then the
    whole streams before it, never wrong bytes."""
    starts = [s.offset for s in read_header(SMALL).streams] + [len(SMALL)]
    contents = [decompress(SMALL[a:b]) for a, b in zip(starts, starts[1:])]
    rng = random.Random(1)
    for _ in range(400 if threads == 1 else 100):
        bad = bytearray(SMALL)
        bit = rng.randrange(8 * len(bad))
        bad[bit // 8] ^= 1 << (bit % 8)
        with pytest.raises(CorruptDataError):
            decompress(bytes(bad), threads=threads, strict=True)
        in_a_later_header = any(s <= bit // 8 < s + 12 for s in starts[1:-1])
        if not in_a_later_header:
            with pytest.raises(CorruptDataError):
                decompress(bytes(bad), threads=threads)
            continue
        k = max(i for i, s in enumerate(starts) if s <= bit // 8)
        assert decompress(bytes(bad), threads=threads) == b"".join(contents[:k])


def test_every_truncation_point_with_parallel_decoding():
    one = compress(TEXT, block_size=150)
    for cut in range(len(one)):
        with pytest.raises(TruncatedDataError):
            decompress(one[:cut], threads=2)


def test_random_garbage_after_a_valid_header():
    rng = random.Random(2)
    head = pack_stream_header(1 << 16)
    for _ in range(300):
        junk = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 80)))
        with pytest.raises(CorruptDataError):
            decompress(head + junk)


@pytest.mark.parametrize(("coder", "level"), [
    ("huffman", None), ("arithmetic", None), ("rans", None), ("adaptive", None), ("cm", None),
    ("bwt", 1), ("bwt", 2), ("context", 1), ("context", 2)])
def test_crafted_payloads_with_valid_crcs_never_crash(coder, level):
    """Damage behind recomputed checks reaches the decoders: they must fail cleanly."""
    rng = random.Random(f"{coder}{level}")
    packed = compress(TEXT * 20, coder=coder, level=level)
    assert read_header(packed).blocks[0].coder == coder
    h = unpack_block_header(packed[12:12 + BLOCK_HEADER.size], 1 << 22)
    start = 12 + BLOCK_HEADER.size
    stored = packed[start:start + h.stored_size]
    tail = packed[start + h.stored_size:]
    for trial in range(150):
        s = bytearray(stored)
        kind = trial % 3
        if kind == 0:
            for _ in range(rng.randint(1, 4)):
                i = rng.randrange(len(s))
                s[i] ^= 1 << rng.randrange(8)
        elif kind == 1:
            i = rng.randrange(h.model_size, len(s))
            s[i:] = bytes(rng.randrange(256) for _ in range(len(s) - i))
        else:
            s = s[:rng.randrange(h.model_size, len(s))]
        header = BlockHeader(h.coder_id, h.coder_param, h.model_size, h.original_size,
                             len(s) - h.model_size, h.data_crc, zlib.crc32(bytes(s)))
        blob = packed[:12] + header.pack() + bytes(s) + tail
        try:
            assert decompress(blob) == TEXT * 20  # a harmless flip (e.g. in padding)
        except CorruptDataError:
            pass


def test_declared_sizes_are_not_allocated_before_the_data_arrives():
    head = pack_stream_header(MAX_BLOCK_SIZE)
    block = BlockHeader(1, 0, 0, MAX_BLOCK_SIZE, MAX_BLOCK_SIZE, 0, 0).pack()
    tracemalloc.start()
    try:
        with pytest.raises(TruncatedDataError):
            decompress(head + block + b"x" * 1000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20


# -- the command line -------------------------------------------------------------------

def _check_clean_failure(result, folder, expect_files):
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("entropycodec: "), result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in folder.iterdir()) == expect_files


def test_cli_every_truncation_point(tmp_path):
    runner = CliRunner()
    one = compress(TEXT, block_size=150)
    for cut in range(len(one)):
        path = tmp_path / "t.ec"
        path.write_bytes(one[:cut])
        result = runner.invoke(cli, ["decompress", "-q", str(path)])
        _check_clean_failure(result, tmp_path, ["t.ec"])
        assert path.read_bytes() == one[:cut]
        result = runner.invoke(cli, ["test", str(path)])
        _check_clean_failure(result, tmp_path, ["t.ec"])


@pytest.mark.parametrize("threads", ["1", "2"])
def test_cli_every_truncation_point_of_a_multi_stream_file(tmp_path, threads):
    """The file path with several streams and coders, serial and parallel: a cut at a
    stream boundary is a valid, shorter file; any other cut fails cleanly."""
    runner = CliRunner()
    starts = [s.offset for s in read_header(SMALL).streams] + [len(SMALL)]
    contents = [decompress(SMALL[a:b]) for a, b in zip(starts, starts[1:])]
    path, out = tmp_path / "t.ec", tmp_path / "t"
    for cut in range(len(SMALL) + 1):
        path.write_bytes(SMALL[:cut])
        result = runner.invoke(cli, ["decompress", "-q", "-f", "-T", threads, str(path)])
        if cut and cut in starts:
            assert result.exit_code == 0, (cut, result.stderr)
            assert out.read_bytes() == b"".join(contents[:starts.index(cut)])
            out.unlink()
        else:
            _check_clean_failure(result, tmp_path, ["t.ec"])
        assert path.read_bytes() == SMALL[:cut]


def test_cli_random_bit_flips(tmp_path):
    """--strict: every flip fails cleanly (exit 1, one line, no output). By default a flip in
    the header of a later stream makes it trailing garbage (gzip's rule): exit 2, one
    warning line, and the output is exactly the whole streams before it."""
    runner = CliRunner()
    rng = random.Random(5)
    warned = 0
    for _ in range(150):
        bad = bytearray(SMALL)
        bit = rng.randrange(8 * len(bad))
        bad[bit // 8] ^= 1 << (bit % 8)
        path = tmp_path / "f.ec"
        path.write_bytes(bytes(bad))
        _check_clean_failure(runner.invoke(cli, ["decompress", "--strict", str(path)]), tmp_path, ["f.ec"])
        result = runner.invoke(cli, ["decompress", "-k", str(path)])
        if result.exit_code != 2:
            _check_clean_failure(result, tmp_path, ["f.ec"])
            continue
        warned += 1
        assert "trailing garbage ignored" in result.stderr and len(result.stderr.splitlines()) == 1
        out = (tmp_path / "f").read_bytes()
        assert SMALL_CONTENT.startswith(out) and out in SMALL_PREFIXES, len(out)
        (tmp_path / "f").unlink()
    assert warned  # some flips did land in a later stream's header


def test_cli_stdin_corruption_gives_one_line(tmp_path):
    result = CliRunner().invoke(cli, ["decompress"], input=SMALL[:-5])
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_cli_interrupt_leaves_no_partial_output(tmp_path, monkeypatch):
    src = tmp_path / "in.txt"
    src.write_bytes(TEXT * 100)
    calls = {"n": 0}
    real = entropycodec.api.Compressor.compress

    def interrupted(self, data):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real(self, data)

    monkeypatch.setattr("entropycodec.cli.pump.CHUNK", 1000)
    monkeypatch.setattr(entropycodec.api.Compressor, "compress", interrupted)
    result = CliRunner().invoke(cli, ["compress", str(src)])
    assert result.exit_code != 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.txt"]
    assert src.read_bytes() == TEXT * 100


def test_cli_disk_full_leaves_no_partial_output(tmp_path, monkeypatch):
    import errno

    src = tmp_path / "in.txt"
    src.write_bytes(TEXT * 100)
    real = entropycodec.api.Compressor.flush

    def full(self):
        real(self)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(entropycodec.api.Compressor, "flush", full)
    result = CliRunner().invoke(cli, ["compress", str(src)])
    _check_clean_failure(result, tmp_path, ["in.txt"])
    assert "No space left" in result.stderr

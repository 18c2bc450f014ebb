"""Decoding memory (issue 15, section 2): a block decodes into its output with no copy, a
memory limit refuses a stream before anything is allocated for it, and parallel decoding
keeps no more blocks in flight than fit in that limit.

The "bombs" here are valid files: one-symbol blocks whose payload is a few bytes
whatever their size (arithmetic coding of a certain symbol costs no bits), so a 64-byte
file declares 64 MiB of content.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
import textwrap
import tracemalloc
import zlib

import numpy as np
import pytest
from click.testing import CliRunner

from entropycodec import Decompressor, ECFile, compress, decompress
from entropycodec import open as ec_open
from entropycodec.alphabet import BYTE_ALPHABET
from entropycodec.cli import compress_cmd
from entropycodec.cli.main import cli
from entropycodec.cli.units import size_text
from entropycodec.coders import CODERS
from entropycodec.container.blocks import (
    decode_block,
    decode_memory,
    encode_block,
    memory_text,
    stored_scale_bits,
)
from entropycodec.container.crc import crc32_combine
from entropycodec.container.format import (
    BLOCK_HEADER,
    CODER_IDS,
    END_RECORD,
    MAX_BLOCK_SIZE,
    STREAM_HEADER,
    BlockHeader,
    EndRecord,
    pack_stream_header,
    unpack_block_header,
)
from entropycodec.container.modeldesc import encode_frequencies
from entropycodec.container.streams import DEFAULT_MEMLIMIT, BlockPool, StreamReader
from entropycodec.errors import InvalidInputError, LimitExceededError
from entropycodec.models.counts import quantize_counts
from entropycodec.models.static import StaticModel

MiB = 1 << 20
REFUSAL = re.compile(r"^a 64 MiB arithmetic block needs 64\.\d MiB to decode; "
                     r"the memory limit is 32 MiB$")


def _bomb(block_size: int) -> bytes:
    """A valid stream of one block of ``block_size`` zero bytes: a few dozen bytes."""
    return compress(bytes(block_size), block_size=block_size, coder="arithmetic")


def _blocks(blob: bytes) -> list[tuple[BlockHeader, bytes]]:
    pos, out = STREAM_HEADER.size, []
    while blob[pos] != 0:
        header = unpack_block_header(blob[pos:pos + BLOCK_HEADER.size], MAX_BLOCK_SIZE)
        start = pos + BLOCK_HEADER.size
        out.append((header, blob[start:start + header.stored_size]))
        pos = start + header.stored_size
    return out


def _repeat_blocks(blob: bytes, count: int) -> bytes:
    """The one-block stream ``blob`` with its block ``count`` times (a valid stream)."""
    block = blob[STREAM_HEADER.size:-END_RECORD.size]
    header = _blocks(blob)[0][0]
    crc = 0
    for _ in range(count):
        crc = crc32_combine(crc, header.data_crc, header.original_size)
    return (blob[:STREAM_HEADER.size] + block * count
            + EndRecord(count, count * header.original_size, crc).pack())


@pytest.fixture(scope="module")
def bomb64() -> bytes:
    return _bomb(64 * MiB)


def _traced_peak(call) -> int:
    """Bytes allocated at the peak while ``call()`` runs (numpy's buffers included)."""
    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# -- the limit --------------------------------------------------------------------------------

def test_the_bomb_is_a_small_valid_file(bomb64):
    assert len(bomb64) < 100
    (header, stored), = _blocks(bomb64)
    assert header.original_size == 64 * MiB
    assert 64 * MiB < decode_memory(header, stored_scale_bits(header, stored)) < 65 * MiB
    assert decompress(bomb64) == bytes(64 * MiB)


def _one_shot(blob, limit):
    return decompress(blob, memlimit=limit)


def _threaded(blob, limit):
    return decompress(blob, memlimit=limit, threads=4)


def _incremental(blob, limit):
    return Decompressor(memlimit=limit).decompress(blob, max_length=10)


def _file_object(blob, limit):
    with ECFile(io.BytesIO(blob), memlimit=limit) as f:
        return f.read(10)


def _opened_as_text(blob, limit):
    with ec_open(io.BytesIO(blob), "rt", encoding="latin-1", memlimit=limit) as f:
        return f.read(10)


@pytest.mark.parametrize("reader", [_one_shot, _threaded, _incremental, _file_object,
                                    _opened_as_text])
def test_a_block_over_the_limit_is_refused_before_anything_is_allocated(bomb64, reader):
    caught = []

    def attempt():
        with pytest.raises(LimitExceededError) as info:
            reader(bomb64, 32 * MiB)
        caught.append(info.value)

    assert _traced_peak(attempt) < MiB  # not the 64 MiB block, nor a part of it
    exc, = caught
    assert REFUSAL.match(str(exc)), str(exc)
    assert "--memlimit" not in str(exc)  # the library names no CLI flag
    assert exc.limit == 32 * MiB and exc.need > exc.limit


def test_the_limit_is_checked_once_the_block_header_is_in():
    """No waiting for (or buffering) the block's bytes: its header decides."""
    blob = _bomb(4 * MiB)
    header_end = STREAM_HEADER.size + BLOCK_HEADER.size
    d = Decompressor(memlimit=MiB)
    assert d.decompress(blob[:header_end - 1]) == b""
    with pytest.raises(LimitExceededError, match="the memory limit is 1 MiB"):
        d.decompress(blob[header_end - 1:header_end])


def test_the_limit_is_the_need_exactly():
    blob = _bomb(MiB)
    (header, stored), = _blocks(blob)
    need = decode_memory(header, stored_scale_bits(header, stored))
    assert decompress(blob, memlimit=need) == bytes(MiB)
    with pytest.raises(LimitExceededError) as info:
        decompress(blob, memlimit=need - 1)
    assert info.value.need == need
    assert f"needs {memory_text(need)} to decode" in str(info.value)


def _frequency_block(coder: str, data: np.ndarray, scale_bits: int) -> tuple[BlockHeader, bytes]:
    """A block of ``coder`` ("rans", "arithmetic") with a model at ``scale_bits``."""
    model = StaticModel(BYTE_ALPHABET, quantize_counts(np.bincount(data, minlength=256),
                                                       scale_bits), scale_bits)
    desc = encode_frequencies(model.freqs, scale_bits)
    payload = CODERS[coder].encode(data, model)
    stored = desc + payload
    header = BlockHeader(CODER_IDS[coder], CODERS[coder].stream_layout or 0, len(desc), data.size,
                         len(payload), zlib.crc32(data), zlib.crc32(stored))
    return header, stored


def test_a_model_table_counts_toward_the_need():
    """A 1000-byte rANS block with a 24-bit model needs its 16 MiB slot table: a small
    limit refuses it before the table is built (the header alone cannot tell)."""
    data = np.frombuffer(b"abcd" * 250, dtype=np.uint8)
    header, stored = _frequency_block("rans", data, 24)
    assert decode_block(header, stored) == data.tobytes()
    assert decode_memory(header) < MiB < 16 * MiB < decode_memory(header, 24)
    blob = (pack_stream_header(1000) + header.pack() + stored
            + EndRecord(1, 1000, header.data_crc).pack())
    assert decompress(blob) == data.tobytes()
    caught = []

    def attempt():
        with pytest.raises(LimitExceededError, match=r"a 1000 B rans block needs 16\.\d MiB"):
            decompress(blob, memlimit=8 * MiB)
        caught.append(True)

    assert _traced_peak(attempt) < MiB and caught


def test_context_mixing_tables_count_toward_the_need():
    from entropycodec.coders.cm import memory_bytes

    data = b"context mixing needs its tables " * 10
    blob = compress(data, coder="cm", level=9)
    with pytest.raises(LimitExceededError, match=r"a 320 B cm block needs 160\.\d MiB"):
        decompress(blob, memlimit=64 * MiB)
    assert decompress(compress(data, coder="cm", level=1), memlimit=4 * MiB) == data
    (header, _), = _blocks(blob)
    assert decode_memory(header) > memory_bytes(9) > 160 * MiB


def test_the_default_limit_admits_every_valid_block():
    assert DEFAULT_MEMLIMIT == 1 << 30
    for name, spec in CODERS.items():
        param = max(spec.implementation().LEVELS) if spec.has_level else 0
        worst = BlockHeader(spec.coder_id, param, 0, MAX_BLOCK_SIZE, MAX_BLOCK_SIZE, 0, 0)
        assert decode_memory(worst, 24 if spec.model_kind == "frequencies" else 0) \
            <= DEFAULT_MEMLIMIT, name
    data = bytes(range(256)) * (20 << 10)  # 5 MiB: default 4 MiB blocks
    assert decompress(compress(data, coder="huffman")) == data
    assert decompress(compress(data, coder="rans"), threads=2) == data


def test_the_cli_default_is_the_library_default():
    assert compress_cmd.MEMLIMIT_DEFAULT == size_text(DEFAULT_MEMLIMIT)


@pytest.mark.parametrize("bad", [0, -1, True, 1.5, "1G"])
def test_memlimit_must_be_a_positive_int(bad):
    with pytest.raises(InvalidInputError, match="memlimit"):
        Decompressor(memlimit=bad)
    with pytest.raises(InvalidInputError, match="memlimit"):
        decompress(compress(b"x"), memlimit=bad)


def test_memlimit_is_ignored_when_writing():
    buf = io.BytesIO()
    with ec_open(buf, "wb", memlimit=1) as f:
        f.write(b"written")
    assert decompress(buf.getvalue()) == b"written"


# -- what decoding allocates --------------------------------------------------------------------

def _blocks_of_every_coder():
    rng = np.random.default_rng(15)
    data = rng.integers(0, 200, 1 << 18).astype(np.uint8)  # payload about 7/8 of the block
    for name, spec in CODERS.items():
        if spec.model_kind == "frequencies":
            for scale in (12, 18, 19, 24):
                yield pytest.param(*_frequency_block(name, data, scale), id=f"{name}-{scale}")
            continue
        raw = data.tobytes() if name != "raw" else rng.bytes(1 << 18)
        if name == "context":  # 200 x 200 byte pairs would not pay for their description
            raw = (data % 16).tobytes()
        block = encode_block(raw, name, 1 if spec.has_level else 0)
        header = unpack_block_header(block[:BLOCK_HEADER.size], MAX_BLOCK_SIZE)
        assert header.coder == name
        yield pytest.param(header, block[BLOCK_HEADER.size:], id=name)


@pytest.mark.parametrize(("header", "stored"), list(_blocks_of_every_coder()))
def test_decode_memory_bounds_what_decoding_allocates(header, stored):
    decode_block(header, stored)  # kernels compiled or loaded outside the measurement
    need = decode_memory(header, stored_scale_bits(header, stored))
    assert _traced_peak(lambda: decode_block(header, stored)) <= need


def test_a_decoded_block_is_not_copied(bomb64):
    """The decoder writes into the bytes handed out: decoding a 64 MiB block allocates
    64 MiB (and a little), not 128 or 192."""
    decompress(_bomb(1 << 16))  # kernels loaded outside the measurement
    peak = _traced_peak(lambda: decompress(bomb64))
    assert 64 * MiB <= peak < 65 * MiB
    peak = _traced_peak(lambda: Decompressor().decompress(bomb64))
    assert 64 * MiB <= peak < 65 * MiB


# -- parallel decoding within the budget ----------------------------------------------------------

def _decode_with_pool(blob: bytes, threads: int, budget: int) -> tuple[bytes, int]:
    """(content, the most decoding memory in flight at once) through a BlockPool."""
    reader = StreamReader()
    reader.feed(blob)
    pool = BlockPool(threads, budget=budget)
    parts, most = [], 0
    try:
        while (block := pool.next_block(reader)) is not None:
            if block:  # it was in flight with the others until it was handed out
                most = max(most, pool.inflight_need + decode_memory(_blocks(blob)[0][0]))
            parts.append(block)
            if reader.eof:
                break
    finally:
        pool.shutdown()
    return b"".join(parts), most


def test_the_pool_keeps_the_blocks_in_flight_within_its_budget():
    blob = _repeat_blocks(_bomb(MiB), 8)
    need = decode_memory(_blocks(blob)[0][0])
    content, most = _decode_with_pool(blob, threads=8, budget=3 * need)
    assert content == bytes(8 * MiB)
    assert 2 * need < most <= 3 * need  # three at once, not 2 x 8 threads


def test_the_pool_decodes_a_block_larger_than_its_budget_alone():
    blob = _repeat_blocks(_bomb(MiB), 3)
    content, most = _decode_with_pool(blob, threads=4, budget=MiB // 2)
    assert content == bytes(3 * MiB)
    assert most == decode_memory(_blocks(blob)[0][0])  # one at a time


# -- the command line ---------------------------------------------------------------------------

@pytest.fixture
def bomb_file(tmp_path, bomb64):
    path = tmp_path / "bomb.ec"
    path.write_bytes(bomb64)
    return path


def test_cli_test_refuses_a_stream_over_the_limit(bomb_file):
    result = CliRunner().invoke(cli, ["test", "--memlimit", "32M", str(bomb_file)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith(f"entropycodec: {bomb_file}: a 64 MiB arithmetic block needs 64.")
    assert lines[0].endswith("to decode; the memory limit is 32 MiB (--memlimit)")


@pytest.mark.parametrize("threads", ["1", "4"])
def test_cli_decompress_refuses_and_leaves_no_output(bomb_file, threads):
    result = CliRunner().invoke(cli, ["decompress", "-T", threads, "--memlimit", "32M",
                                      str(bomb_file)])
    assert result.exit_code == 1
    assert "the memory limit is 32 MiB (--memlimit)" in result.output
    assert len(result.output.splitlines()) == 1
    assert sorted(p.name for p in bomb_file.parent.iterdir()) == ["bomb.ec"]


def test_cli_memlimit_admits_what_fits(bomb_file, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["decompress", "--memlimit", "2G", "-o", str(out),
                                      str(bomb_file)])
    assert result.exit_code == 0, result.output
    assert out.stat().st_size == 64 * MiB
    assert CliRunner().invoke(cli, ["test", str(bomb_file)]).exit_code == 0  # default 1G


@pytest.mark.parametrize("value", ["0", "lots", "-5M"])
def test_cli_memlimit_misuse_is_exit_2(bomb_file, value):
    result = CliRunner().invoke(cli, ["test", "--memlimit", value, str(bomb_file)])
    assert result.exit_code == 2
    assert "--memlimit" in result.output


# -- peak memory of a whole process --------------------------------------------------------------

# Linux: writing 5 to /proc/self/clear_refs resets the peak RSS (VmHWM) to the current RSS,
# so the peak measured is the decoding's, not that of loading numba and the kernels.
_PROBE = textwrap.dedent("""
    import sys
    import entropycodec as ec
    from entropycodec.cli.main import main

    def status(field):
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith(field + ":"))

    path, how, threads, limit = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    blob = open(path, "rb").read()
    warm = ec.compress(bytes(1 << 16), coder="arithmetic")
    ec.decompress(warm * 2, threads=threads)  # kernels and threads loaded before the baseline
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    base = status("VmRSS")
    if how == "api":
        out = ec.decompress(blob, threads=threads)
        assert len(out) == int(sys.argv[5])
    elif how == "stream":
        d = ec.Decompressor(threads=threads, memlimit=int(limit))
        got = len(d.decompress(blob, max_length=1 << 20))
        while not d.eof:
            got += len(d.decompress(b"", max_length=1 << 20))
        assert got == int(sys.argv[5])
    else:
        try:
            main(["test", "-T", str(threads), "--memlimit", limit, path])
        except SystemExit as exc:
            assert not exc.code, exc.code
    print((status("VmHWM") - base) * 1024)
""")
_PEAK_RESETTABLE = sys.platform == "linux"


def _peak_rss_delta(path, how: str, threads: int, limit: int, size: int) -> int:
    """Bytes the peak RSS of a fresh process grows by while it decodes ``path``."""
    if not _PEAK_RESETTABLE:
        pytest.skip("needs Linux's /proc/self/clear_refs to measure a peak RSS")
    result = subprocess.run([sys.executable, "-c", _PROBE, str(path), how, str(threads),
                             str(limit), str(size)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return int(result.stdout.split()[-1])


def test_peak_rss_of_the_api_is_the_block_plus_a_constant(bomb_file):
    delta = _peak_rss_delta(bomb_file, "api", 1, DEFAULT_MEMLIMIT, 64 * MiB)
    assert delta <= 1.3 * 64 * MiB + 8 * MiB  # was 2 x 64 MiB: the block, then its copy


@pytest.mark.parametrize("how", ["stream", "cli"])
def test_peak_rss_of_parallel_decoding_stays_within_the_limit(tmp_path, how):
    """Eight 16 MiB blocks with 8 threads and a 40 MiB limit: two blocks in flight at
    once (and the one being handed out), not all eight."""
    path = tmp_path / "eight.ec"
    path.write_bytes(_repeat_blocks(_bomb(16 * MiB), 8))
    delta = _peak_rss_delta(path, how, 8, 40 * MiB, 128 * MiB)
    # the limit, the block being handed out, a constant; it was every block (128 MiB and up)
    assert delta <= 40 * MiB + 16 * MiB + 8 * MiB


@pytest.mark.parametrize("name", [name for name, spec in CODERS.items() if spec.model_kind != "none"])
def test_every_coder_decodes_into_the_buffer_given(name):
    data = np.frombuffer(b"decode into the output buffer " * 40, dtype=np.uint8)
    block = encode_block(data, name, 1 if CODERS[name].has_level else 0)
    header = unpack_block_header(block[:BLOCK_HEADER.size], MAX_BLOCK_SIZE)
    assert header.coder == name
    from entropycodec.container.blocks import _decoding_model

    stored = block[BLOCK_HEADER.size:]
    model = _decoding_model(CODERS[name], stored[:header.model_size], header.coder_param)
    out = np.full(data.size, 0xAA, dtype=np.uint8)
    assert CODERS[name].decode(stored[header.model_size:], data.size, model, out=out) is out
    assert out.tobytes() == data.tobytes()
    with pytest.raises(InvalidInputError, match="out must be a writable contiguous uint8 array"):
        CODERS[name].decode(stored[header.model_size:], data.size, model,
                            out=np.empty(data.size + 1, dtype=np.uint8))

"""Compression levels 1..9 (entropycodec.container.levels, blocks.encode_level_block): the
API's level / compresslevel / preset, the CLI's -1..-9, --fast, --best, and info -v."""

from __future__ import annotations

import lzma

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import CANTERBURY, OWN_CORPORA, SKIP_REASON

import entropycodec as ec
from entropycodec.cli.main import cli
from entropycodec.container.levels import DEFAULT_LEVEL, LEVELS, check_level, describe
from entropycodec.errors import InvalidInputError

TEXTS = ("alice29.txt", "asyoulik.txt", "lcet10.txt", "plrabn12.txt")
MARKOV = (OWN_CORPORA / "markov.txt").read_bytes()
MIB = 1 << 20


def canterbury(name: str) -> bytes:
    path = CANTERBURY / name
    if not path.is_file():
        pytest.skip(SKIP_REASON)
    return path.read_bytes()


def block_coders(packed: bytes) -> list[tuple[str, int]]:
    return [(b.coder, b.coder_param) for s in ec.read_header(packed).streams for b in s.blocks]


# -- the table ------------------------------------------------------------------------------

def test_the_level_table():
    assert DEFAULT_LEVEL == 6 and sorted(LEVELS) == list(range(1, 10))
    assert [LEVELS[n].coders for n in range(1, 10)] == [
        (("rans", 0),), (("context", 1), ("auto", 0)),
        (("context", 2), ("context", 1), ("auto", 0)),
        (("bwt", 1),), (("bwt", 1),), (("bwt", 2),), (("cm", 5),), (("cm", 6),), (("cm", 7),)]
    assert [LEVELS[n].block_size // MIB for n in range(1, 10)] == [4, 4, 4, 1, 4, 4, 4, 4, 4]
    assert describe(1) == "level 1: rANS with the block order-0 model (the fastest)"
    assert check_level(None) == 6 and check_level(9) == 9


# -- round trips and sizes ------------------------------------------------------------------

@pytest.mark.parametrize("name", ["markov.txt", "alice29.txt", "fields.c"])
def test_every_level_round_trips(name):
    data = MARKOV if name == "markov.txt" else canterbury(name)
    for level in range(1, 10):
        packed = ec.compress(data, level)
        assert ec.decompress(packed) == data, level
        assert len(packed) < len(data)


def test_block_coders_of_each_level():
    data = canterbury("alice29.txt")
    assert [block_coders(ec.compress(data, level)) for level in range(1, 10)] == [
        [("rans", 1)], [("context", 1)], [("context", 2)], [("bwt", 1)], [("bwt", 1)],
        [("bwt", 2)], [("cm", 5)], [("cm", 6)], [("cm", 7)]]
    # a small block where an order-2 model's description does not pay: order 1 instead,
    # so that level 3 is never larger than level 2 on a block
    small = canterbury("fields.c")
    assert block_coders(ec.compress(small, 3)) == [("context", 1)]
    assert len(ec.compress(small, 3)) == len(ec.compress(small, 2)) \
        < len(ec.compress(small, coder="context", level=2))


def test_sizes_never_grow_with_the_level():
    """The sum over the Canterbury texts is non-increasing in the level."""
    data = [canterbury(name) for name in TEXTS]
    sizes = {level: [len(ec.compress(d, level)) for d in data] for level in range(1, 10)}
    totals = [sum(sizes[level]) for level in range(1, 10)]
    assert all(a >= b for a, b in zip(totals, totals[1:])), totals
    # the two levels this project's context model makes (the others belong to bwt and cm)
    assert sizes[2] == [68034, 56193, 191070, 205773]
    assert sizes[3] == [63645, 55208, 165744, 184104]
    assert totals[0] == 684852  # level 1: one rANS block each, one lane (layout 1)


def test_level_block_sizes_split_the_input():
    data = np.random.default_rng(0).choice(
        np.frombuffer(b"etaoin shrdlu", np.uint8), size=4 * MIB + 1000).tobytes()
    assert len(ec.read_header(ec.compress(data, 1)).streams[0].blocks) == 2  # 4 MiB blocks
    head = data[: 2 * MIB + 10]
    assert len(ec.read_header(ec.compress(head, 4)).streams[0].blocks) == 3  # 1 MiB blocks


# -- level, compresslevel, preset -----------------------------------------------------------

def test_the_three_names_of_the_level():
    data = MARKOV[:20_000]
    for level in (1, 3, 9):
        packed = ec.compress(data, level)
        assert packed == ec.compress(data, level=level) == ec.compress(data, compresslevel=level) \
            == ec.compress(data, preset=level)
    assert ec.compress(data) == ec.compress(data, 6)


def test_compressor_and_open_take_the_positional_level(tmp_path):
    data = MARKOV[:30_000]
    for level in (2, 7):
        expected = ec.compress(data, level)
        comp = ec.Compressor(level)
        assert comp.compress(data) + comp.flush() == expected
        path = tmp_path / f"x{level}.ec"
        with ec.open(path, "wb", level) as fh:
            fh.write(data)
        assert path.read_bytes() == expected
        with ec.open(path, "wb", compresslevel=level) as fh:
            fh.write(data)
        assert path.read_bytes() == expected
        with ec.open(path, "rb") as fh:
            assert fh.read() == data


@pytest.mark.parametrize("level", [1, 3, 6])
def test_output_independent_of_threads(level):
    data = canterbury("lcet10.txt") + canterbury("alice29.txt")
    one = ec.compress(data, level, block_size=128 << 10)
    assert len(block_coders(one)) == 5
    assert ec.compress(data, level, block_size=128 << 10, threads=2) == one
    assert ec.decompress(one, threads=2) == data


def test_output_independent_of_threads_default_blocks():
    data = np.random.default_rng(1).choice(
        np.frombuffer(b"abcdefgh", np.uint8), size=5 * MIB, p=[0.4, 0.2, 0.1, 0.1, 0.1, 0.05,
                                                             0.03, 0.02]).tobytes()
    one = ec.compress(data, 1)
    assert len(block_coders(one)) == 2
    assert ec.compress(data, 1, threads=2) == one


@pytest.mark.parametrize("bad", [0, 10, -1, True, False, "6", 6.0, 1 << 31])
def test_bad_levels(bad):
    for call in (lambda: ec.compress(b"data", bad), lambda: ec.compress(b"data", compresslevel=bad),
                 lambda: ec.Compressor(bad), lambda: ec.compress(b"data", preset=bad)):
        with pytest.raises(InvalidInputError) as info:
            call()
        assert "\n" not in str(info.value)


def test_bad_level_for_open(tmp_path):
    with pytest.raises(InvalidInputError):
        ec.open(tmp_path / "x.ec", "wb", 0)
    assert not (tmp_path / "x.ec").exists()  # refused before the file is made


def test_preset_flags_and_two_names_refused():
    for preset in (9 | lzma.PRESET_EXTREME, 6 | lzma.PRESET_EXTREME, 16):
        with pytest.raises(InvalidInputError, match="no flags"):
            ec.compress(b"data", preset=preset)
    with pytest.raises(InvalidInputError, match="not level and preset"):
        ec.compress(b"data", 9, preset=9)
    with pytest.raises(InvalidInputError, match="give one of"):
        ec.Compressor(compresslevel=3, preset=3)


def test_coder_level_is_that_coders_own():
    data = MARKOV[:20_000]
    assert block_coders(ec.compress(data, coder="context", level=2)) == [("context", 2)]
    assert block_coders(ec.compress(data, coder="context")) == [("context", 1)]
    for level in (0, 3):
        with pytest.raises(InvalidInputError, match="context level"):
            ec.compress(data, coder="context", level=level)


# -- the CLI --------------------------------------------------------------------------------

def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture
def sample(tmp_path):
    path = tmp_path / "markov.txt"
    path.write_bytes(MARKOV[:40_000])
    return path


def test_cli_level_flags(sample):
    data = sample.read_bytes()
    for flags, level in [(["-1"], 1), (["-2"], 2), (["-3"], 3), (["-4"], 4), (["-5"], 5),
                         (["-6"], 6), (["-7"], 7), (["-8"], 8), (["-9"], 9), (["--fast"], 1),
                         (["--best"], 9), (["--level", "3"], 3), ([], 6)]:
        result = run("compress", "-c", *flags, sample)
        assert result.exit_code == 0, (flags, result.output)
        assert result.stdout_bytes == ec.compress(data, level), flags
    assert run("compress", "-c", "-3", "--level", "4", sample).exit_code == 2
    assert run("compress", "-c", "-3", "--coder", "bwt", sample).exit_code == 2
    for bad in ("0", "10"):
        result = run("compress", "-c", "--level", bad, sample)
        assert result.exit_code == 2 and f"level must be an int in 1..9, got {bad}" in result.stderr


def test_cli_info_shows_coder_and_level(tmp_path):
    source = tmp_path / "alice29.txt"
    source.write_bytes(canterbury("alice29.txt"))
    cases = {"-1": "rans", "-2": "context/1", "-3": "context/2", "-5": "bwt/1", "-6": "bwt/2", "-9": "cm/7"}
    for flag, shown in cases.items():
        path = tmp_path / f"alice{flag}.ec"
        assert run("compress", flag, "-o", path, source).exit_code == 0
        result = run("info", "-v", path)
        assert result.exit_code == 0, result.output
        block_line = result.stdout.strip().splitlines()[-1].split()
        assert block_line[2] == shown, result.stdout
    forced = tmp_path / "forced.ec"
    forced.write_bytes(ec.compress(MARKOV, coder="context", level=2))
    assert run("info", "-v", forced).stdout.strip().splitlines()[-1].split()[2] == "context/2"


@pytest.mark.skipif(not CANTERBURY.is_dir(), reason="standard corpora absent")
@pytest.mark.parametrize("name", ["alice29.txt", "fields.c", "kennedy.xls", "ptt5", "sum"])
def test_predicted_sizes_skip_only_candidates_that_lose(name):
    """Levels 2 and 3 code a candidate only when its predicted size could beat the best so
    far: the block is the one coding every candidate gives (smallest, first on a tie)."""
    from entropycodec.container import blocks

    data = canterbury(name)
    for level in (2, 3):
        every = [blocks.encode_block(data, coder, param) for coder, param in LEVELS[level].coders]
        want = min(every, key=len)
        assert blocks.encode_level_block(data, level) == want

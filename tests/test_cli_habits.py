"""The gzip / xz / zstd habits of the file commands (issue 9, section 4).

gzip's mode flags before the files (``-d``, ``-dc``, ``-l``, ``-t``, ``-z``), ``-V``,
``-r`` for directories; a progress line that follows the coded bytes; signals that end
the run at once with 128 + the signal number and leave nothing behind; trailing data
ignored with gzip's warning (exit 2), or refused with --strict; ``-v`` figures; write
errors blamed on the output. The CLI items run through the installed entry point as well
as through CliRunner.
"""

from __future__ import annotations

import io
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

import entropycodec
import entropycodec.api
from entropycodec import CorruptDataError, compress, decompress, read_header
from entropycodec.cli import compress_cmd, files, pump, signals
from entropycodec.cli.main import cli, gzip_shorthand

TEXT = b"The quick brown fox jumps over the lazy dog.\n" * 200
SCRIPT = shutil.which("entropycodec", path=os.path.dirname(sys.executable)) or shutil.which(
    "entropycodec")
needs_script = pytest.mark.skipif(SCRIPT is None, reason="console script not installed")


def run(*args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input)


def script(*args, **kwargs):
    return subprocess.run([SCRIPT, *map(str, args)], capture_output=True, timeout=120, **kwargs)


@pytest.fixture
def packed(tmp_path):
    path = tmp_path / "x.ec"
    path.write_bytes(compress(TEXT))
    return path


# -- gzip's mode flags, -V ------------------------------------------------------------------

@pytest.mark.parametrize("args,expected", [
    (["-d", "f.ec"], ["decompress", "f.ec"]),
    (["-dc", "f.ec"], ["decompress", "-c", "f.ec"]),
    (["-cd", "f.ec"], ["decompress", "-c", "f.ec"]),
    (["-dfkv", "f.ec"], ["decompress", "-fkv", "f.ec"]),
    (["--decompress", "-c", "f.ec"], ["decompress", "-c", "f.ec"]),
    (["-l", "a.ec", "b.ec"], ["info", "a.ec", "b.ec"]),
    (["-lv", "a.ec"], ["info", "-v", "a.ec"]),
    (["--list", "--json", "a.ec"], ["info", "--json", "a.ec"]),
    (["-t", "a.ec"], ["test", "a.ec"]),
    (["-z", "-c", "f"], ["compress", "-c", "f"]),
    (["-T", "2", "-dc", "f.ec"], ["decompress", "-T", "2", "-c", "f.ec"]),
    (["-dT2", "f.ec"], ["decompress", "-T2", "f.ec"]),
    (["-do", "-l", "f.ec"], ["decompress", "-o", "-l", "f.ec"]),  # -l: the value of -o
    (["--coder", "cm", "-z", "f"], ["compress", "--coder", "cm", "f"]),
    (["-d", "--", "-l"], ["decompress", "--", "-l"]),  # after --: a file named -l
])
def test_shorthand_rewrites_to_the_subcommand(args, expected):
    assert gzip_shorthand(args) == expected


@pytest.mark.parametrize("args", [["compress", "-d", "f"], ["-c", "f"], ["f.ec"], ["-"], []])
def test_shorthand_leaves_other_command_lines_alone(args):
    assert gzip_shorthand(args) is None


def test_top_level_d_decompresses_like_gzip_d(packed, tmp_path):
    result = run("-d", packed)
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "x").read_bytes() == TEXT and packed.exists()
    result = run("-dc", packed)
    assert result.exit_code == 0 and result.stdout_bytes == TEXT


def test_top_level_l_is_info(packed):
    listed, info = run("-l", packed), run("info", packed)
    assert listed.exit_code == 0 and listed.stdout == info.stdout
    assert "cm" in listed.stdout  # the default level, 6, codes a small block with cm or bwt
    assert run("-lv", packed).stdout == run("info", "-v", packed).stdout


def test_top_level_t_and_z(packed, tmp_path):
    result = run("-tv", packed)
    assert result.exit_code == 0 and result.stderr == f"{packed}: OK\n"
    src = tmp_path / "y.txt"
    src.write_bytes(TEXT)
    assert run("-z", src).exit_code == 0
    assert decompress((tmp_path / "y.txt.ec").read_bytes()) == TEXT


def test_two_modes_contradict(packed):
    result = run("-d", "-l", packed)
    assert result.exit_code == 2 and "-d and -l contradict each other" in result.stderr


def test_capital_v_is_the_version():
    result = run("-V")
    assert result.exit_code == 0
    assert result.stdout == f"entropycodec, version {entropycodec.__version__}\n"


@needs_script
def test_gzip_habits_through_the_installed_script(packed, tmp_path):
    proc = script("-dc", packed)
    assert proc.returncode == 0 and proc.stdout == TEXT, proc.stderr
    proc = script("-d", packed)
    assert proc.returncode == 0 and (tmp_path / "x").read_bytes() == TEXT
    proc = script("-l", packed, text=True)
    assert proc.returncode == 0 and proc.stdout.startswith("Strms Blocks") and "x.ec" in proc.stdout
    proc = script("-V", text=True)
    assert proc.returncode == 0 and proc.stdout.startswith("entropycodec, version ")


# -- -r -------------------------------------------------------------------------------------

@pytest.fixture
def tree(tmp_path):
    root = tmp_path / "tree"
    (root / "sub" / "deeper").mkdir(parents=True)
    contents = {"a.txt": TEXT, "sub/b.bin": bytes(range(256)) * 20, "sub/deeper/c": b"c" * 500,
                "empty": b""}
    for name, data in contents.items():
        (root / name).write_bytes(data)
    (root / "sub" / "old.ec").write_bytes(compress(b"already compressed"))
    os.symlink(root / "a.txt", root / "link")  # skipped: symbolic links inside the tree
    return root, contents


def _names(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if not p.is_dir())


def test_directory_without_r_is_refused_with_a_hint(tree):
    root, _ = tree
    result = run("compress", root)
    assert result.exit_code == 1
    assert result.stderr == f"entropycodec: {root}: is a directory -- ignored (use -r for the " \
                            "files in it)\n"


def test_r_compresses_and_decompresses_every_file_in_a_tree(tree):
    root, contents = tree
    result = run("compress", "-r", "--rm", root)
    assert result.exit_code == 0, result.stderr
    assert _names(root) == ["a.txt.ec", "empty.ec", "link", "sub/b.bin.ec", "sub/deeper/c.ec",
                            "sub/old.ec"]
    assert run("test", "-r", root).exit_code == 0
    result = run("-d", "-r", "--rm", root)
    assert result.exit_code == 0, result.stderr
    assert _names(root) == ["a.txt", "empty", "link", "sub/b.bin", "sub/deeper/c", "sub/old"]
    for name, data in contents.items():
        assert (root / name).read_bytes() == data
    assert (root / "sub" / "old").read_bytes() == b"already compressed"


def test_r_with_o_is_misuse(tree, tmp_path):
    root, _ = tree
    result = run("compress", "-r", "-o", tmp_path / "out.ec", root)
    assert result.exit_code == 2 and "-r/--recursive" in result.stderr


@needs_script
def test_r_through_the_installed_script(tree):
    root, contents = tree
    proc = script("compress", "-r", root)
    assert proc.returncode == 0, proc.stderr
    assert decompress((root / "sub" / "b.bin.ec").read_bytes()) == contents["sub/b.bin"]
    assert not (root / "sub" / "old.ec.ec").exists()


# -- progress ------------------------------------------------------------------------------

class FakeClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def _progress(total, enabled=True):
    clock, out = FakeClock(), io.StringIO()
    return compress_cmd.Progress("big.txt", total, out, enabled=enabled, clock=clock,
                                 width=80), clock, out


def test_progress_waits_a_second_then_draws_the_coded_share():
    p, clock, out = _progress(4 << 20)
    p.update(1 << 20)
    clock.now += 0.9
    p.tick()
    assert out.getvalue() == ""  # a quick run prints nothing
    clock.now += 0.2
    p.tick()
    line = "big.txt:  25%  1.0 MiB / 4.0 MiB  953.3 kB/s  0:01"
    assert out.getvalue() == "\r" + line
    p.finish()
    assert out.getvalue() == "\r" + line + "\r" + " " * len(line) + "\r"  # erased


def test_progress_redraws_at_most_every_interval_and_pads_shorter_lines():
    p, clock, out = _progress(None)  # stdin: no total, no percentage
    clock.now += 1.0
    p.tick()
    first = out.getvalue()
    assert first == "\rbig.txt: 0 B  0:01"  # nothing coded yet: no speed
    clock.now += 0.1
    p.update(3 << 20)
    p.tick()
    assert out.getvalue() == first  # within INTERVAL
    clock.now += 0.15
    p.tick()
    assert out.getvalue() == first + "\rbig.txt: 3.0 MiB  2.5 MB/s  0:01"
    clock.now += 0.25
    p.update(0)  # (never happens; here it makes a shorter line)
    p.tick()
    short, long = "big.txt: 0 B  0:01", "big.txt: 3.0 MiB  2.5 MB/s  0:01"
    assert out.getvalue().endswith("\r" + short + " " * (len(long) - len(short)))  # padded


def test_progress_disabled_prints_nothing():
    p, clock, out = _progress(10, enabled=False)
    clock.now += 5
    p.update(10)
    p.tick()
    p.finish()
    assert out.getvalue() == ""


@pytest.mark.parametrize("tty,quiet,enabled", [(True, False, True), (True, True, False),
                                               (False, False, False)])
def test_progress_only_on_a_terminal_and_not_with_q(tmp_path, monkeypatch, tty, quiet, enabled):
    seen = []
    real = compress_cmd.Progress.__init__

    def spy(self, *args, **kwargs):
        seen.append(kwargs["enabled"])
        real(self, *args, **kwargs)

    monkeypatch.setattr(compress_cmd.Progress, "__init__", spy)
    monkeypatch.setattr(compress_cmd, "_isatty", lambda stream: tty and stream is sys.stderr)
    src = tmp_path / "f"
    src.write_bytes(TEXT)
    result = run("compress", *(["-q"] if quiet else []), src)
    assert result.exit_code == 0, result.stderr
    assert seen == [enabled] and result.stderr == ""


class Recorder:
    def __init__(self):
        self.updates = []

    def update(self, done):
        self.updates.append(done)


def test_compress_progress_counts_coded_blocks_not_bytes_read(monkeypatch):
    """Bytes read run ahead of coding by up to a block (the bar showed 90% while a cm
    block was still being coded): the count moves when a block is done."""
    import threading

    monkeypatch.setattr(pump, "CHUNK", 1000)
    data = random.Random(1).randbytes(9000)
    progress = Recorder()
    settings = {"coder": "huffman", "level": None, "block_size": 4000, "threads": 1}
    out = io.BytesIO()
    assert pump._pump_compress(io.BytesIO(data), out, settings, progress,
                               threading.Event()) == (9000, len(out.getvalue()))
    assert progress.updates == [0, 4000, 8000, 9000]
    assert decompress(out.getvalue()) == data


def test_decompress_progress_counts_the_compressed_bytes_of_decoded_blocks(monkeypatch):
    import threading

    data = random.Random(2).randbytes(12000)
    stream = compress(data, coder="huffman", block_size=4000)
    info = read_header(stream)
    # the stream header, the end of each block, the end marker
    ends = {12} | {b.offset + b.stored_size for b in info.blocks} | {len(stream)}
    monkeypatch.setattr(pump, "CHUNK", 4000)  # one block's output per call
    progress = Recorder()
    out = io.BytesIO()
    pump._pump_decompress(io.BytesIO(stream), out, progress, 1, threading.Event())
    assert out.getvalue() == data
    assert progress.updates == sorted(progress.updates) and progress.updates[-1] == len(stream)
    assert set(progress.updates) - {0} <= ends and len(set(progress.updates) - {0}) >= 3


# -- signals, through the installed script -------------------------------------------------

def _text(n: int) -> bytes:
    """``n`` bytes of seeded random lowercase text: cm codes it at well under 1 MB/s."""
    table = bytes((b"abcdefghijklmnopqrstuvwxyz    \n"[i % 31]) for i in range(256))
    return random.Random(0).randbytes(n).translate(table)


def _wait_until(condition, proc, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if proc.poll() is not None:
            pytest.fail(f"the command ended (rc {proc.returncode}) before {what}: "
                        f"{proc.stderr.read()!r}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.005)


def _stop(proc, sig) -> float:
    sent = time.monotonic()
    proc.send_signal(sig)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("the command did not end after the signal")
    return time.monotonic() - sent


@needs_script
@pytest.mark.parametrize("sig,code,extra", [
    (signal.SIGINT, 130, []),
    (signal.SIGTERM, 143, []),
    (signal.SIGINT, 130, ["-T", "2", "-B", "1M"]),  # worker threads of the pool, too
], ids=["SIGINT", "SIGTERM", "SIGINT-threads"])
def test_a_signal_during_a_cm_block_ends_the_run_at_once(tmp_path, sig, code, extra):
    src = tmp_path / "text.txt"
    src.write_bytes(_text(4_000_000))  # one 4 MiB block: ~7 s of cm coding here
    before = src.read_bytes()
    proc = subprocess.Popen([SCRIPT, "compress", "--coder", "cm", *extra, str(src)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _wait_until(lambda: list(tmp_path.glob(".text.txt.ec.*.tmp")), proc, "the output")
    time.sleep(1.5)  # the cm kernel loads (~1 s) and starts on the block
    assert proc.poll() is None, "the coding ended before the signal"
    took = _stop(proc, sig)
    stderr = proc.stderr.read()
    assert proc.returncode == code, stderr
    assert stderr == b""  # no traceback, no "Aborted!"
    assert took < 2.0  # a hang guard, not a speed claim (it takes ~0.01 s)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["text.txt"]  # no partial output
    assert src.read_bytes() == before


@needs_script
def test_a_sigint_during_analyze_ends_it_at_once(tmp_path):
    """analyze runs its kernels (cm among them) in the main thread of the command: the
    command runs in a worker thread, so the main thread takes the signal at once."""
    src = tmp_path / "text.txt"
    src.write_bytes(_text(3_000_000))
    proc = subprocess.Popen([SCRIPT, "analyze", "--coders", "cm", str(src)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(2.5)  # imports, the cm kernel loads and starts on the data (~7 s of coding)
    assert proc.poll() is None, "analyze ended before the signal"
    took = _stop(proc, signal.SIGINT)
    stderr = proc.stderr.read()
    assert proc.returncode == 130, stderr
    assert stderr == b""
    assert took < 2.0  # a hang guard, not a speed claim (before: ~4 s, the rest of the block)


@needs_script
@pytest.mark.skipif(not os.path.exists("/proc/self/maps"), reason="needs /proc/PID/maps")
def test_an_early_sigint_while_numpy_loads_gives_no_traceback(tmp_path):
    src = tmp_path / "text.txt"
    src.write_bytes(_text(1 << 20))
    proc = subprocess.Popen([SCRIPT, "compress", "--coder", "cm", "-c", str(src)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def numpy_loading():
        try:
            with open(f"/proc/{proc.pid}/maps") as f:
                return "numpy" in f.read()
        except OSError:
            return False

    _wait_until(numpy_loading, proc, "numpy loads")
    _stop(proc, signal.SIGINT)
    stderr = proc.stderr.read()
    assert proc.returncode == 130 and stderr == b"", stderr


def test_a_plain_import_installs_no_signal_handler():
    """Only the program installs them (the script, python -m, main()): a test or a library
    importing the CLI keeps Python's KeyboardInterrupt."""
    code = ("import signal, entropycodec.cli.main, entropycodec.cli.compress_cmd; "
            "print(signal.getsignal(signal.SIGINT) is signal.default_int_handler, "
            "signal.getsignal(signal.SIGTERM) is signal.SIG_DFL)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True"]


def test_signal_handler_removes_partial_outputs_and_exits_128_plus_n(tmp_path, monkeypatch):
    """The handler itself, without a process to kill: callbacks run newest first, then
    os._exit(128 + signum)."""
    calls = []

    def fake_exit(code):
        calls.append(("exit", code))
        raise SystemExit(code)

    monkeypatch.setattr(signals.os, "_exit", fake_exit)
    monkeypatch.setattr(signals._signal, "signal", lambda sig, handler: None)
    with files.on_signal(lambda: calls.append("outer")), files.on_signal(lambda: calls.append(
            "inner")):
        with pytest.raises(SystemExit):
            signals._exit_on_signal(signal.SIGTERM, None)
    assert calls == ["inner", "outer", ("exit", 143)]
    assert signals._on_signal == []


# -- trailing data ------------------------------------------------------------------------

def test_library_names_trailing_data_and_its_offset_when_strict():
    one = compress(b"hello world" * 10)
    for data, offset in ((one + b"junk", len(one)), (one + one + b"\0", 2 * len(one))):
        message = f"trailing data after the last stream at offset {offset}"
        assert decompress(data) == b"hello world" * 10 * (data.count(one))  # as lzma, bz2
        with pytest.raises(CorruptDataError, match=f"^{message}$"):
            decompress(data, strict=True)
        with pytest.raises(CorruptDataError, match=f"^{message}$"):
            read_header(data)
        with pytest.raises(CorruptDataError, match=f"^{message}$"):
            entropycodec.open(io.BytesIO(data), strict=True).read()
    with pytest.raises(CorruptDataError, match=r"not an \.ec stream \(bad magic bytes\)"):
        decompress(b"junk" + one)


def test_file_object_names_trailing_data_read_in_a_later_piece(monkeypatch):
    one = compress(b"hello world" * 10)
    monkeypatch.setattr(entropycodec.api, "_BUFFER_SIZE", 16)  # the junk comes in a later read
    with pytest.raises(CorruptDataError, match=f"at offset {len(one)}$"):
        entropycodec.open(io.BytesIO(one + b"junk"), strict=True).read()
    assert entropycodec.open(io.BytesIO(one + b"junk")).read() == b"hello world" * 10


@pytest.mark.parametrize("command", ["decompress", "test", "info"])
def test_cli_warns_of_trailing_data_and_exits_2_as_gzip(tmp_path, monkeypatch, command):
    """gzip: "decompression OK, trailing garbage ignored", exit status 2 (its warning);
    the output is written complete."""
    monkeypatch.setattr(pump, "CHUNK", 64)  # the junk arrives in a later chunk
    one = compress(TEXT)
    path = tmp_path / "x.ec"
    path.write_bytes(one + b"\0\0\0\0 padding")
    result = run(command, path)
    assert result.exit_code == 2
    said = "" if command == "info" else "decompression OK, "
    assert result.stderr == (f"entropycodec: {path}: {said}trailing garbage ignored (at offset "
                             f"{len(one)})\n")
    written = ["x", "x.ec"] if command == "decompress" else ["x.ec"]
    assert sorted(p.name for p in tmp_path.iterdir()) == written
    if command == "decompress":
        assert (tmp_path / "x").read_bytes() == TEXT
    if command == "info":
        assert result.stdout.splitlines()[1].split()[:2] == ["1", "1"]  # still listed
        assert result.stdout.splitlines()[1].endswith(str(path))


@pytest.mark.parametrize("command", ["decompress", "test", "info"])
def test_cli_strict_refuses_trailing_data_with_exit_1(tmp_path, monkeypatch, command):
    monkeypatch.setattr(pump, "CHUNK", 64)
    one = compress(TEXT)
    path = tmp_path / "x.ec"
    path.write_bytes(one + b"\0\0\0\0 padding")
    result = run(command, "--strict", path)
    assert result.exit_code == 1
    assert result.stderr == (f"entropycodec: {path}: trailing data after the last stream at "
                             f"offset {len(one)}\n")
    assert result.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.ec"]  # no output


@needs_script
def test_trailing_data_through_the_installed_script(tmp_path):
    one = compress(TEXT)
    path = tmp_path / "x.ec"
    path.write_bytes(one + one + b"PK\x03\x04")
    proc = script("-d", path, text=True)
    assert proc.returncode == 2
    assert proc.stderr == (f"entropycodec: {path}: decompression OK, trailing garbage ignored "
                           f"(at offset {2 * len(one)})\n")
    assert (tmp_path / "x").read_bytes() == TEXT + TEXT
    proc = script("-d", "--strict", "-f", path, text=True)
    assert proc.returncode == 1
    assert proc.stderr == (f"entropycodec: {path}: trailing data after the last stream at "
                           f"offset {2 * len(one)}\n")
    assert (tmp_path / "x").read_bytes() == TEXT + TEXT  # the earlier output is not replaced


# -- -v -------------------------------------------------------------------------------------

def _clock(monkeypatch, *times):
    ticks = iter(times)
    monkeypatch.setattr(compress_cmd, "_clock", lambda: next(ticks))


def test_verbose_compress_and_decompress_lines_exactly(tmp_path, monkeypatch):
    src = tmp_path / "a.txt"
    src.write_bytes(TEXT)
    _clock(monkeypatch, 10.0, 12.0)  # the file takes 2 s
    result = run("compress", "-v", src)
    assert result.exit_code == 0, result.stderr
    size = (tmp_path / "a.txt.ec").stat().st_size
    saved = f"{100 * (1 - size / len(TEXT)):5.1f}%"
    assert result.stderr == f"{src}: {saved} saved, {len(TEXT)} -> {size} bytes, 4.5 kB/s -> " \
                            f"{src}.ec\n"
    src.unlink()
    _clock(monkeypatch, 10.0, 10.001)  # 1 ms: too short to time, no speed
    result = run("decompress", "-v", f"{src}.ec")
    assert result.exit_code == 0, result.stderr
    # input -> output, as for compress (the sizes were swapped)
    assert result.stderr == f"{src}.ec: {saved} saved, {size} -> {len(TEXT)} bytes -> {src}\n"


@pytest.mark.parametrize("nbytes,seconds,text", [
    (9000, 0.5, "18.0 kB/s"), (500, 1.0, "500 B/s"), (3 << 20, 2.0, "1.6 MB/s"),
    (5 * 10**9, 2.0, "2.5 GB/s"), (10**9, 0.009, None), (0, 1.0, "0 B/s"),
])
def test_speed_has_a_unit_that_fits_and_none_for_instant_runs(nbytes, seconds, text):
    assert compress_cmd.format_speed(nbytes, seconds) == text


@needs_script
def test_verbose_through_the_installed_script(packed, tmp_path):
    size = packed.stat().st_size
    proc = script("decompress", "-v", packed, text=True)
    assert proc.returncode == 0, proc.stderr
    pattern = (rf"{re.escape(str(packed))}: +[\d.]+% saved, {size} -> {len(TEXT)} bytes"
               rf"(, [\d.]+ [kMG]?B/s)? -> {re.escape(str(tmp_path / 'x'))}\n")
    assert re.fullmatch(pattern, proc.stderr), proc.stderr
    assert "0.0 MB/s" not in proc.stderr


# -- write errors name the output ----------------------------------------------------------

needs_dev_full = pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")


@needs_script
@needs_dev_full
@pytest.mark.parametrize("command", ["compress -c", "decompress -c", "-dc", "compress -c -T 2"])
def test_a_full_stdout_is_blamed_on_stdout(tmp_path, command):
    src = tmp_path / ("f.ec" if "d" in command.split()[0] else "f")
    src.write_bytes(compress(TEXT * 50) if src.suffix == ".ec" else TEXT * 50)
    other = tmp_path / ("g" + src.suffix)
    other.write_bytes(src.read_bytes())
    proc = subprocess.run(f'exec "{SCRIPT}" {command} "{src}" "{other}" > /dev/full', shell=True,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    # one line, naming stdout; the run stops there (the next file is not read)
    assert proc.stderr == "entropycodec: stdout: No space left on device\n"


def test_named_output_relabels_write_errors():
    import errno

    class Full(io.RawIOBase):
        def writable(self):
            return True

        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")

    out = files.NamedOutput(Full(), "stdout")
    with pytest.raises(OSError) as caught:
        out.write(b"x")
    assert caught.value.filename == "stdout" and caught.value.errno == errno.ENOSPC
    assert out.failed


def test_a_full_disk_on_the_last_flush_names_the_target(tmp_path, monkeypatch):
    import errno

    src = tmp_path / "in.txt"
    src.write_bytes(TEXT)
    real_fdopen = os.fdopen

    class FullOnClose(io.BufferedWriter):
        def close(self):
            if not self.closed:
                super().close()
                raise OSError(errno.ENOSPC, "No space left on device")

    def fdopen(fd, mode="r", *args, **kwargs):
        if mode == "wb":
            return FullOnClose(io.FileIO(fd, "w"))
        return real_fdopen(fd, mode, *args, **kwargs)

    monkeypatch.setattr(files.os, "fdopen", fdopen)
    result = run("compress", src)
    assert result.exit_code == 1
    assert result.stderr == f"entropycodec: {src}.ec: No space left on device\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.txt"]


# -- help texts are self-contained ---------------------------------------------------------

@pytest.mark.parametrize("command", [[], ["compress"], ["decompress"], ["test"], ["info"]])
def test_help_does_not_point_to_files_the_wheel_does_not_install(command):
    result = run(*command, "--help")
    assert result.exit_code == 0
    assert "docs/" not in result.stdout and ".md" not in result.stdout

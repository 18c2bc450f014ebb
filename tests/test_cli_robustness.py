"""The command line against hostile or careless use: special files as inputs and outputs,
closed standard streams, absurd thread counts, options that would be silently ignored.

Each test states the rule it pins: exit 1 (bad data, I/O) or 2 (misuse) with one line on
stderr, no partial output, inputs untouched, and nothing outside the named output touched.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import threading
import time

import pytest
from click.testing import CliRunner

from entropycodec import compress, decompress
from entropycodec.cli import compress_cmd, files, info_cmd
from entropycodec.cli.main import cli

TEXT = b"It was the best of times, it was the worst of times.\n" * 100
SCRIPT = shutil.which("entropycodec", path=os.path.dirname(sys.executable)) or shutil.which(
    "entropycodec")
needs_script = pytest.mark.skipif(SCRIPT is None, reason="console script not installed")
needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")


def run(*args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input)


def _one_line_failure(result, code=1):
    assert result.exit_code == code, (result.exit_code, result.stderr)
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


class _FifoPeer:
    """The other end of a named pipe, in a thread: reads everything, or writes ``data``.
    ``release()`` waits for it, and unblocks it if the command under test never opened the
    pipe (its ``open()`` waits for a partner that would never come)."""

    def __init__(self, path, data=None):
        self.path, self.data, self.received = path, data, None
        self.opened = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        try:
            if self.data is None:
                with open(self.path, "rb") as f:
                    self.opened.set()
                    self.received = f.read()
            else:
                with open(self.path, "wb") as f:
                    self.opened.set()
                    f.write(self.data)
        except OSError:
            pass

    def _open_the_other_end(self):
        """Be the partner the peer's open() waits for, for an instant. Harmless if the
        command did open the pipe: it has finished writing (or reading) by now."""
        flags = os.O_WRONLY if self.data is None else os.O_RDONLY
        try:
            os.close(os.open(self.path, flags | os.O_NONBLOCK))
        except OSError:  # ENXIO: no reader has opened yet; try again on the next poll
            pass

    def release(self, timeout=10.0):
        """Return as soon as the peer has finished (polling every 10 ms), at most ``timeout``."""
        deadline = time.monotonic() + timeout
        while self.thread.is_alive() and time.monotonic() < deadline:
            if not self.opened.is_set():
                self._open_the_other_end()
            self.thread.join(timeout=0.01)
        assert not self.thread.is_alive(), f"the peer of {self.path} is still blocked"


# -- outputs that are not regular files ----------------------------------------------------

@needs_fifo
@pytest.mark.parametrize("force", [[], ["-f"]], ids=["plain", "force"])
def test_output_to_an_existing_fifo_writes_into_it(tmp_path, force):
    """``-o`` naming a pipe (or /dev/null) writes into it; it must never be replaced by a
    regular file (with -f that used to happen: as root, ``-f -o /dev/null`` replaced the
    device node)."""
    src = tmp_path / "in.txt"
    src.write_bytes(TEXT)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    peer = _FifoPeer(fifo)
    result = run("compress", *force, "-o", fifo, src)
    peer.release()
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode), "the named pipe was replaced"
    assert result.exit_code == 0, result.stderr
    assert decompress(peer.received) == TEXT
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.txt", "pipe"]


@pytest.mark.skipif(not os.path.exists(os.devnull) or os.name != "posix", reason="no /dev/null")
def test_decompress_to_dev_null(tmp_path):
    packed = tmp_path / "x.ec"
    packed.write_bytes(compress(TEXT))
    result = run("decompress", "-o", os.devnull, packed)
    assert result.exit_code == 0, result.stderr
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.ec"]
    bad = tmp_path / "bad.ec"
    bad.write_bytes(compress(TEXT)[:-3])
    _one_line_failure(run("decompress", "-o", os.devnull, bad))
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


@needs_fifo
def test_compressed_data_to_a_terminal_named_by_o_is_refused(tmp_path, monkeypatch):
    src = tmp_path / "in.txt"
    src.write_bytes(TEXT)
    fifo = tmp_path / "tty"  # stands for /dev/tty: a special file that is a terminal
    os.mkfifo(fifo)
    peer = _FifoPeer(fifo)
    monkeypatch.setattr(compress_cmd, "_isatty", lambda stream: True)
    result = run("compress", "-o", fifo, src)
    peer.release()
    _one_line_failure(result)
    assert "terminal" in result.stderr and not peer.received
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


# -- inputs that are not regular files -----------------------------------------------------

@needs_fifo
def test_special_file_input_needs_an_explicit_output(tmp_path):
    """Like gzip: ``compress /dev/zero`` must not create /dev/zero.ec."""
    fifo = tmp_path / "feed"
    os.mkfifo(fifo)
    peer = _FifoPeer(fifo, TEXT)
    result = run("compress", fifo)
    peer.release()
    _one_line_failure(result)
    assert "regular file" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["feed"]


@needs_fifo
def test_rm_never_removes_a_special_file(tmp_path):
    fifo = tmp_path / "feed"
    os.mkfifo(fifo)
    peer = _FifoPeer(fifo, TEXT)
    out = tmp_path / "out.ec"
    result = run("compress", "--rm", "-o", out, fifo)
    peer.release()
    assert result.exit_code == 0, result.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode), "--rm removed a named pipe"
    assert decompress(out.read_bytes()) == TEXT


@pytest.mark.skipif(os.name != "posix", reason="needs /dev/null")
def test_metadata_is_not_copied_from_a_device(tmp_path):
    out = tmp_path / "empty.ec"
    old = os.umask(0o022)
    try:
        result = run("compress", "-o", out, os.devnull)
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.stderr
    assert decompress(out.read_bytes()) == b""
    assert not stat.S_IMODE(out.stat().st_mode) & 0o022, "device permissions copied"


# -- closed standard streams ---------------------------------------------------------------

@needs_script
def test_closed_stdout_is_a_clean_error(tmp_path):
    src = tmp_path / "in.txt"
    src.write_bytes(TEXT)
    proc = subprocess.run(f'exec "{SCRIPT}" compress -c "{src}" >&-', shell=True,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "stdout" in proc.stderr


@needs_script
def test_closed_stdin_is_a_clean_error_and_never_reads_a_file_named_dash(tmp_path):
    (tmp_path / "-").write_bytes(TEXT)  # must not be taken for stdin
    proc = subprocess.run(f'exec "{SCRIPT}" compress <&-', shell=True, cwd=tmp_path,
                          capture_output=True, timeout=60)
    assert proc.returncode == 1 and not proc.stdout, proc.stderr
    assert b"Traceback" not in proc.stderr and b"stdin" in proc.stderr


# -- options ----------------------------------------------------------------------------------

def test_level_of_a_coder_without_levels_is_misuse(tmp_path):
    src = tmp_path / "in.txt"
    src.write_bytes(TEXT)
    for args in (["--coder", "huffman", "--level", "3"], ["--coder", "auto", "--level", "3"],
                 ["--level", "10"], ["--level", "0"], ["-1", "--level", "3"],
                 ["-3", "--coder", "cm"]):
        result = run("compress", *args, "-c", src)
        assert result.exit_code == 2 and "--level" in result.stderr, result.stderr
        assert not result.stdout_bytes


def test_huge_thread_count_does_not_allocate_by_it(tmp_path):
    """-T N used to read 8*N MiB at once: ``-T 100000`` on a tiny file ran out of memory."""
    packed = tmp_path / "x.ec"
    packed.write_bytes(compress(TEXT))
    result = run("decompress", "-T", "100000", "-c", packed)
    assert result.exit_code == 0, result.stderr
    assert result.stdout_bytes == TEXT
    result = run("decompress", "-T", "100000", input=packed.read_bytes())
    assert result.exit_code == 0 and result.stdout_bytes == TEXT


# -- messages ------------------------------------------------------------------------------

def test_errors_name_the_output_not_a_temporary_file(tmp_path):
    src = tmp_path / "in.txt"
    src.write_bytes(TEXT)
    target = tmp_path / "missing-dir" / "out.ec"
    result = run("compress", "-o", target, src)
    _one_line_failure(result)
    assert str(target) in result.stderr and ".tmp" not in result.stderr


@pytest.mark.parametrize("content", [b"", b"x", b"garbage\n", b"PK\x03\x04" + b"\0" * 40])
def test_info_and_test_on_garbage_say_not_an_ec_file(tmp_path, content):
    bad = tmp_path / "bad.ec"
    bad.write_bytes(content)
    for command in ("info", "test"):
        result = run(command, bad)
        _one_line_failure(result)
        assert "not an .ec" in result.stderr, (command, result.stderr)


def test_empty_output_name_is_misuse(tmp_path):
    """``-o ''`` used to report the *input* as missing, after a temporary file was made in
    the parent of the current directory."""
    src = tmp_path / "in.txt"
    src.write_bytes(TEXT)
    result = run("compress", "-o", "", src)
    assert result.exit_code == 2 and "in.txt" not in result.stderr, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.txt"]


@needs_script
def test_info_with_closed_stdin_is_a_clean_error():
    proc = subprocess.run(f'exec "{SCRIPT}" info - <&-', shell=True, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert "stdin" in proc.stderr


def test_info_refuses_to_read_a_terminal(monkeypatch):
    monkeypatch.setattr(info_cmd, "_isatty", lambda stream: True)
    result = run("info", "-", input=b"")
    _one_line_failure(result)
    assert "terminal" in result.stderr


@needs_script
@pytest.mark.parametrize("command", ["compress -c", "decompress -c", "compress <"])
def test_stdout_appending_to_the_input_is_refused(tmp_path, command):
    """``compress -c f >> f`` read its own output forever (as cat would, had cat not
    checked): gigabytes in seconds."""
    path = tmp_path / "f"
    path.write_bytes(compress(TEXT) if command.startswith("decompress") else os.urandom(3 << 20))
    before = path.read_bytes()
    try:
        proc = subprocess.run(f'exec "{SCRIPT}" {command} "{path}" >> "{path}"', shell=True,
                              capture_output=True, text=True, timeout=20)
    except subprocess.TimeoutExpired:
        path.unlink()
        pytest.fail("the command kept reading its own output")
    assert proc.returncode == 1 and "input file is output file" in proc.stderr, proc.stderr
    assert path.read_bytes() == before


@pytest.mark.parametrize("command", ["compress", "decompress", "test", "info"])
def test_unreadable_input_is_an_io_error_and_the_others_go_on(tmp_path, monkeypatch, command):
    """An unreadable file is exit 1 with the OS's message, and the next files are still
    processed (click's readability check made it a usage error that stopped everything)."""
    good, bad = tmp_path / "good", tmp_path / "bad"
    suffix = "" if command == "compress" else ".ec"
    good, bad = good.with_name("good" + suffix), bad.with_name("bad" + suffix)
    for path in (good, bad):
        path.write_bytes(TEXT if command == "compress" else compress(TEXT))
    real_access, real_open = os.access, open

    def access(path, mode, *args, **kwargs):  # root reads anything: simulate chmod 000
        return False if os.fspath(path) == str(bad) else real_access(path, mode, *args, **kwargs)

    def opener(path, *args, **kwargs):
        if os.fspath(path) == str(bad):
            raise PermissionError(13, "Permission denied", str(bad))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "access", access)
    monkeypatch.setattr(compress_cmd, "open", opener, raising=False)
    monkeypatch.setattr(files, "open", opener, raising=False)  # inputs are opened there
    monkeypatch.setattr("entropycodec.container.inspect.open", opener, raising=False)
    result = run(command, bad, good)
    assert result.exit_code == 1, result.stderr
    assert "bad" in result.stderr and "Permission denied" in result.stderr
    if command in ("compress", "decompress"):
        assert (tmp_path / (good.name + ".ec" if command == "compress" else "good")).exists()


@needs_fifo
@pytest.mark.parametrize("force", [[], ["-f"]], ids=["plain", "force"])
def test_a_special_file_under_the_derived_name_is_never_replaced(tmp_path, force):
    packed = tmp_path / "x.ec"
    packed.write_bytes(compress(TEXT))
    os.mkfifo(tmp_path / "x")
    result = run("decompress", *force, packed)
    _one_line_failure(result)
    assert "not a regular file" in result.stderr
    assert stat.S_ISFIFO(os.lstat(tmp_path / "x").st_mode)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_output_from_stdin_gets_the_usual_permissions(tmp_path):
    """Without an input file to copy the mode from, an output is created 0666 & ~umask as
    by any program (it was left 0600, the temporary file's mode)."""
    out = tmp_path / "out.ec"
    old = os.umask(0o022)
    try:
        result = run("compress", "-o", out, input=TEXT)
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o644

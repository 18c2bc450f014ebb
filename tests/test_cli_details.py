"""CLI details of the reliability campaign (issue 15, section 5) and trailing data as gzip
treats it (issue 16, section 2).

- An early Ctrl-C: the signal handlers are in before anything slow of the command line
  loads; after that, a SIGINT at any moment is exit 130 and an empty stderr.
- Symbolic links named as FILE are refused without -f when the output would go beside
  them (gzip's rule); testing, -c and -o read through them.
- ``info`` of files that cannot be read prints only the errors.
- Data after the last stream: decompressed, then gzip's warning and its exit status 2
  (the output is complete and kept); ``--strict`` makes it an error (exit 1, no output).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from entropycodec import compress
from entropycodec.cli import compress_cmd, files
from entropycodec.cli.main import cli

TEXT = b"Call me Ishmael. Some years ago, never mind how long precisely.\n" * 150
SCRIPT = shutil.which("entropycodec", path=os.path.dirname(sys.executable)) or shutil.which(
    "entropycodec")
needs_script = pytest.mark.skipif(SCRIPT is None, reason="console script not installed")
needs_symlinks = pytest.mark.skipif(not hasattr(os, "symlink") or os.name != "posix",
                                    reason="POSIX symbolic links")


def run(*args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input)


def _names(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# -- an early Ctrl-C ------------------------------------------------------------------------

# Run the installed script (or ``-m entropycodec``) in this interpreter, recording every
# module imported from the moment the package starts loading, and whether the handlers
# were in by then. The script's own code is what the console script runs.
_RECORDER = """
import _signal, json, pkgutil, runpy, sys
for sig in (_signal.SIGINT, _signal.SIGTERM):  # whatever the parent had
    _signal.signal(sig, _signal.SIG_DFL)
started, before, after = False, [], []

def hook(event, args):
    global started
    if event != "import":
        return
    name = args[0]
    started = started or name.partition(".")[0] == "entropycodec"
    if started:  # Python itself never catches SIGTERM: a handler there is ours
        (after if callable(_signal.getsignal(_signal.SIGTERM)) else before).append(name)

sys.addaudithook(hook)
sys.argv = [{argv0!r}, "--version"]
try:
    {run}
except SystemExit:
    pass
sys.stderr.write("RECORD " + json.dumps({{"before": before, "after": after}}) + "\\n")
"""


def _imports_around_the_handler(how: str) -> dict:
    if how == "script":
        code = _RECORDER.format(argv0=SCRIPT, run=f"runpy.run_path({SCRIPT!r}, run_name='__main__')")
    else:
        code = _RECORDER.format(argv0="entropycodec",
                                run="runpy.run_module('entropycodec', run_name='__main__', "
                                    "alter_sys=True)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "entropycodec, version 0.1.0\n"
    record = [line for line in proc.stderr.splitlines() if line.startswith("RECORD ")]
    return json.loads(record[0][len("RECORD "):])


@needs_script
@pytest.mark.parametrize("how", ["script", "python -m"])
def test_the_handlers_are_in_before_anything_slow_loads(how):
    """Between the package's first line and the handlers, only the package's own small
    modules load (and importlib, for the lazy names, and ``__future__``, which an editable
    install's finder has loaded already and a wheel's import loads here): not threading (~3 ms), nor signal and
    its enum (~4 ms), nor contextlib, nor click (~25 ms), numpy or numba. Before, threading
    loaded first, and the handlers came after signal and contextlib."""
    record = _imports_around_the_handler(how)
    ours = {"entropycodec", "entropycodec.lazy", "entropycodec.cli", "entropycodec.cli.main",
            "entropycodec.cli.signals", "entropycodec.__main__"}
    others = {name for name in record["before"] if name not in ours}
    tiny = {"warnings", "__future__"}  # stdlib modules of a few hundred lines, no imports
    assert {name for name in others if name not in tiny and not name.startswith(
        "importlib")} == set(), record["before"]
    assert "click" in record["after"]
    assert {"threading", "signal", "contextlib"} & set(record["before"]) == set()


def _handlers_in(pid: int) -> bool:
    """Whether process ``pid`` catches SIGTERM, that is, has our handlers: Python alone
    catches only SIGINT (its KeyboardInterrupt)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            caught = next(line for line in f if line.startswith("SigCgt:"))
    except (OSError, StopIteration):
        return False
    return bool(int(caught.split()[1], 16) >> (signal.SIGTERM - 1) & 1)


@needs_script
@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs /proc/PID/status")
@pytest.mark.skipif(signal.getsignal(signal.SIGTERM) == signal.SIG_IGN
                    or signal.getsignal(signal.SIGINT) == signal.SIG_IGN,
                    reason="signals ignored here: the command would keep them ignored")
def test_an_early_sigint_after_the_handlers_are_in_is_exit_130_without_a_traceback(tmp_path):
    """SIGINT 0, 10, 20, 40 and 80 ms after the start, and at the first moment the handlers
    show in /proc/PID/status (while threading and click load). Only the runs whose handlers
    were in when the signal left can be asserted: before them, Python's own start-up runs
    (the interpreter and site; docs/cli.md measures it), where no code of this package can
    help. The last case is always asserted."""
    src = tmp_path / "text.txt"
    src.write_bytes(os.urandom(1 << 20))
    asserted = []
    for delay in (0.0, 0.010, 0.020, 0.040, 0.080, "handlers in"):
        proc = subprocess.Popen([SCRIPT, "compress", "--coder", "cm", "-c", str(src)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            if delay == "handlers in":
                deadline = time.monotonic() + 60
                while not _handlers_in(proc.pid):
                    assert proc.poll() is None, proc.stderr.read()
                    assert time.monotonic() < deadline, "the handlers never showed"
                    time.sleep(0.0005)
            else:
                time.sleep(delay)
            handlers_in = _handlers_in(proc.pid)
            proc.send_signal(signal.SIGINT)
            stderr = proc.communicate(timeout=60)[1]  # a hang guard
        finally:
            proc.kill()
        if handlers_in:
            assert proc.returncode == 130 and stderr == b"", (delay, proc.returncode, stderr)
            asserted.append(delay)
    assert "handlers in" in asserted


# -- symbolic links -------------------------------------------------------------------------

@pytest.fixture
def linked(tmp_path):
    """tmp_path/data/{f, f.ec} and, in tmp_path/work, symbolic links to them."""
    data, work = tmp_path / "data", tmp_path / "work"
    data.mkdir()
    work.mkdir()
    (data / "f").write_bytes(TEXT)
    (data / "f.ec").write_bytes(compress(TEXT))
    os.symlink(data / "f", work / "link")
    os.symlink(data / "f.ec", work / "packed.ec")
    (work / "plain.txt").write_bytes(TEXT)
    return data, work


@needs_symlinks
@pytest.mark.parametrize("command,link,other", [
    ("compress", "link", "plain.txt"),
    ("decompress", "packed.ec", None),
])
def test_a_symbolic_link_is_refused_without_f_and_the_others_go_on(linked, command, link,
                                                                   other):
    """As gzip and zstd (exit 1, one line naming the file, the next files processed)."""
    data, work = linked
    args = [work / link] + ([work / other] if other else [])
    result = run(command, *args)
    assert result.exit_code == 1
    assert result.stderr == (f"entropycodec: {work / link}: is a symbolic link -- ignored "
                             "(use -f to follow it, or -c/-o)\n")
    expected = ["link", "packed.ec", "plain.txt"] + (["plain.txt.ec"] if other else [])
    assert _names(work) == sorted(expected)
    assert _names(data) == ["f", "f.ec"] and (data / "f").read_bytes() == TEXT


@needs_symlinks
@pytest.mark.parametrize("command,link,output,content", [
    ("compress", "link", "link.ec", None),
    ("decompress", "packed.ec", "packed", TEXT),
])
def test_f_follows_a_symbolic_link_and_writes_a_regular_file_beside_it(linked, command, link,
                                                                       output, content):
    """gzip -f: the output is named after the link, in the link's folder, a regular file;
    the link (inputs are kept) and its target are untouched."""
    data, work = linked
    result = run(command, "-f", work / link)
    assert result.exit_code == 0, result.stderr
    out = work / output
    assert out.is_file() and not out.is_symlink()
    if content is None:
        assert run("decompress", "-c", out).stdout_bytes == TEXT
    else:
        assert out.read_bytes() == content
    assert (work / link).is_symlink() and _names(data) == ["f", "f.ec"]


@needs_symlinks
def test_rm_with_f_removes_the_link_not_its_target(linked):
    data, work = linked
    result = run("compress", "-f", "--rm", work / "link")
    assert result.exit_code == 0, result.stderr
    assert _names(work) == ["link.ec", "packed.ec", "plain.txt"]
    assert (data / "f").read_bytes() == TEXT


@needs_symlinks
def test_test_c_and_o_read_through_a_symbolic_link(linked, tmp_path):
    """gzip -t and gzip -c follow links (their output is not beside the input)."""
    data, work = linked
    assert run("test", work / "packed.ec").exit_code == 0
    shown = run("decompress", "-c", work / "packed.ec")
    assert shown.exit_code == 0 and shown.stdout_bytes == TEXT
    result = run("compress", "-o", tmp_path / "out.ec", work / "link")
    assert result.exit_code == 0, result.stderr
    assert run("decompress", "-c", tmp_path / "out.ec").stdout_bytes == TEXT
    assert run("info", work / "packed.ec").exit_code == 0


@needs_symlinks
def test_a_dangling_link_without_f_is_refused_as_a_link(tmp_path):
    os.symlink(tmp_path / "nowhere", tmp_path / "dangling")
    result = run("compress", tmp_path / "dangling")
    assert result.exit_code == 1 and "is a symbolic link -- ignored" in result.stderr
    result = run("compress", "-f", tmp_path / "dangling")
    assert result.exit_code == 1
    assert result.stderr == f"entropycodec: {tmp_path / 'dangling'}: No such file or directory\n"


@needs_symlinks
def test_a_link_that_appears_after_the_check_is_still_refused(linked, monkeypatch):
    """The input is opened with O_NOFOLLOW, as gzip opens it: a regular file swapped for a
    link between the check and the open is not followed."""
    data, work = linked
    monkeypatch.setattr(compress_cmd.os.path, "islink", lambda path: False)  # the check missed it
    result = run("compress", work / "link")
    assert result.exit_code == 1
    assert result.stderr == (f"entropycodec: {work / 'link'}: is a symbolic link -- ignored "
                             "(use -f to follow it, or -c/-o)\n")
    assert _names(work) == ["link", "packed.ec", "plain.txt"]
    with files.open_input(str(work / "link"), None, follow=True) as f:
        assert f.read() == TEXT


@needs_script
@needs_symlinks
def test_symbolic_links_through_the_installed_script(linked):
    data, work = linked
    proc = subprocess.run([SCRIPT, "-d", str(work / "packed.ec")], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 1
    assert proc.stderr == (f"entropycodec: {work / 'packed.ec'}: is a symbolic link -- ignored "
                           "(use -f to follow it, or -c/-o)\n")
    proc = subprocess.run([SCRIPT, "-df", str(work / "packed.ec")], capture_output=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert (work / "packed").read_bytes() == TEXT


# -- info of files that cannot be read --------------------------------------------------------

def test_info_of_a_directory_prints_only_the_error(tmp_path):
    result = run("info", tmp_path)
    assert result.exit_code == 1
    assert result.stdout == ""  # it printed the table's header
    assert result.stderr == f"entropycodec: {tmp_path}: Is a directory\n"
    result = run("info", "--json", tmp_path)
    assert result.exit_code == 1 and result.stdout == ""


def test_info_of_several_files_lists_the_ones_read_only_if_there_are_any(tmp_path):
    good = tmp_path / "good.ec"
    good.write_bytes(compress(TEXT))
    result = run("info", tmp_path / "missing.ec", tmp_path)
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.count("\n") == 2
    out = tmp_path / "info.json"
    assert run("info", "--out", out, tmp_path / "missing.ec").exit_code == 1
    assert not out.exists()
    result = run("info", tmp_path / "missing.ec", good)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Strms") and len(lines) == 2 and lines[1].endswith(str(good))


# -- trailing data, as gzip ------------------------------------------------------------------

@pytest.fixture
def trailing(tmp_path):
    one = compress(TEXT)
    path = tmp_path / "x.ec"
    path.write_bytes(one + one + b"junk\n")
    return path, 2 * len(one)


def _warning(name, offset) -> str:
    return (f"entropycodec: {name}: decompression OK, trailing garbage ignored "
            f"(at offset {offset})\n")


def test_decompress_c_writes_everything_then_warns(trailing):
    path, offset = trailing
    result = run("decompress", "-c", path)
    assert result.exit_code == 2
    assert result.stdout_bytes == TEXT + TEXT and result.stderr == _warning(path, offset)


def test_q_silences_the_warning_not_the_exit_status(trailing):
    path, _ = trailing
    for args in (["decompress", "-q"], ["test", "-q"]):
        result = run(*args, path)
        assert (result.exit_code, result.stderr) == (2, ""), args
    assert (path.parent / "x").read_bytes() == TEXT + TEXT


def test_an_error_outranks_a_warning_and_every_file_is_processed(trailing, tmp_path):
    path, offset = trailing
    good = tmp_path / "good.ec"
    good.write_bytes(compress(b"fine"))
    result = run("test", path, tmp_path / "missing.ec", good)
    assert result.exit_code == 1  # gzip: an error (1) beats a warning (2)
    assert result.stderr == (_warning(path, offset)
                             + f"entropycodec: {tmp_path / 'missing.ec'}: No such file or "
                               "directory\n")
    result = run("test", "-v", good, path)
    assert result.exit_code == 2
    assert result.stderr == f"{good}: OK\n" + _warning(path, offset) + f"{path}: OK\n"


def test_from_stdin_the_warning_names_stdin(trailing):
    path, offset = trailing
    result = run("decompress", input=path.read_bytes())
    assert result.exit_code == 2 and result.stdout_bytes == TEXT + TEXT
    assert result.stderr == _warning("stdin", offset)
    result = run("-d", "--strict", input=path.read_bytes())  # gzip's mode flag, then --strict
    assert result.exit_code == 1
    assert result.stderr == (f"entropycodec: -: trailing data after the last stream at offset "
                             f"{offset}\n")


def test_rm_keeps_an_input_whose_trailing_data_no_output_holds(trailing):
    """Not gzip's choice (it removes the input): the ignored bytes exist nowhere else."""
    path, offset = trailing
    result = run("decompress", "--rm", path)
    assert result.exit_code == 2
    assert result.stderr == (_warning(path, offset)
                             + f"entropycodec: {path}: holds trailing data -- not removed\n")
    assert _names(path.parent) == ["x", "x.ec"]


def test_verbose_reports_the_file_after_the_warning(trailing):
    path, offset = trailing
    result = run("decompress", "-v", path)
    assert result.exit_code == 2
    warning, report = result.stderr.splitlines()
    assert warning + "\n" == _warning(path, offset)
    assert report.startswith(f"{path}: ") and report.endswith(f"-> {path.parent / 'x'}")


def test_junk_that_begins_like_a_stream_is_an_error_not_garbage(tmp_path):
    """Bytes that start with the magic bytes and a valid header, then end, are a truncated
    stream, as gzip's "unexpected end of file": exit 1, no output."""
    one = compress(TEXT)
    path = tmp_path / "x.ec"
    path.write_bytes(one + one[:40])
    result = run("decompress", path)
    assert result.exit_code == 1
    assert "Traceback" not in result.stderr and "trailing garbage" not in result.stderr
    assert _names(tmp_path) == ["x.ec"]


def test_info_json_gives_the_offset_of_the_ignored_data(trailing):
    path, offset = trailing
    result = run("info", "--json", path)
    assert result.exit_code == 2
    assert json.loads(result.stdout)[0]["ignored_trailing_offset"] == offset
    assert result.stderr == f"entropycodec: {path}: trailing garbage ignored (at offset {offset})\n"
    clean = path.with_name("clean.ec")
    clean.write_bytes(compress(TEXT))
    assert json.loads(run("info", "--json", clean).stdout)[0]["ignored_trailing_offset"] is None


@needs_script
def test_test_through_the_installed_script_exits_2_as_gzip_t(trailing):
    path, offset = trailing
    proc = subprocess.run([SCRIPT, "-t", str(path)], capture_output=True, text=True,
                          timeout=120)
    assert (proc.returncode, proc.stderr) == (2, _warning(path, offset))

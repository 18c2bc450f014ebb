"""Exit codes and error lines of every command, through the installed entry point.

The rule (docs/cli.md): misuse -- an unknown option, a missing argument, a bad
option value (not a number, an empty field, an unknown coder, probabilities that
do not sum to 1) -- exits with 2 and click's usage message; a file that does not
exist or cannot be read or written, and data that cannot be coded, exit with 1
and one line ``entropycodec: ...`` on stderr. Never a traceback.
"""

import json
import os
import shutil
import subprocess
import sys

import pytest

SCRIPT = shutil.which("entropycodec", path=os.path.dirname(sys.executable)) or shutil.which(
    "entropycodec")

pytestmark = pytest.mark.skipif(SCRIPT is None, reason="console script not installed")


def ec(*args, cwd=None):
    return subprocess.run([SCRIPT, *map(str, args)], capture_output=True, text=True, cwd=cwd,
                          timeout=120)


def assert_misuse(r, message: str):
    """Exit 2, click's usage error, the message on its last line, no traceback."""
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert "Traceback" not in r.stderr
    assert r.stderr.strip().splitlines()[-1].startswith("Error: "), r.stderr
    assert message in r.stderr.strip().splitlines()[-1], r.stderr


def assert_failure(r, message: str):
    """Exit 1 and exactly one line on stderr, ``entropycodec: ...MESSAGE...``."""
    assert r.returncode == 1, (r.returncode, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("entropycodec: "), r.stderr
    assert message in lines[0], r.stderr


@pytest.fixture
def files(tmp_path):
    (tmp_path / "empty").write_bytes(b"")
    (tmp_path / "h.txt").write_bytes(b"hello, hello\n")
    (tmp_path / "bad.ec").write_bytes(b"garbage, not an .ec stream")
    return tmp_path


# -- the file commands --------------------------------------------------------------------

def test_compress(files):
    assert_misuse(ec("compress", "--coder", "huffman", "--level", "3", "-c", files / "h.txt"), "--level")
    assert_failure(ec("compress", files / "nonexist"), "No such file or directory")


def test_decompress(files):
    assert_misuse(ec("decompress", "-T", "abc", files / "bad.ec"), "'abc'")
    assert_failure(ec("decompress", "-c", files / "bad.ec"), "bad.ec")


def test_test(files):
    assert_misuse(ec("test", "-T", "-1", files / "bad.ec"), "-1")
    assert_failure(ec("test", files / "bad.ec"), "bad.ec")


def test_info(files):
    assert_misuse(ec("info"), "Missing argument")
    assert_failure(ec("info", files / "bad.ec"), "bad.ec")
    assert_failure(ec("info", files / "nonexist.ec"), "No such file or directory")


def test_analyze(files):
    assert_misuse(ec("analyze", "--coders", "foo", files / "h.txt"), "unknown coder(s) ['foo']")
    assert_failure(ec("analyze", files / "nonexist"), "No such file or directory")
    # an input file named by an option is I/O too, not misuse
    assert_failure(ec("analyze", "--model", files / "nonexist", files / "h.txt"),
                   "No such file or directory")
    assert_failure(ec("analyze", "--model-from", files / "nonexist", files / "h.txt"),
                   "No such file or directory")


# -- code and measure ---------------------------------------------------------------------

def test_code(files):
    assert_misuse(ec("code", "A=0.5", "B=0.6"), "the probabilities sum to 1.1, not 1")
    assert_misuse(ec("code", "A=1", "B=1", "C=1", "D=1", "E=1", "--max-length", "2"),
                  "5 symbols need code words longer than 2 bits")
    # an empty file is bad data (1), as a missing one is an I/O error (1)
    assert_failure(ec("code", "--from", files / "empty"), "is empty: nothing to build a code from")
    assert_failure(ec("code", "--from", files / "nonexist"), "No such file or directory")


def test_measure(files):
    for value in ("", "abc"):
        assert_misuse(ec("measure", "--p", value), f"expected comma-separated numbers, got '{value}'")
    assert_misuse(ec("measure", "--p", "0.5,,0.5"), "empty field (number 2) in '0.5,,0.5'")
    assert_misuse(ec("measure", "--p", "0.5,0.6"),
                  "the probabilities sum to 1.1, not 1 (within 1e-6)")
    assert_misuse(ec("measure", "--p", "-0.5,1.5"), "negative value -0.5")  # not np.float64(-0.5)
    out = files / "no" / "dir" / "m.json"
    assert_failure(ec("measure", "--p", "1,1", "--out", out),
                   f"entropycodec: error: no such directory: {out.parent}")
    assert not (files / "no").exists()


# -- the experiments ----------------------------------------------------------------------

def test_experiment_mismatch(files):
    assert_misuse(ec("experiment", "mismatch", "--coders", "foo"), "unknown coder(s) ['foo']")
    assert_misuse(ec("experiment", "mismatch", "--p", "0.5,0.6"), "the probabilities sum to 1.1")
    assert_failure(ec("experiment", "mismatch", "--data", files / "nonexist"),
                   "No such file or directory")
    assert_failure(ec("experiment", "mismatch", "--data", files / "empty"), "is empty")


def test_experiment_skew(files):
    assert_misuse(ec("experiment", "skew", "--binary-p", "0.4"), "0.4 is not in [0.5, 1)")
    assert_misuse(ec("experiment", "skew", "--sizes", "3,,4"), "empty field")
    out = files / "no" / "dir" / "s.json"
    assert_failure(ec("experiment", "skew", "--n", "10", "--out", out),
                   f"entropycodec: error: no such directory: {out.parent}")
    assert not (files / "no").exists()


def test_experiment_length(files):
    assert_misuse(ec("experiment", "length", "--coders", "foo"), "unknown coder(s) ['foo']")
    plot = files / "no" / "dir" / "l.png"
    assert_failure(ec("experiment", "length", "--max-n", "10", "--plot", plot),
                   f"entropycodec: error: no such directory: {plot.parent}")
    assert not (files / "no").exists()


def test_experiment_corpus(files):
    assert_misuse(ec("experiment", "corpus", "--methods", "foo", files / "h.txt"),
                  "unknown method(s) ['foo']")
    assert_failure(ec("experiment", "corpus", files / "nonexist"), "no such file or directory")


def test_experiment_seed_examples(files):
    assert_misuse(ec("experiment", "seed-examples", "--seed", "abc"), "'abc'")
    for name in ("mismatch", "skew", "length", "seed-examples"):
        assert_misuse(ec("experiment", name, "--seed", "-1"), "-1 is not in the range x>=0")
    md = files / "no" / "dir" / "x.md"
    assert_failure(ec("experiment", "seed-examples", "--markdown", md),
                   f"entropycodec: error: no such directory: {md.parent}")
    assert not (files / "no").exists()


def test_an_output_that_is_a_directory_or_under_a_file_is_refused(files):
    assert_failure(ec("experiment", "skew", "--n", "10", "--out", files),
                   f"entropycodec: error: is a directory: {files}")
    assert_failure(ec("measure", "--p", "1,1", "--out", files / "h.txt" / "m.json"),
                   f"entropycodec: error: not a directory: {files / 'h.txt'}")


# -- one JSON convention: --json on stdout, --out FILE -------------------------------------

@pytest.mark.parametrize("args", [
    ("measure", "--p", "0.5,0.5"),
    ("code", "A=0.5", "B=0.5"),
    ("code", "--check", "A=0", "B=1"),
    ("experiment", "skew", "--n", "100", "--binary-p", "0.9", "--sizes", ""),
    ("experiment", "seed-examples"),
])
def test_json_and_out_mean_the_same_everywhere(files, args):
    shown = ec(*args, "--json")
    assert shown.returncode == 0, shown.stderr
    doc = json.loads(shown.stdout)
    out = files / "o.json"
    written = ec(*args, "--out", out)
    assert written.returncode == 0, written.stderr
    assert json.loads(out.read_text()) == doc
    assert f"JSON written to {out}" in written.stderr
    assert not written.stdout.lstrip().startswith("{")  # the text report, not the JSON
    assert json.loads(ec(*args, "--out", "-").stdout) == doc  # the old spelling of --json


# -- the installed --help texts are self-contained -----------------------------------------

def test_no_help_text_points_to_files_the_wheel_does_not_install():
    commands = ["compress", "decompress", "test", "info", "analyze", "code", "measure",
                "experiment"]
    experiments = ["mismatch", "skew", "length", "corpus", "seed-examples"]
    for args in [[c] for c in commands] + [["experiment", e] for e in experiments] + [[]]:
        r = ec(*args, "--help")
        assert r.returncode == 0, (args, r.stderr)
        assert "docs/" not in r.stdout and ".md" not in r.stdout, (args, r.stdout)
    r = ec("experiment", "--help")
    for e in experiments:
        assert e in r.stdout

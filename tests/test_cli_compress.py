"""``entropycodec compress | decompress | test | info`` driven by CliRunner and, for tar,
through the installed console script."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import CANTERBURY_FILES, LARGE_FILES, corpus_params

from entropycodec import compress, decompress, read_header
from entropycodec.cli import compress_cmd, pump
from entropycodec.cli.main import cli
from entropycodec.coders import CODERS

TEXT = b"The quick brown fox jumps over the lazy dog.\n" * 200
SCRIPT = shutil.which("entropycodec", path=os.path.dirname(sys.executable)) or shutil.which(
    "entropycodec")


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def sample(tmp_path):
    path = tmp_path / "sample.txt"
    path.write_bytes(TEXT)
    return path


def run(runner, *args, input=None):
    return runner.invoke(cli, [str(a) for a in args], input=input)


def test_compress_then_decompress_keeps_inputs(runner, sample, tmp_path):
    result = run(runner, "compress", sample)
    assert result.exit_code == 0, result.stderr
    packed = tmp_path / "sample.txt.ec"
    assert sample.read_bytes() == TEXT and decompress(packed.read_bytes()) == TEXT
    sample.unlink()
    result = run(runner, "decompress", packed)
    assert result.exit_code == 0, result.stderr
    assert sample.read_bytes() == TEXT and packed.exists()


def test_rm_removes_input_after_success(runner, sample, tmp_path):
    assert run(runner, "compress", "--rm", sample).exit_code == 0
    assert not sample.exists()
    assert run(runner, "decompress", "--rm", tmp_path / "sample.txt.ec").exit_code == 0
    assert sample.read_bytes() == TEXT and not (tmp_path / "sample.txt.ec").exists()


def test_keep_and_rm_contradict(runner, sample):
    assert run(runner, "compress", "-k", "--rm", sample).exit_code == 2


def test_output_metadata_is_copied(runner, sample, tmp_path):
    os.chmod(sample, 0o640)
    os.utime(sample, (1_000_000_000, 1_000_000_000))
    assert run(runner, "compress", sample).exit_code == 0
    out = tmp_path / "sample.txt.ec"
    assert out.stat().st_mtime == 1_000_000_000 and (out.stat().st_mode & 0o777) == 0o640


def test_stdout_option(runner, sample, tmp_path):
    result = run(runner, "compress", "-c", sample)
    assert result.exit_code == 0 and decompress(result.stdout_bytes) == TEXT
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sample.txt"]


def test_stdin_to_stdout_both_ways(runner):
    packed = run(runner, "compress", input=TEXT)
    assert packed.exit_code == 0 and decompress(packed.stdout_bytes) == TEXT
    dash = run(runner, "compress", "-", input=TEXT)
    assert dash.stdout_bytes == packed.stdout_bytes
    back = run(runner, "decompress", input=packed.stdout_bytes)
    assert back.exit_code == 0 and back.stdout_bytes == TEXT
    back = run(runner, "compress", "-d", input=packed.stdout_bytes)
    assert back.exit_code == 0 and back.stdout_bytes == TEXT


def test_output_option(runner, sample, tmp_path):
    target = tmp_path / "other.bin"
    assert run(runner, "compress", "-o", target, sample).exit_code == 0
    assert run(runner, "decompress", "-o", tmp_path / "plain", target).exit_code == 0
    assert (tmp_path / "plain").read_bytes() == TEXT
    assert run(runner, "compress", "-o", "-", sample).stdout_bytes == compress(TEXT)


def test_output_with_several_inputs_is_misuse(runner, sample, tmp_path):
    other = tmp_path / "b.txt"
    other.write_bytes(b"b")
    assert run(runner, "compress", "-o", tmp_path / "x.ec", sample, other).exit_code == 2
    assert run(runner, "compress", "-o", tmp_path / "x.ec", "-c", sample).exit_code == 2


def test_refuses_to_overwrite_without_force(runner, sample, tmp_path):
    existing = tmp_path / "sample.txt.ec"
    existing.write_bytes(b"precious")
    result = run(runner, "compress", sample)
    assert result.exit_code == 1 and "already exists" in result.stderr
    assert existing.read_bytes() == b"precious"
    assert run(runner, "compress", "-f", sample).exit_code == 0
    assert decompress(existing.read_bytes()) == TEXT


def test_unknown_suffix_is_refused(runner, sample):
    result = run(runner, "decompress", sample)
    assert result.exit_code == 1 and "unknown suffix" in result.stderr
    assert run(runner, "decompress", "-c", sample).exit_code == 1  # not .ec data either


def test_compressing_an_ec_file_again_needs_force(runner, sample, tmp_path):
    run(runner, "compress", sample)
    result = run(runner, "compress", tmp_path / "sample.txt.ec")
    assert result.exit_code == 1 and "suffix" in result.stderr


def test_refuses_compressed_data_to_a_terminal(runner, sample, monkeypatch):
    monkeypatch.setattr(compress_cmd, "_isatty", lambda stream: True)
    result = run(runner, "compress", "-c", sample)
    assert result.exit_code == 1 and "terminal" in result.stderr and not result.stdout_bytes
    assert run(runner, "compress", "-c", "-f", sample).exit_code == 0
    result = run(runner, "decompress", input=compress(TEXT))
    assert result.exit_code == 1 and "terminal" in result.stderr


def test_missing_input_and_directory(runner, tmp_path):
    result = run(runner, "compress", tmp_path / "nope.txt")
    assert result.exit_code == 1 and "nope.txt" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    result = run(runner, "compress", tmp_path)
    assert result.exit_code == 1 and "directory" in result.stderr


def test_several_files_continue_after_a_failure(runner, sample, tmp_path):
    other = tmp_path / "other.txt"
    other.write_bytes(b"other")
    result = run(runner, "compress", tmp_path / "missing", sample, other)
    assert result.exit_code == 1
    assert (tmp_path / "sample.txt.ec").exists() and (tmp_path / "other.txt.ec").exists()


def test_concatenated_files_decompress_to_the_concatenation(runner, tmp_path):
    both = tmp_path / "both.ec"
    both.write_bytes(compress(b"first\n") + compress(TEXT, coder="huffman"))
    result = run(runner, "decompress", "-c", both)
    assert result.exit_code == 0 and result.stdout_bytes == b"first\n" + TEXT
    result = run(runner, "compress", "-c", both, both, "-f")
    assert decompress(result.stdout_bytes) == both.read_bytes() * 2


@pytest.mark.parametrize("content", [b"", b"x"], ids=["empty", "one-byte"])
def test_tiny_files(runner, tmp_path, content):
    path = tmp_path / "tiny"
    path.write_bytes(content)
    assert run(runner, "compress", path).exit_code == 0
    path.unlink()
    assert run(runner, "decompress", tmp_path / "tiny.ec").exit_code == 0
    assert path.read_bytes() == content


def test_empty_input_is_not_an_ec_file(runner):
    result = run(runner, "decompress", input=b"")
    assert result.exit_code == 1 and "empty" in result.stderr


@pytest.mark.parametrize("coder", ["auto", *CODERS])
def test_every_coder(runner, sample, tmp_path, coder):
    result = run(runner, "compress", "--coder", coder, "-B", "4K", "-c", sample)
    assert result.exit_code == 0, result.stderr
    info = read_header(result.stdout_bytes)
    assert len(info.blocks) == -(-len(TEXT) // 4096)
    if coder in ("huffman", "arithmetic", "rans", "raw"):
        assert set(info.coder_counts()) == {coder}
    back = run(runner, "decompress", input=result.stdout_bytes)
    assert back.stdout_bytes == TEXT


def test_bad_options_are_usage_errors(runner, sample):
    for args in (["--coder", "lzma"], ["-B", "abc"], ["-B", "0"], ["-B", "512M"], ["-T", "-1"],
                 ["--coder", "cm", "--level", "99"]):
        result = run(runner, "compress", *args, sample)
        assert result.exit_code == 2, (args, result.stderr)


@pytest.mark.parametrize("text,size", [("65536", 65536), ("64K", 65536), ("4M", 4 << 20),
                                       ("4MiB", 4 << 20), ("256M", 256 << 20), ("1k", 1024)])
def test_block_size_suffixes(text, size):
    assert compress_cmd.ByteSize().convert(text, None, None) == size


def test_threads_do_not_change_output(runner, sample):
    one = run(runner, "compress", "-c", "-B", "1K", "-T", "1", sample).stdout_bytes
    two = run(runner, "compress", "-c", "-B", "1K", "-T", "2", sample).stdout_bytes
    assert one == two and decompress(one) == TEXT
    back = run(runner, "decompress", "-T", "2", input=two + one)
    assert back.exit_code == 0 and back.stdout_bytes == TEXT + TEXT
    assert run(runner, "test", "-T", "0", "-", input=two).exit_code == 0
    bad = run(runner, "decompress", "-T", "2", input=two[:-1])
    assert bad.exit_code == 1 and len(bad.stderr.strip().splitlines()) == 1


def test_test_command_and_flag(runner, sample, tmp_path):
    run(runner, "compress", sample)
    packed = tmp_path / "sample.txt.ec"
    result = run(runner, "test", "-v", packed)
    assert result.exit_code == 0 and "OK" in result.stderr
    assert run(runner, "compress", "-t", packed).exit_code == 0
    bad = tmp_path / "bad.ec"
    bad.write_bytes(packed.read_bytes()[:-1])
    assert run(runner, "test", packed, bad).exit_code == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.ec", "sample.txt", "sample.txt.ec"]


def test_info_lists_blocks_coders_sizes_and_ratio(runner, tmp_path):
    path = tmp_path / "x.ec"
    path.write_bytes(compress(TEXT, block_size=4096) + compress(b"abc", coder="raw"))
    result = run(runner, "info", "-v", path)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "Ratio" in out and str(path) in out and "raw" in out
    assert out.count("\n") >= 2 + len(read_header(path).blocks)
    data = json.loads(run(runner, "info", "--json", path).stdout)
    assert data[0]["streams"] == 2 and data[0]["uncompressed_size"] == len(TEXT) + 3
    assert data[0]["compressed_size"] == path.stat().st_size
    assert len(data[0]["blocks"]) == len(read_header(path).blocks)


def test_info_out_writes_exactly_the_json_of_info_json(runner, tmp_path):
    path = tmp_path / "x.ec"
    path.write_bytes(compress(TEXT, block_size=4096) + compress(b"abc", coder="raw"))
    shown = run(runner, "info", "--json", path)
    assert shown.exit_code == 0, shown.stderr
    out = tmp_path / "info.json"
    result = run(runner, "info", "--out", out, path)
    assert result.exit_code == 0, result.stderr
    assert out.read_text(encoding="utf-8") == shown.stdout  # byte for byte
    assert json.loads(out.read_text(encoding="utf-8")) == json.loads(shown.stdout)
    assert result.stdout == run(runner, "info", path).stdout  # the table, as without --out
    assert result.stderr == f"JSON written to {out}\n"


def test_info_on_bad_file(runner, tmp_path):
    path = tmp_path / "x.ec"
    path.write_bytes(b"not an ec file")
    result = run(runner, "info", path)
    assert result.exit_code == 1 and "magic" in result.stderr


def test_verbose_reports_ratio(runner, sample):
    result = run(runner, "compress", "-v", sample)
    assert result.exit_code == 0 and "saved" in result.stderr and "sample.txt.ec" in result.stderr


def _corpus_coder_cases():
    cases = []
    for param in corpus_params(CANTERBURY_FILES + LARGE_FILES):
        for coder in ("auto", *CODERS):
            marks = list(param.marks)
            if coder in ("adaptive", "cm") and param.values[0] in LARGE_FILES:
                marks.append(pytest.mark.slow)  # ~10 s each; the API tests cover them too
            cases.append(pytest.param(param.values[0], coder, marks=marks,
                                      id=f"{param.id}-{coder}"))
    return cases


@pytest.mark.parametrize("path,coder", _corpus_coder_cases())
def test_corpus_round_trip_through_the_cli(runner, tmp_path, path, coder):
    target = tmp_path / (path.name + ".ec")
    result = run(runner, "compress", "-q", "--coder", coder, "-B", "1M", "-o", target, path)
    assert result.exit_code == 0, result.stderr
    back = run(runner, "decompress", "-c", target)
    assert back.exit_code == 0 and back.stdout_bytes == path.read_bytes()
    assert run(runner, "test", target).exit_code == 0


def test_cli_module_does_not_import_numpy():
    code = ("import sys, entropycodec.cli.main, entropycodec.cli.compress_cmd; "
            "print('numpy' in sys.modules, 'numba' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


# -- through the installed script: pipes and tar ------------------------------------------

needs_script = pytest.mark.skipif(SCRIPT is None, reason="console script not installed")
needs_tar = pytest.mark.skipif(shutil.which("tar") is None, reason="tar not installed")


def _tree(root: Path) -> dict:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "src" / "project"
    (root / "sub").mkdir(parents=True)
    (root / "a.txt").write_bytes(TEXT)
    (root / "sub" / "b.bin").write_bytes(bytes(range(256)) * 50)
    (root / "empty").write_bytes(b"")
    return root


@needs_script
@needs_tar
def test_tar_pipeline(tmp_path, folder):
    out = tmp_path / "out"
    out.mkdir()
    cmd = (f"tar -cf - -C {folder.parent} project | '{SCRIPT}' compress | "
           f"'{SCRIPT}' decompress | tar -xf - -C {out}")
    subprocess.run(["bash", "-o", "pipefail", "-c", cmd], check=True, timeout=120)
    assert _tree(out / "project") == _tree(folder)


@needs_script
@needs_tar
def test_tar_use_compress_program(tmp_path, folder):
    archive = tmp_path / "x.tar.ec"
    program = f"{SCRIPT} compress"
    subprocess.run(["tar", "-I", program, "-cf", str(archive), "-C", str(folder.parent),
                    "project"], check=True, timeout=120)
    assert read_header(archive).uncompressed_size > 0
    out = tmp_path / "out"
    out.mkdir()
    subprocess.run(["tar", "-I", program, "-xf", str(archive), "-C", str(out)], check=True,
                   timeout=120)
    assert _tree(out / "project") == _tree(folder)


@needs_script
@needs_tar
@pytest.mark.parametrize("program", ["{script}", "{script} -9"])
def test_tar_use_compress_program_bare(tmp_path, folder, program):
    """As with gzip, xz and zstd: the bare program (and options alone) compress stdin to
    stdout, and tar extracts with the program plus -d."""
    archive = tmp_path / "x.tar.ec"
    program = program.format(script=SCRIPT)
    subprocess.run(["tar", "-I", program, "-cf", str(archive), "-C", str(folder.parent),
                    "project"], check=True, timeout=120)
    blocks = read_header(archive)
    assert blocks.uncompressed_size > 0
    out = tmp_path / "out"
    out.mkdir()
    subprocess.run(["tar", "-I", program, "-xf", str(archive), "-C", str(out)], check=True,
                   timeout=120)
    assert _tree(out / "project") == _tree(folder)


def test_no_subcommand_means_compress(runner, sample, monkeypatch):
    """No arguments with piped input, or options alone, compress (gzip's habit); no
    arguments on a terminal print the help; an unknown option is compress's usage error."""
    from entropycodec.cli import main

    piped = run(runner, input=TEXT)
    assert piped.exit_code == 0 and decompress(piped.stdout_bytes) == TEXT
    level1 = run(runner, "-1", "-c", sample)
    assert level1.exit_code == 0 and level1.stdout_bytes == compress(TEXT, 1)
    assert run(runner, "-c", sample).stdout_bytes == compress(TEXT)
    bad = run(runner, "--frobnicate")
    assert bad.exit_code == 2 and "No such option '--frobnicate'" in bad.output
    monkeypatch.setattr(main, "_stdin_is_terminal", lambda: True)
    shown = run(runner)
    assert "Commands:" in shown.output and "compress" in shown.output
    assert not shown.stdout_bytes.startswith(b"\x89EC")


@needs_script
def test_script_failure_is_one_line_and_exit_1(tmp_path):
    bad = tmp_path / "bad.ec"
    bad.write_bytes(compress(TEXT)[:-4])
    proc = subprocess.run([SCRIPT, "decompress", str(bad)], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 1 and len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "bad").exists()


def test_progress_bar_on_a_terminal(runner, sample, tmp_path, monkeypatch):
    import time

    import entropycodec.api

    monkeypatch.setattr(compress_cmd, "_isatty", lambda stream: True)
    monkeypatch.setattr(compress_cmd.Progress, "DELAY", 0.0)
    monkeypatch.setattr(compress_cmd.Progress, "INTERVAL", 0.001)
    monkeypatch.setattr(pump, "CHUNK", 1000)
    real = entropycodec.api.Compressor.compress

    def slow(self, data):  # a run long enough for the main thread to redraw the line
        time.sleep(0.02)
        return real(self, data)

    monkeypatch.setattr(entropycodec.api.Compressor, "compress", slow)
    result = run(runner, "compress", "-B", "2K", sample)
    assert result.exit_code == 0, result.stderr
    assert "\rsample.txt: " in result.stderr and "% " in result.stderr  # the line, redrawn
    assert result.stderr.endswith("\r") and result.stderr.strip(" \r").count("\n") == 0  # erased
    quiet = run(runner, "decompress", "-q", "-o", tmp_path / "back", tmp_path / "sample.txt.ec")
    assert quiet.exit_code == 0 and quiet.stderr == ""
    assert (tmp_path / "back").read_bytes() == TEXT


def test_cm_level_is_recorded(runner, sample):
    from entropycodec.coders.cm import LEVELS

    level = sorted(LEVELS)[0]
    result = run(runner, "compress", "--coder", "cm", "--level", level, "-c", sample)
    assert result.exit_code == 0, result.stderr
    (block,) = read_header(result.stdout_bytes).blocks
    assert block.coder == "cm" and block.coder_param == level

"""The `code` and `measure` commands, driven through click's CliRunner."""

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from entropycodec.cli.main import cli


def run(*args):
    return CliRunner().invoke(cli, list(args))


def test_code_table_abcd():
    r = run("code", "A=0.5", "B=0.2", "C=0.2", "D=0.1")
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert lines[1].split() == ["A", "0.5000", "1.000", "0", "1"]
    assert lines[4].split() == ["D", "0.1000", "3.322", "111", "3"]
    assert "entropy H          1.7610 bits/symbol" in r.output
    assert "expected length L  1.8000 bits/symbol" in r.output


def test_code_json_and_max_length():
    r = run("code", "A=0.5", "B=0.2", "C=0.2", "D=0.1", "--max-length", "2", "--json")
    doc = json.loads(r.output)
    assert [row["length"] for row in doc["symbols"]] == [2, 2, 2, 2]
    assert abs(doc["expected_length_bits_per_symbol"] - 2.0) < 1e-12 and doc["kraft_sum"] == "1"


def test_code_from_file(tmp_path):
    f = tmp_path / "m.txt"
    f.write_bytes(b"ABCAADABCA")
    doc = json.loads(run("code", "--from", str(f), "--json").output)
    assert [(row["symbol"], row["codeword"]) for row in doc["symbols"]] == [
        ("'A'", "0"), ("'B'", "10"), ("'C'", "110"), ("'D'", "111")]


def test_code_check_not_uniquely_decodable_exits_1():
    r = run("code", "--check", "A=0", "B=10", "C=11", "D=111", "--p", "0.5,0.2,0.2,0.1")
    assert r.exit_code == 1
    assert "Kraft sum: 9/8 = 1.125" in r.output
    assert "conflict: C = 11 is a prefix of D = 111" in r.output
    assert "expected length: 1.6000 bits/symbol" in r.output
    ok = run("code", "--check", "A=0", "B=10", "C=110", "D=111")
    assert ok.exit_code == 0 and "uniquely decodable: yes" in ok.output


def test_measure_nats_json():
    r = run("measure", "--p", "0.8,0.1,0.1", "--q", "0.2,0.2,0.6", "--unit", "nats", "--json")
    doc = json.loads(r.output)
    assert round(doc["H(p)"], 3) == 0.639 and round(doc["H(p,q)"], 3) == 1.5
    assert round(doc["KL(p||q)"], 3) == 0.861 and doc["KL(q||p)"] != doc["KL(p||q)"]


def test_bad_arguments_exit_2_without_traceback():
    for args in (["measure", "--p", "1,x"], ["code", "A=zz"], ["code"]):
        r = run(*args)
        assert r.exit_code == 2 and "Traceback" not in r.output


def test_bad_values_exit_1_one_line():
    r = run("measure", "--p", "0.5,-1")
    assert r.exit_code == 1
    assert r.output.strip().count("\n") == 0 and "negative" in r.output


def test_help_is_fast_and_lazy():
    code = ("import sys, time; t=time.perf_counter(); "
            "from entropycodec.cli.main import cli; "
            "assert 'numpy' not in sys.modules and 'numba' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)
    out = subprocess.run([sys.executable, "-m", "entropycodec", "--help"], capture_output=True,
                         text=True, check=True).stdout
    assert "compress" in out and "analyze" in out and "code" in out


@pytest.mark.parametrize("probs", ["0.5", "0.5,0.2,0.2,0.1"])
def test_check_probabilities_must_match_the_code_words(probs):
    r = CliRunner().invoke(cli, ["code", "--check", "A=0", "B=10", "C=11", "--p", probs])
    assert r.exit_code == 2 and "3 code words" in r.output

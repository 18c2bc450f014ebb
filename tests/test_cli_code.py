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


def test_bad_option_values_exit_2_with_plain_numbers():
    # a value given on the command line is an option value: misuse, exit 2 (docs/cli.md)
    r = run("measure", "--p", "0.5,-1")
    assert r.exit_code == 2
    assert r.output.strip().splitlines()[-1] == "Error: Invalid value for --p: negative value -1"


@pytest.mark.parametrize("p, message", [
    ("0.5,0.6", "the probabilities sum to 1.1, not 1 (within 1e-6)"),
    ("0.3,0.3", "the probabilities sum to 0.6, not 1 (within 1e-6)"),
    ("0.5,,0.5", "empty field (number 2) in '0.5,,0.5'"),
    (",0.5", "empty field (number 1) in ',0.5'"),
    ("", "expected comma-separated numbers, got ''"),
    ("0.5,nan", "'nan' is not a finite number"),
    ("0,0", "all values are zero"),
])
def test_measure_refuses_what_is_not_a_distribution(p, message):
    r = run("measure", "--p", p)
    assert r.exit_code == 2
    assert r.output.strip().splitlines()[-1].startswith(f"Error: Invalid value for --p: {message}")


def test_measure_takes_probabilities_within_1e6_or_whole_counts():
    assert run("measure", "--p", "0.5,0.5000009").output == "H(p)      1.0000 bits\n"
    assert run("measure", "--p", "2,1,1").output == "H(p)      1.5000 bits\n"
    assert run("measure", "--p", "0.5,0.25,0.25").output == "H(p)      1.5000 bits\n"
    r = run("measure", "--p", "0.5,0.5000011")
    assert r.exit_code == 2 and "sum to 1.0000011, not 1" in r.output
    r = run("measure", "--p", "0.5,0.5", "--q", "0.2,0.3,0.5")
    assert r.exit_code == 2 and "Invalid value for --q: 3 values for the 2 of --p" in r.output


def test_code_weights_follow_the_same_rule():
    r = run("code", "A=0.5", "B=0.6")
    assert r.exit_code == 2 and "the probabilities sum to 1.1, not 1" in r.output
    r = run("code", "A=5", "B=2", "C=2", "D=1")
    assert r.exit_code == 0 and r.output.splitlines()[1].split() == ["A", "0.5000", "1.000", "0", "1"]
    r = run("code", "--check", "A=0", "B=10", "--p", "A=0.5,B=0.6")
    assert r.exit_code == 2 and "Invalid value for --p: the probabilities sum to 1.1" in r.output


def test_code_from_an_empty_file_is_bad_data_exit_1(tmp_path):
    (tmp_path / "empty").write_bytes(b"")
    r = run("code", "--from", str(tmp_path / "empty"))
    assert r.exit_code == 1
    assert r.output == f"entropycodec: error: {tmp_path / 'empty'} is empty: nothing to build a code from\n"


def test_measure_and_code_out_write_the_json(tmp_path):
    out = tmp_path / "m.json"
    r = run("measure", "--p", "0.5,0.5", "--out", str(out))
    assert r.exit_code == 0 and r.stdout == "H(p)      1.0000 bits\n"
    assert json.loads(out.read_text()) == {"unit": "bits", "H(p)": 1.0}
    r = run("code", "A=1", "B=1", "--json", "--out", str(tmp_path / "c.json"))
    assert json.loads(r.stdout) == json.loads((tmp_path / "c.json").read_text())
    assert json.loads(r.stdout)["kraft_sum"] == "1"


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

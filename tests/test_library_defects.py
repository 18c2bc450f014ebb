"""Issue 9, sections 2, 3 and 5: the library and the CLI agree, and the library never talks CLI.

Each test here failed before its fix. CLI items run through CliRunner and, where the issue
asks for it, through the installed entry point.
"""

import ast
import json
import math
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import entropycodec as ec
from entropycodec.alphabet import BYTE_ALPHABET, Alphabet, byte_value
from entropycodec.cli.main import cli
from entropycodec.errors import InvalidInputError, ModelError
from entropycodec.measures import check_probabilities
from entropycodec.models.counts import FrequencyTable
from entropycodec.sequence import default_scale_bits

PACKAGE = Path(ec.__file__).parent
SCRIPT = shutil.which("entropycodec", path=os.path.dirname(sys.executable)) or shutil.which(
    "entropycodec")
needs_script = pytest.mark.skipif(SCRIPT is None, reason="console script not installed")


def _abcd_iid() -> Path:
    from conftest import OWN_CORPORA

    return OWN_CORPORA / "abcd_iid.txt"


def _run(*args, **kwargs):
    return subprocess.run([SCRIPT, *map(str, args)], capture_output=True, text=True, timeout=120,
                          **kwargs)


# -- 1. default coders of analyze, and no CLI flag in a library message ------------------------

def test_analyze_of_non_byte_data_runs_the_coders_that_can_code_it():
    r = ec.analyze("abracadabra")
    assert list(r.coders) == ["huffman", "arithmetic", "rans", "adaptive"]
    assert list(ec.analyze(b"abracadabra").coders) == ["huffman", "arithmetic", "rans", "adaptive", "cm", "bwt"]
    words = "to be or not to be".split()
    assert sorted(ec.analyze(words).coders) == ["adaptive", "arithmetic", "huffman", "rans"]


def test_cm_on_non_byte_data_is_refused_without_naming_a_flag():
    with pytest.raises(InvalidInputError) as info:
        ec.analyze(["a", "b"], coders=("huffman", "cm"))
    assert "codes bytes only" in str(info.value) and "--" not in str(info.value)


def _raised_strings(path: Path):
    """The string literals inside every ``raise`` statement of a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and node.exc is not None:
            for sub in ast.walk(node.exc):
                if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                    yield node.lineno, sub.value


def test_no_library_message_names_a_cli_flag():
    import re

    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "cli" in path.relative_to(PACKAGE).parts:
            continue
        for line, text in _raised_strings(path):
            if re.search(r"--[a-z]", text):
                offenders.append(f"{path.relative_to(PACKAGE)}:{line}: {text!r}")
    assert offenders == []


def test_invalid_utf8_message_is_free_of_flags_in_the_library_and_names_the_flag_in_the_cli(tmp_path):
    from entropycodec.alphabet import split_symbols

    with pytest.raises(InvalidInputError) as info:
        split_symbols(b"ab\xff", "chars")
    assert str(info.value) == ("not valid UTF-8 at byte 2: it cannot be split into chars; "
                               "split it into bytes instead")
    f = tmp_path / "bin"
    f.write_bytes(b"ab\xff")
    r = CliRunner().invoke(cli, ["analyze", str(f), "--symbols", "words"])
    assert r.exit_code == 1 and "--symbols bytes" in r.output and "Traceback" not in r.output


# -- 2. coders= takes one name ----------------------------------------------------------------

def test_analyze_takes_a_single_coder_name():
    r = ec.analyze(b"abracadabra", coders="huffman")
    assert list(r.coders) == ["huffman"]
    with pytest.raises(InvalidInputError, match="unknown coder 'lzw'"):
        ec.analyze(b"abc", coders="lzw")


# -- 3. wrong argument types: clear errors ----------------------------------------------------

def test_decode_of_bytes_is_a_type_error_naming_encoded():
    with pytest.raises(TypeError, match=r"decode\(\) wants the Encoded that encode\(\) returned, "
                                        r"got bytes \(for \.ec data, use decompress\(\)\)"):
        ec.decode(b"\x00\x01")
    with pytest.raises(TypeError, match="got str"):
        ec.decode("abc")


def test_decompress_of_str_is_a_type_error_naming_bytes():
    with pytest.raises(TypeError, match="bytes-like"):
        ec.decompress("abc")
    with pytest.raises(TypeError, match="bytes-like"):
        ec.Decompressor().decompress("abc")


def test_check_prefix_code_takes_a_list_of_code_words():
    check = ec.check_prefix_code(["0", "10"])
    assert check.codewords == {0: "0", 1: "10"} and check.is_prefix_free
    assert check.kraft_sum == ec.check_prefix_code({"a": "0", "b": "10"}).kraft_sum
    assert ec.check_prefix_code(("0", "01")).conflicts == [(0, 1)]


@pytest.mark.parametrize("bad, named", [("0 10", "str"), ({"0", "10"}, "set"), (10, "int")])
def test_check_prefix_code_refuses_other_types_with_a_type_error(bad, named):
    with pytest.raises(TypeError, match=f"mapping {{symbol: code word}} or a list of code words.*got {named}"):
        ec.check_prefix_code(bad)
    with pytest.raises(TypeError, match="must be a string of 0 and 1, got int"):
        ec.check_prefix_code({"A": 10})


# -- 4. decode gives back the kind of sequence encode was given --------------------------------

@pytest.mark.parametrize("coder", ["huffman", "arithmetic", "rans", "adaptive"])
def test_a_str_comes_back_as_a_str(coder):
    assert ec.decode(ec.encode("hello", coder=coder)) == "hello"
    assert ec.decode(ec.encode("", coder=coder)) == ""
    assert ec.decode(ec.encode("naïve ☃ text", coder=coder)) == "naïve ☃ text"


@pytest.mark.parametrize("data", [
    np.array([3, 1, 3, 2], dtype=np.int16),
    np.array([3, 1, 3, 2], dtype=np.uint8),
    np.array([70000, -5, 70000], dtype=np.int64),
    np.array(["to", "be", "to"]),
])
@pytest.mark.parametrize("coder", ["huffman", "arithmetic", "rans"])
def test_an_array_comes_back_as_an_array_of_the_same_dtype(data, coder):
    out = ec.decode(ec.encode(data, coder=coder))
    assert isinstance(out, np.ndarray) and out.dtype == data.dtype and np.array_equal(out, data)


def test_bytes_like_comes_back_as_bytes_and_sequences_as_lists():
    for data in (b"abca", bytearray(b"abca"), memoryview(b"abca")):
        assert ec.decode(ec.encode(data, coder="huffman")) == b"abca"
    assert ec.decode(ec.encode(("a", "b", "a"), coder="huffman")) == ["a", "b", "a"]
    enc = ec.encode("ab", coder="rans")
    assert enc.input_kind == "str" and ec.encode(b"ab").input_kind == "bytes"
    esc = ec.encode("AAAB", coder="arithmetic", model={"A": 1.0}, smoothing="escape")
    assert ec.decode(esc) == "AAAB"


# -- 5. one rule for the keys of byte models ---------------------------------------------------

def test_byte_value_rule():
    assert [byte_value(k) for k in (65, np.uint8(65), "65", "0x41", "0X41", "A", "7", "0x37", "0")] == \
        [65, 65, 65, 65, 65, 65, 7, 55, 0]
    for bad, match in [(256, "not a byte value"), ("256", "not a byte value"), ("AB", "names no byte"),
                       ("é", "UTF-8 writes it as 0xc3 0xa9"), (65.0, "names no byte"),
                       (True, "names no byte"), ("0x", "names no byte"), ("0x123", "names no byte")]:
        with pytest.raises(InvalidInputError, match=match):
            byte_value(bad)


@pytest.mark.parametrize("coder", ["huffman", "arithmetic", "rans"])
def test_the_api_reads_byte_model_keys_as_the_cli_does(coder):
    data = b"ABCAADABCA" * 20
    spellings = [{65: 5, 66: 2, 67: 2, 68: 1}, {"A": 5, "B": 2, "C": 2, "D": 1},
                 {"65": 5, "66": 2, "67": 2, "68": 1}, {"0x41": 5, "0x42": 2, "0x43": 2, "0x44": 1}]
    payloads = {ec.encode(data, coder=coder, model=m).payload for m in spellings}
    assert len(payloads) == 1
    assert ec.decode(ec.encode(data, coder=coder, model=spellings[1])) == data
    with pytest.raises(InvalidInputError, match=r"byte model keys 'A' and '65' both name byte 65 \(0x41\)"):
        ec.encode(data, coder=coder, model={"A": 1, "65": 1})


def test_cli_model_json_accepts_decimal_keys_and_agrees_with_the_api(tmp_path):
    f = _abcd_iid()
    as_char, as_decimal = tmp_path / "c.json", tmp_path / "d.json"
    as_char.write_text('{"A": 0.4, "B": 0.3, "C": 0.2, "D": 0.1}')
    as_decimal.write_text('{"65": 0.4, "66": 0.3, "0x43": 0.2, "68": 0.1}')
    docs = []
    for model in (as_char, as_decimal):
        r = CliRunner().invoke(cli, ["analyze", str(f), "--model", str(model), "--json",
                                     "--contexts", "0", "--coders", "arithmetic"])
        assert r.exit_code == 0, r.output
        docs.append(json.loads(r.output))
    assert docs[0]["coders"] == docs[1]["coders"]
    api = ec.analyze(f.read_bytes(), model={65: 0.4, 66: 0.3, 67: 0.2, 68: 0.1}, coders="arithmetic")
    assert docs[0]["coders"]["arithmetic"]["total_bits"] == api.coders["arithmetic"].total_bits
    assert docs[0]["kl_divergence_bits_per_symbol"] == pytest.approx(api.kl_divergence_bits_per_symbol)


def test_a_uint8_array_with_a_three_symbol_model_codes_its_bytes():
    rng = np.random.default_rng(1)
    small = rng.choice(3, size=5000, p=[0.5, 0.3, 0.2])
    model = {0: 0.5, 1: 0.3, 2: 0.2}
    as_bytes = ec.encode(small.astype(np.uint8), coder="arithmetic", model=model)
    as_ints = ec.encode(small.astype(np.int64), coder="arithmetic", model=model)
    assert as_bytes.alphabet.is_bytes and len(as_ints.alphabet) == 3  # the dtype decides
    assert as_bytes.payload == as_ints.payload  # the same intervals: the same payload
    assert np.array_equal(ec.decode(as_bytes), small.astype(np.uint8))
    with_3 = small.astype(np.uint8).copy()
    with_3[10] = 3
    with pytest.raises(ModelError, match="symbol 0x03 occurs 1 times"):
        ec.encode(with_3, coder="arithmetic", model=model)


# -- 6. uniform measures of a Huffman code -----------------------------------------------------

def test_huffman_measures_are_uniform_properties_and_methods():
    code = ec.HuffmanCode.from_frequencies({"A": 0.5, "B": 0.2, "C": 0.2, "D": 0.1})
    for stem in ("entropy", "expected_length", "redundancy"):
        prop = getattr(code, f"{stem}_bits_per_symbol")
        assert isinstance(prop, float) and prop == getattr(code, stem)()
    assert code.redundancy_bits_per_symbol == pytest.approx(1.8 - 1.7609640474436812)
    uniform = {"A": 1, "B": 1, "C": 1, "D": 1}
    assert code.entropy(uniform) == 2.0 and code.redundancy(uniform) == pytest.approx(0.25)


# -- 7. the byte fast path and vectorized look-ups ---------------------------------------------

def test_int_keyed_frequencies_take_the_byte_path():
    data = b"abracadabra, a magic word" * 40
    code = ec.HuffmanCode.from_frequencies(Counter(data))
    assert code.alphabet.is_bytes and code.alphabet is BYTE_ALPHABET
    byte_code = ec.HuffmanCode.from_data(data)
    assert code.encode(data) == byte_code.encode(data)
    assert code.decode(code.encode(data), len(data)) == data
    assert FrequencyTable.from_counts({0: 1, 255: 2}).alphabet.is_bytes
    assert not FrequencyTable.from_counts({0: 1, 256: 2}).alphabet.is_bytes


class _NoLookups(dict):
    """An index that fails on use: the vectorized paths must not look symbols up one by one."""

    def __getitem__(self, key):
        raise AssertionError(f"per-symbol look-up of {key!r}")


@pytest.mark.parametrize("symbols, data", [
    ((3, 70000, -5), np.array([70000, 3, -5, 3], dtype=np.int64)),
    ((3, 70000, -5), [70000, 3, -5, 3]),
    ((97, 98, 300), b"abba"),
    (("a", "b", "é"), "abéba"),
])
def test_integer_and_character_alphabets_map_without_per_symbol_lookups(symbols, data):
    alphabet = Alphabet(symbols)
    expect = [symbols.index(s) for s in (data if not isinstance(data, bytes) else list(data))]
    alphabet._index = _NoLookups(alphabet._index)
    assert alphabet.to_indices(data).tolist() == expect


def test_vectorized_lookups_name_the_missing_symbol():
    with pytest.raises(ModelError, match="symbol 7 is not in the alphabet"):
        Alphabet((3, 70000)).to_indices(np.array([3, 7]))
    with pytest.raises(ModelError, match="symbol 'z' is not in the alphabet"):
        Alphabet(("a", "b")).to_indices("abz")
    with pytest.raises(ModelError, match="symbol 99 is not in the alphabet"):
        Alphabet((97, 98)).to_indices(b"abc")


# -- 8. the report marks the coders that ignore the model ---------------------------------------

def test_report_marks_learning_coders_as_not_using_the_model(tmp_path):
    data = _abcd_iid().read_bytes()
    model = {"A": 0.25, "B": 0.25, "C": 0.25, "D": 0.25}
    r = ec.analyze(data, model=model, coders=("huffman", "adaptive", "cm"))
    assert [a.uses_model for a in r.coders.values()] == [True, False, False]
    assert r.model_ignored_by == ["adaptive", "cm"]
    assert r.to_text().endswith("note: adaptive and cm learn their own model from the data; "
                                "the model Q applies to huffman")
    d = r.to_dict()
    assert d["model_ignored_by"] == ["adaptive", "cm"] and d["coders"]["cm"]["uses_model"] is False
    plain = ec.analyze(data, coders=("huffman", "adaptive"))
    assert plain.model_ignored_by == [] and "note:" not in plain.to_text()
    q = tmp_path / "q.json"
    q.write_text(json.dumps(model))
    out = CliRunner().invoke(cli, ["analyze", str(_abcd_iid()), "--model", str(q), "--contexts", "0"])
    assert out.exit_code == 0, out.output
    assert ("note: adaptive, cm and bwt learn their own model from the data; the model Q applies "
            "to huffman, arithmetic and rans") in out.output


# -- 9. the model precision follows the alphabet ------------------------------------------------

def test_default_scale_bits_rule():
    assert default_scale_bits(4, 10) == 16 and default_scale_bits(256, 10**9) == 16
    assert default_scale_bits(4096, 10**9) == 16 and default_scale_bits(4097, 10**9) == 17
    assert default_scale_bits(28_659, 766_111) == 19
    assert default_scale_bits(100_000, 150_000) == 18  # no finer than one slot per coded symbol
    assert default_scale_bits(10**6, 10**8) == 24


def test_large_alphabets_get_a_finer_model_and_small_ones_keep_16():
    rng = np.random.default_rng(0)
    words = [f"w{v}" for v in rng.zipf(1.2, 200_000) if v < 50_000]
    enc = ec.encode(words, coder="arithmetic")
    k = len(set(words))
    assert k > 4096 and enc.model.scale_bits == default_scale_bits(k, len(words)) > 16
    assert ec.encode(b"ABCAADABCA", coder="rans").model.scale_bits == 16
    assert ec.encode(words, coder="arithmetic", scale_bits=16).model.scale_bits == 16
    with pytest.raises(InvalidInputError, match="scale_bits must be in 1..24, got 25"):
        ec.encode(b"ab", coder="arithmetic", scale_bits=25)


def test_analyze_cli_scale_bits_option():
    r = CliRunner().invoke(cli, ["analyze", str(_abcd_iid()), "--coders", "arithmetic,rans",
                                 "--scale-bits", "12", "--json", "--contexts", "0"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    assert [c["scale_bits"] for c in doc["coders"].values()] == [12, 12]
    r = CliRunner().invoke(cli, ["analyze", str(_abcd_iid()), "--scale-bits", "25"])
    assert r.exit_code == 2 and "--scale-bits" in r.output


def _bible():
    from conftest import LARGE_FILES

    return next((p for p in LARGE_FILES if p.name == "bible.txt"), None)


@pytest.mark.skipif(_bible() is None, reason="the Large Canterbury corpus (bible.txt) is absent")
def test_bible_words_arithmetic_beats_huffman_by_default():
    words = _bible().read_bytes().decode("utf-8").split()
    r = ec.analyze(words, coders=("huffman", "arithmetic"))
    assert r.coders["arithmetic"].scale_bits == 19
    assert r.coders["arithmetic"].total_bits < r.coders["huffman"].total_bits
    old = ec.analyze(words, coders="arithmetic", scale_bits=16).coders["arithmetic"]
    assert old.total_bits > r.coders["huffman"].total_bits  # the defect the default fixes


# -- 10. probabilities that do not sum to 1 are refused ----------------------------------------

def test_check_probabilities_messages_show_plain_numbers():
    assert check_probabilities([0.2, 0.8]).tolist() == [0.2, 0.8]
    assert check_probabilities([0.1] * 10).sum() == pytest.approx(1)  # 0.9999999999999999
    cases = [([0.5, 0.8], "p: probabilities sum to 1.3, not 1 (tolerance 1e-06)"),
             (np.array([-0.5, 1.5]), "p: a probability must be a number in [0, 1], got -0.5"),
             ([0.5, float("nan")], "p: a probability must be a number in [0, 1], got nan"),
             ([], "p: expected a non-empty, flat list of probabilities")]
    for values, message in cases:
        with pytest.raises(InvalidInputError) as info:
            check_probabilities(values)
        assert str(info.value) == message
    with pytest.raises(InvalidInputError, match=r"contains a negative weight \(-0.5\)$"):
        ec.entropy(np.array([0.5, -0.5]))


@pytest.mark.parametrize("content, message", [
    ('{"A": 0.5, "B": 0.8}', "probabilities sum to 1.3, not 1 (tolerance 1e-06)"),
    ('{"A": 5, "B": 3}', "a probability must be a number in [0, 1], got 5"),
    ('{"A": "0.5", "B": 0.5}', "the probability of 'A' is not a number: \"0.5\""),
    ('{"A": -0.5, "B": 1.5}', "a probability must be a number in [0, 1], got -0.5"),
])
def test_cli_model_file_must_hold_probabilities_summing_to_1(tmp_path, content, message):
    q = tmp_path / "q.json"
    q.write_text(content)
    r = CliRunner().invoke(cli, ["analyze", str(_abcd_iid()), "--model", str(q)])
    assert r.exit_code == 1
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "np.float64" not in lines[0]


# -- 11. alpha, beta, the fixed-length bound and the file's size --------------------------------

def test_report_shows_the_fixed_length_bound_and_the_file_bits(tmp_path):
    f = tmp_path / "words.txt"
    f.write_text("to be or not to be that is the question " * 50, encoding="utf-8")
    r = CliRunner().invoke(cli, ["analyze", str(f), "--symbols", "words", "--coders", "huffman",
                                 "--contexts", "0"])
    assert r.exit_code == 0, r.output
    n, size = 500, f.stat().st_size  # 8 distinct words: 3 bits each
    assert f"original a = {3 * n:,} bits (fixed-length code, 3 bits/symbol)" in r.output
    assert f"file: {size:,} bytes = {8 * size:,} bits (alpha and beta compare with a" in r.output
    assert "file bits / a*" in r.output
    r = CliRunner().invoke(cli, ["analyze", str(f), "--symbols", "words", "--coders", "huffman",
                                 "--contexts", "0", "--json"])
    doc = json.loads(r.output)
    assert doc["original_bits"] == 3 * n and doc["fixed_length_bits_per_symbol"] == 3
    assert doc["file_bits"] == 8 * size
    huff = doc["coders"]["huffman"]
    assert huff["compression_rate_alpha"] == pytest.approx(3 * n / huff["total_bits"])
    assert huff["file_compression_rate"] == pytest.approx(8 * size / huff["total_bits"])
    by = ec.analyze(b"abc")
    assert by.file_bits is None and "file:" not in by.to_text() and by.fixed_length_bits_per_symbol == 8


def test_cli_docs_define_alpha_and_beta():
    from conftest import REPO

    text = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    assert "alpha = a / a*" in text and "beta = (a - a*) / a*" in text
    assert "fixed-length bound" in text and "file bits / a*" in text


# -- the analyze items through the installed entry point ----------------------------------------

@needs_script
def test_entry_point_analyze_model_rules(tmp_path):
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text('{"65": 0.25, "B": 0.25, "0x43": 0.25, "68": 0.25}')
    bad.write_text('{"A": 0.5, "B": 0.8}')
    r = _run("analyze", _abcd_iid(), "--model", good, "--contexts", "0", "--coders",
             "arithmetic,adaptive")
    assert r.returncode == 0, r.stderr
    assert "KL(P||Q) = 0.242479" in r.stdout
    assert "note: adaptive learns its own model from the data; the model Q applies to arithmetic" \
        in r.stdout
    r = _run("analyze", _abcd_iid(), "--model", bad)
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr.strip().splitlines() == [
        f"entropycodec: error: {bad}: probabilities sum to 1.3, not 1 (tolerance 1e-06); --model "
        "takes probabilities (for counts, use --model-from with a sample file)"]


@needs_script
def test_entry_point_analyze_scale_bits_and_words(tmp_path):
    f = tmp_path / "w.txt"
    f.write_text("a b a c " * 100, encoding="utf-8")
    r = _run("analyze", f, "--symbols", "words", "--scale-bits", "10", "--json", "--contexts", "0")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert sorted(doc["coders"]) == ["adaptive", "arithmetic", "huffman", "rans"]
    assert doc["coders"]["rans"]["scale_bits"] == 10 and doc["file_bits"] == 8 * 800
    r = _run("analyze", f, "--symbols", "words", "--coders", "cm")
    assert r.returncode == 2 and "cm codes bytes only: use --symbols bytes" in r.stderr
    assert math.isfinite(doc["coders"]["huffman"]["compression_rate_alpha"])

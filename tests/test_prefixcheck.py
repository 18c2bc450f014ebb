from fractions import Fraction

import pytest

from entropycodec import check_prefix_code
from entropycodec.errors import InvalidInputError


def test_abcd_bad_code_is_reported():
    r = check_prefix_code({"A": "0", "B": "10", "C": "11", "D": "111"})
    assert r.kraft_sum == Fraction(9, 8)
    assert not r.is_prefix_free and r.conflicts == [("C", "D")]
    assert not r.uniquely_decodable and not r.decodable
    assert r.expected_length({"A": 0.5, "B": 0.2, "C": 0.2, "D": 0.1}) == pytest.approx(1.6)
    assert "NOT uniquely decodable" in r.verdict()


def test_prefix_free_complete_code():
    r = check_prefix_code({"A": "0", "B": "10", "C": "110", "D": "111"})
    assert r.kraft_sum == 1 and r.is_prefix_free and r.uniquely_decodable and r.conflicts == []


def test_uniquely_decodable_but_not_prefix_free():
    r = check_prefix_code({"a": "0", "b": "01", "c": "11"})
    assert not r.is_prefix_free and r.uniquely_decodable and r.kraft_sum == Fraction(1)


def test_kraft_below_one_but_ambiguous():
    # 1, 011, 01110, 1110, 10011: the classic Sardinas-Patterson counterexample
    r = check_prefix_code({"a": "1", "b": "011", "c": "01110", "d": "1110", "e": "10011"})
    assert r.kraft_sum < 1 and not r.uniquely_decodable


def test_duplicate_words_are_ambiguous():
    r = check_prefix_code({"a": "01", "b": "01"})
    assert not r.uniquely_decodable and r.conflicts == [("a", "b")]


@pytest.mark.parametrize("words", [{"a": ""}, {"a": "012"}, {}])
def test_invalid_words(words):
    with pytest.raises(InvalidInputError):
        check_prefix_code(words)


def test_expected_length_names_a_symbol_without_a_code_word():
    check = check_prefix_code({"A": "0", "B": "10"})
    with pytest.raises(InvalidInputError, match="'C'"):
        check.expected_length({"A": 0.5, "C": 0.5})

"""Normalization undoes the usual keyword-filter evasions."""

import pytest

from model.normalize import clean_text, count_evasions, normalize_text


@pytest.mark.parametrize(
    ("evasive", "plain"),
    [
        ("V1AGRA", "viagra"),
        ("fr33 c@sino", "free casino"),
        ("f r e e money", "free money"),
        ("c.a.s.i.n.o", "casino"),
        ("fr\u200bee", "free"),  # zero-width space inside the word
        ("\u0441\u0430sino", "casino"),  # Cyrillic es and a
        ("\u03bd\u03b9agra", "viagra"),  # Greek nu and iota
        ("\uff26\uff32\uff25\uff25", "free"),  # full-width letters (NFKC)
        ("\U0001d41f\U0001d42b\U0001d41e\U0001d41e", "free"),  # mathematical bold (NFKC)
        ("freeeeee", "free"),
        ("she&#39;s<br />here", "she's here"),
    ],
)
def test_normalization_defeats_evasions(evasive: str, plain: str) -> None:
    assert normalize_text(evasive) == plain


@pytest.mark.parametrize("text", ["1st place", "2nd try", "100mg", "$100", "wow!!", "h264 video"])
def test_ordinary_digits_are_not_leetspeak(text: str) -> None:
    assert normalize_text(text) == text.lower()


def test_links_are_left_alone() -> None:
    assert "http://fr33.example/v1agra" in normalize_text("see http://fr33.example/v1agra now")


def test_clean_text_keeps_case_and_punctuation() -> None:
    assert clean_text("BUY NOW!!! 1-888-555-0199") == "BUY NOW!!! 1-888-555-0199"


def test_evasion_counts() -> None:
    assert count_evasions("plain ascii") == (0, 0)
    invisible, homoglyphs = count_evasions("fr\u200bee \u0441\u0430sino")
    assert invisible == 1 and homoglyphs == 2
    assert count_evasions("trailing byte-order mark\ufeff") == (0, 0)

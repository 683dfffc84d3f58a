"""Text normalization that undoes the usual spam/abuse evasions before features are taken.

Two stages:

* :func:`clean_text` keeps case and punctuation (so "shouting" and phone numbers can still be
  measured) but removes invisible characters, applies NFKC and folds homoglyphs to Latin.
* :func:`normalize_text` goes further for the word/character n-gram features: case folding,
  leetspeak (``v1agra`` -> ``viagra``), spaced-out letters (``f r e e`` -> ``free``) and long
  character runs (``freeeee`` -> ``free``).
"""

from __future__ import annotations

import html
import re
import unicodedata

# Zero-width and other invisible format characters used to split words past keyword filters.
_INVISIBLE = dict.fromkeys(
    map(
        ord,
        "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b\u200c\u200d\u200e\u200f"
        "\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064\u206a\u206b\u206c\u206d"
        "\u206e\u206f\u3164\ufeff\uffa0",
    ),
    None,
)

# Cyrillic / Greek / other look-alikes of Latin letters (after NFKC). Lower and upper case.
_HOMOGLYPHS_SRC = "аеорсухіјѕԁһӏԛԝɡνοαεικρτυχϲʏɑɩАВЕКМНОРСТХУІЈЅԌԚԜΑΒΕΖΗΙΚΜΝΟΡΤΥΧϹ"
_HOMOGLYPHS_DST = "aeopcyxijsdhlqwgvoaeikptuxcyaiABEKMHOPCTXYIJSGQWABEZHIKMNOPTYXC"
_HOMOGLYPHS = str.maketrans(_HOMOGLYPHS_SRC, _HOMOGLYPHS_DST)
_HOMOGLYPH_DELETE = dict.fromkeys(map(ord, _HOMOGLYPHS_SRC), None)
_COMBINING = re.compile("[\u0300-\u036f\u0483-\u0489\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")

_LEET = str.maketrans(
    {
        "0": "o",
        "1": "i",
        "3": "e",
        "4": "a",
        "5": "s",
        "7": "t",
        "8": "b",
        "@": "a",
        "$": "s",
        "!": "i",
        "|": "l",
        "€": "e",
    }
)
# A chunk that mixes letters with leet characters in a way words do not: a leet char between
# letters (v1agra, c@sino, h0t) or a run of them closing a word (fr33, l0s3r).
_LEET_WORD = re.compile(
    r"(?<![\w@$])(?=[a-z0-9@$!|€]*[a-z])(?=[a-z0-9@$!|€]*[0-9@$!|€])"
    r"[a-z0-9@$!|€]*[a-z][a-z0-9@$!|€]*(?![\w@$])"
)
# Ordinals, units and codes that mix digits and letters legitimately.
_NOT_LEET = re.compile(
    r"^(?:\d+(?:st|nd|rd|th|s|am|pm|k|m|mg|kg|km|g|gb|mb|mm|cm|px|x|p|d|h)|"
    r"\d+[a-z]\d*|.*[269].*)$"
)
_URLISH = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+\.\S+|\[/?url[^\]]*\]", re.IGNORECASE)
# Three or more single letters separated by one space/dot/dash/underscore/star: "f r e e", "c.a.s.h".
_SPACED = re.compile(r"(?<![\w])(?:[a-z][ ._*\-]){2,}[a-z](?![\w])")
_SPACED_SEP = re.compile(r"[ ._*\-]")
_RUNS = re.compile(r"(.)\1{2,}")
_SPACES = re.compile(r"\s+")
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)


def clean_text(text: str) -> str:
    """NFKC, strip invisible characters, fold Cyrillic/Greek look-alikes to Latin.

    Case, digits and punctuation are kept: engineered features read this form.
    """
    if "&" in text or "<br" in text:
        # Comments often arrive HTML-escaped ("she&#39;s", "&lt;3") or with <br /> line breaks.
        text = html.unescape(_BR.sub(" ", text))
    if text.isascii():
        # NFKC, invisible characters and homoglyphs are all non-ASCII matters.
        return text
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    if not text.isascii():
        text = text.translate(_HOMOGLYPHS)
        # Combining marks stacked on letters ("Zalgo" text) hide words from n-grams.
        if _COMBINING.search(text):
            text = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
            text = unicodedata.normalize("NFC", text)
    return text


def count_evasions(raw: str) -> tuple[int, int]:
    """Return (invisible characters, homoglyph characters) found in ``raw``; both are evasion signals."""
    if raw.isascii():
        return 0, 0
    # A byte-order mark at either end is an encoding artifact, not an evasion.
    nfkc = unicodedata.normalize("NFKC", raw.strip("\ufeff"))
    if nfkc.isascii():
        return 0, 0
    invisible = len(nfkc) - len(nfkc.translate(_INVISIBLE))
    homoglyphs = len(nfkc) - len(nfkc.translate(_HOMOGLYPH_DELETE))
    return invisible, homoglyphs


def _unleet(match: re.Match[str]) -> str:
    word = match.group(0)
    # "wow!!" and "great!" end with exclamation marks, not with a leet "i".
    stripped = word.rstrip("!")
    if _NOT_LEET.match(stripped) or not any(c.isalpha() for c in stripped):
        return word
    return stripped.translate(_LEET) + word[len(stripped) :]


def _unspace(match: re.Match[str]) -> str:
    return _SPACED_SEP.sub("", match.group(0))


# Cheap pre-checks: most comments contain neither evasion, and the full patterns are slower.
_MAYBE_LEET = re.compile(r"[a-z][0-9@$!|€]|[0-9@$|€][a-z]")
_MAYBE_SPACED = re.compile(r"\b[a-z][ ._*\-][a-z][ ._*\-][a-z]\b")


_LEET_BYTES = b"0134578@$!|"


def _normalize_plain(text: str) -> str:
    # bytes.translate finds "no leet characters at all" far faster than any regex.
    if text.isascii() and len(text.encode("ascii").translate(None, _LEET_BYTES)) == len(text):
        maybe_leet = False
    else:
        maybe_leet = _MAYBE_LEET.search(text) is not None
    if maybe_leet:
        text = _LEET_WORD.sub(_unleet, text)
    if _MAYBE_SPACED.search(text):
        text = _SPACED.sub(_unspace, text)
    return text


def normalize_cleaned(cleaned: str) -> str:
    """Second stage of :func:`normalize_text` for text that already went through :func:`clean_text`."""
    text = cleaned.casefold()
    # Links, e-mail addresses and BBCode are left alone: "bit.ly/3xYz" is not leetspeak.
    if "://" in text or "www." in text or "@" in text or "[url" in text:
        parts: list[str] = []
        last = 0
        for m in _URLISH.finditer(text):
            parts.append(_normalize_plain(text[last : m.start()]))
            parts.append(m.group(0))
            last = m.end()
        parts.append(_normalize_plain(text[last:]))
        text = "".join(parts)
    else:
        text = _normalize_plain(text)
    text = _RUNS.sub(r"\1\1", text)
    return " ".join(text.split())


def normalize_text(text: str) -> str:
    """Full normalization for n-gram features: :func:`clean_text`, case folding, leetspeak,
    spaced-out letters and long character runs."""
    return normalize_cleaned(clean_text(text))

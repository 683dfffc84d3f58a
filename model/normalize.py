"""Text normalization that undoes the usual spam/abuse evasions before features are taken.

Two stages:

* :func:`clean_text` keeps case and punctuation (so "shouting" and phone numbers can still be
  measured) but removes invisible characters, applies NFKC and folds homoglyphs to Latin.
* :func:`normalize_batch` goes further for the word/character n-gram features: case folding,
  leetspeak (``v1agra`` -> ``viagra``), spaced-out letters (``f r e e`` -> ``free``), long
  character runs (``freeeee`` -> ``free``) and whitespace. It works on a whole batch as one
  array of code points (:mod:`model.codepoints`); the regular expressions for leetspeak and
  spaced letters run only on the texts that a vectorized pre-check flags.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from model.codepoints import DIGIT, LATIN, LEET, SEP, SPACE, SPACE_CODE, SPACER, WORD, classes, decode, encode, shifted

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
    # Starts only where a run of these characters starts and takes the run whole (possessive), so
    # a crafted run costs one pass, not one pass per start or per split point.
    r"(?<![\w@$!|€])(?=[a-z0-9@$!|€]*?[a-z])(?=[a-z0-9@$!|€]*?[0-9@$!|€])"
    r"[a-z0-9@$!|€]++(?![\w@$])"
)
# Ordinals, units and codes that mix digits and letters legitimately.
_NOT_LEET = re.compile(
    r"^(?:\d+(?:st|nd|rd|th|s|am|pm|k|m|mg|kg|km|g|gb|mb|mm|cm|px|x|p|d|h)|"
    r"\d+[a-z]\d*|.*[269].*)$"
)
# An address-like token is matched from its start only, up to its first "@", then lazily to a dot:
# one pass over a token such as "a@a@a@...", where `\S+@\S+\.\S+` backtracked quadratically.
_URLISH = re.compile(r"(?:https?://|www\.)\S+|(?<!\S)[^\s@]++@\S*?\.\S+|\[/?url[^\]]*\]", re.IGNORECASE)
# Three or more single letters separated by one space/dot/dash/underscore/star: "f r e e", "c.a.s.h".
_SPACED = re.compile(r"(?<![\w])(?:[a-z][ ._*\-]){2,}[a-z](?![\w])")
_SPACED_SEP = re.compile(r"[ ._*\-]")
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_RUNS = re.compile(r"(.)\1{2,}")


def clean_text(text: str) -> str:
    """NFKC, strip invisible characters, fold Cyrillic/Greek look-alikes to Latin.

    Case, digits and punctuation are kept: engineered features read this form.
    """
    return clean_batch([text]).texts[0]


def count_evasions(raw: str) -> tuple[int, int]:
    """(invisible characters, homoglyph characters) in ``raw``: both are evasion signals."""
    invisible, homoglyphs = clean_batch([raw]).evasions[0].tolist()
    return invisible, homoglyphs


@dataclass
class Cleaned:
    """A batch after :func:`clean_batch`."""

    texts: list[str]
    joined: str  # the texts joined by NUL
    evasions: np.ndarray  # per text: invisible characters, homoglyphs (after NFKC)


# Packed per code point: 1 for an invisible character, 1 << 16 for a homoglyph.
_EVASION_FIELDS = np.zeros(1 << 16, dtype=np.int64)
_EVASION_FIELDS[list(_INVISIBLE)] |= 1
_EVASION_FIELDS[[ord(c) for c in _HOMOGLYPHS_SRC]] |= 1 << 16


def _clean_group(texts: list[str]) -> tuple[list[str], np.ndarray] | None:
    """Clean texts that need it, as one NUL-joined string: every step is local to a character or
    an entity, and NUL (a starter that nothing composes with) keeps the texts apart. ``None`` if
    an unexpected NUL appeared."""
    joined = SEP.join(texts)
    evasions = np.zeros((len(texts), 2), dtype=np.int64)
    if "&" in joined or "<br" in joined:
        # Comments often arrive HTML-escaped ("she&#39;s", "&lt;3") or with <br /> line breaks.
        joined = html.unescape(_BR.sub(" ", joined))
    if not joined.isascii():
        joined = unicodedata.normalize("NFKC", joined)
        codes = encode(SEP + joined)
        starts = np.flatnonzero(codes == 0)
        if len(starts) != len(texts):
            return None
        sums = np.add.reduceat(_EVASION_FIELDS.take(np.minimum(codes, 0xFFFF)), starts)
        evasions[:, 0], evasions[:, 1] = sums & 0xFFFF, sums >> 16
    parts = joined.split(SEP)
    if len(parts) != len(texts):
        return None
    # Only the texts that hold invisible characters or look-alikes need translating (per
    # character dictionary look-ups: the slowest step here).
    for i in np.flatnonzero(evasions.any(axis=1)).tolist():
        part = parts[i]
        # A byte-order mark at either end is an encoding artifact, not an evasion.
        evasions[i, 0] -= len(part) - len(part.strip("\ufeff"))
        parts[i] = part.translate(_INVISIBLE).translate(_HOMOGLYPHS)
    for i, part in enumerate(parts):
        # Combining marks stacked on letters ("Zalgo" text) hide words from n-grams. Per text:
        # decomposing would also strip the accents of texts that have no stacked marks.
        if not part.isascii() and _COMBINING.search(part):
            part = "".join(c for c in unicodedata.normalize("NFD", part) if not unicodedata.combining(c))
            parts[i] = unicodedata.normalize("NFC", part)
    return parts, evasions


def clean_batch(raws: Sequence[str]) -> Cleaned:
    """:func:`clean_text` of each text, the cleaned texts joined by NUL, and evasion counts.

    A NUL inside a text (never meaningful in a comment) becomes a space: NUL separates texts.
    """
    texts = list(raws)
    evasions = np.zeros((len(texts), 2), dtype=np.int64)
    # Most comments are plain ASCII with no markup: they pass unchanged.
    todo = [i for i, r in enumerate(raws) if not r.isascii() or "&" in r or "<br" in r or SEP in r]
    if todo:
        group = [raws[i].replace(SEP, " ") for i in todo]
        done = _clean_group(group)
        if done is None:  # never seen; one by one keeps every text whole
            results = [_clean_group([t]) or ([t], np.zeros((1, 2), dtype=np.int64)) for t in group]
            done = [r[0][0] for r in results], np.concatenate([r[1] for r in results])
        for k, i in enumerate(todo):
            texts[i] = done[0][k].replace(SEP, " ")
        evasions[todo] = done[1]
    return Cleaned(texts, SEP.join(texts), evasions)


def _unleet(match: re.Match[str]) -> str:
    word = match.group(0)
    if word.startswith("@"):  # "@name" mentions a user; it hides no word
        return word
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


def deobfuscate(folded: str) -> str:
    """Undo leetspeak and spaced-out letters in case-folded text, leaving links and e-mail
    addresses alone ("bit.ly/3xYz" is not leetspeak)."""
    if "://" not in folded and "www." not in folded and "@" not in folded and "[url" not in folded:
        return _normalize_plain(folded)
    parts: list[str] = []
    last = 0
    for m in _URLISH.finditer(folded):
        parts.append(_normalize_plain(folded[last : m.start()]))
        parts.append(m.group(0))
        last = m.end()
    parts.append(_normalize_plain(folded[last:]))
    return "".join(parts)


@dataclass
class Normalized:
    """A normalized batch. ``codes``: ``NUL, " ", text 0, " ", NUL, " ", text 1, " ", NUL ...``
    (one space of padding on each side of every text, as character n-grams want it);
    ``flags``: their :func:`~model.codepoints.classes`; ``obfuscated``: per text, how many words
    leetspeak or spaced-out letters disguised."""

    codes: np.ndarray
    flags: np.ndarray
    obfuscated: np.ndarray

    def head(self, n_texts: int) -> Normalized:
        """The first ``n_texts`` texts alone."""
        end = int(np.flatnonzero(self.codes == 0)[n_texts]) + 1
        return Normalized(self.codes[:end], self.flags[:end], self.obfuscated[:n_texts])

    def texts(self) -> list[str]:
        return [t[1:-1] if len(t) > 1 else "" for t in decode(self.codes).split(SEP)[1:-1]]


def _layout(texts: Sequence[str]) -> str:
    """``NUL, " ", text 0, " ", NUL, ...`` (an empty text leaves a single space): the layout of
    :class:`Normalized`, which normalized texts already have and the collapse below restores."""
    return SEP + "".join(f" {t} {SEP}" if t else f" {SEP}" for t in texts)


def _maybe_obfuscated(codes: np.ndarray, flags: np.ndarray) -> np.ndarray:
    """Positions that may start leetspeak or spaced-out letters (a superset of what the regular
    expressions in :func:`deobfuscate` change; most comments have none)."""
    letter = (flags & LATIN) != 0
    leet = (flags & LEET) != 0
    # "v1agra", "fr33", "c@sino"; a "!" only counts before a letter ("great!" is not leetspeak),
    # an "@" before one only inside a word ("@name" is a mention).
    in_word = shifted((flags & (LATIN | LEET | DIGIT)) != 0, 1)
    found = leet & ((shifted(letter, -1) & ((codes != 64) | in_word)) | (shifted(letter, 1) & (codes != 33)))
    sep = (flags & SPACER) != 0
    # "f r e e", "c.a.s.h": a single letter, a separator, a letter, a separator, a letter.
    found |= (
        letter
        & ~shifted((flags & WORD) != 0, 1)
        & shifted(sep, -1)
        & shifted(letter, -2)
        & shifted(sep, -3)
        & shifted(letter, -4)
        & ~shifted(((flags & WORD) != 0) & ~sep, -5)
    )
    return found


def normalize_batch(cleaned: Sequence[str]) -> Normalized:
    """Normalize texts that went through :func:`clean_text` (see the module docstring)."""
    folded = [t.casefold() for t in cleaned]
    codes = encode(_layout([t.replace(SEP, " ") for t in folded]))
    flags = classes(codes)
    obfuscated = np.zeros(len(folded), dtype=np.int64)
    suspects = _maybe_obfuscated(codes, flags)
    if suspects.any():
        changed = False
        for i in np.unique(np.cumsum(codes == 0)[suspects] - 1).tolist():
            plain = deobfuscate(folded[i])
            if plain != folded[i]:
                obfuscated[i] = max(len(set(folded[i].split()) - set(plain.split())), 1)
                folded[i] = plain
                changed = True
        if changed:
            codes = encode(_layout([t.replace(SEP, " ") for t in folded]))
            flags = classes(codes)
    # Every kind of white space becomes one plain space.
    space = (flags & SPACE) != 0
    if space.any():
        codes = np.where(space, np.uint32(SPACE_CODE), codes)
        flags = np.where(space, _SPACE_FLAGS, flags)
    # Runs of three or more of one character keep two ("freeeee" -> "free", "!!!!" -> "!!").
    same = np.zeros(len(codes), dtype=bool)
    same[1:] = codes[1:] == codes[:-1]
    keep = ~(same & shifted(same, 1))
    # Then one space where there were several (the padding absorbs leading/trailing spaces).
    codes, flags = codes[keep], flags[keep]
    space = codes == SPACE_CODE
    keep = ~(space & shifted(space, 1))
    return Normalized(codes[keep], flags[keep], obfuscated)


_SPACE_FLAGS = classes(np.array([SPACE_CODE], dtype=np.uint32))[0]


def normalize_one(cleaned: str) -> tuple[str, int]:
    """:func:`normalize_batch` of one text, in plain Python (the same result, faster for a few
    texts than numpy's per-call overhead): ``(normalized text, obfuscated words)``."""
    folded = cleaned.casefold().replace(SEP, " ")
    plain = deobfuscate(folded)
    obfuscated = max(len(set(folded.split()) - set(plain.split())), 1) if plain != folded else 0
    return " ".join(_RUNS.sub(r"\1\1", plain).split()), obfuscated


def normalize_small(cleaned: Sequence[str]) -> tuple[Normalized, list[str]]:
    """:func:`normalize_batch` through :func:`normalize_one`; also returns the normalized texts."""
    texts, obfuscated = zip(*map(normalize_one, cleaned), strict=True) if cleaned else ((), ())
    norm = as_normalized(texts)
    norm.obfuscated[:] = obfuscated
    return norm, list(texts)


def as_normalized(texts: Sequence[str]) -> Normalized:
    """Texts that are already normalized, in :class:`Normalized` form (normalizing twice could
    differ from normalizing once: a link that leetspeak undoing made, say)."""
    codes = encode(_layout(texts))
    return Normalized(codes, classes(codes), np.zeros(len(texts), dtype=np.int64))


def normalize_text(text: str) -> str:
    """Full normalization of one text: :func:`clean_text`, then :func:`normalize_batch`."""
    return normalize_batch([clean_text(text)]).texts()[0]

"""The named engineered features of comments (:data:`~model.patterns.ENGINEERED_FEATURES`).

Two implementations that give the same values (``tests/test_model_features.py`` checks them
against each other on thousands of real comments): :func:`engineered_batch` in numpy, for
batches, whose cost is mostly per batch; :func:`engineered_small` in plain Python, for one or
a few comments, where numpy's per-call overhead would cost more than the work.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import numpy as np

from model.codepoints import (
    ALPHA,
    CURRENCY,
    DIGIT,
    EXCLAMATION,
    LOWER,
    MARKUP,
    PUNCT,
    SEP,
    SPACE,
    UNIT,
    UPPER,
    WORD,
    classes,
    encode,
    member,
)
from model.normalize import Normalized, clean_batch, normalize_batch, normalize_one
from model.patterns import (
    BBCODE_RE,
    COMMERCIAL_WORDS,
    CURRENCY_RE,
    DIGIT_RE,
    EMAIL_RE,
    ENGINEERED_FEATURES,
    MONEY_WORDS,
    PHONE_RE,
    SUPPORT_RE,
    TOLL_FREE_RE,
    WORDS_RE,
    count_links,
    link_kind_counts,
    mask_links,
)
from model.tokens import MAX_NGRAM_CHARS, Tokens, tokenize, vocabulary

# log(1+n)/log(1+cap), capped at 1.5: counts enter on a log scale so the first occurrences
# matter most and values stay ~[0, 1.5]. Index min(count, 64) into a table per cap.
_LOG_TABLES = {
    cap: np.array([min(math.log1p(k) / math.log1p(cap), 1.5) for k in range(64)] + [1.5]) for cap in (2, 3, 5, 8, 10)
}


def _log_scaled(counts: np.ndarray, cap: int = 5) -> np.ndarray:
    return _LOG_TABLES[cap][np.minimum(counts, 64)]


_MONEY_HASHES = vocabulary(MONEY_WORDS)
_COMMERCIAL_HASHES = vocabulary(COMMERCIAL_WORDS)


def _per_text_regex_counts(pattern: re.Pattern[str], texts: Sequence[str], which: np.ndarray) -> np.ndarray:
    counts = np.zeros(len(texts), dtype=np.int64)
    for i in np.flatnonzero(which).tolist():
        counts[i] = len(pattern.findall(texts[i]))
    return counts


def _packed(flags_per_field: tuple[int, ...]) -> np.ndarray:
    """For every flags value, up to four 0/1 fields of 16 bits in one int64: summing the packed
    values of a segment counts all fields at once (segments are shorter than 65536)."""
    values = np.arange(1 << 16, dtype=np.int64)
    out = np.zeros(1 << 16, dtype=np.int64)
    for k, flag in enumerate(flags_per_field):
        out |= ((values & flag) != 0).astype(np.int64) << (16 * k)
    return out


def _unpacked(sums: np.ndarray, fields: int) -> list[np.ndarray]:
    return [(sums >> (16 * k)) & 0xFFFF for k in range(fields)]


def _segment_counts(packed: np.ndarray, flags: np.ndarray, starts: np.ndarray, fields: int) -> list[np.ndarray]:
    """Per segment of ``flags`` beginning at ``starts``: how many characters carry each field."""
    return _unpacked(np.add.reduceat(packed.take(flags), starts), fields)


_TEXT_FIELDS = _packed((ALPHA, UPPER, DIGIT, EXCLAMATION))
_MARK_FIELDS = _packed((MARKUP, CURRENCY))
_WORD_FIELDS = _packed((ALPHA, UPPER, LOWER))
_PHONE_SPAN = 16  # a phone number's ten digits fit in 16 characters: "+1 (800) 555-0199"


def engineered_batch(
    raws: Sequence[str],
    authors: Sequence[str],
    urls: Sequence[str],
    cleaned: Sequence[str],
    cleaned_joined: str | None = None,
    authors_cleaned: Sequence[str] | None = None,
    norm: Normalized | None = None,
    tokens: Tokens | None = None,
    evasions: np.ndarray | None = None,
) -> np.ndarray:
    """The values of :data:`ENGINEERED_FEATURES` for a batch, shape ``(n, 26)``, each ~[0, 1.5].

    ``cleaned`` is :func:`~model.normalize.clean_text` of each raw text. The rest is computed
    here when the caller does not already have it: ``cleaned_joined`` (``cleaned`` joined by
    NUL), ``authors_cleaned``, and ``norm`` / ``tokens``, the normalized texts followed by the
    normalized authors (2n texts: one normalization pass for both), and ``evasions``.
    """
    n = len(raws)
    if authors_cleaned is None:
        authors_cleaned = clean_batch(authors).texts
    if norm is None:
        norm = normalize_batch([mask_links(t)[:MAX_NGRAM_CHARS] for t in cleaned] + list(authors_cleaned))
    if tokens is None:
        tokens = tokenize(norm)
    joined = cleaned_joined if cleaned_joined is not None else SEP.join(cleaned)
    # NUL before every text and after the last: segment i runs from NUL i to NUL i + 1. Two more
    # NULs outside let c_prev / c_next be views instead of shifted copies.
    padded = encode(SEP * 2 + joined + SEP * 2)
    all_flags = classes(padded)
    c, c_prev, c_next, c_next2 = padded[1:-2], padded[:-3], padded[2:-1], padded[3:]
    f, f_prev, f_next, f_next2 = all_flags[1:-2], all_flags[:-3], all_flags[2:-1], all_flags[3:]
    starts = np.flatnonzero(c == 0)[:n]
    lengths = np.fromiter(map(len, cleaned), dtype=np.int64, count=n)
    letters, upper, digits, exclamations = _segment_counts(_TEXT_FIELDS, f, starts, 4)
    markup, currency = _segment_counts(_MARK_FIELDS, f, starts, 2)

    # Runs of one character (not a line break) three or more long, and of punctuation two or more.
    same_next = c_next == c
    run_start = same_next & (c_next2 == c_next) & (c_prev != c) & (c != 10)
    punct = (f & PUNCT) != 0
    punct_start = punct & ((f_next & PUNCT) != 0) & ((f_prev & PUNCT) == 0)
    # Pre-checks for the regular expressions below; each flags at least every text its pattern
    # can match (tests/test_model_features.py compares with running the patterns everywhere).
    word_prev, word_next = (f_prev & WORD) != 0, (f_next & WORD) != 0
    # Links: "x.yz"-like dots, "www." followed by anything, "://".
    link = (c == 46) & (word_prev | (c_prev == 45)) & (word_next | (c_next == 45) | (c_prev | 32 == 119))
    link |= (c == 58) & (c_next == 47)
    # E-mail addresses: an "@" between address characters ("@name" mentions have a space before).
    at = c == 64
    email = at & (word_prev | (c_prev == 46) | (c_prev == 43) | (c_prev == 45)) & (word_next | (c_next == 45))
    # Amounts: a digit followed by a unit letter ("5k", "10 usd").
    digit = (f & DIGIT) != 0
    amount = digit & (((f_next & UNIT) != 0) | ((f_next2 & UNIT) != 0))
    # Phone numbers: ten digits within a short span, or "+" and a digit.
    digits_before = np.cumsum(digit)
    phone = np.zeros(len(c), dtype=bool)
    phone[:-_PHONE_SPAN] = digits_before[_PHONE_SPAN:] - digits_before[:-_PHONE_SPAN] >= 10
    phone |= (c == 43) & ((f_next & DIGIT) != 0)
    neighbours = np.column_stack([run_start, punct_start, link, email, amount, phone]).view(np.uint8)
    repeated, repeated_punct, maybe_link, maybe_email, amounts, maybe_phone = np.add.reduceat(
        neighbours, starts, axis=0, dtype=np.int64
    ).T

    # White-space separated words: alphabetic ones of 3+ characters, and those all in capitals.
    # A segment from one word start to the next holds the word and the spaces after it.
    inside = ((f & SPACE) == 0) & (c != 0)
    word_starts = np.flatnonzero(inside & (((f_prev & SPACE) != 0) | (c_prev == 0)))
    word_ends = np.flatnonzero(inside & (((f_next & SPACE) != 0) | (c_next == 0)))
    long_words = shouting = np.zeros(n, dtype=np.int64)
    if len(word_starts):
        size = word_ends - word_starts + 1
        alpha, up, low = _segment_counts(_WORD_FIELDS, f, word_starts, 3)
        word_doc = np.searchsorted(starts, word_starts, side="right") - 1
        long_alpha = (size >= 3) & (alpha == size)
        long_words = np.bincount(word_doc[long_alpha], minlength=n)
        shouting = np.bincount(word_doc[long_alpha & (up > 0) & (low == 0)], minlength=n)

    # Regular expressions only for the texts the pre-checks above flag.
    link_counts = np.zeros((n, 6), dtype=np.int64)
    for i in np.flatnonzero(maybe_link).tolist():
        link_counts[i] = link_kind_counts(cleaned[i])
    phones = _per_text_regex_counts(PHONE_RE, cleaned, maybe_phone > 0)
    toll_free = _per_text_regex_counts(TOLL_FREE_RE, cleaned, phones > 0)
    support = np.zeros(n)
    for i in np.flatnonzero(phones).tolist():
        support[i] = SUPPORT_RE.search(cleaned[i]) is not None
    emails = _per_text_regex_counts(EMAIL_RE, cleaned, maybe_email > 0)
    bbcode = np.zeros(n)
    for i in np.flatnonzero(markup).tolist():
        bbcode[i] = BBCODE_RE.search(cleaned[i]) is not None
    money = _per_text_regex_counts(CURRENCY_RE, cleaned, (digits > 0) & ((currency > 0) | (amounts > 0)))
    money += np.bincount(tokens.docs[member(tokens.hashes, _MONEY_HASHES)], minlength=2 * n)[:n]
    commercial_both = np.bincount(tokens.docs[member(tokens.hashes, _COMMERCIAL_HASHES)], minlength=2 * n)
    commercial = commercial_both[:n]
    if evasions is None:
        evasions = clean_batch(raws).evasions

    counts = np.column_stack(
        [
            link_counts,
            emails,
            phones,
            toll_free,
            money,
            commercial,
            repeated,
            repeated_punct,
            exclamations,
            evasions[:, 0],
            evasions[:, 1],
            norm.obfuscated[:n],
        ]
    )
    scaled = _LOG_SCALE[np.minimum(counts, 64), _COUNT_COLUMNS]
    out = np.empty((n, len(ENGINEERED_FEATURES)))
    out[:, _COUNT_TARGETS] = scaled
    out[:, _BBCODE_COL] = bbcode
    out[:, _SUPPORT_COL] = support
    out[:, _CAPS_COL] = np.where(letters >= 6, upper / np.maximum(letters, 1), 0.0)
    out[:, _SHOUT_COL] = np.where(long_words >= 2, shouting / np.maximum(long_words, 1), 0.0)
    out[:, _LENGTH_COL] = np.log1p(lengths) / math.log1p(2000)
    out[:, _SHORT_COL] = lengths < 20
    out[:, _DIGIT_RATIO_COL] = digits / np.maximum(lengths, 1)
    author_words = np.bincount(tokens.docs, minlength=2 * n)[n:]
    out[:, _AUTHOR_COLS] = _author_columns(authors_cleaned, author_words, commercial_both[n:])
    out[:, _URL_COLS] = _url_columns(urls)
    return out


# Where engineered_batch puts each log-scaled count, and with which cap.
_COUNT_FEATURES = (
    ("link_count", 5),
    ("distinct_domains", 5),
    ("link_reference", 3),
    ("link_shortener", 3),
    ("link_commercial", 3),
    ("link_other", 3),
    ("email_address", 2),
    ("phone_number", 2),
    ("toll_free_number", 2),
    ("money", 5),
    ("commercial_words", 8),
    ("repeated_chars", 5),
    ("repeated_punctuation", 5),
    ("exclamations", 10),
    ("invisible_chars", 5),
    ("homoglyphs", 5),
    ("obfuscated_words", 5),
)
_COUNT_TARGETS = [ENGINEERED_FEATURES.index(name) for name, _ in _COUNT_FEATURES]
_LOG_SCALE = np.column_stack([_LOG_TABLES[cap] for _, cap in _COUNT_FEATURES])
_COUNT_COLUMNS = np.arange(len(_COUNT_FEATURES))
_BBCODE_COL = ENGINEERED_FEATURES.index("bbcode_link")
_SUPPORT_COL = ENGINEERED_FEATURES.index("support_number")
_CAPS_COL = ENGINEERED_FEATURES.index("caps_ratio")
_SHOUT_COL = ENGINEERED_FEATURES.index("shouting_words")
_LENGTH_COL = ENGINEERED_FEATURES.index("length")
_SHORT_COL = ENGINEERED_FEATURES.index("short_text")
_DIGIT_RATIO_COL = ENGINEERED_FEATURES.index("digit_ratio")
_AUTHOR_COLS = [ENGINEERED_FEATURES.index(f) for f in ENGINEERED_FEATURES if f.startswith("author_")]
_URL_COLS = [ENGINEERED_FEATURES.index("url_present"), ENGINEERED_FEATURES.index("url_commercial")]


def _author_columns(cleaned: Sequence[str], words: np.ndarray, commercial: np.ndarray) -> np.ndarray:
    """author_commercial, author_many_words, author_has_link, author_digits: shape ``(n, 4)``."""
    if not any(cleaned):
        return np.zeros((len(cleaned), 4))
    has_link = [1.0 if "." in a and count_links(a)[0] else 0.0 for a in cleaned]
    has_digit = [1.0 if DIGIT_RE.search(a) else 0.0 for a in cleaned]
    return np.column_stack([_log_scaled(commercial, 3), words >= 3, has_link, has_digit])


def _url_columns(urls: Sequence[str]) -> np.ndarray:
    """url_present, url_commercial: shape ``(n, 2)``."""
    if not any(urls):
        return np.zeros((len(urls), 2))
    present = np.array([1.0 if u.strip() else 0.0 for u in urls])
    commercial = np.array(
        [sum(1 for w in WORDS_RE.findall(u.lower()) if w in COMMERCIAL_WORDS) if u else 0 for u in urls], dtype=np.int64
    )
    return np.column_stack([present, _log_scaled(commercial, 3)])


# The few-comments path: the same values as engineered_batch, computed with str methods.
_REPEATED_CHARS_RE = re.compile(r"(.)\1{2,}")
_REPEATED_PUNCT_RE = re.compile(r"[!?.$*]{2,}")
_ASCII_LETTERS = bytes(range(65, 91)) + bytes(range(97, 123))
_ASCII_UPPER = bytes(range(65, 91))
_ASCII_DIGITS = b"0123456789"
# Normalized like the texts they are compared with ("xxx" -> "xx"), as `vocabulary` does.
_MONEY_NORMALIZED = frozenset(normalize_one(w)[0] for w in MONEY_WORDS)
_COMMERCIAL_NORMALIZED = frozenset(normalize_one(w)[0] for w in COMMERCIAL_WORDS)


def _letters_upper_digits(text: str) -> tuple[int, int, int]:
    if text.isascii():
        b = text.encode("ascii")
        n = len(b)
        return (
            n - len(b.translate(None, _ASCII_LETTERS)),
            n - len(b.translate(None, _ASCII_UPPER)),
            n - len(b.translate(None, _ASCII_DIGITS)),
        )
    return sum(map(str.isalpha, text)), sum(map(str.isupper, text)), sum(map(str.isdecimal, text))


def _is_shouted(word: str) -> bool:
    # str.isupper, except that a titlecase letter ("ǅ") does not make the word mixed-case.
    return word.isupper() if word.isascii() else any(map(str.isupper, word)) and not any(map(str.islower, word))


def _small_row(
    author: str, url: str, cleaned: str, text: str, obfuscated: int, author_text: str, evasions: list[int]
) -> list[float]:
    letters, upper, digits = _letters_upper_digits(cleaned)
    link_counts = link_kind_counts(cleaned)
    phones = toll_free = 0
    support = False
    if digits >= 7:
        phones = len(PHONE_RE.findall(cleaned))
        if phones:
            toll_free = len(TOLL_FREE_RE.findall(cleaned))
            support = SUPPORT_RE.search(cleaned) is not None
    tokens = WORDS_RE.findall(text)
    money = sum(1 for w in tokens if w in _MONEY_NORMALIZED)
    if digits:
        money += len(CURRENCY_RE.findall(cleaned))
    long_words = [w for w in cleaned.split() if len(w) >= 3 and w.isalpha()]
    shouting = sum(1 for w in long_words if _is_shouted(w))
    invisible, homoglyphs = evasions
    author_tokens = WORDS_RE.findall(author_text)
    n = len(cleaned)
    counts = [
        *link_counts,
        len(EMAIL_RE.findall(cleaned)) if "@" in cleaned else 0,
        phones,
        toll_free,
        money,
        sum(1 for w in tokens if w in _COMMERCIAL_NORMALIZED),
        len(_REPEATED_CHARS_RE.findall(cleaned)),
        len(_REPEATED_PUNCT_RE.findall(cleaned)),
        cleaned.count("!"),
        invisible,
        homoglyphs,
        obfuscated,
    ]
    row = [0.0] * len(ENGINEERED_FEATURES)
    for column, count, table in zip(_COUNT_TARGETS, counts, _SMALL_TABLES, strict=True):
        row[column] = table[min(count, 64)]
    row[_BBCODE_COL] = 1.0 if ("[" in cleaned or "<" in cleaned) and BBCODE_RE.search(cleaned) else 0.0
    row[_SUPPORT_COL] = 1.0 if support else 0.0
    row[_CAPS_COL] = upper / letters if letters >= 6 else 0.0
    row[_SHOUT_COL] = shouting / len(long_words) if len(long_words) >= 2 else 0.0
    row[_LENGTH_COL] = math.log1p(n) / math.log1p(2000)
    row[_SHORT_COL] = 1.0 if n < 20 else 0.0
    row[_DIGIT_RATIO_COL] = digits / n if n else 0.0
    if author:
        row[_AUTHOR_COLS[0]] = _SMALL_LOG3[min(sum(1 for w in author_tokens if w in _COMMERCIAL_NORMALIZED), 64)]
        row[_AUTHOR_COLS[1]] = 1.0 if len(author_tokens) >= 3 else 0.0
        row[_AUTHOR_COLS[2]] = 1.0 if "." in author and count_links(author)[0] else 0.0
        row[_AUTHOR_COLS[3]] = 1.0 if DIGIT_RE.search(author) else 0.0
    if url:
        row[_URL_COLS[0]] = 1.0 if url.strip() else 0.0
        row[_URL_COLS[1]] = _SMALL_LOG3[min(sum(1 for w in WORDS_RE.findall(url.lower()) if w in COMMERCIAL_WORDS), 64)]
    return row


_SMALL_TABLES = [_LOG_TABLES[cap].tolist() for _, cap in _COUNT_FEATURES]
_SMALL_LOG3 = _LOG_TABLES[3].tolist()


def engineered_small(
    urls: Sequence[str],
    cleaned: Sequence[str],
    authors_cleaned: Sequence[str],
    texts: Sequence[str],
    author_texts: Sequence[str],
    obfuscated: Sequence[int],
    evasions: np.ndarray,
) -> np.ndarray:
    """:func:`engineered_batch` for a few comments. ``texts`` / ``author_texts``: the normalized
    texts and authors (:func:`~model.normalize.normalize_one`), ``obfuscated`` its counts;
    ``evasions`` from :func:`~model.normalize.clean_batch`."""
    rows = [
        _small_row(*values)
        for values in zip(
            authors_cleaned, urls, cleaned, texts, obfuscated, author_texts, evasions.tolist(), strict=True
        )
    ]
    return np.array(rows, dtype=np.float64).reshape(len(rows), len(ENGINEERED_FEATURES))

"""Features of a comment: hashed character and word n-grams plus named engineered features.

The feature step is a plain scikit-learn ``Pipeline`` (see :func:`make_feature_pipeline`) so a
saved model can be inspected in a notebook. It is stateless (hashing, no vocabulary), which is
why the same fitted object can be shared by every head and why :func:`fast_transform` can call
its parts directly, skipping ``ColumnTransformer`` bookkeeping that would dominate the cost of
scoring a single comment.

Input rows are ``(text, author, url)``; :func:`prepare_columns` appends the cleaned and the
normalized text so normalization runs once per comment.
"""

from __future__ import annotations

import math
import re
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from model.normalize import clean_text, count_evasions, normalize_cleaned

# Column positions after prepare_columns.
RAW, AUTHOR, URL, CLEAN, NORM = range(5)
MAX_CHARS = 5_000
MAX_NGRAM_CHARS = 3_000
MAX_FIELD_CHARS = 300

_TLDS = frozenset(
    "com net org info biz io co us uk de ru cn in me tv ly gl xyz online site top club shop store link "
    "click pro ca au fr es it nl pl br jp to cc ws tk ml ga cf gq be eu asia mobi name live app blog page "
    "example".split()
)
# Candidate links: scheme or www. prefixed, or bare host names; bare ones are kept only when they end
# in a known TLD, so "e.g." or "3.5" are not links.
_LINK = re.compile(
    r"(?:https?://|www\.)[^\s<>\"'\]\[]+|(?<![@\w.-])[a-z0-9-]+(?:\.[a-z0-9-]+)+(?:/[^\s<>\"'\]\[]*)?",
    re.IGNORECASE,
)
_BBCODE = re.compile(r"\[url[=\]]|<a\s+href|\[link[=\]]", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# North-American and international phone numbers with the usual separators, including the
# "1-888-555-0199", "(800) 555 0199", "+44 20 7946 0958" and "1.866.555.0199" spellings.
_PHONE = re.compile(
    r"(?<![\w.])(?:\+?\d{1,3}[\s.\-]?)?(?:\(\d{3}\)|\d{3})[\s.\-]?\d{3}[\s.\-]?\d{4}(?!\w)"
    r"|(?<![\w.])\+\d{1,3}(?:[\s.\-]?\d{2,4}){3,4}(?!\w)"
)
_TOLL_FREE = re.compile(r"(?<!\d)(?:\+?1[\s.\-]?)?\(?8(?:00|33|44|55|66|77|88)\)?[\s.\-]?\d{3}[\s.\-]?\d{4}")
_CURRENCY = re.compile(
    r"[$€£¥]\s?\d|\d\s?[$€£¥]|\d\s?(?:usd|eur|k)\b|/(?:day|hour|week|month)\b", re.IGNORECASE
)
_MONEY_WORDS = frozenset(
    "cash money income earn earning earnings paid payday loan loans credit bitcoin crypto forex dollars "
    "bucks profit investment invest rich".split()
)
_SUPPORT = re.compile(
    r"\b(?:support|helpline|help ?line|help ?desk|customer (?:care|service)|tech(?:nical)? support|"
    r"toll[- ]?free|hotline|phone number|contact number|call (?:us|now|at|our)?)\b",
    re.IGNORECASE,
)
_COMMERCIAL = frozenset(
    "cheap buy discount sale deal deals offer offers order shop store online pill pills pharmacy viagra "
    "cialis casino poker betting bet loan loans credit insurance seo backlink backlinks traffic followers "
    "subscribe subscribers replica essay dating sex porn xxx crypto bitcoin forex investment weight diet "
    "free win winner prize promo coupon bonus earn money cash income channel click visit website service "
    "services agency marketing escort vpn download hack cheat cheats".split()
)
_WORDS = re.compile(r"\w+")
_LETTERS = re.compile(r"[^\W\d_]")
_UPPER = re.compile(r"[A-Z\u00c0-\u00de]")
_DIGIT = re.compile(r"\d")
_REPEAT_CHARS = re.compile(r"(.)\1{2,}")
_REPEAT_PUNCT = re.compile(r"[!?.$*]{2,}")

ENGINEERED_FEATURES: tuple[str, ...] = (
    "link_count",
    "distinct_domains",
    "bbcode_link",
    "email_address",
    "phone_number",
    "toll_free_number",
    "support_number",
    "money",
    "commercial_words",
    "caps_ratio",
    "shouting_words",
    "repeated_chars",
    "repeated_punctuation",
    "exclamations",
    "length",
    "short_text",
    "digit_ratio",
    "invisible_chars",
    "homoglyphs",
    "obfuscated_words",
    "author_commercial",
    "author_many_words",
    "author_has_link",
    "author_digits",
    "url_present",
    "url_commercial",
)


# log(1+n)/log(1+cap) for small counts, precomputed: counts enter on a log scale so the first
# occurrences matter most and values stay ~[0, 1.5]; a table beats math.log1p per feature.
_LOG_TABLE = {
    cap: tuple(min(math.log1p(k) / math.log1p(cap), 1.5) for k in range(64)) for cap in (2, 3, 5, 8, 10)
}
_DIGIT_BYTES = b"0123456789"
_ALPHA_BYTES = bytes(range(65, 91)) + bytes(range(97, 123))
_UPPER_BYTES = bytes(range(65, 91))
_MAYBE_BARE_LINK = re.compile(r"[A-Za-z0-9]\.[A-Za-z]{2}")


def _log_scaled(count: int, cap: int = 5) -> float:
    return _LOG_TABLE[cap][count] if count < 64 else 1.5


def _links(cleaned: str) -> tuple[int, int]:
    """Number of links and of distinct host names in the text."""
    if "://" not in cleaned and "www." not in cleaned and not _MAYBE_BARE_LINK.search(cleaned):
        return 0, 0
    hosts = []
    for link in _LINK.findall(cleaned):
        bare = "://" not in link and not link.lower().startswith("www.")
        target = link if not bare else "http://" + link
        try:
            host = (urlsplit(target).hostname or "").removeprefix("www.")
        except ValueError:
            continue
        if bare and host.rsplit(".", 1)[-1] not in _TLDS:
            continue
        hosts.append(host)
    return len(hosts), len(set(hosts))


def _char_counts(cleaned: str) -> tuple[int, int, int]:
    """(letters, upper-case letters, digits); bytes.translate is ~10x faster than regex for ASCII."""
    if cleaned.isascii():
        b = cleaned.encode("ascii")
        n = len(b)
        return (
            n - len(b.translate(None, _ALPHA_BYTES)),
            n - len(b.translate(None, _UPPER_BYTES)),
            n - len(b.translate(None, _DIGIT_BYTES)),
        )
    return len(_LETTERS.findall(cleaned)), len(_UPPER.findall(cleaned)), len(_DIGIT.findall(cleaned))


def _author_features(author: str) -> tuple[float, float, float, float]:
    if not author:
        return 0.0, 0.0, 0.0, 0.0
    author_clean = clean_text(author)
    author_words = _WORDS.findall(normalize_cleaned(author_clean))
    return (
        _log_scaled(sum(1 for w in author_words if w in _COMMERCIAL), 3),
        1.0 if len(author_words) >= 3 else 0.0,
        1.0 if _links(author_clean)[0] else 0.0,
        1.0 if _DIGIT.search(author_clean) else 0.0,
    )


def engineered_row(
    raw: str, author: str, url: str, cleaned: str, normalized: str, tokens: list[str] | None = None
) -> list[float]:
    """The values of :data:`ENGINEERED_FEATURES` for one comment, each roughly in [0, 1.5].

    ``tokens`` are the word tokens of ``normalized`` when the caller already has them.
    """
    n_links, n_domains = _links(cleaned)
    letters, upper, digits = _char_counts(cleaned)
    phones = toll_free = 0
    support = False
    if digits >= 7:
        phones = len(_PHONE.findall(cleaned))
        if phones:
            toll_free = len(_TOLL_FREE.findall(cleaned))
            support = _SUPPORT.search(cleaned) is not None
    if tokens is None:
        tokens = _WORDS.findall(normalized)
    long_words = [w for w in cleaned.split() if len(w) >= 3 and w.isalpha()]
    shouting = sum(1 for w in long_words if w.isupper())
    invisible, homoglyphs = count_evasions(raw)
    # Words whose normalized form differs from the cleaned one by more than case and repeated
    # characters: leetspeak or spaced-out letters.
    obfuscated = 0
    folded = cleaned.casefold()
    if normalized != folded:
        words = normalized.split()
        if _REPEAT_CHARS.sub(r"\1\1", " ".join(folded.split())) != normalized:
            obfuscated = max(len(set(folded.split()) - set(words)), 1)
    n = len(cleaned)
    money = sum(1 for w in tokens if w in _MONEY_WORDS)
    if digits:
        money += len(_CURRENCY.findall(cleaned))
    commercial = sum(1 for w in tokens if w in _COMMERCIAL)
    url_words = _WORDS.findall(url.lower()) if url else []
    exclamations = cleaned.count("!")
    has_repeat = "!!" in cleaned or "??" in cleaned or ".." in cleaned or "$$" in cleaned or "**" in cleaned
    return [
        _log_scaled(n_links),
        _log_scaled(n_domains),
        1.0 if ("[" in cleaned or "<" in cleaned) and _BBCODE.search(cleaned) else 0.0,
        _log_scaled(len(_EMAIL.findall(cleaned)), 2) if "@" in cleaned else 0.0,
        _log_scaled(phones, 2),
        _log_scaled(toll_free, 2),
        1.0 if support else 0.0,
        _log_scaled(money),
        _log_scaled(commercial, 8),
        upper / letters if letters >= 6 else 0.0,
        shouting / len(long_words) if len(long_words) >= 2 else 0.0,
        _log_scaled(len(_REPEAT_CHARS.findall(cleaned))),
        _log_scaled(len(_REPEAT_PUNCT.findall(cleaned))) if has_repeat else 0.0,
        _log_scaled(exclamations, 10),
        math.log1p(n) / math.log1p(2000),
        1.0 if n < 20 else 0.0,
        digits / n if n else 0.0,
        _log_scaled(invisible),
        _log_scaled(homoglyphs),
        _log_scaled(obfuscated),
        *_author_features(author),
        1.0 if url.strip() else 0.0,
        _log_scaled(sum(1 for w in url_words if w in _COMMERCIAL), 3),
    ]


Prepared = tuple[str, str, str, str, str]


def prepare_rows(rows: object) -> list[Prepared]:
    """``(text, author, url)`` rows -> ``(raw, author, url, cleaned, normalized)`` tuples."""
    out = []
    for row in rows:  # type: ignore[attr-defined]
        raw, author, url = (str(v) if v is not None else "" for v in row)
        # Long comments are read up to a bound: their opening carries the signal, and a
        # 64 KB comment must not cost a thousand times more to score than a short one.
        raw = raw[:MAX_CHARS]
        cleaned = clean_text(raw)
        out.append(
            (
                raw,
                author[:MAX_FIELD_CHARS],
                url[:MAX_FIELD_CHARS],
                cleaned,
                normalize_cleaned(cleaned[:MAX_NGRAM_CHARS]),
            )
        )
    return out


def prepare_columns(rows: object) -> np.ndarray:
    """:func:`prepare_rows` as a 2-D object array, the input ``ColumnTransformer`` needs."""
    out = prepare_rows(rows)
    arr = np.empty((len(out), 5), dtype=object)
    for i, r in enumerate(out):
        arr[i] = r
    return arr


def engineered_dense(
    columns: Sequence[Prepared] | np.ndarray, tokens: Sequence[list[str]] | None = None
) -> np.ndarray:
    """Engineered features for prepared rows (:func:`prepare_rows` / :func:`prepare_columns`), dense."""
    if tokens is None:
        values = [engineered_row(r[RAW], r[AUTHOR], r[URL], r[CLEAN], r[NORM]) for r in columns]
    else:
        values = [
            engineered_row(r[RAW], r[AUTHOR], r[URL], r[CLEAN], r[NORM], t)
            for r, t in zip(columns, tokens, strict=True)
        ]
    return np.asarray(values, dtype=np.float64).reshape(len(values), len(ENGINEERED_FEATURES))


def engineered_features(columns: np.ndarray) -> sp.csr_matrix:
    """Engineered features for prepared rows, as the sparse block the linear heads read."""
    return sp.csr_matrix(engineered_dense(columns))


_P = np.uint64(0x100000001B3)
_MIX1 = np.uint64(0xFF51AFD7ED558CCD)
_MIX2 = np.uint64(0xC4CEB9FE1A85EC53)
_S33 = np.uint64(33)


def unit_counts(
    docs: np.ndarray, cols: np.ndarray, n_features: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Count ``(doc, col)`` pairs and scale each doc's counts to unit L2 length.

    Returns ``(docs, cols, values, norms)`` sorted by doc then column (CSR order), ``norms[doc]``
    being each doc's length before scaling; without scipy's or ``np.unique``'s per-call overhead
    (larger than the rest of scoring one comment).
    """
    if len(cols) == 0:
        empty = np.zeros(0, np.int64)
        return empty, empty, np.zeros(0), np.zeros(0)
    keys = docs * n_features + cols
    keys.sort()
    first = np.empty(len(keys), dtype=bool)
    first[0] = True
    np.not_equal(keys[1:], keys[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    counts = np.diff(np.append(starts, len(keys))).astype(np.float64)
    unique = keys[starts]
    docs_u = unique // n_features
    norms = np.sqrt(np.bincount(docs_u, weights=counts * counts))
    return docs_u, unique - docs_u * n_features, counts / norms[docs_u], norms


def _csr(docs: np.ndarray, cols: np.ndarray, n_rows: int, n_features: int) -> sp.csr_matrix:
    docs_u, cols_u, values, _ = unit_counts(docs, cols, n_features)
    indptr = np.searchsorted(docs_u, np.arange(n_rows + 1))
    return sp.csr_matrix((values, cols_u, indptr), shape=(n_rows, n_features))


def char_ngram_pairs(
    texts: Sequence[str], ngram_range: tuple[int, int], n_features: int
) -> tuple[np.ndarray, np.ndarray]:
    """``(doc, column)`` of every character n-gram of ``" " + text + " "``, hashed.

    Vectorized with numpy over the whole batch (a polynomial hash of code points, then a 64-bit
    mix), because per-n-gram Python hashing would cost more than everything else in scoring.
    """
    padded = [f" {t} " for t in texts]
    lengths = np.fromiter(map(len, padded), dtype=np.int64, count=len(padded))
    codes = np.frombuffer("".join(padded).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    total = len(codes)
    lo, hi = ngram_range
    single = len(padded) == 1
    if not single:
        ends = np.cumsum(lengths)
        doc_of = np.repeat(np.arange(len(padded), dtype=np.int64), lengths)
    hashes, docs = [], []
    # Hash of the n-gram at i extends the (n-1)-gram hash at i, so each n costs one multiply-add.
    h = codes * _P
    for n in range(2, hi + 1):
        m = total - n + 1
        if m <= 0:
            break
        h = h[:m] * _P + codes[n - 1 : n - 1 + m]
        if n < lo:
            continue
        salted = h + np.uint64(n)
        if single:
            hashes.append(salted)
        else:
            # Drop n-grams that would span two comments of the batch.
            valid = np.arange(n, m + n) <= ends[doc_of[:m]]
            hashes.append(salted[valid])
            docs.append(doc_of[:m][valid])
    if not hashes:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    mixed = np.concatenate(hashes) if len(hashes) > 1 else hashes[0]
    mixed ^= mixed >> _S33
    mixed *= _MIX1
    mixed ^= mixed >> _S33
    mixed *= _MIX2
    mixed ^= mixed >> _S33
    cols = (mixed % np.uint64(n_features)).astype(np.int64)
    doc_ids = np.zeros(len(cols), np.int64) if single else np.concatenate(docs)
    return doc_ids, cols


def word_terms(text: str, tokens: list[str] | None = None) -> list[str]:
    """Word unigrams then bigrams of normalized text, in the order :func:`word_pairs` hashes them."""
    if tokens is None:
        tokens = _WORDS.findall(text)
    return tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)]


def word_pairs(
    texts: Sequence[str], n_features: int, tokens: Sequence[list[str]] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``(doc, column)`` of every word unigram then bigram of each doc (:func:`word_terms` order).

    crc32 per term: stable across processes, and for the ~20-100 terms of a comment a C call per
    term is cheaper than numpy's per-operation overhead.
    """
    docs: list[int] = []
    cols: list[int] = []
    crc32 = zlib.crc32
    for i, text in enumerate(texts):
        terms = word_terms(text, None if tokens is None else tokens[i])
        docs.extend([i] * len(terms))
        cols.extend([crc32(t.encode("utf-8")) % n_features for t in terms])
    return np.array(docs, dtype=np.int64), np.array(cols, dtype=np.int64)


def term_columns(tokens: list[str], n_features: int) -> tuple[list[str], np.ndarray]:
    """The word terms of one comment and their hashed columns (for naming explanation tokens)."""
    _, cols = word_pairs([""], n_features, [tokens])
    return word_terms("", tokens), cols


class CharNgramHasher(TransformerMixin, BaseEstimator):
    """Stateless transformer: normalized texts -> L2-normalized hashed character n-gram counts."""

    def __init__(self, ngram_range: tuple[int, int] = (3, 5), n_features: int = 2**18) -> None:
        self.ngram_range = ngram_range
        self.n_features = n_features

    def fit(self, X: object, y: object = None) -> CharNgramHasher:
        return self

    def transform(self, X: Sequence[str]) -> sp.csr_matrix:
        texts = [str(x) for x in X]
        docs, cols = char_ngram_pairs(texts, tuple(self.ngram_range), self.n_features)
        return _csr(docs, cols, len(texts), self.n_features)

    def __sklearn_tags__(self):  # noqa: D105 - stateless, so "fitted" from construction
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        return tags


class WordHasher(TransformerMixin, BaseEstimator):
    """Stateless transformer: normalized texts -> hashed word unigram + bigram counts."""

    def __init__(self, n_features: int = 2**17) -> None:
        self.n_features = n_features

    def fit(self, X: object, y: object = None) -> WordHasher:
        return self

    def transform(self, X: Sequence[str]) -> sp.csr_matrix:
        texts = [str(x) for x in X]
        docs, cols = word_pairs(texts, self.n_features)
        return _csr(docs, cols, len(texts), self.n_features)

    def __sklearn_tags__(self):  # noqa: D105
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        return tags


def make_feature_pipeline(
    char_features: int = 2**18, word_features: int = 2**17, char_ngrams: tuple[int, int] = (3, 5)
) -> Pipeline:
    """The shared, stateless feature step: normalization then hashed n-grams + engineered features."""
    columns = ColumnTransformer(
        [
            ("char", CharNgramHasher(char_ngrams, char_features), NORM),
            ("word", WordHasher(word_features), NORM),
            (
                "engineered",
                FunctionTransformer(engineered_features, accept_sparse=True),
                [RAW, AUTHOR, URL, CLEAN, NORM],
            ),
        ],
        sparse_threshold=1.0,
    )
    return Pipeline([("prepare", FunctionTransformer(prepare_columns, validate=False)), ("columns", columns)])


def rows_of(items: Sequence[object]) -> list[tuple[str, str, str]]:
    """``CommentInput``-like objects -> ``(text, author, url)`` rows."""
    return [(it.text, it.author, it.url) for it in items]  # type: ignore[attr-defined]


def block_sizes(pipeline: Pipeline) -> tuple[int, int, int]:
    """Widths of the char, word and engineered blocks, in that column order."""
    columns: ColumnTransformer = pipeline.named_steps["columns"]
    return (
        columns.named_transformers_["char"].n_features,
        columns.named_transformers_["word"].n_features,
        len(ENGINEERED_FEATURES),
    )


@dataclass
class FeatureParts:
    """The feature matrix of a batch as raw parts, for fast linear scoring and explanations.

    ``docs`` / ``cols`` / ``values``: hashed n-gram entries (word columns offset by the char block),
    sorted by doc; a column may repeat within a doc, its values then add up. ``term_docs`` /
    ``term_cols``: every word term in :func:`word_terms` order per doc (word-block columns), and
    ``word_norms`` each doc's word-block length, to name tokens.
    """

    docs: np.ndarray
    cols: np.ndarray
    values: np.ndarray
    engineered: np.ndarray
    prepared: list[Prepared]
    tokens: list[list[str]]
    term_docs: np.ndarray
    term_cols: np.ndarray
    word_norms: np.ndarray


def _single_parts(
    row: tuple[str, str, str], char_range: tuple[int, int], n_char: int, n_word: int
) -> FeatureParts:
    """:func:`sparse_parts` for one comment: one entry per n-gram occurrence, valued 1/length of
    its block, which sums to the normalized counts without a count-and-merge pass."""
    prepared = prepare_rows([row])
    text = prepared[0][NORM]
    tokens = _WORDS.findall(text)
    _, c_cols = char_ngram_pairs([text], char_range, n_char)
    crc32 = zlib.crc32
    w_list = [crc32(t.encode("utf-8")) % n_word for t in word_terms(text, tokens)]
    c_norm = 1.0
    if len(c_cols):
        ordered = np.sort(c_cols)
        counts = np.diff(np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1], True]))
        c_norm = math.sqrt(float(counts @ counts))
    w_norm = math.sqrt(sum(v * v for v in Counter(w_list).values())) if w_list else 1.0
    w_cols = np.array(w_list, dtype=np.int64)
    n_entries = len(c_cols) + len(w_list)
    return FeatureParts(
        docs=np.zeros(n_entries, dtype=np.int64),
        cols=np.concatenate([c_cols, w_cols + n_char]),
        values=np.concatenate([np.full(len(c_cols), 1.0 / c_norm), np.full(len(w_list), 1.0 / w_norm)]),
        engineered=engineered_dense(prepared, [tokens]),
        prepared=prepared,
        tokens=[tokens],
        term_docs=np.zeros(len(w_list), dtype=np.int64),
        term_cols=w_cols,
        word_norms=np.array([w_norm]),
    )


def sparse_parts(pipeline: Pipeline, rows: Sequence[tuple[str, str, str]]) -> FeatureParts:
    """The same features as ``pipeline.transform(rows)``, as :class:`FeatureParts`."""
    columns: ColumnTransformer = pipeline.named_steps["columns"]
    if len(rows) == 1:
        char = columns.named_transformers_["char"]
        return _single_parts(
            rows[0], tuple(char.ngram_range), char.n_features, columns.named_transformers_["word"].n_features
        )
    prepared = prepare_rows(rows)
    norm = [p[NORM] for p in prepared]
    tokens = [_WORDS.findall(t) for t in norm]
    char = columns.named_transformers_["char"]
    n_char, n_word = char.n_features, columns.named_transformers_["word"].n_features
    c_docs, c_cols = char_ngram_pairs(norm, tuple(char.ngram_range), n_char)
    w_docs, w_cols = word_pairs(norm, n_word, tokens)
    n = len(rows)
    # One count-and-normalize pass over both blocks: "units" are (doc, block) pairs, each scaled
    # to unit length like the two separate transformers do.
    units, cols, values, norms = unit_counts(
        np.concatenate([c_docs, w_docs + n]), np.concatenate([c_cols, w_cols + n_char]), n_char + n_word
    )
    docs = np.where(units >= n, units - n, units)
    order = np.argsort(docs, kind="stable") if n > 1 else None
    word_norms = np.ones(n)
    if len(norms) > n:
        word_norms[: len(norms) - n] = norms[n:]
        word_norms[word_norms == 0] = 1.0
    return FeatureParts(
        docs=docs if order is None else docs[order],
        cols=cols if order is None else cols[order],
        values=values if order is None else values[order],
        engineered=engineered_dense(prepared, tokens),
        prepared=prepared,
        tokens=tokens,
        term_docs=w_docs,  # word_pairs emits each doc's terms together, in word_terms order
        term_cols=w_cols,
        word_norms=word_norms,
    )

"""Features of a comment: hashed character and word n-grams plus named engineered features.

The feature step is a plain scikit-learn ``Pipeline`` (see :func:`make_feature_pipeline`) so a
saved model can be inspected in a notebook. It is stateless (hashing, no vocabulary), which is
why the same fitted object can be shared by every head and why :func:`sparse_parts` can call
its parts directly, skipping ``ColumnTransformer`` bookkeeping that would dominate the cost of
scoring a single comment.

Everything is computed per batch on arrays of code points (:mod:`model.codepoints`): counting
characters, splitting words, hashing n-grams and most engineered features are numpy operations
over the whole batch; regular expressions run only on the few comments a vectorized pre-check
flags (a digit run long enough for a phone number, something that looks like a link...).

Input rows are ``(text, author, url)``; :func:`prepare_columns` appends the cleaned and the
normalized text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from model.codepoints import decode
from model.engineered import engineered_batch, engineered_small
from model.normalize import Normalized, as_normalized, clean_batch, normalize_batch, normalize_small
from model.patterns import mask_links
from model.tokens import MAX_NGRAM_CHARS, Tokens, WordTerms, char_ngrams, tokenize, word_terms

# Column positions after prepare_columns.
RAW, AUTHOR, URL, CLEAN, NORM = range(5)
MAX_CHARS = 5_000
MAX_FIELD_CHARS = 300
# Up to this many comments, normalization and engineered features run in plain Python: for a
# single comment numpy's per-call overhead costs more than the work itself.
SMALL_BATCH = 4


@dataclass
class Batch:
    """Rows prepared for every feature: truncated fields, cleaned and normalized text, tokens."""

    raws: list[str]
    authors: list[str]
    urls: list[str]
    cleaned: list[str]
    cleaned_joined: str
    authors_cleaned: list[str]
    norm: Normalized  # the n texts, then the n authors
    tokens: Tokens  # of norm
    evasions: np.ndarray  # per text: invisible characters, homoglyphs
    small: list[str] | None = None  # norm's texts, when the plain-Python path made them

    @property
    def text_norm(self) -> Normalized:
        return self.norm.head(len(self.raws))

    @property
    def text_tokens(self) -> Tokens:
        return self.tokens.head(len(self.raws))


def _field(value: object, limit: int) -> str:
    return "" if value is None else str(value)[:limit]


def prepare_batch(rows: Sequence[Sequence[object]]) -> Batch:
    """``(text, author, url)`` rows -> :class:`Batch`.

    Long comments are read up to a bound: their opening carries the signal, and a 64 KB comment
    must not cost a thousand times more to score than a short one.
    """
    raws = [_field(r[0], MAX_CHARS) for r in rows]
    authors = [_field(r[1], MAX_FIELD_CHARS) for r in rows]
    clean = clean_batch(raws)
    cleaned, joined = clean.texts, clean.joined
    authors_cleaned = clean_batch(authors).texts
    # The n-grams read each link as the word for its kind (model.patterns.mask_links); the
    # engineered features read the links themselves.
    to_normalize = [mask_links(t)[:MAX_NGRAM_CHARS] for t in cleaned] + authors_cleaned
    small = None
    if len(rows) <= SMALL_BATCH:
        norm, small = normalize_small(to_normalize)
    else:
        norm = normalize_batch(to_normalize)
    return Batch(
        raws=raws,
        authors=authors,
        urls=[_field(r[2], MAX_FIELD_CHARS) for r in rows],
        cleaned=cleaned,
        cleaned_joined=joined,
        authors_cleaned=authors_cleaned,
        norm=norm,
        tokens=tokenize(norm),
        evasions=clean.evasions,
        small=small,
    )


def batch_engineered(batch: Batch) -> np.ndarray:
    """The engineered features of a prepared batch, by whichever path prepared it."""
    n = len(batch.raws)
    if batch.small is not None:
        return engineered_small(
            batch.urls,
            batch.cleaned,
            batch.authors_cleaned,
            batch.small[:n],
            batch.small[n:],
            batch.norm.obfuscated[:n].tolist(),
            batch.evasions,
        )
    return engineered_batch(
        batch.raws,
        batch.authors,
        batch.urls,
        batch.cleaned,
        batch.cleaned_joined,
        batch.authors_cleaned,
        batch.norm,
        batch.tokens,
        batch.evasions,
    )


def prepare_columns(rows: object) -> np.ndarray:
    """Rows as a 2-D object array ``(raw, author, url, cleaned, normalized)``, the input
    ``ColumnTransformer`` needs."""
    rows = list(rows)  # type: ignore[call-overload]
    batch = prepare_batch(rows)
    arr = np.empty((len(rows), 5), dtype=object)
    fields = zip(batch.raws, batch.authors, batch.urls, batch.cleaned, batch.text_norm.texts(), strict=True)
    for i, values in enumerate(fields):
        arr[i] = values
    return arr


def engineered_features(columns: np.ndarray) -> sp.csr_matrix:
    """Engineered features for prepared columns, as the sparse block the linear heads read."""
    return sp.csr_matrix(
        engineered_batch(
            [str(v) for v in columns[:, RAW]],
            [str(v) for v in columns[:, AUTHOR]],
            [str(v) for v in columns[:, URL]],
            [str(v) for v in columns[:, CLEAN]],
        )
    )


def engineered_row(raw: str, author: str = "", url: str = "") -> list[float]:
    """The engineered features of one comment (for tests and notebooks)."""
    return batch_engineered(prepare_batch([(raw, author, url)]))[0].tolist()


def unit_counts(
    docs: np.ndarray, cols: np.ndarray, n_features: int, n_docs: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Count ``(doc, col)`` pairs and scale each doc's counts to unit L2 length.

    Returns ``(indptr, cols, values, norms)`` in CSR form (sorted by doc then column), ``norms[doc]``
    being each doc's length before scaling (1 for a doc with no pair); without scipy's or
    ``np.unique``'s per-call overhead (larger than the rest of scoring one comment).
    """
    if len(cols) == 0:
        return np.zeros(n_docs + 1, np.int64), np.zeros(0, np.int64), np.zeros(0), np.ones(n_docs)
    # One sortable key per pair: the doc in the high bits (int32 when it fits: sorts faster).
    shift = max(int(n_features - 1).bit_length(), 1)
    keys = (docs << shift) | cols
    keys = np.sort(keys if n_docs << shift >= 1 << 31 else keys.astype(np.int32))
    first = np.empty(len(keys), dtype=bool)
    first[0] = True
    np.not_equal(keys[1:], keys[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    counts = np.empty(len(starts))
    counts[:-1] = starts[1:] - starts[:-1]
    counts[-1] = len(keys) - starts[-1]
    unique = keys[starts]
    indptr = np.searchsorted(unique, np.arange(n_docs + 1, dtype=unique.dtype) << shift)
    # Squared counts are whole numbers, so differences of their running sum are exact.
    running = np.concatenate([[0.0], np.cumsum(counts * counts)])
    norms = np.sqrt(running[indptr[1:]] - running[indptr[:-1]])
    norms[norms == 0] = 1.0
    values = counts / np.repeat(norms, np.diff(indptr))
    return indptr, (unique & ((1 << shift) - 1)).astype(np.int64), values, norms


def _csr(docs: np.ndarray, cols: np.ndarray, n_rows: int, n_features: int) -> sp.csr_matrix:
    indptr, cols_u, values, _ = unit_counts(docs, cols, n_features, n_rows)
    return sp.csr_matrix((values, cols_u, indptr), shape=(n_rows, n_features))


def _normalized_strings(texts: Sequence[object]) -> Normalized:
    """The pipeline's NORM column (already normalized) as code points."""
    return as_normalized([str(t) for t in texts])


class CharNgramHasher(TransformerMixin, BaseEstimator):
    """Stateless transformer: normalized texts -> L2-normalized hashed character n-gram counts."""

    def __init__(self, ngram_range: tuple[int, int] = (3, 5), n_features: int = 2**16) -> None:
        self.ngram_range = ngram_range
        self.n_features = n_features

    def fit(self, X: object, y: object = None) -> CharNgramHasher:
        return self

    def transform(self, X: Sequence[str]) -> sp.csr_matrix:
        norm = _normalized_strings(X)
        docs, cols = char_ngrams(norm.codes, tuple(self.ngram_range), self.n_features)
        return _csr(docs, cols, len(norm.obfuscated), self.n_features)

    def __sklearn_tags__(self):  # noqa: D105 - stateless, so "fitted" from construction
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        return tags


class WordHasher(TransformerMixin, BaseEstimator):
    """Stateless transformer: normalized texts -> hashed word unigram + bigram counts."""

    def __init__(self, n_features: int = 2**15) -> None:
        self.n_features = n_features

    def fit(self, X: object, y: object = None) -> WordHasher:
        return self

    def transform(self, X: Sequence[str]) -> sp.csr_matrix:
        norm = _normalized_strings(X)
        terms = word_terms(tokenize(norm), self.n_features)
        return _csr(terms.docs, terms.cols, len(norm.obfuscated), self.n_features)

    def __sklearn_tags__(self):  # noqa: D105
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        return tags


def make_feature_pipeline(
    char_features: int = 2**16, word_features: int = 2**15, char_ngrams: tuple[int, int] = (3, 5)
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


@dataclass
class FeatureParts:
    """The feature matrix of a batch as raw parts, for fast linear scoring and explanations.

    ``indptr`` / ``cols`` / ``values``: the hashed n-gram block in CSR form (word columns offset
    by the char block). ``terms``: every word term with its word-block column, ``word_norms``
    each doc's word-block length, ``batch`` the prepared text, to name tokens in explanations.
    """

    indptr: np.ndarray
    cols: np.ndarray
    values: np.ndarray
    engineered: np.ndarray
    batch: Batch
    terms: WordTerms
    word_norms: np.ndarray

    def term_text(self, t: int) -> str:
        # Token indices of the texts' tokens equal those in the whole batch: authors come after.
        text, starts, ends = self._token_spans
        return " ".join([text[starts[k] : ends[k]] for k in self.terms.tokens_of(t)])

    @cached_property
    def _token_spans(self) -> tuple[str, list[int], list[int]]:
        """The batch's text decoded once (one character per code point, so token positions agree),
        with the token bounds as Python ints: a decode per term cost more than the explanation."""
        tokens = self.batch.tokens
        return decode(self.batch.norm.codes), tokens.starts.tolist(), tokens.ends.tolist()


@dataclass(frozen=True)
class HashingLayout:
    """What :func:`sparse_parts` needs of the pipeline, read once (reading it costs per call)."""

    char_ngrams: tuple[int, int]
    n_char: int
    n_word: int

    @classmethod
    def of(cls, pipeline: Pipeline) -> HashingLayout:
        columns: ColumnTransformer = pipeline.named_steps["columns"]
        char = columns.named_transformers_["char"]
        return cls(tuple(char.ngram_range), char.n_features, columns.named_transformers_["word"].n_features)


def sparse_parts(pipeline: Pipeline | HashingLayout, rows: Sequence[tuple[str, str, str]]) -> FeatureParts:
    """The same features as ``pipeline.transform(rows)``, as :class:`FeatureParts`."""
    layout = pipeline if isinstance(pipeline, HashingLayout) else HashingLayout.of(pipeline)
    n_char, n_word = layout.n_char, layout.n_word
    batch = prepare_batch(rows)
    n = len(rows)
    c_docs, c_cols = char_ngrams(batch.text_norm.codes, layout.char_ngrams, n_char)
    terms = word_terms(batch.text_tokens, n_word)
    # One count-and-normalize pass over both blocks: "units" are (doc, block) pairs, each scaled
    # to unit length like the two separate transformers do.
    indptr, cols, values, norms = unit_counts(
        np.concatenate([c_docs * 2, terms.docs * 2 + 1]),
        np.concatenate([c_cols, terms.cols + n_char]),
        n_char + n_word,
        2 * n,
    )
    return FeatureParts(
        indptr=indptr[::2],
        cols=cols,
        values=values,
        engineered=batch_engineered(batch),
        batch=batch,
        terms=terms,
        word_norms=norms[1::2],
    )

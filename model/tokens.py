"""Word tokens, word and character n-grams of a normalized batch, hashed to feature columns.

Hashing is vectorized over the batch: a polynomial over code points (wrapping 64-bit arithmetic)
then multiplicative hashing into columns (:func:`model.codepoints.buckets`). Stable across
processes and machines, unlike Python's ``hash``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from model.codepoints import WORD, P, buckets, doc_ids, powers, shifted
from model.normalize import Normalized, normalize_batch

MAX_NGRAM_CHARS = 3_000  # n-grams read a comment's opening: bounds the cost of a huge comment
MAX_TOKEN_CHARS = 64  # positions past this in one token hash like the last one: bounds the power table
_POWERS = powers(MAX_TOKEN_CHARS)
_BIGRAM = np.uint64(0xD6E8FEB86659FD93)


@dataclass
class Tokens:
    """The word tokens (maximal runs of ``\\w`` characters) of a normalized batch."""

    starts: np.ndarray  # position of each token's first character in the batch's codes
    ends: np.ndarray  # one past its last character
    docs: np.ndarray  # the text it belongs to
    hashes: np.ndarray  # uint64 hash of its characters

    def head(self, n_docs: int) -> Tokens:
        """The tokens of the first ``n_docs`` texts."""
        k = int(np.searchsorted(self.docs, n_docs))
        return Tokens(self.starts[:k], self.ends[:k], self.docs[:k], self.hashes[:k])


def tokenize(norm: Normalized) -> Tokens:
    """Tokens of a normalized batch, hashed with a polynomial over their code points."""
    codes = norm.codes
    word = (norm.flags & WORD) != 0
    # The padding guarantees a non-word character at both ends of the array.
    starts = np.flatnonzero(word & ~shifted(word, 1))
    ends = np.flatnonzero(word & ~shifted(word, -1)) + 1
    if len(starts) == 0:
        empty = np.zeros(0, np.int64)
        return Tokens(empty, empty, empty, np.zeros(0, np.uint64))
    lengths = ends - starts
    first = np.cumsum(lengths) - lengths  # each token's offset among the word characters
    offsets = np.arange(int(lengths.sum())) - np.repeat(first, lengths)
    weighted = codes[word].astype(np.uint64) * _POWERS[np.minimum(offsets, MAX_TOKEN_CHARS - 1)]
    hashes = np.add.reduceat(weighted, first) + lengths.astype(np.uint64)
    return Tokens(starts, ends, doc_ids(codes)[starts] - 1, hashes)


def vocabulary(words: Iterable[str]) -> np.ndarray:
    """Sorted token hashes of a word list, for vectorized membership tests."""
    tokens = tokenize(normalize_batch(sorted(words)))
    return np.unique(tokens.hashes)


@dataclass
class WordTerms:
    """Every word unigram (one per token) then bigram (one per ``pairs`` entry) of a batch."""

    docs: np.ndarray
    cols: np.ndarray  # hashed column
    pairs: np.ndarray  # for each bigram, the index of its first token

    def tokens_of(self, t: int) -> tuple[int, ...]:
        """Token indices of term ``t``: one for a unigram, two for a bigram."""
        n_unigrams = len(self.cols) - len(self.pairs)
        if t < n_unigrams:
            return (t,)
        first = int(self.pairs[t - n_unigrams])
        return (first, first + 1)


def word_terms(tokens: Tokens, n_features: int) -> WordTerms:
    """Unigrams (all texts) followed by bigrams of adjacent tokens of one text."""
    pairs = np.flatnonzero(tokens.docs[1:] == tokens.docs[:-1])
    hashes = np.concatenate([tokens.hashes, tokens.hashes[pairs] * _BIGRAM + tokens.hashes[pairs + 1] * P])
    return WordTerms(
        docs=np.concatenate([tokens.docs, tokens.docs[pairs]]),
        cols=buckets(hashes, n_features),
        pairs=pairs,
    )


def char_ngrams(codes: np.ndarray, ngram_range: tuple[int, int], n_features: int) -> tuple[np.ndarray, np.ndarray]:
    """``(doc, column)`` of every character n-gram of each padded text of a normalized batch.

    Hash of the n-gram at i extends the (n-1)-gram hash at i, so each n costs one multiply-add
    over the whole batch; n-grams that would span two texts (contain a NUL) are dropped.
    """
    single = int(np.count_nonzero(codes == 0)) <= 2
    # One text: only the NULs at both ends, so drop them and every n-gram is valid.
    c = (codes[1:-1] if single else codes).astype(np.uint64)
    if not single:
        nul = codes == 0
        zeros = np.cumsum(nul)
    lo, hi = ngram_range
    total = len(c)
    hashes, docs = [], []
    h = c * P
    for n in range(2, hi + 1):
        m = total - n + 1
        if m <= 0:
            break
        h = h[:m] * P + c[n - 1 : n - 1 + m]
        if n < lo:
            continue
        if single:
            hashes.append(h + np.uint64(n))
        else:
            valid = (zeros[n - 1 : n - 1 + m] == zeros[:m]) & ~nul[:m]
            hashes.append(h[valid] + np.uint64(n))
            docs.append(zeros[:m][valid] - 1)
    if not hashes:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    cols = buckets(np.concatenate(hashes) if len(hashes) > 1 else hashes[0], n_features)
    return (np.zeros(len(cols), np.int64) if single else np.concatenate(docs)), cols

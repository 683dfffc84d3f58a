"""Naming why a comment scored as it did: its strongest positive contributors toward one head.

A comment's signals are its engineered features and word terms (``token:<term>``) with the
largest positive ``coefficient x value`` toward its stronger head (spam or toxicity). Character
n-grams are not named: one n-gram alone explains nothing to a moderator. Neither are what reads as
noise to a moderator: the form of every comment (``length``, ``short_text``, ``digit_ratio``), bare
link counts (each link is named by its kind instead: ``link:shortener``), and terms made only of
function words (``token:are a``). A term that stands for a link (:func:`model.patterns.mask_links`)
is named ``link:<kind>``.

:func:`comment_signals` explains one comment of a batch; :class:`BatchSignals` explains every
comment of a batch with one pass of numpy over all their terms (per comment, ``np.unique`` and
``np.argsort`` cost more than the arithmetic) and gives the same answers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.features import FeatureParts
from model.patterns import ENGINEERED_FEATURES, LINK_KINDS

MAX_SIGNALS = 5
# Terms ranked per comment before unreadable ones are dropped, so that dropping leaves enough.
RANKED_TERMS = 10

Candidate = tuple[float, str]


@dataclass(frozen=True)
class SignalWeights:
    """The coefficients explanations read: engineered rows and word-block rows, one column per head."""

    engineered: np.ndarray  # (len(ENGINEERED_FEATURES), n_heads)
    words: np.ndarray  # (n_word, n_heads)


# Engineered features that describe every comment's form, not why this one is bad.
UNNAMED_FEATURES = frozenset({"length", "short_text", "digit_ratio", "link_count", "distinct_domains"})
_NAMED = [name not in UNNAMED_FEATURES for name in ENGINEERED_FEATURES]
_LINK_WORDS = {f"{kind}link": f"link:{kind}" for kind in LINK_KINDS}
FUNCTION_WORDS = frozenset(
    """a an the and or but if of to in on at by for with from as is are was were be been being am do does did
    have has had i me my we our you your he him his she her it its they them their this that these those there
    here what which who whom when where why how all any both each few more most other some such no nor not only
    own same so than too very s t can will just don should now would could also into about over then out up
    down off again further once""".split()
)

# Pieces of a link the masking did not catch ("youtube . com", "www dot"): they say nothing alone.
URL_PIECES = frozenset("www com net org http https html htm php amp".split())


def signal_name(term: str) -> str | None:
    """How a word term is named to moderators; ``None`` when it says nothing on its own."""
    words = term.split()
    if len(words) == 1 and words[0] in _LINK_WORDS:
        return _LINK_WORDS[words[0]]
    if any(w in _LINK_WORDS or w in URL_PIECES for w in words) or all(w in FUNCTION_WORDS or len(w) < 2 for w in words):
        return None
    if len(words) > 1 and any(w in FUNCTION_WORDS for w in words):
        return None  # "are a", "you idiot" is named by "idiot" itself
    return f"token:{term}"


def _engineered_candidates(contributions: list[float]) -> list[Candidate]:
    return [
        (c, name) for name, c, named in zip(ENGINEERED_FEATURES, contributions, _NAMED, strict=True) if c > 0 and named
    ]


def _strongest(candidates: list[Candidate]) -> tuple[str, ...]:
    # Ties of contribution go to the larger name, so the order never depends on how they were found.
    candidates.sort(reverse=True)
    return tuple(name for _, name in candidates[:MAX_SIGNALS])


def comment_signals(weights: SignalWeights, head: int, parts: FeatureParts, i: int) -> tuple[str, ...]:
    """Signals of comment ``i`` of ``parts`` toward ``head`` (0 spam, 1 toxicity), on its own."""
    candidates = _engineered_candidates((parts.engineered[i] * weights.engineered[:, head]).tolist())
    terms = np.flatnonzero(parts.terms.docs == i)
    if len(terms):
        cols = parts.terms.cols[terms]
        # A term's contribution: weight x its count / the doc's word-block length.
        unique, first, counts = np.unique(cols, return_index=True, return_counts=True)
        contrib = weights.words[unique, head] * counts / parts.word_norms[i]
        for j in np.argsort(-contrib)[:RANKED_TERMS].tolist():
            if contrib[j] <= 0:
                break
            name = signal_name(parts.term_text(int(terms[first[j]])))
            if name is not None:
                candidates.append((float(contrib[j]), name))
    return _strongest(candidates)


class BatchSignals:
    """Signals of every comment of a batch: numbers for all at the first call, names per comment.

    Each comment's terms are grouped by column, weighed and ranked in one sort over the whole
    batch. Where the last ranked and the next strongest terms of a comment tie, which of them
    :func:`comment_signals` keeps depends on ``np.argsort``'s (unstable) order: that comment is
    explained by :func:`comment_signals` itself, so the answers are the same in every case.
    """

    def __init__(self, weights: SignalWeights, heads: np.ndarray, parts: FeatureParts) -> None:
        self.weights = weights
        self.heads = heads  # per comment: 0 spam, 1 toxicity
        self.parts = parts
        # Computed at the first `of`, in one assignment: a thread never sees half of it.
        self._prepared: tuple[_RankedTerms, list[list[float]]] | None = None

    def of(self, i: int) -> tuple[str, ...]:
        """The signals of comment ``i``, as ``comment_signals(weights, heads[i], parts, i)`` gives them."""
        if self._prepared is None:
            self._prepared = (
                _rank_terms(self.weights, self.heads, self.parts),
                # Row i times its head's column: the very products comment_signals takes.
                (self.parts.engineered * self.weights.engineered[:, self.heads].T).tolist(),
            )
        ranked, engineered = self._prepared
        if ranked.tied[i]:
            return comment_signals(self.weights, int(self.heads[i]), self.parts, i)
        candidates = _engineered_candidates(engineered[i])
        start, stop = ranked.bounds[i], ranked.bounds[i + 1]
        for contrib, term in zip(ranked.contrib[start:stop], ranked.terms[start:stop], strict=True):
            name = signal_name(self.parts.term_text(term))
            if name is not None:
                candidates.append((contrib, name))
        return _strongest(candidates)


@dataclass(frozen=True)
class _RankedTerms:
    """Per comment, its up to RANKED_TERMS strongest positive terms, strongest first."""

    bounds: list[int]  # comment i's entries are [bounds[i], bounds[i + 1])
    contrib: list[float]
    terms: list[int]  # the first term (in the batch's term order) of each entry's column
    tied: np.ndarray  # per comment: its last ranked and next strongest positive terms tie


def _rank_terms(weights: SignalWeights, heads: np.ndarray, parts: FeatureParts) -> _RankedTerms:
    n = len(heads)
    docs, cols = parts.terms.docs, parts.terms.cols
    if len(docs) == 0:
        return _RankedTerms([0] * (n + 1), [], [], np.zeros(n, dtype=bool))
    # Group (comment, column) pairs: one sorted key holds comment, column and term index, so each
    # group's first entry is its first term, as np.unique(return_index=True) finds in one comment.
    # (One plain sort of integers costs a fraction of an argsort, let alone a stable one.)
    n_cols = len(weights.words)
    term_bits = len(docs).bit_length()
    keys = np.sort(((docs * n_cols + cols) << term_bits) | np.arange(len(docs)))
    pairs = keys >> term_bits
    starts = np.flatnonzero(np.concatenate([[True], pairs[1:] != pairs[:-1]]))
    counts = np.diff(np.append(starts, len(keys)))
    g_docs, g_cols = np.divmod(pairs[starts], n_cols)
    contrib = weights.words[g_cols, heads[g_docs]] * counts / parts.word_norms[g_docs]
    positive = contrib > 0
    g_docs, contrib = g_docs[positive], contrib[positive]
    g_terms = (keys[starts] & ((1 << term_bits) - 1))[positive]
    # Strongest first within each comment: by contribution, then (a stable radix sort of small
    # integers) by comment. Ties may come in any order: they only matter where they straddle the
    # fifth place, and those comments are flagged `tied`.
    by_contrib = np.argsort(-contrib)
    order = by_contrib[np.argsort(g_docs[by_contrib].astype(np.int16 if n < 1 << 15 else np.int64), kind="stable")]
    r_docs, r_contrib = g_docs[order], contrib[order]
    first_of_doc = np.searchsorted(r_docs, np.arange(n))
    rank = np.arange(len(r_docs)) - first_of_doc[r_docs]
    keep = rank < RANKED_TERMS
    sixth = np.flatnonzero(rank == RANKED_TERMS)
    tied = np.zeros(n, dtype=bool)
    tied[r_docs[sixth[r_contrib[sixth] == r_contrib[sixth - 1]]]] = True
    return _RankedTerms(
        bounds=np.searchsorted(r_docs[keep], np.arange(n + 1)).tolist(),
        contrib=r_contrib[keep].tolist(),
        terms=g_terms[order][keep].tolist(),
        tied=tied,
    )

"""Batch explanations: every comment of a batch is named exactly as it is on its own."""

from __future__ import annotations

import random

import numpy as np
import pytest

from model import SHIPPED_MODEL_DIR, CommentClassifier, CommentInput, load_classifier
from model.explanations import FUNCTION_WORDS, UNNAMED_FEATURES, BatchSignals, SignalWeights, comment_signals
from training.datasets import load_davidson, load_jigsaw, load_youtube

BATCH = 25  # about what the service's batcher gathers at 32 connections


@pytest.fixture(scope="module")
def classifier() -> CommentClassifier:
    return load_classifier(SHIPPED_MODEL_DIR)


@pytest.fixture(scope="module")
def real_comments() -> list[CommentInput]:
    """Real comments of every register, with a website on some, as the service receives them."""
    rows = load_youtube().rows + load_jigsaw().rows[:600] + load_davidson().rows[:400]
    random.Random(3).shuffle(rows)
    return [CommentInput(text, author or f"Reader {i}", url) for i, (text, author, url) in enumerate(rows[:1500])]


def _one_by_one(
    weights: SignalWeights, heads: np.ndarray, items: list[CommentInput], classifier: CommentClassifier
) -> list[tuple[str, ...]]:
    _, parts = classifier.decision(items)
    return [comment_signals(weights, int(heads[i]), parts, i) for i in range(len(items))]


def test_batch_signals_equal_per_comment_signals_on_real_comments(
    classifier: CommentClassifier, real_comments: list[CommentInput]
) -> None:
    for start in range(0, len(real_comments), BATCH):
        items = real_comments[start : start + BATCH]
        scores = classifier.score(items)
        heads = np.array([0 if s.spam >= s.toxicity else 1 for s in scores])
        expected = _one_by_one(classifier.signal_weights, heads, items, classifier)
        assert [s.signals for s in scores] == expected


def test_tied_terms_are_named_as_on_their_own(classifier: CommentClassifier, real_comments: list[CommentInput]) -> None:
    # Equal weights for every word column: terms of equal count tie, the fifth and sixth often.
    weights = SignalWeights(classifier.signal_weights.engineered, np.ones_like(classifier.signal_weights.words))
    items = real_comments[:BATCH]
    _, parts = classifier.decision(items)
    heads = np.zeros(len(items), dtype=np.intp)
    batch = BatchSignals(weights, heads, parts)
    assert [batch.of(i) for i in range(len(items))] == _one_by_one(weights, heads, items, classifier)
    assert batch._prepared is not None and batch._prepared[0].tied.any()  # the tie path ran


def test_comments_without_words_are_explained_beside_others(
    classifier: CommentClassifier, real_comments: list[CommentInput]
) -> None:
    for items in ([CommentInput(""), CommentInput("!!!")], [CommentInput("  "), *real_comments[:5], CommentInput("")]):
        scores = classifier.score(items)
        heads = np.array([0 if s.spam >= s.toxicity else 1 for s in scores])
        assert [s.signals for s in scores] == _one_by_one(classifier.signal_weights, heads, items, classifier)


def test_signals_read_as_reasons_on_real_comments(
    classifier: CommentClassifier, real_comments: list[CommentInput]
) -> None:
    """No signal names the form of every comment, a bare link count, a URL piece or a run of function words."""
    named = [signal for s in classifier.score(real_comments[:600]) for signal in s.signals]
    assert named
    assert not UNNAMED_FEATURES & set(named)
    for signal in named:
        if signal.startswith("token:"):
            words = signal.removeprefix("token:").split()
            assert not any(w in FUNCTION_WORDS for w in words), signal
            assert not {"www", "com", "http", "https"} & set(words), signal

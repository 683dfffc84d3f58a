"""The shipped model on hand-written comments from registers no training set has (never trained on).

Readers citing a news site, an encyclopedia or a government page are published or at most held,
never refused; blog comment spam with a plug is not published.
"""

from __future__ import annotations

import csv

import pytest

from model import SHIPPED_MODEL_DIR, CommentClassifier, CommentInput, load_classifier
from training.datasets import DATA_DIR

UNSEEN = DATA_DIR / "handwritten" / "unseen_comments.csv"


@pytest.fixture(scope="module")
def classifier() -> CommentClassifier:
    return load_classifier(SHIPPED_MODEL_DIR)


@pytest.fixture(scope="module")
def comments() -> list[dict[str, str]]:
    with UNSEEN.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _spam_scores(classifier: CommentClassifier, rows: list[dict[str, str]]) -> list[float]:
    return [s.spam for s in classifier.score([CommentInput(r["comment"], r["author"], r["url"]) for r in rows])]


def test_readers_citing_sources_are_never_refused(
    classifier: CommentClassifier, comments: list[dict[str, str]]
) -> None:
    refuse_above = classifier.card["thresholds"]["spam"]["refuse_above"]
    citing = [r for r in comments if r["kind"] in ("citing", "forum")]
    refused = [r["comment"] for r, s in zip(citing, _spam_scores(classifier, citing), strict=True) if s > refuse_above]
    assert refused == []


def test_blog_spam_is_not_published(classifier: CommentClassifier, comments: list[dict[str, str]]) -> None:
    approve_below = classifier.card["thresholds"]["spam"]["approve_below"]
    spam = [r for r in comments if r["spam"] == "1"]
    published = [r["comment"] for r, s in zip(spam, _spam_scores(classifier, spam), strict=True) if s < approve_below]
    assert published == []

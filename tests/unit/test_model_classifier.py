"""The shipped model: loads, scores in range, explains, and orders obvious cases sensibly."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from model import SHIPPED_MODEL_DIR, CommentClassifier, CommentInput, Scores, load_classifier
from model.classifier import ATTRIBUTES, HEADS

THOUGHTFUL = CommentInput(
    "Thanks for the clear write-up of the vote. The French ambassador's quote says it all.", "Marie"
)
INSULT = CommentInput("You are a complete idiot if you believe a word of this, honestly.", "Bob")
PILL_SPAM = CommentInput(
    "BEST CHEAP PILLS!!! Buy now http://cheap-pills.example/buy http://cheap-pills.example/deal "
    "http://casino-win.example http://loans-fast.example call 1-888-555-0199 now!!!",
    "Cheap Pills Online",
)
ODD_INPUTS = [
    CommentInput(""),
    CommentInput("   "),
    CommentInput("!!!"),
    CommentInput("a" * 70_000),
    CommentInput("\u200b\ufeff\u0301"),
    CommentInput("日本語のコメントです。ありがとう"),
    CommentInput("ok", author="x" * 1000, url="not a url"),
]


@pytest.fixture(scope="module")
def classifier() -> CommentClassifier:
    return load_classifier(SHIPPED_MODEL_DIR)


def test_shipped_model_has_version_and_card(classifier: CommentClassifier) -> None:
    assert isinstance(classifier.version, str) and classifier.version
    assert classifier.card["version"] == classifier.version
    for target in ("spam", "toxicity"):
        t = classifier.card["thresholds"][target]
        assert 0.0 <= t["approve_below"] <= t["refuse_above"] <= 1.0


def test_scores_are_probabilities(classifier: CommentClassifier) -> None:
    items = [THOUGHTFUL, INSULT, PILL_SPAM, *ODD_INPUTS]
    results = classifier.score(items)
    assert len(results) == len(items)
    for s in results:
        assert isinstance(s, Scores)
        assert 0.0 <= s.spam <= 1.0 and 0.0 <= s.toxicity <= 1.0
        assert set(s.attributes) == set(ATTRIBUTES)
        assert all(0.0 <= v <= 1.0 for v in s.attributes.values())
        assert len(s.signals) <= 5 and all(isinstance(x, str) and x for x in s.signals)


def test_empty_batch(classifier: CommentClassifier) -> None:
    assert classifier.score([]) == []


def test_spam_outranks_plain_remark(classifier: CommentClassifier) -> None:
    plain, spam = classifier.score([THOUGHTFUL, PILL_SPAM])
    assert spam.spam > plain.spam


def test_insult_outranks_plain_remark_on_toxicity(classifier: CommentClassifier) -> None:
    plain, insult = classifier.score([THOUGHTFUL, INSULT])
    assert insult.toxicity > plain.toxicity
    assert insult.attributes["insult"] > plain.attributes["insult"]


def test_deployed_thresholds_route_the_reference_comments(classifier: CommentClassifier) -> None:
    """The brief's three reference comments land where the service's decision rule needs them."""
    spam_t = classifier.card["thresholds"]["spam"]
    tox_t = classifier.card["thresholds"]["toxicity"]
    plain, insult, spam = classifier.score([THOUGHTFUL, INSULT, PILL_SPAM])
    assert plain.spam < spam_t["approve_below"] and plain.toxicity < tox_t["approve_below"]
    assert insult.toxicity >= tox_t["approve_below"]
    assert spam.spam >= spam_t["refuse_above"]


def test_signals_name_spam_features(classifier: CommentClassifier) -> None:
    (spam,) = classifier.score([PILL_SPAM])
    assert {"link_commercial", "link_other", "phone_number", "commercial_words"} & set(spam.signals)
    (insult,) = classifier.score([INSULT])
    assert "token:idiot" in insult.signals


def test_fast_path_matches_sklearn_pipelines(classifier: CommentClassifier) -> None:
    items = [THOUGHTFUL, INSULT, PILL_SPAM, *ODD_INPUTS[:3]]
    rows = [(i.text, i.author, i.url) for i in items]
    fast = classifier.probabilities(items)
    for k, head in enumerate(HEADS):
        reference = classifier.heads[head].predict_proba(rows)[:, 1]
        np.testing.assert_allclose(fast[:, k], reference, atol=1e-9)


def test_batch_equals_one_by_one(classifier: CommentClassifier) -> None:
    items = [THOUGHTFUL, INSULT, PILL_SPAM, *ODD_INPUTS]
    batch = classifier.score(items)
    single = [classifier.score([i])[0] for i in items]
    for a, b in zip(batch, single, strict=True):
        assert a.spam == pytest.approx(b.spam) and a.toxicity == pytest.approx(b.toxicity)
        assert a.signals == b.signals


def test_scoring_is_thread_safe(classifier: CommentClassifier) -> None:
    items = [THOUGHTFUL, INSULT, PILL_SPAM] * 5
    expected = [(s.spam, s.toxicity) for s in classifier.score(items)]
    failures: list[str] = []

    def work() -> None:
        for _ in range(10):
            got = [(s.spam, s.toxicity) for s in classifier.score(items)]
            if not np.allclose(got, expected):
                failures.append("mismatch")

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures


def test_evasive_spelling_still_scores_as_spam(classifier: CommentClassifier) -> None:
    plain, evasive = classifier.score(
        [
            CommentInput("Buy cheap viagra online, free casino bonus"),
            CommentInput("Buy ch3ap v1agra onl1ne, f r e e c\u0430sino bonus"),
        ]
    )
    (remark,) = classifier.score([THOUGHTFUL])
    assert evasive.spam > remark.spam
    # Normalization maps most of the evasive text back onto the plain one.
    assert abs(evasive.spam - plain.spam) < abs(plain.spam - remark.spam)

"""The spam head's absent signals borrow a learned weight (training/train.py SPAM_BORROWED_WEIGHTS)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

import training.train as train_module
from model import SHIPPED_MODEL_DIR, load_classifier
from model.calibration import PlattCalibratedClassifier
from model.patterns import ENGINEERED_FEATURES
from training.train import SPAM_BORROWED_WEIGHTS, TrainConfig, fit_head

N_WORDS = 40
COLUMN = {name: N_WORDS + i for i, name in enumerate(ENGINEERED_FEATURES)}


def _rows(show: set[str], seed: int = 0, n: int = 400) -> tuple[sp.csr_matrix, np.ndarray]:
    """Word columns, and engineered columns of which only those in ``show`` are ever non-zero;
    phone numbers, links, commercial names and ``show`` all lean toward spam."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    X = np.zeros((n, N_WORDS + len(ENGINEERED_FEATURES)))
    X[:, :N_WORDS] = rng.random((n, N_WORDS)) * (rng.random((n, N_WORDS)) < 0.1)
    for name in {"phone_number", "link_count", "author_commercial", "length"} | show:
        X[:, COLUMN[name]] = (rng.random(n) < np.where(y == 1, 0.6, 0.1)).astype(float)
    return sp.csr_matrix(X), y


def _spam_head(show: set[str]) -> tuple[PlattCalibratedClassifier, np.ndarray]:
    X, y = _rows(show)
    head = fit_head(X, y, alpha=None, config=TrainConfig(folds=3, n_jobs=1))
    return head, head.estimator_.coef_.ravel()


def test_a_signal_no_training_row_shows_takes_its_sources_learned_weight() -> None:
    head, coef = _spam_head(set())
    assert sorted(head.borrowed_weights_) == sorted(SPAM_BORROWED_WEIGHTS)
    for name, source in SPAM_BORROWED_WEIGHTS.items():
        assert coef[COLUMN[source]] > 0.5, source  # the source learned a real weight...
        assert coef[COLUMN[name]] == coef[COLUMN[source]], name  # ...which the absent signal takes
    # A signal with no entry stays at what the data gave it: nothing.
    assert coef[COLUMN["url_present"]] == 0.0


def test_a_signal_the_rows_show_keeps_its_own_learned_weight() -> None:
    head, coef = _spam_head({"toll_free_number"})
    assert "toll_free_number" not in head.borrowed_weights_
    assert "support_number" in head.borrowed_weights_
    assert coef[COLUMN["toll_free_number"]] > 0.5
    assert coef[COLUMN["toll_free_number"]] != coef[COLUMN["phone_number"]]


def test_borrowing_leaves_the_held_out_scores_and_calibration_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """The folds never saw the absent signals: their scores, so the calibration and the thresholds,
    are those of a head that borrows nothing; only the final model's weights for them differ."""
    X, y = _rows(set())
    config = TrainConfig(folds=3, n_jobs=1)
    lending = fit_head(X, y, alpha=None, config=config)
    monkeypatch.setattr(train_module, "SPAM_BORROWED_WEIGHTS", {})
    plain = fit_head(X, y, alpha=None, config=config)
    assert plain.borrowed_weights_ == []
    np.testing.assert_array_equal(lending.oof_decision_, plain.oof_decision_)
    assert lending.sigmoid_parameters() == plain.sigmoid_parameters()
    changed = np.flatnonzero(lending.estimator_.coef_.ravel() != plain.estimator_.coef_.ravel())
    assert sorted(changed.tolist()) == sorted(COLUMN[name] for name in SPAM_BORROWED_WEIGHTS)


def test_the_shipped_spam_head_records_and_uses_its_borrowed_weights() -> None:
    classifier = load_classifier(SHIPPED_MODEL_DIR)
    borrowed = classifier.card["borrowed_weights"]["spam"]
    assert borrowed == {name: SPAM_BORROWED_WEIGHTS[name] for name in borrowed} and borrowed
    spam_weights = dict(zip(ENGINEERED_FEATURES, classifier.signal_weights.engineered[:, 0], strict=True))
    for name, source in borrowed.items():
        assert spam_weights[name] == spam_weights[source] != 0.0

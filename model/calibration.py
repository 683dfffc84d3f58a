"""Platt scaling fitted on held-out folds, around any linear classifier.

Like ``CalibratedClassifierCV(method="sigmoid", ensemble=False)``, but it keeps the out-of-fold
decision values it calibrated on (``oof_decision_``), so training can pick deployment thresholds
from the same held-out predictions without fitting every fold twice.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression


def _fit_fold(
    estimator: BaseEstimator, X, y: np.ndarray, w: np.ndarray | None, train: np.ndarray, test: np.ndarray
) -> tuple[np.ndarray, np.ndarray, BaseEstimator]:
    model = clone(estimator)
    if w is None:
        model.fit(X[train], y[train])
    else:
        model.fit(X[train], y[train], sample_weight=w[train])
    decision = model.decision_function(X[test]) if len(test) else np.zeros(0)
    return test, decision, model


class PlattCalibratedClassifier(ClassifierMixin, BaseEstimator):
    """A linear classifier fitted on all rows, with a sigmoid fitted on its out-of-fold scores.

    ``cv`` is a list of ``(train_index, test_index)`` pairs that covers every row once as test.
    """

    def __init__(
        self,
        estimator: BaseEstimator,
        cv: Sequence[tuple[np.ndarray, np.ndarray]] | None = None,
        n_jobs: int | None = None,
    ) -> None:
        self.estimator = estimator
        self.cv = cv
        self.n_jobs = n_jobs

    def fit(
        self, X, y, sample_weight: np.ndarray | None = None, calibration_rows: np.ndarray | None = None
    ) -> PlattCalibratedClassifier:
        """Fit; ``calibration_rows`` (boolean mask) limits the sigmoid fit to rows whose class mix
        resembles what the model will score (e.g. YouTube rows, not the extra non-spam)."""
        y = np.asarray(y).astype(int)
        w = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        splits = list(self.cv) if self.cv is not None else _default_splits(len(y))
        jobs = [delayed(_fit_fold)(self.estimator, X, y, w, tr, te) for tr, te in splits]
        jobs.append(delayed(_fit_fold)(self.estimator, X, y, w, np.arange(len(y)), np.arange(0)))
        # Threads: the SGD and sparse products release the GIL, and X is not copied.
        results = Parallel(n_jobs=self.n_jobs, prefer="threads")(jobs)
        oof = np.full(len(y), np.nan)
        for test, decision, _ in results[:-1]:
            oof[test] = decision
        if np.isnan(oof).any():
            raise ValueError("cv must use every row exactly once as a test row")
        final = results[-1][2]
        rows = np.ones(len(y), dtype=bool) if calibration_rows is None else np.asarray(calibration_rows, bool)
        calibrator = LogisticRegression(C=1e4)
        calibrator.fit(oof[rows].reshape(-1, 1), y[rows], sample_weight=None if w is None else w[rows])
        self.estimator_ = final
        self.calibrator_ = calibrator
        self.oof_decision_ = oof
        self.classes_ = np.array([0, 1])
        return self

    def decision_function(self, X) -> np.ndarray:
        return self.estimator_.decision_function(X)

    def calibrate(self, decision: np.ndarray) -> np.ndarray:
        """Probabilities for raw decision values."""
        return self.calibrator_.predict_proba(np.asarray(decision).reshape(-1, 1))[:, 1]

    def predict_proba(self, X) -> np.ndarray:
        p = self.calibrate(self.decision_function(X))
        return np.column_stack([1 - p, p])

    def predict(self, X) -> np.ndarray:
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)

    def sigmoid_parameters(self) -> tuple[float, float]:
        """``(a, b)`` such that probability = 1 / (1 + exp(a * decision + b))."""
        return -float(self.calibrator_.coef_[0, 0]), -float(self.calibrator_.intercept_[0])


def _default_splits(n: int, folds: int = 5, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    order = np.random.default_rng(seed).permutation(n)
    parts = np.array_split(order, folds)
    return [(np.concatenate(parts[:k] + parts[k + 1 :]), parts[k]) for k in range(folds)]

"""Logistic regression on naive-Bayes-scaled features (NB-LR, after Wang & Manning's NBSVM, 2012).

Each hashed n-gram column is scaled by its log-count ratio: how much more often it occurs in
positive rows than in negative ones (presence, sample-weighted, smoothed by ``alpha``). The
logistic regression then starts from the naive Bayes evidence of every n-gram and only corrects
it, instead of spreading weight over every n-gram that happens to co-occur with a positive in a
small training set: on YouTube leave-one-video-out this ranks unseen videos better and lowers
false alarms on clean comments from other sources.

``beta`` < 1 interpolates the n-gram weights toward naive Bayes itself, as Wang & Manning's NBSVM
does (``w = (1 - beta) * mean|w| + beta * w`` in the scaled space): every n-gram keeps part of its
plain naive-Bayes log-count ratio, so the score leans less on the few n-grams the regression singled
out in ~4k rows of five videos.

The scaling is diagonal, so it folds into the weights: ``coef_`` applies to the unscaled
features, and the fitted model scores with one dot product like any linear model (the
classifier reads ``coef_`` and ``intercept_`` only).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression


class NBLogisticRegression(ClassifierMixin, BaseEstimator):
    """Binary logistic regression (liblinear) on features scaled by their NB log-count ratio.

    The last ``n_unscaled`` columns (the engineered features, already on a meaningful scale and
    not presence-like) enter as they are.
    """

    def __init__(
        self, C: float = 30.0, alpha: float = 0.5, n_unscaled: int = 0, beta: float = 1.0, dual: bool = False
    ) -> None:
        self.C = C
        self.alpha = alpha
        self.n_unscaled = n_unscaled
        self.beta = beta
        self.dual = dual

    def fit(self, X, y, sample_weight: np.ndarray | None = None) -> NBLogisticRegression:
        X = sp.csr_matrix(X)
        y = np.asarray(y).astype(int)
        w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        self.scale_ = self.log_count_ratio(X, y, w)
        # ``dual``: on many long rows at a moderate C (the toxicity head) liblinear's dual problem
        # solves ~3x faster to the same fit; at a high C it converges slowly, so the primal stays the default.
        model = LogisticRegression(C=self.C, solver="liblinear", dual=self.dual, max_iter=1000 if self.dual else 100)
        model.fit(X @ sp.diags(self.scale_), y, sample_weight=sample_weight)
        coef = model.coef_.copy()
        if self.beta != 1.0:
            ngrams = slice(0, coef.shape[1] - self.n_unscaled)
            coef[:, ngrams] = (1 - self.beta) * np.abs(coef[:, ngrams]).mean() + self.beta * coef[:, ngrams]
        self.coef_ = coef * self.scale_
        self.intercept_ = model.intercept_
        self.classes_ = model.classes_
        return self

    def log_count_ratio(self, X: sp.csr_matrix, y: np.ndarray, w: np.ndarray) -> np.ndarray:
        """Per column ``log((p / |p|) / (q / |q|))``, ``p`` / ``q`` the weighted number of positive /
        negative rows holding the column plus ``alpha``; 1 for the unscaled columns."""
        present = X.copy()
        present.data = np.ones_like(present.data)
        p = present.T @ np.where(y == 1, w, 0.0) + self.alpha
        q = present.T @ np.where(y == 0, w, 0.0) + self.alpha
        ratio = np.log((p / p.sum()) / (q / q.sum()))
        if self.n_unscaled:
            ratio[-self.n_unscaled :] = 1.0
        return ratio

    def decision_function(self, X) -> np.ndarray:
        return np.asarray(X @ self.coef_.ravel()).ravel() + self.intercept_[0]

    def predict(self, X) -> np.ndarray:
        return (self.decision_function(X) > 0).astype(int)

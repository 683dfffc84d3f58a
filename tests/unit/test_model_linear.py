"""NB-scaled logistic regression: the naive Bayes scaling folds into plain linear weights."""

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression

from model.linear import NBLogisticRegression


def _data(seed: int = 0) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = np.repeat([0, 1], 60)
    ngrams = (rng.random((120, 30)) < 0.15).astype(float)
    ngrams[y == 1, 0] = 1.0  # column 0: a spam n-gram; column 1: a non-spam one
    ngrams[y == 0, 1] = 1.0
    engineered = rng.random((120, 2)) + y[:, None]
    weights = rng.uniform(0.5, 1.5, size=120)
    return sp.csr_matrix(np.hstack([ngrams, engineered])), y, weights


def test_scaling_folds_into_the_weights() -> None:
    X, y, w = _data()
    model = NBLogisticRegression(C=10.0, alpha=0.5, n_unscaled=2).fit(X, y, sample_weight=w)
    inner = LogisticRegression(C=10.0, solver="liblinear").fit(X @ sp.diags(model.scale_), y, sample_weight=w)
    np.testing.assert_allclose(model.decision_function(X), inner.decision_function(X @ sp.diags(model.scale_)))
    np.testing.assert_allclose(model.decision_function(X), X @ model.coef_.ravel() + model.intercept_[0])
    assert model.coef_.shape == (1, X.shape[1]) and set(model.classes_) == {0, 1}
    assert (model.predict(X) == y).mean() > 0.9


def test_log_count_ratio_signs_and_unscaled_columns() -> None:
    X, y, w = _data()
    model = NBLogisticRegression(alpha=1.0, n_unscaled=2).fit(X, y, sample_weight=w)
    assert model.scale_[0] > 1 and model.scale_[1] < -1  # present in one class only
    np.testing.assert_array_equal(model.scale_[-2:], [1.0, 1.0])
    # A column no row holds is scaled by the constant log of the class totals' ratio.
    X_empty = sp.hstack([X, sp.csr_matrix((X.shape[0], 1))], format="csr")
    empty = NBLogisticRegression(alpha=1.0).fit(X_empty, y).scale_
    assert np.isfinite(empty).all()


def test_beta_interpolates_the_ngram_weights_toward_naive_bayes() -> None:
    X, y, w = _data()
    full = NBLogisticRegression(C=10.0, alpha=0.5, n_unscaled=2).fit(X, y, sample_weight=w)
    half = NBLogisticRegression(C=10.0, alpha=0.5, n_unscaled=2, beta=0.5).fit(X, y, sample_weight=w)
    scaled = full.coef_.ravel()[:-2] / full.scale_[:-2]  # the regression's own n-gram weights
    expected = (0.5 * np.abs(scaled).mean() + 0.5 * scaled) * full.scale_[:-2]
    np.testing.assert_allclose(half.coef_.ravel()[:-2], expected)
    np.testing.assert_allclose(half.coef_.ravel()[-2:], full.coef_.ravel()[-2:])  # engineered: as fitted
    np.testing.assert_allclose(half.intercept_, full.intercept_)

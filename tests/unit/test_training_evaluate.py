"""Threshold choice and metrics on synthetic held-out scores."""

from __future__ import annotations

import numpy as np

from training.evaluate import EVALUATION_KEYS, at_threshold, binary_metrics, choose_thresholds


def synthetic(n: int = 2000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.3).astype(int)
    scores = np.clip(rng.normal(0.3 + 0.4 * y, 0.15), 0, 1)
    return y, scores


def test_thresholds_meet_their_targets() -> None:
    y, scores = synthetic()
    t = choose_thresholds(y, scores, precision_target=0.95, recall_target=0.9)
    assert t["approve_below"] <= t["refuse_above"]
    assert at_threshold(y, scores, t["approve_below"])["recall"] >= 0.9
    if t["precision_target_met"]:
        assert at_threshold(y, scores, t["refuse_above"])["precision"] >= 0.95


def test_unreachable_precision_is_reported() -> None:
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 500)
    scores = rng.random(500)  # no signal at all
    t = choose_thresholds(y, scores, precision_target=0.99)
    assert t["precision_target_met"] is False


def test_binary_metrics_keys() -> None:
    y, scores = synthetic()
    m = binary_metrics(y, scores, {"approve_below": 0.4, "refuse_above": 0.8})
    for key in EVALUATION_KEYS:
        assert key in m
    assert m["precision"] == m["approve_below"]["precision"]
    assert m["n"] == len(y) and m["positives"] == int(y.sum())

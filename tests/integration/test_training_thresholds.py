"""Threshold advice from labels: targets met on the labels, and the trade-off plotted."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from training.thresholds import advise, outcome, plot_tradeoff


def _labels(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 2000)
    scores = np.clip(np.where(y == 1, rng.normal(0.75, 0.15, y.size), rng.normal(0.25, 0.15, y.size)), 0, 1)
    return y, scores


def test_min_precision_sets_refuse_above() -> None:
    y, scores = _labels()
    advice = advise(y, scores, min_precision=0.99)
    assert advice["refused_precision"] >= 0.99
    looser = advise(y, scores, min_precision=0.9)
    assert looser["refuse_above"] <= advice["refuse_above"] and looser["refused_share"] >= advice["refused_share"]


def test_max_queue_caps_the_share_queued() -> None:
    y, scores = _labels(1)
    for share in (0.05, 0.2):
        advice = advise(y, scores, max_queue=share, min_precision=0.98)
        assert advice["queued_share"] <= share + 0.001
        assert advice["approve_below"] <= advice["refuse_above"]
    assert (
        advise(y, scores, max_queue=0.05, min_precision=0.98)["positives_approved"]
        >= advise(y, scores, max_queue=0.2, min_precision=0.98)["positives_approved"]
    )


def test_outcome_counts_and_plot(tmp_path: Path) -> None:
    y = np.array([0, 0, 1, 1])
    scores = np.array([0.1, 0.6, 0.5, 0.95])
    assert outcome(y, scores, 0.3, 0.9) == {
        "n": 4,
        "positives": 2,
        "approved_share": 0.25,
        "queued_share": 0.5,
        "refused_share": 0.25,
        "refused_precision": 1.0,
        "positives_approved": 0,
        "negatives_refused": 0,
    }
    out = plot_tradeoff(y, scores, {"approve_below": 0.3, "refuse_above": 0.9}, tmp_path / "t.png", "test")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError):
        advise(np.array([]), np.array([]))

"""The deployed thresholds: the worst left-out source sets each limit, and a hold band stays."""

from __future__ import annotations

import numpy as np

from training.thresholds import decision_shares, workload_thresholds


def _source(rng: np.random.Generator, clean_centre: float, n: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    clean = np.clip(rng.normal(clean_centre, 0.1, n), 0, 1)
    bad = np.clip(rng.normal(0.8, 0.1, n // 4), 0, 1)
    return np.r_[np.zeros(n, int), np.ones(n // 4, int)], np.r_[clean, bad]


def test_every_source_stays_within_the_workload_limits() -> None:
    rng = np.random.default_rng(0)
    held_out = {"calm": _source(rng, 0.1), "noisy": _source(rng, 0.3), "spam_only": (np.ones(50, int), rng.random(50))}
    t = workload_thresholds(held_out, max_held=0.10, max_refused=0.01, min_band=0.05)
    for y, scores in held_out.values():
        shares = decision_shares(y, scores, t["approve_below"], t["refuse_above"])
        if shares["clean_held"] is not None:
            assert shares["clean_held"] + shares["clean_refused"] <= 0.10
            assert shares["clean_refused"] <= 0.01
    # The noisier source sets approve_below: on the calm one far fewer clean comments are held.
    calm = decision_shares(*held_out["calm"], t["approve_below"], t["refuse_above"])
    noisy = decision_shares(*held_out["noisy"], t["approve_below"], t["refuse_above"])
    assert calm["clean_held"] < 0.01 < noisy["clean_held"] <= 0.10
    assert t["refuse_above"] >= t["approve_below"] + 0.05


def test_the_band_is_kept_when_the_refusal_limit_alone_would_close_it() -> None:
    y = np.r_[np.zeros(100, int), np.ones(10, int)]
    scores = np.r_[np.linspace(0, 0.2, 100), np.full(10, 0.9)]
    t = workload_thresholds({"only": (y, scores)}, min_band=0.3)
    assert t["refuse_above"] == round(t["approve_below"] + 0.3, 4)


def test_decision_shares_count_like_the_service_decides() -> None:
    y = np.array([0, 0, 0, 0, 1, 1])
    scores = np.array([0.1, 0.5, 0.95, 0.2, 0.5, 0.99])
    shares = decision_shares(y, scores, approve_below=0.5, refuse_above=0.9)
    # 0.5 is held (>= approve_below), 0.95 refused (> refuse_above), as service decisions read them.
    assert shares == {"clean_held": 0.25, "clean_refused": 0.25, "bad_caught": 1.0, "bad_refused": 0.5}

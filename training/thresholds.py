"""Thresholds: the deployed ones from a moderator's workload on left-out sources, and advice from a site's own labels.

:func:`workload_thresholds` chooses the card's thresholds: on every source a head never saw, at
most a given share of clean comments held or refused and a smaller share refused, with a real hold
band between. :func:`decision_shares` measures what any pair of thresholds does to a source.

Threshold advice from a site's own labels: how much goes to the queue, how clean auto-refusal is.

Given labeled comments and a model's scores, it suggests `approve_below` and `refuse_above` for a
target — at most X of the comments to the queue, or at least Y precision on what is refused
automatically — and draws the trade-off so an operator can see what moving either costs.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

WORKLOAD_RULE = (
    "approve_below: the lowest threshold that holds or refuses at most {held:.0%} of the clean comments of "
    "every left-out source; refuse_above: the lowest that refuses at most {refused:.0%} of them, and at least "
    "{band} above approve_below, so a hold band stays between (1.0 = never refuse)"
)


def _ceil4(x: float) -> float:
    return math.ceil(x * 1e4 - 1e-9) / 1e4


def _cut(clean: np.ndarray, share: float) -> float:
    """The lowest 4-decimal threshold ``t`` with at most ``share`` of ``clean`` strictly above it."""
    ranked = np.sort(clean)[::-1]
    k = int(math.floor(share * len(ranked) + 1e-9))
    return _ceil4(float(ranked[k])) if k < len(ranked) else 0.0


def workload_thresholds(
    held_out: dict[str, tuple[np.ndarray, np.ndarray]],
    max_held: float = 0.10,
    max_refused: float = 0.01,
    min_band: float = 0.05,
) -> dict[str, Any]:
    """``approve_below`` / ``refuse_above`` from out-of-source scores ``{source: (labels, scores)}``.

    The service approves ``score < approve_below`` and refuses ``score > refuse_above``; each
    limit holds on every source with clean comments (the worst source sets it), not on their pool.
    """
    approve, refuse = 0.0, 0.0
    for y, scores in held_out.values():
        clean = np.asarray(scores)[np.asarray(y) == 0]
        if len(clean):
            # score >= approve_below is not approved: the cut is just above the allowed share.
            approve = max(approve, _ceil4(_cut(clean, max_held) + 1e-4))
            refuse = max(refuse, _cut(clean, max_refused))
    approve = min(approve, 1.0)
    refuse = min(max(refuse, approve + min_band), 1.0)
    return {
        "approve_below": round(approve, 4),
        "refuse_above": round(refuse, 4),
        "max_held": max_held,
        "max_refused": max_refused,
        "min_band": min_band,
    }


def decision_shares(y: np.ndarray, scores: np.ndarray, approve_below: float, refuse_above: float) -> dict[str, Any]:
    """What the service does with these comments at these thresholds: shares of clean ones held
    (``approve_below <= score <= refuse_above``) and refused (``score > refuse_above``), and of bad ones
    caught (held or refused) and refused."""
    y = np.asarray(y).astype(int)
    scores = np.asarray(scores, dtype=float)
    refused = scores > refuse_above
    held = ~refused & (scores >= approve_below)
    clean, bad = y == 0, y == 1

    def share(mask: np.ndarray, of: np.ndarray) -> float | None:
        return round(float(mask[of].mean()), 4) if of.any() else None

    return {
        "clean_held": share(held, clean),
        "clean_refused": share(refused, clean),
        "bad_caught": share(held | refused, bad),
        "bad_refused": share(refused, bad),
    }


def _refuse_for_precision(y: np.ndarray, scores: np.ndarray, min_precision: float, min_refused: int = 5) -> float:
    """The lowest threshold whose auto-refused comments (score above it) reach `min_precision`."""
    candidates = np.unique(scores)[::-1]
    best = 1.0
    for t in candidates:
        refused = scores > t
        if refused.sum() < min_refused:
            continue
        if y[refused].mean() >= min_precision:
            best = float(t)
        else:
            break  # precision only falls as the threshold drops past the first miss streak
    return best


def advise(
    y: np.ndarray, scores: np.ndarray, *, max_queue: float | None = None, min_precision: float | None = None
) -> dict[str, Any]:
    """Suggested thresholds and what they do on these labels.

    `min_precision` fixes `refuse_above` (the lowest threshold with that precision on refusals);
    `max_queue` then picks the lowest `approve_below` that keeps at most that share of comments
    between the two thresholds. Without `max_queue`, `approve_below` keeps 90% of positives out of
    the approved pile.
    """
    y = np.asarray(y).astype(int)
    scores = np.asarray(scores, dtype=float)
    if len(y) == 0:
        raise ValueError("no labeled comments to advise from")
    refuse_above = _refuse_for_precision(y, scores, min_precision) if min_precision is not None else 0.9
    below = np.sort(scores[scores <= refuse_above])
    if max_queue is not None:
        allowed = int(np.floor(max_queue * len(scores)))
        # The queue is [approve_below, refuse_above]: raise approve_below until it holds few enough.
        approve_below = float(below[-allowed]) if 0 < allowed <= len(below) else refuse_above
    else:
        positives = np.sort(scores[y == 1])
        approve_below = float(positives[int(0.1 * len(positives))]) if len(positives) else 0.5
    approve_below = min(approve_below, refuse_above)
    return {
        "approve_below": round(approve_below, 4),
        "refuse_above": round(refuse_above, 4),
        **outcome(y, scores, approve_below, refuse_above),
    }


def outcome(y: np.ndarray, scores: np.ndarray, approve_below: float, refuse_above: float) -> dict[str, Any]:
    """Shares of approved / queued / refused comments and the errors at each end."""
    approved = scores < approve_below
    refused = scores > refuse_above
    queued = ~approved & ~refused
    n = len(y)
    return {
        "n": int(n),
        "positives": int(y.sum()),
        "approved_share": round(float(approved.mean()), 4),
        "queued_share": round(float(queued.mean()), 4),
        "refused_share": round(float(refused.mean()), 4),
        "refused_precision": round(float(y[refused].mean()), 4) if refused.any() else None,
        "positives_approved": int(y[approved].sum()),
        "negatives_refused": int((1 - y[refused]).sum()),
    }


def plot_tradeoff(y: np.ndarray, scores: np.ndarray, advice: dict[str, Any], out: Path, title: str) -> Path:
    """Queue share and auto-refusal precision/recall as each threshold moves; the advice marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    y = np.asarray(y).astype(int)
    scores = np.asarray(scores, dtype=float)
    grid = np.linspace(0, 1, 201)
    refused_precision = [y[scores > t].mean() if (scores > t).any() else np.nan for t in grid]
    refused_recall = [y[scores > t].sum() / max(y.sum(), 1) for t in grid]
    queue_share = [((scores >= t) & (scores <= advice["refuse_above"])).mean() for t in grid]
    missed = [y[scores < t].sum() / max(y.sum(), 1) for t in grid]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    left.plot(grid, refused_precision, label="precision of auto-refused")
    left.plot(grid, refused_recall, label="share of positives auto-refused")
    left.axvline(advice["refuse_above"], color="k", linestyle="--", label=f"refuse_above {advice['refuse_above']}")
    left.set_xlabel("refuse_above")
    left.set_ylim(0, 1.02)
    left.legend(loc="lower left", fontsize=8)
    right.plot(grid, queue_share, label="share of comments queued")
    right.plot(grid, missed, label="share of positives approved")
    right.axvline(advice["approve_below"], color="k", linestyle="--", label=f"approve_below {advice['approve_below']}")
    right.set_xlabel(f"approve_below (refuse_above fixed at {advice['refuse_above']})")
    right.set_ylim(0, 1.02)
    right.legend(loc="upper right", fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out

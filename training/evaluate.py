"""Metrics of a head's scores against labels, at the deployed thresholds, and threshold choice.

Thresholds are read the way the service uses them: a score ``>= refuse_above`` is refused
(spam / held back), a score ``< approve_below`` is approved, anything between goes to a person.
So "predicted positive" at a threshold ``t`` means ``score >= t``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score

from model.classifier import HEADS, CommentClassifier, CommentInput, load_classifier
from training.datasets import load_labeled_file

# The keys `python -m training evaluate` promises (the contract's list, plus both thresholds).
EVALUATION_KEYS = (
    "n",
    "positives",
    "roc_auc",
    "average_precision",
    "precision",
    "recall",
    "f1",
    "approve_below",
    "refuse_above",
)


def at_threshold(y: np.ndarray, scores: np.ndarray, threshold: float) -> dict[str, float]:
    """Precision, recall and F1 when ``score >= threshold`` counts as positive."""
    predicted = scores >= threshold
    tp = int(np.sum(predicted & (y == 1)))
    fp = int(np.sum(predicted & (y == 0)))
    fn = int(np.sum(~predicted & (y == 1)))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "threshold": float(threshold),
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "flagged": int(predicted.sum()),
    }


def ranking_metrics(y: np.ndarray, scores: np.ndarray) -> dict[str, float | None]:
    """ROC AUC and average precision; ``None`` when only one class is present."""
    if len(np.unique(y)) < 2:
        return {"roc_auc": None, "average_precision": None}
    return {
        "roc_auc": round(float(roc_auc_score(y, scores)), 4),
        "average_precision": round(float(average_precision_score(y, scores)), 4),
    }


def binary_metrics(y: np.ndarray, scores: np.ndarray, thresholds: dict[str, float] | None = None) -> dict:
    """The evaluation object: counts, ranking metrics, and metrics at each deployed threshold.

    The flat ``precision`` / ``recall`` / ``f1`` keys are at ``approve_below`` (anything not
    approved counts as flagged), the nested objects name their threshold.
    """
    y = np.asarray(y).astype(int)
    scores = np.asarray(scores, dtype=np.float64)
    out: dict = {"n": int(len(y)), "positives": int(y.sum()), **ranking_metrics(y, scores)}
    out["accuracy_at_0.5"] = round(float(np.mean((scores >= 0.5) == (y == 1))), 4) if len(y) else None
    if thresholds:
        for name in ("approve_below", "refuse_above"):
            if name in thresholds:
                out[name] = at_threshold(y, scores, thresholds[name])
        if "approve_below" in out:
            out["threshold"] = "approve_below"
            for key in ("precision", "recall", "f1"):
                out[key] = out["approve_below"][key]
    return out


def choose_thresholds(
    y: np.ndarray,
    scores: np.ndarray,
    *,
    precision_target: float = 0.98,
    recall_target: float = 0.9,
    min_positives: int = 10,
) -> dict:
    """Deployed thresholds from held-out scores.

    ``approve_below``: the highest threshold that still flags ``recall_target`` of the positives.
    ``refuse_above``: the lowest threshold whose precision is ``>= precision_target`` with at
    least ``min_positives`` true positives; if no threshold reaches the target, the threshold of
    best precision is used and the card says so (``precision_target_met``: false).
    """
    y = np.asarray(y).astype(int)
    scores = np.asarray(scores, dtype=np.float64)
    positives = np.sort(scores[y == 1])[::-1]
    k = max(math.ceil(recall_target * len(positives)) - 1, 0)
    approve_below = float(positives[k]) if len(positives) else 0.5
    order = np.argsort(-scores, kind="stable")
    sorted_scores = scores[order]
    tp = np.cumsum(y[order] == 1)
    flagged = np.arange(1, len(y) + 1)
    precision = tp / flagged
    # Only cut between distinct scores: a threshold flags every row with an equal score.
    last_of_run = np.r_[sorted_scores[1:] != sorted_scores[:-1], True]
    ok = last_of_run & (tp >= min_positives)
    meets = ok & (precision >= precision_target)
    met = bool(meets.any())
    if met:
        i = int(np.flatnonzero(meets)[-1])
    elif ok.any():
        candidates = np.flatnonzero(ok)
        i = int(candidates[np.argmax(precision[candidates])])
    else:
        i = 0
    refuse_above = float(sorted_scores[i]) if len(y) else 0.9
    refuse_above = max(refuse_above, approve_below)
    return {
        "approve_below": round(approve_below, 4),
        "refuse_above": round(refuse_above, 4),
        "precision_target": precision_target,
        "precision_target_met": met,
        "recall_target": recall_target,
    }


def evaluate_file(
    path: str | Path,
    target: str,
    *,
    text_col: str = "comment",
    label_col: str = "label",
    model_dir: str | Path | None = None,
    author_col: str | None = "author",
    url_col: str | None = "url",
) -> dict:
    """Score a labeled CSV / JSON Lines file with a saved model and return :func:`binary_metrics`."""
    from model.classifier import SHIPPED_MODEL_DIR

    if target not in ("spam", "toxicity"):
        raise ValueError("target must be spam or toxicity")
    classifier = load_classifier(model_dir or SHIPPED_MODEL_DIR)
    data = load_labeled_file(
        path, target=target, text_col=text_col, label_col=label_col, author_col=author_col, url_col=url_col
    )
    scores = score_rows(classifier, data.rows)[:, HEADS.index(target)]
    thresholds = classifier.card.get("thresholds", {}).get(target, {})
    result = binary_metrics(data.labels[target], scores, thresholds)
    return {"target": target, "model_version": classifier.version, "data": str(path), **result}


def score_rows(classifier: CommentClassifier, rows: Sequence[tuple[str, str, str]], batch: int = 512) -> np.ndarray:
    """Probabilities of every head for many rows, in batches (shape ``(n, len(HEADS))``)."""
    out = [
        classifier.probabilities([CommentInput(*r) for r in rows[i : i + batch]]) for i in range(0, len(rows), batch)
    ]
    return np.vstack(out) if out else np.zeros((0, len(HEADS)))


def print_json(obj: dict) -> None:
    print(json.dumps(obj, indent=None, sort_keys=False))

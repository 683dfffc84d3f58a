"""Retraining from a site's own decisions, and promotion only when the candidate is no worse.

The site's labels are split by time: the most recent `holdout` share is held back and never
trained on. The candidate is fitted on the shipped data plus the older site labels (weighted up);
then the candidate and the current model both score the held-back labels, and the candidate is
made current only if it is no worse on every head those labels can judge (or with `force`).
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from model import CommentInput, load_classifier
from model.registry import ModelRegistry
from training.datasets import LabeledSet
from training.evaluate import ranking_metrics
from training.progress import Progress
from training.site_labels import SiteLabel, as_sets, read_site_labels, split_by_time
from training.train import TrainConfig, save_artifact, train

# Exit codes for cron: promoted, kept the current model, failed.
PROMOTED, FAILED, KEPT = 0, 1, 3


@dataclass(frozen=True)
class RetrainResult:
    version: str
    promoted: bool
    reason: str
    evaluation: dict[str, Any]
    counts: dict[str, int]


def _score(model_dir: Path, labels: list[SiteLabel]) -> dict[str, np.ndarray]:
    scores = load_classifier(model_dir).score([CommentInput(lb.text, lb.author, lb.url) for lb in labels])
    return {"spam": np.array([s.spam for s in scores]), "toxicity": np.array([s.toxicity for s in scores])}


def compare_on(held_back: list[SiteLabel], candidate: Path, current: Path) -> dict[str, Any]:
    """ROC AUC and average precision of both models on the held-back labels, per head."""
    if not held_back:
        return {}
    cand, curr = _score(candidate, held_back), _score(current, held_back)
    out: dict[str, Any] = {}
    for head in ("spam", "toxicity"):
        rows = np.array([getattr(lb, head) is not None for lb in held_back])
        y = np.array([getattr(lb, head) or 0 for lb in held_back])[rows]
        if rows.sum() == 0 or len(np.unique(y)) < 2:
            continue  # a head these labels cannot judge
        out[head] = {
            "n": int(rows.sum()),
            "positives": int(y.sum()),
            "candidate": ranking_metrics(y, cand[head][rows]),
            "current": ranking_metrics(y, curr[head][rows]),
        }
    return out


def retrain(
    db: str,
    registry: ModelRegistry,
    *,
    decrypt: Any = None,
    extras: list[LabeledSet] | None = None,
    config: TrainConfig | None = None,
    holdout: float = 0.2,
    site_weight: float = 5.0,
    promote: bool = False,
    force: bool = False,
    progress: Progress | None = None,
) -> RetrainResult:
    labels = read_site_labels(db, decrypt)
    train_labels, held_back = split_by_time(labels, holdout)
    config = config or TrainConfig()
    artifact, card = train(config, [*(extras or []), *as_sets(train_labels, site_weight)], progress)
    current_dir = registry.current_path()
    current_version = registry.current_version() or "shipped"
    with tempfile.TemporaryDirectory() as tmp:
        staged = save_artifact(artifact, card, Path(tmp) / card["version"])
        evaluation = compare_on(held_back, staged, current_dir)
        card["site_labels"] = {
            "trained_on": len(train_labels),
            "held_back": len(held_back),
            "weight": site_weight,
            "held_back_from": held_back[0].at if held_back else None,
            "compared_with": current_version,
            "evaluation": evaluation,
        }
        (staged / "card.json").write_text(json.dumps(card, indent=2))
        (staged / "report.md").write_text(_report(card))
        version = registry.add(staged)
    better = {head: _no_worse(result) for head, result in evaluation.items()}
    if not promote:
        promoted, reason = False, "not asked to promote"
    elif force:
        promoted, reason = True, "forced"
    elif not better:
        promoted, reason = False, "no held-back site labels of both classes to judge by (use --force)"
    elif all(better.values()):
        promoted, reason = True, "no worse than " + current_version + " on the site's held-back labels"
    else:
        worse = ", ".join(h for h, ok in better.items() if not ok)
        promoted, reason = False, f"worse than {current_version} on the held-back {worse} labels"
    if promoted:
        registry.promote(version)
    counts = {"site_labels": len(labels), "trained_on": len(train_labels), "held_back": len(held_back)}
    return RetrainResult(version, promoted, reason, evaluation, counts)


def _no_worse(result: dict[str, Any]) -> bool:
    return (result["candidate"]["roc_auc"] or 0) >= (result["current"]["roc_auc"] or 0)


def _report(card: dict[str, Any]) -> str:
    site = card["site_labels"]
    lines = [
        f"# Model {card['version']}",
        "",
        f"Site labels: {site['trained_on']} trained on (weight {site['weight']}), {site['held_back']} most recent "
        f"held back (from {site['held_back_from']}), compared with `{site['compared_with']}`.",
        "",
        "| head | n | positives | candidate ROC AUC | current ROC AUC |",
        "|---|---|---|---|---|",
    ]
    for head, r in site["evaluation"].items():
        lines.append(
            f"| {head} | {r['n']} | {r['positives']} | {r['candidate']['roc_auc']} | {r['current']['roc_auc']} |"
        )
    lines += ["", "Thresholds: `" + json.dumps(card.get("thresholds", {})) + "`", ""]
    return "\n".join(lines)


def quick_config(rows: int | None, exclude_videos: tuple[str, ...] = ()) -> TrainConfig:
    config = TrainConfig()
    return replace(config, max_rows_per_source=rows, youtube_exclude=exclude_videos)

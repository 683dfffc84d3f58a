"""Scoring a comment with the deployed classifier, and the thresholds that come with it.

A classifier that fails never costs a comment: the caller gets `None` and holds the comment for a
person (it is never published unscored, and never lost).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from model import SHIPPED_MODEL_DIR as SHIPPED_MODEL_DIR
from model import CommentClassifier, CommentInput, Scores, load_classifier
from service.metrics import observe_scoring
from service.sites import SiteSettings, Thresholds

log = logging.getLogger(__name__)

# Used only when a model card names no thresholds (an old or hand-made artifact).
FALLBACK_THRESHOLDS = {"spam": Thresholds(0.5, 0.9), "toxicity": Thresholds(0.5, 0.97)}
# Toxic comments are held for a person by default, never refused by the score alone (as Coral
# does): a wrongly refused insult-detector hit would be invisible to moderators, and their
# decisions on these comments are the toxicity labels retraining needs. A site that wants
# refusals sets its own `toxicity_thresholds`.
NEVER = 1.0


@dataclass(frozen=True)
class Scored:
    scores: Scores | None
    model_version: str


class Scorer:
    """Holds the current classifier; `score` never raises."""

    def __init__(self, classifier: CommentClassifier) -> None:
        self.classifier = classifier
        self.thresholds = card_thresholds(classifier.card)

    @classmethod
    def from_dir(cls, model_dir: str | Path | None) -> Scorer:
        return cls(load_classifier(Path(model_dir) if model_dir else SHIPPED_MODEL_DIR))

    @property
    def version(self) -> str:
        return self.classifier.version

    def swap(self, classifier: CommentClassifier) -> None:
        """Makes `classifier` current. Requests already scoring keep the one they started with."""
        self.thresholds = card_thresholds(classifier.card)
        self.classifier = classifier

    def score(self, text: str, author: str, url: str) -> Scored:
        classifier = self.classifier  # one reference for the whole call, whatever swaps it meanwhile
        started = time.perf_counter()
        try:
            result = classifier.score([CommentInput(text=text, author=author, url=url)])[0]
        except Exception as exc:  # a broken model must hold comments, not drop them
            log.error("the classifier failed to score a comment: %s", type(exc).__name__)
            return Scored(None, classifier.version)
        finally:
            observe_scoring(time.perf_counter() - started)
        return Scored(result, classifier.version)

    def thresholds_for(self, settings: SiteSettings) -> tuple[Thresholds, Thresholds]:
        """The site's own thresholds where it set them, else the model card's."""
        toxicity = self.thresholds["toxicity"]
        return (
            settings.spam_thresholds or self.thresholds["spam"],
            settings.toxicity_thresholds or Thresholds(toxicity.approve_below, NEVER),
        )


def card_thresholds(card: dict[str, Any]) -> dict[str, Thresholds]:
    found = dict(FALLBACK_THRESHOLDS)
    for head, values in (card.get("thresholds") or {}).items():
        if isinstance(values, dict) and {"approve_below", "refuse_above"} <= set(values):
            found[head] = Thresholds(float(values["approve_below"]), float(values["refuse_above"]))
    return found

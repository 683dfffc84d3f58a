"""Scoring a comment with the deployed classifier, and the thresholds that come with it.

A classifier that fails never costs a comment: the caller gets `None` and holds the comment for a
person (it is never published unscored, and never lost).
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from model import SHIPPED_MODEL_DIR as SHIPPED_MODEL_DIR
from model import CommentClassifier, CommentInput, Scores, load_classifier
from service.http.metrics import observe_scoring
from service.scoring.batching import MicroBatcher
from service.sites.settings import SiteSettings, Thresholds

log = logging.getLogger(__name__)

# Used only when a model card names no thresholds (an old or hand-made artifact).
FALLBACK_THRESHOLDS = {"spam": Thresholds(0.5, 0.9), "toxicity": Thresholds(0.5, 0.97)}
# Toxic comments are held for a person by default, never refused by the score alone (as Coral
# does): a wrongly refused insult-detector hit would be invisible to moderators, and their
# decisions on these comments are the toxicity labels retraining needs. A site that wants
# refusals sets its own `toxicity_thresholds`.
NEVER = 1.0
# Concurrent comments are scored together (see service/scoring/batching.py): a comment waits at most
# BATCH_DELAY seconds for others; a batch holds at most BATCH_SIZE (bounds one call's time).
# Under a burst at 32 connections, 2 ms made batches of ~13 (two groups of requests taking turns);
# 5 ms merges them into batches of ~25, and each comment then costs ~15% less CPU in all (the model
# call, the group commit and the loop's wake-ups are per batch). 10 ms gained no more and idled;
# flushing after 1 ms without a new arrival gave batches of ~16. Re-checked with batch explanations
# (0.55 ms of CPU per comment): 5 ms makes full batches of 32 (every connection), 2 ms batches of
# ~16 at 0.59 ms; a BATCH_SIZE of 16 (two groups taking turns) cost 0.74 ms.
BATCH_SIZE = 32
BATCH_DELAY = 0.005


@dataclass(frozen=True)
class ScoringOutcome:
    scores: Scores | None
    model_version: str


class Scorer:
    """Holds the current classifier; `score` never raises."""

    def __init__(self, classifier: CommentClassifier) -> None:
        self.classifier = classifier
        self.thresholds = card_thresholds(classifier.card)
        # One batcher per event loop: tests share one Scorer between apps, each on its own loop.
        self._batchers: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, MicroBatcher[CommentInput, ScoringOutcome]
        ] = weakref.WeakKeyDictionary()

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

    def score(self, text: str, author: str, url: str) -> ScoringOutcome:
        """One comment's scores now; `ScoringOutcome(None, version)` if the classifier fails."""
        return self.score_batch([CommentInput(text=text, author=author, url=url)])[0]

    async def score_soon(self, text: str, author: str, url: str) -> ScoringOutcome:
        """The same as `score`, but scored in one model call with the comments arriving meanwhile."""
        loop = asyncio.get_running_loop()
        batcher = self._batchers.get(loop)
        if batcher is None:
            batcher = self._batchers[loop] = MicroBatcher(self.score_batch, BATCH_SIZE, BATCH_DELAY)
        return await batcher.submit(CommentInput(text=text, author=author, url=url))

    def score_batch(self, items: list[CommentInput]) -> list[ScoringOutcome]:
        """Scores of `items` from one model call; never raises: a failure gives `ScoringOutcome(None, ...)` to all."""
        classifier = self.classifier  # one reference for the whole call, whatever swaps it meanwhile
        started = time.perf_counter()
        try:
            results = classifier.score(items)
            if len(results) != len(items):
                raise ValueError("the classifier returned the wrong number of scores")
        except Exception as exc:  # a broken model must hold comments, not drop them
            log.error("the classifier failed to score %d comment(s): %s", len(items), type(exc).__name__)
            return [ScoringOutcome(None, classifier.version)] * len(items)
        finally:
            observe_scoring(time.perf_counter() - started)  # the metric is per classifier call
        return [ScoringOutcome(result, classifier.version) for result in results]

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

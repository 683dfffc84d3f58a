"""The comment classifier the service calls: load a saved artifact, score batches of comments.

An artifact is a directory with ``model.joblib`` and ``card.json``. ``model.joblib`` holds a dict:

* ``"features"``: the shared, stateless feature ``Pipeline`` (:mod:`model.features`);
* ``"heads"``: ``{name: Pipeline([("features", <shared>), ("classifier", PlattCalibratedClassifier)])}``
  for ``spam``, ``toxicity`` and the toxicity attributes, so each head is a plain scikit-learn
  pipeline usable in a notebook (``heads["spam"].predict_proba([(text, author, url)])``).

Scoring does not go through ``Pipeline.predict_proba``: its per-call validation costs more than
the features themselves. At load time the linear weights and the sigmoid calibrators are read
out of the pipelines into one weight matrix, so one comment costs one feature pass and a
handful of numpy operations. ``tests/test_model_classifier.py`` checks both paths agree.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, partial
from pathlib import Path

import joblib
import numpy as np
import scipy.sparse as sp
from sklearn.pipeline import Pipeline

from model.calibration import PlattCalibratedClassifier
from model.explanations import BatchSignals, SignalWeights
from model.features import FeatureParts, HashingLayout, sparse_parts
from model.patterns import ENGINEERED_FEATURES

SHIPPED_MODEL_DIR: Path = Path(__file__).parent / "shipped"
MODEL_FILE = "model.joblib"
CARD_FILE = "card.json"
ATTRIBUTES: tuple[str, ...] = ("severe_toxicity", "obscene", "threat", "insult", "identity_attack")
HEADS: tuple[str, ...] = ("spam", "toxicity", *ATTRIBUTES)


@dataclass(frozen=True)
class CommentInput:
    text: str  # the raw comment text as the commenter typed it
    author: str = ""  # name field
    url: str = ""  # website field
    # The post the comment is under, as WordPress and Akismet send it (comment_post_title, permalink,
    # comment_context). Accepted and carried, not scored: measured on YouTube leave-one-video-out,
    # "shares no word with the post's title" lowered the mean ROC AUC (docs/model.md).
    post_title: str = ""
    permalink: str = ""
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Scores:
    spam: float  # calibrated probability in [0, 1]
    toxicity: float  # calibrated probability in [0, 1]
    attributes: dict[str, float]  # severe_toxicity, obscene, threat, insult, identity_attack
    # Names the strongest positive contributors toward spam / toxicity. Called only when someone
    # reads `signals`: the service names them for held and refused comments only.
    explain: Callable[[], tuple[str, ...]] = field(default=tuple, repr=False, compare=False)

    @cached_property
    def signals(self) -> tuple[str, ...]:
        return self.explain()


def _linear_head(pipeline: Pipeline) -> tuple[np.ndarray, float, float, float]:
    """``(coef, intercept, a, b)`` of a head: p = 1 / (1 + exp(a * (coef @ x + intercept) + b)).

    Only a :class:`PlattCalibratedClassifier` over a linear classifier is supported: that is what
    training writes, and it keeps scoring a dot product.
    """
    calibrated: PlattCalibratedClassifier = pipeline.named_steps["classifier"]
    linear = calibrated.estimator_
    a, b = calibrated.sigmoid_parameters()
    return (np.asarray(linear.coef_, dtype=np.float64).ravel(), float(np.ravel(linear.intercept_)[0]), a, b)


class CommentClassifier:
    """Spam and toxicity scores for comments. Immutable after construction, so thread-safe."""

    def __init__(self, artifact: dict, card: dict) -> None:
        self.artifact = artifact
        self.card = card
        self.version: str = str(card["version"])
        self.features: Pipeline = artifact["features"]
        self.heads: dict[str, Pipeline] = artifact["heads"]
        missing = [h for h in HEADS if h not in self.heads]
        if missing:
            raise ValueError(f"model artifact lacks heads: {missing}")
        parts = [_linear_head(self.heads[h]) for h in HEADS]
        # weights: (n_features, n_heads), read once so scoring is a gather + dot product.
        self._weights = np.ascontiguousarray(np.stack([p[0] for p in parts], axis=1))
        self._intercepts = np.array([p[1] for p in parts])
        self._a = np.array([p[2] for p in parts])
        self._b = np.array([p[3] for p in parts])
        self._layout = HashingLayout.of(self.features)
        n_char = self._layout.n_char
        self._eng_offset = n_char + self._layout.n_word
        self._eng_weights = self._weights[self._eng_offset : self._eng_offset + len(ENGINEERED_FEATURES)]
        # Read by explanations (model/explanations.py): the engineered and the word-block rows.
        self.signal_weights = SignalWeights(self._eng_weights, self._weights[n_char : self._eng_offset])

    def decision(self, items: Sequence[CommentInput]) -> tuple[np.ndarray, FeatureParts]:
        """Raw linear scores, shape ``(len(items), len(HEADS))``, plus the features they came from."""
        rows = [(it.text or "", it.author or "", it.url or "") for it in items]
        parts = sparse_parts(self._layout, rows)
        out = parts.engineered @ self._eng_weights + self._intercepts
        if len(rows) == 1:
            out[0] += parts.values @ self._weights[parts.cols]
        else:
            matrix = sp.csr_matrix((parts.values, parts.cols, parts.indptr), shape=(len(rows), self._eng_offset))
            out += matrix @ self._weights[: self._eng_offset]
        return out, parts

    def probabilities(self, items: Sequence[CommentInput]) -> np.ndarray:
        """Calibrated probabilities, shape ``(len(items), len(HEADS))`` in :data:`HEADS` order."""
        return self._calibrate(self.decision(items)[0])

    def _calibrate(self, decision: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(decision * self._a + self._b))

    def score(self, items: Sequence[CommentInput]) -> list[Scores]:
        """Score a batch of comments. Empty input gives an empty list."""
        if not items:
            return []
        decision, parts = self.decision(items)
        probs = self._calibrate(decision)
        # Each comment is explained toward its stronger head; all of the batch at once, when the
        # first of them is asked for.
        signals = BatchSignals(self.signal_weights, (probs[:, 1] > probs[:, 0]).astype(np.intp), parts)
        return [
            Scores(
                spam=row[0],
                toxicity=row[1],
                attributes=dict(zip(ATTRIBUTES, row[2:], strict=True)),
                explain=partial(signals.of, i),
            )
            for i, row in enumerate(probs.tolist())
        ]


def load_classifier(path: str | Path) -> CommentClassifier:
    """Load the artifact in directory ``path`` (``model.joblib`` + ``card.json``)."""
    path = Path(path)
    card = json.loads((path / CARD_FILE).read_text(encoding="utf-8"))
    artifact = joblib.load(path / MODEL_FILE)
    return CommentClassifier(artifact, card)

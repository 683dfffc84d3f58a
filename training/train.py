"""Fit the spam head, the toxicity head and the toxicity attributes; write an artifact + card.

Every head is fitted with its sources held out one at a time (leave-one-source-out): the model
that scores a source's rows never saw that source. Those out-of-source scores calibrate the head,
choose the deployed thresholds for a moderator's workload (:func:`training.thresholds.workload_thresholds`)
and are the figures the card and ``python -m training report`` show. What each head learns from
(see ``training/data/README.md`` for the sets):

* ``spam``: the three sources of labeled spam, each one held-out unit: every YouTube video, the SMS
  Spam Collection and the Instagram scam comments. Extra non-spam at low weights, so that long
  talk-page comments, casual tweets and forum prose are not out of distribution for the clean
  class: Jigsaw ``kaggle_train`` (all of its rows with links, which are mostly citations),
  Davidson hate/offensive tweets and Stormfront sentences. Civil Comments, Jigsaw test and the
  Davidson "neither" tweets are never trained on: they measure false alarms on unseen sources.
* ``toxicity``: Jigsaw ``kaggle_train``, Civil Comments (+ Toxic Spans posts, the same source:
  held out together), Davidson tweets and Stormfront sentences, each a held-out unit.
* attributes: Jigsaw ``kaggle_train`` and the Civil Comments rows rated per attribute.

Jigsaw ``kaggle_test_labeled`` is never trained on: it stays a fixed, public held-out set.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shutil
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import joblib
import numpy as np
import scipy.sparse as sp
import sklearn
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline

from model.calibration import PlattCalibratedClassifier
from model.classifier import ATTRIBUTES, CARD_FILE, HEADS, MODEL_FILE, SHIPPED_MODEL_DIR
from model.features import make_feature_pipeline
from model.linear import NBLogisticRegression
from model.patterns import ENGINEERED_FEATURES
from training.datasets import (
    LabeledSet,
    load_civil_comments,
    load_davidson,
    load_instagram,
    load_jigsaw,
    load_sms,
    load_stormfront,
    load_toxic_spans,
    load_youtube,
)
from training.evaluate import binary_metrics
from training.progress import Progress
from training.thresholds import WORKLOAD_RULE, decision_shares, workload_thresholds

ARTIFACT_FORMAT = 1
_HAS_LINK = re.compile(r"https?://|www\.", re.IGNORECASE)


@dataclass(frozen=True)
class TrainConfig:
    """Hyper-parameters and data choices; stored verbatim in the card."""

    spam_C: float = 10.0  # the spam head: exact logistic regression (liblinear) on NB-scaled n-grams
    # Scale the n-gram columns by their naive-Bayes log-count ratio (model/linear.py), smoothed by
    # this many rows; 0 = plain logistic regression on the shared features.
    spam_nb_alpha: float = 0.5
    # NBSVM interpolation (model/linear.py): n-gram weights = beta * NB-LR + (1 - beta) * naive Bayes.
    spam_nb_beta: float = 0.5
    toxicity_C: float = 4.0  # the toxicity head: NB-LR as for spam
    toxicity_nb_beta: float = 0.5
    attribute_alpha: float = 3e-6  # attributes: SGD logistic regression
    # Jigsaw kaggle_train rows added to the spam head as non-spam (more than there are = all of them):
    # many different comments at a low weight, rather than a few at a higher one.
    spam_extra_ham: int = 20000
    spam_extra_ham_weight: float = 0.2  # their sample weight: enough to stop false alarms, not swamp the spam
    spam_link_ham: bool = True  # also every Jigsaw kaggle_train row with a link: non-spam that cites sources
    # Give those rows author names drawn from the training videos' non-spam authors: every comment
    # to the service has a name, and nameless non-spam would teach "a name looks like spam".
    spam_ham_names: bool = True
    # Davidson hate/offensive tweets added to the spam head as non-spam (a random sample of this many;
    # 0 = none), at this weight: short, casual text with mentions that is not spam. The "neither"
    # tweets are never used, so they stay a held-out false-alarm check.
    spam_davidson_ham: int = 5000
    spam_davidson_ham_weight: float = 0.1
    spam_stormfront_ham_weight: float = 0.1  # forum prose as non-spam; 0 = unused
    davidson_weight: float = 0.5  # sample weights of the toxicity sources besides Jigsaw and Civil Comments
    stormfront_weight: float = 0.3
    toxic_spans_weight: float = 0.3  # all-positive posts: a low weight keeps "Civil Comments" from meaning toxic
    # The workload rule (training/thresholds.py): on every left-out source at most this share of
    # clean comments is held or refused, at most max_refused refused, with a hold band at least min_band wide.
    max_held: float = 0.10
    max_refused: float = 0.01
    min_band: float = 0.05
    folds: int = 5  # attributes: stratified folds (they have no per-source labels everywhere)
    seed: int = 0
    n_jobs: int = 2
    max_rows_per_source: int | None = None  # subsample each source (tests, quick experiments)
    youtube_exclude: tuple[str, ...] = ()  # videos left out entirely (to simulate an unseen site)


@dataclass
class Sources:
    """The shipped sets plus operator files, each with its feature matrix."""

    youtube: LabeledSet
    jigsaw_train: LabeledSet
    jigsaw_test: LabeledSet
    davidson: LabeledSet
    sms: LabeledSet
    instagram: LabeledSet
    civil: LabeledSet
    toxic_spans: LabeledSet
    stormfront: LabeledSet
    extras: list[LabeledSet] = field(default_factory=list)
    matrices: dict[str, sp.csr_matrix] = field(default_factory=dict)
    features: Pipeline | None = None  # what made `matrices`, to featurize rows built later

    def all_sets(self) -> list[LabeledSet]:
        return [
            self.youtube,
            self.jigsaw_train,
            self.jigsaw_test,
            self.davidson,
            self.sms,
            self.instagram,
            self.civil,
            self.toxic_spans,
            self.stormfront,
            *self.extras,
        ]


def _subsample(data: LabeledSet, limit: int | None, seed: int, min_positives: int = 6) -> LabeledSet:
    """At most ``limit`` random rows, keeping a few positives of every label so rare attributes
    (threat: under 1%) still have both classes in every fold of a small run."""
    if limit is None or len(data) <= limit:
        return data
    rng = np.random.default_rng(seed)
    keep = [rng.permutation(np.flatnonzero(y == 1))[:min_positives] for y in data.labels.values()]
    keep += [rng.permutation(np.flatnonzero(y == 0))[:min_positives] for y in data.labels.values()]
    forced = np.unique(np.concatenate(keep)) if keep else np.zeros(0, dtype=int)
    rest = np.setdiff1d(np.arange(len(data)), forced)
    extra = rng.choice(rest, size=max(min(limit - len(forced), len(rest)), 0), replace=False)
    return data.subset(np.sort(np.concatenate([forced, extra]).astype(int)))


def _without_videos(youtube: LabeledSet, videos: tuple[str, ...]) -> LabeledSet:
    return youtube.subset(~np.isin(youtube.groups, list(videos))) if videos else youtube


def load_sources(config: TrainConfig, extras: list[LabeledSet] | None = None) -> Sources:
    """Load the shipped sets (subsampled if the config says so) and split Jigsaw train/test."""
    jigsaw = load_jigsaw()
    limit, seed = config.max_rows_per_source, config.seed
    return Sources(
        youtube=_subsample(_without_videos(load_youtube(), config.youtube_exclude), limit, seed),
        jigsaw_train=_subsample(jigsaw.subset(jigsaw.groups == "kaggle_train", "jigsaw_train"), limit, seed),
        jigsaw_test=_subsample(jigsaw.subset(jigsaw.groups == "kaggle_test_labeled", "jigsaw_test"), limit, seed),
        davidson=_subsample(load_davidson(), limit, seed),
        sms=_subsample(load_sms(), limit, seed),
        instagram=_subsample(load_instagram(), limit, seed),
        civil=_subsample(load_civil_comments(), limit, seed),
        toxic_spans=_subsample(load_toxic_spans(), limit, seed),
        stormfront=_subsample(load_stormfront(), limit, seed),
        extras=list(extras or []),
    )


def _transform_chunk(features: Pipeline, rows: list[tuple[str, str, str]]) -> sp.csr_matrix:
    return features.transform(rows).tocsr()


def featurize(
    features: Pipeline, rows: list[tuple[str, str, str]], n_jobs: int = 1, chunk: int = 2000
) -> sp.csr_matrix:
    """Feature matrix of many rows, in parallel chunks (the features are stateless)."""
    if not rows:
        raise ValueError("no rows to featurize")
    chunks = [rows[i : i + chunk] for i in range(0, len(rows), chunk)]
    if n_jobs == 1 or len(chunks) == 1:
        parts = [_transform_chunk(features, c) for c in chunks]
    else:
        parts = Parallel(n_jobs=n_jobs)(delayed(_transform_chunk)(features, c) for c in chunks)
    return sp.vstack(parts, format="csr")


def featurize_sources(sources: Sources, features: Pipeline, n_jobs: int, progress: Progress | None = None) -> None:
    sources.features = features
    pending = [d for d in sources.all_sets() if d.name not in sources.matrices]
    if progress and pending:
        progress.step(f"features: {', '.join(d.name for d in pending)} ({sum(len(d) for d in pending)} rows)")
    for data in pending:
        sources.matrices[data.name] = featurize(features, data.rows, n_jobs)


def make_estimator(alpha: float, seed: int) -> SGDClassifier:
    """Logistic regression by SGD: seconds on ~40k x 100k sparse rows, unlike liblinear/lbfgs."""
    return SGDClassifier(loss="log_loss", alpha=alpha, max_iter=40, tol=1e-4, random_state=seed)


def spam_estimator(config: TrainConfig) -> LogisticRegression | NBLogisticRegression:
    """Exact logistic regression for the spam head, on naive-Bayes-scaled n-grams unless
    ``spam_nb_alpha`` is 0."""
    if config.spam_nb_alpha > 0:
        return NBLogisticRegression(
            C=config.spam_C, alpha=config.spam_nb_alpha, n_unscaled=len(ENGINEERED_FEATURES), beta=config.spam_nb_beta
        )
    return LogisticRegression(C=config.spam_C, solver="liblinear")


def toxicity_estimator(config: TrainConfig) -> NBLogisticRegression:
    """NB-LR for the toxicity head: on left-out sources it ranks better than SGD on the same features."""
    return NBLogisticRegression(
        C=config.toxicity_C, alpha=0.5, n_unscaled=len(ENGINEERED_FEATURES), beta=config.toxicity_nb_beta, dual=True
    )


def make_splits(y: np.ndarray, groups: np.ndarray | None, folds: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Held-out folds: one per group (a source, a video) when there are two or more, else stratified."""
    if groups is not None and len(np.unique(groups)) >= 2:
        return [(np.flatnonzero(groups != g), np.flatnonzero(groups == g)) for g in np.unique(groups)]
    folds = max(2, min(folds, int(np.bincount(y).min()) if len(np.unique(y)) > 1 else 2))
    return list(StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed).split(np.zeros(len(y)), y))


# Engineered signals the shipped spam data never shows: no training comment has a website field,
# a link in its author's name or a toll-free support number, so a head fit on it weighs them exactly 0
# and would ignore them on the blogs it is for. While its training rows never show one, each takes
# the learned weight of the same signal elsewhere (a phone number; a link in the text; commercial
# words in the name field). Rows that show it (a site's own moderators' decisions) replace the loan.
SPAM_BORROWED_WEIGHTS: dict[str, str] = {
    "toll_free_number": "phone_number",
    "support_number": "phone_number",
    "author_has_link": "link_count",
    "url_commercial": "author_commercial",
}


def borrow_absent_weights(head: PlattCalibratedClassifier, X: sp.csr_matrix, borrowed: dict[str, str]) -> list[str]:
    """Gives each engineered feature in ``borrowed`` that no row of ``X`` shows the final model's
    weight for its source feature; returns the names that borrowed.

    Only the final model changes: the held-out folds, hence the calibration and the thresholds,
    never saw the feature either, so they are what they would be with any weight for it.
    """
    offset = X.shape[1] - len(ENGINEERED_FEATURES)
    active = X[:, offset:].getnnz(axis=0) > 0
    coef = head.estimator_.coef_
    names = []
    for name, source in borrowed.items():
        column = ENGINEERED_FEATURES.index(name)
        if not active[column]:
            coef[0, offset + column] = coef[0, offset + ENGINEERED_FEATURES.index(source)]
            names.append(name)
    return names


def fit_head(
    X: sp.csr_matrix,
    y: np.ndarray,
    *,
    alpha: float | None,
    config: TrainConfig,
    groups: np.ndarray | None = None,
    weights: np.ndarray | None = None,
    calibration_rows: np.ndarray | None = None,
    estimator: BaseEstimator | None = None,
) -> PlattCalibratedClassifier:
    """A calibrated linear head; ``oof_decision_`` holds its held-out (out-of-fold) scores.

    ``estimator`` if given; else ``alpha`` selects SGD with that regularization, ``None`` the spam
    head's logistic regression, whose absent signals borrow weights (:data:`SPAM_BORROWED_WEIGHTS`).
    """
    y = np.asarray(y).astype(int)
    splits = make_splits(y, groups, config.folds, config.seed)
    spam = estimator is None and alpha is None
    if estimator is None:
        estimator = spam_estimator(config) if alpha is None else make_estimator(alpha, config.seed)
    head = PlattCalibratedClassifier(estimator, cv=splits, n_jobs=config.n_jobs)
    head.fit(X, y, sample_weight=weights, calibration_rows=calibration_rows)
    if spam:
        head.borrowed_weights_ = borrow_absent_weights(head, X, SPAM_BORROWED_WEIGHTS)
    return head


@dataclass
class HeadData:
    X: sp.csr_matrix
    y: np.ndarray
    weights: np.ndarray
    groups: np.ndarray  # the held-out unit of each row (a video, a source)
    threshold_rows: np.ndarray  # rows of the sources a head is judged on (not the extra non-spam)
    counts: dict
    sources: np.ndarray = field(default_factory=lambda: np.array([], dtype=object))  # source name per row
    texts: list[str] = field(default_factory=list)  # comment text per row (for the report's plain baseline)


Part = tuple[sp.csr_matrix, np.ndarray, float, np.ndarray, bool, str, list[str]]


def _texts(data: LabeledSet, rows: np.ndarray | None = None) -> list[str]:
    return [r[0] for r in data.rows] if rows is None else [data.rows[i][0] for i in rows.tolist()]


def _stack(parts: list[Part], counts: dict) -> HeadData:
    return HeadData(
        X=sp.vstack([p[0] for p in parts], format="csr"),
        y=np.concatenate([p[1] for p in parts]).astype(int),
        weights=np.concatenate([np.full(len(p[1]), p[2]) for p in parts]),
        groups=np.concatenate([p[3] for p in parts]).astype(str),
        threshold_rows=np.concatenate([np.full(len(p[1]), p[4]) for p in parts]),
        counts=counts,
        sources=np.concatenate([np.full(len(p[1]), p[5], dtype=object) for p in parts]),
        texts=[t for p in parts for t in p[6]],
    )


def spam_data(sources: Sources, config: TrainConfig, youtube_rows: np.ndarray | None = None) -> HeadData:
    """YouTube (optionally only some rows), SMS, Instagram + extra non-spam + operator spam labels."""
    yt = sources.youtube
    index = np.arange(len(yt)) if youtube_rows is None else np.asarray(youtube_rows)
    Xy = sources.matrices[yt.name][index]
    groups = yt.groups[index]
    parts: list[Part] = [(Xy, yt.labels["spam"][index], 1.0, groups, True, "youtube", _texts(yt, index))]
    counts = {"youtube": {"rows": int(len(index)), "spam": int(yt.labels["spam"][index].sum())}}
    for data in (sources.sms, sources.instagram):
        parts.append(
            (sources.matrices[data.name], data.labels["spam"], 1.0, data.groups, True, data.name, _texts(data))
        )
        counts[data.name] = {"rows": len(data), "spam": int(data.labels["spam"].sum())}
    folds = np.unique(np.concatenate([p[3] for p in parts]))  # extra non-spam is spread over them
    if config.spam_extra_ham > 0:
        jt = sources.jigsaw_train
        n = min(config.spam_extra_ham, len(jt))
        pick = np.random.default_rng(config.seed + 1).choice(len(jt), size=n, replace=False)
        if config.spam_link_ham:
            # Non-spam with links is rare elsewhere, so without these a single citation link
            # reads as spam; talk-page comments that cite sources are the counter-examples.
            linked = [i for i, row in enumerate(jt.rows) if _HAS_LINK.search(row[0])]
            pick = np.union1d(pick, linked)
            n = len(pick)
        pick = np.sort(pick)
        weight = config.spam_extra_ham_weight
        parts.append(_ham_part(sources, config, jt, pick, index, folds, weight, 2))
        counts["jigsaw_train_as_ham"] = {"rows": n, "spam": 0, "weight": weight}
    if config.spam_davidson_ham > 0:
        pick = davidson_ham_rows(sources, config)
        weight = config.spam_davidson_ham_weight
        parts.append(_ham_part(sources, config, sources.davidson, pick, index, folds, weight, 4))
        counts["davidson_as_ham"] = {"rows": len(pick), "spam": 0, "weight": weight}
    if config.spam_stormfront_ham_weight > 0:
        sf = sources.stormfront
        weight = config.spam_stormfront_ham_weight
        parts.append(_ham_part(sources, config, sf, np.arange(len(sf)), index, folds, weight, 5))
        counts["stormfront_as_ham"] = {"rows": len(sf), "spam": 0, "weight": weight}
    for extra in sources.extras:
        if "spam" in extra.labels:
            # A site's own labels carry a per-row weight (its voice counts more than public data).
            weight = extra.extra.get("weight", 1.0)
            parts.append(
                (
                    sources.matrices[extra.name],
                    extra.labels["spam"],
                    weight,
                    extra.groups,
                    True,
                    extra.name,
                    _texts(extra),
                )
            )
            counts[extra.name] = {"rows": len(extra), "spam": int(extra.labels["spam"].sum())}
    return _stack(parts, counts)


def davidson_ham_rows(sources: Sources, config: TrainConfig) -> np.ndarray:
    """The Davidson hate/offensive tweets the spam head trains on as non-spam (sorted row indices);
    the false-alarm report leaves them out."""
    candidates = np.flatnonzero(sources.davidson.groups != "neither")
    n = min(config.spam_davidson_ham, len(candidates))
    if n <= 0:
        return np.zeros(0, dtype=np.intp)
    return np.sort(np.random.default_rng(config.seed + 3).choice(candidates, size=n, replace=False))


def named_rows(rows: list[tuple[str, str, str]], names: list[str], seed: int) -> list[tuple[str, str, str]]:
    """``rows`` with author names drawn (with replacement, reproducibly) from ``names``."""
    drawn = np.random.default_rng(seed).integers(len(names), size=len(rows))
    return [(text, names[k], url) for (text, _, url), k in zip(rows, drawn.tolist(), strict=True)]


def ham_author_names(sources: Sources, youtube_rows: np.ndarray) -> list[str]:
    yt = sources.youtube
    return sorted({yt.rows[i][1] for i in youtube_rows.tolist() if yt.labels["spam"][i] == 0 and yt.rows[i][1]})


def _ham_part(
    sources: Sources,
    config: TrainConfig,
    data: LabeledSet,
    pick: np.ndarray,
    youtube_rows: np.ndarray,
    folds: np.ndarray,
    weight: float,
    seed_offset: int,
) -> Part:
    """``data``'s rows ``pick`` as extra non-spam for the spam head: named (see ``spam_ham_names``)
    from the YouTube rows in training only, so no held-out video's names leak into a fold, and
    spread over the video folds so every fold keeps the same mix."""
    names = ham_author_names(sources, youtube_rows) if config.spam_ham_names else []
    if not names or sources.features is None:
        X = sources.matrices[data.name][pick]
    else:
        rows = named_rows([data.rows[i] for i in pick.tolist()], names, config.seed + seed_offset)
        X = featurize(sources.features, rows, config.n_jobs)
    n = len(pick)
    ham = (np.zeros(n, dtype=int), weight, folds[np.arange(n) % len(folds)], False, data.name + "_as_ham")
    return (X, *ham, _texts(data, pick))


def toxicity_data(sources: Sources, config: TrainConfig, label: str = "toxicity", davidson: bool = True) -> HeadData:
    """``toxicity``: Jigsaw train, Civil Comments + Toxic Spans, Davidson, Stormfront (each a held-out
    unit) + operator labels. An attribute: Jigsaw train + the Civil Comments rows rated for it."""
    jt, civil = sources.jigsaw_train, sources.civil
    parts: list[Part] = [
        (sources.matrices[jt.name], jt.labels[label], 1.0, np.full(len(jt), "jigsaw"), True, "jigsaw_train", _texts(jt))
    ]
    counts = {"jigsaw_train": {"rows": len(jt), "positive": int(jt.labels[label].sum())}}
    rated = np.flatnonzero(civil.labels[label] >= 0)
    parts.append(
        (
            sources.matrices[civil.name][rated],
            civil.labels[label][rated],
            1.0,
            np.full(len(rated), "civil"),
            True,
            civil.name,
            _texts(civil, rated),
        )
    )
    counts[civil.name] = {"rows": len(rated), "positive": int(civil.labels[label][rated].sum())}
    if label != "toxicity":
        data = _stack(parts, counts)
        data.groups = np.array([], dtype=str)  # stratified folds: few sources rate the attributes
        return data
    more = [
        (sources.toxic_spans, config.toxic_spans_weight, "civil", False),
        (sources.davidson, config.davidson_weight if davidson else 0.0, "davidson", True),
        (sources.stormfront, config.stormfront_weight, "stormfront", True),
    ]
    for data, weight, group, judged in more:
        if weight <= 0:
            continue
        y = data.labels["toxicity"]
        parts.append(
            (sources.matrices[data.name], y, weight, np.full(len(data), group), judged, data.name, _texts(data))
        )
        counts[data.name] = {"rows": len(data), "positive": int(y.sum()), "weight": weight}
    for extra in sources.extras:
        if "toxicity" in extra.labels:
            weight = extra.extra.get("weight", 1.0)
            parts.append(
                (
                    sources.matrices[extra.name],
                    extra.labels["toxicity"],
                    weight,
                    extra.groups,
                    True,
                    extra.name,
                    _texts(extra),
                )
            )
            counts[extra.name] = {"rows": len(extra), "positive": int(extra.labels["toxicity"].sum())}
    return _stack(parts, counts)


# The sets no spam head ever trains on, all non-spam: false alarms on sources nobody trained on.
# (Civil Comments toxic or not: an insult is not spam.)
def spam_clean_sets(sources: Sources) -> dict[str, tuple[LabeledSet, np.ndarray]]:
    neither = np.flatnonzero(sources.davidson.groups == "neither")
    return {
        "civil_comments": (sources.civil, np.arange(len(sources.civil))),
        "jigsaw_test": (sources.jigsaw_test, np.arange(len(sources.jigsaw_test))),
        "davidson_neither": (sources.davidson, neither),
    }


@dataclass
class HeadFit:
    """A fitted head and how it does on sources it never saw.

    ``held_out[source] = (labels, calibrated scores)``: a source of the head's own training data
    scored by the fold model that left it out, or a set the head never trains on scored by the
    head itself. ``unit_of[source]`` says which (``"left out"`` or ``"never trained on"``).
    """

    head: PlattCalibratedClassifier
    data: HeadData
    held_out: dict[str, tuple[np.ndarray, np.ndarray]]
    unit_of: dict[str, str]
    thresholds: dict


def _by_source(
    head: PlattCalibratedClassifier, data: HeadData, split_youtube: bool
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    scores = head.calibrate(head.oof_decision_)
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for name in dict.fromkeys(data.sources[data.threshold_rows].tolist()):
        rows = data.threshold_rows & (data.sources == name)
        if name == "youtube" and split_youtube:
            for video in np.unique(data.groups[rows]):
                mine = rows & (data.groups == video)
                out[f"youtube:{video}"] = (data.y[mine], scores[mine])
        else:
            out[str(name)] = (data.y[rows], scores[rows])
    return out


def fit_spam(sources: Sources, config: TrainConfig) -> HeadFit:
    """The spam head: one fold per video / source; thresholds from the out-of-source scores."""
    data = spam_data(sources, config)
    head = fit_head(
        data.X,
        data.y,
        alpha=None,
        config=config,
        groups=data.groups,
        weights=data.weights,
        calibration_rows=data.threshold_rows,
    )
    held_out = _by_source(head, data, split_youtube=True)
    unit_of = dict.fromkeys(held_out, "left out")
    for name, (data_set, rows) in spam_clean_sets(sources).items():
        if len(rows):
            scores = head.predict_proba(sources.matrices[data_set.name][rows])[:, 1]
            held_out[name] = (np.zeros(len(rows), dtype=int), scores)
            unit_of[name] = "never trained on"
    thresholds = workload_thresholds(held_out, config.max_held, config.max_refused, config.min_band)
    return HeadFit(head, data, held_out, unit_of, thresholds)


def fit_toxicity(sources: Sources, config: TrainConfig) -> HeadFit:
    """The toxicity head: one fold per source; thresholds from the out-of-source scores."""
    data = toxicity_data(sources, config)
    head = fit_head(
        data.X,
        data.y,
        alpha=0.0,
        # One fold at a time: liblinear copies its ~60k long rows per fit, and two at once pass 2 GiB.
        config=replace(config, n_jobs=1),
        groups=data.groups,
        weights=data.weights,
        calibration_rows=data.threshold_rows,
        estimator=toxicity_estimator(config),
    )
    held_out = _by_source(head, data, split_youtube=False)
    unit_of = dict.fromkeys(held_out, "left out")
    test = sources.jigsaw_test
    held_out["jigsaw_test"] = (
        test.labels["toxicity"].astype(int),
        head.predict_proba(sources.matrices[test.name])[:, 1],
    )
    unit_of["jigsaw_test"] = "never trained on (Jigsaw train split in training)"
    thresholds = workload_thresholds(held_out, config.max_held, config.max_refused, config.min_band)
    return HeadFit(head, data, held_out, unit_of, thresholds)


def source_metrics(fit: HeadFit) -> dict[str, dict]:
    """Per source: ranking metrics and the decision-level shares at the head's thresholds."""
    out = {}
    for name, (y, scores) in fit.held_out.items():
        out[name] = {
            "scored": fit.unit_of[name],
            **binary_metrics(y, scores),
            **decision_shares(y, scores, fit.thresholds["approve_below"], fit.thresholds["refuse_above"]),
        }
    return out


def _shrink(head: PlattCalibratedClassifier) -> None:
    """Drop what scoring does not need and store weights as float32 (halves the artifact)."""
    if hasattr(head, "oof_decision_"):
        del head.oof_decision_
    if hasattr(head, "borrowed_weights_"):  # recorded in the card
        del head.borrowed_weights_
    if hasattr(head.estimator_, "scale_"):  # folded into coef_ already
        del head.estimator_.scale_
    head.estimator_.coef_ = head.estimator_.coef_.astype(np.float32)


def train(
    config: TrainConfig,
    extras: list[LabeledSet] | None = None,
    progress: Progress | None = None,
    sources: Sources | None = None,
) -> tuple[dict, dict]:
    """Fit every head on the shipped data (+ ``extras``); return ``(artifact, card)``."""
    progress = progress or Progress(0, verbose=False)
    sources = sources or load_sources(config, extras)
    features = make_feature_pipeline().fit([("", "", "")])
    featurize_sources(sources, features, config.n_jobs, progress)

    heads: dict[str, Pipeline] = {}
    metrics: dict[str, dict] = {}
    thresholds: dict[str, dict] = {}
    data_counts: dict[str, dict] = {}
    borrowed: dict[str, dict[str, str]] = {}
    for name, fit_one in (("spam", fit_spam), ("toxicity", fit_toxicity)):
        progress.step(f"fitting head: {name} (one fold per source)")
        fit = fit_one(sources, config)
        judged = fit.data.threshold_rows
        thresholds[name] = fit.thresholds
        metrics[name] = {
            "held_out_folds": binary_metrics(fit.data.y[judged], fit.head.calibrate(fit.head.oof_decision_)[judged]),
            "held_out_rows": "rows of the head's sources, each scored by a model that never saw its source",
            "by_source": source_metrics(fit),
        }
        data_counts[name] = fit.data.counts
        if getattr(fit.head, "borrowed_weights_", None):
            borrowed[name] = {feature: SPAM_BORROWED_WEIGHTS[feature] for feature in fit.head.borrowed_weights_}
        _shrink(fit.head)
        heads[name] = Pipeline([("features", features), ("classifier", fit.head)])
        del fit
    # Built one head at a time: each HeadData stacks its own copy of the feature rows.
    for name in ATTRIBUTES:
        data = toxicity_data(sources, config, label=name)
        progress.step(f"fitting head: {name} ({len(data.y)} rows, {config.folds} folds)")
        head = fit_head(data.X, data.y, alpha=config.attribute_alpha, config=config, weights=data.weights)
        metrics[name] = {
            "held_out_folds": binary_metrics(data.y, head.calibrate(head.oof_decision_)),
            "held_out_rows": "Jigsaw train + rated Civil Comments rows, stratified folds",
        }
        data_counts[name] = data.counts
        del data
        _shrink(head)
        heads[name] = Pipeline([("features", features), ("classifier", head)])
    progress.step("writing card")
    artifact = {"format": ARTIFACT_FORMAT, "features": features, "heads": heads}
    card = {
        "version": _version(heads),
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "format": ARTIFACT_FORMAT,
        "heads": list(HEADS),
        "sklearn_version": sklearn.__version__,
        "data": data_counts,
        "held_out_sets": {
            "jigsaw_test": {"rows": len(sources.jigsaw_test), "note": "never trained on"},
            "spam false alarms": {"sets": list(spam_clean_sets(sources)), "note": "never trained on by the spam head"},
        },
        "metrics": metrics,
        "thresholds": thresholds,
        "borrowed_weights": borrowed,
        "threshold_rule": WORKLOAD_RULE.format(held=config.max_held, refused=config.max_refused, band=config.min_band),
        "config": asdict(config),
    }
    return artifact, card


def _version(heads: dict[str, Pipeline]) -> str:
    digest = hashlib.sha256()
    for name in HEADS:
        clf = heads[name].named_steps["classifier"]
        digest.update(np.ascontiguousarray(clf.estimator_.coef_).tobytes())
        digest.update(np.ascontiguousarray(clf.estimator_.intercept_).tobytes())
    return f"{dt.datetime.now(dt.UTC):%Y.%m.%d}-{digest.hexdigest()[:6]}"


def save_artifact(artifact: dict, card: dict, out_dir: str | Path) -> Path:
    """Write ``model.joblib`` (compressed) and ``card.json`` into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    joblib.dump(artifact, out / MODEL_FILE, compress=("zlib", 6))
    card = {**card, "artifact_bytes": (out / MODEL_FILE).stat().st_size}
    (out / CARD_FILE).write_text(json.dumps(card, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    return out


def ship(artifact_dir: str | Path, shipped_dir: str | Path = SHIPPED_MODEL_DIR) -> Path:
    """Copy an artifact directory to ``model/shipped/`` (the one committed model)."""
    src, dst = Path(artifact_dir), Path(shipped_dir)
    dst.mkdir(parents=True, exist_ok=True)
    for name in (MODEL_FILE, CARD_FILE):
        shutil.copy2(src / name, dst / name)
    return dst

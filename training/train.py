"""Fit the spam head, the toxicity head and the toxicity attributes; write an artifact + card.

What each head learns from (see ``training/data/README.md`` for the sets):

* ``spam``: YouTube Spam Collection (the only real spam we have), plus a sample of Jigsaw
  talk-page comments as extra non-spam so that long, articulate comments are not out of
  distribution for the ham class. Folds hold out whole videos, so calibration and thresholds
  come from comments of videos the fold model never saw.
* ``toxicity``: Jigsaw ``kaggle_train`` (any_toxic) plus Davidson tweets (hate or offensive vs
  neither) at a lower weight, for a second register.
* attributes: Jigsaw ``kaggle_train`` labels (severe_toxic, obscene, threat, insult, identity_hate).

Jigsaw ``kaggle_test_labeled`` is never trained on: it stays a fixed, public held-out set
(``python -m training evaluate`` on it gives honest figures for the shipped model).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path

import joblib
import numpy as np
import scipy.sparse as sp
import sklearn
from joblib import Parallel, delayed
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.model_selection import GroupKFold, StratifiedKFold
from sklearn.pipeline import Pipeline

from model.calibration import PlattCalibratedClassifier
from model.classifier import ATTRIBUTES, CARD_FILE, HEADS, MODEL_FILE, SHIPPED_MODEL_DIR
from model.features import make_feature_pipeline
from model.linear import NBLogisticRegression
from model.patterns import ENGINEERED_FEATURES
from training.datasets import LabeledSet, load_davidson, load_jigsaw, load_youtube
from training.evaluate import binary_metrics, choose_thresholds
from training.progress import Progress

ARTIFACT_FORMAT = 1
_HAS_LINK = re.compile(r"https?://|www\.", re.IGNORECASE)


@dataclass(frozen=True)
class TrainConfig:
    """Hyper-parameters and data choices; stored verbatim in the card."""

    spam_C: float = 30.0  # the spam head is small (~4k rows): exact logistic regression (liblinear)
    # Scale the spam head's n-gram columns by their naive-Bayes log-count ratio (model/linear.py),
    # smoothed by this many rows; 0 = plain logistic regression on the shared features.
    spam_nb_alpha: float = 0.5
    # NBSVM interpolation (model/linear.py): n-gram weights = beta * NB-LR + (1 - beta) * naive Bayes.
    spam_nb_beta: float = 0.5
    toxicity_alpha: float = 3e-6
    attribute_alpha: float = 3e-6
    # Jigsaw kaggle_train rows added to the spam head as non-spam (more than there are = all of them):
    # many different comments at a low weight, rather than a few at a higher one.
    spam_extra_ham: int = 20000
    spam_extra_ham_weight: float = 0.2  # their sample weight: enough to stop false alarms, not swamp YouTube
    spam_link_ham: bool = True  # also every Jigsaw kaggle_train row with a link: the only non-spam with links
    # Give those rows author names drawn from the training videos' non-spam authors: every comment
    # to the service has a name, and nameless non-spam would teach "a name looks like spam".
    spam_ham_names: bool = True
    # Davidson hate/offensive tweets added to the spam head as non-spam (a random sample of this many;
    # 0 = none), at this weight: short, casual text with links, mentions and retweets that is not spam.
    # The "neither" tweets are never used, so they stay a held-out false-alarm check.
    spam_davidson_ham: int = 5000
    spam_davidson_ham_weight: float = 0.1
    davidson_weight: float = 0.5  # sample weight of Davidson rows in the toxicity head; 0 = unused
    folds: int = 5
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
    extras: list[LabeledSet] = field(default_factory=list)
    matrices: dict[str, sp.csr_matrix] = field(default_factory=dict)
    features: Pipeline | None = None  # what made `matrices`, to featurize rows built later

    def all_sets(self) -> list[LabeledSet]:
        return [self.youtube, self.jigsaw_train, self.jigsaw_test, self.davidson, *self.extras]


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
    extra = rng.choice(rest, size=max(limit - len(forced), 0), replace=False)
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
    for data in sources.all_sets():
        if data.name not in sources.matrices:
            if progress:
                progress.step(f"features: {data.name} ({len(data)} rows)")
            sources.matrices[data.name] = featurize(features, data.rows, n_jobs)


def make_estimator(alpha: float, seed: int) -> SGDClassifier:
    """Logistic regression by SGD: seconds on ~40k x 400k sparse rows, unlike liblinear/lbfgs."""
    return SGDClassifier(loss="log_loss", alpha=alpha, max_iter=40, tol=1e-4, random_state=seed)


def spam_estimator(config: TrainConfig) -> LogisticRegression | NBLogisticRegression:
    """Exact logistic regression for the small spam set (a little better held out than SGD), on
    naive-Bayes-scaled n-grams unless ``spam_nb_alpha`` is 0."""
    if config.spam_nb_alpha > 0:
        return NBLogisticRegression(
            C=config.spam_C, alpha=config.spam_nb_alpha, n_unscaled=len(ENGINEERED_FEATURES), beta=config.spam_nb_beta
        )
    return LogisticRegression(C=config.spam_C, solver="liblinear")


def make_splits(y: np.ndarray, groups: np.ndarray | None, folds: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Held-out folds: whole groups when there are enough of them, else stratified by label."""
    folds = max(2, min(folds, int(np.bincount(y).min()) if len(np.unique(y)) > 1 else 2))
    if groups is not None and len(np.unique(groups)) >= 2:
        n_groups = min(folds, len(np.unique(groups)))
        return list(GroupKFold(n_splits=n_groups).split(np.zeros(len(y)), y, groups))
    return list(StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed).split(np.zeros(len(y)), y))


# Engineered signals the shipped spam data never shows: no YouTube comment has a website field, a
# link in its author's name or a toll-free support number, so a head fit on it weighs them exactly 0
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
) -> PlattCalibratedClassifier:
    """A calibrated linear head; ``oof_decision_`` holds its held-out (out-of-fold) scores.

    ``alpha`` selects SGD with that regularization; ``None`` the spam head's logistic regression,
    whose absent signals borrow weights (:data:`SPAM_BORROWED_WEIGHTS`).
    """
    y = np.asarray(y).astype(int)
    splits = make_splits(y, groups, config.folds, config.seed)
    estimator = spam_estimator(config) if alpha is None else make_estimator(alpha, config.seed)
    head = PlattCalibratedClassifier(estimator, cv=splits, n_jobs=config.n_jobs)
    head.fit(X, y, sample_weight=weights, calibration_rows=calibration_rows)
    if alpha is None:
        head.borrowed_weights_ = borrow_absent_weights(head, X, SPAM_BORROWED_WEIGHTS)
    return head


@dataclass
class HeadData:
    X: sp.csr_matrix
    y: np.ndarray
    weights: np.ndarray
    groups: np.ndarray
    threshold_rows: np.ndarray  # rows whose held-out scores choose the deployed thresholds
    counts: dict


def _stack(parts: list[tuple[sp.csr_matrix, np.ndarray, float, np.ndarray, bool]], counts: dict) -> HeadData:
    return HeadData(
        X=sp.vstack([p[0] for p in parts], format="csr"),
        y=np.concatenate([p[1] for p in parts]).astype(int),
        weights=np.concatenate([np.full(len(p[1]), p[2]) for p in parts]),
        groups=np.concatenate([p[3] for p in parts]).astype(str),
        threshold_rows=np.concatenate([np.full(len(p[1]), p[4]) for p in parts]),
        counts=counts,
    )


def spam_data(sources: Sources, config: TrainConfig, youtube_rows: np.ndarray | None = None) -> HeadData:
    """YouTube (optionally only some rows) + extra Jigsaw non-spam + operator spam labels."""
    yt = sources.youtube
    index = np.arange(len(yt)) if youtube_rows is None else np.asarray(youtube_rows)
    Xy = sources.matrices[yt.name][index]
    groups = yt.groups[index]
    parts = [(Xy, yt.labels["spam"][index], 1.0, groups, True)]
    counts = {"youtube": {"rows": int(len(index)), "spam": int(yt.labels["spam"][index].sum())}}
    folds = np.unique(groups)  # extra non-spam is spread over them (see _ham_part)
    if config.spam_extra_ham > 0:
        jt = sources.jigsaw_train
        n = min(config.spam_extra_ham, len(jt))
        pick = np.random.default_rng(config.seed + 1).choice(len(jt), size=n, replace=False)
        if config.spam_link_ham:
            # YouTube non-spam almost never links, so without these a single citation link
            # reads as spam; talk-page comments that cite sources are the counter-examples.
            linked = [i for i, row in enumerate(jt.rows) if _HAS_LINK.search(row[0])]
            pick = np.union1d(pick, linked)
            n = len(pick)
        pick = np.sort(pick)
        weight = config.spam_extra_ham_weight
        parts.append(_ham_part(sources, config, jt, pick, index, folds, weight, 2))
        counts["jigsaw_train_as_ham"] = {"rows": n, "spam": 0}
    if config.spam_davidson_ham > 0:
        pick = davidson_ham_rows(sources, config)
        weight = config.spam_davidson_ham_weight
        parts.append(_ham_part(sources, config, sources.davidson, pick, index, folds, weight, 4))
        counts["davidson_as_ham"] = {"rows": len(pick), "spam": 0, "weight": weight}
    for extra in sources.extras:
        if "spam" in extra.labels:
            # A site's own labels carry a per-row weight (its voice counts more than public data).
            weight = extra.extra.get("weight", 1.0)
            parts.append((sources.matrices[extra.name], extra.labels["spam"], weight, extra.groups, True))
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
) -> tuple[sp.csr_matrix, np.ndarray, float, np.ndarray, bool]:
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
    return X, np.zeros(n, dtype=int), weight, folds[np.arange(n) % len(folds)], False


def toxicity_data(sources: Sources, config: TrainConfig, label: str = "toxicity", davidson: bool = True) -> HeadData:
    """Jigsaw train (+ Davidson at ``davidson_weight`` for ``toxicity``) + operator toxicity labels."""
    jt = sources.jigsaw_train
    natural = jt.extra.get("natural_rate", np.ones(len(jt), dtype=bool))
    parts = [(sources.matrices[jt.name], jt.labels[label], 1.0, np.full(len(jt), "jigsaw"), natural)]
    counts = {"jigsaw_train": {"rows": len(jt), "positive": int(jt.labels[label].sum())}}
    if label == "toxicity" and davidson and config.davidson_weight > 0:
        dv = sources.davidson
        parts.append(
            (
                sources.matrices[dv.name],
                dv.labels["toxicity"],
                config.davidson_weight,
                np.full(len(dv), "davidson"),
                np.zeros(len(dv), dtype=bool),
            )
        )
        counts["davidson"] = {
            "rows": len(dv),
            "positive": int(dv.labels["toxicity"].sum()),
            "weight": config.davidson_weight,
        }
    if label == "toxicity":
        for extra in sources.extras:
            if "toxicity" in extra.labels:
                parts.append(
                    (
                        sources.matrices[extra.name],
                        extra.labels["toxicity"],
                        extra.extra.get("weight", 1.0),
                        extra.groups,
                        np.ones(len(extra), dtype=bool),
                    )
                )
                counts[extra.name] = {"rows": len(extra), "positive": int(extra.labels["toxicity"].sum())}
    data = _stack(parts, counts)
    # Random folds for toxicity (groups here are sources, not held-out units).
    data.groups = np.array([], dtype=str)
    return data


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
    # Built one head at a time: each HeadData stacks its own copy of the feature rows.
    plan: list[tuple[str, Callable[[], HeadData], float | None]] = [
        ("spam", lambda: spam_data(sources, config), None),
        ("toxicity", lambda: toxicity_data(sources, config), config.toxicity_alpha),
        *[(name, partial(toxicity_data, sources, config, label=name), config.attribute_alpha) for name in ATTRIBUTES],
    ]
    for name, build, alpha in plan:
        data = build()
        progress.step(f"fitting head: {name} ({len(data.y)} rows, {config.folds} folds)")
        # Calibrate (and pick thresholds) on the rows whose class mix resembles live traffic:
        # YouTube for spam (not the extra non-spam), Jigsaw's natural-rate sample for toxicity.
        head = fit_head(
            data.X,
            data.y,
            alpha=alpha,
            config=config,
            groups=data.groups if len(data.groups) else None,
            weights=data.weights,
            calibration_rows=data.threshold_rows if data.threshold_rows.any() else None,
        )
        held_out = head.calibrate(head.oof_decision_)
        rows = data.threshold_rows if data.threshold_rows.any() else np.ones(len(data.y), dtype=bool)
        if name in ("spam", "toxicity"):
            thresholds[name] = choose_thresholds(data.y[rows], held_out[rows])
        metrics[name] = {
            "held_out_folds": binary_metrics(data.y[rows], held_out[rows], thresholds.get(name)),
            "held_out_rows": "spam: YouTube rows, folds = whole videos; toxicity/attributes: Jigsaw "
            "natural-rate (random 5k) rows, stratified folds"
            if name != "spam"
            else "YouTube rows, each scored by a model that never saw its video",
        }
        data_counts[name] = data.counts
        del data
        if getattr(head, "borrowed_weights_", None):
            borrowed[name] = {feature: SPAM_BORROWED_WEIGHTS[feature] for feature in head.borrowed_weights_}
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
        "held_out_sets": {"jigsaw_test": {"rows": len(sources.jigsaw_test), "note": "never trained on"}},
        "metrics": metrics,
        "thresholds": thresholds,
        "borrowed_weights": borrowed,
        "threshold_rule": "approve_below: held-out recall of positives >= 0.9; refuse_above: lowest "
        "threshold with held-out precision >= 0.98 (at least 10 true positives)",
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

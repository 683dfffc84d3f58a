"""The held-out evaluation report: markdown + PNG plots + a JSON of every figure.

Every number comes from rows the scoring model never trained on, calibration and threshold
choice included: thresholds are picked from the training side's own out-of-fold scores, then
applied unchanged to the held-out side.

* YouTube leave-one-video-out (5 folds), with and without the extra Jigsaw non-spam rows.
* Spam false alarms on sources with no spam at all (Davidson tweets, Jigsaw test comments).
* Jigsaw ``kaggle_test_labeled`` (never trained on): toxicity and the five attributes.
* Cross-source toxicity: train Jigsaw -> test Davidson, and train Davidson -> test Jigsaw.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display: plots are files
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402
from sklearn.metrics import precision_recall_curve, roc_curve  # noqa: E402

from model.classifier import ATTRIBUTES, SHIPPED_MODEL_DIR, CommentInput, load_classifier  # noqa: E402
from model.features import make_feature_pipeline  # noqa: E402
from training.evaluate import binary_metrics, choose_thresholds  # noqa: E402
from training.progress import Progress  # noqa: E402
from training.train import (  # noqa: E402
    HeadData,
    PlattCalibratedClassifier,
    Sources,
    TrainConfig,
    davidson_ham_rows,
    featurize,
    featurize_sources,
    fit_head,
    ham_author_names,
    load_sources,
    named_rows,
    spam_data,
    toxicity_data,
)

EXAMPLES = {
    "thoughtful": CommentInput(
        "Thanks for the clear write-up of the vote. The French ambassador's quote says it all.", "Marie"
    ),
    "insulting": CommentInput("You are a complete idiot if you believe a word of this, honestly.", "Bob"),
    "pill_spam": CommentInput(
        "BEST CHEAP PILLS!!! Buy now http://cheap-pills.example/buy http://cheap-pills.example/deal "
        "http://casino-win.example http://loans-fast.example call 1-888-555-0199 now!!!",
        "Cheap Pills Online",
    ),
}


def _thresholds_from(head: PlattCalibratedClassifier, y: np.ndarray, rows: np.ndarray) -> dict:
    held_out = head.calibrate(head.oof_decision_)
    rows = rows if rows.any() else np.ones(len(y), dtype=bool)
    return choose_thresholds(y[rows], held_out[rows])


def _fit_spam(data: HeadData, config: TrainConfig) -> tuple[PlattCalibratedClassifier, dict]:
    """The spam head as training fits it, with the thresholds its own held-out folds give."""
    head = fit_head(
        data.X,
        data.y,
        alpha=None,
        config=config,
        groups=data.groups,
        weights=data.weights,
        calibration_rows=data.threshold_rows,
    )
    return head, _thresholds_from(head, data.y, data.threshold_rows)


def _plot(name: str, y: np.ndarray, scores: np.ndarray, out: Path, thresholds: dict | None) -> str:
    """ROC, precision-recall and score histograms of one evaluation; returns the file name."""
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    if len(np.unique(y)) == 2:
        fpr, tpr, _ = roc_curve(y, scores)
        axes[0].plot(fpr, tpr)
        axes[0].plot([0, 1], [0, 1], "--", color="grey")
        precision, recall, _ = precision_recall_curve(y, scores)
        axes[1].plot(recall, precision)
    axes[0].set(title="ROC", xlabel="false positive rate", ylabel="true positive rate")
    axes[1].set(title="Precision-recall", xlabel="recall", ylabel="precision")
    bins = np.linspace(0, 1, 41)
    axes[2].hist(scores[y == 0], bins=bins, alpha=0.6, label="negative", color="tab:blue")
    axes[2].hist(scores[y == 1], bins=bins, alpha=0.6, label="positive", color="tab:red")
    for key, style in (("approve_below", ":"), ("refuse_above", "--")):
        if thresholds and key in thresholds:
            axes[2].axvline(thresholds[key], linestyle=style, color="black", label=key)
    axes[2].set(title="Scores", xlabel="calibrated probability", ylabel="comments", yscale="log")
    axes[2].legend()
    fig.suptitle(name)
    fig.tight_layout()
    stem = name.replace(" ", "_").replace("/", "-").replace(">", "to")
    if len(stem) > 100:  # a recipe's label can outgrow a file name (255 bytes): keep it unique, shorter
        stem = f"{stem[:80]}_{hashlib.sha1(stem.encode()).hexdigest()[:10]}"
    file = stem + ".png"
    fig.savefig(out / file, dpi=80)
    plt.close(fig)
    return file


def youtube_leave_one_video_out(sources: Sources, config: TrainConfig, out: Path, label: str) -> dict:
    """Train the spam head without one video (inner folds pick calibration + thresholds), test on it."""
    yt = sources.youtube
    folds, all_y, all_scores = [], [], []
    for video in sorted(np.unique(yt.groups)):
        held = yt.groups == video
        data = spam_data(sources, config, youtube_rows=np.flatnonzero(~held))
        head, thresholds = _fit_spam(data, config)
        y = yt.labels["spam"][held].astype(int)
        scores = head.predict_proba(sources.matrices[yt.name][held])[:, 1]
        folds.append({"video": str(video), **binary_metrics(y, scores, thresholds)})
        all_y.append(y)
        all_scores.append(scores)
    y, scores = np.concatenate(all_y), np.concatenate(all_scores)
    return {
        "label": label,
        "folds": folds,
        "mean_roc_auc": round(float(np.mean([f["roc_auc"] for f in folds])), 4),
        "mean_accuracy_at_0.5": round(float(np.mean([f["accuracy_at_0.5"] for f in folds])), 4),
        "mean_precision_at_refuse_above": round(float(np.mean([f["refuse_above"]["precision"] for f in folds])), 4),
        "mean_recall_at_approve_below": round(float(np.mean([f["approve_below"]["recall"] for f in folds])), 4),
        "plot": _plot(f"YouTube leave-one-video-out ({label})", y, scores, out, None),
    }


def spam_false_alarms(sources: Sources, config: TrainConfig) -> dict:
    """Spam head trained on all YouTube (+ extra ham per config): how much clean text from other
    sources it would refuse or queue. None of these rows is spam and none was trained on (the
    Davidson tweets the spam head trains on as non-spam are left out of "davidson_unseen")."""
    data = spam_data(sources, config)
    head, thresholds = _fit_spam(data, config)
    result: dict = {"thresholds": thresholds}
    davidson_neither = sources.davidson.groups == "neither"
    davidson_unseen = np.ones(len(sources.davidson.rows), dtype=bool)
    davidson_unseen[davidson_ham_rows(sources, config)] = False
    # The service's comments all carry a name; these sets have none. The same rows named as the
    # YouTube non-spam commenters are named show what a name alone does to the score.
    names = ham_author_names(sources, np.arange(len(sources.youtube)))
    neither_rows = [row for row, keep in zip(sources.davidson.rows, davidson_neither, strict=True) if keep]
    for name, X in (
        ("jigsaw_test", sources.matrices[sources.jigsaw_test.name]),
        ("davidson_unseen", sources.matrices[sources.davidson.name][davidson_unseen]),
        ("davidson_neither", sources.matrices[sources.davidson.name][davidson_neither]),
        ("jigsaw_test_named", featurize(sources.features, named_rows(sources.jigsaw_test.rows, names, 7), 1)),
        ("davidson_neither_named", featurize(sources.features, named_rows(neither_rows, names, 7), 1)),
    ):
        scores = head.predict_proba(X)[:, 1]
        result[name] = {
            "n": int(X.shape[0]),
            "share_refused (>= refuse_above)": round(float(np.mean(scores >= thresholds["refuse_above"])), 4),
            "share_not_approved (>= approve_below)": round(float(np.mean(scores >= thresholds["approve_below"])), 4),
            "median_score": round(float(np.median(scores)), 4),
        }
    return result


def _toxicity_eval(
    name: str,
    X_train: sp.csr_matrix,
    y_train: np.ndarray,
    w_train: np.ndarray,
    threshold_rows: np.ndarray,
    X_test: sp.csr_matrix,
    y_test: np.ndarray,
    config: TrainConfig,
    alpha: float,
    out: Path,
    plot: bool = True,
) -> dict:
    head = fit_head(
        X_train,
        y_train,
        alpha=alpha,
        config=config,
        weights=w_train,
        calibration_rows=threshold_rows if threshold_rows.any() else None,
    )
    thresholds = _thresholds_from(head, y_train, threshold_rows)
    scores = head.predict_proba(X_test)[:, 1]
    result = {"name": name, **binary_metrics(y_test, scores, thresholds)}
    if plot:
        result["plot"] = _plot(name, y_test, scores, out, thresholds)
    return result


def toxicity_evaluations(sources: Sources, config: TrainConfig, out: Path) -> dict:
    jt, test, dv = sources.jigsaw_train, sources.jigsaw_test, sources.davidson
    Xt, Xtest, Xd = (sources.matrices[s.name] for s in (jt, test, dv))
    results: dict = {}
    shipped = toxicity_data(sources, config)
    results["jigsaw_test (shipped recipe: Jigsaw train + Davidson)"] = _toxicity_eval(
        "Jigsaw test - shipped recipe",
        shipped.X,
        shipped.y,
        shipped.weights,
        shipped.threshold_rows,
        Xtest,
        test.labels["toxicity"],
        config,
        config.toxicity_alpha,
        out,
    )
    del shipped
    natural = jt.extra["natural_rate"]
    ones = np.ones(len(jt))
    results["jigsaw_test (Jigsaw train only)"] = _toxicity_eval(
        "Jigsaw test - Jigsaw train only",
        Xt,
        jt.labels["toxicity"],
        ones,
        natural,
        Xtest,
        test.labels["toxicity"],
        config,
        config.toxicity_alpha,
        out,
    )
    # Cross-source: all Jigsaw rows (train + test) -> Davidson, and the reverse.
    X_all = sp.vstack([Xt, Xtest], format="csr")
    y_all = np.concatenate([jt.labels["toxicity"], test.labels["toxicity"]])
    natural_all = np.concatenate([natural, np.zeros(len(test), dtype=bool)])
    results["jigsaw -> davidson"] = _toxicity_eval(
        "Train Jigsaw, test Davidson",
        X_all,
        y_all,
        np.ones(len(y_all)),
        natural_all,
        Xd,
        dv.labels["toxicity"],
        config,
        config.toxicity_alpha,
        out,
    )
    results["davidson -> jigsaw"] = _toxicity_eval(
        "Train Davidson, test Jigsaw",
        Xd,
        dv.labels["toxicity"],
        np.ones(len(dv)),
        np.ones(len(dv), dtype=bool),
        X_all,
        y_all,
        config,
        config.toxicity_alpha,
        out,
    )
    attributes = {}
    for name in ATTRIBUTES:
        attributes[name] = _toxicity_eval(
            f"Jigsaw test - {name}",
            Xt,
            jt.labels[name],
            ones,
            natural,
            Xtest,
            test.labels[name],
            config,
            config.attribute_alpha,
            out,
            plot=False,
        )
    results["attributes on jigsaw_test"] = attributes
    return results


def shipped_examples() -> dict:
    """The three behaviour checks of the brief, against the committed model (if present)."""
    if not (SHIPPED_MODEL_DIR / "model.joblib").exists():
        return {"note": "no model in model/shipped"}
    classifier = load_classifier(SHIPPED_MODEL_DIR)
    scores = classifier.score(list(EXAMPLES.values()))
    return {
        "model_version": classifier.version,
        "thresholds": classifier.card.get("thresholds"),
        **{
            name: {"spam": round(s.spam, 4), "toxicity": round(s.toxicity, 4), "signals": list(s.signals)}
            for name, s in zip(EXAMPLES, scores, strict=True)
        },
    }


def _fmt(value: object) -> str:
    return "–" if value is None else f"{value:.4f}" if isinstance(value, float) else str(value)


def _markdown(results: dict) -> str:
    lines = [
        "# Held-out evaluation report",
        "",
        "Generated by `python -m training report`. Every figure is measured on rows the scoring model "
        "never trained on; calibration and deployed thresholds come from the training side's own "
        "out-of-fold scores. Thresholds: a score `>= refuse_above` is refused, `< approve_below` is "
        "approved, between goes to a moderator.",
        "",
    ]
    lines += ["## Spam: YouTube leave-one-video-out", ""]
    for variant in results["youtube_lovo"]:
        lines += [
            f"### {variant['label']}",
            "",
            f"Mean ROC AUC **{_fmt(variant['mean_roc_auc'])}** (target >= 0.98), mean accuracy at 0.5 "
            f"**{_fmt(variant['mean_accuracy_at_0.5'])}** (target >= 0.95), mean precision at refuse_above "
            f"{_fmt(variant['mean_precision_at_refuse_above'])}, mean recall at approve_below "
            f"{_fmt(variant['mean_recall_at_approve_below'])}.",
            "",
            "| held-out video | n | spam | ROC AUC | AP | accuracy@0.5 | P@refuse | R@refuse | P@approve | R@approve |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        for f in variant["folds"]:
            lines.append(
                f"| {f['video']} | {f['n']} | {f['positives']} | {_fmt(f['roc_auc'])} | "
                f"{_fmt(f['average_precision'])} | {_fmt(f['accuracy_at_0.5'])} | "
                f"{_fmt(f['refuse_above']['precision'])} | {_fmt(f['refuse_above']['recall'])} | "
                f"{_fmt(f['approve_below']['precision'])} | {_fmt(f['approve_below']['recall'])} |"
            )
        lines += ["", f"![]({variant['plot']})", ""]
    lines += [
        "## Spam false alarms on sources without spam",
        "",
        "Spam head trained on all YouTube videos; these rows are all non-spam and unseen.",
        "",
        "| variant | set | n | refused | not approved | median score |",
        "|---|---|---|---|---|---|",
    ]
    for variant, result in results["spam_false_alarms"].items():
        for name, r in result.items():
            if name == "thresholds":
                continue
            lines.append(
                f"| {variant} | {name} | {r['n']} | {_fmt(r['share_refused (>= refuse_above)'])} | "
                f"{_fmt(r['share_not_approved (>= approve_below)'])} | {_fmt(r['median_score'])} |"
            )
    lines += [
        "",
        "## Toxicity",
        "",
        "| evaluation | n | positives | ROC AUC | AP | P@refuse | R@refuse | P@approve | R@approve |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in results["toxicity"].items():
        if name == "attributes on jigsaw_test":
            continue
        lines.append(
            f"| {name} | {r['n']} | {r['positives']} | {_fmt(r['roc_auc'])} | "
            f"{_fmt(r['average_precision'])} | {_fmt(r['refuse_above']['precision'])} | "
            f"{_fmt(r['refuse_above']['recall'])} | {_fmt(r['approve_below']['precision'])} | "
            f"{_fmt(r['approve_below']['recall'])} |"
        )
    lines += ["", "Targets: Jigsaw test ROC AUC >= 0.95; Jigsaw -> Davidson ROC AUC >= 0.85.", ""]
    for r in results["toxicity"].values():
        if "plot" in r:
            lines += [f"![]({r['plot']})", ""]
    lines += [
        "### Attributes on Jigsaw test (trained on Jigsaw train only)",
        "",
        "| attribute | n | positives | ROC AUC | AP |",
        "|---|---|---|---|---|",
    ]
    for name, r in results["toxicity"]["attributes on jigsaw_test"].items():
        lines.append(
            f"| {name} | {r['n']} | {r['positives']} | {_fmt(r['roc_auc'])} | {_fmt(r['average_precision'])} |"
        )
    lines += [
        "",
        "## Behaviour checks on the committed model (model/shipped)",
        "",
        "```json",
        json.dumps(results["examples"], indent=2),
        "```",
        "",
    ]
    return "\n".join(lines)


def _recipe_label(config: TrainConfig, jigsaw_train_rows: int) -> str:
    """The shipped spam recipe in words, for the report's table and plot titles."""
    jigsaw = (
        "every Jigsaw train row"
        if config.spam_extra_ham >= jigsaw_train_rows
        else f"{config.spam_extra_ham} random Jigsaw train rows"
        + (" and every one with a link" if config.spam_link_ham else "")
    )
    parts = [f"shipped recipe: + {jigsaw} as non-spam, weight {config.spam_extra_ham_weight}"]
    if config.spam_ham_names:
        parts.append("named like YouTube non-spam commenters")
    if config.spam_davidson_ham:
        parts.append(
            f"+ {config.spam_davidson_ham} Davidson hate/offensive tweets, weight {config.spam_davidson_ham_weight}"
        )
    if config.spam_nb_alpha:
        parts.append(f"NB-scaled n-grams (alpha {config.spam_nb_alpha}, beta {config.spam_nb_beta})")
    return ", ".join(parts)


def write_report(
    out_dir: str | Path, max_rows: int | None = None, n_jobs: int = 2, config: TrainConfig | None = None
) -> Path:
    """Run every held-out evaluation; write ``report.md``, ``report.json`` and plots into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    config = config or TrainConfig(max_rows_per_source=max_rows, n_jobs=n_jobs)
    progress = Progress(total=10)
    sources = load_sources(config)
    featurize_sources(sources, make_feature_pipeline().fit([("", "", "")]), config.n_jobs, progress)
    results: dict = {"config": {k: v for k, v in vars(config).items()}}
    progress.step("YouTube leave-one-video-out")
    no_ham = replace(config, spam_extra_ham=0, spam_davidson_ham=0)
    nameless = replace(config, spam_ham_names=False)
    plain = replace(config, spam_nb_alpha=0.0)
    results["youtube_lovo"] = [
        youtube_leave_one_video_out(
            sources,
            config,
            out,
            _recipe_label(config, len(sources.jigsaw_train.rows)),
        ),
        youtube_leave_one_video_out(sources, plain, out, "shipped data recipe, plain logistic regression"),
        youtube_leave_one_video_out(sources, nameless, out, "shipped recipe, extra non-spam without names"),
        youtube_leave_one_video_out(sources, no_ham, out, "YouTube only"),
    ]
    progress.step("spam false alarms")
    results["spam_false_alarms"] = {
        "shipped recipe": spam_false_alarms(sources, config),
        "extra non-spam without names": spam_false_alarms(sources, nameless),
        "plain logistic regression": spam_false_alarms(sources, plain),
        "YouTube only": spam_false_alarms(sources, no_ham),
    }
    progress.step("toxicity: Jigsaw test, cross-source, attributes")
    results["toxicity"] = toxicity_evaluations(sources, config, out)
    results["examples"] = shipped_examples()
    (out / "report.json").write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    (out / "report.md").write_text(_markdown(results), encoding="utf-8")
    progress.close()
    return out / "report.md"

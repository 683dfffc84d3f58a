"""The cross-source evaluation report: markdown, a JSON of every figure and one trade-off plot per head.

Every figure comes from comments the scoring model never trained on. Each head is fitted as
training fits it, with one fold per source (per YouTube video for spam): a source's comments
are scored by the fold model that left that source out. Sets no head trains on (Jigsaw test;
for spam also Civil Comments and Davidson's "neither" tweets) are scored by the head itself.

Beside each of our figures, a plain TF-IDF + logistic regression trained on the same rows with the
same weights, left-out source for left-out source. Decision-level figures are given twice: at the
shipped thresholds (chosen by the workload rule from every source's out-of-source scores, the
evaluated one included), and at thresholds chosen by the same rule *without* the evaluated source,
which is what a source nobody has seen gets.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display: plots are files
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from joblib import Parallel, delayed  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402

from model.classifier import SHIPPED_MODEL_DIR, CommentInput, load_classifier  # noqa: E402
from model.features import make_feature_pipeline  # noqa: E402
from training.progress import Progress  # noqa: E402
from training.thresholds import WORKLOAD_RULE, decision_shares, workload_thresholds  # noqa: E402
from training.train import (  # noqa: E402
    HeadFit,
    TrainConfig,
    featurize_sources,
    fit_spam,
    fit_toxicity,
    load_sources,
    source_metrics,
    spam_clean_sets,
)

# What each head must reach on every left-out source (issue 18): ROC AUC by source, and the workload.
AUC_TARGETS: dict[str, dict[str, float]] = {
    "spam": {"youtube:": 0.98, "sms": 0.93, "instagram": 0.90},
    "toxicity": {"civil_comments": 0.90, "stormfront": 0.85, "jigsaw_test": 0.97, "davidson": 0.88},
}
EXAMPLES = {
    "citing_reuters": CommentInput(
        "Reuters has a fuller account of the vote: https://www.reuters.com/world/us/senate-vote-2024-01-18/ "
        "worth reading before judging the amendment.",
        "Marie",
    ),
    "insulting": CommentInput("You are a complete idiot if you believe a word of this, honestly.", "Bob"),
    "pill_spam": CommentInput(
        "Great tutorial! Buy cheap pills at http://cheap-pills-online.xyz/buy or call 1-888-555-0199 now!!!",
        "Cheap Pills Online",
    ),
}


def baseline_model() -> tuple[TfidfVectorizer, LogisticRegression]:
    """The plain comparison: word uni- and bigram TF-IDF and logistic regression, nothing else."""
    return TfidfVectorizer(sublinear_tf=True, min_df=2, ngram_range=(1, 2)), LogisticRegression(max_iter=1000)


def _baseline_auc(
    texts: list[str], y: np.ndarray, weights: np.ndarray, test_texts: list[str], test_y: np.ndarray
) -> float | None:
    vectorizer, classifier = baseline_model()
    classifier.fit(vectorizer.fit_transform(texts), y, sample_weight=weights)
    return round(float(roc_auc_score(test_y, classifier.decision_function(vectorizer.transform(test_texts)))), 4)


def baseline_aucs(fit: HeadFit, extra_sets: dict[str, list[str]], n_jobs: int) -> dict[str, float | None]:
    """The plain TF-IDF model's ROC AUC on each source, trained on the rows our fold model had."""
    data = fit.data
    jobs, names = [], []
    for name, (y, _) in fit.held_out.items():
        if name in extra_sets:  # never trained on: the plain model trains on every row
            train = np.ones(len(data.y), dtype=bool)
            texts = extra_sets[name]
        else:
            unit = name.removeprefix("youtube:")
            rows = data.threshold_rows & (
                (data.groups == unit) if name.startswith("youtube:") else (data.sources == name)
            )
            group = data.groups[rows][0]
            train = data.groups != group
            texts = [data.texts[i] for i in np.flatnonzero(rows).tolist()]
        if len(np.unique(y)) < 2:
            continue  # no ranking to compare on a set without bad comments
        names.append(name)
        train_texts = [data.texts[i] for i in np.flatnonzero(train).tolist()]
        jobs.append(delayed(_baseline_auc)(train_texts, data.y[train], data.weights[train], texts, y))
    return dict(zip(names, Parallel(n_jobs=n_jobs, prefer="processes")(jobs), strict=True))


def nested_shares(fit: HeadFit, config: TrainConfig) -> dict[str, dict]:
    """Per source: the thresholds the workload rule picks without that source, and what they do to it."""
    out = {}
    for name, (y, scores) in fit.held_out.items():
        others = {k: v for k, v in fit.held_out.items() if k != name and not k.startswith("youtube:")}
        if name.startswith("youtube:"):
            # The other videos are the same site: leaving one video out alone would not hide YouTube.
            others = {k: v for k, v in fit.held_out.items() if not k.startswith("youtube:")}
        chosen = workload_thresholds(others, config.max_held, config.max_refused, config.min_band)
        out[name] = {
            "approve_below": chosen["approve_below"],
            "refuse_above": chosen["refuse_above"],
            **decision_shares(y, scores, chosen["approve_below"], chosen["refuse_above"]),
        }
    return out


def plot_tradeoff(head: str, fit: HeadFit, out: Path) -> str:
    """Per left-out source: bad comments caught against clean comments not approved as
    ``approve_below`` moves (left), and the share of clean comments above each threshold (right)."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4.8))
    grid = np.linspace(0.0, 1.0, 401)
    approve, refuse = fit.thresholds["approve_below"], fit.thresholds["refuse_above"]
    for name, (y, scores) in fit.held_out.items():
        clean, bad = scores[y == 0], scores[y == 1]
        if len(clean) and len(bad):
            x = [(clean >= t).mean() for t in grid]
            left.plot(x, [(bad >= t).mean() for t in grid], label=name)
            left.plot([(clean >= approve).mean()], [(bad >= approve).mean()], "ko", markersize=4)
        if len(clean):
            right.plot(grid, [(clean >= t).mean() for t in grid], label=name)
    left.axvline(0.10, color="grey", linestyle=":")
    left.axhline(0.80, color="grey", linestyle=":")
    left.set(
        xscale="log",
        xlim=(1e-3, 1),
        ylim=(0, 1.02),
        xlabel="clean comments held or refused (log)",
        ylabel="bad comments caught",
        title="Trade-off per left-out source (dot: shipped approve_below)",
    )
    left.legend(fontsize=7, loc="lower right")
    right.axvline(approve, color="black", linestyle=":", label=f"approve_below {approve}")
    right.axvline(refuse, color="black", linestyle="--", label=f"refuse_above {refuse}")
    right.axhline(0.10, color="grey", linestyle=":")
    right.axhline(0.01, color="grey", linestyle=":")
    right.set(
        yscale="log",
        ylim=(1e-4, 1),
        xlabel="threshold (calibrated score)",
        ylabel="clean comments at or above it (log)",
        title="The workload rule: every source under 10% / 1%",
    )
    right.legend(fontsize=7, loc="lower left")
    fig.suptitle(f"{head}: scores on sources the scoring model never saw")
    fig.tight_layout()
    file = f"{head}_tradeoff.png"
    fig.savefig(out / file, dpi=90)
    plt.close(fig)
    return file


def _target_for(head: str, source: str) -> float | None:
    for prefix, target in AUC_TARGETS[head].items():
        if source == prefix or (prefix.endswith(":") and source.startswith(prefix)):
            return target
    return None


def head_section(head: str, fit: HeadFit, baseline: dict[str, float | None], config: TrainConfig, out: Path) -> dict:
    metrics = source_metrics(fit)
    nested = nested_shares(fit, config)
    rows = []
    for name, m in metrics.items():
        rows.append(
            {
                "source": name,
                "scored": m["scored"],
                "n": m["n"],
                "bad": m["positives"],
                "roc_auc": m["roc_auc"],
                "tfidf_roc_auc": baseline.get(name),
                "auc_target": _target_for(head, name),
                "shipped": {k: m[k] for k in ("clean_held", "clean_refused", "bad_caught", "bad_refused")},
                "without_this_source": nested[name],
            }
        )
    return {"thresholds": fit.thresholds, "sources": rows, "plot": plot_tradeoff(head, fit, out)}


def shipped_examples() -> dict:
    """A few comments scored by the committed model (if present), with the signals it names."""
    if not (SHIPPED_MODEL_DIR / "model.joblib").exists():
        return {"note": "no model in model/shipped"}
    classifier = load_classifier(SHIPPED_MODEL_DIR)
    try:
        scores = classifier.score(list(EXAMPLES.values()))
    except ValueError as exc:  # a model saved before the features changed: retrain and ship it
        return {"note": f"model/shipped ({classifier.version}) does not fit these features: {exc}"}
    return {
        "model_version": classifier.version,
        **{
            name: {"spam": round(s.spam, 4), "toxicity": round(s.toxicity, 4), "signals": list(s.signals)}
            for name, s in zip(EXAMPLES, scores, strict=True)
        },
    }


def _fmt(value: object) -> str:
    if value is None:
        return "–"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f} %"


def _markdown(results: dict) -> str:
    config = results["config"]
    lines = [
        "# Cross-source evaluation",
        "",
        f"Generated by `python -m training report` on {results['generated_at']} in {results['seconds']:.0f} s. "
        "Every figure comes from comments the scoring model never trained on: each source is scored by a "
        "model fitted without it (`left out`), or by the head itself where no head trains on the set "
        "(`never trained on`). `TF-IDF` is a plain word TF-IDF + logistic regression on the same rows.",
        "",
        "Decision shares: a score `< approve_below` is published, `> refuse_above` refused, between held for a "
        "moderator. *caught* = held or refused. `shipped` uses the thresholds below (chosen from every source's "
        "out-of-source scores); `unseen` uses thresholds the same rule picks without that source "
        "(for a YouTube video: without any YouTube video).",
        "",
        "Threshold rule: "
        + WORKLOAD_RULE.format(held=config["max_held"], refused=config["max_refused"], band=config["min_band"])
        + ".",
        "",
    ]
    for head in ("spam", "toxicity"):
        section = results[head]
        t = section["thresholds"]
        lines += [
            f"## {head}",
            "",
            f"Shipped thresholds: approve_below **{t['approve_below']}**, refuse_above **{t['refuse_above']}**.",
            "",
            "| left-out source | scored | n | bad | ROC AUC | TF-IDF | target | clean held | clean refused | "
            "bad caught | unseen: clean held | unseen: clean refused | unseen: bad caught |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for r in section["sources"]:
            s, u = r["shipped"], r["without_this_source"]
            lines.append(
                f"| {r['source']} | {r['scored']} | {r['n']} | {r['bad']} | {_fmt(r['roc_auc'])} | "
                f"{_fmt(r['tfidf_roc_auc'])} | {_fmt(r['auc_target'])} | {_pct(s['clean_held'])} | "
                f"{_pct(s['clean_refused'])} | {_pct(s['bad_caught'])} | {_pct(u['clean_held'])} | "
                f"{_pct(u['clean_refused'])} | {_pct(u['bad_caught'])} |"
            )
        lines += ["", f"![{head} trade-off]({section['plot']})", ""]
    examples = results.get("examples", {})
    if "model_version" in examples:
        lines += [f"## The shipped model ({examples['model_version']}) on three comments", ""]
        for name, e in examples.items():
            if isinstance(e, dict):
                lines.append(f"- {name}: spam {e['spam']}, toxicity {e['toxicity']}, signals {e['signals']}")
        lines.append("")
    return "\n".join(lines)


def write_report(
    out_dir: str | Path, max_rows: int | None = None, n_jobs: int = 2, config: TrainConfig | None = None
) -> Path:
    """Run every evaluation and write ``report.md``, ``report.json`` and the PNGs into ``out_dir``."""
    started = time.monotonic()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    config = config or TrainConfig(max_rows_per_source=max_rows, n_jobs=n_jobs)
    # One line per step off a terminal (CI logs, cron mail show where it is), redrawn on one.
    progress = Progress(total=7, verbose=True)
    progress.step("loading the labeled sets")
    sources = load_sources(config)
    featurize_sources(sources, make_feature_pipeline().fit([("", "", "")]), config.n_jobs, progress)
    results: dict = {"config": {k: v for k, v in vars(config).items()}}
    progress.step("spam: one fold per YouTube video, SMS and Instagram")
    spam = fit_spam(sources, config)
    progress.step("spam: the plain TF-IDF model on the same folds")
    spam_sets = {
        name: [data.rows[i][0] for i in rows.tolist()] for name, (data, rows) in spam_clean_sets(sources).items()
    }
    results["spam"] = head_section("spam", spam, baseline_aucs(spam, spam_sets, config.n_jobs), config, out)
    del spam
    progress.step("toxicity: one fold per source (Jigsaw, Civil Comments, Davidson, Stormfront)")
    toxicity = fit_toxicity(sources, config)
    progress.step("toxicity: the plain TF-IDF model on the same folds")
    test_texts = {"jigsaw_test": [r[0] for r in sources.jigsaw_test.rows]}
    results["toxicity"] = head_section(
        "toxicity", toxicity, baseline_aucs(toxicity, test_texts, config.n_jobs), config, out
    )
    del toxicity
    progress.step("writing report.md, report.json")
    results["examples"] = shipped_examples()
    results["generated_at"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    results["seconds"] = round(time.monotonic() - started, 1)
    (out / "report.json").write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    (out / "report.md").write_text(_markdown(results), encoding="utf-8")
    progress.close()
    return out / "report.md"

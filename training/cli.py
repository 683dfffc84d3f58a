"""``python -m training``: train, evaluate, report, ship."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

DEFAULT_OUT = Path(__file__).parent / "out"


def _add_data_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--text-col",
        default="comment",
        help="column (or JSON key) holding the comment text (default: comment)",
    )
    p.add_argument("--label-col", default="label", help="column holding the 0/1 label (default: label)")
    p.add_argument("--author-col", default="author", help="column holding the author name, if any")
    p.add_argument("--url-col", default="url", help="column holding the website field, if any")


def _add_registry_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data-dir", help="the service's data folder (default: data, or COMMENTS_DATA_DIR)")
    p.add_argument("--models", help="model registry folder (default: DATA_DIR/models, or COMMENTS_MODELS)")
    p.add_argument("--secret-key", help="the service's master key, to read labeled texts as sent (optional)")


def _service_settings(args: argparse.Namespace) -> Any:
    """The service's own resolution of --db / --data-dir / --models / --secret-key and their env vars."""
    from service.settings import Settings

    values = {k: getattr(args, k, None) for k in ("db", "data_dir", "models", "secret_key")}
    return Settings.from_sources(values)


def _registry(args: argparse.Namespace) -> Any:
    from model.registry import ModelRegistry

    return ModelRegistry(_service_settings(args).model_registry_dir)


def _decrypt(args: argparse.Namespace) -> Any:
    """Decrypts original texts when the service's key is at hand; else the stored (masked) text is used."""
    from service.privacy.email_vault import KEY_FILE_NAME, EmailVault, load_or_create_master_key

    settings = _service_settings(args)
    if not settings.secret_key and not (settings.data_dir / KEY_FILE_NAME).exists():
        return None
    vault = EmailVault(load_or_create_master_key(settings.secret_key, settings.data_dir))
    return vault.decrypt_text


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m training",
        description="Train, evaluate and ship the comment spam/toxicity model.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    t = sub.add_parser(
        "train",
        help="fit a model from the shipped data (+ labeled files); write an artifact",
        description="Fit every head from training/data (+ --data files) and write "
        "model.joblib + card.json into a versioned directory under --out.",
    )
    t.add_argument(
        "--db",
        metavar="PATH_OR_URL",
        help="the service's store: its moderator decisions and Akismet reports become labels, the newest "
        "--holdout share held back to compare the new model with the current one; the model goes into the registry",
    )
    _add_registry_options(t)
    t.add_argument(
        "--data",
        nargs="*",
        default=[],
        metavar="FILE",
        help="extra labeled CSV / JSON Lines files (columns set by --text-col / --label-col)",
    )
    t.add_argument(
        "--target",
        choices=["spam", "toxicity"],
        default="spam",
        help="what the --label-col of --data files labels (default: spam)",
    )
    _add_data_options(t)
    t.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT / "models",
        help="directory to write the versioned artifact into (default: training/out/models)",
    )
    t.add_argument("--ship", action="store_true", help="also copy the artifact to model/shipped/")
    t.add_argument(
        "--promote",
        action="store_true",
        help="with --db: make the new model current if it is no worse on the held-back site labels "
        "(exit 0 promoted, 3 kept, 1 failed: for cron)",
    )
    t.add_argument("--force", action="store_true", help="with --promote: promote whatever the comparison says")
    t.add_argument("--holdout", type=float, default=0.2, help="share of the newest site labels held back (0.2)")
    t.add_argument("--site-weight", type=float, default=5.0, help="sample weight of the site's own labels (5)")
    t.add_argument(
        "--exclude-video",
        action="append",
        default=[],
        metavar="NAME",
        help="leave a YouTube video out of the shipped data (experiments: simulate an unseen site)",
    )
    t.add_argument("--quick", type=int, metavar="N", help="use at most N rows per shipped source (smoke runs)")
    t.add_argument("--jobs", type=int, default=2, help="parallel jobs (default: 2)")

    e = sub.add_parser(
        "evaluate",
        help="score a labeled file with a model; print one JSON object",
        description="Print n, positives, roc_auc, average_precision, and precision / "
        "recall / f1 at the deployed thresholds (flat keys: approve_below).",
    )
    e.add_argument("--data", required=True, type=Path, metavar="FILE", help="labeled CSV or JSON Lines file")
    e.add_argument("--target", required=True, choices=["spam", "toxicity"])
    _add_data_options(e)
    e.add_argument("--model", type=Path, metavar="DIR", help="artifact directory (default: model/shipped)")

    r = sub.add_parser(
        "report",
        help="held-out evaluation report (markdown + plots)",
        description="YouTube leave-one-video-out, Jigsaw <-> Davidson, Jigsaw test held out.",
    )
    r.add_argument("--out", type=Path, default=DEFAULT_OUT / "report", help="report directory")
    r.add_argument("--quick", type=int, metavar="N", help="use at most N rows per source (smoke runs)")
    r.add_argument("--jobs", type=int, default=2)

    m = sub.add_parser("models", help="list the registry's versions, promote one, or roll back")
    actions = m.add_subparsers(dest="models_command", required=True, metavar="ACTION")
    for name, text in (
        ("list", "every version, its date and held-out figures; * marks the current one"),
        ("promote", "make VERSION current (a running service follows within seconds)"),
        ("rollback", "make the version current before the last promotion current again"),
    ):
        a = actions.add_parser(name, help=text)
        if name == "promote":
            a.add_argument("version")
        _add_registry_options(a)

    th = sub.add_parser(
        "thresholds",
        help="suggest thresholds from the site's labels for a target; plot the trade-off",
        description="Score the site's labels with the current model and suggest approve_below / refuse_above "
        "for at most --max-queue of comments queued and/or at least --min-precision on auto-refused ones.",
    )
    th.add_argument("--db", required=True, metavar="PATH_OR_URL")
    th.add_argument("--target", choices=["spam", "toxicity"], default="spam")
    th.add_argument("--max-queue", type=float, metavar="SHARE", help="e.g. 0.1: at most 10%% of comments queued")
    th.add_argument("--min-precision", type=float, metavar="P", help="e.g. 0.98 on auto-refused comments")
    th.add_argument("--plot", type=Path, default=DEFAULT_OUT / "thresholds.png", help="trade-off plot (PNG)")
    _add_registry_options(th)

    s = sub.add_parser("ship", help="copy an artifact directory to model/shipped/")
    s.add_argument("artifact", type=Path, help="directory holding model.joblib + card.json")
    return parser


def _train(args: argparse.Namespace) -> int:
    from training.datasets import load_labeled_file
    from training.progress import Progress
    from training.train import TrainConfig, save_artifact, ship, train

    extras = [
        load_labeled_file(
            f,
            target=args.target,
            text_col=args.text_col,
            label_col=args.label_col,
            author_col=args.author_col,
            url_col=args.url_col,
        )
        for f in args.data
    ]
    config = TrainConfig(max_rows_per_source=args.quick, n_jobs=args.jobs, youtube_exclude=tuple(args.exclude_video))
    progress = Progress(total=5 + len(extras) + 2 + 7 + 1)
    if args.db:
        return _retrain(args, config, extras, progress)
    artifact, card = train(config, extras, progress)
    out = save_artifact(artifact, card, Path(args.out) / card["version"])
    progress.close()
    if args.ship:
        ship(out)
        print(f"shipped to model/shipped/ ({card['version']})", file=sys.stderr)
    summary = {
        "version": card["version"],
        "artifact": str(out),
        "thresholds": card["thresholds"],
        "held_out": {
            h: {k: card["metrics"][h]["held_out_folds"].get(k) for k in ("roc_auc", "n")} for h in card["metrics"]
        },
    }
    print(json.dumps(summary, indent=2))
    return 0


def _retrain(args: argparse.Namespace, config: Any, extras: list[Any], progress: Any) -> int:
    from training.retrain import FAILED, KEPT, PROMOTED, retrain

    db = _service_settings(args).db_target
    if "://" not in db and not Path(db).exists():
        print(f"error: no database at {db}: give the service's --db", file=sys.stderr)
        return 1
    try:
        result = retrain(
            db,
            _registry(args),
            decrypt=_decrypt(args),
            extras=extras,
            config=config,
            holdout=args.holdout,
            site_weight=args.site_weight,
            promote=args.promote,
            force=args.force,
            progress=progress,
        )
    except Exception as exc:  # cron needs an exit code and one line, not a trace
        progress.close()
        print(f"error: retraining failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return FAILED
    progress.close()
    print(
        json.dumps(
            {
                "version": result.version,
                "promoted": result.promoted,
                "reason": result.reason,
                "labels": result.counts,
                "held_back_evaluation": result.evaluation,
            },
            indent=2,
        )
    )
    if not args.promote:
        return 0
    return PROMOTED if result.promoted else KEPT


def _models(args: argparse.Namespace) -> int:
    registry = _registry(args)
    try:
        if args.models_command == "promote":
            registry.promote(args.version)
            print(f"current model: {args.version}")
        elif args.models_command == "rollback":
            print(f"current model: {registry.rollback()}")
        else:
            for v in registry.versions():
                auc = {
                    h: (v.card.get("metrics", {}).get(h, {}).get("held_out_folds") or {}).get("roc_auc")
                    for h in ("spam", "toxicity")
                }
                site = (v.card.get("site_labels") or {}).get("evaluation", {})
                print(
                    f"{'*' if v.current else ' '} {v.version}\t{v.card.get('created_at', '')}\t"
                    f"held-out AUC spam {auc['spam']} toxicity {auc['toxicity']}\t"
                    f"site {json.dumps({h: r['candidate']['roc_auc'] for h, r in site.items()})}"
                )
    except (LookupError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def _thresholds(args: argparse.Namespace) -> int:
    import numpy as np

    from model import CommentInput, load_classifier
    from training.site_labels import read_site_labels
    from training.thresholds import advise, plot_tradeoff

    labels = [
        lb
        for lb in read_site_labels(_service_settings(args).db_target, _decrypt(args))
        if getattr(lb, args.target) is not None
    ]
    if not labels:
        print(f"error: the store holds no {args.target} labels yet", file=sys.stderr)
        return 2
    classifier = load_classifier(_registry(args).current_path())
    # Never advise from labels the model trained on: a model retrained from this site's labels
    # is judged only on the ones it held back (its card says from when).
    held_back_from = (classifier.card.get("site_labels") or {}).get("held_back_from")
    if held_back_from:
        labels = [lb for lb in labels if lb.at >= held_back_from]
    scores = classifier.score([CommentInput(lb.text, lb.author, lb.url) for lb in labels])
    values = np.array([getattr(s, args.target) for s in scores])
    y = np.array([getattr(lb, args.target) for lb in labels])
    advice = advise(y, values, max_queue=args.max_queue, min_precision=args.min_precision)
    plot = plot_tradeoff(y, values, advice, args.plot, f"{args.target}: model {classifier.version}, {len(y)} labels")
    print(
        json.dumps(
            {
                "target": args.target,
                "model_version": classifier.version,
                "labels_used": "labels newer than the model's training" if held_back_from else "all site labels",
                **advice,
                "plot": str(plot),
                "apply_with": f"python -m service site update --default --set {args.target}_thresholds="
                f"{advice['approve_below']},{advice['refuse_above']}",
            },
            indent=2,
        )
    )
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from training.evaluate import evaluate_file, print_json

    try:
        result = evaluate_file(
            args.data,
            args.target,
            text_col=args.text_col,
            label_col=args.label_col,
            model_dir=args.model,
            author_col=args.author_col,
            url_col=args.url_col,
        )
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print_json(result)
    return 0


def _report(args: argparse.Namespace) -> int:
    from training.report import write_report

    path = write_report(args.out, max_rows=args.quick, n_jobs=args.jobs)
    print(str(path))
    return 0


def _ship(args: argparse.Namespace) -> int:
    from model.classifier import load_classifier
    from training.train import ship

    load_classifier(args.artifact)  # refuse to ship something that does not load
    print(str(ship(args.artifact)))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handlers = {
        "train": _train,
        "evaluate": _evaluate,
        "report": _report,
        "ship": _ship,
        "models": _models,
        "thresholds": _thresholds,
    }
    return handlers[args.command](args)

"""``python -m training``: train, evaluate, report, ship."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

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
        help="moderation store to read moderator labels from (not used yet: see the message)",
    )
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
        help="make the new model current (model registry arrives with the retraining issue)",
    )
    t.add_argument(
        "--quick", type=int, metavar="N", help="use at most N rows per shipped source (smoke runs)"
    )
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

    s = sub.add_parser("ship", help="copy an artifact directory to model/shipped/")
    s.add_argument("artifact", type=Path, help="directory holding model.joblib + card.json")
    return parser


def _train(args: argparse.Namespace) -> int:
    from training.datasets import load_labeled_file
    from training.progress import Progress
    from training.train import TrainConfig, save_artifact, ship, train

    if args.db:
        print(
            f"note: --db {args.db} accepted but not read: moderator decisions become training labels "
            "with the retraining issue; training uses the shipped data and --data files.",
            file=sys.stderr,
        )
    if args.promote:
        print(
            "note: --promote has no model registry to promote into yet; use --ship to replace the "
            "committed model in model/shipped/.",
            file=sys.stderr,
        )
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
    config = TrainConfig(max_rows_per_source=args.quick, n_jobs=args.jobs)
    progress = Progress(total=5 + len(extras) + 7 + 1)
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
            h: {k: card["metrics"][h]["held_out_folds"].get(k) for k in ("roc_auc", "n")}
            for h in card["metrics"]
        },
    }
    print(json.dumps(summary, indent=2))
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
    handlers = {"train": _train, "evaluate": _evaluate, "report": _report, "ship": _ship}
    return handlers[args.command](args)

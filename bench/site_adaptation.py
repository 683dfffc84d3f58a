"""How much a site's own labels help: each YouTube video in turn plays a site the model never saw.

For each video: a base model is trained without it; its first `--traffic` comments (by date) are
the site's labeled traffic; a retrained model adds them (weighted `--weight`); both are scored on
the video's later comments, which neither trained on. Prints a line per video and a JSON summary.

    python bench/site_adaptation.py [--rows 500] [--traffic 300] [--weight 5]
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from model import CommentInput, load_classifier  # noqa: E402
from training.retrain import quick_config  # noqa: E402
from training.site_labels import SiteLabel, as_sets  # noqa: E402
from training.train import save_artifact, train  # noqa: E402

VIDEOS = ("Psy", "KatyPerry", "LMFAO", "Eminem", "Shakira")


def _auc(artifact_and_card: tuple[dict, dict], rows: list[dict[str, str]]) -> float | None:
    y = [int(r["CLASS"]) for r in rows]
    if len(set(y)) < 2:
        return None  # the later comments are all one class: nothing to rank
    out = save_artifact(*artifact_and_card, Path(tempfile.mkdtemp()) / "model")
    scores = load_classifier(out).score([CommentInput(r["CONTENT"], r["AUTHOR"], "") for r in rows])
    return round(float(roc_auc_score(y, [s.spam for s in scores])), 4)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=500, help="rows per shipped source")
    parser.add_argument("--traffic", type=int, default=300, help="labeled comments per site")
    parser.add_argument("--weight", type=float, default=5.0, help="weight of the site's labels")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    results = {}
    for video in VIDEOS:
        path = next((ROOT / "training" / "data" / "youtube-spam-collection").glob(f"*{video}*.csv"))
        with path.open(encoding="utf-8") as fh:
            comments = sorted(csv.DictReader(fh), key=lambda r: r["DATE"])
        traffic, later = comments[: args.traffic], comments[args.traffic :]
        labels = [SiteLabel(r["DATE"], r["CONTENT"], r["AUTHOR"], "", int(r["CLASS"]), None, "bench") for r in traffic]
        config = quick_config(args.rows, (video,))
        base = _auc(train(config), later)
        retrained = _auc(train(config, as_sets(labels, args.weight)), later)
        results[video] = {"later": len(later), "base_roc_auc": base, "retrained_roc_auc": retrained}
        print(f"{video}: later comments {len(later)}, base {base}, retrained {retrained}", file=sys.stderr)
    judged = [r for r in results.values() if r["base_roc_auc"] is not None]
    summary = {
        "videos": results,
        "mean_base": round(float(np.mean([r["base_roc_auc"] for r in judged])), 4),
        "mean_retrained": round(float(np.mean([r["retrained_roc_auc"] for r in judged])), 4),
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())

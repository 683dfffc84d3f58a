"""Benchmark: scoring speed of the shipped model and training time / peak memory. Prints JSON.

    python bench/scoring.py                 # scoring only (seconds)
    python bench/scoring.py --train         # also time a full `python -m training train` run

Scoring uses real comments from the shipped data (YouTube + Jigsaw test + Davidson, mixed), one
comment at a time (median and p95 latency) and in batches of 64 (time per comment).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from model import SHIPPED_MODEL_DIR, CommentInput, load_classifier  # noqa: E402
from training.datasets import load_davidson, load_jigsaw, load_youtube  # noqa: E402


def sample_comments(n: int, seed: int = 0) -> list[CommentInput]:
    """A mix of real comments of every register we have, in random order."""
    jigsaw = load_jigsaw()
    test = jigsaw.subset(jigsaw.groups == "kaggle_test_labeled")
    pool = [CommentInput(t, a, u) for t, a, u in load_youtube().rows + test.rows + load_davidson().rows[:2000]]
    random.Random(seed).shuffle(pool)
    return pool[:n]


def bench_scoring(n_single: int, n_batches: int) -> dict:
    started = time.perf_counter()
    classifier = load_classifier(SHIPPED_MODEL_DIR)
    load_seconds = time.perf_counter() - started
    comments = sample_comments(max(n_single, 64 * n_batches))
    classifier.score(comments[:64])  # warm-up
    latencies = []
    for comment in comments[:n_single]:
        t = time.perf_counter()
        classifier.score([comment])
        latencies.append(time.perf_counter() - t)
    batch_times = []
    for i in range(n_batches):
        batch = comments[i * 64 : (i + 1) * 64]
        t = time.perf_counter()
        classifier.score(batch)
        batch_times.append((time.perf_counter() - t) / len(batch))
    latencies.sort()
    return {
        "model_version": classifier.version,
        "artifact_bytes": (SHIPPED_MODEL_DIR / "model.joblib").stat().st_size,
        "load_seconds": round(load_seconds, 3),
        "comments": n_single,
        "median_comment_chars": statistics.median(len(c.text) for c in comments[:n_single]),
        "single_median_ms": round(statistics.median(latencies) * 1e3, 4),
        "single_p95_ms": round(latencies[int(0.95 * len(latencies))] * 1e3, 4),
        "batch64_us_per_comment": round(statistics.median(batch_times) * 1e6, 1),
        "target_single_median_ms": 0.3,
        "target_batch64_us_per_comment": 60,
    }


def bench_training() -> dict:
    """Full training in a child process; wall time and the child's peak resident memory."""
    with tempfile.TemporaryDirectory() as out:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "training", "train", "--out", out],
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        seconds = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # ru_maxrss is in KiB on Linux; for children it is the largest child (training spawns workers).
    return {
        "train_seconds": round(seconds, 1),
        "train_cpu_seconds": round((after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime), 1),
        "train_peak_rss_mib": round(after.ru_maxrss / 1024, 1),
        "target_train_seconds": 180,
        "target_peak_mib": 2048,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--single", type=int, default=2000, help="comments scored one at a time")
    parser.add_argument("--batches", type=int, default=40, help="batches of 64")
    parser.add_argument("--train", action="store_true", help="also time a full training run")
    args = parser.parse_args()
    result = {"scoring": bench_scoring(args.single, args.batches)}
    if args.train:
        result["training"] = bench_training()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

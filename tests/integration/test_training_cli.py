"""`python -m training`: help, evaluate's JSON, and a tiny end-to-end train into a temporary folder."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from model import CommentInput, load_classifier
from training.evaluate import EVALUATION_KEYS

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "training", *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )


def test_help_lists_commands() -> None:
    result = run("--help")
    assert result.returncode == 0
    for command in ("train", "evaluate", "report", "ship"):
        assert command in result.stdout


def test_evaluate_prints_one_json_object(tmp_path: Path) -> None:
    data = tmp_path / "small.csv"
    data.write_text(
        "comment,label\n"
        '"Thanks for the clear write-up, very helpful.",0\n'
        '"I disagree with the second point, but well argued.",0\n'
        '"BUY CHEAP PILLS http://pills.example call 1-888-555-0199",1\n'
        '"Check out my channel and subscribe!!! http://promo.example",1\n',
        encoding="utf-8",
    )
    result = run("evaluate", "--data", str(data), "--target", "spam", "--text-col", "comment", "--label-col", "label")
    assert result.returncode == 0, result.stderr
    obj = json.loads(result.stdout)
    for key in EVALUATION_KEYS:
        assert key in obj
    assert obj["n"] == 4 and obj["positives"] == 2
    for name in ("approve_below", "refuse_above"):
        assert set(obj[name]) >= {"threshold", "precision", "recall", "f1"}


def test_evaluate_reports_a_missing_column(tmp_path: Path) -> None:
    data = tmp_path / "bad.csv"
    data.write_text("text,label\nhello,0\n", encoding="utf-8")
    result = run("evaluate", "--data", str(data), "--target", "spam")
    assert result.returncode != 0
    assert "comment" in result.stderr


def test_train_tiny_dataset_into_tmp_dir(tmp_path: Path) -> None:
    extra = tmp_path / "site.jsonl"
    extra.write_text(
        json.dumps({"text": "QuickBooks support number 1-888-555-0100 call now", "is_spam": 1})
        + "\n"
        + json.dumps({"text": "Lovely photos of the harbour, thank you", "is_spam": 0})
        + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "models"
    result = run(
        "train",
        "--quick",
        "150",
        "--out",
        str(out),
        "--jobs",
        "1",
        "--data",
        str(extra),
        "--text-col",
        "text",
        "--label-col",
        "is_spam",
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    artifact = Path(summary["artifact"])
    assert artifact.parent == out
    card = json.loads((artifact / "card.json").read_text())
    assert card["version"] == summary["version"]
    assert "site.jsonl" in card["data"]["spam"]
    classifier = load_classifier(artifact)
    (scores,) = classifier.score([CommentInput("hello there")])
    assert 0.0 <= scores.spam <= 1.0 and 0.0 <= scores.toxicity <= 1.0

"""Labeled-file loaders: CSV and JSON Lines, column options, label spellings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from training.datasets import (
    load_civil_comments,
    load_davidson,
    load_instagram,
    load_jigsaw,
    load_labeled_file,
    load_sms,
    load_stormfront,
    load_toxic_spans,
    load_youtube,
)


def test_csv_with_custom_columns(tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    path.write_text('body,is_spam,name\n"hello, world",0,Ann\nbuy pills,1,Pills Shop\n', encoding="utf-8")
    data = load_labeled_file(path, target="spam", text_col="body", label_col="is_spam", author_col="name")
    assert data.rows == [("hello, world", "Ann", ""), ("buy pills", "Pills Shop", "")]
    assert data.labels["spam"].tolist() == [0, 1]


def test_json_lines_with_word_labels(tmp_path: Path) -> None:
    path = tmp_path / "labels.jsonl"
    records = [
        {"comment": "great post", "label": "ham"},
        {"comment": "visit my site", "label": "spam"},
        {"comment": "maybe", "label": 0.7},
    ]
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n\n", encoding="utf-8")
    data = load_labeled_file(path, target="spam")
    assert [r[0] for r in data.rows] == ["great post", "visit my site", "maybe"]
    assert data.labels["spam"].tolist() == [0, 1, 1]


def test_missing_column_is_named(tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    path.write_text("text,label\nhi,0\n", encoding="utf-8")
    with pytest.raises(ValueError, match="'comment'"):
        load_labeled_file(path, target="spam")


def test_positive_values_option(tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    path.write_text("comment,label\na,toxic\nb,fine\n", encoding="utf-8")
    data = load_labeled_file(path, target="toxicity", positive_values=["toxic"])
    assert data.labels["toxicity"].tolist() == [1, 0]


def test_shipped_sets_load_with_groups() -> None:
    youtube = load_youtube()
    assert set(youtube.groups) == {"Psy", "KatyPerry", "LMFAO", "Eminem", "Shakira"}
    assert set(youtube.labels["spam"].tolist()) == {0, 1}
    jigsaw = load_jigsaw()
    assert {"kaggle_train", "kaggle_test_labeled"} == set(jigsaw.groups)
    assert {"toxicity", "severe_toxicity", "obscene", "threat", "insult", "identity_attack"} <= set(jigsaw.labels)
    davidson = load_davidson()
    assert set(davidson.groups) == {"hate", "offensive", "neither"}
    assert all(davidson.labels["toxicity"][davidson.groups == "neither"] == 0)


def test_the_later_sets_load_with_their_documented_counts() -> None:
    sms, instagram = load_sms(), load_instagram()
    assert (len(sms), int(sms.labels["spam"].sum())) == (5574, 747)
    assert (len(instagram), int(instagram.labels["spam"].sum())) == (3586, 1288)
    civil = load_civil_comments()
    assert (len(civil), int(civil.labels["toxicity"].sum())) == (3195, 794)
    assert (civil.labels["threat"][civil.groups == "labeled"] == -1).all()  # only the scored rows are rated
    stormfront = load_stormfront()
    assert (len(stormfront), int(stormfront.labels["toxicity"].sum())) == (10703, 1196)
    spans = load_toxic_spans()
    assert spans.labels["toxicity"].all() and len(spans) == len({text for text, _, _ in spans.rows})
    # Offsets point into the text: the first marked post's span reads as words.
    i = next(k for k, marked in enumerate(spans.extra["spans"]) if marked)
    assert spans.rows[i][0][spans.extra["spans"][i][0] : spans.extra["spans"][i][-1] + 1].strip()

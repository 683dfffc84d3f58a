"""Labeled comment sets: the shipped public data in ``training/data/`` and operator-supplied files.

Every loader returns a :class:`LabeledSet`: ``(text, author, url)`` rows, one 0/1 array per label
name, and a ``group`` per row (the YouTube video, the Jigsaw split...) so evaluations can hold
out whole groups.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

DATA_DIR = Path(__file__).parent / "data"
YOUTUBE_DIR = DATA_DIR / "youtube-spam-collection"
JIGSAW_FILE = DATA_DIR / "jigsaw-toxic-subset" / "jigsaw_toxic_comments_subset.csv"
DAVIDSON_FILE = DATA_DIR / "davidson-hate-offensive" / "labeled_data.csv"

# Jigsaw column -> the attribute name the service reports (Perspective's names).
JIGSAW_ATTRIBUTES: dict[str, str] = {
    "severe_toxic": "severe_toxicity",
    "obscene": "obscene",
    "threat": "threat",
    "insult": "insult",
    "identity_hate": "identity_attack",
}

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


@dataclass
class LabeledSet:
    """Rows of ``(text, author, url)`` with per-row labels and groups."""

    name: str
    rows: list[tuple[str, str, str]]
    labels: dict[str, np.ndarray]
    groups: np.ndarray
    extra: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.rows)

    def subset(self, mask: np.ndarray | Sequence[int], name: str | None = None) -> LabeledSet:
        """Rows selected by a boolean mask or index list."""
        index = np.flatnonzero(mask) if np.asarray(mask).dtype == bool else np.asarray(mask, dtype=int)
        return LabeledSet(
            name=name or self.name,
            rows=[self.rows[i] for i in index],
            labels={k: v[index] for k, v in self.labels.items()},
            groups=self.groups[index],
            extra={k: v[index] for k, v in self.extra.items()},
        )


def concat(sets: Iterable[LabeledSet], name: str, label_names: Sequence[str]) -> LabeledSet:
    """Stack sets; a label a set lacks is -1 (unknown) for its rows."""
    sets = list(sets)
    rows = [r for s in sets for r in s.rows]
    labels = {
        k: np.concatenate([s.labels.get(k, np.full(len(s), -1, dtype=np.int8)) for s in sets]).astype(np.int8)
        for k in label_names
    }
    groups = np.concatenate([s.groups for s in sets]) if sets else np.array([], dtype=object)
    return LabeledSet(name=name, rows=rows, labels=labels, groups=groups)


def _read_records(path: Path) -> Iterator[dict]:
    """Records of a CSV (header row) or JSON Lines file, chosen by extension (.jsonl/.ndjson = JSON Lines)."""
    if path.suffix.lower() in {".jsonl", ".ndjson", ".json"}:
        with path.open(encoding="utf-8") as f:
            for line_no, line in enumerate(f, 1):
                line = line.strip()
                if not line:
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{path}:{line_no}: not JSON: {exc}") from exc
                if isinstance(record, dict):
                    yield record
    else:
        with path.open(encoding="utf-8", newline="") as f:
            yield from csv.DictReader(f)


def _as_label(value: object, positive: set[str] | None) -> int:
    text = str(value).strip().lower()
    if positive is not None:
        return int(text in positive)
    if text in {"1", "true", "yes", "spam", "toxic", "1.0"}:
        return 1
    if text in {"0", "false", "no", "ham", "not_spam", "ok", "0.0", ""}:
        return 0
    try:
        return int(float(text) >= 0.5)
    except ValueError as exc:
        raise ValueError(f"label {value!r} is not 0/1, true/false, spam/ham or a probability") from exc


def load_labeled_file(
    path: str | Path,
    *,
    target: str,
    text_col: str = "comment",
    label_col: str = "label",
    author_col: str | None = "author",
    url_col: str | None = "url",
    positive_values: Sequence[str] | None = None,
) -> LabeledSet:
    """Load a labeled CSV or JSON Lines file as a one-target :class:`LabeledSet`.

    ``text_col`` and ``label_col`` name the columns (keys); ``author_col`` / ``url_col`` are used
    when present. Labels may be 0/1, true/false, spam/ham or probabilities (>= 0.5 is positive);
    ``positive_values`` lists the label values that count as positive instead.
    """
    path = Path(path)
    positive = {v.strip().lower() for v in positive_values} if positive_values else None
    rows, labels = [], []
    for i, record in enumerate(_read_records(path)):
        if text_col not in record:
            raise ValueError(f"{path}: row {i + 1} has no column {text_col!r} (columns: {sorted(record)})")
        if label_col not in record:
            raise ValueError(f"{path}: row {i + 1} has no column {label_col!r} (columns: {sorted(record)})")
        author = str(record.get(author_col) or "") if author_col else ""
        url = str(record.get(url_col) or "") if url_col else ""
        rows.append((str(record[text_col] or ""), author, url))
        labels.append(_as_label(record[label_col], positive))
    return LabeledSet(
        name=path.name,
        rows=rows,
        labels={target: np.asarray(labels, dtype=np.int8)},
        groups=np.full(len(rows), path.name, dtype=object),
    )


def load_youtube(directory: Path = YOUTUBE_DIR) -> LabeledSet:
    """YouTube Spam Collection: label ``spam``, group = video name (e.g. ``Psy``)."""
    rows, labels, groups = [], [], []
    for path in sorted(directory.glob("Youtube*.csv")):
        video = path.stem.split("-", 1)[-1]
        for record in _read_records(path):
            rows.append((record["CONTENT"], record["AUTHOR"], ""))
            labels.append(int(record["CLASS"]))
            groups.append(video)
    return LabeledSet("youtube", rows, {"spam": np.asarray(labels, dtype=np.int8)}, np.asarray(groups, dtype=object))


def load_jigsaw(path: Path = JIGSAW_FILE) -> LabeledSet:
    """Jigsaw subset: ``toxicity`` (= any_toxic) and the five attributes; group = source split.

    ``extra["natural_rate"]`` marks the uniform random 5,000 train rows (natural toxic rate).
    """
    rows, groups, natural = [], [], []
    labels: dict[str, list[int]] = {"toxicity": [], **{v: [] for v in JIGSAW_ATTRIBUTES.values()}}
    for record in _read_records(path):
        rows.append((record["comment_text"], "", ""))
        labels["toxicity"].append(int(record["any_toxic"]))
        for column, name in JIGSAW_ATTRIBUTES.items():
            labels[name].append(int(record[column]))
        groups.append(record["source_split"])
        natural.append(record["in_random_train_5k"] == "1")
    return LabeledSet(
        "jigsaw",
        rows,
        {k: np.asarray(v, dtype=np.int8) for k, v in labels.items()},
        np.asarray(groups, dtype=object),
        extra={"natural_rate": np.asarray(natural)},
    )


def load_davidson(path: Path = DAVIDSON_FILE) -> LabeledSet:
    """Davidson tweets: ``toxicity`` = hate (0) or offensive (1) vs neither (2); group = class name."""
    names = {"0": "hate", "1": "offensive", "2": "neither"}
    rows, labels, groups = [], [], []
    for record in _read_records(path):
        rows.append((record["tweet"], "", ""))
        labels.append(int(record["class"] != "2"))
        groups.append(names[record["class"]])
    return LabeledSet(
        "davidson", rows, {"toxicity": np.asarray(labels, dtype=np.int8)}, np.asarray(groups, dtype=object)
    )


SMS_FILE = DATA_DIR / "sms-spam-collection" / "SMSSpamCollection"
INSTAGRAM_FILE = DATA_DIR / "instagram-scam-comments" / "comments-rating.csv"
CIVIL_DIR = DATA_DIR / "civil-comments-samples"
TOXIC_SPANS_DIR = DATA_DIR / "toxic-spans-civil-comments"
STORMFRONT_FILE = DATA_DIR / "stormfront-hate" / "stormfront_sentences.csv"
# Civil Comments attribute column -> the service's attribute name (the scored file only).
CIVIL_ATTRIBUTES: dict[str, str] = {
    "severe_toxicity": "severe_toxicity",
    "obscene": "obscene",
    "threat": "threat",
    "insult": "insult",
    "identity_attack": "identity_attack",
}


def load_sms(path: Path = SMS_FILE) -> LabeledSet:
    """SMS Spam Collection: ``label<TAB>text`` lines; label ``spam``, group ``sms``."""
    rows, labels = [], []
    with path.open(encoding="utf-8", errors="replace") as f:
        for line in f:
            label, _, text = line.rstrip("\n").partition("\t")
            if label not in ("ham", "spam"):
                continue
            rows.append((text, "", ""))
            labels.append(int(label == "spam"))
    return LabeledSet("sms", rows, {"spam": np.asarray(labels, dtype=np.int8)}, np.full(len(rows), "sms", dtype=object))


def load_instagram(path: Path = INSTAGRAM_FILE) -> LabeledSet:
    """ScamSpot Instagram comments (lower-cased at the source): label ``spam`` = scam, group ``instagram``."""
    rows, labels = [], []
    for record in _read_records(path):
        rows.append((record["msg"], "", ""))
        labels.append(int(record["scam"]))
    return LabeledSet(
        "instagram", rows, {"spam": np.asarray(labels, dtype=np.int8)}, np.full(len(rows), "instagram", dtype=object)
    )


def load_civil_comments(directory: Path = CIVIL_DIR) -> LabeledSet:
    """Civil Comments samples: ``toxicity`` (crowd fraction >= 0.5); the scored rows also carry the
    five attributes (fraction >= 0.5), the labeled rows -1 (unknown) for them. Group: the file."""
    rows, groups = [], []
    labels: dict[str, list[int]] = {"toxicity": [], **{v: [] for v in CIVIL_ATTRIBUTES.values()}}
    for record in _read_records(directory / "civil_comments_scored_1000.csv"):
        rows.append((record["text"], "", ""))
        labels["toxicity"].append(int(float(record["toxicity"]) >= 0.5))
        for column, name in CIVIL_ATTRIBUTES.items():
            labels[name].append(int(float(record[column]) >= 0.5))
        groups.append("scored")
    for record in _read_records(directory / "civil_comments_labeled.csv"):
        rows.append((record["text"], "", ""))
        labels["toxicity"].append(int(record["toxic"]))
        for name in CIVIL_ATTRIBUTES.values():
            labels[name].append(-1)
        groups.append("labeled")
    return LabeledSet(
        "civil_comments",
        rows,
        {k: np.asarray(v, dtype=np.int8) for k, v in labels.items()},
        np.asarray(groups, dtype=object),
    )


def load_toxic_spans(directory: Path = TOXIC_SPANS_DIR) -> LabeledSet:
    """Toxic Spans (SemEval-2021 task 5): Civil Comments posts rated toxic, all positive for
    ``toxicity``; ``extra["spans"]`` holds each post's marked character offsets (a sorted list,
    empty when raters marked none). Group: the task's split."""
    rows, groups, spans = [], [], []
    seen: set[str] = set()
    for split in ("train", "trial", "test"):
        for record in _read_records(directory / f"tsd_{split}.csv"):
            text = record["text"]
            if text in seen:
                continue
            seen.add(text)
            rows.append((text, "", ""))
            spans.append(sorted(json.loads(record["spans"] or "[]")))
            groups.append(split)
    marked = np.empty(len(spans), dtype=object)
    marked[:] = spans
    return LabeledSet(
        "toxic_spans",
        rows,
        {"toxicity": np.ones(len(rows), dtype=np.int8)},
        np.asarray(groups, dtype=object),
        extra={"spans": marked},
    )


def load_stormfront(path: Path = STORMFRONT_FILE) -> LabeledSet:
    """Stormfront sentences: ``toxicity`` = ``hate``, 0 = ``noHate``; ``relation`` (hate only with
    its neighbours) and ``idk/skip`` rows are left out. Group: the subforum."""
    rows, labels, groups = [], [], []
    for record in _read_records(path):
        if record["label"] not in ("hate", "noHate"):
            continue
        rows.append((record["text"], "", ""))
        labels.append(int(record["label"] == "hate"))
        groups.append(record["subforum_id"])
    return LabeledSet(
        "stormfront", rows, {"toxicity": np.asarray(labels, dtype=np.int8)}, np.asarray(groups, dtype=object)
    )

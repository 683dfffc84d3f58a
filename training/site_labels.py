"""A site's own labels: moderator decisions and Akismet-style reports, read from the store.

Decisions map to labels as moderators mean them:

| decision / report | spam label | toxicity label |
|---|---|---|
| approve | 0 | 0 |
| not_spam, Akismet ham | 0 | — |
| spam, Akismet spam | 1 | — |
| reject with reason `toxic` | — | 1 |
| reject for another reason | — | — |

The text is the comment as it was scored: the encrypted original when masking changed it (and the
service's key is at hand), else the stored text.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import numpy as np

from training.datasets import LabeledSet

# What privacy erasure leaves in place of a removed text: no longer a label of anything.
REMOVED_CONTENT = "[comment removed at the author's request]"


@dataclass(frozen=True)
class SiteLabel:
    at: str
    text: str
    author: str
    url: str
    spam: int | None
    toxicity: int | None
    source: str


def label_of(decision: str, reason: str | None) -> tuple[int | None, int | None]:
    """(spam, toxicity) labels of one decision or report; None where it says nothing."""
    if decision == "approve":
        return 0, 0
    if decision in ("not_spam", "ham"):
        return 0, None
    if decision == "spam":
        return 1, None
    if decision == "reject" and (reason or "").lower() == "toxic":
        return None, 1
    return None, None


def read_site_labels(db: str, decrypt: Any = None, site_id: int | None = None) -> list[SiteLabel]:
    """Every usable label in the store at `db`, oldest first. `decrypt(token) -> str | None`."""
    from service.store import open_store

    async def read() -> list[dict[str, Any]]:
        store = await open_store(db)
        try:
            return await store.training_labels(site_id)
        finally:
            await store.close()

    labels = []
    for row in asyncio.run(read()):
        spam, toxicity = label_of(row["decision"], row["reason"])
        text = row["content"]
        if row["content_enc"] is not None and decrypt is not None:
            text = decrypt(row["content_enc"]) or text
        if (spam is None and toxicity is None) or not text or text == REMOVED_CONTENT:
            continue
        labels.append(SiteLabel(row["at"], text, row["author"] or "", row["url"] or "", spam, toxicity, row["source"]))
    return labels


def split_by_time(labels: list[SiteLabel], holdout_fraction: float) -> tuple[list[SiteLabel], list[SiteLabel]]:
    """(older labels to train on, the most recent ones held back to judge models by)."""
    ordered = sorted(labels, key=lambda label: label.at)
    cut = len(ordered) - int(round(len(ordered) * holdout_fraction))
    return ordered[:cut], ordered[cut:]


def as_sets(labels: list[SiteLabel], weight: float, name: str = "site") -> list[LabeledSet]:
    """One LabeledSet per head that has labels, each row weighted `weight` (the site's own voice)."""
    sets = []
    for head in ("spam", "toxicity"):
        rows = [label for label in labels if getattr(label, head) is not None]
        if not rows:
            continue
        sets.append(
            LabeledSet(
                name=f"{name}_{head}",
                rows=[(label.text, label.author, label.url) for label in rows],
                labels={head: np.array([getattr(label, head) for label in rows], dtype=np.int8)},
                groups=np.array([f"{name}-{i % 5}" for i in range(len(rows))], dtype=object),
                extra={"weight": np.full(len(rows), weight, dtype=float)},
            )
        )
    return sets

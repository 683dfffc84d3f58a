"""The automatic verdict on a comment, from its scores and rule hits: approved, pending or spam.

A verdict is the service's own call; a moderator's later call on the same comment is a decision
(`service/moderation/decisions.py`).

Each score has two thresholds: below `approve_below` it is clear, above `refuse_above` it is
refused (status `spam`, the contract's refused state; the reason says which score), and in between
a person decides. A `refuse_above` of 1.0 never refuses. A rule can only make the outcome
stricter, never publish what a score holds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from service.intake.rules import RuleHit
from service.sites.settings import Thresholds

APPROVED, PENDING, SPAM = "approved", "pending", "spam"
# How many model signals to name in `reasons` when a comment is held or refused.
MAX_SIGNALS = 3


@dataclass(frozen=True)
class Verdict:
    status: str
    reasons: tuple[str, ...]


def reach_verdict(
    spam: float,
    toxicity: float,
    spam_thresholds: Thresholds,
    toxicity_thresholds: Thresholds,
    rule_hits: list[RuleHit],
    signals: Sequence[str] | Callable[[], Sequence[str]] = (),
    trusted: bool = False,
) -> Verdict:
    """`trusted`: the author has earlier approved comments, so a spam score in the middle band alone
    does not hold them (a toxicity score, a rule hit or a refusing score still does).

    `signals` may be a function giving them: the model's explanation costs about as much as its
    scores, and is only asked for when the comment is held or refused.
    """
    reasons: list[str] = []
    refused = held = False
    for name, score, limits in (
        ("spam_score", spam, spam_thresholds),
        ("toxicity_score", toxicity, toxicity_thresholds),
    ):
        if score > limits.refuse_above:
            refused = True
            reasons.append(name)
        elif score >= limits.approve_below:
            held = True
            reasons.append(name)
    for hit in rule_hits:
        reasons.append(hit.reason)
        refused |= hit.action == "spam"
        held |= hit.action == "hold"
    # Trust means "not a spammer", not "may be rude": only a spam-score hold is waived.
    if held and trusted and not refused and reasons == ["spam_score"]:
        return Verdict(status=APPROVED, reasons=("trusted_author",))
    status = SPAM if refused else PENDING if held else APPROVED
    if status != APPROVED:
        # Moderators see why: the model's strongest signals follow the rule and score reasons.
        named = signals() if callable(signals) else signals
        reasons.extend(s for s in named[:MAX_SIGNALS] if s not in reasons)
    return Verdict(status=status, reasons=tuple(reasons))

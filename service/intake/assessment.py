"""Assessing a comment: privacy → rules → traps → score → verdict, shared by /comments, /score and
Akismet's comment-check. Every reason a comment is held or refused is produced under `service/intake/`,
and this is where they come together.
"""

from __future__ import annotations

from dataclasses import dataclass

from service.intake.form_token import FormTokens, form_trap_hits
from service.intake.rules import RuleHit, apply_rules, is_trusted
from service.intake.validation import CommentDraft
from service.intake.verdict import Verdict, reach_verdict
from service.privacy.contacts import MaskedText, mask_contacts
from service.scoring.scorer import Scorer, ScoringOutcome
from service.sites.settings import Site
from service.store import Store

# A user agent is kept (for its retention period) only this long: enough to recognise a client.
MAX_USER_AGENT_CHARS = 512


@dataclass(frozen=True)
class Sender:
    """Who sent a comment: the email's keyed hash, the client's IP address and user agent."""

    email_hash: str | None
    ip: str | None
    user_agent: str | None


@dataclass(frozen=True)
class Assessment:
    draft: CommentDraft
    sender: Sender
    masked: MaskedText
    scored: ScoringOutcome
    verdict: Verdict


async def assess(
    store: Store,
    scorer: Scorer,
    form_tokens: FormTokens,
    site: Site,
    draft: CommentDraft,
    fields: dict[str, str],
    sender: Sender,
    masked: MaskedText | None = None,
) -> Assessment:
    """The verdict on one comment and every reason for it.

    `masked` is `mask_contacts(draft.content)` when the caller already has it (it is not cheap).
    """
    masked = masked or mask_contacts(draft.content)
    history = await store.author_history(site.id, sender.email_hash)
    hits = apply_rules(draft, masked, site.settings, history, sender.ip, sender.user_agent)
    if site.settings.honeypot:
        hits += form_trap_hits(fields, form_tokens, site.id, site.settings.min_submit_seconds)
    # The model sees the text as typed: contact details are themselves a spam signal.
    scored = await scorer.score_soon(draft.content, draft.author, draft.url)
    if scored.scores is None:
        hits.append(RuleHit("classifier_unavailable", "hold"))
        verdict = reach_verdict(0.0, 0.0, *scorer.thresholds_for(site.settings), hits)
    else:
        scores = scored.scores
        verdict = reach_verdict(
            scores.spam,
            scores.toxicity,
            *scorer.thresholds_for(site.settings),
            hits,
            lambda: scores.signals,  # explained only if held or refused (see reach_verdict)
            trusted=is_trusted(history, site.settings),
        )
    return Assessment(draft, sender, masked, scored, verdict)

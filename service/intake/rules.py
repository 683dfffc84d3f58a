"""Site rules that hold or refuse a comment whatever the model says, each with a readable reason."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from service.intake.links import count_links
from service.intake.validation import CommentDraft
from service.privacy.contacts import MaskedText
from service.sites.settings import SiteSettings
from service.store.records import AuthorHistory


@dataclass(frozen=True)
class RuleHit:
    reason: str
    action: Literal["hold", "spam"]


def matched_key(keys: tuple[str, ...], haystacks: list[str]) -> str | None:
    """The first key found inside any of the fields, case-insensitively, as WordPress matches them."""
    lowered = [h.lower() for h in haystacks if h]
    for key in keys:
        needle = key.strip().lower()
        if needle and any(needle in h for h in lowered):
            return needle
    return None


def is_trusted(history: AuthorHistory, settings: SiteSettings) -> bool:
    """An author whose earlier comments were approved, with none refused, may skip the queue."""
    return settings.previously_approved_skips_queue and history.approved > 0 and not history.spam and not history.banned


def apply_rules(
    draft: CommentDraft,
    masked: MaskedText,
    settings: SiteSettings,
    history: AuthorHistory | None = None,
    ip: str | None = None,
    user_agent: str | None = None,
) -> list[RuleHit]:
    """Every site rule that fires, in the order a moderator reads them."""
    hits: list[RuleHit] = []
    history = history or AuthorHistory()
    fields = [draft.author, draft.email, draft.url, draft.content, ip or "", user_agent or ""]
    # The reason names the rule, not the key: the key list is the site's own business.
    if matched_key(settings.disallowed_keys, fields):
        hits.append(RuleHit("disallowed_key", "spam"))
    if matched_key(settings.moderation_keys, fields):
        hits.append(RuleHit("moderation_key", "hold"))
    if history.banned:
        hits.append(RuleHit("banned_author", "spam"))
    if settings.hold_first_comment and not history.approved:
        hits.append(RuleHit("first_comment", "hold"))
    max_links = settings.comment_max_links
    if max_links > 0 and count_links(draft.content) >= max_links:
        # WordPress semantics: "hold a comment if it contains N or more links".
        hits.append(RuleHit(f"links>={max_links}", "hold"))
    if settings.hold_contact_details:
        if masked.emails:
            hits.append(RuleHit("email_in_text", "hold"))
        if masked.phones:
            hits.append(RuleHit("phone_in_text", "hold"))
    return hits

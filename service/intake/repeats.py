"""WordPress's duplicate check (409) and flood rule (429 with Retry-After): a comment said again, or
said too soon after the sender's last one. `/score` and Akismet's comment-check skip both."""

from __future__ import annotations

from dataclasses import dataclass

from service.intake.flood import FloodGuard
from service.intake.validation import CommentDraft
from service.sites.settings import Site
from service.store import Store


@dataclass(frozen=True)
class Refusal:
    status: int
    message: str  # about the `comment` field
    retry_after: int | None = None


async def refuse_repeat(
    store: Store,
    flood: FloodGuard,
    site: Site,
    draft: CommentDraft,
    email_hash: str | None,
    ip: str | None,
    masked_text: str,
) -> Refusal | None:
    """The refusal for a duplicate or a flood, or None when the comment may go on."""
    if site.settings.reject_duplicates:
        # Stored text is masked: compare like with like.
        if await store.find_duplicate(site.id, draft.post_id, draft.author, email_hash, masked_text):
            return Refusal(409, "is a duplicate: it looks as though you've already said that")
    wait = flood.retry_after(
        site.id, [f"ip:{ip}" if ip else "", f"email:{email_hash}" if email_hash else ""], site.settings.flood_seconds
    )
    if wait:
        return Refusal(429, f"you are posting too quickly; wait {wait} s", retry_after=wait)
    return None

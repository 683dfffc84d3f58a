"""Akismet's wire format, so an existing Akismet client works by changing only the host.

`api_key` is one of our site keys. comment-check runs the same privacy → rules → score → decide
path as `/comments` (no flood or duplicate rule, nothing stored) and answers `true` for spam,
with `X-akismet-pro-tip: discard` when the spam is blatant; submit-spam and submit-ham store the
report as a training label.
"""

from __future__ import annotations

import uuid

from email_validator import EmailNotValidError, validate_email
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from service.intake.assessment import MAX_USER_AGENT_CHARS, Sender, assess
from service.intake.submission import SubmissionError, parse_submission
from service.intake.validation import MAX_AUTHOR_CHARS, MAX_COMMENT_BYTES, CommentDraft, lenient_context
from service.intake.verdict import SPAM
from service.privacy.contacts import mask_contacts
from service.runtime.clock import utc_now
from service.sites.settings import Site
from service.store.records import AkismetReport
from service.views.common import services

SUBMISSION_THANKS = "Thanks for making the web a better place."
# Reasons that make a refusal blatant enough for Akismet's "discard" (never even show it as spam).
BLATANT = {"spam_score", "disallowed_key", "honeypot", "too_fast", "banned_author"}


def _invalid(message: str) -> Response:
    return PlainTextResponse("invalid", headers={"X-akismet-debug-help": message})


async def _form(request: Request) -> dict[str, str] | Response:
    """Akismet clients post form-urlencoded fields; a body we cannot read gets Akismet's kind of answer."""
    try:
        return (await parse_submission(request, services(request).settings.max_body_bytes)).fields
    except SubmissionError as exc:
        return PlainTextResponse(
            "invalid", status_code=exc.status, headers={"X-akismet-debug-help": "; ".join(exc.errors.values())}
        )


async def _site(request: Request, fields: dict[str, str], key_field: str) -> Site | None:
    key = fields.get(key_field) or fields.get("key") or fields.get("api_key") or ""
    return await services(request).store.site_by_key(key) if key else None


def _draft(fields: dict[str, str]) -> CommentDraft:
    """Akismet fields as a comment; Akismet validates nothing, so neither do we beyond sizes."""
    email = fields.get("comment_author_email", "").strip()
    try:
        email = validate_email(email, check_deliverability=False).normalized if email else ""
    except EmailNotValidError:
        email = ""  # a malformed address is not a person's address to keep
    content = fields.get("comment_content", "").encode()[:MAX_COMMENT_BYTES].decode(errors="ignore")
    url = fields.get("comment_author_url", "").strip()
    return CommentDraft(
        post_id="akismet",
        content=content,
        author=fields.get("comment_author", "").strip()[:MAX_AUTHOR_CHARS],
        email=email,
        url=url if url.startswith(("http://", "https://")) else "",
        parent_id=None,
        cookies_consent=False,
        context=lenient_context(fields),
    )


async def verify_key(request: Request) -> Response:
    fields = await _form(request)
    if isinstance(fields, Response):
        return fields
    site = await _site(request, fields, "key")
    if site is None:
        return _invalid("The key you supplied is not a site key of this service.")
    return PlainTextResponse("valid")


async def comment_check(request: Request) -> Response:
    fields = await _form(request)
    if isinstance(fields, Response):
        return fields
    site = await _site(request, fields, "api_key")
    if site is None:
        return _invalid("Empty or unknown api_key: use a site key of this service.")
    svc = services(request)
    draft = _draft(fields)
    sender = Sender(
        email_hash=svc.vault.lookup_hash(draft.email) if draft.email else None,
        ip=fields.get("user_ip") or None,
        user_agent=(fields.get("user_agent") or "")[:MAX_USER_AGENT_CHARS] or None,
    )
    result = await assess(svc.store, svc.scorer, svc.form_tokens, site, draft, fields, sender)
    headers = {"X-akismet-guid": uuid.uuid4().hex, "X-Moderation-Status": result.verdict.status}
    if result.verdict.status != SPAM:
        return PlainTextResponse("false", headers=headers)
    if BLATANT & set(result.verdict.reasons):
        headers["X-akismet-pro-tip"] = "discard"
    return PlainTextResponse("true", headers=headers)


async def _report(request: Request, label: str) -> Response:
    fields = await _form(request)
    if isinstance(fields, Response):
        return fields
    site = await _site(request, fields, "api_key")
    if site is None:
        return _invalid("Empty or unknown api_key: use a site key of this service.")
    svc = services(request)
    draft = _draft(fields)
    masked = mask_contacts(draft.content)
    await svc.store.add_akismet_report(
        AkismetReport(
            site_id=site.id,
            label=label,
            author=draft.author,
            email_hash=svc.vault.lookup_hash(draft.email) if draft.email else None,
            url=draft.url,
            content=masked.text,
            content_enc=svc.vault.encrypt_text(draft.content) if masked.changed else None,
            comment_type=fields.get("comment_type", "")[:40],
            created_at=utc_now(),
        )
    )
    return PlainTextResponse(SUBMISSION_THANKS)


async def submit_spam(request: Request) -> Response:
    return await _report(request, "spam")


async def submit_ham(request: Request) -> Response:
    return await _report(request, "ham")

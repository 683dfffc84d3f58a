"""`POST /comments` and `POST /score`: a comment's path, read top to bottom.

parse → validate → privacy → rules → score → decide → store → answer. Each step lives in its own
module; these handlers only string them together.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from service.http.client_ip import client_ip
from service.http.metrics import record_decision
from service.intake.form_token import form_trap_hits
from service.intake.rules import RuleHit, apply_rules, is_trusted
from service.intake.submission import SubmissionError, parse_submission
from service.intake.validation import CommentDraft, validate_fields
from service.intake.verdict import APPROVED, Decision, decide
from service.privacy.email_vault import MaskedText, mask_contacts
from service.scoring.scorer import Scored
from service.sites.settings import Site
from service.store import NewComment
from service.store.sqlite import utc_now
from service.views.common import JSONAnswer, error_response, prefers_html, resolve_site, services

if TYPE_CHECKING:
    from service.app import Services

MAX_USER_AGENT_CHARS = 512
COOKIE_MAX_AGE = 365 * 24 * 3600


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
    scored: Scored
    decision: Decision


async def _read_and_check(
    request: Request, svc: Services, html: bool
) -> tuple[Site, CommentDraft, dict[str, str]] | Response:
    """parse → validate (fields, then the parent comment): a draft, or the error answer."""
    try:
        raw = await parse_submission(request, svc.settings.max_body_bytes)
    except SubmissionError as exc:
        return error_response(request, exc.status, exc.errors, html)
    site = await resolve_site(request, raw.fields)
    if site is None:
        return error_response(request, 403, {"site_key": "is not a known site key"}, html)
    draft, errors = validate_fields(raw.fields, site.settings)
    if draft is not None and draft.parent_id is not None:
        parent = await svc.store.get_comment(draft.parent_id)
        if parent is None or parent.site_id != site.id or parent.post_id != draft.post_id or parent.status != APPROVED:
            errors["comment_parent"] = "must be an approved comment on the same post"
    if errors or draft is None:
        return error_response(request, 422, errors, html)
    return site, draft, raw.fields


def sender_of(request: Request, draft: CommentDraft, svc: Services) -> Sender:
    """The commenter behind a direct post: client IP (trusted proxies aside) and user agent."""
    return Sender(
        email_hash=svc.vault.lookup_hash(draft.email) if draft.email else None,
        ip=client_ip(request, svc.trusted_proxies),
        user_agent=request.headers.get("user-agent", "")[:MAX_USER_AGENT_CHARS] or None,
    )


async def assess(
    svc: Services,
    site: Site,
    draft: CommentDraft,
    fields: dict[str, str],
    sender: Sender,
    masked: MaskedText | None = None,
) -> Assessment:
    """privacy → rules → score → decide, shared by /comments, /score and Akismet's comment-check.

    `masked` is `mask_contacts(draft.content)` when the caller already has it (it is not cheap).
    """
    masked = masked or mask_contacts(draft.content)
    history = await svc.store.author_history(site.id, sender.email_hash)
    hits = apply_rules(draft, masked, site.settings, history, sender.ip, sender.user_agent)
    if site.settings.honeypot:
        hits += form_trap_hits(fields, svc.form_tokens, site.id, site.settings.min_submit_seconds)
    # The model sees the text as typed: contact details are themselves a spam signal.
    scored = await svc.scorer.score_soon(draft.content, draft.author, draft.url)
    if scored.scores is None:
        hits.append(RuleHit("classifier_unavailable", "hold"))
        decision = decide(0.0, 0.0, *svc.scorer.thresholds_for(site.settings), hits)
    else:
        scores = scored.scores
        decision = decide(
            scores.spam,
            scores.toxicity,
            *svc.scorer.thresholds_for(site.settings),
            hits,
            lambda: scores.signals,  # explained only if held or refused (see decide)
            trusted=is_trusted(history, site.settings),
        )
    return Assessment(draft, sender, masked, scored, decision)


async def _duplicate_or_flood(
    request: Request, svc: Services, html: bool, site: Site, draft: CommentDraft, sender: Sender, masked: MaskedText
) -> Response | None:
    """WordPress's duplicate (409) and flood (429 with Retry-After) checks; /score skips both."""
    email_hash, ip = sender.email_hash, sender.ip
    if site.settings.reject_duplicates:
        # Stored text is masked: compare like with like.
        if await svc.store.find_duplicate(site.id, draft.post_id, draft.author, email_hash, masked.text):
            return error_response(
                request, 409, {"comment": "is a duplicate: it looks as though you've already said that"}, html
            )
    wait = svc.flood.retry_after(
        site.id, [f"ip:{ip}" if ip else "", f"email:{email_hash}" if email_hash else ""], site.settings.flood_seconds
    )
    if wait:
        response = error_response(request, 429, {"comment": f"you are posting too quickly; wait {wait} s"}, html)
        response.headers["Retry-After"] = str(wait)
        return response
    return None


def _scores_json(scored: Scored) -> dict[str, float | None]:
    if scored.scores is None:
        return {"spam": None, "toxicity": None}
    out = {"spam": round(scored.scores.spam, 4), "toxicity": round(scored.scores.toxicity, 4)}
    out.update({name: round(value, 4) for name, value in scored.scores.attributes.items()})
    return out


async def submit_comment(request: Request) -> Response:
    svc = services(request)
    html = prefers_html(request)
    checked = await _read_and_check(request, svc, html)
    if isinstance(checked, Response):
        return checked
    site, draft, fields = checked
    sender = sender_of(request, draft, svc)
    masked = mask_contacts(draft.content)
    refused = await _duplicate_or_flood(request, svc, html, site, draft, sender, masked)
    if refused is not None:
        return refused
    result = await assess(svc, site, draft, fields, sender, masked)
    vault = svc.vault
    scores = _scores_json(result.scored)
    comment_id = await svc.store.insert_comment(
        NewComment(
            site_id=site.id,
            post_id=draft.post_id,
            parent_id=draft.parent_id,
            author=draft.author,
            email_enc=vault.encrypt(draft.email) if draft.email else None,
            email_hash=result.sender.email_hash,
            avatar_hash=vault.avatar_hash(draft.email) if draft.email else None,
            url=draft.url,
            content=result.masked.text,
            content_enc=vault.encrypt_text(draft.content) if result.masked.changed else None,
            status=result.decision.status,
            spam_score=scores["spam"],
            toxicity_score=scores["toxicity"],
            scores_json=json.dumps(scores),
            reasons_json=json.dumps(result.decision.reasons),
            model_version=result.scored.model_version,
            ip=result.sender.ip,
            user_agent=result.sender.user_agent,
            created_at=utc_now(),
        )
    )
    record_decision(result.decision.status)
    if html:
        return _browser_answer(site, draft, comment_id, result.decision.status)
    return JSONAnswer(
        {
            "id": comment_id,
            "post_id": draft.post_id,
            "status": result.decision.status,
            "scores": scores,
            "reasons": list(result.decision.reasons),
            "model_version": result.scored.model_version,
        },
        status_code=201,
    )


def _browser_answer(site: Site, draft: CommentDraft, comment_id: int, status: str) -> Response:
    """A plain form post goes back to the article, or to a page saying the comment awaits moderation."""
    if status == APPROVED:
        target = f"{site.article_url(draft.post_id)}#comment-{comment_id}"
    else:
        target = "/awaiting-moderation?" + urlencode({"site": site.id, "post": draft.post_id})
    response = RedirectResponse(target, status_code=303)
    if draft.cookies_consent:
        # WordPress's "Save my name, email, and website": we remember name and website only, since
        # the email must never travel back in an answer.
        response.set_cookie("comment_author", quote(draft.author), max_age=COOKIE_MAX_AGE, samesite="lax")
        response.set_cookie("comment_author_url", quote(draft.url), max_age=COOKIE_MAX_AGE, samesite="lax")
    return response


async def score_comment(request: Request) -> Response:
    """Scores as /comments would decide, storing nothing and triggering no flood or duplicate rule."""
    svc = services(request)
    checked = await _read_and_check(request, svc, prefers_html(request))
    if isinstance(checked, Response):
        return checked
    site, draft, fields = checked
    result = await assess(svc, site, draft, fields, sender_of(request, draft, svc))
    return JSONAnswer(
        {
            "status": result.decision.status,
            "scores": _scores_json(result.scored),
            "reasons": list(result.decision.reasons),
            "model_version": result.scored.model_version,
        }
    )

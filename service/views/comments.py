"""`POST /comments` and `POST /score`: a comment's path, read top to bottom.

parse → validate → privacy → rules → score → decide → store → answer. Each step lives in its own
module; these handlers only string them together.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from service.http.client_ip import client_ip
from service.http.metrics import record_decision
from service.intake.assessment import MAX_USER_AGENT_CHARS, Sender, assess
from service.intake.repeats import refuse_repeat
from service.intake.submission import SubmissionError, parse_submission
from service.intake.validation import CommentDraft, validate_fields
from service.intake.verdict import APPROVED
from service.privacy.contacts import MaskedText, mask_contacts
from service.runtime.clock import utc_now
from service.scoring.scorer import ScoringOutcome
from service.sites.settings import Site
from service.store import NewComment
from service.views.common import JSONAnswer, error_response, prefers_html, resolve_site, services

if TYPE_CHECKING:
    from service.services import Services

COOKIE_MAX_AGE = 365 * 24 * 3600


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


async def _repeat_answer(
    request: Request, svc: Services, html: bool, site: Site, draft: CommentDraft, sender: Sender, masked: MaskedText
) -> Response | None:
    refusal = await refuse_repeat(svc.store, svc.flood, site, draft, sender.email_hash, sender.ip, masked.text)
    if refusal is None:
        return None
    response = error_response(request, refusal.status, {"comment": refusal.message}, html)
    if refusal.retry_after:
        response.headers["Retry-After"] = str(refusal.retry_after)
    return response


def _scores_json(scored: ScoringOutcome) -> dict[str, float | None]:
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
    refused = await _repeat_answer(request, svc, html, site, draft, sender, masked)
    if refused is not None:
        return refused
    result = await assess(svc.store, svc.scorer, svc.form_tokens, site, draft, fields, sender, masked)
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
            status=result.verdict.status,
            spam_score=scores["spam"],
            toxicity_score=scores["toxicity"],
            scores_json=json.dumps(scores),
            reasons_json=json.dumps(result.verdict.reasons),
            model_version=result.scored.model_version,
            ip=result.sender.ip,
            user_agent=result.sender.user_agent,
            created_at=utc_now(),
        )
    )
    record_decision(result.verdict.status)
    if html:
        return _browser_answer(site, draft, comment_id, result.verdict.status)
    return JSONAnswer(
        {
            "id": comment_id,
            "post_id": draft.post_id,
            "status": result.verdict.status,
            "scores": scores,
            "reasons": list(result.verdict.reasons),
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
    result = await assess(svc.store, svc.scorer, svc.form_tokens, site, draft, fields, sender_of(request, draft, svc))
    return JSONAnswer(
        {
            "status": result.verdict.status,
            "scores": _scores_json(result.scored),
            "reasons": list(result.verdict.reasons),
            "model_version": result.scored.model_version,
        }
    )

"""The moderators' web page at `/moderation/`: sign in with a token, then work the queue.

Server-rendered and usable without JavaScript: every action is a plain form post answered with
`303 See Other` back to the queue (post/redirect/get), so a reload never repeats a decision.
`static/moderation.js` only adds keyboard shortcuts that press the same buttons.

Sign-in trades a token for a signed session cookie (Secure, HttpOnly, SameSite=Strict, path
`/moderation`). Every form carries a CSRF token: bound to the session for the queue's forms, and
to a short-lived double-submit cookie for the sign-in form (so nobody can sign a moderator in as
someone else).
"""

from __future__ import annotations

import re
import secrets
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from service.http.numbers import whole_number
from service.moderation.decisions import (
    CONFLICT,
    DECISIONS,
    DONE,
    NOT_FOUND,
    REJECT,
    REJECT_REASONS,
    DecisionRequest,
)
from service.moderation.queue_query import ORDERS, STATUSES
from service.moderation.sessions import SESSION_COOKIE, SESSION_SECONDS, Sessions
from service.moderation.tokens import Moderator, moderator_for_token
from service.views.access import guesser_ip, guesses, moderator_for_session
from service.views.common import services
from service.views.moderation_api import histories_for, item_json, next_cursor, read_queue

PAGE_PATH = "/moderation/"
COOKIE_PATH = "/moderation"
SIGN_IN_COOKIE = "moderation_sign_in"
WEB = "web"
# Query parameters of the queue page that survive an action (everything else is dropped, so the
# redirect after a post can only go back to the queue).
KEPT_PARAMS = ("status", "site", "post", "reason", "order", "cursor", "limit")
# A moderator's page holds emails (masked or revealed) and CSRF tokens: no cache keeps it. The
# Content-Security-Policy and the other browser headers are the edge's, on every page
# (service/http/security_headers.py).
PAGE_HEADERS = {"Cache-Control": "no-store"}


def highlight(content: str, reasons: list[str]) -> list[tuple[str, bool]]:
    """The comment split into (text, highlighted) runs: the words the model named (`token:...`
    reasons), the links when a link rule fired, and masked contact details. The template escapes
    every run; only the `<mark>` around highlighted runs is markup."""
    patterns = [
        r"\s+".join(re.escape(word) for word in r.split(":", 1)[1].split())
        for r in reasons
        if r.startswith("token:") and r.split(":", 1)[1].strip()
    ]
    if any(r.startswith("links") for r in reasons):
        patterns.append(r"(?:https?://|www\.)[^\s<>\"]+")
    if any(r in ("email_in_text", "phone_in_text") for r in reasons):
        patterns += [re.escape("[email hidden]"), re.escape("[phone hidden]")]
    if not patterns:
        return [(content, False)]
    found = re.compile(r"(?<!\w)(?:" + "|".join(sorted(patterns, key=len, reverse=True)) + r")(?!\w)", re.I)
    runs: list[tuple[str, bool]] = []
    start = 0
    for match in found.finditer(content):
        if match.start() > start:
            runs.append((content[start : match.start()], False))
        runs.append((match.group(0), True))
        start = match.end()
    if start < len(content):
        runs.append((content[start:], False))
    return runs


def _sessions(request: Request) -> Sessions:
    return request.app.state.sessions


def _render(request: Request, template: str, context: dict[str, Any], status: int = 200) -> Response:
    response = services(request).templates.TemplateResponse(
        request, f"moderation/{template}", context, status_code=status
    )
    response.headers.update(PAGE_HEADERS)
    return response


def _cookie(response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(name, value, max_age=max_age, path=COOKIE_PATH, secure=True, httponly=True, samesite="strict")


def _sign_in_page(request: Request, error: str = "", status: int = 200) -> Response:
    nonce = secrets.token_urlsafe(16)
    response = _render(
        request,
        "sign_in.html",
        {"csrf": _sessions(request).csrf_token("sign-in:" + nonce), "error": error},
        status,
    )
    _cookie(response, SIGN_IN_COOKIE, nonce, 3600)
    return response


def _back_query(raw: str) -> str:
    """The queue's own filters from a submitted query string, and nothing else."""
    pairs = [(k, v) for k, v in parse_qsl(raw.lstrip("?")) if k in KEPT_PARAMS]
    return urlencode(pairs)


def _to_queue(back: str, **notes: str | int) -> RedirectResponse:
    query = "&".join(part for part in (back, urlencode({k: v for k, v in notes.items() if v != ""})) if part)
    return RedirectResponse(PAGE_PATH + ("?" + query if query else ""), status_code=303)


async def queue_page(request: Request) -> Response:
    """`GET /moderation/`: the sign-in form, or the queue for a signed-in moderator."""
    moderator = await moderator_for_session(request, _sessions(request))
    if moderator is None:
        return _sign_in_page(request)
    svc = services(request)
    query, errors = await read_queue(svc, request.query_params)
    items = [] if errors else await svc.store.queue_items(query)
    histories = await histories_for(svc, items)
    views = [item_json(svc, i, histories.get((i.site_id, i.email_hash or ""))) for i in items]
    at = request.query_params.get("at", "0")
    cursor = next_cursor(query.order, items[-1] if items else None, len(items), query.limit)
    kept = _back_query(str(request.url.query))
    next_query = _back_query(urlencode({**dict(parse_qsl(kept)), "cursor": cursor})) if cursor else ""
    return _render(
        request,
        "queue.html",
        {
            "moderator": moderator,
            "csrf": _sessions(request).csrf_token(request.cookies.get(SESSION_COOKIE, "")),
            "items": views,
            "query": query,
            "errors": errors,
            "waiting": await svc.store.count_queue(query.filter) if not errors else 0,
            "status_counts": await svc.store.status_counts(query.filter.site),
            "sites": await svc.store.list_sites(),
            "statuses": STATUSES,
            "orders": list(ORDERS),
            "reasons": REJECT_REASONS,
            "back": kept,
            "next_query": next_query,
            "at": whole_number(at) or 0,
            "notice": _notice(request.query_params),
            "highlight": highlight,
        },
    )


def _notice(params: Any) -> dict[str, Any] | None:
    """What the last action did, from fixed codes only (never free text from the URL)."""
    done, action = params.get("done", ""), params.get("action", "")
    if whole_number(done) is None and not params.get("problem"):
        return None
    return {
        "done": whole_number(done) or 0,
        "action": action if action in (*DECISIONS, "ban", "unban") else "",
        "conflicts": whole_number(params.get("conflicts", "0")) or 0,
        "missing": whole_number(params.get("missing", "0")) or 0,
        "problem": params.get("problem") if params.get("problem") in ("reason", "nothing", "no_email", "csrf") else "",
    }


async def sign_in(request: Request) -> Response:
    """`POST /moderation/sign-in` with `token` and `csrf`: sets the session cookie."""
    form = await request.form()
    nonce = request.cookies.get(SIGN_IN_COOKIE, "")
    if not _sessions(request).csrf_ok("sign-in:" + nonce if nonce else "", str(form.get("csrf", ""))):
        return _sign_in_page(request, "The sign-in form expired. Please try again.", 403)
    limit, ip = guesses(request), guesser_ip(request)
    if (retry_after := limit.retry_after(ip)) is not None:
        response = _sign_in_page(request, f"Too many failed sign-ins. Please wait {retry_after} seconds.", 429)
        response.headers["Retry-After"] = str(retry_after)
        return response
    moderator = await moderator_for_token(services(request).store, str(form.get("token", "")).strip())
    if moderator is None:
        limit.failed(ip)
        return _sign_in_page(request, "That token is unknown or revoked.", 401)
    await services(request).store.record_audit(moderator.name, "sign_in", None, {"via": WEB})
    response = RedirectResponse(PAGE_PATH, status_code=303)
    _cookie(response, SESSION_COOKIE, _sessions(request).issue(moderator.token_id), SESSION_SECONDS)
    response.delete_cookie(SIGN_IN_COOKIE, path=COOKIE_PATH)
    return response


async def _signed_in_form(request: Request) -> tuple[Moderator, FormData] | Response:
    """The moderator and their form, if the session is valid and the CSRF token matches."""
    moderator = await moderator_for_session(request, _sessions(request))
    if moderator is None:
        return RedirectResponse(PAGE_PATH, status_code=303)
    form = await request.form()
    if not _sessions(request).csrf_ok(request.cookies.get(SESSION_COOKIE, ""), str(form.get("csrf", ""))):
        return _to_queue("", problem="csrf")
    return moderator, form


async def sign_out(request: Request) -> Response:
    checked = await _signed_in_form(request)
    if isinstance(checked, Response):
        return checked
    await services(request).store.record_audit(checked[0].name, "sign_out", None, {"via": WEB})
    response = RedirectResponse(PAGE_PATH, status_code=303)
    response.delete_cookie(SESSION_COOKIE, path=COOKIE_PATH)
    return response


def _int(text: str) -> int | None:
    number = whole_number(text)
    return number if number else None  # ids start at 1


async def act(request: Request) -> Response:
    """`POST /moderation/act`: one item's button (`one=ID:decision`) or a bulk button (`decision` on `ids`)."""
    checked = await _signed_in_form(request)
    if isinstance(checked, Response):
        return checked
    moderator, form = checked
    back = _back_query(str(form.get("back", "")))
    at = str(form.get("at", "0"))
    at = at if whole_number(at) is not None else "0"
    one = str(form.get("one", ""))
    if one:
        raw_id, _, action = one.partition(":")
        ids = [i for i in [_int(raw_id)] if i is not None]
        reason = str(form.get(f"reason_{raw_id}", "")) or None
    else:
        action = str(form.get("decision", ""))
        ids = [i for i in (_int(str(v)) for v in form.getlist("ids")) if i is not None][:200]
        reason = str(form.get("reason", "")) or None
    if not ids or action not in (*DECISIONS, "ban", "unban", "reveal"):
        return _to_queue(back, problem="nothing", at=at)
    if action == "reveal":
        return await _reveal(request, moderator, ids[0], back)
    if action in ("ban", "unban"):
        if not moderator.may("ban"):
            return Response("forbidden", status_code=403)
        result = await services(request).store.set_author_ban(ids[0], action == "ban", moderator.name)
        problem = "" if result and result["has_email"] else "no_email"
        return _to_queue(back, done=0 if problem else 1, action=action, problem=problem, at=at)
    if action == REJECT and reason not in REJECT_REASONS:
        return _to_queue(back, problem="reason", at=at)
    if not moderator.may("decide"):
        return Response("forbidden", status_code=403)
    requests = [
        DecisionRequest(i, action, reason if action == REJECT else None, str(form.get(f"seen_{i}", "pending")))
        for i in ids
    ]
    outcomes = await services(request).store.decide(requests, moderator.name, via=WEB)
    count = {kind: sum(o.outcome == kind for o in outcomes) for kind in (DONE, CONFLICT, NOT_FOUND)}
    return _to_queue(back, done=count[DONE], action=action, conflicts=count[CONFLICT], missing=count[NOT_FOUND], at=at)


ROUTES = [
    Route(PAGE_PATH, queue_page, methods=["GET"]),
    Route("/moderation/sign-in", sign_in, methods=["POST"]),
    Route("/moderation/sign-out", sign_out, methods=["POST"]),
    Route("/moderation/act", act, methods=["POST"]),
]


async def _reveal(request: Request, moderator: Moderator, comment_id: int, back: str) -> Response:
    """An admin's "Reveal email": a page of its own (never a URL holding the address), recorded."""
    if not moderator.may("reveal_email"):
        return _render(request, "reveal.html", {"error": "Only an admin may reveal an email address."}, 403)
    svc = services(request)
    found, email_enc = await svc.store.reveal_email(comment_id, moderator.name)
    address = svc.vault.decrypt(email_enc) if email_enc is not None else None
    context = {"comment_id": comment_id, "email": address, "back": back, "found": found, "error": ""}
    return _render(request, "reveal.html", context, 200 if found else 404)

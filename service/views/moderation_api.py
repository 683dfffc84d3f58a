"""The moderation API under `/moderation/`: the queue, a comment's detail, decisions, email reveal, bans.

Every handler first asks `authorize` for the Bearer token's holder (401 without a live token, 403
when the role may not), then strings the queue, moderation and store steps together.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from service.http.client_json import client_json_problem, loads_client_json
from service.http.numbers import whole_number
from service.moderation.decisions import CONFLICT, DONE, NOT_FOUND, DecisionOutcome, parse_bulk, parse_decision
from service.moderation.queue_query import QueueItem, QueueQuery, next_cursor, parse_queue_query
from service.moderation.tokens import Moderator
from service.privacy.email_vault import mask_email
from service.store.records import AuthorHistory
from service.views.access import authorize
from service.views.common import services

if TYPE_CHECKING:
    from service.services import Services

API = "api"


def comment_id_of(request: Request) -> int:
    # `{comment_id:id}` (service/http/numbers.py) matched 1-18 digits: an int SQLite can bind.
    return int(request.path_params["comment_id"])


def history_json(history: AuthorHistory | None) -> dict[str, Any]:
    """An author's standing on the site: "refused" is the comments moderators rejected (trash)."""
    h = history or AuthorHistory()
    return {"approved": h.approved, "pending": h.pending, "refused": h.trash, "spam": h.spam, "banned": h.banned}


def masked_email(svc: Services, item: QueueItem) -> str | None:
    """The author's email as a moderator sees it (privacy rule 3): `j•••@example.com`."""
    if item.email_enc is None:
        return None
    address = svc.vault.decrypt(bytes(item.email_enc))
    return mask_email(address) if address else None


def item_json(svc: Services, item: QueueItem, history: AuthorHistory | None) -> dict[str, Any]:
    return {
        "id": item.id,
        "site": {"id": item.site_id, "name": item.site_name},
        "post_id": item.post_id,
        "parent_id": item.parent_id,
        "author": item.author,
        "email": masked_email(svc, item),
        "url": item.url,
        "content": item.content,
        "status": item.status,
        "score": round(item.score, 4),
        "scores": json.loads(item.scores_json or "{}"),
        "reasons": json.loads(item.reasons_json or "[]"),
        "model_version": item.model_version,
        "created_at": item.created_at,
        "updated_at": item.updated_at,
        "author_history": history_json(history),
    }


async def histories_for(svc: Services, items: list[QueueItem]) -> dict[tuple[int, str], AuthorHistory]:
    return await svc.store.author_histories((i.site_id, i.email_hash) for i in items if i.email_hash)


async def read_queue(svc: Services, params: Any) -> tuple[QueueQuery, dict[str, str]]:
    sites = {s.name: s.id for s in await svc.store.list_sites()}
    return parse_queue_query(params, sites)


async def queue(request: Request) -> Response:
    """`GET /moderation/queue?site=&post=&status=pending&reason=&order=oldest|newest|score|score_asc&cursor=&limit=`"""
    who = await authorize(request, "queue")
    if isinstance(who, Response):
        return who
    svc = services(request)
    query, errors = await read_queue(svc, request.query_params)
    if errors:
        return JSONResponse({"errors": errors}, status_code=422)
    items = await svc.store.queue_items(query)
    histories = await histories_for(svc, items)
    return JSONResponse(
        {
            "items": [item_json(svc, i, histories.get((i.site_id, i.email_hash or ""))) for i in items],
            "count": await svc.store.count_queue(query.filter),
            "order": query.order,
            "next_cursor": next_cursor(query.order, items[-1] if items else None, len(items), query.limit),
        },
        headers={"Cache-Control": "no-store"},
    )


async def comment_detail(request: Request) -> Response:
    """`GET /moderation/comments/{id}`: the queue item plus IP and user agent (while retained),
    and every decision and audit entry on it."""
    who = await authorize(request, "queue")
    if isinstance(who, Response):
        return who
    svc = services(request)
    comment_id = comment_id_of(request)
    item = await svc.store.queue_item(comment_id)
    if item is None:
        return _not_found()
    histories = await histories_for(svc, [item])
    body = item_json(svc, item, histories.get((item.site_id, item.email_hash or "")))
    body.update(
        {
            "ip": item.ip,
            "user_agent": item.user_agent,
            "decisions": await svc.store.decisions(comment_id=comment_id, limit=100),
            "audit": await svc.store.audit_entries(comment_id=comment_id, limit=100),
        }
    )
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


async def _json_body(request: Request) -> Any | Response:
    # The edge cuts the body off at the moderation routes' limit (service/http/body_limit.py) and
    # answers 413 itself, so what is read here is never larger.
    body = await request.body()
    try:
        return loads_client_json(body or b"null")
    except ValueError as exc:
        return JSONResponse({"errors": {"body": client_json_problem(exc, "must be JSON")}}, status_code=422)


def _not_found() -> Response:
    return JSONResponse({"errors": {"id": "no such comment"}}, status_code=404)


def outcome_response(outcome: DecisionOutcome) -> Response:
    status = {DONE: 200, CONFLICT: 409, NOT_FOUND: 404}[outcome.outcome]
    return JSONResponse(outcome.to_json(), status_code=status)


async def _decider_and_body(request: Request) -> tuple[Any, Any] | Response:
    """Who may decide, and the JSON body they sent; or the 401/403/413/422 answer."""
    who = await authorize(request, "decide")
    if isinstance(who, Response):
        return who
    body = await _json_body(request)
    if isinstance(body, Response):
        return body
    return who, body


async def decide_one(request: Request) -> Response:
    """`POST /moderation/comments/{id}/decision` with `{"decision", "reason"?, "expected_status"?}`."""
    checked = await _decider_and_body(request)
    if isinstance(checked, Response):
        return checked
    who, body = checked
    comment_id = comment_id_of(request)
    decision, errors = parse_decision(body, comment_id)
    if decision is None:
        return JSONResponse({"errors": errors}, status_code=422)
    (outcome,) = await services(request).store.decide([decision], who.name, via=API)
    return outcome_response(outcome)


async def decide_many(request: Request) -> Response:
    """`POST /moderation/decisions`: `{"ids": [...], "decision", ...}` or `{"items": [{"id", "decision", ...}]}`.

    Each decision stands alone: a conflict on one does not stop the others; `results` says what
    happened to each.
    """
    checked = await _decider_and_body(request)
    if isinstance(checked, Response):
        return checked
    who, body = checked
    decisions, errors = parse_bulk(body)
    if errors:
        return JSONResponse({"errors": errors}, status_code=422)
    outcomes = await services(request).store.decide(decisions, who.name, via=API)
    summary = {kind: sum(o.outcome == kind for o in outcomes) for kind in (DONE, CONFLICT, NOT_FOUND)}
    return JSONResponse({"results": [o.to_json() for o in outcomes], **summary})


async def reveal_email(request: Request) -> Response:
    """`POST /moderation/comments/{id}/reveal-email` (admin): the address in clear, recorded as "reveal_email"."""
    who = await authorize(request, "reveal_email")
    if isinstance(who, Response):
        return who
    svc = services(request)
    comment_id = comment_id_of(request)
    found, email_enc = await svc.store.reveal_email(comment_id, who.name)
    if not found:
        return _not_found()
    address = svc.vault.decrypt(email_enc) if email_enc is not None else None
    return JSONResponse({"id": comment_id, "email": address}, headers={"Cache-Control": "no-store"})


async def _set_ban(request: Request, banned: bool) -> Response:
    who = await authorize(request, "ban")
    if isinstance(who, Response):
        return who
    return await change_ban(request, who, comment_id_of(request), banned)


async def change_ban(request: Request, who: Moderator, comment_id: int, banned: bool) -> Response:
    result = await services(request).store.set_author_ban(comment_id, banned, who.name)
    if result is None:
        return _not_found()
    if not result["has_email"]:
        return JSONResponse({"errors": {"email": "the comment has no email address to ban its author by"}}, 422)
    return JSONResponse(
        {"id": comment_id, "site_id": result["site_id"], "banned": banned, "changed": result["changed"]}
    )


async def ban_author(request: Request) -> Response:
    """`POST /moderation/comments/{id}/ban-author`: the author's next comments on this site go to spam."""
    return await _set_ban(request, True)


async def unban_author(request: Request) -> Response:
    return await _set_ban(request, False)


async def audit(request: Request) -> Response:
    """`GET /moderation/audit?comment=ID&limit=N` (admin): the audit trail, newest first."""
    who = await authorize(request, "audit")
    if isinstance(who, Response):
        return who
    raw_comment, raw_limit = request.query_params.get("comment", ""), request.query_params.get("limit", "100")
    errors = {}
    comment_id, limit = whole_number(raw_comment), whole_number(raw_limit)
    if raw_comment and comment_id is None:
        errors["comment"] = "must be a comment id"
    if limit is None or not 1 <= limit <= 1000:
        errors["limit"] = "must be a whole number from 1 to 1000"
    if errors:
        return JSONResponse({"errors": errors}, status_code=422)
    entries = await services(request).store.audit_entries(comment_id=comment_id if raw_comment else None, limit=limit)
    return JSONResponse({"items": entries})


# `{comment_id:id}`: at most 18 digits (service/http/numbers.py registers the convertor).
ROUTES = [
    Route("/moderation/queue", queue, methods=["GET"]),
    Route("/moderation/decisions", decide_many, methods=["POST"]),
    Route("/moderation/audit", audit, methods=["GET"]),
    Route("/moderation/comments/{comment_id:id}", comment_detail, methods=["GET"]),
    Route("/moderation/comments/{comment_id:id}/decision", decide_one, methods=["POST"]),
    Route("/moderation/comments/{comment_id:id}/reveal-email", reveal_email, methods=["POST"]),
    Route("/moderation/comments/{comment_id:id}/ban-author", ban_author, methods=["POST"]),
    Route("/moderation/comments/{comment_id:id}/unban-author", unban_author, methods=["POST"]),
]

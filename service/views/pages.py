"""Pages for people: the demo article with its "Leave a Reply" form, and the avatar images."""

from __future__ import annotations

import hashlib
from urllib.parse import quote, unquote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from service.http.numbers import whole_number
from service.intake.form_token import HONEYPOT_FIELD, TOKEN_FIELD
from service.views.common import error_response, resolve_site, services
from service.views.posts import public_comment

DEMO_POST_ID = "un-vote-2025"


async def home(request: Request) -> Response:
    return await _render_article(request, DEMO_POST_ID)


async def article(request: Request) -> Response:
    return await _render_article(request, request.path_params["post_id"])


async def _render_article(request: Request, post_id: str) -> Response:
    svc = services(request)
    site = await svc.store.default_site()
    comments = [public_comment(c) for c in await svc.store.approved_comments(site.id, post_id)]
    children: dict[int, list[dict[str, object]]] = {}
    for c in comments:
        children.setdefault(int(c["parent"] or 0), []).append(c)  # type: ignore[call-overload]
    reply_to = request.query_params.get("replytocom", "0")
    known_ids = {int(c["id"]) for c in comments}  # type: ignore[call-overload]
    return svc.templates.TemplateResponse(
        request,
        "article.html",
        {
            "post_id": post_id,
            "comments": comments,
            "children": children,
            "reply_to": reply_id if (reply_id := whole_number(reply_to)) in known_ids else 0,
            "remembered_author": unquote(request.cookies.get("comment_author", "")),
            "remembered_url": unquote(request.cookies.get("comment_author_url", "")),
            "form_token": svc.form_tokens.issue(site.id),
            "token_field": TOKEN_FIELD,
            "honeypot_field": HONEYPOT_FIELD,
        },
    )


async def form_token(request: Request) -> Response:
    """A signed form token for a site that renders its own form: put both fields in the form."""
    site = await resolve_site(request)
    if site is None:
        return error_response(request, 403, {"site_key": "is not a known site key"})
    token = services(request).form_tokens.issue(site.id)
    return JSONResponse(
        {TOKEN_FIELD: token, "token_field": TOKEN_FIELD, "honeypot_field": HONEYPOT_FIELD},
        headers={"Cache-Control": "no-store"},
    )


async def awaiting_moderation(request: Request) -> Response:
    svc = services(request)
    site_id = whole_number(request.query_params.get("site", ""))
    site = await svc.store.site_by_id(site_id) if site_id is not None else None
    site = site or await svc.store.default_site()
    post_id = request.query_params.get("post", "")
    # Quoted: the link goes to an article of the site, whatever a client put in the query string.
    back = site.article_url(quote(post_id, safe="")) if post_id else "/"
    return svc.templates.TemplateResponse(request, "awaiting.html", {"back": back})


async def avatar(request: Request) -> Response:
    """An identicon drawn from the keyed avatar hash: a stable picture per commenter, no Gravatar MD5."""
    key = request.path_params["avatar"]
    if len(key) != 32 or any(ch not in "0123456789abcdef" for ch in key):
        return Response(status_code=404)
    digest = hashlib.sha256(key.encode()).digest()
    hue = digest[0] * 360 // 256
    cells = []
    for row in range(5):
        for col in range(3):  # mirrored, as identicons are
            if digest[1 + row * 3 + col] & 1:
                for x in {col, 4 - col}:
                    cells.append(f'<rect x="{x * 10 + 5}" y="{row * 10 + 5}" width="10" height="10"/>')
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="60" height="60" viewBox="0 0 60 60">'
        '<rect width="60" height="60" fill="#f0f0f0"/>'
        f'<g fill="hsl({hue},55%,50%)">{"".join(cells)}</g></svg>'
    )
    return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"})

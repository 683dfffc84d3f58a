"""`GET /posts/{post_id}/comments`: what may be published, and nothing else."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from service.store import StoredComment
from service.views.common import error_response, resolve_site, services


def public_comment(comment: StoredComment) -> dict[str, object]:
    """The published form of a comment: never an email, IP address, user agent, score or note."""
    return {
        "id": comment.id,
        "parent": comment.parent_id or 0,
        "author": comment.author,
        "url": comment.url,
        "avatar": f"/avatars/{comment.avatar_hash}.svg" if comment.avatar_hash else None,
        "content": comment.content,
        "created_at": comment.created_at,
    }


async def list_comments(request: Request) -> Response:
    site = await resolve_site(request)
    if site is None:
        return error_response(request, 403, {"site_key": "is not a known site key"})
    rows = await services(request).store.approved_comments(site.id, request.path_params["post_id"])
    return JSONResponse([public_comment(c) for c in rows])

"""Who is asking, over HTTP: the Bearer token of the moderation API and the page's session cookie."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from service.moderation.sessions import SESSION_COOKIE, Sessions
from service.moderation.tokens import Moderator, moderator_by_token_id, moderator_for_token
from service.views.common import services


def bearer_token(request: Request) -> str:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def unauthorized(message: str = "send Authorization: Bearer <token>") -> Response:
    return JSONResponse(
        {"errors": {"authorization": message}},
        status_code=401,
        headers={"WWW-Authenticate": 'Bearer realm="moderation"'},
    )


def forbidden(moderator: Moderator, permission: str) -> Response:
    return JSONResponse({"errors": {"role": f"the {moderator.role} role may not {permission.replace('_', ' ')}"}}, 403)


async def authorize(request: Request, permission: str) -> Moderator | Response:
    """The Bearer token's holder when their role has `permission`; otherwise the 401 or 403 answer."""
    token = bearer_token(request)
    if not token:
        return unauthorized()
    moderator = await moderator_for_token(services(request).store, token)
    if moderator is None:
        return unauthorized("the token is unknown or revoked")
    if not moderator.may(permission):
        return forbidden(moderator, permission)
    return moderator


async def moderator_for_session(request: Request, sessions: Sessions) -> Moderator | None:
    """The signed-in moderator of the web page, if the cookie is valid and its token still live."""
    cookie = request.cookies.get(SESSION_COOKIE, "")
    token_id = sessions.token_id(cookie) if cookie else None
    if token_id is None:
        return None
    return await moderator_by_token_id(services(request).store, token_id)

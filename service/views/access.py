"""Who is asking, over HTTP: the Bearer token of the moderation API and the page's session cookie."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from service.http.client_ip import client_ip
from service.moderation.guesses import GuessLimit
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


def guesses(request: Request) -> GuessLimit:
    return request.app.state.guesses


def guesser_ip(request: Request) -> str | None:
    """The address failed attempts are counted against (see service/moderation/guesses.py)."""
    return client_ip(request, services(request).trusted_proxies)


def too_many_guesses(retry_after: int) -> Response:
    return JSONResponse(
        {"errors": {"authorization": f"too many failed attempts from this address; try again in {retry_after} s"}},
        status_code=429,
        headers={"Retry-After": str(retry_after)},
    )


async def authorize(request: Request, permission: str) -> Moderator | Response:
    """The Bearer token's holder when their role has `permission`; otherwise the 401, 403 or 429
    answer (429: this address failed too often in the last minute)."""
    limit, ip = guesses(request), guesser_ip(request)
    if (retry_after := limit.retry_after(ip)) is not None:
        return too_many_guesses(retry_after)
    token = bearer_token(request)
    if not token:
        limit.failed(ip)
        return unauthorized()
    moderator = await moderator_for_token(services(request).store, token)
    if moderator is None:
        limit.failed(ip)
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

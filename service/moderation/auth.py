"""Who may moderate: API tokens and their roles, the web page's session cookie, and CSRF tokens.

A token is 32 random bytes shown once by `python -m service token create`; the store keeps only its
SHA-256 (a fast hash is enough for a secret with that much entropy). The API takes it as
`Authorization: Bearer <token>`. The web page trades it once for a session cookie: an HMAC-signed
value naming the token and an expiry, so revoking the token ends its sessions too. Every form of the
page carries a CSRF token derived from the session, checked on each POST.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from service.http.numbers import whole_number
from service.privacy.email_vault import signature_matches
from service.views.common import services

if TYPE_CHECKING:
    from service.store import Store

MODERATOR, ADMIN = "moderator", "admin"
ROLES = (MODERATOR, ADMIN)
TOKEN_PREFIX = "cmt_"
SESSION_COOKIE = "moderation_session"
SESSION_SECONDS = 12 * 3600
MAX_TOKEN_NAME_CHARS = 80

# What each role may do. Moderators work the queue and ban spammers; only an admin may see an
# email address in clear (privacy rule 3).
PERMISSIONS: dict[str, frozenset[str]] = {
    MODERATOR: frozenset({"queue", "decide", "ban"}),
    ADMIN: frozenset({"queue", "decide", "ban", "reveal_email", "audit"}),
}


@dataclass(frozen=True)
class ApiToken:
    """A stored token: never the token itself, only what it is called, its role and its state."""

    id: int
    name: str
    role: str
    created_at: str
    revoked_at: str | None = None


@dataclass(frozen=True)
class Moderator:
    """The person behind a request: `name` is what the audit trail and decisions record."""

    token_id: int
    name: str
    role: str

    def may(self, permission: str) -> bool:
        return permission in PERMISSIONS.get(self.role, frozenset())


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_role(role: str) -> str:
    if role not in ROLES:
        raise ValueError(f"--role: must be one of {', '.join(ROLES)}")
    return role


def check_token_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > MAX_TOKEN_NAME_CHARS or not name.isprintable():
        raise ValueError(f"--name: give 1 to {MAX_TOKEN_NAME_CHARS} printable characters")
    return name


async def moderator_for_token(store: Store, token: str) -> Moderator | None:
    """The live token's holder, or None for an unknown or revoked token."""
    if not token or len(token) > 200:
        return None
    found = await store.token_by_hash(token_hash(token))
    if found is None or found.revoked_at is not None:
        return None
    return Moderator(token_id=found.id, name=found.name, role=found.role)


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


class Sessions:
    """Signs and checks the web page's session cookie and its CSRF tokens (no server-side state)."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def _sign(self, message: str) -> str:
        digest = hmac.new(self._key, message.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def issue(self, token_id: int, now: float | None = None) -> str:
        expires = int((now or time.time()) + SESSION_SECONDS)
        body = f"{token_id}.{expires}.{secrets.token_urlsafe(12)}"
        return f"{body}.{self._sign('session:' + body)}"

    def token_id(self, cookie: str, now: float | None = None) -> int | None:
        """The token a valid, unexpired cookie names; None for anything else."""
        body, _, signature = cookie.rpartition(".")
        if not body or not signature_matches(signature, self._sign("session:" + body)):
            return None
        token_id, expires, _nonce = (body.split(".") + ["", "", ""])[:3]
        token, until = whole_number(token_id), whole_number(expires)
        if token is None or until is None or until < (now or time.time()):
            return None
        return token

    def csrf_token(self, cookie: str) -> str:
        # Bound to this session: a token lifted from another session (or none) does not pass.
        return self._sign("csrf:" + cookie)

    def csrf_ok(self, cookie: str, submitted: str) -> bool:
        return bool(cookie and submitted) and signature_matches(submitted, self.csrf_token(cookie))


async def moderator_for_session(request: Request, sessions: Sessions) -> Moderator | None:
    """The signed-in moderator of the web page, if the cookie is valid and its token still live."""
    cookie = request.cookies.get(SESSION_COOKIE, "")
    token_id = sessions.token_id(cookie) if cookie else None
    if token_id is None:
        return None
    found = await services(request).store.token_by_id(token_id)
    if found is None or found.revoked_at is not None:
        return None
    return Moderator(token_id=found.id, name=found.name, role=found.role)

"""Who may moderate: API tokens, their roles and what each role may do.

A token is 32 random bytes shown once by `python -m service token create`; the store keeps only its
SHA-256 (a fast hash is enough for a secret with that much entropy). The API takes it as
`Authorization: Bearer <token>`; the web page trades it once for a session cookie
(`service/moderation/sessions.py`).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from service.store.records import ApiToken as ApiToken  # the stored token is a store record

if TYPE_CHECKING:
    from service.store import Store

MODERATOR, ADMIN = "moderator", "admin"
ROLES = (MODERATOR, ADMIN)
TOKEN_PREFIX = "cmt_"
MAX_TOKEN_NAME_CHARS = 80

# What each role may do. Moderators work the queue and ban spammers; only an admin may see an
# email address in clear (privacy rule 3).
PERMISSIONS: dict[str, frozenset[str]] = {
    MODERATOR: frozenset({"queue", "decide", "ban"}),
    ADMIN: frozenset({"queue", "decide", "ban", "reveal_email", "audit"}),
}


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


async def moderator_by_token_id(store: Store, token_id: int) -> Moderator | None:
    """The holder of the token a session names, while that token is live."""
    found = await store.token_by_id(token_id)
    if found is None or found.revoked_at is not None:
        return None
    return Moderator(token_id=found.id, name=found.name, role=found.role)

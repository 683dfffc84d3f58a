"""The moderation page's session cookie and CSRF tokens: HMAC-signed, no server-side state.

The cookie names the token and an expiry, so revoking the token ends its sessions too. Every form of
the page carries a CSRF token derived from the session, checked on each POST.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time

from service.http.numbers import whole_number
from service.privacy.email_vault import signature_matches

SESSION_COOKIE = "moderation_session"
SESSION_SECONDS = 12 * 3600


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

"""The signed form token and honeypot field that a site renders into its "Leave a Reply" form.

The token is `<site id>.<issued unix ms>.<HMAC>`; the service alone can make one, so a bot cannot
forge an old issue time to pass the minimum-time check. A form without a token is accepted as is:
a site that never rendered one is not punished for it (fail safe).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass

from service.http.numbers import whole_number
from service.intake.rules import RuleHit
from service.privacy.email_vault import signature_matches

TOKEN_FIELD = "form_token"
# Named like a field a bot wants to fill; people never see it (hidden by CSS, not type=hidden).
HONEYPOT_FIELD = "website_address"


@dataclass(frozen=True)
class FormTokens:
    key: bytes

    def issue(self, site_id: int, now: float | None = None) -> str:
        issued = int((time.time() if now is None else now) * 1000)
        return f"{site_id}.{issued}.{self._sign(site_id, issued)}"

    def _sign(self, site_id: int, issued_ms: int) -> str:
        return hmac.new(self.key, f"{site_id}.{issued_ms}".encode(), hashlib.sha256).hexdigest()[:32]

    def age_seconds(self, token: str, site_id: int, now: float | None = None) -> float | None:
        """Seconds since the token was issued for this site, or None if it is not one of ours."""
        parts = token.split(".")
        if len(parts) != 3:
            return None
        token_site, issued = whole_number(parts[0]), whole_number(parts[1])
        if token_site is None or issued is None:
            return None
        if token_site != site_id or not signature_matches(parts[2], self._sign(site_id, issued)):
            return None
        return (time.time() if now is None else now) - issued / 1000


def form_trap_hits(fields: dict[str, str], tokens: FormTokens, site_id: int, min_seconds: float) -> list[RuleHit]:
    """Spam when the honeypot is filled or the form came back too fast; a bad token only holds."""
    hits: list[RuleHit] = []
    if fields.get(HONEYPOT_FIELD, "").strip():
        hits.append(RuleHit("honeypot", "spam"))
    token = fields.get(TOKEN_FIELD, "").strip()
    if token:
        age = tokens.age_seconds(token, site_id)
        if age is None:
            hits.append(RuleHit("form_token_invalid", "hold"))
        elif age < min_seconds:
            hits.append(RuleHit("too_fast", "spam"))
    return hits

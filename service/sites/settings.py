"""Sites: who posts comments to us, and each site's settings.

A site is named by its key (`X-Site-Key` header or `site_key` field); the default site needs none.
Settings are stored as JSON so a new rule's switch needs no schema migration; unknown keys in the
stored JSON are ignored and missing ones take the defaults below.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import asdict, dataclass, fields, replace
from typing import Any


@dataclass(frozen=True)
class Thresholds:
    """Approve below `approve_below`, refuse at or above `refuse_above`, queue for a person between."""

    approve_below: float
    refuse_above: float


@dataclass(frozen=True)
class SiteSettings:
    # WordPress's "Comment author must fill out name and email".
    require_author: bool = True
    require_email: bool = True
    # Where a browser is sent back after posting; {post_id} is replaced.
    url_pattern: str = "/articles/{post_id}"
    # None means "use the deployed model's thresholds from its card".
    spam_thresholds: Thresholds | None = None
    toxicity_thresholds: Thresholds | None = None
    # WordPress's default: hold a comment with 2 or more links.
    comment_max_links: int = 2
    # Privacy rule 4: contact details typed into the text are masked and hold the comment.
    hold_contact_details: bool = True
    # WordPress's "Comment Moderation" and "Disallowed Comment Keys": one word, phrase or IP per
    # entry, matched case-insensitively inside the author, email, URL, content, IP and user agent.
    moderation_keys: tuple[str, ...] = ()
    disallowed_keys: tuple[str, ...] = ()
    # Same post, same author, same text: answered 409 instead of stored twice.
    reject_duplicates: bool = True
    # Seconds between two comments from one IP address or one email address (0 turns it off).
    flood_seconds: float = 15.0
    # The signed form token's traps (Antispam Bee): a filled honeypot field, or a form sent back
    # sooner than a person can type, is spam. No token at all is never punished (fail safe).
    honeypot: bool = True
    min_submit_seconds: float = 3.0
    # WordPress's "Comment author must have a previously approved comment", seen from both sides:
    # an author with an approved comment (and no spam) skips the queue when only a score would
    # hold them; `hold_first_comment` holds every comment until the author has one approved.
    previously_approved_skips_queue: bool = True
    hold_first_comment: bool = False
    allowed_origins: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SiteSettings:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        for key in ("spam_thresholds", "toxicity_thresholds"):
            if isinstance(values.get(key), dict):
                values[key] = Thresholds(**values[key])
        for key in ("allowed_origins", "moderation_keys", "disallowed_keys"):
            if isinstance(values.get(key), str):
                # `site add --set allowed_origins=...` stored the raw text until stop 15: read it as
                # the comma-separated list it was meant to be, not one origin per character.
                values[key] = [item.strip() for item in values[key].split(",") if item.strip()]
            if key in values:
                values[key] = tuple(values[key])
        return replace(cls(), **values)


# The keyless default site serves the demo page and local trials, where one person posts many
# comments in a row from one address: no flood limit there. Sites made with `site add` get 15 s.
DEFAULT_SITE_SETTINGS = SiteSettings(flood_seconds=0.0)


@dataclass(frozen=True)
class Site:
    id: int
    name: str
    url: str
    is_default: bool
    settings: SiteSettings

    def article_url(self, post_id: str) -> str:
        return self.settings.url_pattern.replace("{post_id}", post_id)


def new_site_key() -> str:
    return "sk_" + secrets.token_urlsafe(24)


def site_key_hash(key: str) -> str:
    """Site keys are stored hashed: a copy of the database must not let anyone post as a site."""
    return hashlib.sha256(key.encode()).hexdigest()


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def parse_setting(name: str, text: str) -> Any:
    """Turns an operator's `name=value` into the setting's type, or raises ValueError naming it.

    Booleans take true/false/on/off, lists take comma-separated items, thresholds take
    `APPROVE_BELOW,REFUSE_ABOVE` (or `model` to follow the model card).
    """
    kinds = {f.name: f.default for f in fields(SiteSettings)}
    if name not in kinds:
        raise ValueError(f"unknown site setting {name!r}; known: {', '.join(sorted(kinds))}")
    default = kinds[name]
    value = text.strip()
    if name in ("spam_thresholds", "toxicity_thresholds"):
        if value.lower() in ("", "model", "none"):
            return None
        try:
            low, high = (float(v) for v in value.split(","))
        except ValueError:
            raise ValueError(f"{name}: give APPROVE_BELOW,REFUSE_ABOVE such as 0.5,0.9") from None
        if not 0 <= low <= high <= 1:
            raise ValueError(f"{name}: need 0 <= approve_below <= refuse_above <= 1")
        return Thresholds(low, high)
    if isinstance(default, bool):
        if value.lower() in _TRUE:
            return True
        if value.lower() in _FALSE:
            return False
        raise ValueError(f"{name}: give true or false")
    if isinstance(default, int | float):
        try:
            number = type(default)(value)
        except ValueError:
            raise ValueError(f"{name}: give a number") from None
        if number < 0:
            raise ValueError(f"{name}: must not be negative")
        return number
    if isinstance(default, tuple):
        return tuple(item.strip() for item in value.split(",") if item.strip())
    if name == "url_pattern" and "{post_id}" not in value:
        raise ValueError("url_pattern: must contain {post_id}")
    return value


def with_settings(settings: SiteSettings, assignments: list[str]) -> SiteSettings:
    """Applies `name=value` assignments to a site's settings."""
    changes: dict[str, Any] = {}
    for item in assignments:
        name, sep, text = item.partition("=")
        if not sep:
            raise ValueError(f"{item!r}: write settings as name=value")
        changes[name.strip()] = parse_setting(name.strip(), text)
    return replace(settings, **changes)

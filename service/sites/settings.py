"""Sites: who posts comments to us, and each site's settings.

A site is named by its key (`X-Site-Key` header or `site_key` field); the default site needs none.
A site and its settings are store records (`service/store/records.py`, where each setting's default
is); this module makes keys and reads an operator's `name=value` settings.
"""

from __future__ import annotations

import secrets
from dataclasses import fields, replace
from typing import Any

# Importable from here too: the domain speaks of sites, the store keeps them.
from service.store.records import DEFAULT_SITE_SETTINGS as DEFAULT_SITE_SETTINGS
from service.store.records import Site as Site
from service.store.records import SiteSettings as SiteSettings
from service.store.records import Thresholds as Thresholds
from service.store.records import site_key_hash as site_key_hash


def new_site_key() -> str:
    return "sk_" + secrets.token_urlsafe(24)


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

"""CORS for JavaScript posts from a site's own pages: an origin is allowed when some site lists
it in `allowed_origins`. Only the public comment endpoints answer cross-origin; the moderation
API never does. Preflights cannot carry `X-Site-Key`, so the check is against every site's list.

`service/http/edge.py` applies this on every request; here are only the decisions and the answers.
"""

from __future__ import annotations

import time

from starlette.responses import PlainTextResponse, Response
from starlette.types import Scope

PUBLIC_PREFIXES = ("/comments", "/score", "/posts/", "/form-token")
# Sites change rarely; re-reading their origins at most this often keeps CORS off the hot path.
CACHE_SECONDS = 10.0


def answers_cross_origin(path: str) -> bool:
    return path.startswith(PUBLIC_PREFIXES)


class SiteOrigins:
    """Every site's allowed origins, re-read from the store at most every `CACHE_SECONDS`."""

    def __init__(self) -> None:
        self._origins: frozenset[str] = frozenset()
        self._loaded_at = float("-inf")

    async def allowed(self, scope: Scope, origin: str) -> bool:
        if time.monotonic() - self._loaded_at > CACHE_SECONDS:
            store = scope["app"].state.services.store
            sites = await store.list_sites()
            self._origins = frozenset(o.rstrip("/") for s in sites for o in s.settings.allowed_origins)
            self._loaded_at = time.monotonic()
        return origin.rstrip("/") in self._origins


def preflight_response(origin: str, allowed: bool) -> Response:
    """The answer to an `OPTIONS` preflight: 204 with the grant, or 403."""
    if not allowed:
        return PlainTextResponse("origin not allowed", status_code=403)
    return PlainTextResponse(
        "",
        status_code=204,
        headers={
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": "GET, POST",
            "Access-Control-Allow-Headers": "Content-Type, X-Site-Key",
            "Access-Control-Max-Age": "600",
            "Vary": "Origin",
        },
    )


def grant_headers(origin: str) -> list[tuple[bytes, bytes]]:
    """Headers added to an allowed origin's actual (non-preflight) answer."""
    return [(b"access-control-allow-origin", origin.encode("latin-1")), (b"vary", b"Origin")]

"""CORS for JavaScript posts from a site's own pages: an origin is allowed when some site lists
it in `allowed_origins`. Only the public comment endpoints answer cross-origin; the moderation
API never does. Preflights cannot carry `X-Site-Key`, so the check is against every site's list.
"""

from __future__ import annotations

import time

from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PUBLIC_PREFIXES = ("/comments", "/score", "/posts/", "/form-token")
# Sites change rarely; re-reading their origins at most this often keeps CORS off the hot path.
CACHE_SECONDS = 10.0


class SiteCorsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._origins: frozenset[str] = frozenset()
        self._loaded_at = float("-inf")

    async def _allowed(self, scope: Scope, origin: str) -> bool:
        if time.monotonic() - self._loaded_at > CACHE_SECONDS:
            store = scope["app"].state.services.store
            sites = await store.list_sites()
            self._origins = frozenset(o.rstrip("/") for s in sites for o in s.settings.allowed_origins)
            self._loaded_at = time.monotonic()
        return origin.rstrip("/") in self._origins

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PUBLIC_PREFIXES):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if not origin:
            await self.app(scope, receive, send)
            return
        allowed = await self._allowed(scope, origin)
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            if not allowed:
                await PlainTextResponse("origin not allowed", status_code=403)(scope, receive, send)
                return
            preflight = PlainTextResponse(
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
            await preflight(scope, receive, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start" and allowed:
                message["headers"] = [
                    *message.get("headers", []),
                    (b"access-control-allow-origin", origin.encode("latin-1")),
                    (b"vary", b"Origin"),
                ]
            await send(message)

        await self.app(scope, receive, send_with_cors)

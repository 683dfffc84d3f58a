"""What every view needs: the app's services, the site a request names, and error answers."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from service.sites.settings import Site

if TYPE_CHECKING:
    from service.services import Services


# Starlette's `JSONResponse` options in one encoder made once: `json.dumps` called with options makes
# a new encoder every time, about a quarter of what rendering a comment's answer costs.
COMPACT_JSON = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))


class JSONAnswer(JSONResponse):
    """Starlette's `JSONResponse`, byte for byte, rendered by the shared `COMPACT_JSON` encoder."""

    def render(self, content: Any) -> bytes:
        return COMPACT_JSON.encode(content).encode("utf-8")


def services(request: Request) -> Services:
    return request.app.state.services


def prefers_html(request: Request) -> bool:
    """A plain browser form post: the client asks for HTML ahead of JSON."""
    accept = request.headers.get("accept", "").lower()
    if "text/html" not in accept:
        return False
    if "application/json" not in accept:
        return True
    return _quality(accept, "text/html") > _quality(accept, "application/json")


def _quality(accept: str, media_type: str) -> float:
    for part in accept.split(","):
        kind, *params = (p.strip() for p in part.split(";"))
        if kind == media_type:
            for param in params:
                if param.startswith("q="):
                    try:
                        return float(param[2:])
                    except ValueError:
                        return 0.0
            return 1.0
    return 0.0


async def resolve_site(request: Request, fields: dict[str, str] | None = None) -> Site | None:
    """The site named by `X-Site-Key` (or a `site_key` field or query value); the default site otherwise.

    Returns None for a key that names no site: a wrong key must not silently post to the default site.
    """
    store = services(request).store
    key = request.headers.get("x-site-key") or (fields or {}).get("site_key")
    if not key and request.scope.get("query_string"):  # parsing an empty query string is not free either
        key = request.query_params.get("site_key")
    if not key:
        return await store.default_site()
    return await store.site_by_key(key)


def error_response(request: Request, status: int, errors: dict[str, str], html: bool = False) -> Response:
    """`{"errors": {field: message}}`, or the same as a page for a browser form post."""
    if html:
        return services(request).templates.TemplateResponse(
            request, "errors.html", {"errors": errors, "status": status}, status_code=status
        )
    return JSONAnswer({"errors": errors}, status_code=status)

"""`GET /openapi.json`: the OpenAPI 3.1 document of every public and moderator route."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from service.views.openapi_document import openapi_document

DISTRIBUTION = "comment-moderation"


def service_version() -> str:
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "0+unknown"


async def openapi(request: Request) -> Response:
    return JSONResponse(openapi_document(service_version()))

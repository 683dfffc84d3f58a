"""The one middleware every HTTP request passes: request id, CORS, body limits, security headers,
metrics and the access log line.

One middleware rather than three stacked ones: each stacked middleware re-reads the headers and
wraps `send` once more, which under a burst of comments costs about a tenth of the service's CPU.
Here a request pays for one header scan and one `send` wrapper. The rules themselves stay in
their modules: `service/http/logs.py` (request id, the log line), `service/http/metrics.py` (what
is counted), `service/http/cors.py` (who may post cross-origin).

`client_gone` answers a request whose client hung up before its body arrived (Starlette's
`ClientDisconnect`): an access line with status 499, not a 500 with a stack trace.

Nothing here reads a person's data: the log line and the metrics carry the method, route template,
status and duration only.
"""

from __future__ import annotations

import time

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.http import metrics as metrics_module
from service.http.body_limit import BodyTooLarge, limited_receive, route_body_limit
from service.http.cors import SiteOrigins, answers_cross_origin, grant_headers, preflight_response
from service.http.logs import log_access, request_id_for
from service.http.metrics import Metrics, route_template
from service.http.numbers import MAX_DIGITS
from service.http.security_headers import security_headers


class EdgeMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics, max_body_bytes: int) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body_bytes = max_body_bytes
        self.origins = SiteOrigins()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming_id = origin_raw = b""
        length_raw: bytes | None = None
        preflight = chunked = False
        for name, value in scope["headers"]:  # one pass; names are lower-case in ASGI
            if name == b"x-request-id":
                incoming_id = value
            elif name == b"origin":
                origin_raw = value
            elif name == b"access-control-request-method":
                preflight = True
            elif name == b"content-length":
                length_raw = value
            elif name == b"transfer-encoding":
                chunked = True
        request_id = request_id_for(incoming_id)
        scope.setdefault("state", {})["request_id"] = request_id
        token = metrics_module.current.set(self.metrics)
        started = time.perf_counter()
        status = 500  # what the client gets when the app raises
        answered = False
        extra_headers = [(b"x-request-id", request_id.encode())]

        async def send_with_headers(message: Message) -> None:
            nonlocal status, answered
            if message["type"] == "http.response.start":
                status, answered = message["status"], True
                own = list(message.get("headers", ()))
                message["headers"] = [*own, *extra_headers, *security_headers(own)]
            await send(message)

        try:
            if length_raw is not None or chunked:
                limit = route_body_limit(scope["path"], self.max_body_bytes)
                refusal = _refusal(length_raw, chunked, limit)
                if refusal is not None:
                    await refusal(scope, receive, send_with_headers)
                    return
                if length_raw is None:
                    # Chunked: counted as it arrives. A declared length within the limit needs no
                    # counting: the server reads exactly that many bytes as the body.
                    receive = limited_receive(receive, limit)
            origin = origin_raw.decode("latin-1") if origin_raw and answers_cross_origin(scope["path"]) else ""
            if origin:
                allowed = await self.origins.allowed(scope, origin)
                if preflight and scope["method"] == "OPTIONS":
                    await preflight_response(origin, allowed)(scope, receive, send_with_headers)
                    return
                if allowed:
                    extra_headers[:0] = grant_headers(origin)
            try:
                await self.app(scope, receive, send_with_headers)
            except BodyTooLarge as exc:
                # A chunked body passed the limit inside a handler that did not answer it itself.
                if not answered:
                    await _closing(413, str(exc))(scope, receive, send_with_headers)
        finally:
            metrics_module.current.reset(token)
            seconds = time.perf_counter() - started
            # The route template, never the raw path: a path can carry an avatar hash or whatever
            # a client typed into a URL.
            route = route_template(scope)
            self.metrics.observe_request(scope["method"], route, status, seconds)
            log_access(request_id, scope["method"], route, status, seconds * 1000)


def _refusal(length_raw: bytes | None, chunked: bool, limit: int) -> Response | None:
    """The answer to a request refused on its headers alone, or None to let it through."""
    if chunked and length_raw is not None:
        return _closing(400, "send either Content-Length or Transfer-Encoding, not both")
    if length_raw is not None:
        if not length_raw.isdigit():  # ASCII digits only, for bytes
            return _closing(400, "Content-Length must be a whole number of bytes")
        if len(length_raw) > MAX_DIGITS or int(length_raw) > limit:
            return _closing(413, f"the request body is larger than {limit} bytes")
    return None


def _closing(status: int, message: str) -> Response:
    """An error about the request's framing; the connection ends with it, so whatever the client
    sent after it is never read as a request."""
    return JSONResponse({"errors": {"body": message}}, status_code=status, headers={"Connection": "close"})


# nginx's code for "client closed request": the access log and metrics show what happened, and
# nobody reads the answer.
CLIENT_CLOSED_REQUEST = 499


async def client_gone(request: Request, exc: Exception) -> Response:
    """The handler for Starlette's `ClientDisconnect`: the client hung up before its body arrived.

    A closed tab, a proxy's timeout or a load generator stopping: nothing was received to store,
    so there is nothing to lose and no stack trace to log.
    """
    return Response(status_code=CLIENT_CLOSED_REQUEST)

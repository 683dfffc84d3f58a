"""The one middleware every HTTP request passes: request id, CORS, metrics and the access log line.

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
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.http import metrics as metrics_module
from service.http.cors import SiteOrigins, answers_cross_origin, grant_headers, preflight_response
from service.http.logs import log_access, request_id_for
from service.http.metrics import Metrics, route_template


class EdgeMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics
        self.origins = SiteOrigins()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming_id = origin_raw = b""
        preflight = False
        for name, value in scope["headers"]:  # one pass; names are lower-case in ASGI
            if name == b"x-request-id":
                incoming_id = value
            elif name == b"origin":
                origin_raw = value
            elif name == b"access-control-request-method":
                preflight = True
        request_id = request_id_for(incoming_id)
        scope.setdefault("state", {})["request_id"] = request_id
        token = metrics_module.current.set(self.metrics)
        started = time.perf_counter()
        status = 500  # what the client gets when the app raises
        extra_headers = [(b"x-request-id", request_id.encode())]

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), *extra_headers]
            await send(message)

        try:
            origin = origin_raw.decode("latin-1") if origin_raw and answers_cross_origin(scope["path"]) else ""
            if origin:
                allowed = await self.origins.allowed(scope, origin)
                if preflight and scope["method"] == "OPTIONS":
                    await preflight_response(origin, allowed)(scope, receive, send_with_headers)
                    return
                if allowed:
                    extra_headers[:0] = grant_headers(origin)
            await self.app(scope, receive, send_with_headers)
        finally:
            metrics_module.current.reset(token)
            seconds = time.perf_counter() - started
            # The route template, never the raw path: a path can carry an avatar hash or whatever
            # a client typed into a URL.
            route = route_template(scope)
            self.metrics.observe_request(scope["method"], route, status, seconds)
            log_access(request_id, scope["method"], route, status, seconds * 1000)


# nginx's code for "client closed request": the access log and metrics show what happened, and
# nobody reads the answer.
CLIENT_CLOSED_REQUEST = 499


async def client_gone(request: Request, exc: Exception) -> Response:
    """The handler for Starlette's `ClientDisconnect`: the client hung up before its body arrived.

    A closed tab, a proxy's timeout or a load generator stopping: nothing was received to store,
    so there is nothing to lose and no stack trace to log.
    """
    return Response(status_code=CLIENT_CLOSED_REQUEST)

"""Prometheus metrics: one registry per app (tests build many apps), scraped at `GET /metrics`.

Labels carry route templates (`/posts/{post_id}/comments`), methods, status codes and decision
statuses only: never a raw path, an email, an IP address, a user agent or comment text.

The comment path reaches the app's metrics through a context variable that the middleware sets
for each request, so `record_decision(status)` and the scorer's timing need no app handle and cost
a context look-up when no app is listening (scripts, training).
"""

from __future__ import annotations

import contextvars
import time

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    Info,
    generate_latest,
)
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

UNMATCHED_ROUTE = "(unmatched)"
# A client chooses the method: anything else is one label value, so labels cannot be flooded.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Scoring is a single in-process model call: its buckets start well below the request buckets.
SCORING_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)

_current: contextvars.ContextVar[Metrics | None] = contextvars.ContextVar("service_metrics", default=None)


class Metrics:
    """The app's metrics, in a registry of its own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "comments_http_requests",
            "HTTP requests by route template and status.",
            ["method", "route", "status"],
            registry=r,
        )
        self.latency = Histogram(
            "comments_http_request_duration_seconds",
            "Time to answer an HTTP request, by route template.",
            ["method", "route"],
            registry=r,
        )
        self.decisions = Counter(
            "comments_decisions", "Stored comments by the status decided for them.", ["status"], registry=r
        )
        self.scoring = Histogram(
            "comments_scoring_duration_seconds",
            "Time the classifier takes to score one comment.",
            buckets=SCORING_BUCKETS,
            registry=r,
        )
        self.pending = Gauge("comments_pending", "Comments waiting in the moderation queue.", registry=r)
        self.model = Info("comments_model", "The classifier currently scoring comments.", registry=r)
        self.purged = Counter(
            "comments_retention_purged",
            "Comments whose IP address and user agent the retention purge erased.",
            registry=r,
        )
        for collector in (ProcessCollector, PlatformCollector, GCCollector):
            collector(registry=r)

    def render(self) -> bytes:
        return generate_latest(self.registry)


def record_decision(status: str) -> None:
    """Counts one stored comment by its decided status (`approved`, `pending`, `spam`)."""
    metrics = _current.get()
    if metrics is not None:
        metrics.decisions.labels(status).inc()


def observe_scoring(seconds: float) -> None:
    """Records how long one classifier call took (called by `Scorer.score`)."""
    metrics = _current.get()
    if metrics is not None:
        metrics.scoring.observe(seconds)


def route_template(scope: Scope) -> str:
    """The matched route's path template; never the raw path, which may carry ids or hashes."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED_ROUTE


class MetricsMiddleware:
    """Counts and times every HTTP request by method, route template and status."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = _current.set(self.metrics)
        started = time.perf_counter()
        status = 500  # what the client gets when the app raises

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            _current.reset(token)
            method = scope["method"] if scope["method"] in KNOWN_METHODS else "OTHER"
            route = route_template(scope)
            self.metrics.latency.labels(method, route).observe(time.perf_counter() - started)
            self.metrics.requests.labels(method, route, str(status)).inc()


async def metrics_endpoint(request: Request) -> Response:
    """`GET /metrics`: queue depth and model version are read at scrape time, the rest as counted."""
    svc = request.app.state.services
    metrics: Metrics = request.app.state.metrics
    metrics.pending.set(await svc.store.count_pending_comments())
    metrics.model.info({"version": svc.scorer.version})
    return Response(metrics.render(), media_type=CONTENT_TYPE_PLAIN_0_0_4)

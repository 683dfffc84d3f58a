"""Prometheus metrics: one registry per app (tests build many apps), scraped at `GET /metrics`.

Labels carry route templates (`/posts/{post_id}/comments`), methods, status codes and decision
statuses only: never a raw path, an email, an IP address, a user agent or comment text.

The comment path reaches the app's metrics through a context variable that `service/http/edge.py` sets
for each request, so `record_decision(status)` and the scorer's timing need no app handle and cost
a context look-up when no app is listening (scripts, training).
"""

from __future__ import annotations

import contextvars

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
from starlette.types import Scope

UNMATCHED_ROUTE = "(unmatched)"
# A client chooses the method: anything else is one label value, so labels cannot be flooded.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Scoring is a single in-process model call: its buckets start well below the request buckets.
SCORING_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)

# The metrics of the app serving the current request (set by `service/http/edge.py`), None elsewhere.
current: contextvars.ContextVar[Metrics | None] = contextvars.ContextVar("service_metrics", default=None)


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
        # `labels(...)` validates and locks on every call; a request only needs the child series for
        # its (method, route, status), of which there are a few dozen: looked up once, then reused.
        self._request_series: dict[tuple[str, str, int], tuple[Histogram, Counter]] = {}
        self._decision_series: dict[str, Counter] = {}

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        """Counts and times one HTTP request. `route` is a route template (`route_template`)."""
        method = method if method in KNOWN_METHODS else "OTHER"
        key = (method, route, status)
        series = self._request_series.get(key)
        if series is None:
            series = self._request_series[key] = (
                self.latency.labels(method, route),
                self.requests.labels(method, route, str(status)),
            )
        series[0].observe(seconds)
        series[1].inc()

    def count_decision(self, status: str) -> None:
        series = self._decision_series.get(status)
        if series is None:
            series = self._decision_series[status] = self.decisions.labels(status)
        series.inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)


def record_decision(status: str) -> None:
    """Counts one stored comment by its decided status (`approved`, `pending`, `spam`)."""
    metrics = current.get()
    if metrics is not None:
        metrics.count_decision(status)


def observe_scoring(seconds: float) -> None:
    """Records how long one classifier call took (called by `Scorer.score`)."""
    metrics = current.get()
    if metrics is not None:
        metrics.scoring.observe(seconds)


def route_template(scope: Scope) -> str:
    """The matched route's path template; never the raw path, which may carry ids or hashes."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED_ROUTE


async def metrics_endpoint(request: Request) -> Response:
    """`GET /metrics`: queue depth and model version are read at scrape time, the rest as counted."""
    svc = request.app.state.services
    metrics: Metrics = request.app.state.metrics
    metrics.pending.set(await svc.store.count_pending_comments())
    metrics.model.info({"version": svc.scorer.version})
    return Response(metrics.render(), media_type=CONTENT_TYPE_PLAIN_0_0_4)

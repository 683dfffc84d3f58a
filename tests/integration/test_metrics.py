"""`GET /metrics`: Prometheus text that a Prometheus parser reads, labelled by route template,
with no email, IP address, user agent or comment text anywhere in it."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from helpers import PROBE_EMAIL, comment_fields
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample
from starlette.testclient import TestClient

from service.app import create_app
from service.scoring.scorer import Scorer
from service.settings import Settings

PROBE_IP = "198.51.100.23"
PROBE_AGENT = "MetricsProbe/3.3"
PROBE_TEXT = "Thanks for the clear write-up of the weather."


def scrape(client: TestClient) -> tuple[str, list[Sample]]:
    r = client.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    families = list(text_string_to_metric_families(r.text))
    return r.text, [sample for family in families for sample in family.samples]


def value(samples: list[Sample], name: str, **labels: str) -> float:
    return sum(s.value for s in samples if s.name == name and labels.items() <= s.labels.items())


def test_metrics_count_requests_decisions_queue_model_and_scoring(
    make_settings: Callable[..., Settings], scorer: Scorer
) -> None:
    # Behind a trusted proxy, so the probe IP is the one the service records for the commenter.
    settings = make_settings(trusted_proxies="127.0.0.1/32")
    app = create_app(settings, scorer=scorer)
    with TestClient(app, base_url="http://127.0.0.1:8000", client=("127.0.0.1", 50000)) as client:
        headers = {"User-Agent": PROBE_AGENT, "X-Forwarded-For": PROBE_IP}
        statuses = []
        # The second is held whatever the model says: an address typed into the text holds it.
        for text in (PROBE_TEXT, "Write to me at someone@example.com about this."):
            r = client.post("/comments", json=comment_fields(text), headers=headers)
            assert r.status_code == 201
            statuses.append(r.json()["status"])
        assert statuses[1] == "pending"
        assert client.post("/comments", json={"comment": ""}).status_code == 422
        assert client.get("/posts/metrics-probe-post-42/comments").status_code == 200
        assert client.get("/no/such/page/" + PROBE_EMAIL).status_code == 404

        text, samples = scrape(client)

    with sqlite3.connect(settings.db_target) as conn:  # the probes were really there to leak
        assert conn.execute("SELECT DISTINCT ip, user_agent FROM comments").fetchall() == [(PROBE_IP, PROBE_AGENT)]
    comments_route = {"method": "POST", "route": "/comments"}
    assert value(samples, "comments_http_requests_total", **comments_route, status="201") == 2
    assert value(samples, "comments_http_requests_total", **comments_route, status="422") == 1
    assert value(samples, "comments_http_requests_total", route="/posts/{post_id}/comments", status="200") == 1
    assert value(samples, "comments_http_requests_total", route="(unmatched)", status="404") == 1
    assert value(samples, "comments_http_request_duration_seconds_count", **comments_route) == 3
    for status in ("approved", "pending", "spam"):
        assert value(samples, "comments_decisions_total", status=status) == statuses.count(status)
    assert value(samples, "comments_pending") == statuses.count("pending")  # read from the store at scrape time
    assert value(samples, "comments_model_info", version=scorer.version) == 1
    assert value(samples, "comments_scoring_duration_seconds_count") == 2  # one per scored comment

    routes = {s.labels["route"] for s in samples if "route" in s.labels}
    assert routes <= {"/comments", "/posts/{post_id}/comments", "/metrics", "(unmatched)"}, routes
    # Neither personal data nor raw paths: the post's id and the probe's path stay out of labels.
    for secret in (PROBE_EMAIL, "someone@example.com", PROBE_IP, PROBE_AGENT, "weather", "metrics-probe-post-42"):
        assert secret not in text, secret


def test_each_app_has_its_own_registry(make_settings: Callable[..., Settings], scorer: Scorer) -> None:
    first = make_settings()
    second = Settings(data_dir=first.data_dir / "second", secret_key=first.secret_key)
    with TestClient(create_app(first, scorer=scorer)) as busy, TestClient(create_app(second, scorer=scorer)) as quiet:
        for _ in range(3):
            assert busy.get("/healthz").status_code == 200
        _, quiet_samples = scrape(quiet)
        _, busy_samples = scrape(busy)
    assert value(busy_samples, "comments_http_requests_total", route="/healthz") == 3
    assert value(quiet_samples, "comments_http_requests_total", route="/healthz") == 0

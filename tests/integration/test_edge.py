"""The one middleware in front of every request (service/http/edge.py): request ids, CORS, metrics and
the access log line, for answers from the app and for CORS preflights alike."""

from __future__ import annotations

import logging

import pytest
from helpers import comment_fields, set_default_site
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

ORIGIN = "https://news.example.org"


def _request_count(client: TestClient, **labels: str) -> float:
    families = text_string_to_metric_families(client.get("/metrics").text)
    return sum(
        s.value
        for family in families
        for s in family.samples
        if s.name == "comments_http_requests_total" and labels.items() <= s.labels.items()
    )


def test_every_answer_gets_a_request_id_and_is_counted_and_logged(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    set_default_site(client, allowed_origins=(ORIGIN,))
    caplog.set_level(logging.INFO, logger="service.access")
    preflight = client.options("/comments", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"})
    posted = client.post("/comments", json=comment_fields("Edge probe."), headers={"Origin": ORIGIN})
    stranger = client.post("/comments", json=comment_fields("Edge probe 2."), headers={"Origin": "https://x.example"})
    kept = client.get("/healthz", headers={"X-Request-ID": "proxy-id-1234"})

    assert preflight.status_code == 204 and preflight.headers["access-control-allow-origin"] == ORIGIN
    assert posted.status_code == 201 and posted.headers["access-control-allow-origin"] == ORIGIN
    assert posted.headers["vary"] == "Origin"
    assert stranger.status_code == 201 and "access-control-allow-origin" not in stranger.headers
    assert kept.headers["x-request-id"] == "proxy-id-1234"
    ids = [r.headers["x-request-id"] for r in (preflight, posted, stranger)]
    assert len(set(ids)) == 3 and all(len(i) == 32 for i in ids)

    lines = [r for r in caplog.records if r.name == "service.access"]
    assert [getattr(r, "request_id", None) for r in lines] == [*ids, "proxy-id-1234"]
    assert [(r.method, r.path, r.status) for r in lines[:2]] == [  # type: ignore[attr-defined]
        ("OPTIONS", "(unmatched)", 204),
        ("POST", "/comments", 201),
    ]
    # The preflight never reaches the router: it is counted under the unmatched route.
    assert _request_count(client, method="OPTIONS", route="(unmatched)", status="204") == 1
    assert _request_count(client, method="POST", route="/comments", status="201") == 2


def test_unknown_methods_share_one_label(client: TestClient) -> None:
    for method in ("BREW", "PROPFIND"):
        client.request(method, "/healthz")
    assert _request_count(client, method="OTHER") == 2

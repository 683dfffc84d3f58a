"""Every route's body limit: a declared length over it is refused before the handler runs, a
chunked body is cut off at it; the moderators' routes take 64 KiB, comments `--max-body-bytes`.
(tests/e2e/test_http_framing.py shows the same over raw sockets, with nothing read.)"""

from __future__ import annotations

from collections.abc import Iterator

from helpers import bearer, make_token
from starlette.testclient import TestClient

from service.http.body_limit import MODERATION_BODY_BYTES


def chunks(total: int, size: int = 8192) -> Iterator[bytes]:
    """A body without Content-Length: httpx sends an iterator chunked."""
    sent = 0
    while sent < total:
        yield b" " * min(size, total - sent)
        sent += size


def test_moderation_routes_refuse_bodies_over_64_kib(client: TestClient) -> None:
    token = make_token(client)
    big = b'{"ids": [1], "decision": "approve", "pad": "' + b"x" * MODERATION_BODY_BYTES + b'"}'
    for path in ("/moderation/decisions", "/moderation/comments/1/decision"):
        r = client.post(path, content=big, headers={**bearer(token), "Content-Type": "application/json"})
        assert r.status_code == 413 and "body" in r.json()["errors"], path
        assert r.headers["connection"] == "close"
        r = client.post(path, content=chunks(MODERATION_BODY_BYTES + 1), headers=bearer(token))
        assert r.status_code == 413 and "body" in r.json()["errors"], path
    r = client.post(
        "/moderation/sign-in", content=chunks(200_000), headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert r.status_code == 413


def test_comment_routes_take_the_configured_limit(client: TestClient) -> None:
    limit = client.app.state.services.settings.max_body_bytes  # type: ignore[attr-defined]
    json_type = {"Content-Type": "application/json"}
    r = client.post("/comments", content=chunks(limit + 1), headers=json_type)
    assert r.status_code == 413 and "body" in r.json()["errors"]
    r = client.post(
        "/1.1/comment-check", content=chunks(limit + 1), headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert r.status_code == 413 and r.text == "invalid"  # Akismet's kind of answer
    # Just under the limit is read and judged on its fields, not refused for its size.
    r = client.post("/comments", content=chunks(limit - 10), headers=json_type)
    assert r.status_code == 422


def test_both_length_headers_are_refused(client: TestClient) -> None:
    r = client.post(
        "/comments",
        content=b"0\r\n\r\n",
        headers={"Content-Type": "application/json", "Content-Length": "5", "Transfer-Encoding": "chunked"},
    )
    assert r.status_code == 400 and r.headers["connection"] == "close"

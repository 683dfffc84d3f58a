"""What a browser may do with our answers: every page carries a Content-Security-Policy without
inline script, refuses framing and keeps its referrer; every answer, errors included, carries
`nosniff` and a request id."""

from __future__ import annotations

import json
import re
from pathlib import Path

from helpers import bearer, comment_fields, make_token
from starlette.testclient import TestClient

from service.app import TEMPLATES_DIR, create_app
from service.scoring.scorer import Scorer
from service.settings import Settings


def assert_page_headers(response) -> None:  # type: ignore[no-untyped-def]
    csp = response.headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'", csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert directives["frame-ancestors"] == "'none'" and directives["default-src"] == "'none'"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert len(response.headers.get_list("content-security-policy")) == 1


def test_every_page_carries_the_browser_headers(browser: TestClient) -> None:
    pages = [
        browser.get("/"),
        browser.get("/articles/some-post"),
        browser.get("/awaiting-moderation?site=1&post=x"),
        browser.get("/moderation/"),  # the sign-in form
        browser.post("/comments", data={"comment": ""}, headers={"Accept": "text/html"}),  # the error page
        browser.post("/moderation/sign-in", data={"token": "wrong", "csrf": "wrong"}),
    ]
    for page in pages:
        assert page.headers["content-type"].startswith("text/html"), page.request.url
        assert_page_headers(page)
    assert pages[4].status_code == 422 and "could not be posted" in pages[4].text
    avatar = browser.get("/avatars/" + "0" * 32 + ".svg")
    assert avatar.headers["content-type"] == "image/svg+xml"
    assert_page_headers(avatar)  # an SVG opened on its own is a document too


def test_every_answer_carries_nosniff_and_a_request_id_errors_included(client: TestClient) -> None:
    answers = [
        client.get("/healthz"),
        client.post("/comments", json=comment_fields("Fine words.")),
        client.post("/comments", json={}),  # 422
        client.post("/comments", content=b"x", headers={"Content-Type": "text/csv"}),  # 415
        client.post("/comments", content=b"x" * 2_000_000, headers={"Content-Type": "application/json"}),  # 413
        client.get("/no/such/page"),  # 404
        client.get("/moderation/queue"),  # 401
        client.get("/static/site.css"),
    ]
    for answer in answers:
        assert answer.headers["x-content-type-options"] == "nosniff", answer.request.url
        assert re.fullmatch(r"[0-9a-f]{32}", answer.headers["x-request-id"]), answer.request.url
        if not answer.headers["content-type"].startswith("text/html"):
            assert "content-security-policy" not in answer.headers
    assert [a.status_code for a in answers[2:7]] == [422, 415, 413, 404, 401]


def test_an_unhandled_error_answer_carries_the_request_id(settings: Settings, scorer: Scorer) -> None:
    app = create_app(settings, scorer=scorer)

    async def broken(request: object) -> None:
        raise RuntimeError("boom")

    app.add_route("/broken", broken)
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/broken", headers={"X-Request-ID": "probe-request-0001"})
    assert r.status_code == 500 and r.headers["x-request-id"] == "probe-request-0001"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "probe-request-0001" in json.dumps(r.json())


def test_no_template_holds_inline_script_style_or_handlers() -> None:
    for template in Path(TEMPLATES_DIR).rglob("*.html"):
        text = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), template  # every script is a /static file
        assert "<style" not in text and not re.search(r"\sstyle=", text), template
        assert not re.search(r"\son[a-z]+\s*=", text), template
        assert "javascript:" not in text, template


def test_the_moderation_api_answers_are_not_pages(client: TestClient) -> None:
    r = client.get("/moderation/queue", headers=bearer(make_token(client)))
    assert r.status_code == 200 and "content-security-policy" not in r.headers
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["cache-control"] == "no-store"

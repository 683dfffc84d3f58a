"""What a fuzzing run sent that used to answer 500: each now gets an answer naming the problem, or is
simply not ours (a signature, a session), and the service goes on as before."""

from __future__ import annotations

import base64
import json
import logging

import pytest
from helpers import bearer, comment_fields, csrf_of, hold_everything, make_token, post_pending, sign_in
from starlette.testclient import TestClient

from service.app import create_app
from service.http.client_json import NotUnicodeText, loads_client_json
from service.moderation.queue_query import Cursor
from service.scoring.scorer import Scorer
from service.settings import Settings

LONE_SURROGATE = '"a\\ud800b"'  # JSON text for a str holding half of a UTF-16 pair


def test_loads_client_json_refuses_lone_surrogates_and_keeps_real_pairs() -> None:
    assert loads_client_json('{"x": "\\ud83d\\ude00"}') == {"x": "\U0001f600"}  # an escaped emoji
    for raw in (LONE_SURROGATE, '{"\\udfff": 1}', '[["ok", "\\ud800"]]'):
        with pytest.raises(NotUnicodeText):
            loads_client_json(raw)
        with pytest.raises(NotUnicodeText):
            loads_client_json(raw.encode())


@pytest.mark.parametrize(
    "path, body",
    [
        ("/comments", '{"comment_post_ID": "p1", "comment": %s, "author": "A", "email": "a@example.com"}'),
        ("/comments", '{"comment_post_ID": "p1", "comment": "Hello there.", "author": %s, "email": "a@example.com"}'),
        ("/comments", '{"comment_post_ID": "p1", %s: {}}'),
        ("/score", '{"comment_post_ID": "p1", "comment": "Hi.", "author": "A", "email": "a@b.co", "site_key": %s}'),
        ("/1.1/verify-key", '{"key": %s}'),
        ("/1.1/comment-check", '{"api_key": %s, "comment_content": "hi"}'),
        ("/1.1/submit-spam", '{"api_key": "k", "comment_content": %s}'),
    ],
)
def test_a_lone_surrogate_in_a_json_body_is_a_named_error(client: TestClient, path: str, body: str) -> None:
    r = client.post(path, content=body % LONE_SURROGATE, headers={"Content-Type": "application/json"})
    assert r.status_code == 422, r.text
    if path.startswith("/1.1/"):  # Akismet's answers are plain text; the reason is in a header
        assert "not valid JSON in UTF-8" in r.headers["x-akismet-debug-help"]
    else:
        assert set(r.json()["errors"]) == {"body"}


def test_a_lone_surrogate_in_a_moderators_json_or_a_cursor_is_a_named_error(client: TestClient) -> None:
    hold_everything(client)
    cid = post_pending(client)
    token = make_token(client)
    r = client.post(
        f"/moderation/comments/{cid}/decision",
        content='{"decision": "trash", "reason": ' + LONE_SURROGATE + "}",
        headers={"Content-Type": "application/json", **bearer(token)},
    )
    assert r.status_code == 422 and "body" in r.json()["errors"]
    assert client.get(f"/moderation/comments/{cid}", headers=bearer(token)).json()["status"] == "pending"
    for cursor_json in ('["oldest", ' + LONE_SURROGATE + ", 1]", '["oldest", "x", 99999999999999999999]'):
        cursor = base64.urlsafe_b64encode(cursor_json.encode()).decode().rstrip("=")
        r = client.get("/moderation/queue", params={"cursor": cursor}, headers=bearer(token))
        assert r.status_code == 422 and "cursor" in r.json()["errors"]
    assert Cursor.decode(Cursor(order="score", key=0.5, id=3).encode()) == Cursor(order="score", key=0.5, id=3)


@pytest.mark.parametrize("url", ["http://[::1", "[::1", "http://u@[::1/", "http://[abc]/", "http://]x.com["])
def test_a_website_with_a_broken_bracketed_host_is_refused_by_name(client: TestClient, url: str) -> None:
    r = client.post("/comments", data=comment_fields("Thanks for writing this up.", url=url))
    assert r.status_code == 422 and set(r.json()["errors"]) == {"url"}


def test_a_signature_with_non_ascii_characters_is_not_ours(browser: TestClient) -> None:  # noqa: F811
    # A form token: counted against the comment like any token that is not ours, not a crash.
    r = browser.post("/comments", data=comment_fields("Good points in this piece.", form_token="1.1.é"))
    assert r.status_code == 201, r.text
    # A session cookie or a CSRF token: no session, a form that expired.
    page = browser.get("/moderation/", headers={"Cookie": "moderation_session=1.2.é".encode("latin-1")})
    assert page.status_code == 200 and 'action="/moderation/sign-in"' in page.text
    r = browser.post("/moderation/sign-in", data={"token": make_token(browser), "csrf": "é"})
    assert r.status_code == 403
    hold_everything(browser)
    cid = post_pending(browser)
    html = sign_in(browser, make_token(browser))
    assert csrf_of(html)
    r = browser.post("/moderation/act", data={"one": f"{cid}:approve", f"seen_{cid}": "pending", "csrf": "é"})
    assert r.status_code == 200 and "The form expired; nothing was changed" in r.text


def test_a_comment_id_too_long_for_any_comment_matches_no_route(client: TestClient) -> None:
    token = make_token(client, "admin")
    for digits in (19, 5000):
        path = "/moderation/comments/" + "9" * digits
        assert client.get(path, headers=bearer(token)).status_code == 404
        assert client.post(path + "/decision", json={"decision": "trash"}, headers=bearer(token)).status_code == 404


def test_an_unhandled_error_is_logged_with_the_route_not_the_raw_path(
    settings: Settings, scorer: Scorer, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(settings, scorer=scorer)

    async def broken(request: object) -> None:
        raise RuntimeError("boom")

    app.add_route("/broken/{anything}", broken)
    with TestClient(app, raise_server_exceptions=False) as c, caplog.at_level(logging.ERROR, "service.app"):
        r = c.get("/broken/" + "x" * 300)
    assert r.status_code == 500 and "request" in json.dumps(r.json())
    assert [rec.getMessage() for rec in caplog.records if rec.name == "service.app"] == [
        "unhandled RuntimeError on /broken/{anything}"
    ]


DEEP_ARRAY = "[" * 5000 + "]" * 5000
DEEP_OBJECT = '{"a":' * 5000 + "1" + "}" * 5000


@pytest.mark.parametrize("deep", [DEEP_ARRAY, DEEP_OBJECT])
def test_deeply_nested_json_is_a_422_naming_the_body_everywhere(client: TestClient, deep: str) -> None:
    token = make_token(client, "admin")
    json_type = {"Content-Type": "application/json"}
    for path in ("/comments", "/score", "/moderation/decisions", "/moderation/comments/1/decision"):
        r = client.post(path, content=deep, headers={**json_type, **bearer(token)})
        assert r.status_code == 422 and "nested more than 32 deep" in r.json()["errors"]["body"], path
    for path in ("/1.1/comment-check", "/1.1/submit-spam"):
        r = client.post(path, content=deep, headers=json_type)
        assert r.status_code == 422 and "nested" in r.headers["x-akismet-debug-help"], path
    cursor = base64.urlsafe_b64encode(deep.encode()).decode()
    r = client.get("/moderation/queue", params={"cursor": cursor}, headers=bearer(token))
    assert r.status_code == 422 and "cursor" in r.json()["errors"]


ODD_VALUES = [[1], {"a": 1}, True, 1.5, "1", None, -3, 2**70, []]


def test_decisions_of_unexpected_json_types_are_named_errors(client: TestClient) -> None:
    hold_everything(client)
    cid = post_pending(client)
    token = make_token(client)
    for value in ODD_VALUES:
        for body in (
            {"decision": value},
            {"decision": value, "reason": "toxic"},
            {"decision": "reject", "reason": value},
            {"decision": "approve", "expected_status": value},
        ):
            r = client.post(f"/moderation/comments/{cid}/decision", json=body, headers=bearer(token))
            assert r.status_code in (200, 409, 422), (body, r.text)
            if r.status_code == 422:
                assert set(r.json()["errors"]) <= {"decision", "reason", "expected_status"}, body
        for body in (
            {"ids": [value], "decision": "spam"},
            {"ids": value, "decision": "spam"},
            {"items": [{"id": value, "decision": "spam"}]},
            {"items": [value]},
            {"items": value},
            {"ids": [cid], "decision": value, "reason": value},
        ):
            r = client.post("/moderation/decisions", json=body, headers=bearer(token))
            assert r.status_code in (200, 422), (body, r.text)
            if r.status_code == 422:
                assert all(k in ("ids", "items") or k.startswith("items[") for k in r.json()["errors"]), body
    assert client.get(f"/moderation/comments/{cid}", headers=bearer(token)).status_code == 200


@pytest.mark.parametrize("made_up", ['[["oldest"], 1, 1]', '{"a": 1, "b": 2, "c": 3}', '"abc"', '["oldest", {}, 1]',
                                     '["oldest", 1, true]', "[1, 2]", '[{"x": 1}, 1, 1]'])  # fmt: skip
def test_made_up_cursors_of_any_json_type_are_named_errors(client: TestClient, made_up: str) -> None:
    cursor = base64.urlsafe_b64encode(made_up.encode()).decode().rstrip("=")
    r = client.get("/moderation/queue", params={"cursor": cursor}, headers=bearer(make_token(client)))
    assert r.status_code == 422 and set(r.json()["errors"]) == {"cursor"}


@pytest.mark.parametrize("path", ["/1.1/submit-spam", "/1.1/submit-ham", "/1.1/comment-check", "/1.1/verify-key"])
def test_akismet_fields_of_unexpected_json_types_get_akismets_kind_of_answer(client: TestClient, path: str) -> None:
    for value in ODD_VALUES:
        body = {"api_key": value, "key": value, "comment_content": value, "comment_author_email": value,
                "comment_author_url": value, "user_ip": value, "comment_type": value, "blog": value}  # fmt: skip
        r = client.post(path, json=body)
        assert r.status_code in (200, 422), (value, r.text)
        assert r.headers["content-type"].startswith("text/plain")

"""POST /comments and POST /score over HTTP against the real app and a real SQLite file."""

from __future__ import annotations

import sqlite3

import pytest
from helpers import comment_fields
from starlette.responses import JSONResponse
from starlette.testclient import TestClient

from service.settings import Settings
from service.views.common import JSONAnswer

CLEAR = "Thanks for the clear write-up of the vote. The French ambassador's quote says it all."
BORDERLINE = "You are a complete idiot if you believe a word of this, honestly."
LINK_SPAM = (
    "BEST CHEAP PILLS!!! Buy now http://cheap-pills.example/buy http://cheap-pills.example/deal "
    "http://casino-win.example http://loans-fast.example call 1-888-555-0199 now!!!"
)
HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def test_clear_comment_is_approved_with_scores_and_version(client: TestClient) -> None:
    r = client.post("/comments", json=comment_fields(CLEAR))
    assert r.status_code == 201
    body = r.json()
    assert set(body) == {"id", "post_id", "status", "scores", "reasons", "model_version"}
    assert body["status"] == "approved" and body["reasons"] == [] and body["post_id"] == "un-vote-2025"
    assert 0 <= body["scores"]["spam"] <= 1 and 0 <= body["scores"]["toxicity"] <= 1
    assert body["model_version"] == client.app.state.services.scorer.version  # type: ignore[attr-defined]


def test_borderline_comment_is_pending_with_reason(client: TestClient) -> None:
    body = client.post("/comments", json=comment_fields(BORDERLINE, author="Probe")).json()
    assert body["status"] == "pending"
    assert "toxicity_score" in body["reasons"]


def test_blatant_link_spam_is_spam(client: TestClient) -> None:
    fields = comment_fields(LINK_SPAM, author="Cheap Pills Online", email="promo@cheap-pills.example")
    body = client.post("/comments", json=fields).json()
    assert body["status"] == "spam"
    assert "spam_score" in body["reasons"] and "links>=2" in body["reasons"]


def test_form_urlencoded_and_multipart_bodies(client: TestClient) -> None:
    r = client.post("/comments", data=comment_fields(CLEAR, submit="Post Comment"))
    assert r.status_code == 201 and r.json()["status"] == "approved"
    r = client.post("/comments", data=comment_fields(CLEAR + " Again."), files={"comment_parent": (None, "0")})
    assert r.status_code == 201 and r.headers["content-type"] == "application/json"


def test_one_422_names_every_failing_field(client: TestClient) -> None:
    r = client.post("/comments", data={"comment_post_ID": "un-vote-2025", "comment": "", "author": "", "email": ""})
    assert r.status_code == 422
    assert {"comment", "author", "email"} <= set(r.json()["errors"])
    r = client.post("/comments", json={"comment": "x", "author": ["list"], "email": "a@example.org"})
    assert r.status_code == 422 and "author" in r.json()["errors"]


def test_bad_bodies_get_clear_errors(client: TestClient, make_settings) -> None:  # type: ignore[no-untyped-def]
    assert client.post("/comments", content=b"comment=hi", headers={"Content-Type": "text/plain"}).status_code == 415
    r = client.post("/comments", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and "body" in r.json()["errors"]
    r = client.post("/comments", content=b"[1, 2]", headers={"Content-Type": "application/json"})
    assert r.status_code == 422
    r = client.post("/comments", json=comment_fields("x" * 70_000))
    assert r.status_code == 422 and "comment" in r.json()["errors"]
    r = client.post(
        "/comments",
        content=b"comment=" + b"x" * 2_000_000,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 413 and "body" in r.json()["errors"]


def test_browser_form_post_redirects_back_to_the_article(client: TestClient) -> None:
    r = client.post("/comments", data=comment_fields(CLEAR), headers=HTML, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/articles/un-vote-2025#comment-")
    page = client.get(r.headers["location"].split("#")[0])
    assert f'id="comment-{r.headers["location"].rsplit("-", 1)[1]}"' in page.text


def test_browser_post_held_for_moderation_sees_the_awaiting_page(client: TestClient) -> None:
    r = client.post("/comments", data=comment_fields(BORDERLINE), headers=HTML, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/awaiting-moderation?")
    page = client.get(r.headers["location"])
    assert "awaiting moderation" in page.text and 'href="/articles/un-vote-2025"' in page.text


def test_browser_post_with_errors_gets_an_error_page(client: TestClient) -> None:
    r = client.post("/comments", data=comment_fields("", author=""), headers=HTML)
    assert r.status_code == 422 and r.headers["content-type"].startswith("text/html")
    assert "<code>comment</code>" in r.text and "<code>author</code>" in r.text


def test_reply_must_target_an_approved_comment_on_the_same_post(client: TestClient) -> None:
    parent = client.post("/comments", json=comment_fields(CLEAR)).json()["id"]
    held = client.post("/comments", json=comment_fields(BORDERLINE)).json()["id"]
    r = client.post("/comments", json=comment_fields("I agree with you.", comment_parent=str(parent)))
    assert r.status_code == 201
    child = r.json()["id"]
    for bad in (held, 999_999):
        r = client.post("/comments", json=comment_fields("Replying.", comment_parent=str(bad)))
        assert r.status_code == 422 and "comment_parent" in r.json()["errors"]
    r = client.post("/comments", json=comment_fields("Replying.", comment_parent=str(parent), comment_post_ID="other"))
    assert r.status_code == 422
    listing = client.get("/posts/un-vote-2025/comments").json()
    assert {(c["id"], c["parent"]) for c in listing} >= {(parent, 0), (child, parent)}


def test_score_answers_like_comments_and_stores_nothing(client: TestClient, settings: Settings) -> None:
    r = client.post("/score", json=comment_fields(CLEAR))
    assert r.status_code == 200
    assert set(r.json()) == {"status", "scores", "reasons", "model_version"} and r.json()["status"] == "approved"
    assert client.post("/score", json=comment_fields("")).status_code == 422
    rows = sqlite3.connect(settings.data_dir / "comments.db").execute("SELECT count(*) FROM comments").fetchone()
    assert rows == (0,)


def test_public_listing_shows_only_approved_and_no_private_keys(client: TestClient) -> None:
    approved = client.post("/comments", json=comment_fields(CLEAR)).json()["id"]
    held = client.post("/comments", json=comment_fields(BORDERLINE)).json()["id"]
    listing = client.get("/posts/un-vote-2025/comments").json()
    assert [c["id"] for c in listing] == [approved] and held != approved
    assert set(listing[0]) == {"id", "parent", "author", "url", "avatar", "content", "created_at"}
    assert client.get("/posts/no-such-post/comments").json() == []


def test_unknown_site_key_is_refused_not_posted_to_the_default_site(client: TestClient) -> None:
    r = client.post("/comments", json=comment_fields(CLEAR), headers={"X-Site-Key": "sk_made_up"})
    assert r.status_code == 403 and "site_key" in r.json()["errors"]


def test_json_answers_are_byte_for_byte_starlettes() -> None:
    for content in ({"scores": {"spam": 0.1234}, "reasons": ["links>=2"], "author": "Zoë"}, [1, None, True], "é"):
        assert JSONAnswer(content, status_code=201).body == JSONResponse(content, status_code=201).body
    with pytest.raises(ValueError):
        JSONAnswer({"spam": float("nan")})  # as Starlette: never a non-standard NaN in an answer

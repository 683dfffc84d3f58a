"""Duplicates, flood, the signed form token and honeypot, and the client IP behind proxies."""

from __future__ import annotations

from helpers import comment_fields, set_default_site
from starlette.requests import Request
from starlette.testclient import TestClient

from service.http.client_ip import client_ip, parse_trusted_proxies
from service.intake.flood import FloodGuard
from service.intake.form_token import HONEYPOT_FIELD, TOKEN_FIELD, FormTokens, form_trap_hits

CLEAR = "Thanks for the clear write-up of the vote. The French ambassador's quote says it all."


def test_duplicate_is_409_by_default_and_switchable(client: TestClient) -> None:
    assert client.post("/comments", json=comment_fields(CLEAR)).status_code == 201
    r = client.post("/comments", json=comment_fields(CLEAR))
    assert r.status_code == 409 and "duplicate" in r.json()["errors"]["comment"]
    assert client.post("/comments", json=comment_fields(CLEAR, comment_post_ID="other-post")).status_code == 201
    set_default_site(client, reject_duplicates=False)
    assert client.post("/comments", json=comment_fields(CLEAR)).status_code == 201


def test_flood_is_429_with_retry_after_when_switched_on(client: TestClient) -> None:
    # The keyless default site has no flood limit (one person trying the demo); sites get 15 s.
    assert client.post("/comments", json=comment_fields(CLEAR)).status_code == 201
    assert client.post("/comments", json=comment_fields(CLEAR + " More.")).status_code == 201
    set_default_site(client, flood_seconds=15.0)
    assert client.post("/comments", json=comment_fields("First under the limit.")).status_code == 201
    r = client.post("/comments", json=comment_fields("Second, too soon.", email="other@example.org"))
    assert r.status_code == 429 and 1 <= int(r.headers["retry-after"]) <= 15
    assert "comment" in r.json()["errors"]
    assert client.post("/score", json=comment_fields("Scoring never floods.")).status_code == 200


def test_flood_guard_by_ip_or_email_and_window() -> None:
    guard = FloodGuard()
    assert guard.retry_after(1, ["ip:a", "email:x"], 15, now=100.0) == 0
    assert guard.retry_after(1, ["ip:b", "email:x"], 15, now=105.0) == 10  # same email, other IP
    assert guard.retry_after(1, ["ip:a", "email:y"], 15, now=110.0) == 5  # same IP, other email
    assert guard.retry_after(2, ["ip:a", "email:x"], 15, now=110.0) == 0  # another site
    assert guard.retry_after(1, ["ip:a", "email:x"], 15, now=115.5) == 0
    assert guard.retry_after(1, ["ip:a"], 0, now=115.6) == 0  # switched off


def test_form_token_traps() -> None:
    tokens = FormTokens(b"k" * 32)
    token = tokens.issue(1, now=1000.0)
    assert tokens.age_seconds(token, 1, now=1010.0) == 10.0
    assert tokens.age_seconds(token, 2, now=1010.0) is None  # another site's token
    assert tokens.age_seconds(token[:-1] + "0", 1) is None  # forged signature
    fresh = tokens.issue(1)
    assert [h.reason for h in form_trap_hits({TOKEN_FIELD: fresh}, tokens, 1, 3.0)] == ["too_fast"]
    old = tokens.issue(1, now=1000.0)
    assert form_trap_hits({TOKEN_FIELD: old}, tokens, 1, 3.0) == []
    assert [h.reason for h in form_trap_hits({HONEYPOT_FIELD: "http://bot"}, tokens, 1, 3.0)] == ["honeypot"]
    assert [h.reason for h in form_trap_hits({TOKEN_FIELD: "1.2.bad"}, tokens, 1, 3.0)] == ["form_token_invalid"]
    assert form_trap_hits({}, tokens, 1, 3.0) == []  # no token rendered: not punished


def test_demo_form_carries_token_and_honeypot_and_traps_fast_bots(client: TestClient) -> None:
    page = client.get("/").text
    token = page.split(f'name="{TOKEN_FIELD}" value="')[1].split('"')[0]
    assert f'name="{HONEYPOT_FIELD}"' in page
    r = client.post("/comments", data=comment_fields(CLEAR, **{TOKEN_FIELD: token}))
    assert r.json()["status"] == "spam" and "too_fast" in r.json()["reasons"]
    r = client.post("/comments", data=comment_fields(CLEAR + " x", **{HONEYPOT_FIELD: "filled"}))
    assert r.json()["status"] == "spam" and "honeypot" in r.json()["reasons"]
    set_default_site(client, honeypot=False)
    r = client.post("/comments", data=comment_fields(CLEAR + " y", **{HONEYPOT_FIELD: "filled"}))
    assert r.json()["status"] == "approved"
    fetched = client.get("/form-token").json()
    assert fetched["honeypot_field"] == HONEYPOT_FIELD and fetched[TOKEN_FIELD].startswith("1.")


def _request(peer: str, forwarded: str | None) -> Request:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    return Request({"type": "http", "client": (peer, 5000), "headers": headers, "method": "GET", "path": "/"})


def test_client_ip_trusts_forwarded_for_only_from_listed_proxies() -> None:
    trusted = parse_trusted_proxies("10.0.0.0/8, 127.0.0.1")
    assert client_ip(_request("203.0.113.5", "198.51.100.1"), trusted) == "203.0.113.5"  # not a proxy: ignored
    assert client_ip(_request("10.1.2.3", "198.51.100.1"), trusted) == "198.51.100.1"
    assert client_ip(_request("10.1.2.3", "6.6.6.6, 198.51.100.1, 10.0.0.9"), trusted) == "198.51.100.1"
    assert client_ip(_request("127.0.0.1", "not-an-ip"), trusted) == "127.0.0.1"
    assert client_ip(_request("10.1.2.3", "198.51.100.1"), ()) == "10.1.2.3"  # no proxies configured


def test_cors_for_a_sites_allowed_origin_only(client: TestClient) -> None:
    set_default_site(client, allowed_origins=("https://news.example.org",))
    pre = {"Origin": "https://news.example.org", "Access-Control-Request-Method": "POST"}
    r = client.options("/comments", headers=pre)
    assert r.status_code == 204 and r.headers["access-control-allow-origin"] == "https://news.example.org"
    r = client.options("/comments", headers={**pre, "Origin": "https://evil.example"})
    assert r.status_code == 403
    r = client.get("/posts/un-vote-2025/comments", headers={"Origin": "https://news.example.org"})
    assert r.headers.get("access-control-allow-origin") == "https://news.example.org"

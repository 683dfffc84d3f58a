"""Tokens, roles, the web page's session cookie and CSRF protection."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import bearer, csrf_of, hold_everything, make_token, post_pending, run_cli, sign_in
from starlette.testclient import TestClient

from service.app import create_app
from service.cli.main import main
from service.scoring.scorer import Scorer
from service.settings import Settings


def test_token_commands_create_list_and_revoke(
    tmp_path: Path, make_settings: Callable[..., Settings], scorer: Scorer, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "tokens.db")
    code, out = run_cli(capsys, "token", "create", "--role", "moderator", "--name", "ines", "--db", db)
    token = out.strip().splitlines()[-1]
    assert code == 0 and token.startswith("cmt_") and len(token) > 40
    stored = sqlite3.connect(db).execute("SELECT name, role, token_hash FROM api_tokens").fetchall()
    assert stored[0][:2] == ("ines", "moderator") and token not in str(stored)  # only its hash is kept
    assert main(["token", "create", "--role", "moderator", "--name", "ines", "--db", db]) == 2  # name is taken
    code, out = run_cli(capsys, "token", "list", "--db", db)
    assert "ines\tmoderator" in out and token not in out
    with TestClient(create_app(make_settings(db=db), scorer=scorer)) as client:
        assert client.get("/moderation/queue", headers=bearer(token)).status_code == 200
        assert run_cli(capsys, "token", "revoke", "--name", "ines", "--db", db)[0] == 0
        assert client.get("/moderation/queue", headers=bearer(token)).status_code == 401
    assert main(["token", "revoke", "--name", "ines", "--db", db]) == 2  # nothing live by that name now
    actions = sqlite3.connect(db).execute("SELECT actor, action FROM audit_log ORDER BY id").fetchall()
    assert actions == [("cli", "token_create"), ("cli", "token_revoke")]


def test_api_needs_a_live_token_and_a_role_that_may(client: TestClient) -> None:
    assert client.get("/moderation/queue").status_code == 401
    r = client.get("/moderation/queue", headers={"Authorization": "Bearer cmt_wrong"})
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")
    assert "authorization" in r.json()["errors"]
    assert client.get("/moderation/queue", headers={"Authorization": "Basic abc"}).status_code == 401
    assert client.post("/moderation/comments/1/decision", json={"decision": "approve"}).status_code == 401
    moderator = make_token(client)
    assert client.get("/moderation/queue", headers=bearer(moderator)).status_code == 200
    assert client.post("/moderation/comments/1/reveal-email", headers=bearer(moderator)).status_code == 403


def test_sign_in_sets_a_secure_httponly_strict_session_cookie(browser: TestClient) -> None:
    token = make_token(browser, name="webby")
    page = browser.get("/moderation/")
    assert page.status_code == 200 and '<form method="post" action="/moderation/sign-in">' in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]
    r = browser.post("/moderation/sign-in", data={"token": token, "csrf": csrf_of(page.text)}, follow_redirects=False)
    cookie = next(v for v in r.headers.get_list("set-cookie") if v.startswith("moderation_session="))
    flags = cookie.lower()
    assert "secure" in flags and "httponly" in flags and "samesite=strict" in flags and "path=/moderation" in flags
    assert token not in cookie
    queue_page = browser.get("/moderation/")
    assert "webby (moderator)" in queue_page.text and "waiting" in queue_page.text
    # sign-out ends the session
    browser.post("/moderation/sign-out", data={"csrf": csrf_of(queue_page.text)})
    assert "/moderation/sign-in" in browser.get("/moderation/").text


def test_sign_in_refuses_a_bad_token_or_a_missing_csrf_token(browser: TestClient) -> None:
    token = make_token(browser)
    page = browser.get("/moderation/")
    r = browser.post("/moderation/sign-in", data={"token": "cmt_nope", "csrf": csrf_of(page.text)})
    assert r.status_code == 401 and "unknown or revoked" in r.text
    r = browser.post("/moderation/sign-in", data={"token": token, "csrf": "forged"})
    assert r.status_code == 403 and "moderation_session" not in str(browser.cookies)


def test_every_queue_form_needs_the_sessions_csrf_token(browser: TestClient, settings: Settings) -> None:
    hold_everything(browser)
    cid = post_pending(browser)
    html = sign_in(browser, make_token(browser))
    r = browser.post("/moderation/act", data={"one": f"{cid}:approve", f"seen_{cid}": "pending", "csrf": "x"})
    assert "The form expired; nothing was changed" in r.text
    assert sqlite3.connect(settings.db_target).execute("SELECT status FROM comments").fetchall() == [("pending",)]
    r = browser.post("/moderation/act", data={"one": f"{cid}:approve", f"seen_{cid}": "pending", "csrf": csrf_of(html)})
    assert "Approved 1 comment." in r.text
    assert sqlite3.connect(settings.db_target).execute("SELECT status FROM comments").fetchall() == [("approved",)]


def test_page_forms_work_without_javascript_and_escape_comment_content(browser: TestClient, settings: Settings) -> None:
    hold_everything(browser)
    evil = post_pending(browser, "<script>alert('owned')</script> and <b>bold</b> claims", author="<img src=x>")
    others = [post_pending(browser) for _ in range(3)]
    html = sign_in(browser, make_token(browser, name="clicker"))
    text = html.replace("<mark>", "").replace("</mark>", "")  # words the model named are highlighted
    assert "<script>alert" not in html and "&lt;script&gt;alert(&#39;owned&#39;)&lt;/script&gt;" in text
    assert "<img src=x>" not in html and "&lt;img src=x&gt;" in html
    assert "4</strong> pending waiting" in html
    csrf = csrf_of(html)
    # a rejection without a reason is refused with a notice; with one it goes through
    r = browser.post("/moderation/act", data={"csrf": csrf, "one": f"{evil}:reject", f"seen_{evil}": "pending"})
    assert "Choose a reason" in r.text
    r = browser.post(
        "/moderation/act",
        data={"csrf": csrf, "one": f"{evil}:reject", f"seen_{evil}": "pending", f"reason_{evil}": "toxic"},
    )
    assert "Rejected 1 comment." in r.text
    # bulk: two selected, one of which someone else decided meanwhile
    form = {"csrf": csrf, "decision": "spam", "ids": [str(others[0]), str(others[1])]}
    form.update({f"seen_{i}": "pending" for i in others})
    decided = browser.post(
        f"/moderation/comments/{others[1]}/decision",
        json={"decision": "approve"},
        headers=bearer(make_token(browser, name="api-user")),
    )
    assert decided.status_code == 200
    r = browser.post("/moderation/act", data=form)
    assert "Marked as spam 1 comment." in r.text and "1 had already been decided by someone else" in r.text
    rows = sqlite3.connect(settings.db_target).execute(
        "SELECT comment_id, actor, decision, reason FROM decisions ORDER BY id"
    )
    assert rows.fetchall() == [
        (evil, "clicker", "reject", "toxic"),
        (others[1], "api-user", "approve", None),
        (others[0], "clicker", "spam", None),
    ]
    # the filters keep working after an action, and an action's redirect stays on the queue
    r = browser.post(
        "/moderation/act",
        data={
            "csrf": csrf,
            "one": f"{others[2]}:approve",
            f"seen_{others[2]}": "pending",
            "back": "status=pending&x=//evil",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"].startswith("/moderation/?status=pending&done=1")
    assert "evil" not in r.headers["location"]


def test_revoking_a_token_ends_its_web_sessions(browser: TestClient) -> None:
    token = make_token(browser, name="leaver")
    assert "leaver (moderator)" in sign_in(browser, token)
    store = browser.app.state.services.store  # type: ignore[attr-defined]
    assert browser.portal.call(store.revoke_token, "leaver", None, "test") == 1
    assert "/moderation/sign-in" in browser.get("/moderation/").text

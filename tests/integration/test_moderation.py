"""Moderator decisions over HTTP: transitions, conflicts, bulk, the decisions table, reveal, bans.

The helpers at the top are shared by the other moderation test modules.
"""

from __future__ import annotations

import pytest
from helpers import bearer, comment_fields, db_rows, decide, hold_everything, make_token, post_pending
from starlette.testclient import TestClient

from service.settings import Settings


@pytest.fixture
def held(client: TestClient) -> TestClient:
    hold_everything(client)
    return client


def test_approve_publishes_and_is_recorded_as_a_decision_and_in_the_audit(held: TestClient, settings: Settings) -> None:
    token = make_token(held, name="maria")
    cid = post_pending(held)
    status, body = decide(held, token, cid, decision="approve")
    assert (status, body["from_status"], body["status"]) == (200, "pending", "approved")
    assert cid in [c["id"] for c in held.get("/posts/un-vote-2025/comments").json()]
    rows = db_rows(
        settings, "SELECT comment_id, site_id, actor, from_status, to_status, decision, reason, at FROM decisions"
    )
    assert rows[0][:7] == (cid, 1, "maria", "pending", "approved", "approve", None) and rows[0][7]
    # the label's text and scores are reachable from the decision
    joined = db_rows(settings, "SELECT c.content, c.spam_score FROM decisions d JOIN comments c ON c.id = d.comment_id")
    assert joined[0][0].startswith("Comment number") and joined[0][1] is not None
    audit = db_rows(settings, "SELECT actor, action, comment_id, details_json FROM audit_log WHERE action = 'decision'")
    assert audit[0][:3] == ("maria", "decision", cid) and '"from": "pending"' in audit[0][3]


def test_each_decision_moves_the_comment_where_it_belongs(held: TestClient) -> None:
    token = make_token(held)
    ids = [post_pending(held) for _ in range(3)]
    assert decide(held, token, ids[0], decision="reject", reason="off-topic")[1]["status"] == "trash"
    assert decide(held, token, ids[1], decision="spam")[1]["status"] == "spam"
    # not spam puts it back in the queue (WordPress's "Not Spam"), where it can then be approved
    assert decide(held, token, ids[1], decision="not_spam")[1]["status"] == "pending"
    assert decide(held, token, ids[1], decision="approve")[1]["status"] == "approved"
    # a decided comment can be changed when the moderator says which status they saw
    status, body = decide(held, token, ids[0], decision="approve", expected_status="trash")
    assert (status, body["from_status"], body["status"]) == (200, "trash", "approved")
    detail = held.get(f"/moderation/comments/{ids[1]}", headers=bearer(token)).json()
    assert [d["decision"] for d in detail["decisions"]] == ["approve", "not_spam", "spam"]


def test_a_second_moderator_on_the_same_comment_gets_a_conflict_not_a_silent_change(held: TestClient) -> None:
    first, second = make_token(held, name="first"), make_token(held, name="second")
    cid = post_pending(held)
    assert decide(held, first, cid, decision="approve")[0] == 200
    status, body = decide(held, second, cid, decision="spam")
    assert status == 409 and body["status"] == "approved" and "expected_status" in body["errors"]
    assert held.get("/posts/un-vote-2025/comments").json()[-1]["id"] == cid  # still published
    # deciding what is already so is a conflict too, not a second record
    assert decide(held, first, cid, decision="approve", expected_status="approved")[0] == 409
    detail = held.get(f"/moderation/comments/{cid}", headers=bearer(first)).json()
    assert len(detail["decisions"]) == 1 and detail["decisions"][0]["actor"] == "first"


def test_bad_decisions_get_errors_naming_the_field(held: TestClient) -> None:
    token = make_token(held)
    cid = post_pending(held)
    status, body = decide(held, token, cid, decision="maybe")
    assert status == 422 and "decision" in body["errors"]
    status, body = decide(held, token, cid, decision="reject")
    assert status == 422 and "toxic" in body["errors"]["reason"]
    status, body = decide(held, token, cid, decision="approve", reason="toxic")
    assert status == 422 and "reason" in body["errors"]
    status, body = decide(held, token, cid, decision="approve", expected_status="gone")
    assert status == 422 and "expected_status" in body["errors"]
    r = held.post(f"/moderation/comments/{cid}/decision", content=b"{not json", headers=bearer(token))
    assert r.status_code == 422 and r.json() == {"errors": {"body": "must be JSON"}}
    r = held.post(f"/moderation/comments/{cid}/decision", json=["approve"], headers=bearer(token))
    assert r.status_code == 422 and "body" in r.json()["errors"]
    assert decide(held, token, 987654, decision="approve")[0] == 404
    assert held.get(f"/moderation/comments/{cid}", headers=bearer(token)).json()["status"] == "pending"


def test_bulk_decisions_stand_alone_and_report_each_outcome(held: TestClient, settings: Settings) -> None:
    token = make_token(held, name="bulk")
    ids = [post_pending(held) for _ in range(4)]
    assert decide(held, token, ids[0], decision="spam")[0] == 200
    r = held.post(
        "/moderation/decisions",
        json={"ids": [*ids, 999999], "decision": "reject", "reason": "toxic"},
        headers=bearer(token),
    )
    assert r.status_code == 200
    body = r.json()
    assert (body["done"], body["conflict"], body["not_found"]) == (3, 1, 1)
    outcomes = {item["id"]: item["outcome"] for item in body["results"]}
    assert outcomes[ids[0]] == "conflict" and outcomes[ids[1]] == "done" and outcomes[999999] == "not_found"
    rows = db_rows(settings, "SELECT comment_id, reason FROM decisions WHERE decision = 'reject' ORDER BY comment_id")
    assert rows == [(i, "toxic") for i in ids[1:]]
    r = held.post(
        "/moderation/decisions",
        json={"items": [{"id": ids[0], "decision": "not_spam"}, {"id": "x", "decision": "approve"}]},
        headers=bearer(token),
    )
    assert r.status_code == 422 and r.json()["errors"] == {"items[1].id": "must be a comment id"}
    r = held.post("/moderation/decisions", json={"items": []}, headers=bearer(token))
    assert r.status_code == 422 and "items" in r.json()["errors"]


def test_only_an_admin_may_reveal_an_email_and_every_reveal_is_recorded(held: TestClient, settings: Settings) -> None:
    moderator, admin = make_token(held), make_token(held, "admin", name="root")
    cid = post_pending(held, email="Reveal.Me@example.net")
    r = held.post(f"/moderation/comments/{cid}/reveal-email", headers=bearer(moderator))
    assert r.status_code == 403 and "role" in r.json()["errors"] and "Reveal.Me" not in r.text
    r = held.post(f"/moderation/comments/{cid}/reveal-email", headers=bearer(admin))
    assert r.status_code == 200 and r.json()["email"].lower() == "reveal.me@example.net"
    assert held.post("/moderation/comments/999999/reveal-email", headers=bearer(admin)).status_code == 404
    audit = db_rows(settings, "SELECT actor, comment_id, details_json FROM audit_log WHERE action = 'reveal_email'")
    assert audit == [("root", cid, "{}")]  # who and which comment, never the address itself
    entries = held.get(f"/moderation/audit?comment={cid}", headers=bearer(admin)).json()["items"]
    assert entries[0]["action"] == "reveal_email"
    assert held.get("/moderation/audit", headers=bearer(moderator)).status_code == 403


def test_a_banned_authors_next_comment_goes_to_spam_until_the_ban_is_lifted(
    held: TestClient, settings: Settings
) -> None:
    token = make_token(held, name="banner")
    cid = post_pending(held, email="pest@example.net")
    r = held.post(f"/moderation/comments/{cid}/ban-author", headers=bearer(token))
    assert r.status_code == 200 and r.json()["banned"] is True and r.json()["changed"] is True
    assert held.post(f"/moderation/comments/{cid}/ban-author", headers=bearer(token)).json()["changed"] is False
    again = held.post("/comments", json=comment_fields("Another one from me about the vote.", email="pest@example.net"))
    assert again.json()["status"] == "spam" and "banned_author" in again.json()["reasons"]
    queue = held.get("/moderation/queue", headers=bearer(token)).json()
    assert next(i for i in queue["items"] if i["id"] == cid)["author_history"]["banned"] is True
    assert held.post(f"/moderation/comments/{cid}/unban-author", headers=bearer(token)).json()["banned"] is False
    later = held.post("/comments", json=comment_fields("A calmer comment about the vote.", email="pest@example.net"))
    assert later.json()["status"] == "pending"
    actions = [r[0] for r in db_rows(settings, "SELECT action FROM audit_log WHERE actor = 'banner' ORDER BY id")]
    assert actions == ["ban_author", "ban_author", "unban_author"]
    assert held.post("/moderation/comments/999999/ban-author", headers=bearer(token)).status_code == 404


def test_odd_ids_and_odd_json_types_are_client_errors_never_500(held: TestClient) -> None:
    token = make_token(held)
    huge = "9" * 30
    assert decide(held, token, int(huge), decision="approve")[0] == 404
    assert held.get(f"/moderation/comments/{huge}", headers=bearer(token)).status_code == 404
    assert held.post(f"/moderation/comments/{huge}/ban-author", headers=bearer(token)).status_code == 404
    assert held.get("/moderation/comments/abc", headers=bearer(token)).status_code == 404
    cid = post_pending(held)
    for body in ({"decision": ["approve"]}, {"decision": {"a": 1}}, {"decision": "reject", "reason": ["toxic"]}):
        status, answer = decide(held, token, cid, **body)
        assert status == 422 and answer["errors"], body
    status, answer = decide(held, token, cid, decision="approve", expected_status=["pending"])
    assert status == 422 and "expected_status" in answer["errors"]
    r = held.post("/moderation/decisions", json={"ids": [int(huge)], "decision": "spam"}, headers=bearer(token))
    assert r.status_code == 422 and "items[0].id" in r.json()["errors"]

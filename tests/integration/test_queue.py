"""`GET /moderation/queue` and a comment's detail: filters, orderings, cursors, what a moderator sees."""

from __future__ import annotations

from helpers import bearer, comment_fields, decide, hold_everything, make_token, post_pending
from starlette.testclient import TestClient

from service.moderation.queue_query import Cursor


def queue(client: TestClient, token: str, **params: object) -> dict:  # type: ignore[type-arg]
    r = client.get("/moderation/queue", params=params, headers=bearer(token))
    assert r.status_code == 200, r.text
    return r.json()


def test_queue_lists_pending_comments_oldest_first_with_what_a_moderator_needs(client: TestClient) -> None:
    hold_everything(client)
    token = make_token(client)
    ids = [post_pending(client, email=f"queue.reader{i}@example.net") for i in range(3)]
    body = queue(client, token)
    assert [i["id"] for i in body["items"]] == ids and body["count"] == 3 and body["next_cursor"] is None
    item = body["items"][0]
    assert item["email"] == "q•••@example.net" and "queue.reader0" not in str(body)
    assert set(item["scores"]) >= {"spam", "toxicity"} and item["reasons"] and item["status"] == "pending"
    assert item["site"] == {"id": 1, "name": "default"} and item["post_id"] == "un-vote-2025"
    assert item["author_history"] == {"approved": 0, "pending": 1, "refused": 0, "spam": 0, "banned": False}
    assert "ip" not in item and "user_agent" not in item  # only in a comment's detail
    assert [i["id"] for i in queue(client, token, order="newest")["items"]] == ids[::-1]


def test_filters_by_post_status_reason_and_site(client: TestClient) -> None:
    hold_everything(client)
    token = make_token(client)
    on_a = post_pending(client, comment_post_ID="post-a")
    on_b = post_pending(client, comment_post_ID="post-b")
    with_email = post_pending(client, "Mail me at someone@example.org about the vote.", comment_post_ID="post-b")
    assert [i["id"] for i in queue(client, token, post="post-a")["items"]] == [on_a]
    assert [i["id"] for i in queue(client, token, reason="email_in_text")["items"]] == [with_email]
    assert decide(client, token, on_b, decision="spam")[0] == 200
    spam = queue(client, token, status="spam")
    assert [i["id"] for i in spam["items"]] == [on_b] and spam["count"] == 1
    assert queue(client, token, site="default")["count"] == 2 and queue(client, token, site=1)["count"] == 2
    assert queue(client, token, site=99)["count"] == 0


def test_score_order_and_cursor_pagination_visit_every_comment_once(client: TestClient) -> None:
    hold_everything(client)
    token = make_token(client)
    ids = {post_pending(client) for _ in range(7)}
    for order in ("score", "score_asc", "oldest", "newest"):
        seen: list[int] = []
        scores: list[float] = []
        params: dict[str, object] = {"order": order, "limit": 3}
        pages = 0
        while True:
            body = queue(client, token, **params)
            seen += [i["id"] for i in body["items"]]
            scores += [i["score"] for i in body["items"]]
            pages += 1
            if not body["next_cursor"]:
                break
            params["cursor"] = body["next_cursor"]
        assert sorted(seen) == sorted(ids) and len(seen) == len(set(seen)) and pages == 3, order
        if order == "score":
            assert scores == sorted(scores, reverse=True)
        if order == "score_asc":
            assert scores == sorted(scores)


def test_a_decision_between_pages_neither_skips_nor_repeats_a_comment(client: TestClient) -> None:
    hold_everything(client)
    token = make_token(client)
    ids = [post_pending(client) for _ in range(4)]
    first = queue(client, token, limit=2)
    assert [i["id"] for i in first["items"]] == ids[:2]
    decide(client, token, ids[0], decision="approve")  # leaves the queue while the moderator pages
    second = queue(client, token, limit=2, cursor=first["next_cursor"])
    assert [i["id"] for i in second["items"]] == ids[2:]


def test_bad_queue_parameters_get_errors_naming_each_field(client: TestClient) -> None:
    token = make_token(client)
    r = client.get(
        "/moderation/queue",
        params={"status": "lost", "order": "random", "limit": "5000", "site": "nowhere", "cursor": "%%%"},
        headers=bearer(token),
    )
    assert r.status_code == 422
    assert set(r.json()["errors"]) == {"status", "order", "limit", "site", "cursor"}
    other_order = Cursor(order="score", key=0.5, id=3).encode()
    r = client.get("/moderation/queue", params={"cursor": other_order}, headers=bearer(token))
    assert r.status_code == 422 and "cursor" in r.json()["errors"]


def test_detail_shows_ip_and_user_agent_while_retained_and_the_authors_history(client: TestClient) -> None:
    hold_everything(client)
    token = make_token(client)
    done = post_pending(client, email="regular@example.net")
    decide(client, token, done, decision="approve")
    r = client.post(
        "/comments",
        json=comment_fields("Second thoughts on the vote from me.", email="regular@example.net"),
        headers={"User-Agent": "ProbeBrowser/1.0"},
    )
    cid = r.json()["id"]
    detail = client.get(f"/moderation/comments/{cid}", headers=bearer(token)).json()
    assert detail["user_agent"] == "ProbeBrowser/1.0" and "ip" in detail
    assert detail["author_history"]["approved"] == 1 and detail["email"] == "r•••@example.net"
    assert "regular@" not in str(detail)
    assert client.get("/moderation/comments/424242", headers=bearer(token)).status_code == 404

"""The queue page's highlighting of why a comment was held, and its escaping of what the comment says."""

from __future__ import annotations

from helpers import csrf_of, hold_everything, make_token, post_pending, sign_in
from starlette.testclient import TestClient

from service.views.moderation_pages import highlight


def test_highlight_marks_named_words_links_and_masked_contacts() -> None:
    runs = highlight(
        "You STUPID fool, see http://x.example/a and mail [email hidden]", ["token:stupid", "links>=2", "email_in_text"]
    )
    assert [text for text, marked in runs if marked] == ["STUPID", "http://x.example/a", "[email hidden]"]
    assert "".join(text for text, _ in runs) == "You STUPID fool, see http://x.example/a and mail [email hidden]"
    assert highlight("plain words", ["spam_score"]) == [("plain words", False)]
    # a word inside another word is not a match
    assert highlight("stupidity", ["token:stupid"]) == [("stupidity", False)]


def test_the_page_highlights_held_parts_and_escapes_them_too(client: TestClient) -> None:
    hold_everything(client)
    post_pending(client, "Links: http://a.example/<b>x</b> and http://b.example/y")
    client.base_url = client.base_url.copy_with(scheme="https")  # the session cookie is Secure
    html = sign_in(client, make_token(client))
    # the link stops where markup starts, and the markup shows as text
    assert "<mark>http://a.example/</mark>&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html
    assert "<mark>http://b.example/y</mark>" in html
    assert '<span class="reason">links&gt;=2</span>' in html


def test_only_an_admin_sees_and_uses_reveal_on_the_page_and_it_is_recorded(client: TestClient) -> None:
    hold_everything(client)
    cid = post_pending(client, email="hidden.person@example.net")
    client.base_url = client.base_url.copy_with(scheme="https")
    html = sign_in(client, make_token(client))
    assert "Reveal email" not in html and "hidden.person" not in html
    csrf = csrf_of(html)
    r = client.post("/moderation/act", data={"csrf": csrf, "one": f"{cid}:reveal"})
    assert r.status_code == 403 and "hidden.person" not in r.text
    client.cookies.clear()
    html = sign_in(client, make_token(client, "admin", name="boss"))
    assert "Reveal email" in html
    r = client.post("/moderation/act", data={"csrf": csrf_of(html), "one": f"{cid}:reveal"})
    assert r.status_code == 200 and "hidden.person@example.net" in r.text
    assert r.headers["cache-control"] == "no-store"
    store = client.app.state.services.store  # type: ignore[attr-defined]
    entries = client.portal.call(store.audit_entries, cid)
    assert [(e["actor"], e["action"]) for e in entries] == [("boss", "reveal_email")]

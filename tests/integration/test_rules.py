"""Each site rule: its default, its switch, and the reason it adds."""

from __future__ import annotations

import sqlite3

from helpers import comment_fields, set_default_site
from starlette.testclient import TestClient

from service.intake.links import count_links
from service.intake.rules import apply_rules, is_trusted
from service.intake.validation import MAX_COMMENT_BYTES, CommentDraft
from service.privacy.contacts import mask_contacts
from service.privacy.email_vault import EmailVault, load_or_create_master_key
from service.settings import Settings
from service.sites.settings import SiteSettings
from service.store.records import AuthorHistory

CLEAR = "Thanks for the clear write-up of the vote. The French ambassador's quote says it all."


def _draft(text: str, author: str = "Jane", url: str = "") -> CommentDraft:
    return CommentDraft("p", text, author, "jane@example.org", url, None, False)


def _reasons(text: str, settings: SiteSettings, **kw: object) -> list[str]:
    draft = _draft(text)
    return [h.reason for h in apply_rules(draft, mask_contacts(draft.content), settings, **kw)]  # type: ignore[arg-type]


def test_links_counted_as_wordpress_does_plus_bbcode() -> None:
    assert count_links('see <a href="http://a.example">a</a> and https://b.example and www.c.example') == 3
    assert count_links("[url=http://spam.example]cheap[/url] [url]http://x.example[/url]") == 2
    assert count_links('<a href="http://a.example">http://a.example</a>') == 1
    assert count_links("no links here, just example.org in prose") == 0
    assert count_links("WWW.Shout.example and HTTP://loud.example") == 2  # any case, as the pattern matches


def test_links_rule_default_two_switch_and_reason() -> None:
    assert _reasons("one http://a.example link", SiteSettings()) == []
    assert _reasons("http://a.example and http://b.example", SiteSettings()) == ["links>=2"]
    assert _reasons("http://a.example and http://b.example", SiteSettings(comment_max_links=3)) == []
    assert _reasons("http://a.example http://b.example http://c.example", SiteSettings(comment_max_links=0)) == []


def test_moderation_and_disallowed_keys_match_every_field_case_insensitively() -> None:
    settings = SiteSettings(moderation_keys=("crypto",), disallowed_keys=("viagra", "203.0.113."))
    assert _reasons("Buy CRYPTO now", settings) == ["moderation_key"]
    assert _reasons("cheap ViAgRa", settings) == ["disallowed_key"]
    assert _reasons("hello", settings, ip="203.0.113.9") == ["disallowed_key"]
    assert _reasons("hello", settings, user_agent="Mozilla crypto-bot") == ["moderation_key"]
    assert _reasons("Buy crypto and viagra", SiteSettings()) == []  # no keys by default


def test_contact_details_hold_by_default_and_can_be_switched_off() -> None:
    text = "Mail me: jane@example.org or call +1 415 555 0142"
    assert _reasons(text, SiteSettings()) == ["email_in_text", "phone_in_text"]
    assert _reasons(text, SiteSettings(hold_contact_details=False)) == []


def test_author_standing_rules() -> None:
    new, regular, banned = AuthorHistory(), AuthorHistory(approved=3), AuthorHistory(approved=3, banned=True)
    assert _reasons(CLEAR, SiteSettings(), history=new) == []  # off by default
    assert _reasons(CLEAR, SiteSettings(hold_first_comment=True), history=new) == ["first_comment"]
    assert _reasons(CLEAR, SiteSettings(hold_first_comment=True), history=regular) == []
    assert _reasons(CLEAR, SiteSettings(), history=banned) == ["banned_author"]
    assert is_trusted(regular, SiteSettings()) and not is_trusted(
        regular, SiteSettings(previously_approved_skips_queue=False)
    )
    assert not is_trusted(AuthorHistory(approved=3, spam=1), SiteSettings())


def test_first_comment_held_until_one_is_approved_over_http(client: TestClient) -> None:
    set_default_site(client, hold_first_comment=True)
    first = client.post("/comments", json=comment_fields(CLEAR, email="new.author@example.org")).json()
    assert first["status"] == "pending" and "first_comment" in first["reasons"]
    again = client.post("/comments", json=comment_fields(CLEAR + " Still new.", email="new.author@example.org")).json()
    assert "first_comment" in again["reasons"]  # a pending comment is no standing yet
    set_default_site(client, hold_first_comment=False)
    assert (
        client.post("/comments", json=comment_fields(CLEAR + "!", email="x@example.org")).json()["status"] == "approved"
    )


def test_disallowed_key_refuses_over_http(client: TestClient) -> None:
    set_default_site(client, disallowed_keys=("casino",))
    body = client.post("/comments", json=comment_fields("Nice. Try my Casino bonus.")).json()
    assert body["status"] == "spam" and "disallowed_key" in body["reasons"]


def test_disguised_contact_details_are_held_masked_and_kept_encrypted_over_http(
    client: TestClient, settings: Settings
) -> None:
    disguises = [
        "jane\u200b@example.org",
        "jane＠example．org",
        "jane @ example.org",
        "jane at example dot org",
        "jane [at] example [dot] org",
        "jane(at)example(dot)org",
    ]
    for n, address in enumerate(disguises):
        text = f"Question {n}: write to {address} or call 415\u200b555\u20130142, thanks."
        scored = client.post("/score", json=comment_fields(text, email=f"reader{n}@example.net")).json()
        assert {"email_in_text", "phone_in_text"} <= set(scored["reasons"]), (address, scored)
        assert client.post("/comments", json=comment_fields(text, email=f"reader{n}@example.net")).status_code == 201
    db = sqlite3.connect(settings.data_dir / "comments.db")
    rows = db.execute("SELECT content, content_enc FROM comments ORDER BY id").fetchall()
    vault = EmailVault(load_or_create_master_key(settings.secret_key, settings.data_dir))
    assert len(rows) == len(disguises)
    for (content, content_enc), address in zip(rows, disguises, strict=True):
        assert "example" not in content and "555" not in content, content
        assert content.endswith("write to [email hidden] or call [phone hidden], thanks."), content
        assert address in (vault.decrypt_text(content_enc) or "")  # the original text is kept encrypted


def test_a_comment_built_to_stall_the_rules_is_answered(client: TestClient) -> None:
    # `<a href ` repeated with no closing `>` to the size limit: a backtracking link pattern takes
    # minutes on it. The rules read it in one pass and find no link.
    text = "<a href " * (MAX_COMMENT_BYTES // len("<a href "))
    answer = client.post("/score", json=comment_fields(text))
    assert answer.status_code == 200
    assert not any(reason.startswith("links") for reason in answer.json()["reasons"])

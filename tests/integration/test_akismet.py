"""A real Akismet client from PyPI pointed at the service: only the host changes."""

from __future__ import annotations

import akismet
import pytest
from starlette.testclient import TestClient

from service.sites.settings import new_site_key

BLOG = "https://news.example.org/"
SPAM_TEXT = (
    "BUY CHEAP PILLS http://pills.example http://pills.example/buy http://casino.example call 1-888-555-0100 NOW!!!"
)


@pytest.fixture
def site_key(client: TestClient) -> str:
    store = client.app.state.services.store  # type: ignore[attr-defined]
    key = new_site_key()
    from service.sites.settings import SiteSettings

    client.portal.call(store.add_site, "news", BLOG, key, SiteSettings())  # type: ignore[union-attr]
    return key


def _client(client: TestClient, key: str) -> akismet.SyncClient:
    # The TestClient is an httpx.Client whose transport is our app: the Akismet host never leaves.
    return akismet.SyncClient(config=akismet.Config(key=key, url=BLOG), http_client=client)


def test_verify_key(client: TestClient, site_key: str) -> None:
    assert akismet.SyncClient.validated_client(config=akismet.Config(key=site_key, url=BLOG), http_client=client)
    assert not _client(client, site_key).verify_key(key="made-up-key-123", url=BLOG)


def test_comment_check_ham_spam_and_discard(client: TestClient, site_key: str) -> None:
    ak = _client(client, site_key)
    ham = ak.comment_check(
        user_ip="203.0.113.7",
        comment_type="comment",
        comment_author="Jane Reader",
        comment_author_email="jane@example.org",
        comment_content="The vote shows how far US policy has moved. Europe must step up now.",
    )
    assert ham == akismet.CheckResponse.HAM
    spam = ak.comment_check(
        user_ip="198.51.100.9",
        comment_type="comment",
        comment_author="Cheap Pills Online",
        comment_author_email="promo@pills.example",
        comment_content=SPAM_TEXT,
    )
    assert spam == akismet.CheckResponse.DISCARD
    assert client.get("/posts/akismet/comments", headers={"X-Site-Key": site_key}).json() == []  # nothing stored


def test_invalid_key_answers_invalid_as_akismet_does(client: TestClient) -> None:
    r = client.post("/1.1/comment-check", data={"api_key": "nope", "blog": BLOG, "comment_content": "hi"})
    assert r.text == "invalid" and "x-akismet-debug-help" in r.headers
    with pytest.raises(akismet.APIKeyError):
        _client(client, "nope").comment_check(user_ip="1.2.3.4", comment_content="hi")


def test_spam_and_ham_reports_become_labels(client: TestClient, site_key: str) -> None:
    ak = _client(client, site_key)
    assert (
        ak.submit_spam(
            user_ip="198.51.100.9",
            comment_content="cheap pills http://pills.example",
            comment_author_email="promo@pills.example",
        )
        is True
    )
    assert ak.submit_ham(user_ip="203.0.113.7", comment_content="A fair point about the Security Council.") is True
    store = client.app.state.services.store  # type: ignore[attr-defined]
    reports = client.portal.call(store.akismet_reports)  # type: ignore[union-attr]
    assert [(r.label, r.content) for r in reports] == [
        ("spam", "cheap pills http://pills.example"),
        ("ham", "A fair point about the Security Council."),
    ]
    assert reports[0].email_hash and "promo" not in reports[0].email_hash

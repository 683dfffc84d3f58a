"""Failed moderator sign-ins and bearer-token guesses are limited per client address: the
eleventh failure within a minute is a 429 with `Retry-After`, even with the right token."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from helpers import bearer, csrf_of, make_token
from starlette.testclient import TestClient

from service.app import create_app
from service.scoring.scorer import Scorer
from service.settings import Settings


@pytest.fixture
def limited(make_settings, scorer: Scorer) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    # https: the sign-in form's cookie is Secure
    with TestClient(
        create_app(make_settings(auth_failures_per_minute=10), scorer=scorer), base_url="https://moderation.test"
    ) as c:
        yield c


def test_token_guesses_on_the_api_are_limited(limited: TestClient) -> None:
    good = make_token(limited)
    assert limited.get("/moderation/queue", headers=bearer(good)).status_code == 200
    statuses = [limited.get("/moderation/queue", headers=bearer(f"guess-{n}")).status_code for n in range(9)]
    statuses.append(limited.get("/moderation/queue").status_code)  # no token at all counts too
    assert statuses == [401] * 10
    refused = limited.get("/moderation/queue", headers=bearer(good))
    assert refused.status_code == 429 and "authorization" in refused.json()["errors"]
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert limited.post("/moderation/comments/1/decision", json={}, headers=bearer("x")).status_code == 429
    assert limited.get("/healthz").status_code == 200  # only the moderators' doors are shut


def test_failed_sign_ins_on_the_page_are_limited(limited: TestClient) -> None:
    good = make_token(limited)

    def sign_in(token: str):  # type: ignore[no-untyped-def]
        csrf = csrf_of(limited.get("/moderation/").text)
        return limited.post("/moderation/sign-in", data={"token": token, "csrf": csrf}, follow_redirects=False)

    assert [sign_in(f"wrong-{n}").status_code for n in range(10)] == [401] * 10
    refused = sign_in(good)
    assert refused.status_code == 429 and "Too many failed sign-ins" in refused.text
    assert int(refused.headers["retry-after"]) >= 1
    assert limited.get("/moderation/queue", headers=bearer(good)).status_code == 429  # one count per address


def test_right_tokens_never_count(settings: Settings, scorer: Scorer) -> None:
    with TestClient(create_app(settings, scorer=scorer)) as c:
        token = make_token(c)
        assert all(c.get("/moderation/queue", headers=bearer(token)).status_code == 200 for _ in range(30))

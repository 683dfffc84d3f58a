"""Numbers a client sends (ids, limits, sites, tokens): anything but 1-18 ASCII digits is refused
with an error naming the field, or ignored where the number is optional; never a 500.

"²" passes `str.isdigit()` and fails `int()`; more than 18 digits overflows SQLite's INTEGER; more
than 4,300 digits is more than Python will parse.
"""

from __future__ import annotations

import pytest
from helpers import bearer, comment_fields, make_token, sign_in
from starlette.testclient import TestClient

from service.http.numbers import whole_number

NOT_NUMBERS = ["²", "①", "١٢", "-1", "+1", " 1", "1.0", "", "9" * 19, "1" * 5000]


def test_whole_number_takes_ascii_digits_only() -> None:
    assert whole_number("0") == 0 and whole_number("007") == 7 and whole_number("9" * 18) == 10**18 - 1
    assert [whole_number(text) for text in NOT_NUMBERS] == [None] * len(NOT_NUMBERS)


@pytest.mark.parametrize("text", NOT_NUMBERS[:4] + NOT_NUMBERS[-2:])
def test_queue_and_audit_name_the_field_that_is_no_number(client: TestClient, text: str) -> None:
    token = make_token(client, "admin")
    for path, field in [
        ("/moderation/queue", "limit"),
        ("/moderation/queue", "site"),
        ("/moderation/audit", "limit"),
        ("/moderation/audit", "comment"),
    ]:
        r = client.get(path, params={field: text}, headers=bearer(token))
        assert r.status_code == 422, (path, field, r.text)
        assert field in r.json()["errors"]


@pytest.mark.parametrize("text", ["²", "1" * 5000])
def test_a_comment_with_a_parent_or_form_token_that_is_no_number_is_answered(client: TestClient, text: str) -> None:
    r = client.post("/comments", data=comment_fields("A reply to nobody in particular.", comment_parent=text))
    assert r.status_code == 422 and "comment_parent" in r.json()["errors"]
    # A form token that is not one of ours counts against the comment; it is no error of the server.
    token = f"{text}.{text}.signature"
    r = client.post("/comments", data=comment_fields("Thanks for the update on the vote.", form_token=token))
    assert r.status_code == 201, r.text


def test_pages_ignore_optional_numbers_that_are_none(client: TestClient) -> None:
    for text in ("²", "9" * 30):
        assert client.get("/articles/un-vote-2025", params={"replytocom": text}).status_code == 200
        assert client.get("/awaiting-moderation", params={"site": text}).status_code == 200
    client.base_url = client.base_url.copy_with(scheme="https")  # the session cookie is Secure
    sign_in(client, make_token(client))
    notices = [{"done": "²", "action": "approve"}, {"done": "1", "conflicts": "²", "missing": "9" * 30}, {"at": "²"}]
    for params in notices:
        assert client.get("/moderation/", params=params).status_code == 200

"""The demo article page and its WordPress "Leave a Reply" form."""

from __future__ import annotations

from helpers import comment_fields
from starlette.testclient import TestClient


def test_demo_page_has_the_leave_a_reply_form(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200
    page = r.text
    assert "Leave a Reply" in page and "Your email address will not be published." in page
    assert "Required fields are marked" in page
    for field in (
        "comment",
        "author",
        "email",
        "url",
        "comment_post_ID",
        "comment_parent",
        "wp-comment-cookies-consent",
    ):
        assert f'name="{field}"' in page
    assert 'action="/comments" method="post"' in page
    for field in ("comment", "author", "email"):
        assert f'<label for="{field}">' in page and "required" in page.split(f'id="{field}"')[1].split(">")[0]


def test_comment_content_is_escaped(client: TestClient) -> None:
    text = "Thanks for the article. <script>alert('x')</script> <b>bold</b>"
    r = client.post("/comments", json=comment_fields(text, author="<i>Jane</i>"))
    assert r.status_code == 201
    if r.json()["status"] == "approved":
        page = client.get("/").text
        assert "<script>alert" not in page and "&lt;script&gt;" in page and "&lt;i&gt;Jane" in page


def test_reply_link_fills_the_parent_field(client: TestClient) -> None:
    parent = client.post("/comments", json=comment_fields("Thanks for the clear write-up of the vote.")).json()["id"]
    page = client.get(f"/?replytocom={parent}").text
    assert f'name="comment_parent" id="comment_parent" value="{parent}"' in page
    assert 'value="0"' in client.get("/?replytocom=99999").text


def test_cookie_consent_remembers_name_and_website_but_never_email(client: TestClient) -> None:
    fields = comment_fields(
        "Thanks for the clear write-up of the vote.",
        url="https://jane.example/",
        **{"wp-comment-cookies-consent": "yes"},
    )
    r = client.post("/comments", data=fields, headers={"Accept": "text/html"}, follow_redirects=False)
    cookies = r.headers.get_list("set-cookie")
    assert any(c.startswith("comment_author=") for c in cookies)
    assert not any("probe" in c for c in cookies)
    page = client.get("/").text
    assert 'value="Jane Reader"' in page and 'value="https://jane.example/"' in page

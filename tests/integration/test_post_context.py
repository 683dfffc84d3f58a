"""The optional post context (`comment_post_title`, `permalink`, `comment_context`) on /comments, /score
and Akismet's comment-check: read in every body format, and bad values named in a 422."""

from __future__ import annotations

from helpers import comment_fields
from starlette.testclient import TestClient

from service.intake.validation import PostContext, lenient_context, validate_fields
from service.sites.settings import SiteSettings

CONTEXT = {
    "comment_post_title": "The vote on the budget, explained",
    "permalink": "https://news.example.org/2026/12/budget-vote",
}


def test_context_is_read_from_a_form_a_json_list_and_repeated_fields(client: TestClient) -> None:
    text = "The committee's own minutes tell a different story about the vote."
    as_json = client.post("/score", json=comment_fields(text, **CONTEXT) | {"comment_context": ["budget", "council"]})
    assert as_json.status_code == 200, as_json.text
    form = [(k, v) for k, v in comment_fields(text, **CONTEXT).items()]
    form += [("comment_context[]", "budget"), ("comment_context[]", "council")]
    as_form = client.post(
        "/score",
        content="&".join(f"{k}={v}" for k, v in form).encode(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert as_form.status_code == 200, as_form.text
    stored = client.post("/comments", json=comment_fields(text, **CONTEXT, comment_context="budget, council"))
    assert stored.status_code == 201, stored.text


def test_bad_context_values_are_named() -> None:
    fields = comment_fields("A fine comment.", comment_post_title="t" * 501, permalink="ftp://x.example/a")
    draft, errors = validate_fields(fields | {"comment_context": ",".join(["tag"] * 51)}, SiteSettings())
    assert draft is None and set(errors) == {"comment_post_title", "permalink", "comment_context"}


def test_the_draft_carries_the_context_trimmed_and_split() -> None:
    fields = comment_fields("A fine comment.", **CONTEXT, comment_context=" budget ,council,, ")
    draft, errors = validate_fields(fields, SiteSettings())
    assert errors == {} and draft is not None
    assert draft.context == PostContext(CONTEXT["comment_post_title"], CONTEXT["permalink"], ("budget", "council"))
    bare, _ = validate_fields(comment_fields("A fine comment."), SiteSettings())
    assert bare is not None and bare.context == PostContext()


def test_akismet_keeps_the_context_that_fits_and_drops_the_rest() -> None:
    context = lenient_context(
        {"permalink": "javascript:alert(1)", "comment_context[]": "budget,council", "comment_post_title": "Budget"}
    )
    assert context == PostContext("Budget", "", ("budget", "council"))

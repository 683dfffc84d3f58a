
from service.intake.validation import MAX_COMMENT_BYTES, normalized_email, validate_fields
from service.sites.settings import SiteSettings

OK = {
    "comment_post_ID": "p1",
    "comment": "  A fine comment.  ",
    "author": "Jane",
    "email": "jane@example.org",
    "url": "",
}


def test_valid_fields_make_a_trimmed_draft() -> None:
    draft, errors = validate_fields(dict(OK, url="example.org/me"), SiteSettings())
    assert errors == {}
    assert draft is not None
    assert draft.content == "A fine comment."
    assert draft.url == "http://example.org/me"
    assert draft.parent_id is None


def test_every_failing_field_is_named_at_once() -> None:
    draft, errors = validate_fields(
        {"comment_post_ID": "", "comment": "   ", "author": "", "email": ""}, SiteSettings()
    )
    assert draft is None
    assert set(errors) == {"comment_post_ID", "comment", "author", "email"}


def test_limits_follow_wordpress() -> None:
    fields = dict(
        OK,
        comment="é" * (MAX_COMMENT_BYTES // 2 + 1),
        author="a" * 246,
        email="a" * 95 + "@x.org",
        url="http://example.org/" + "a" * 200,
    )
    _, errors = validate_fields(fields, SiteSettings())
    assert set(errors) == {"comment", "author", "email", "url"}
    _, errors = validate_fields(dict(OK, comment="x" * MAX_COMMENT_BYTES, author="a" * 245), SiteSettings())
    assert errors == {}


def test_email_must_look_deliverable_and_is_not_echoed() -> None:
    for bad in ("not-an-address", "a@b", "jane@localhost", "jane@@example.org"):
        _, errors = validate_fields(dict(OK, email=bad), SiteSettings())
        assert "email" in errors
        assert bad not in errors["email"]


def test_email_is_normalized_the_same_way_every_time() -> None:
    for _ in range(2):
        draft, _ = validate_fields(dict(OK, email="Jane@Example.ORG"), SiteSettings())
        assert draft is not None and draft.email == "Jane@example.org"  # email-validator's normal form
        _, errors = validate_fields(dict(OK, email="jane@@example.org"), SiteSettings())
        assert errors == {"email": "is not a valid email address"}
    assert normalized_email("jane@@example.org") is None
    assert not hasattr(normalized_email, "cache_info")  # no address is kept after its request


def test_url_must_be_http_or_https() -> None:
    for bad in ("javascript:alert(1)", "ftp://example.org/x", "mailto:jane@example.org", "http://nodot"):
        _, errors = validate_fields(dict(OK, url=bad), SiteSettings())
        assert "url" in errors, bad


def test_site_may_turn_off_name_and_email() -> None:
    draft, errors = validate_fields(
        dict(OK, author="", email=""), SiteSettings(require_author=False, require_email=False)
    )
    assert errors == {}
    assert draft is not None and draft.email == ""


def test_parent_and_post_id_shapes() -> None:
    for parent, expected in (("0", None), ("", None), ("12", 12)):
        draft, errors = validate_fields(dict(OK, comment_parent=parent), SiteSettings())
        assert errors == {} and draft is not None and draft.parent_id == expected
    _, errors = validate_fields(dict(OK, comment_parent="abc", comment_post_ID="../etc"), SiteSettings())
    assert set(errors) == {"comment_parent", "comment_post_ID"}


def test_control_characters_are_stripped() -> None:
    draft, _ = validate_fields(dict(OK, comment="hi\x00 there\x07", author="Ja\x1bne"), SiteSettings())
    assert draft is not None and draft.content == "hi there" and draft.author == "Jane"


def test_email_addresses_are_normalized_or_refused() -> None:
    addresses = [
        "jane@example.org",
        "Jane.Doe+news@Mail.Example.COM",
        "ann@EXAMPLE.org",
        "bob@exämple.org",
        "bad@exa mple.org",
        "bad@-example.org",
        "bad@example..org",
        "bad@localhost",
        "bad@123.45",
    ]
    verdicts = [normalized_email(a) for a in addresses]
    assert verdicts[:4] == ["jane@example.org", "Jane.Doe+news@mail.example.com", "ann@example.org", "bob@exämple.org"]
    assert verdicts[4:] == [None] * 5

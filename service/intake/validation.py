"""The form's field rules (WordPress's limits), checked all at once so one 422 names every field.

Messages never echo what was sent: an invalid email value must not come back in the answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email

from service.http.numbers import whole_number
from service.sites.settings import SiteSettings

MAX_COMMENT_BYTES = 65_525
MAX_AUTHOR_CHARS = 245
MAX_EMAIL_CHARS = 100
MAX_URL_CHARS = 200
MAX_POST_ID_CHARS = 200
MAX_TITLE_CHARS = 500
MAX_PERMALINK_CHARS = 2000
MAX_TAGS = 50
MAX_TAG_CHARS = 100
# A post id appears in URLs and redirects: keep it to characters that need no escaping.
_POST_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._~-]*$")
# Control characters other than tab and newlines have no place in a name or a comment.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def normalized_email(address: str) -> str | None:
    """email-validator's normalized form of `address`, or None when it is not a valid address."""
    try:
        # No DNS look-up: the service must not depend on the network to accept a comment.
        return validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError:
        return None


@dataclass(frozen=True)
class CommentDraft:
    """A submission whose fields passed every rule; `email` is still in clear here."""

    post_id: str
    content: str
    author: str
    email: str
    url: str
    parent_id: int | None
    cookies_consent: bool
    context: PostContext = field(default_factory=lambda: NO_CONTEXT)


@dataclass(frozen=True)
class PostContext:
    """What WordPress and Akismet say about the post a comment is under: its title, its address and
    its tags or categories. Optional; spam that shares nothing with its post gives itself away."""

    title: str = ""
    permalink: str = ""
    tags: tuple[str, ...] = ()


NO_CONTEXT = PostContext()


def validate_fields(fields: dict[str, str], settings: SiteSettings) -> tuple[CommentDraft | None, dict[str, str]]:
    """Applies every field rule; returns the draft, or None and the errors by field name."""
    errors: dict[str, str] = {}

    post_id = fields.get("comment_post_ID", "").strip()
    if not post_id:
        errors["comment_post_ID"] = "is required"
    elif len(post_id) > MAX_POST_ID_CHARS or not _POST_ID.match(post_id):
        errors["comment_post_ID"] = "must be at most 200 letters, digits, '.', '_', '~' or '-'"

    content = _CONTROL.sub("", fields.get("comment", "")).strip()
    if not content:
        errors["comment"] = "is required: please type your comment"
    elif len(content.encode("utf-8")) > MAX_COMMENT_BYTES:
        errors["comment"] = f"is too long: at most {MAX_COMMENT_BYTES} bytes"

    author = _CONTROL.sub("", fields.get("author", "")).strip()
    if not author and settings.require_author:
        errors["author"] = "is required: please give your name"
    elif len(author) > MAX_AUTHOR_CHARS:
        errors["author"] = f"is too long: at most {MAX_AUTHOR_CHARS} characters"

    email = fields.get("email", "").strip()
    if not email:
        if settings.require_email:
            errors["email"] = "is required: please give your email address (it will not be published)"
    elif len(email) > MAX_EMAIL_CHARS:
        errors["email"] = f"is too long: at most {MAX_EMAIL_CHARS} characters"
    else:
        normalized = normalized_email(email)
        if normalized is None:
            errors["email"] = "is not a valid email address"
        else:
            email = normalized

    url = fields.get("url", "").strip()
    if url:
        if len(url) > MAX_URL_CHARS:
            errors["url"] = f"is too long: at most {MAX_URL_CHARS} characters"
        else:
            try:
                # urlsplit refuses a bracketed host that is no IPv6 address ("http://[::1"), and
                # .port one that is no number.
                parts = urlsplit(url if "://" in url else "http://" + url)
                port_ok = parts.port is None or parts.port > 0
            except ValueError:
                parts, port_ok = None, False
            # user:password@ in a commenter's link is a phishing trick (and how "mailto:" sneaks in).
            if (
                parts is None
                or parts.scheme not in ("http", "https")
                or not parts.hostname
                or "." not in parts.hostname
                or parts.username is not None
                or not port_ok
            ):
                errors["url"] = "must be an http or https address"
            else:
                url = parts.geturl()

    context = read_context(fields, errors)

    parent_id: int | None = None
    parent = fields.get("comment_parent", "").strip()
    if parent not in ("", "0"):
        parent_id = whole_number(parent)
        if parent_id is None:
            errors["comment_parent"] = "must be the id of a comment, or 0 for none"

    if errors:
        return None, errors
    draft = CommentDraft(
        post_id=post_id,
        content=content,
        author=author,
        email=email,
        url=url,
        parent_id=parent_id,
        cookies_consent=fields.get("wp-comment-cookies-consent", "") not in ("", "0", "no", "false"),
        context=context,
    )
    return draft, {}


def read_context(fields: dict[str, str], errors: dict[str, str]) -> PostContext:
    """The optional post context: `comment_post_title`, `permalink` and `comment_context` (tags or
    categories, comma-separated; a repeated field arrives joined by commas). Errors go into `errors`."""
    title = _CONTROL.sub("", fields.get("comment_post_title", "")).strip()
    if len(title) > MAX_TITLE_CHARS:
        errors["comment_post_title"] = f"is too long: at most {MAX_TITLE_CHARS} characters"
    permalink = fields.get("permalink", "").strip()
    if permalink:
        if len(permalink) > MAX_PERMALINK_CHARS:
            errors["permalink"] = f"is too long: at most {MAX_PERMALINK_CHARS} characters"
        elif not permalink.lower().startswith(("http://", "https://")):
            errors["permalink"] = "must be an http or https address"
    raw_tags = _CONTROL.sub("", fields.get("comment_context", fields.get("comment_context[]", "")))
    tags = tuple(tag.strip() for tag in raw_tags.split(",") if tag.strip())
    if len(tags) > MAX_TAGS or any(len(tag) > MAX_TAG_CHARS for tag in tags):
        errors["comment_context"] = f"give at most {MAX_TAGS} tags of at most {MAX_TAG_CHARS} characters each"
    return PostContext(title=title, permalink=permalink, tags=tags)


def lenient_context(fields: dict[str, str]) -> PostContext:
    """The context Akismet's fields carry: Akismet validates nothing, so a field that does not fit is
    left out rather than refused."""
    errors: dict[str, str] = {}
    read_context(fields, errors)
    kept = {name: value for name, value in fields.items() if name.removesuffix("[]") not in errors}
    return read_context(kept, {})

"""What the store keeps, as plain values that cross the store boundary."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NewComment:
    """A decided comment, ready to be written; personal data is already encrypted or hashed."""

    site_id: int
    post_id: str
    parent_id: int | None
    author: str
    email_enc: bytes | None
    email_hash: str | None
    avatar_hash: str | None
    url: str
    content: str
    content_enc: bytes | None
    status: str
    spam_score: float | None
    toxicity_score: float | None
    scores_json: str
    reasons_json: str
    model_version: str
    ip: str | None
    user_agent: str | None
    created_at: str


@dataclass(frozen=True)
class StoredComment:
    id: int
    site_id: int
    post_id: str
    parent_id: int | None
    author: str
    avatar_hash: str | None
    url: str
    content: str
    status: str
    spam_score: float | None
    toxicity_score: float | None
    scores_json: str
    reasons_json: str
    model_version: str
    created_at: str


@dataclass(frozen=True)
class AuthorHistory:
    """What a site knows of a commenter (by email hash): their comments by status, and a ban."""

    approved: int = 0
    pending: int = 0
    spam: int = 0
    trash: int = 0
    banned: bool = False


@dataclass(frozen=True)
class AkismetReport:
    """A site's "this is spam" / "this is ham" report: a training label, with the text as sent
    (masked; the original encrypted when masking changed it) and no email in clear."""

    site_id: int
    label: str
    author: str
    email_hash: str | None
    url: str
    content: str
    content_enc: bytes | None
    comment_type: str
    created_at: str


@dataclass(frozen=True)
class PersonalComment:
    """One comment with everything it holds about its author: what a privacy export hands back.

    `email_enc` and `content_enc` are still encrypted; only the export decrypts them, for the person.
    """

    id: int
    site_id: int
    post_id: str
    author: str
    email_enc: bytes | None
    url: str
    content: str
    content_enc: bytes | None
    status: str
    ip: str | None
    user_agent: str | None
    created_at: str


@dataclass(frozen=True)
class Erasure:
    """What one privacy erasure changed: counts only, never the address."""

    comments: int
    reports: int
    bans_kept: int

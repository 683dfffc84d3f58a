"""Every plain value that crosses the store boundary, and the pure rules that belong to them.

The store and the domain both import from here; nothing here imports from the service. Comments,
sites and their settings, moderator tokens, the review queue's query and items, moderators'
decisions, Akismet reports, and what a privacy export or erasure hands back.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, Protocol

# -- comments ---------------------------------------------------------------------------------

# Every status a comment can have (the comments table's CHECK constraint).
STATUSES = ("pending", "approved", "spam", "trash")


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


@dataclass(frozen=True)
class ApiToken:
    """A stored moderator token: never the token itself, only what it is called, its role and its state."""

    id: int
    name: str
    role: str
    created_at: str
    revoked_at: str | None = None


# -- sites ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Thresholds:
    """Approve below `approve_below`, refuse at or above `refuse_above`, queue for a person between."""

    approve_below: float
    refuse_above: float


@dataclass(frozen=True)
class SiteSettings:
    """A site's settings. Stored as JSON, so a new rule's switch needs no schema migration: unknown
    keys in the stored JSON are ignored and missing ones take the defaults below."""

    # WordPress's "Comment author must fill out name and email".
    require_author: bool = True
    require_email: bool = True
    # Where a browser is sent back after posting; {post_id} is replaced.
    url_pattern: str = "/articles/{post_id}"
    # None means "use the deployed model's thresholds from its card".
    spam_thresholds: Thresholds | None = None
    toxicity_thresholds: Thresholds | None = None
    # WordPress's default: hold a comment with 2 or more links.
    comment_max_links: int = 2
    # Privacy rule 4: contact details typed into the text are masked and hold the comment.
    hold_contact_details: bool = True
    # WordPress's "Comment Moderation" and "Disallowed Comment Keys": one word, phrase or IP per
    # entry, matched case-insensitively inside the author, email, URL, content, IP and user agent.
    moderation_keys: tuple[str, ...] = ()
    disallowed_keys: tuple[str, ...] = ()
    # Same post, same author, same text: answered 409 instead of stored twice.
    reject_duplicates: bool = True
    # Seconds between two comments from one IP address or one email address (0 turns it off).
    flood_seconds: float = 15.0
    # The signed form token's traps (Antispam Bee): a filled honeypot field, or a form sent back
    # sooner than a person can type, is spam. No token at all is never punished (fail safe).
    honeypot: bool = True
    min_submit_seconds: float = 3.0
    # WordPress's "Comment author must have a previously approved comment", seen from both sides:
    # an author with an approved comment (and no spam) skips the queue when only a score would
    # hold them; `hold_first_comment` holds every comment until the author has one approved.
    previously_approved_skips_queue: bool = True
    hold_first_comment: bool = False
    allowed_origins: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SiteSettings:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        for key in ("spam_thresholds", "toxicity_thresholds"):
            if isinstance(values.get(key), dict):
                values[key] = Thresholds(**values[key])
        for key in ("allowed_origins", "moderation_keys", "disallowed_keys"):
            if isinstance(values.get(key), str):
                # A list setting stored as its raw comma-separated text reads back as that list,
                # not one entry per character.
                values[key] = [item.strip() for item in values[key].split(",") if item.strip()]
            if key in values:
                values[key] = tuple(values[key])
        return replace(cls(), **values)


# The keyless default site serves the demo page and local trials, where one person posts many
# comments in a row from one address: no flood limit there. Sites made with `site add` get 15 s.
DEFAULT_SITE_SETTINGS = SiteSettings(flood_seconds=0.0)


@dataclass(frozen=True)
class Site:
    id: int
    name: str
    url: str
    is_default: bool
    settings: SiteSettings

    def article_url(self, post_id: str) -> str:
        return self.settings.url_pattern.replace("{post_id}", post_id)


def site_key_hash(key: str) -> str:
    """Site keys are stored hashed: a copy of the database must not let anyone post as a site."""
    return hashlib.sha256(key.encode()).hexdigest()


# -- the review queue -------------------------------------------------------------------------

# order name -> (column the store sorts by, descending?). `score` is the higher of the spam and
# toxicity scores, so "score" puts the likeliest bad comments first; "oldest" is first in, first out.
ORDERS: dict[str, tuple[str, bool]] = {
    "oldest": ("created_at", False),
    "newest": ("created_at", True),
    "score": ("score", True),
    "score_asc": ("score", False),
}
DEFAULT_LIMIT = 50


@dataclass(frozen=True)
class QueueFilter:
    """Which comments a moderator asks for. `site` is a site id; `reason` one of the comment's reasons."""

    status: str = "pending"
    site: int | None = None
    post: str | None = None
    reason: str | None = None


class QueuePosition(Protocol):
    """Where the previous page ended: the ordering key (score or creation time) and id of its last
    comment. The moderation queue's opaque `Cursor` is one."""

    @property
    def key(self) -> float | str: ...

    @property
    def id(self) -> int: ...


@dataclass(frozen=True)
class QueueQuery:
    filter: QueueFilter = field(default_factory=QueueFilter)
    order: str = "oldest"
    after: QueuePosition | None = None
    limit: int = DEFAULT_LIMIT


@dataclass(frozen=True)
class QueueItem:
    """A comment as a moderator sees it. `email_enc` is still encrypted: the view masks or reveals it."""

    id: int
    site_id: int
    site_name: str
    post_id: str
    parent_id: int | None
    author: str
    email_enc: bytes | None
    email_hash: str | None
    url: str
    content: str
    status: str
    spam_score: float | None
    toxicity_score: float | None
    score: float
    scores_json: str
    reasons_json: str
    model_version: str
    ip: str | None
    user_agent: str | None
    created_at: str
    updated_at: str


# -- moderators' decisions --------------------------------------------------------------------

APPROVE, REJECT, SPAM, NOT_SPAM = "approve", "reject", "spam", "not_spam"
TO_STATUS = {APPROVE: "approved", REJECT: "trash", SPAM: "spam", NOT_SPAM: "pending"}
DECISIONS = tuple(TO_STATUS)

# Outcomes of one decision.
DONE, CONFLICT, NOT_FOUND = "done", "conflict", "not_found"


@dataclass(frozen=True)
class DecisionRequest:
    comment_id: int
    decision: str
    reason: str | None
    expected_status: str

    @property
    def to_status(self) -> str:
        return TO_STATUS[self.decision]


@dataclass(frozen=True)
class DecisionOutcome:
    """What happened to one decision. `status` is the comment's status afterwards (None if unknown)."""

    comment_id: int
    outcome: str
    decision: str
    from_status: str | None = None
    status: str | None = None
    message: str = ""

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"id": self.comment_id, "decision": self.decision, "outcome": self.outcome}
        if self.outcome == DONE:
            body.update({"from_status": self.from_status, "status": self.status})
        elif self.outcome == CONFLICT:
            body.update({"status": self.status, "errors": {"expected_status": self.message}})
        else:
            body["errors"] = {"id": "no such comment"}
        return body


def judge(request: DecisionRequest, current: str) -> str | None:
    """None if `request` may change a comment now in `current` status; otherwise why not (a conflict).

    The store applies it inside the transaction that changes the comment, so two moderators racing
    on one comment have one winner.
    """
    if current != request.expected_status:
        return f"the comment is now {current}, not {request.expected_status}: reload and decide again"
    if current == request.to_status:
        return f"the comment is already {current}"
    if request.decision == NOT_SPAM and current != "spam":
        return "only a comment marked spam can be marked not spam"
    return None

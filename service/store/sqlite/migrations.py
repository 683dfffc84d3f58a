"""Versioned schema migrations. Each entry moves the schema from version N-1 to N; never edit a
released entry, add a new one. SQLite records the version in `PRAGMA user_version`."""

from __future__ import annotations

import logging
import sqlite3

log = logging.getLogger(__name__)

MIGRATIONS: tuple[str, ...] = (
    # 1: sites and comments. Emails are never stored plain: `email_enc` is a Fernet token and
    # `email_hash` a keyed HMAC for look-ups; `content` is the published (masked) text and
    # `content_enc` keeps the original when masking changed it.
    """
    CREATE TABLE sites (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        url TEXT NOT NULL,
        key_hash TEXT UNIQUE,
        is_default INTEGER NOT NULL DEFAULT 0,
        settings TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL
    );
    CREATE TABLE comments (
        id INTEGER PRIMARY KEY,
        site_id INTEGER NOT NULL REFERENCES sites(id),
        post_id TEXT NOT NULL,
        parent_id INTEGER REFERENCES comments(id),
        author TEXT NOT NULL,
        email_enc BLOB,
        email_hash TEXT,
        avatar_hash TEXT,
        url TEXT NOT NULL DEFAULT '',
        content TEXT NOT NULL,
        content_enc BLOB,
        status TEXT NOT NULL CHECK (status IN ('approved', 'pending', 'spam', 'trash')),
        spam_score REAL,
        toxicity_score REAL,
        scores_json TEXT NOT NULL DEFAULT '{}',
        reasons_json TEXT NOT NULL DEFAULT '[]',
        model_version TEXT NOT NULL,
        ip TEXT,
        user_agent TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX comments_by_post ON comments (site_id, post_id, status, id);
    CREATE INDEX comments_by_status ON comments (status, id);
    CREATE INDEX comments_by_email ON comments (email_hash);
    """,
    # 2: the audit trail. Every moderator decision, email reveal, privacy export or erasure and
    # model change is one row: who (`actor`, a token name or "cli"), when, what, on which comment.
    # `details_json` never holds an email address or IP address.
    """
    CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        comment_id INTEGER,
        details_json TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX audit_by_comment ON audit_log (comment_id, id);
    CREATE INDEX comments_by_created ON comments (created_at);
    """,
    # 3: banned authors, per site, by the email's keyed hash (never the address).
    """
    CREATE TABLE banned_authors (
        site_id INTEGER NOT NULL REFERENCES sites(id),
        email_hash TEXT NOT NULL,
        banned_at TEXT NOT NULL,
        actor TEXT NOT NULL,
        PRIMARY KEY (site_id, email_hash)
    );
    CREATE INDEX comments_by_site_email ON comments (site_id, email_hash, status);
    """,
    # 4: Akismet-style spam and ham reports: training labels sent by a site. The text is kept as
    # published (masked) with the original encrypted; the email only as its keyed hash.
    """
    CREATE TABLE akismet_reports (
        id INTEGER PRIMARY KEY,
        site_id INTEGER NOT NULL REFERENCES sites(id),
        label TEXT NOT NULL CHECK (label IN ('spam', 'ham')),
        author TEXT NOT NULL DEFAULT '',
        email_hash TEXT,
        url TEXT NOT NULL DEFAULT '',
        content TEXT NOT NULL,
        content_enc BLOB,
        comment_type TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL
    );
    CREATE INDEX akismet_reports_by_site ON akismet_reports (site_id, id);
    """,
    # 5: the review queue. `api_tokens` keeps only a SHA-256 of each (random, high-entropy) token;
    # a name is unique among live tokens because audit rows and decisions name the actor by it.
    # `decisions` holds every moderator decision, a training label: the comment's text, fields and
    # scores stay reachable through `comment_id`.
    """
    CREATE TABLE api_tokens (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('moderator', 'admin')),
        token_hash TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        revoked_at TEXT
    );
    CREATE UNIQUE INDEX api_tokens_live_name ON api_tokens (name) WHERE revoked_at IS NULL;
    CREATE TABLE decisions (
        id INTEGER PRIMARY KEY,
        comment_id INTEGER NOT NULL REFERENCES comments(id),
        site_id INTEGER NOT NULL REFERENCES sites(id),
        actor TEXT NOT NULL,
        from_status TEXT NOT NULL,
        to_status TEXT NOT NULL,
        decision TEXT NOT NULL CHECK (decision IN ('approve', 'reject', 'spam', 'not_spam')),
        reason TEXT,
        at TEXT NOT NULL
    );
    CREATE INDEX decisions_by_comment ON decisions (comment_id, id);
    CREATE INDEX decisions_by_at ON decisions (at);
    CREATE INDEX comments_by_status_created ON comments (status, created_at, id);
    """,
    # 6: the duplicate check (same post, same author or email, same text) looks a comment up by post
    # and author instead of scanning every comment on the post: a busy post has thousands.
    """
    CREATE INDEX comments_by_post_author ON comments (site_id, post_id, author);
    """,
    # 7: two indexes in place of four random ones. Every index keyed by post or by email takes each
    # new comment on a random page, and a group commit writes every page it touched to the WAL and
    # waits for its fsync: the fewer such indexes, the fewer pages a commit writes.
    # (email_hash, site_id, status) serves look-ups by email alone (privacy) and within a site (the
    # author's history, covered); (site_id, post_id, author, status) serves the duplicate check (one
    # seek) and the public listing (the post's entries, the approved ones' rows, sorted by id).
    """
    CREATE INDEX comments_by_email_site ON comments (email_hash, site_id, status);
    DROP INDEX comments_by_email;
    DROP INDEX comments_by_site_email;
    CREATE INDEX comments_by_post_author_status ON comments (site_id, post_id, author, status);
    DROP INDEX comments_by_post;
    DROP INDEX comments_by_post_author;
    """,
    # 8: (status, id) is (status, created_at, id) less a column: every query by status (the queue in
    # either order, its counts) is served as well by the longer one, and each new comment would touch
    # both. One index fewer: ~1 µs less per insert and ~7 fewer WAL pages per 25-comment commit.
    """
    DROP INDEX comments_by_status;
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)


def migrate(conn: sqlite3.Connection) -> None:
    """Applies every migration newer than the file's `user_version`, each in its own transaction."""
    current = int(conn.execute("PRAGMA user_version").fetchone()[0])
    for version, script in enumerate(MIGRATIONS, start=1):
        if version > current:
            log.info("migrating database schema to version %d", version)
            conn.executescript(f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {version};\nCOMMIT;")

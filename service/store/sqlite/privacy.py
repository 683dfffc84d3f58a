"""Personal data in the store: revealing an email, export, erasure, and retention's purge.

Erasing in SQLite takes more than an UPDATE: the old bytes stay in the page's free space and in the
write-ahead log. Erasures therefore run with `secure_delete` (freed space is zeroed) and are followed
by a `wal_checkpoint(TRUNCATE)`, which copies the new pages into the database file and empties the log.
Each of these writes its audit row in the same transaction as the change.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from collections.abc import Iterator

from service.runtime.clock import utc_now
from service.store.records import AkismetReport, Erasure, PersonalComment
from service.store.sqlite.audit import insert_audit
from service.store.sqlite.engine import Database

log = logging.getLogger(__name__)

ANONYMOUS = "Anonymous"
_PERSONAL_COLUMNS = (
    "id, site_id, post_id, author, email_enc, url, content, content_enc, status, ip, user_agent, created_at"
)


class PersonalData:
    _db: Database

    async def reveal_email(self, comment_id: int, actor: str) -> tuple[bool, bytes | None]:
        """(comment exists, its encrypted email) and, when there is an email, an audit row "reveal_email"."""

        def job(conn: sqlite3.Connection) -> tuple[bool, bytes | None]:
            row = conn.execute("SELECT email_enc FROM comments WHERE id = ?", (comment_id,)).fetchone()
            if row is None:
                return False, None
            if row[0] is not None:
                insert_audit(conn, actor, "reveal_email", comment_id, {})
            return True, (bytes(row[0]) if row[0] is not None else None)

        return await self._db.write(job)

    # -- export -----------------------------------------------------------------------------

    async def comments_by_email_hash(self, email_hash: str) -> list[PersonalComment]:
        """Every comment whose author's email has this keyed hash, oldest first."""
        async with self._db.reader.execute(
            f"SELECT {_PERSONAL_COLUMNS} FROM comments WHERE email_hash = ? ORDER BY id", (email_hash,)
        ) as cur:
            return [PersonalComment(**dict(row)) for row in await cur.fetchall()]

    async def reports_by_email_hash(self, email_hash: str) -> list[AkismetReport]:
        """Akismet spam/ham reports that named this author's email (they are personal data too)."""
        async with self._db.reader.execute(
            "SELECT site_id, label, author, email_hash, url, content, content_enc, comment_type, created_at"
            " FROM akismet_reports WHERE email_hash = ? ORDER BY id",
            (email_hash,),
        ) as cur:
            return [AkismetReport(**dict(row)) for row in await cur.fetchall()]

    async def any_email_enc(self) -> bytes | None:
        """One stored encrypted address, so a command can tell a wrong secret key from "no comments"."""
        async with self._db.reader.execute("SELECT email_enc FROM comments WHERE email_enc IS NOT NULL LIMIT 1") as cur:
            row = await cur.fetchone()
        return bytes(row[0]) if row else None

    # -- erase ------------------------------------------------------------------------------

    async def erase_author(self, email_hash: str, remove_content: str | None, actor: str) -> Erasure:
        """Anonymizes every comment and report of one author, and records it in the audit trail.

        Author becomes "Anonymous"; email (encrypted, look-up hash, avatar hash), URL, IP, user agent
        and the encrypted original text are removed. `remove_content`, when given, replaces the
        published text too. A ban on the author is kept: it holds only the keyed hash, and lifting
        bans on request would let a spammer erase their way back in.
        """

        def job(conn: sqlite3.Connection) -> Erasure:
            with _secure_delete(conn):
                comments = conn.execute(
                    "UPDATE comments SET author = ?, email_enc = NULL, email_hash = NULL, avatar_hash = NULL,"
                    " url = '', ip = NULL, user_agent = NULL, content_enc = NULL,"
                    " content = COALESCE(?, content), updated_at = ? WHERE email_hash = ?",
                    (ANONYMOUS, remove_content, utc_now(), email_hash),
                ).rowcount
                if remove_content is not None:
                    # A report is a training label, not a published comment: without its text it is
                    # worth nothing, so it goes entirely.
                    cur = conn.execute("DELETE FROM akismet_reports WHERE email_hash = ?", (email_hash,))
                else:
                    cur = conn.execute(
                        "UPDATE akismet_reports SET author = ?, email_hash = NULL, url = '', content_enc = NULL"
                        " WHERE email_hash = ?",
                        (ANONYMOUS, email_hash),
                    )
                reports = cur.rowcount
                (bans_kept,) = conn.execute(
                    "SELECT count(*) FROM banned_authors WHERE email_hash = ?", (email_hash,)
                ).fetchone()
            erasure = Erasure(comments=max(comments, 0), reports=max(reports, 0), bans_kept=int(bans_kept))
            insert_audit(
                conn,
                actor,
                "privacy_erase",
                None,
                {
                    "comments": erasure.comments,
                    "reports": erasure.reports,
                    "bans_kept": erasure.bans_kept,
                    "content_removed": remove_content is not None,
                },
            )
            return erasure

        erasure: Erasure = await self._db.write(job)
        await self._empty_write_ahead_log()
        return erasure

    # -- retention --------------------------------------------------------------------------

    async def purge_sender_data(self, created_before: str, actor: str) -> int:
        """Erases the IP address and user agent of comments created before the given UTC time.

        Idempotent: rows already purged are not touched again. Only a purge that changed something
        is recorded in the audit trail, so a daily run does not fill it with zeros.
        """

        def job(conn: sqlite3.Connection) -> int:
            with _secure_delete(conn):
                cur = conn.execute(
                    "UPDATE comments SET ip = NULL, user_agent = NULL"
                    " WHERE created_at < ? AND (ip IS NOT NULL OR user_agent IS NOT NULL)",
                    (created_before,),
                )
            purged = max(cur.rowcount, 0)
            if purged:
                insert_audit(
                    conn, actor, "retention_purge", None, {"comments": purged, "created_before": created_before}
                )
            return purged

        purged: int = await self._db.write(job)
        if purged:
            await self._empty_write_ahead_log()
        return purged

    # -- helpers ----------------------------------------------------------------------------

    async def _empty_write_ahead_log(self) -> None:
        """Copies the committed pages into the database file and truncates the log, so the erased
        values' older page versions do not linger in `-wal`. Runs outside any transaction (the
        reader connection), which a checkpoint requires."""
        async with self._db.reader.execute("PRAGMA wal_checkpoint(TRUNCATE)") as cur:
            row = await cur.fetchone()
        if row is not None and int(row[0]) != 0:
            # Another connection held an old snapshot; the next checkpoint finishes the job.
            log.warning("write-ahead log checkpoint was blocked by a reader; erased pages remain in the log for now")


@contextlib.contextmanager
def _secure_delete(conn: sqlite3.Connection) -> Iterator[None]:
    """Zeroes freed space while the block runs (SQLite otherwise leaves old values in free space)."""
    (previous,) = conn.execute("PRAGMA secure_delete").fetchone()
    conn.execute("PRAGMA secure_delete = ON")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA secure_delete = {int(previous)}")

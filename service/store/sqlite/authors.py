"""Commenters, known by the keyed hash of their email: their history on a site and the
`banned_authors` table. Every ban or unban writes its audit row in the same transaction."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any

from service.runtime.clock import utc_now
from service.store.records import AuthorHistory
from service.store.sqlite.audit import insert_audit
from service.store.sqlite.engine import Database

_STATUSES = ("approved", "pending", "spam", "trash")


class Authors:
    _db: Database

    async def author_history(self, site_id: int, email_hash: str | None) -> AuthorHistory:
        """Counts of a commenter's earlier comments on this site by status, and whether they are banned."""
        if not email_hash:
            return AuthorHistory()
        # One statement using two indexes; 'banned' is no comment status, so it cannot collide.
        rows = await self._db.lookup(
            "SELECT status, count(*) FROM comments WHERE site_id = ?1 AND email_hash = ?2 GROUP BY status"
            " UNION ALL SELECT 'banned', 1 FROM banned_authors WHERE site_id = ?1 AND email_hash = ?2",
            (site_id, email_hash),
        )
        counts = {row[0]: int(row[1]) for row in rows}
        banned = "banned" in counts
        return AuthorHistory(banned=banned, **{k: counts.get(k, 0) for k in _STATUSES})

    async def author_histories(self, authors: Iterable[tuple[int, str]]) -> dict[tuple[int, str], AuthorHistory]:
        """`author_history` for many (site id, email hash) pairs in two queries: one page of the queue."""
        pairs = sorted(set(authors))
        if not pairs:
            return {}
        hashes = sorted({h for _, h in pairs})
        marks = ", ".join("?" * len(hashes))
        counts: dict[tuple[int, str], dict[str, int]] = {}
        reader = self._db.reader
        async with reader.execute(
            f"SELECT site_id, email_hash, status, count(*) FROM comments WHERE email_hash IN ({marks})"
            " GROUP BY site_id, email_hash, status",
            hashes,
        ) as cur:
            for row in await cur.fetchall():
                counts.setdefault((row[0], row[1]), {})[row[2]] = int(row[3])
        async with reader.execute(
            f"SELECT site_id, email_hash FROM banned_authors WHERE email_hash IN ({marks})", hashes
        ) as cur:
            banned = {(row[0], row[1]) for row in await cur.fetchall()}
        return {
            pair: AuthorHistory(
                banned=pair in banned,
                **{k: counts.get(pair, {}).get(k, 0) for k in _STATUSES},
            )
            for pair in pairs
        }

    async def set_author_ban(self, comment_id: int, banned: bool, actor: str) -> dict[str, Any] | None:
        """Bans (or unbans) the author of a comment on its site, by the email's keyed hash.

        None when there is no such comment; `{"site_id", "has_email", "changed"}` otherwise.
        """

        def job(conn: sqlite3.Connection) -> dict[str, Any] | None:
            row = conn.execute("SELECT site_id, email_hash FROM comments WHERE id = ?", (comment_id,)).fetchone()
            if row is None:
                return None
            site_id, email_hash = row[0], row[1]
            if not email_hash:
                return {"site_id": site_id, "has_email": False, "changed": False}
            if banned:
                cur = conn.execute(
                    "INSERT OR IGNORE INTO banned_authors (site_id, email_hash, banned_at, actor) VALUES (?, ?, ?, ?)",
                    (site_id, email_hash, utc_now(), actor),
                )
            else:
                cur = conn.execute(
                    "DELETE FROM banned_authors WHERE site_id = ? AND email_hash = ?", (site_id, email_hash)
                )
            changed = cur.rowcount > 0
            action = "ban_author" if banned else "unban_author"
            insert_audit(conn, actor, action, comment_id, {"site_id": site_id, "changed": changed})
            return {"site_id": site_id, "has_email": True, "changed": changed}

        return await self._db.write(job)

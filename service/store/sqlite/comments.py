"""The `comments` table: storing a decided comment, reading it back, the public listing, the duplicate check."""

from __future__ import annotations

import sqlite3
from typing import Any

from service.store.records import NewComment, StoredComment
from service.store.sqlite.engine import Database

_COMMENT_COLUMNS = (
    "id, site_id, post_id, parent_id, author, avatar_hash, url, content, status, spam_score, "
    "toxicity_score, scores_json, reasons_json, model_version, created_at"
)


class Comments:
    _db: Database

    async def insert_comment(self, comment: NewComment) -> int:
        def job(conn: sqlite3.Connection) -> int:
            cur = conn.execute(
                "INSERT INTO comments (site_id, post_id, parent_id, author, email_enc, email_hash, avatar_hash, url,"
                " content, content_enc, status, spam_score, toxicity_score, scores_json, reasons_json, model_version,"
                " ip, user_agent, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    comment.site_id,
                    comment.post_id,
                    comment.parent_id,
                    comment.author,
                    comment.email_enc,
                    comment.email_hash,
                    comment.avatar_hash,
                    comment.url,
                    comment.content,
                    comment.content_enc,
                    comment.status,
                    comment.spam_score,
                    comment.toxicity_score,
                    comment.scores_json,
                    comment.reasons_json,
                    comment.model_version,
                    comment.ip,
                    comment.user_agent,
                    comment.created_at,
                    comment.created_at,
                ),
            )
            return int(cur.lastrowid or 0)

        return await self._db.write(job, one_statement=True)

    async def get_comment(self, comment_id: int) -> StoredComment | None:
        rows = await self._db.reader.execute_fetchall(
            f"SELECT {_COMMENT_COLUMNS} FROM comments WHERE id = ?", (comment_id,)
        )
        return _comment(next(iter(rows))) if rows else None

    async def approved_comments(self, site_id: int, post_id: str) -> list[StoredComment]:
        # Left to itself the planner may walk an index by status to skip the sort: every approved
        # comment of every post. A post's own comments, sorted, are far fewer.
        rows = await self._db.reader.execute_fetchall(
            f"SELECT {_COMMENT_COLUMNS} FROM comments INDEXED BY comments_by_post_author_status"
            " WHERE site_id = ? AND post_id = ? AND status = 'approved' ORDER BY id",
            (site_id, post_id),
        )
        return [_comment(r) for r in rows]

    async def find_duplicate(
        self, site_id: int, post_id: str, author: str, email_hash: str | None, content: str
    ) -> int | None:
        """WordPress's duplicate check: same post, same author (name or email), same text; trash aside."""
        # Two index look-ups (by post and author, by the author's email) rather than a scan of every
        # comment on the post: a busy post has thousands. `+post_id` steers the second branch to the
        # email index.
        rows = await self._db.lookup(
            "SELECT id FROM comments WHERE site_id = ?1 AND post_id = ?2 AND author = ?4 AND content = ?3"
            " AND status != 'trash'"
            " UNION ALL SELECT id FROM comments WHERE site_id = ?1 AND email_hash = ?5 AND +post_id = ?2"
            " AND content = ?3 AND status != 'trash' LIMIT 1",
            (site_id, post_id, content, author, email_hash),
        )
        return int(rows[0][0]) if rows else None

    async def count_comments(self) -> int:
        async with self._db.reader.execute("SELECT count(*) FROM comments") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def count_pending_comments(self) -> int:
        """Comments waiting for a person (the moderation queue's depth)."""
        async with self._db.reader.execute("SELECT count(*) FROM comments WHERE status = 'pending'") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0


def _comment(row: Any) -> StoredComment:
    return StoredComment(**{key: row[key] for key in row.keys()})

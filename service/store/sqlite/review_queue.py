"""Reads of the `comments` table for moderators: the review queue's pages, its counts, one item."""

from __future__ import annotations

from typing import Any

from service.store.records import ORDERS, QueueFilter, QueueItem, QueueQuery
from service.store.sqlite.engine import Database

_SCORE = "MAX(COALESCE(c.spam_score, 0.0), COALESCE(c.toxicity_score, 0.0))"
_ITEM_COLUMNS = (
    "c.id, c.site_id, s.name AS site_name, c.post_id, c.parent_id, c.author, c.email_enc, c.email_hash, c.url,"
    " c.content, c.status, c.spam_score, c.toxicity_score, " + _SCORE + " AS score, c.scores_json, c.reasons_json,"
    " c.model_version, c.ip, c.user_agent, c.created_at, c.updated_at"
)


def _where(flt: QueueFilter) -> tuple[str, list[Any]]:
    clauses, params = ["c.status = ?"], [flt.status]
    if flt.site is not None:
        clauses.append("c.site_id = ?")
        params.append(flt.site)
    if flt.post is not None:
        clauses.append("c.post_id = ?")
        params.append(flt.post)
    if flt.reason is not None:
        clauses.append("EXISTS (SELECT 1 FROM json_each(c.reasons_json) AS r WHERE r.value = ?)")
        params.append(flt.reason)
    return " AND ".join(clauses), params


class ReviewQueue:
    _db: Database

    async def queue_items(self, query: QueueQuery) -> list[QueueItem]:
        """One page of the queue, in the query's order, after its cursor."""
        where, params = _where(query.filter)
        column, descending = ORDERS[query.order]
        key = _SCORE if column == "score" else "c.created_at"
        if query.after is not None:
            op = "<" if descending else ">"
            where += f" AND ({key} {op} ? OR ({key} = ? AND c.id {op} ?))"
            params += [query.after.key, query.after.key, query.after.id]
        direction = "DESC" if descending else "ASC"
        sql = (
            f"SELECT {_ITEM_COLUMNS} FROM comments c JOIN sites s ON s.id = c.site_id WHERE {where}"
            f" ORDER BY {key} {direction}, c.id {direction} LIMIT ?"
        )
        async with self._db.reader.execute(sql, (*params, query.limit)) as cur:
            return [QueueItem(**dict(row)) for row in await cur.fetchall()]

    async def count_queue(self, flt: QueueFilter) -> int:
        """How many comments match the filter: what is waiting."""
        where, params = _where(flt)
        async with self._db.reader.execute(f"SELECT count(*) FROM comments c WHERE {where}", params) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def status_counts(self, site: int | None = None) -> dict[str, int]:
        where, params = ("WHERE site_id = ?", (site,)) if site is not None else ("", ())
        sql = f"SELECT status, count(*) FROM comments {where} GROUP BY status"
        async with self._db.reader.execute(sql, params) as cur:
            return {row[0]: int(row[1]) for row in await cur.fetchall()}

    async def queue_item(self, comment_id: int) -> QueueItem | None:
        async with self._db.reader.execute(
            f"SELECT {_ITEM_COLUMNS} FROM comments c JOIN sites s ON s.id = c.site_id WHERE c.id = ?", (comment_id,)
        ) as cur:
            row = await cur.fetchone()
        return QueueItem(**dict(row)) if row else None

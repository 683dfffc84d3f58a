"""SQLite queries for the moderation queue: tokens, queue, decisions, author standing.

A mixin of `SQLiteStore`: methods use `self._reader` (an aiosqlite connection with Row factory)
for reads and `await self._write(job)` for writes, where `job(conn)` runs inside the next group commit.
Every change a moderator makes writes its audit row in the same transaction as the change.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any

from service.moderation.auth import ApiToken
from service.moderation.decisions import CONFLICT, DONE, NOT_FOUND, DecisionOutcome, DecisionRequest, judge
from service.moderation.queue_query import ORDERS, QueueFilter, QueueItem, QueueQuery
from service.store.records import AuthorHistory

if TYPE_CHECKING:
    import aiosqlite

_SCORE = "MAX(COALESCE(c.spam_score, 0.0), COALESCE(c.toxicity_score, 0.0))"
_ITEM_COLUMNS = (
    "c.id, c.site_id, s.name AS site_name, c.post_id, c.parent_id, c.author, c.email_enc, c.email_hash, c.url,"
    " c.content, c.status, c.spam_score, c.toxicity_score, " + _SCORE + " AS score, c.scores_json, c.reasons_json,"
    " c.model_version, c.ip, c.user_agent, c.created_at, c.updated_at"
)
_TOKEN_COLUMNS = "id, name, role, created_at, revoked_at"


def _utc_now() -> str:
    from service.store.sqlite import utc_now  # sqlite.py imports this module: import late

    return utc_now()


async def _audit(
    conn: aiosqlite.Connection, actor: str, action: str, comment_id: int | None, details: dict[str, Any]
) -> int:
    from service.store.sqlite import insert_audit

    return await insert_audit(conn, actor, action, comment_id, details)


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


class ModerationQueries:
    _reader: aiosqlite.Connection | None
    _write: Callable[[Callable[[aiosqlite.Connection], Awaitable[Any]]], Awaitable[Any]]

    # -- tokens -----------------------------------------------------------------------------

    async def add_token(self, name: str, role: str, token_hash: str, actor: str) -> int:
        """Stores a new token (its hash only) and records who made it."""

        async def job(conn: aiosqlite.Connection) -> int:
            try:
                cur = await conn.execute(
                    "INSERT INTO api_tokens (name, role, token_hash, created_at) VALUES (?, ?, ?, ?)",
                    (name, role, token_hash, _utc_now()),
                )
            except sqlite3.IntegrityError:
                message = f"--name: a live token is already called {name!r}; revoke it or pick another name"
                raise ValueError(message) from None
            token_id = int(cur.lastrowid or 0)
            await _audit(conn, actor, "token_create", None, {"token_id": token_id, "name": name, "role": role})
            return token_id

        return await self._write(job)

    async def token_by_hash(self, token_hash: str) -> ApiToken | None:
        return await self._one_token("SELECT " + _TOKEN_COLUMNS + " FROM api_tokens WHERE token_hash = ?", token_hash)

    async def token_by_id(self, token_id: int) -> ApiToken | None:
        return await self._one_token("SELECT " + _TOKEN_COLUMNS + " FROM api_tokens WHERE id = ?", token_id)

    async def _one_token(self, sql: str, value: Any) -> ApiToken | None:
        assert self._reader is not None
        async with self._reader.execute(sql, (value,)) as cur:
            row = await cur.fetchone()
        return ApiToken(**dict(row)) if row else None

    async def list_tokens(self) -> list[ApiToken]:
        assert self._reader is not None
        async with self._reader.execute("SELECT " + _TOKEN_COLUMNS + " FROM api_tokens ORDER BY id") as cur:
            return [ApiToken(**dict(row)) for row in await cur.fetchall()]

    async def revoke_token(self, name: str | None, token_id: int | None, actor: str) -> int:
        """Revokes the live token with this name or id; returns how many were revoked (0 or 1)."""

        async def job(conn: aiosqlite.Connection) -> int:
            key, value = ("name", name) if name is not None else ("id", token_id)
            async with conn.execute(
                f"SELECT id, name FROM api_tokens WHERE {key} = ? AND revoked_at IS NULL", (value,)
            ) as cur:
                rows = list(await cur.fetchall())
            for row in rows:
                await conn.execute("UPDATE api_tokens SET revoked_at = ? WHERE id = ?", (_utc_now(), row[0]))
                await _audit(conn, actor, "token_revoke", None, {"token_id": row[0], "name": row[1]})
            return len(rows)

        return await self._write(job)

    # -- the queue --------------------------------------------------------------------------

    async def queue_items(self, query: QueueQuery) -> list[QueueItem]:
        """One page of the queue, in the query's order, after its cursor."""
        assert self._reader is not None
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
        async with self._reader.execute(sql, (*params, query.limit)) as cur:
            return [QueueItem(**dict(row)) for row in await cur.fetchall()]

    async def count_queue(self, flt: QueueFilter) -> int:
        """How many comments match the filter: what is waiting."""
        assert self._reader is not None
        where, params = _where(flt)
        async with self._reader.execute(f"SELECT count(*) FROM comments c WHERE {where}", params) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def status_counts(self, site: int | None = None) -> dict[str, int]:
        assert self._reader is not None
        where, params = ("WHERE site_id = ?", (site,)) if site is not None else ("", ())
        sql = f"SELECT status, count(*) FROM comments {where} GROUP BY status"
        async with self._reader.execute(sql, params) as cur:
            return {row[0]: int(row[1]) for row in await cur.fetchall()}

    async def queue_item(self, comment_id: int) -> QueueItem | None:
        assert self._reader is not None
        async with self._reader.execute(
            f"SELECT {_ITEM_COLUMNS} FROM comments c JOIN sites s ON s.id = c.site_id WHERE c.id = ?", (comment_id,)
        ) as cur:
            row = await cur.fetchone()
        return QueueItem(**dict(row)) if row else None

    async def author_histories(self, authors: Iterable[tuple[int, str]]) -> dict[tuple[int, str], AuthorHistory]:
        """`author_history` for many (site id, email hash) pairs in two queries: one page of the queue."""
        assert self._reader is not None
        pairs = sorted(set(authors))
        if not pairs:
            return {}
        hashes = sorted({h for _, h in pairs})
        marks = ", ".join("?" * len(hashes))
        counts: dict[tuple[int, str], dict[str, int]] = {}
        async with self._reader.execute(
            f"SELECT site_id, email_hash, status, count(*) FROM comments WHERE email_hash IN ({marks})"
            " GROUP BY site_id, email_hash, status",
            hashes,
        ) as cur:
            for row in await cur.fetchall():
                counts.setdefault((row[0], row[1]), {})[row[2]] = int(row[3])
        async with self._reader.execute(
            f"SELECT site_id, email_hash FROM banned_authors WHERE email_hash IN ({marks})", hashes
        ) as cur:
            banned = {(row[0], row[1]) for row in await cur.fetchall()}
        return {
            pair: AuthorHistory(
                banned=pair in banned,
                **{k: counts.get(pair, {}).get(k, 0) for k in ("approved", "pending", "spam", "trash")},
            )
            for pair in pairs
        }

    # -- decisions --------------------------------------------------------------------------

    async def decide(self, requests: list[DecisionRequest], actor: str, via: str) -> list[DecisionOutcome]:
        """Applies decisions in one transaction: each changes its comment only if the comment still has
        the status the moderator saw, and is recorded in `decisions` and the audit trail."""

        async def job(conn: aiosqlite.Connection) -> list[DecisionOutcome]:
            outcomes = []
            for req in requests:
                async with conn.execute("SELECT status, site_id FROM comments WHERE id = ?", (req.comment_id,)) as cur:
                    row = await cur.fetchone()
                if row is None:
                    outcomes.append(DecisionOutcome(req.comment_id, NOT_FOUND, req.decision))
                    continue
                current, site_id = row[0], row[1]
                problem = judge(req, current)
                if problem is not None:
                    outcomes.append(DecisionOutcome(req.comment_id, CONFLICT, req.decision, current, current, problem))
                    continue
                now = _utc_now()
                await conn.execute(
                    "UPDATE comments SET status = ?, updated_at = ? WHERE id = ? AND status = ?",
                    (req.to_status, now, req.comment_id, current),
                )
                await conn.execute(
                    "INSERT INTO decisions (comment_id, site_id, actor, from_status, to_status, decision, reason, at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (req.comment_id, site_id, actor, current, req.to_status, req.decision, req.reason, now),
                )
                details = {"decision": req.decision, "from": current, "to": req.to_status, "via": via}
                if req.reason:
                    details["reason"] = req.reason
                await _audit(conn, actor, "decision", req.comment_id, details)
                outcomes.append(DecisionOutcome(req.comment_id, DONE, req.decision, current, req.to_status))
            return outcomes

        return await self._write(job)

    async def decisions(self, comment_id: int | None = None, limit: int = 1000) -> list[dict[str, Any]]:
        """Recorded decisions, newest first: the training labels (join `comments` on `comment_id` for text)."""
        assert self._reader is not None
        where, params = ("WHERE comment_id = ?", (comment_id, limit)) if comment_id is not None else ("", (limit,))
        async with self._reader.execute(
            "SELECT id, comment_id, site_id, actor, from_status, to_status, decision, reason, at"
            f" FROM decisions {where} ORDER BY id DESC LIMIT ?",
            params,
        ) as cur:
            return [dict(row) for row in await cur.fetchall()]

    # -- email reveal and author standing ------------------------------------------------------

    async def reveal_email(self, comment_id: int, actor: str) -> tuple[bool, bytes | None]:
        """(comment exists, its encrypted email) and, when there is an email, an audit row "reveal_email"."""

        async def job(conn: aiosqlite.Connection) -> tuple[bool, bytes | None]:
            async with conn.execute("SELECT email_enc FROM comments WHERE id = ?", (comment_id,)) as cur:
                row = await cur.fetchone()
            if row is None:
                return False, None
            if row[0] is not None:
                await _audit(conn, actor, "reveal_email", comment_id, {})
            return True, (bytes(row[0]) if row[0] is not None else None)

        return await self._write(job)

    async def set_author_ban(self, comment_id: int, banned: bool, actor: str) -> dict[str, Any] | None:
        """Bans (or unbans) the author of a comment on its site, by the email's keyed hash.

        None when there is no such comment; `{"site_id", "has_email", "changed"}` otherwise.
        """

        async def job(conn: aiosqlite.Connection) -> dict[str, Any] | None:
            async with conn.execute("SELECT site_id, email_hash FROM comments WHERE id = ?", (comment_id,)) as cur:
                row = await cur.fetchone()
            if row is None:
                return None
            site_id, email_hash = row[0], row[1]
            if not email_hash:
                return {"site_id": site_id, "has_email": False, "changed": False}
            if banned:
                cur = await conn.execute(
                    "INSERT OR IGNORE INTO banned_authors (site_id, email_hash, banned_at, actor) VALUES (?, ?, ?, ?)",
                    (site_id, email_hash, _utc_now(), actor),
                )
            else:
                cur = await conn.execute(
                    "DELETE FROM banned_authors WHERE site_id = ? AND email_hash = ?", (site_id, email_hash)
                )
            changed = cur.rowcount > 0
            action = "ban_author" if banned else "unban_author"
            await _audit(conn, actor, action, comment_id, {"site_id": site_id, "changed": changed})
            return {"site_id": site_id, "has_email": True, "changed": changed}

        return await self._write(job)

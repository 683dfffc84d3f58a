"""The `api_tokens` table: moderators' tokens, kept as SHA-256 hashes only, with their roles.
Making or revoking one writes its audit row in the same transaction."""

from __future__ import annotations

import sqlite3
from typing import Any

from service.runtime.clock import utc_now
from service.store.records import ApiToken
from service.store.sqlite.audit import insert_audit
from service.store.sqlite.engine import Database

_TOKEN_COLUMNS = "id, name, role, created_at, revoked_at"


class Tokens:
    _db: Database

    async def add_token(self, name: str, role: str, token_hash: str, actor: str) -> int:
        """Stores a new token (its hash only) and records who made it."""

        def job(conn: sqlite3.Connection) -> int:
            try:
                cur = conn.execute(
                    "INSERT INTO api_tokens (name, role, token_hash, created_at) VALUES (?, ?, ?, ?)",
                    (name, role, token_hash, utc_now()),
                )
            except sqlite3.IntegrityError:
                message = f"--name: a live token is already called {name!r}; revoke it or pick another name"
                raise ValueError(message) from None
            token_id = int(cur.lastrowid or 0)
            insert_audit(conn, actor, "token_create", None, {"token_id": token_id, "name": name, "role": role})
            return token_id

        return await self._db.write(job)

    async def token_by_hash(self, token_hash: str) -> ApiToken | None:
        return await self._one_token("SELECT " + _TOKEN_COLUMNS + " FROM api_tokens WHERE token_hash = ?", token_hash)

    async def token_by_id(self, token_id: int) -> ApiToken | None:
        return await self._one_token("SELECT " + _TOKEN_COLUMNS + " FROM api_tokens WHERE id = ?", token_id)

    async def _one_token(self, sql: str, value: Any) -> ApiToken | None:
        async with self._db.reader.execute(sql, (value,)) as cur:
            row = await cur.fetchone()
        return ApiToken(**dict(row)) if row else None

    async def list_tokens(self) -> list[ApiToken]:
        async with self._db.reader.execute("SELECT " + _TOKEN_COLUMNS + " FROM api_tokens ORDER BY id") as cur:
            return [ApiToken(**dict(row)) for row in await cur.fetchall()]

    async def revoke_token(self, name: str | None, token_id: int | None, actor: str) -> int:
        """Revokes the live token with this name or id; returns how many were revoked (0 or 1)."""

        def job(conn: sqlite3.Connection) -> int:
            key, value = ("name", name) if name is not None else ("id", token_id)
            rows = conn.execute(
                f"SELECT id, name FROM api_tokens WHERE {key} = ? AND revoked_at IS NULL", (value,)
            ).fetchall()
            for row in rows:
                conn.execute("UPDATE api_tokens SET revoked_at = ? WHERE id = ?", (utc_now(), row[0]))
                insert_audit(conn, actor, "token_revoke", None, {"token_id": row[0], "name": row[1]})
            return len(rows)

        return await self._db.write(job)

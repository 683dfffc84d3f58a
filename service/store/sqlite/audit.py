"""The `audit_log` table: who did what, when, to which comment. Rows never hold an email or IP address."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from service.runtime.clock import utc_now
from service.store.sqlite.engine import Database


def insert_audit(
    conn: sqlite3.Connection, actor: str, action: str, comment_id: int | None, details: dict[str, Any] | None
) -> int:
    """The audit insert, for writer jobs that record their action in the same transaction as the action."""
    cur = conn.execute(
        "INSERT INTO audit_log (at, actor, action, comment_id, details_json) VALUES (?, ?, ?, ?, ?)",
        (utc_now(), actor, action, comment_id, json.dumps(details or {})),
    )
    return int(cur.lastrowid or 0)


class AuditTrail:
    _db: Database

    async def record_audit(
        self, actor: str, action: str, comment_id: int | None = None, details: dict[str, Any] | None = None
    ) -> int:
        """Appends one audit row; `details` must hold no email or IP address."""

        def job(conn: sqlite3.Connection) -> int:
            return insert_audit(conn, actor, action, comment_id, details)

        return await self._db.write(job)

    async def audit_entries(self, comment_id: int | None = None, limit: int = 100) -> list[dict[str, Any]]:
        where, params = ("WHERE comment_id = ?", (comment_id, limit)) if comment_id is not None else ("", (limit,))
        async with self._db.reader.execute(
            f"SELECT id, at, actor, action, comment_id, details_json FROM audit_log {where} ORDER BY id DESC LIMIT ?",
            params,
        ) as cur:
            rows = await cur.fetchall()
        return [
            {
                **{k: r[k] for k in ("id", "at", "actor", "action", "comment_id")},
                "details": json.loads(r["details_json"]),
            }
            for r in rows
        ]

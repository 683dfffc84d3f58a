"""The `decisions` table: every moderator decision, kept as a training label.

A decision changes its comment only if the comment still has the status the moderator saw (`judge`
in the records), checked and applied in one transaction, so two moderators racing on one comment
have one winner. Each applied decision writes its audit row in that transaction too.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from service.runtime.clock import utc_now
from service.store.records import CONFLICT, DONE, NOT_FOUND, DecisionOutcome, DecisionRequest, judge
from service.store.sqlite.audit import insert_audit
from service.store.sqlite.engine import Database


class Decisions:
    _db: Database

    async def decide(self, requests: list[DecisionRequest], actor: str, via: str) -> list[DecisionOutcome]:
        """Applies decisions in one transaction: each changes its comment only if the comment still has
        the status the moderator saw, and is recorded in `decisions` and the audit trail."""

        def job(conn: sqlite3.Connection) -> list[DecisionOutcome]:
            outcomes = []
            for req in requests:
                row = conn.execute("SELECT status, site_id FROM comments WHERE id = ?", (req.comment_id,)).fetchone()
                if row is None:
                    outcomes.append(DecisionOutcome(req.comment_id, NOT_FOUND, req.decision))
                    continue
                current, site_id = row[0], row[1]
                problem = judge(req, current)
                if problem is not None:
                    outcomes.append(DecisionOutcome(req.comment_id, CONFLICT, req.decision, current, current, problem))
                    continue
                now = utc_now()
                conn.execute(
                    "UPDATE comments SET status = ?, updated_at = ? WHERE id = ? AND status = ?",
                    (req.to_status, now, req.comment_id, current),
                )
                conn.execute(
                    "INSERT INTO decisions (comment_id, site_id, actor, from_status, to_status, decision, reason, at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (req.comment_id, site_id, actor, current, req.to_status, req.decision, req.reason, now),
                )
                details = {"decision": req.decision, "from": current, "to": req.to_status, "via": via}
                if req.reason:
                    details["reason"] = req.reason
                insert_audit(conn, actor, "decision", req.comment_id, details)
                outcomes.append(DecisionOutcome(req.comment_id, DONE, req.decision, current, req.to_status))
            return outcomes

        return await self._db.write(job)

    async def decisions(self, comment_id: int | None = None, limit: int = 1000) -> list[dict[str, Any]]:
        """Recorded decisions, newest first: the training labels (join `comments` on `comment_id` for text)."""
        where, params = ("WHERE comment_id = ?", (comment_id, limit)) if comment_id is not None else ("", (limit,))
        async with self._db.reader.execute(
            "SELECT id, comment_id, site_id, actor, from_status, to_status, decision, reason, at"
            f" FROM decisions {where} ORDER BY id DESC LIMIT ?",
            params,
        ) as cur:
            return [dict(row) for row in await cur.fetchall()]

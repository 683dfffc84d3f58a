"""Training labels: moderators' decisions (the `decisions` table joined to `comments`) and sites'
Akismet reports, read as one list of labeled comments for retraining."""

from __future__ import annotations

from typing import Any

from service.store.sqlite.engine import Database


class TrainingLabels:
    _db: Database

    async def training_labels(self, site_id: int | None = None) -> list[dict[str, Any]]:
        """Moderator decisions and Akismet reports as labeled comments, oldest label first.

        Each row carries the comment as it was scored (`content`, and `content_enc` when masking
        changed the text), `author`, `url`, the label time `at`, and the decision or report; the
        latest decision on a comment is the one that counts.
        """
        reader = self._db.reader
        site_filter = "AND c.site_id = ?" if site_id is not None else ""
        params: tuple[Any, ...] = (site_id,) if site_id is not None else ()
        async with reader.execute(
            "SELECT c.id AS comment_id, c.site_id, c.content, c.content_enc, c.author, c.url, c.created_at,"
            " c.model_version, d.decision, d.reason, d.at FROM decisions d JOIN comments c ON c.id = d.comment_id"
            " WHERE d.id = (SELECT max(id) FROM decisions WHERE comment_id = d.comment_id)"
            f" {site_filter} ORDER BY d.at, d.id",
            params,
        ) as cur:
            decided = [dict(row) | {"source": "decision"} for row in await cur.fetchall()]
        report_filter = "WHERE site_id = ?" if site_id is not None else ""
        async with reader.execute(
            "SELECT NULL AS comment_id, site_id, content, content_enc, author, url, created_at,"
            " NULL AS model_version, label AS decision, NULL AS reason, created_at AS at"
            f" FROM akismet_reports {report_filter} ORDER BY id",
            params,
        ) as cur:
            reported = [dict(row) | {"source": "akismet"} for row in await cur.fetchall()]
        return sorted(decided + reported, key=lambda r: r["at"])

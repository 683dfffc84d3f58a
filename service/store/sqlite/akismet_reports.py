"""The `akismet_reports` table: a site's "this is spam" / "this is ham" reports, kept as training labels."""

from __future__ import annotations

import sqlite3

from service.store.records import AkismetReport
from service.store.sqlite.engine import Database

REPORT_COLUMNS = "site_id, label, author, email_hash, url, content, content_enc, comment_type, created_at"


class AkismetReports:
    _db: Database

    async def add_akismet_report(self, report: AkismetReport) -> int:
        def job(conn: sqlite3.Connection) -> int:
            cur = conn.execute(
                f"INSERT INTO akismet_reports ({REPORT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    report.site_id,
                    report.label,
                    report.author,
                    report.email_hash,
                    report.url,
                    report.content,
                    report.content_enc,
                    report.comment_type,
                    report.created_at,
                ),
            )
            return int(cur.lastrowid or 0)

        return await self._db.write(job)

    async def akismet_reports(self, site_id: int | None = None) -> list[AkismetReport]:
        where, params = ("WHERE site_id = ?", (site_id,)) if site_id is not None else ("", ())
        async with self._db.reader.execute(
            f"SELECT {REPORT_COLUMNS} FROM akismet_reports {where} ORDER BY id", params
        ) as cur:
            return [AkismetReport(**dict(row)) for row in await cur.fetchall()]

"""The embedded store: one SQLite file in WAL mode.

SQLite allows one writer at a time, so every write goes through one connection owned by a writer
task (as Datasette does). The writer drains whatever jobs are waiting, runs them in a single
transaction (each in its own savepoint, so one failing job does not sink the others) and commits
once: group commit. A job's caller is answered only after that commit, so a 201 means durable.
Reads use their own connection and never wait for the writer.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from service.sites import DEFAULT_SITE_SETTINGS, Site, SiteSettings, site_key_hash
from service.store.migrations import MIGRATIONS
from service.store.records import AkismetReport, AuthorHistory, NewComment, StoredComment
from service.store.sqlite_moderation import ModerationQueries
from service.store.sqlite_privacy import PrivacyQueries

log = logging.getLogger(__name__)
T = TypeVar("T")
WriteJob = Callable[[aiosqlite.Connection], Awaitable[Any]]

# Largest number of jobs committed together; bounds how long one transaction holds the lock.
MAX_BATCH = 256

_COMMENT_COLUMNS = (
    "id, site_id, post_id, parent_id, author, avatar_hash, url, content, status, spam_score, "
    "toxicity_score, scores_json, reasons_json, model_version, created_at"
)


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class SQLiteStore(ModerationQueries, PrivacyQueries):
    """Comments, sites and their settings in one SQLite file.

    Queries of the moderation queue and of privacy/retention live in their own mixin modules
    (`sqlite_moderation.py`, `sqlite_privacy.py`); they use `_write` and `_reader` from here.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._jobs: asyncio.Queue[tuple[WriteJob, asyncio.Future[Any]] | None] = asyncio.Queue()
        self._writer_task: asyncio.Task[None] | None = None

    # -- life cycle -------------------------------------------------------------------------

    async def open(self) -> None:
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: the writer issues BEGIN/COMMIT itself, so batching is explicit.
        self._writer = await aiosqlite.connect(self.path, isolation_level=None)
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", "busy_timeout=10000"):
            await self._writer.execute(f"PRAGMA {pragma}")
        await self._migrate(self._writer)
        await self._ensure_default_site(self._writer)
        self._reader = await aiosqlite.connect(self.path, isolation_level=None)
        await self._reader.execute("PRAGMA busy_timeout=10000")
        self._reader.row_factory = aiosqlite.Row
        self._writer_task = asyncio.create_task(self._run_writer(), name="sqlite-writer")

    async def close(self) -> None:
        if self._writer_task is not None:
            await self._jobs.put(None)
            await self._writer_task
            self._writer_task = None
        for conn in (self._reader, self._writer):
            if conn is not None:
                await conn.close()
        self._reader = self._writer = None

    async def _migrate(self, conn: aiosqlite.Connection) -> None:
        async with conn.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        current = int(row[0]) if row else 0
        for version, script in enumerate(MIGRATIONS, start=1):
            if version > current:
                log.info("migrating database schema to version %d", version)
                await conn.executescript(f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {version};\nCOMMIT;")

    async def _ensure_default_site(self, conn: aiosqlite.Connection) -> None:
        async with conn.execute("SELECT 1 FROM sites WHERE is_default = 1") as cur:
            if await cur.fetchone():
                return
        await conn.execute(
            "INSERT INTO sites (name, url, key_hash, is_default, settings, created_at) VALUES (?, ?, NULL, 1, ?, ?)",
            ("default", "http://127.0.0.1:8000/", json.dumps(DEFAULT_SITE_SETTINGS.to_json()), utc_now()),
        )

    # -- the writer -------------------------------------------------------------------------

    async def _write(self, job: Callable[[aiosqlite.Connection], Awaitable[T]]) -> T:
        """Runs `job` inside the next group commit and returns once its transaction is durable."""
        if self._writer_task is None or self._writer_task.done():
            raise RuntimeError("the store is not open")
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        await self._jobs.put((job, future))
        return await future

    async def _run_writer(self) -> None:
        assert self._writer is not None
        conn = self._writer
        while True:
            first = await self._jobs.get()
            if first is None:
                return
            batch = [first]
            stop = False
            while len(batch) < MAX_BATCH and not self._jobs.empty():
                nxt = self._jobs.get_nowait()
                if nxt is None:
                    stop = True
                    break
                batch.append(nxt)
            await self._commit_batch(conn, batch)
            if stop:
                return

    async def _commit_batch(
        self, conn: aiosqlite.Connection, batch: list[tuple[WriteJob, asyncio.Future[Any]]]
    ) -> None:
        outcomes: list[tuple[asyncio.Future[Any], Any, BaseException | None]] = []
        try:
            await conn.execute("BEGIN IMMEDIATE")
            for job, future in batch:
                await conn.execute("SAVEPOINT job")
                try:
                    result = await job(conn)
                except Exception as exc:  # one bad job must not lose the others' rows
                    await conn.execute("ROLLBACK TO job")
                    outcomes.append((future, None, exc))
                else:
                    outcomes.append((future, result, None))
                await conn.execute("RELEASE job")
            await conn.execute("COMMIT")
        except Exception as exc:
            log.error("group commit of %d writes failed: %s", len(batch), type(exc).__name__)
            try:
                await conn.execute("ROLLBACK")
            except Exception:  # the transaction may already be gone
                pass
            outcomes = [(future, None, exc) for _, future in batch]
        for future, result, error in outcomes:
            if future.cancelled():
                continue
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(result)

    # -- sites ------------------------------------------------------------------------------

    async def default_site(self) -> Site:
        site = await self._one_site("SELECT * FROM sites WHERE is_default = 1", ())
        assert site is not None, "the default site is made when the store opens"
        return site

    async def site_by_key(self, key: str) -> Site | None:
        return await self._one_site("SELECT * FROM sites WHERE key_hash = ?", (site_key_hash(key),))

    async def site_by_id(self, site_id: int) -> Site | None:
        return await self._one_site("SELECT * FROM sites WHERE id = ?", (site_id,))

    async def _one_site(self, sql: str, params: tuple[Any, ...]) -> Site | None:
        assert self._reader is not None
        async with self._reader.execute(sql, params) as cur:
            row = await cur.fetchone()
        return _site(row) if row else None

    async def site_by_name(self, name: str) -> Site | None:
        return await self._one_site("SELECT * FROM sites WHERE name = ? ORDER BY id LIMIT 1", (name,))

    async def list_sites(self) -> list[Site]:
        assert self._reader is not None
        async with self._reader.execute("SELECT * FROM sites ORDER BY id") as cur:
            return [_site(row) for row in await cur.fetchall()]

    async def update_site(
        self, site_id: int, settings: SiteSettings, url: str | None = None, key: str | None = None
    ) -> None:
        """Saves a site's settings (and a new URL or key when given)."""

        async def job(conn: aiosqlite.Connection) -> None:
            await conn.execute("UPDATE sites SET settings = ? WHERE id = ?", (json.dumps(settings.to_json()), site_id))
            if url is not None:
                await conn.execute("UPDATE sites SET url = ? WHERE id = ?", (url, site_id))
            if key is not None:
                await conn.execute("UPDATE sites SET key_hash = ? WHERE id = ?", (site_key_hash(key), site_id))

        await self._write(job)

    async def add_site(self, name: str, url: str, key: str, settings: SiteSettings) -> int:
        async def job(conn: aiosqlite.Connection) -> int:
            cur = await conn.execute(
                "INSERT INTO sites (name, url, key_hash, is_default, settings, created_at) VALUES (?, ?, ?, 0, ?, ?)",
                (name, url, site_key_hash(key), json.dumps(settings.to_json()), utc_now()),
            )
            return int(cur.lastrowid or 0)

        return await self._write(job)

    # -- comments ---------------------------------------------------------------------------

    async def insert_comment(self, comment: NewComment) -> int:
        async def job(conn: aiosqlite.Connection) -> int:
            cur = await conn.execute(
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

        return await self._write(job)

    async def get_comment(self, comment_id: int) -> StoredComment | None:
        assert self._reader is not None
        async with self._reader.execute(f"SELECT {_COMMENT_COLUMNS} FROM comments WHERE id = ?", (comment_id,)) as cur:
            row = await cur.fetchone()
        return _comment(row) if row else None

    async def approved_comments(self, site_id: int, post_id: str) -> list[StoredComment]:
        assert self._reader is not None
        async with self._reader.execute(
            f"SELECT {_COMMENT_COLUMNS} FROM comments WHERE site_id = ? AND post_id = ? AND status = 'approved'"
            " ORDER BY id",
            (site_id, post_id),
        ) as cur:
            rows = await cur.fetchall()
        return [_comment(r) for r in rows]

    async def find_duplicate(
        self, site_id: int, post_id: str, author: str, email_hash: str | None, content: str
    ) -> int | None:
        """WordPress's duplicate check: same post, same author (name or email), same text; trash aside."""
        assert self._reader is not None
        async with self._reader.execute(
            "SELECT id FROM comments WHERE site_id = ? AND post_id = ? AND content = ? AND status != 'trash'"
            " AND (author = ? OR email_hash = ?) LIMIT 1",
            (site_id, post_id, content, author, email_hash),
        ) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else None

    async def author_history(self, site_id: int, email_hash: str | None) -> AuthorHistory:
        """Counts of a commenter's earlier comments on this site by status, and whether they are banned."""
        if not email_hash:
            return AuthorHistory()
        assert self._reader is not None
        async with self._reader.execute(
            "SELECT status, count(*) FROM comments WHERE site_id = ? AND email_hash = ? GROUP BY status",
            (site_id, email_hash),
        ) as cur:
            counts = {row[0]: int(row[1]) for row in await cur.fetchall()}
        async with self._reader.execute(
            "SELECT 1 FROM banned_authors WHERE site_id = ? AND email_hash = ?", (site_id, email_hash)
        ) as cur:
            banned = await cur.fetchone() is not None
        return AuthorHistory(banned=banned, **{k: counts.get(k, 0) for k in ("approved", "pending", "spam", "trash")})

    # -- Akismet reports -----------------------------------------------------------------------

    async def add_akismet_report(self, report: AkismetReport) -> int:
        async def job(conn: aiosqlite.Connection) -> int:
            cur = await conn.execute(
                "INSERT INTO akismet_reports (site_id, label, author, email_hash, url, content, content_enc,"
                " comment_type, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
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

        return await self._write(job)

    async def akismet_reports(self, site_id: int | None = None) -> list[AkismetReport]:
        assert self._reader is not None
        where, params = ("WHERE site_id = ?", (site_id,)) if site_id is not None else ("", ())
        async with self._reader.execute(
            "SELECT site_id, label, author, email_hash, url, content, content_enc, comment_type, created_at"
            f" FROM akismet_reports {where} ORDER BY id",
            params,
        ) as cur:
            return [AkismetReport(**dict(row)) for row in await cur.fetchall()]

    # -- audit trail ------------------------------------------------------------------------

    async def record_audit(
        self, actor: str, action: str, comment_id: int | None = None, details: dict[str, Any] | None = None
    ) -> int:
        """Appends one audit row; `details` must hold no email or IP address."""

        async def job(conn: aiosqlite.Connection) -> int:
            return await insert_audit(conn, actor, action, comment_id, details)

        return await self._write(job)

    async def audit_entries(self, comment_id: int | None = None, limit: int = 100) -> list[dict[str, Any]]:
        assert self._reader is not None
        where, params = ("WHERE comment_id = ?", (comment_id, limit)) if comment_id is not None else ("", (limit,))
        async with self._reader.execute(
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

    async def count_comments(self) -> int:
        assert self._reader is not None
        async with self._reader.execute("SELECT count(*) FROM comments") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0


async def insert_audit(
    conn: aiosqlite.Connection, actor: str, action: str, comment_id: int | None, details: dict[str, Any] | None
) -> int:
    """The audit insert, for writer jobs that must record their action in the same transaction."""
    cur = await conn.execute(
        "INSERT INTO audit_log (at, actor, action, comment_id, details_json) VALUES (?, ?, ?, ?, ?)",
        (utc_now(), actor, action, comment_id, json.dumps(details or {})),
    )
    return int(cur.lastrowid or 0)


def _site(row: aiosqlite.Row) -> Site:
    return Site(
        id=row["id"],
        name=row["name"],
        url=row["url"],
        is_default=bool(row["is_default"]),
        settings=SiteSettings.from_json(json.loads(row["settings"] or "{}")),
    )


def _comment(row: aiosqlite.Row) -> StoredComment:
    return StoredComment(**{key: row[key] for key in row.keys()})

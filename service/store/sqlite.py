"""The embedded store: one SQLite file in WAL mode.

SQLite allows one writer at a time, so every write goes through one connection owned by a writer
task (as Datasette does). The writer drains whatever jobs are waiting, runs them in a single
transaction (each in its own savepoint, so one failing job does not sink the others) and commits
once: group commit. A job's caller is answered only after that commit, so a 201 means durable.
Reads use their own connection and never wait for the writer.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import sqlite3
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from service.sites.settings import DEFAULT_SITE_SETTINGS, Site, SiteSettings, site_key_hash
from service.store.checkpoints import CHECKPOINT_EVERY_WRITES, WRITER_AUTOCHECKPOINT_PAGES, checkpoint
from service.store.migrations import MIGRATIONS
from service.store.records import AkismetReport, AuthorHistory, NewComment, StoredComment
from service.store.sqlite_moderation import ModerationQueries
from service.store.sqlite_privacy import PrivacyQueries

log = logging.getLogger(__name__)
T = TypeVar("T")
WriteJob = Callable[[aiosqlite.Connection], Awaitable[Any]]


class SyncJob:
    """A write job that runs on the writer's plain `sqlite3` connection, not through `aiosqlite`.

    An `aiosqlite` call is a hand-off to that thread and back (a queue, a thread wake-up, an event
    loop wake-up): the generic job path costs three per job (SAVEPOINT, the statement, RELEASE) plus
    BEGIN and COMMIT. A batch made only of `SyncJob`s runs BEGIN and every job right in the event
    loop's thread and hands off only the COMMIT (see `_group_commit`), which is what makes group
    commit cheap for the comment inserts of a burst.

    `one_statement`: the job is a single statement. SQLite undoes a failed statement by itself and
    the transaction goes on, which is all a savepoint would give such a job: it runs without one
    (SAVEPOINT and RELEASE were two of the three statements of each comment insert).
    """

    __slots__ = ("one_statement", "run")

    def __init__(self, run: Callable[[sqlite3.Connection], Any], one_statement: bool = False) -> None:
        self.run = run
        self.one_statement = one_statement


Job = WriteJob | SyncJob

# Largest number of jobs committed together; bounds how long one transaction holds the lock.
MAX_BATCH = 256
# How long a write waits for another process's write lock (a command-line tool's) before failing.
BUSY_TIMEOUT_MS = 10_000

_COMMENT_COLUMNS = (
    "id, site_id, post_id, parent_id, author, avatar_hash, url, content, status, spam_score, "
    "toxicity_score, scores_json, reasons_json, model_version, created_at"
)


_SECOND_STAMP: tuple[int, str] = (-1, "")


def utc_now() -> str:
    """The time now in UTC to the millisecond, ISO 8601: `2026-11-27T17:00:00.123Z`.

    Every comment is stamped, and the date-and-time text changes once a second: it is made once a
    second (`datetime.now(UTC).isoformat()` each time was ~1 % of the event loop's time in a burst).
    One tuple holds the second and its text, so a thread reading it never sees half of an update.
    """
    global _SECOND_STAMP
    now = time.time()
    second = int(now)
    stamped, text = _SECOND_STAMP
    if second != stamped:
        text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        _SECOND_STAMP = (second, text)
    return f"{text}.{int((now - second) * 1000):03d}Z"


class SQLiteStore(ModerationQueries, PrivacyQueries):
    """Comments, sites and their settings in one SQLite file.

    Queries of the moderation queue and of privacy/retention live in their own mixin modules
    (`sqlite_moderation.py`, `sqlite_privacy.py`); they use `_write` and `_reader` from here.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        # Point look-ups of the comment path (site, duplicate, author history) run on this plain
        # connection in the event loop's thread: each is an index search of some microseconds, less
        # than one hand-off to the aiosqlite reader thread and back. Anything that may scan stays there.
        self._lookup: sqlite3.Connection | None = None
        self._snapshot_open = False  # a read transaction on `_lookup` (see `_lookup_rows`)
        # Sites read in the current snapshot, by query: every comment names its site, and within one
        # read transaction the answer cannot change. Emptied when the snapshot ends.
        self._snapshot_sites: dict[tuple[str, tuple[Any, ...]], Site | None] = {}
        self._jobs: asyncio.Queue[tuple[Job, asyncio.Future[Any]] | None] = asyncio.Queue()
        self._writer_task: asyncio.Task[None] | None = None
        self._writes_since_checkpoint = 0  # committed by the writer (see checkpoints.py)

    # -- life cycle -------------------------------------------------------------------------

    async def open(self) -> None:
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: the writer issues BEGIN/COMMIT itself, so batching is explicit.
        # check_same_thread=False: group commits run their statements in the event loop's thread
        # too (see `_group_commit`); the writer task never uses the connection from two at once.
        self._writer = await aiosqlite.connect(self.path, isolation_level=None, check_same_thread=False)
        pragmas = ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", f"busy_timeout={BUSY_TIMEOUT_MS}")
        # The writer checkpoints between batches (see checkpoints.py); SQLite's own is a backstop.
        for pragma in (*pragmas, f"wal_autocheckpoint={WRITER_AUTOCHECKPOINT_PAGES}"):
            await self._writer.execute(f"PRAGMA {pragma}")
        await self._migrate(self._writer)
        await self._ensure_default_site(self._writer)
        self._reader = await aiosqlite.connect(self.path, isolation_level=None)
        await self._reader.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        self._reader.row_factory = aiosqlite.Row
        self._lookup = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        # A WAL reader never waits for the writer; a short timeout bounds the rare wait (a checkpoint
        # restarting the log) that would stall the event loop.
        self._lookup.execute("PRAGMA busy_timeout=200")
        self._lookup.row_factory = sqlite3.Row
        self._writer_task = asyncio.create_task(self._run_writer(), name="sqlite-writer")

    async def close(self) -> None:
        if self._writer_task is not None:
            await self._jobs.put(None)
            await self._writer_task
            self._writer_task = None
        for conn in (self._reader, self._writer):
            if conn is not None:
                await conn.close()
        if self._lookup is not None:
            self._end_snapshot()
            self._lookup.close()
        self._reader = self._writer = self._lookup = None

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
        return await self._queue_job(job)

    async def _write_sync(self, run: Callable[[sqlite3.Connection], T], one_statement: bool = False) -> T:
        """As `_write`, for a job written against the plain `sqlite3` connection (see `SyncJob`)."""
        return await self._queue_job(SyncJob(run, one_statement))

    def _queue_job(self, job: Job) -> asyncio.Future[Any]:
        """Queues `job` for the writer; the future is answered once its batch has committed."""
        if self._writer_task is None or self._writer_task.done():
            raise RuntimeError("the store is not open")
        # The writer task's loop is the store's: asking for it spares `get_running_loop`'s getpid
        # system call (Python 3.11) on every write.
        future: asyncio.Future[Any] = self._writer_task.get_loop().create_future()
        self._jobs.put_nowait((job, future))  # the queue is unbounded: `put` would never wait
        return future

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
            self._writes_since_checkpoint += len(batch)
            if self._writes_since_checkpoint >= CHECKPOINT_EVERY_WRITES:
                # The batch's callers are answered: the copy overlaps their answers and the next requests.
                self._writes_since_checkpoint = 0
                await _in_thread(conn, checkpoint)
            if stop:
                return

    async def _commit_batch(self, conn: aiosqlite.Connection, batch: list[tuple[Job, asyncio.Future[Any]]]) -> None:
        outcomes: list[tuple[asyncio.Future[Any], Any, BaseException | None]] = []
        try:
            if all(isinstance(job, SyncJob) for job, _ in batch):
                # The common case under load (comment inserts): one hand-off, for the COMMIT.
                jobs = [job for job, _ in batch if isinstance(job, SyncJob)]
                results = await _group_commit(conn, jobs)
                outcomes = [
                    (future, result, error) for (_, future), (result, error) in zip(batch, results, strict=True)
                ]
            else:
                await conn.execute("BEGIN IMMEDIATE")
                for job, future in batch:
                    if isinstance(job, SyncJob):
                        ((result, error),) = await _in_thread(conn, _sync_jobs, [job])
                        outcomes.append((future, result, error))
                        continue
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
        if self._snapshot_open and (sql, params) in self._snapshot_sites:
            return self._snapshot_sites[(sql, params)]
        row = self._lookup_rows(sql, params)  # opens the snapshot the answer is kept for
        site = self._snapshot_sites[(sql, params)] = _site(row[0]) if row else None
        return site

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

        return await self._write_sync(job, one_statement=True)

    async def get_comment(self, comment_id: int) -> StoredComment | None:
        assert self._reader is not None
        rows = await self._reader.execute_fetchall(
            f"SELECT {_COMMENT_COLUMNS} FROM comments WHERE id = ?", (comment_id,)
        )
        return _comment(next(iter(rows))) if rows else None

    async def approved_comments(self, site_id: int, post_id: str) -> list[StoredComment]:
        assert self._reader is not None
        # Left to itself the planner walks the (status, id) index to skip the sort: every approved
        # comment of every post. A post's own comments, sorted, are far fewer.
        rows = await self._reader.execute_fetchall(
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
        rows = self._lookup_rows(
            "SELECT id FROM comments WHERE site_id = ?1 AND post_id = ?2 AND author = ?4 AND content = ?3"
            " AND status != 'trash'"
            " UNION ALL SELECT id FROM comments WHERE site_id = ?1 AND email_hash = ?5 AND +post_id = ?2"
            " AND content = ?3 AND status != 'trash' LIMIT 1",
            (site_id, post_id, content, author, email_hash),
        )
        return int(rows[0][0]) if rows else None

    async def author_history(self, site_id: int, email_hash: str | None) -> AuthorHistory:
        """Counts of a commenter's earlier comments on this site by status, and whether they are banned."""
        if not email_hash:
            return AuthorHistory()
        # One statement using two indexes; 'banned' is no comment status, so it cannot collide.
        rows = self._lookup_rows(
            "SELECT status, count(*) FROM comments WHERE site_id = ?1 AND email_hash = ?2 GROUP BY status"
            " UNION ALL SELECT 'banned', 1 FROM banned_authors WHERE site_id = ?1 AND email_hash = ?2",
            (site_id, email_hash),
        )
        counts = {row[0]: int(row[1]) for row in rows}
        banned = "banned" in counts
        return AuthorHistory(banned=banned, **{k: counts.get(k, 0) for k in ("approved", "pending", "spam", "trash")})

    def _lookup_rows(self, sql: str, params: tuple[Any, ...]) -> list[sqlite3.Row]:
        """An indexed point look-up, run right here (see `_lookup`): only for queries that cannot scan.

        Look-ups made in one turn of the event loop share one read transaction. In WAL mode each
        statement outside a transaction starts and ends its own (shared-memory locks, the WAL index):
        about 9 µs, three times a look-up's own cost, and a comment makes three look-ups. The
        transaction ends at the loop's next turn, so a look-up never sees data older than the turn
        it runs in: a comment whose 201 went out (after its commit) is seen by every later request,
        and a change made by another process (`site update`) by the next request.
        """
        conn = self._lookup
        assert conn is not None, "the store is not open"
        if not self._snapshot_open:
            if not conn.in_transaction:  # (still in one only if ending the last one failed: it is retried)
                conn.execute("BEGIN")  # deferred: the read transaction starts with the first SELECT
            self._snapshot_open = True
            assert self._writer_task is not None, "the store is not open"
            self._writer_task.get_loop().call_soon(self._end_snapshot)  # (see `_queue_job`)
        return conn.execute(sql, params).fetchall()

    def _end_snapshot(self) -> None:
        self._snapshot_open = False
        self._snapshot_sites.clear()
        if self._lookup is not None and self._lookup.in_transaction:
            self._lookup.execute("COMMIT")

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

    # -- training labels ------------------------------------------------------------------------

    async def training_labels(self, site_id: int | None = None) -> list[dict[str, Any]]:
        """Moderator decisions and Akismet reports as labeled comments, oldest label first.

        Each row carries the comment as it was scored (`content`, and `content_enc` when masking
        changed the text), `author`, `url`, the label time `at`, and the decision or report; the
        latest decision on a comment is the one that counts.
        """
        assert self._reader is not None
        site_filter = "AND c.site_id = ?" if site_id is not None else ""
        params: tuple[Any, ...] = (site_id,) if site_id is not None else ()
        async with self._reader.execute(
            "SELECT c.id AS comment_id, c.site_id, c.content, c.content_enc, c.author, c.url, c.created_at,"
            " c.model_version, d.decision, d.reason, d.at FROM decisions d JOIN comments c ON c.id = d.comment_id"
            " WHERE d.id = (SELECT max(id) FROM decisions WHERE comment_id = d.comment_id)"
            f" {site_filter} ORDER BY d.at, d.id",
            params,
        ) as cur:
            decided = [dict(row) | {"source": "decision"} for row in await cur.fetchall()]
        report_filter = "WHERE site_id = ?" if site_id is not None else ""
        async with self._reader.execute(
            "SELECT NULL AS comment_id, site_id, content, content_enc, author, url, created_at,"
            " NULL AS model_version, label AS decision, NULL AS reason, created_at AS at"
            f" FROM akismet_reports {report_filter} ORDER BY id",
            params,
        ) as cur:
            reported = [dict(row) | {"source": "akismet"} for row in await cur.fetchall()]
        return sorted(decided + reported, key=lambda r: r["at"])

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


async def _in_thread(conn: aiosqlite.Connection, fn: Callable[..., T], *args: Any) -> T:
    """Runs `fn(sqlite3_connection, *args)` in `conn`'s own thread: one hand-off, whatever `fn` does.

    aiosqlite has no public call for this; `_execute` and `_conn` are what its own methods use.
    """
    return await conn._execute(lambda: fn(conn._conn, *args))


def _sync_jobs(raw: sqlite3.Connection, jobs: list[SyncJob]) -> list[tuple[Any, Any]]:
    """Each job isolated, so one failing job does not sink the others: (result, error) each."""
    outcomes: list[tuple[Any, Any]] = []
    for job in jobs:
        if job.one_statement:
            try:
                outcomes.append((job.run(raw), None))
            except Exception as exc:
                if not raw.in_transaction:  # an error that ended the whole transaction: fail the batch
                    raise
                outcomes.append((None, exc))
            continue
        raw.execute("SAVEPOINT job")
        try:
            result = job.run(raw)
        except Exception as exc:
            raw.execute("ROLLBACK TO job")
            outcomes.append((None, exc))
        else:
            outcomes.append((result, None))
        raw.execute("RELEASE job")
    return outcomes


async def _group_commit(conn: aiosqlite.Connection, jobs: list[SyncJob]) -> list[tuple[Any, Any]]:
    """A batch of `SyncJob`s: BEGIN and the jobs in the event loop's thread, COMMIT in the writer's.

    Under a burst every connection's comment is in the batch, and nothing else is left for the
    event loop to do until it commits: the loop idled for the whole transaction. The inserts ran
    there at ~34 µs each (a thread woken on the other core, beside the load generator) against
    ~23 µs here, where the rows were just built; only the COMMIT (writing the log and its fsync,
    ~1 ms for 32 comments) still leaves the loop idle. A small gain (CPU per comment 0–4 % lower in
    runs alternated with the previous code; see README, *Performance*).
    """
    raw = conn._conn  # the writer's own connection: opened with check_same_thread=False for this
    if not _begin_without_waiting(raw):
        # Another process holds the write lock (a command-line tool): wait in the writer's thread,
        # never in the event loop's.
        return await _in_thread(conn, _sync_transaction, jobs)
    try:
        outcomes = _sync_jobs(raw, jobs)
        await _in_thread(conn, _commit)  # synchronous=FULL: returns once the batch is on disk
    except BaseException:
        _rollback_quietly(raw)
        raise
    return outcomes


def _begin_without_waiting(raw: sqlite3.Connection) -> bool:
    """BEGIN IMMEDIATE unless the write lock is taken (then False): never waits for it."""
    raw.execute("PRAGMA busy_timeout=0")
    try:
        raw.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError:
        return False
    finally:
        raw.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    return True


def _commit(raw: sqlite3.Connection) -> None:
    raw.execute("COMMIT")


def _rollback_quietly(raw: sqlite3.Connection) -> None:
    # The error may have ended the transaction already (or a COMMIT interrupted by cancellation
    # may still have gone through): there is then nothing to undo.
    try:
        if raw.in_transaction:
            raw.execute("ROLLBACK")
    except sqlite3.Error:
        pass


def _sync_transaction(raw: sqlite3.Connection, jobs: list[SyncJob]) -> list[tuple[Any, Any]]:
    """BEGIN, the jobs, COMMIT: a whole group commit inside the writer's thread."""
    raw.execute("BEGIN IMMEDIATE")
    try:
        outcomes = _sync_jobs(raw, jobs)
        _commit(raw)  # synchronous=FULL: returns once the batch is on disk
    except BaseException:
        _rollback_quietly(raw)
        raise
    return outcomes


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
    return _site_from(row["id"], row["name"], row["url"], bool(row["is_default"]), row["settings"] or "{}")


@functools.lru_cache(maxsize=256)
def _site_from(site_id: int, name: str, url: str, is_default: bool, settings_json: str) -> Site:
    # Every comment looks its site up; parsing the settings JSON each time cost more than the query.
    # `Site` and `SiteSettings` are frozen, so one parsed object can serve every request with this row.
    settings = SiteSettings.from_json(json.loads(settings_json))
    return Site(id=site_id, name=name, url=url, is_default=is_default, settings=settings)


def _comment(row: aiosqlite.Row) -> StoredComment:
    return StoredComment(**{key: row[key] for key in row.keys()})

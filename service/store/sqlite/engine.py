"""The SQLite engine under every table module: connections, the writer, group commit, snapshots.

SQLite allows one writer at a time, so every write goes through one connection owned by a writer
task (as Datasette does). The writer drains whatever jobs are waiting, runs them in a single
transaction (each in its own savepoint, so one failing job does not sink the others) and commits
once: group commit. A job's caller is answered only after that commit, so a 201 means durable.
Reads use their own connection and never wait for the writer.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from service.store.sqlite.checkpoints import CHECKPOINT_EVERY_WRITES, WRITER_AUTOCHECKPOINT_PAGES, checkpoint
from service.store.sqlite.migrations import migrate

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
    the transaction goes on, which is all a savepoint would give such a job: it runs without one.
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


class Database:
    """One SQLite file in WAL mode: a writer, a reader, and a connection for point look-ups."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        # Point look-ups of the comment path (site, duplicate, author history) run on this plain
        # connection in the event loop's thread: each is an index search of some microseconds, less
        # than one hand-off to the aiosqlite reader thread and back. Anything that may scan stays there.
        self._lookup: sqlite3.Connection | None = None
        self._snapshot_open = False  # a read transaction on `_lookup` (see `lookup_rows`)
        # Answers kept for the current snapshot (see `snapshot_memo`). Emptied when the snapshot ends.
        self.snapshot_memo: dict[Any, Any] = {}
        self._jobs: asyncio.Queue[tuple[Job, asyncio.Future[Any]] | None] = asyncio.Queue()
        self._writer_task: asyncio.Task[None] | None = None
        self._writes_since_checkpoint = 0  # committed by the writer (see checkpoints.py)
        self.group_commits = 0  # transactions the writer has committed (or tried to)

    # -- life cycle -------------------------------------------------------------------------

    async def open(self, prepare: Callable[[aiosqlite.Connection], Awaitable[None]]) -> None:
        """Opens the connections, migrates the schema, and runs `prepare` on the writer before any job."""
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: the writer issues BEGIN/COMMIT itself, so batching is explicit.
        # check_same_thread=False: group commits run their statements in the event loop's thread
        # too (see `_group_commit`); the writer task never uses the connection from two at once.
        self._writer = await aiosqlite.connect(self.path, isolation_level=None, check_same_thread=False)
        pragmas = ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", f"busy_timeout={BUSY_TIMEOUT_MS}")
        # The writer checkpoints between batches (see checkpoints.py); SQLite's own is a backstop.
        for pragma in (*pragmas, f"wal_autocheckpoint={WRITER_AUTOCHECKPOINT_PAGES}"):
            await self._writer.execute(f"PRAGMA {pragma}")
        await migrate(self._writer)
        await prepare(self._writer)
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

    @property
    def reader(self) -> aiosqlite.Connection:
        """The read connection (rows by column name): reads that may scan, off the event loop's thread."""
        assert self._reader is not None, "the store is not open"
        return self._reader

    async def trace_reads(self, trace: Callable[[str], object] | None) -> None:
        """Hands every statement the read connections (reader and look-ups) run to `trace` (None: stop)."""
        assert self._lookup is not None, "the store is not open"
        self._lookup.set_trace_callback(trace)
        await self.reader.set_trace_callback(trace)

    # -- the writer -------------------------------------------------------------------------

    async def write(self, job: Callable[[aiosqlite.Connection], Awaitable[T]]) -> T:
        """Runs `job` inside the next group commit and returns once its transaction is durable."""
        return await self._queue_job(job)

    async def write_sync(self, run: Callable[[sqlite3.Connection], T], one_statement: bool = False) -> T:
        """As `write`, for a job written against the plain `sqlite3` connection (see `SyncJob`)."""
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
            self.group_commits += 1
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

    # -- point look-ups -----------------------------------------------------------------------

    def lookup_rows(self, sql: str, params: tuple[Any, ...]) -> list[sqlite3.Row]:
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

    @property
    def snapshot_open(self) -> bool:
        """Whether look-ups of this turn of the event loop have started their read transaction:
        while it is open, `snapshot_memo` holds answers that cannot change."""
        return self._snapshot_open

    def _end_snapshot(self) -> None:
        self._snapshot_open = False
        self.snapshot_memo.clear()
        if self._lookup is not None and self._lookup.in_transaction:
            self._lookup.execute("COMMIT")


async def _in_thread(conn: aiosqlite.Connection, fn: Callable[..., T], *args: Any) -> T:
    """Runs `fn(sqlite3_connection, *args)` in `conn`'s own thread: one hand-off, whatever `fn` does."""
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
    event loop to do until it commits: run in the writer's thread, the loop would idle for the
    whole transaction. The inserts take ~34 µs each there (a thread woken on the other core,
    beside the load generator) against ~23 µs here, where the rows were just built; only the COMMIT
    (writing the log and its fsync, ~1 ms for 32 comments) leaves the loop idle.
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

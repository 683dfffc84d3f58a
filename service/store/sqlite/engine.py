"""The SQLite engine under every table module: its threads and connections, group commit, look-ups.

SQLite allows one writer at a time, so every write goes to one connection owned by one writer
thread (as Datasette's `execute_write_fn` does). A task on the event loop gathers the jobs waiting
and hands the batch to that thread, which runs them in a single transaction (each in its own
savepoint, so one failing job does not sink the others) and commits once: group commit. A job's
caller is answered only after that commit, so a 201 means durable.

Reads never wait for the writer (WAL). Point look-ups of the comment path (its site, the duplicate
check, the author's history) go to a look-up thread with a connection of its own, batched the same
way: every look-up asked in one turn of the event loop is answered from one read transaction, in one
hand-off. Reads that may scan (listings, the moderation queue, exports) use `reader`, an aiosqlite
connection. No SQLite call runs on the event loop's thread.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from service.store.sqlite.checkpoints import CHECKPOINT_EVERY_WRITES, WRITER_AUTOCHECKPOINT_PAGES, checkpoint
from service.store.sqlite.migrations import migrate

log = logging.getLogger(__name__)
T = TypeVar("T")
WriteFn = Callable[[sqlite3.Connection], Any]
Params = tuple[Any, ...]

# Largest number of jobs committed together; bounds how long one transaction holds the lock.
MAX_BATCH = 256
# How long a write waits for another process's write lock (a command-line tool's) before failing.
BUSY_TIMEOUT_MS = 10_000


class WriteJob:
    """A write: `run(connection)` inside the next group commit, in the writer's thread.

    `one_statement`: the job is a single statement. SQLite undoes a failed statement by itself and
    the transaction goes on, which is all a savepoint would give such a job: it runs without one,
    sparing two of the three statements of a comment insert.
    """

    __slots__ = ("future", "one_statement", "run")

    def __init__(self, run: WriteFn, one_statement: bool, future: asyncio.Future[Any]) -> None:
        self.run = run
        self.one_statement = one_statement
        self.future = future


class Database:
    """One SQLite file in WAL mode: a writer thread, a look-up thread, and an aiosqlite reader."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._loop: asyncio.AbstractEventLoop | None = None
        # One thread each: a `sqlite3` connection is used only by the thread that opened it.
        self._writer_thread: ThreadPoolExecutor | None = None
        self._writer: sqlite3.Connection | None = None  # used only in `_writer_thread`
        self._lookup_thread: ThreadPoolExecutor | None = None
        self._lookup: sqlite3.Connection | None = None  # used only in `_lookup_thread`
        self._reader: aiosqlite.Connection | None = None
        self._jobs: asyncio.Queue[WriteJob | None] = asyncio.Queue()
        self._writer_task: asyncio.Task[None] | None = None
        self._writes_since_checkpoint = 0  # committed by the writer (see checkpoints.py)
        self._asked: list[tuple[str, Params, asyncio.Future[list[sqlite3.Row]]]] = []  # look-ups of this turn
        self._lookups_in_flight: set[asyncio.Future[Any]] = set()
        self.group_commits = 0  # transactions the writer has run, committed or failed
        self.lookup_batches = 0  # read transactions the look-up thread has run

    # -- life cycle -------------------------------------------------------------------------

    async def open(self, prepare: Callable[[sqlite3.Connection], None]) -> None:
        """Opens the connections, migrates the schema, and runs `prepare` on the writer before any job."""
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._loop = asyncio.get_running_loop()
        self._writer_thread = ThreadPoolExecutor(1, thread_name_prefix="sqlite-writer")
        self._lookup_thread = ThreadPoolExecutor(1, thread_name_prefix="sqlite-lookups")
        self._writer = await self._loop.run_in_executor(self._writer_thread, _open_writer, self.path, prepare)
        self._lookup = await self._loop.run_in_executor(self._lookup_thread, _open_lookups, self.path)
        self._reader = await aiosqlite.connect(self.path, isolation_level=None)
        await self._reader.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        self._reader.row_factory = aiosqlite.Row
        self._writer_task = asyncio.create_task(self._run_writer(), name="sqlite-writer")

    async def close(self) -> None:
        if self._writer_task is not None:
            await self._jobs.put(None)
            await self._writer_task
            self._writer_task = None
        while self._asked or self._lookups_in_flight:  # answer every look-up already asked
            self._send_lookups()
            await asyncio.gather(*self._lookups_in_flight, return_exceptions=True)
        if self._reader is not None:
            await self._reader.close()
        loop = asyncio.get_running_loop()
        for pool, conn in ((self._writer_thread, self._writer), (self._lookup_thread, self._lookup)):
            if pool is not None:
                if conn is not None:
                    await loop.run_in_executor(pool, conn.close)
                pool.shutdown(wait=False)  # its thread is idle: it ends by itself
        self._reader = self._writer = self._lookup = None
        self._writer_thread = self._lookup_thread = None

    @property
    def reader(self) -> aiosqlite.Connection:
        """The read connection (rows by column name), for reads that may scan."""
        assert self._reader is not None, "the store is not open"
        return self._reader

    async def trace_reads(self, trace: Callable[[str], object] | None) -> None:
        """Hands every statement the read connections (reader and look-ups) run to `trace` (None: stop)."""
        assert self._lookup is not None and self._loop is not None, "the store is not open"
        await self._loop.run_in_executor(self._lookup_thread, self._lookup.set_trace_callback, trace)
        await self.reader.set_trace_callback(trace)

    # -- the writer -------------------------------------------------------------------------

    def write(self, run: Callable[[sqlite3.Connection], T], one_statement: bool = False) -> asyncio.Future[T]:
        """Runs `run(connection)` in the writer's thread inside the next group commit; the answer
        comes once its transaction is durable. `run` must not touch the event loop."""
        if self._writer_task is None or self._writer_task.done() or self._loop is None:
            raise RuntimeError("the store is not open")
        future: asyncio.Future[T] = self._loop.create_future()
        self._jobs.put_nowait(WriteJob(run, one_statement, future))  # unbounded: `put` would never wait
        return future

    async def _run_writer(self) -> None:
        assert self._loop is not None and self._writer is not None
        loop, conn = self._loop, self._writer
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
            jobs = [(job.run, job.one_statement) for job in batch]
            try:
                outcomes = await loop.run_in_executor(self._writer_thread, _transaction, conn, jobs)
            except Exception as exc:
                log.error("group commit of %d writes failed: %s", len(batch), type(exc).__name__)
                outcomes = [(None, exc)] * len(batch)
            for job, (result, error) in zip(batch, outcomes, strict=True):
                if job.future.cancelled():
                    continue
                if error is not None:
                    job.future.set_exception(error)
                else:
                    job.future.set_result(result)
            self._writes_since_checkpoint += len(batch)
            if self._writes_since_checkpoint >= CHECKPOINT_EVERY_WRITES:
                # The batch's callers are answered: the copy overlaps their answers and the next requests.
                self._writes_since_checkpoint = 0
                await loop.run_in_executor(self._writer_thread, checkpoint, conn)
            if stop:
                return

    # -- point look-ups -----------------------------------------------------------------------

    def lookup(self, sql: str, params: Params) -> asyncio.Future[list[sqlite3.Row]]:
        """The rows of an indexed point look-up: only for queries that cannot scan.

        Look-ups asked in one turn of the event loop go to the look-up thread together, at the
        loop's next turn, and share one read transaction: one hand-off for all the requests of a
        burst, and a snapshot no older than the turn they were asked in. A comment whose 201 went
        out (after its commit) is seen by every later look-up, and a change made by another process
        (`site update`) by the next one. Identical look-ups of one batch run once.
        """
        if self._loop is None or self._lookup is None:
            raise RuntimeError("the store is not open")
        future: asyncio.Future[list[sqlite3.Row]] = self._loop.create_future()
        if not self._asked:
            self._loop.call_soon(self._send_lookups)
        self._asked.append((sql, params, future))
        return future

    def _send_lookups(self) -> None:
        asked, self._asked = self._asked, []
        if not asked:
            return
        assert self._loop is not None
        self.lookup_batches += 1
        queries = [(sql, params) for sql, params, _ in asked]
        sent = self._loop.run_in_executor(self._lookup_thread, _read_together, self._lookup, queries)
        self._lookups_in_flight.add(sent)
        sent.add_done_callback(lambda done: self._answer_lookups(asked, done))

    def _answer_lookups(
        self, asked: list[tuple[str, Params, asyncio.Future[list[sqlite3.Row]]]], done: asyncio.Future[Any]
    ) -> None:
        self._lookups_in_flight.discard(done)
        failed = done.exception() if not done.cancelled() else asyncio.CancelledError()
        answers = done.result() if failed is None else [(None, failed)] * len(asked)
        for (_, _, future), (rows, error) in zip(asked, answers, strict=True):
            if future.done():
                continue
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(rows)


# -- in the writer's thread -------------------------------------------------------------------


def _open_writer(path: str, prepare: Callable[[sqlite3.Connection], None]) -> sqlite3.Connection:
    # isolation_level=None: the writer issues BEGIN/COMMIT itself, so batching is explicit.
    conn = sqlite3.connect(path, isolation_level=None)
    pragmas = ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", f"busy_timeout={BUSY_TIMEOUT_MS}")
    # The writer checkpoints between batches (see checkpoints.py); SQLite's own is a backstop.
    for pragma in (*pragmas, f"wal_autocheckpoint={WRITER_AUTOCHECKPOINT_PAGES}"):
        conn.execute(f"PRAGMA {pragma}")
    migrate(conn)
    prepare(conn)
    return conn


def _transaction(conn: sqlite3.Connection, jobs: list[tuple[WriteFn, bool]]) -> list[tuple[Any, Any]]:
    """BEGIN, every job isolated from the others, COMMIT: (result, error) per job.

    BEGIN IMMEDIATE waits here (`busy_timeout`) while another process (a command-line tool) holds
    the write lock, never on the event loop. With `synchronous=FULL` the COMMIT returns once the
    batch is on disk.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        outcomes = _isolated(conn, jobs)
        conn.execute("COMMIT")
    except BaseException:
        _rollback_quietly(conn)
        raise
    return outcomes


def _isolated(conn: sqlite3.Connection, jobs: list[tuple[WriteFn, bool]]) -> list[tuple[Any, Any]]:
    outcomes: list[tuple[Any, Any]] = []
    for run, one_statement in jobs:
        if one_statement:
            try:
                outcomes.append((run(conn), None))
            except Exception as exc:
                if not conn.in_transaction:  # an error that ended the whole transaction: fail the batch
                    raise
                outcomes.append((None, exc))
            continue
        conn.execute("SAVEPOINT job")
        try:
            result = run(conn)
        except Exception as exc:  # one bad job must not lose the others' rows
            conn.execute("ROLLBACK TO job")
            outcomes.append((None, exc))
        else:
            outcomes.append((result, None))
        conn.execute("RELEASE job")
    return outcomes


def _rollback_quietly(conn: sqlite3.Connection) -> None:
    # The error may have ended the transaction already (or a COMMIT interrupted by cancellation
    # may still have gone through): there is then nothing to undo.
    try:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
    except sqlite3.Error:
        pass


# -- in the look-up thread --------------------------------------------------------------------


def _open_lookups(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    # A WAL reader never waits for the writer; the timeout covers the rare wait for a checkpoint
    # restarting the log.
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    conn.row_factory = sqlite3.Row
    return conn


def _read_together(conn: sqlite3.Connection, queries: list[tuple[str, Params]]) -> list[tuple[Any, Any]]:
    """Each query's (rows, error), all in one read transaction.

    In WAL mode each statement outside a transaction starts and ends its own (shared-memory locks,
    the WAL index): about 9 µs, three times a look-up's own cost.
    """
    answers: dict[tuple[str, Params], tuple[Any, Any]] = {}
    conn.execute("BEGIN")  # deferred: the read transaction starts with the first SELECT
    try:
        for query in queries:
            if query not in answers:
                try:
                    answers[query] = (conn.execute(*query).fetchall(), None)
                except sqlite3.Error as exc:
                    answers[query] = (None, exc)
    finally:
        if conn.in_transaction:
            conn.execute("COMMIT")
    return [answers[query] for query in queries]

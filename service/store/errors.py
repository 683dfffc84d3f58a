"""Store errors that mean "cannot write now", and the store's write health as readiness reports it.

A full disk (`database or disk is full`), a database made read-only (`attempt to write a readonly
database`, or a write the file system refuses: `disk I/O error`), and a write lock held past the
busy timeout (`database is locked`) pass once space, write access or the lock returns. The service
answers them 503 with `Retry-After` instead of a 500 (see service/app.py), and `GET /readyz` fails
while they last: `WriteHealth` remembers the last one for a few seconds and probes the file.
"""

from __future__ import annotations

import asyncio
import errno
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

# sqlite3 error names (Python 3.11's `sqlite_errorname`, extended codes included) by what they mean.
_PASSING_ERRORS = (
    ("SQLITE_FULL", "disk full"),
    ("SQLITE_READONLY", "read-only"),
    ("SQLITE_IOERR", "I/O error"),
    ("SQLITE_BUSY", "locked"),
    ("SQLITE_LOCKED", "locked"),
    ("SQLITE_CANTOPEN", "cannot open"),
)
_PASSING_ERRNOS = {
    errno.ENOSPC: "disk full",
    errno.EDQUOT: "disk full",
    errno.EROFS: "read-only",
    errno.EPERM: "read-only",  # an immutable file
    errno.EIO: "I/O error",
}
# How long a failed write keeps readiness failing without a newer failure, and how long a probe's
# answer is reused: `/readyz` may be polled every second by several balancers.
FAILURE_MEMORY_SECONDS = 5.0
PROBE_CACHE_SECONDS = 1.5
PROBE_BUSY_TIMEOUT_MS = 2_000
PROBE_BYTES = 4096


def unavailable_reason(exc: BaseException) -> str | None:
    """What stops the store writing ("disk full", "read-only", ...) if `exc` says so; None for other errors."""
    if isinstance(exc, sqlite3.Error):
        name = getattr(exc, "sqlite_errorname", "") or ""
        for prefix, reason in _PASSING_ERRORS:
            if name.startswith(prefix):
                return reason
        text = str(exc).lower()  # an error raised without a code: its message is SQLite's
        if "disk is full" in text:
            return "disk full"
        if "readonly" in text or "read-only" in text:
            return "read-only"
        if "disk i/o error" in text:
            return "I/O error"
        if "locked" in text:
            return "locked"
        return None
    if isinstance(exc, OSError):
        return _PASSING_ERRNOS.get(exc.errno or 0)
    return None


@dataclass
class WriteState:
    ok: bool
    reason: str = ""


class WriteHealth:
    """Whether the SQLite store at `path` can write: its recent write failures and a cached probe.

    The probe writes and removes a page-sized file beside the database (a full file system refuses
    it) and takes the write lock on a fresh connection (`BEGIN IMMEDIATE; ROLLBACK`: a database that
    cannot be written, or a lock held past the busy timeout, refuses it). Nothing is written to the
    database itself, so the probe never competes with the service's own writes for more than a lock.
    """

    def __init__(self, path: str | None) -> None:
        self.path = path
        self._failed_at = -1e9
        self._failure = ""
        self._probed_at = -1e9
        self._probe = WriteState(ok=True)
        self._probing: asyncio.Task[WriteState] | None = None

    def failed(self, reason: str) -> None:
        """A write just failed for `reason`: readiness fails until a probe after the memory passes."""
        self._failed_at = time.monotonic()
        self._failure = reason
        self._probed_at = -1e9  # the next readiness check probes afresh

    async def state(self) -> WriteState:
        now = time.monotonic()
        if now - self._failed_at < FAILURE_MEMORY_SECONDS:
            return WriteState(ok=False, reason=self._failure)
        if self.path is None:
            return WriteState(ok=True)
        if now - self._probed_at >= PROBE_CACHE_SECONDS:
            if self._probing is None:  # concurrent checks share one probe
                self._probing = asyncio.create_task(asyncio.to_thread(probe_write, self.path))
            probing = self._probing
            try:
                self._probe = await asyncio.shield(probing)
            finally:
                if self._probing is probing and probing.done():
                    self._probing = None
            self._probed_at = time.monotonic()
        return self._probe


def probe_write(path: str) -> WriteState:
    """The probe `WriteHealth` describes, run in a worker thread."""
    database = Path(path)
    spare = database.with_name(database.name + ".write-probe")
    try:
        fd = os.open(spare, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, b"\0" * PROBE_BYTES)
            os.fsync(fd)
        finally:
            os.close(fd)
            spare.unlink(missing_ok=True)
        conn = sqlite3.connect(database, timeout=PROBE_BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
        finally:
            conn.close()
    except (sqlite3.Error, OSError) as exc:
        return WriteState(ok=False, reason=unavailable_reason(exc) or type(exc).__name__)
    return WriteState(ok=True)

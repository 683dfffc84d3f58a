"""Store errors that pass by themselves are told apart from faults of ours, on real SQLite files,
and `/readyz` fails while the store cannot write (here: another process holds the write lock)."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from service.settings import Settings
from service.store.errors import PROBE_CACHE_SECONDS, WriteHealth, probe_write, unavailable_reason


def error_of(conn: sqlite3.Connection, sql: str) -> sqlite3.Error:
    with pytest.raises(sqlite3.Error) as raised:
        conn.execute(sql)
    return raised.value


def test_real_sqlite_errors_are_classified(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    writer = sqlite3.connect(db, isolation_level=None)
    writer.execute("CREATE TABLE t (x BLOB)")

    full = sqlite3.connect(db, isolation_level=None)
    full.execute("PRAGMA max_page_count = 2")  # this connection sees a database that cannot grow
    assert unavailable_reason(error_of(full, "INSERT INTO t VALUES (zeroblob(100000))")) == "disk full"

    read_only = sqlite3.connect(f"file:{db}?mode=ro", uri=True, isolation_level=None)
    assert unavailable_reason(error_of(read_only, "INSERT INTO t VALUES (1)")) == "read-only"

    writer.execute("BEGIN IMMEDIATE")
    waiting = sqlite3.connect(db, timeout=0, isolation_level=None)
    assert unavailable_reason(error_of(waiting, "BEGIN IMMEDIATE")) == "locked"
    writer.execute("ROLLBACK")

    # Faults of ours are not "try again later": they stay 500s.
    assert unavailable_reason(error_of(writer, "SELECT nothing FROM t")) is None
    assert unavailable_reason(error_of(writer, "INSERT INTO missing VALUES (1)")) is None
    assert unavailable_reason(ValueError("no")) is None
    assert unavailable_reason(OSError(28, "No space left on device")) == "disk full"


def test_the_probe_fails_where_nothing_can_be_written(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    sqlite3.connect(db).close()
    assert probe_write(str(db)).ok
    assert not (tmp_path / "t.db.write-probe").exists()
    gone = probe_write(str(tmp_path / "no-such-folder" / "t.db"))
    assert not gone.ok and gone.reason == "FileNotFoundError"


def test_a_failed_write_fails_readiness_at_once(tmp_path: Path) -> None:
    health = WriteHealth(str(tmp_path / "t.db"))
    assert asyncio.run(health.state()).ok
    health.failed("disk full")
    state = asyncio.run(health.state())
    assert not state.ok and state.reason == "disk full"


def test_readyz_fails_while_another_process_holds_the_write_lock(client: TestClient, settings: Settings) -> None:
    assert client.get("/readyz").status_code == 200
    holder = sqlite3.connect(settings.db_target, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        time.sleep(PROBE_CACHE_SECONDS)  # past the cached answer
        r = client.get("/readyz")
        assert r.status_code == 503 and r.json()["checks"]["store_writes"] == "unavailable (locked)", r.text
        assert r.headers["x-request-id"]
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    time.sleep(PROBE_CACHE_SECONDS)
    assert client.get("/readyz").status_code == 200

"""Privacy rule 6: IP addresses and user agents go after the retention period, by cron or by the server."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from helpers import stored_comment
from starlette.testclient import TestClient

from service.app import create_app
from service.privacy.retention import purge, retention_cutoff, start_daily_purge, stop_daily_purge
from service.scoring.scorer import Scorer
from service.settings import Settings
from service.store import NewComment, open_store

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def comment_created(days_ago: float, now: datetime = NOW) -> NewComment:
    created = (now - timedelta(days=days_ago)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return stored_comment(
        post_id="retention",
        content=f"written {days_ago} days ago",
        ip="203.0.113.9",
        user_agent="RetentionProbe/1.0",
        created_at=created,
    )


def sender_data(db: str) -> dict[str, tuple[str | None, str | None]]:
    with sqlite3.connect(db) as conn:
        return {content: (ip, ua) for content, ip, ua in conn.execute("SELECT content, ip, user_agent FROM comments")}


async def fill(db: str, ages: list[float], now: datetime = NOW) -> None:
    store = await open_store(db)
    try:
        for age in ages:
            await store.insert_comment(comment_created(age, now))
    finally:
        await store.close()


def run_purge(db: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("COMMENTS_")}
    return subprocess.run(
        [sys.executable, "-m", "service", "purge", "--db", db, *args],
        capture_output=True,
        text=True,
        env={**clean, **(env or {})},
        timeout=60,
    )


def test_cutoff_is_in_the_stores_timestamp_format() -> None:
    assert retention_cutoff(30, NOW) == "2026-10-28T12:00:00.000Z"


def test_purge_erases_only_what_is_older_than_the_period_and_is_idempotent(tmp_path: Path) -> None:
    db = str(tmp_path / "comments.db")
    asyncio.run(fill(db, [45, 31, 29, 0.5]))

    async def purge_twice() -> tuple[int, int]:
        store = await open_store(db)
        try:
            return await purge(store, 30, "cli", NOW), await purge(store, 30, "cli", NOW)
        finally:
            await store.close()

    assert asyncio.run(purge_twice()) == (2, 0)
    data = sender_data(db)
    assert data["written 45 days ago"] == data["written 31 days ago"] == (None, None)
    assert data["written 29 days ago"] == data["written 0.5 days ago"] == ("203.0.113.9", "RetentionProbe/1.0")
    with sqlite3.connect(db) as conn:
        audit = conn.execute("SELECT actor, action, details_json FROM audit_log").fetchall()
    assert len(audit) == 1 and audit[0][:2] == ("cli", "retention_purge") and '"comments": 2' in audit[0][2]


def test_purge_command_is_safe_from_cron(tmp_path: Path) -> None:
    db = str(tmp_path / "comments.db")
    now = datetime.now(UTC)
    asyncio.run(fill(db, [40, 10, 1], now))

    first = run_purge(db)  # the default period: 30 days
    assert first.returncode == 0 and "of 1 comments older than 30 days" in first.stdout, first.stderr
    again = run_purge(db)
    assert again.returncode == 0 and "of 0 comments" in again.stdout
    shorter = run_purge(db, env={"COMMENTS_RETENTION_DAYS": "7"})  # the environment variable is honoured
    assert shorter.returncode == 0 and "of 1 comments older than 7 days" in shorter.stdout
    assert [ip for ip, _ in sender_data(db).values()].count(None) == 2
    flag = run_purge(db, "--retention-days", "0")  # the flag wins over the environment
    assert "of 1 comments older than 0 days" in flag.stdout
    assert all(value == (None, None) for value in sender_data(db).values())

    refused = run_purge(db, "--retention-days", "-1")
    assert refused.returncode == 2 and refused.stderr.strip() == "error: --retention-days: must be 0 or more"


def test_the_daily_task_purges_repeatedly_and_stops_cleanly(tmp_path: Path) -> None:
    db = str(tmp_path / "comments.db")
    asyncio.run(fill(db, [40], datetime.now(UTC)))

    async def run() -> list[int]:
        store = await open_store(db)
        runs: list[int] = []
        try:
            task = start_daily_purge(store, 30, on_purged=runs.append, first_delay=0, interval=0.01)
            for _ in range(200):
                if len(runs) >= 3:
                    break
                await asyncio.sleep(0.01)
            await stop_daily_purge(task)
            assert task.cancelled()
        finally:
            await store.close()
        return runs

    runs = asyncio.run(run())
    assert runs[:3] == [1, 0, 0]
    assert sender_data(db)["written 40 days ago"] == (None, None)


def test_the_server_runs_the_purge_in_its_lifespan(settings: Settings, scorer: Scorer) -> None:
    app = create_app(settings, scorer=scorer)
    with TestClient(app):
        task = app.state.retention_task
        assert not task.done()
    assert task.cancelled()  # cancelled on shutdown, before the store closed


def test_a_negative_retention_period_is_refused_at_start(make_settings: Callable[..., Settings]) -> None:
    with pytest.raises(ValueError, match="--retention-days"):
        create_app(make_settings(retention_days=-3))

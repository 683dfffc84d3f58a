"""The SQLite store: migrations, group commit, isolation of a failing write, durability."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from helpers import stored_comment

from service.runtime.clock import utc_now
from service.store import NewComment, make_store
from service.store.records import ORDERS, QueueFilter, QueueQuery, SiteSettings
from service.store.sqlite import SQLiteStore
from service.store.sqlite.checkpoints import CHECKPOINT_EVERY_WRITES, WRITER_AUTOCHECKPOINT_PAGES
from service.store.sqlite.migrations import MIGRATIONS, SCHEMA_VERSION


def _comment(site_id: int, text: str, parent: int | None = None) -> NewComment:
    return stored_comment(site_id=site_id, content=text, parent_id=parent, email_enc=b"x", email_hash="h")


def test_schema_is_migrated_once_and_default_site_made(tmp_path: Path) -> None:
    async def run() -> None:
        for _ in range(2):  # opening twice must neither fail nor duplicate the default site
            store = SQLiteStore(str(tmp_path / "c.db"))
            await store.open()
            assert (await store.default_site()).is_default
            await store.close()

    asyncio.run(run())
    db = sqlite3.connect(tmp_path / "c.db")
    assert db.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
    assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert db.execute("SELECT count(*) FROM sites WHERE is_default = 1").fetchone() == (1,)


def test_concurrent_writes_are_group_committed_and_all_durable(tmp_path: Path) -> None:
    path = tmp_path / "c.db"

    async def run() -> tuple[list[int], int]:
        store = SQLiteStore(str(path))
        await store.open()
        site = await store.default_site()
        commits_before = store.database.group_commits
        ids = await asyncio.gather(*(store.insert_comment(_comment(site.id, f"c{i}")) for i in range(200)))
        commits = store.database.group_commits - commits_before
        await store.close()
        return list(ids), commits

    ids, commits = asyncio.run(run())
    assert len(set(ids)) == 200
    assert commits < 200  # some writes shared a commit
    # A fresh connection (another process's view) sees every acknowledged row.
    assert sqlite3.connect(path).execute("SELECT count(*) FROM comments").fetchone() == (200,)


def test_the_writer_checkpoints_after_a_number_of_writes(tmp_path: Path) -> None:
    """SQLite's automatic checkpoint is only a backstop: the writer copies committed pages into the
    database file every CHECKPOINT_EVERY_WRITES writes (an immutable read ignores the log, so it
    sees only copied pages)."""
    path = tmp_path / "c.db"

    def rows_in_database_file() -> int:
        conn = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
        try:
            return int(conn.execute("SELECT count(*) FROM comments").fetchone()[0])
        except sqlite3.OperationalError:  # not even the schema has been copied yet
            return 0
        finally:
            conn.close()

    async def run() -> None:
        store = SQLiteStore(str(path))
        await store.open()
        autocheckpoint = await store.database.write(lambda conn: conn.execute("PRAGMA wal_autocheckpoint").fetchone())
        assert autocheckpoint == (WRITER_AUTOCHECKPOINT_PAGES,)
        site = await store.default_site()
        few = CHECKPOINT_EVERY_WRITES // 2
        await asyncio.gather(*(store.insert_comment(_comment(site.id, f"a{i}")) for i in range(few)))
        assert rows_in_database_file() == 0  # far below the backstop: all still in the log only
        await asyncio.gather(*(store.insert_comment(_comment(site.id, f"b{i}")) for i in range(few)))
        await store.insert_comment(_comment(site.id, "the write after the checkpoint"))
        assert rows_in_database_file() >= 2 * few
        await store.close()

    asyncio.run(run())


def test_sites_are_found_by_key_only(tmp_path: Path) -> None:
    async def run() -> None:
        store = SQLiteStore(str(tmp_path / "c.db"))
        await store.open()
        site_id = await store.add_site("news", "https://news.example/", "sk_secret", SiteSettings(comment_max_links=5))
        found = await store.site_by_key("sk_secret")
        assert found is not None and found.id == site_id and found.settings.comment_max_links == 5
        assert await store.site_by_key("sk_other") is None
        await store.close()

    asyncio.run(run())
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("c.db*"))
    assert stored and b"sk_secret" not in stored


def test_postgres_urls_are_refused_clearly() -> None:
    with pytest.raises(ValueError, match="PostgreSQL"):
        make_store("postgresql://127.0.0.1/test")


def _apply_migrations(path: Path, count: int) -> None:
    db = sqlite3.connect(path, isolation_level=None)
    for version, script in enumerate(MIGRATIONS[:count], start=1):
        db.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {version};\nCOMMIT;")
    db.close()


async def _trace_reads(store: SQLiteStore, statements: list[str]) -> None:
    """Records every statement the store's read connections (look-up and reader) run from now on."""
    await store.database.trace_reads(statements.append)


def _comment_read_plans(
    path: Path, rows: list[NewComment], reads: Callable[[SQLiteStore], Awaitable[None]]
) -> dict[str, list[str]]:
    """Stores `rows` in a new store at `path`, runs `reads` on it, and returns the EXPLAIN QUERY
    PLAN of each statement `reads` made that reads the comments table."""
    statements: list[str] = []

    async def run() -> None:
        store = SQLiteStore(str(path))
        await store.open()
        for row in rows:
            await store.insert_comment(row)
        await _trace_reads(store, statements)
        await reads(store)
        await store.close()

    asyncio.run(run())
    db = sqlite3.connect(path)
    reads = [sql for sql in statements if "FROM comments" in sql]
    plans = {sql: [row[3] for row in db.execute("EXPLAIN QUERY PLAN " + sql)] for sql in reads}
    db.close()
    return plans


def test_comment_look_ups_search_the_post_and_email_indexes(tmp_path: Path) -> None:
    """The listing, the duplicate check and the author's history each seek an index; none walks
    every comment (a scan, or the status index the planner likes for the listing's ORDER BY id)."""
    path = tmp_path / "c.db"
    statuses = ("approved", "pending", "spam", "trash")
    rows = [
        stored_comment(post_id=f"p{i % 3}", author=f"A{i % 5}", email_hash=f"h{i % 7}", status=statuses[i % 4])
        for i in range(30)
    ]

    async def reads(store: SQLiteStore) -> None:
        await store.approved_comments(1, "p1")
        await store.find_duplicate(1, "p1", "A1", "h1", "A comment.")
        await store.author_history(1, "h1")

    plans = _comment_read_plans(path, rows, reads)
    assert len(plans) == 3, plans
    for sql, plan in plans.items():
        comment_steps = [step for step in plan if " comments " in f"{step} "]
        assert comment_steps and all(step.startswith("SEARCH comments USING") for step in comment_steps), (sql, plan)
        assert not any("comments_by_status" in step for step in plan), (sql, plan)


def test_queue_reads_seek_the_status_index_left_after_migration_8(tmp_path: Path) -> None:
    """(status, id) is gone: the queue's pages in every order and its counts search (status,
    created_at, id) by status instead of scanning the table."""
    path = tmp_path / "c.db"
    rows = [stored_comment(status=("pending", "approved", "spam")[i % 3]) for i in range(12)]

    async def reads(store: SQLiteStore) -> None:
        for order in ORDERS:
            await store.queue_items(QueueQuery(order=order))
        await store.count_queue(QueueFilter())
        await store.status_counts()

    plans = _comment_read_plans(path, rows, reads)
    indexes = {row[0] for row in sqlite3.connect(path).execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert "comments_by_status" not in indexes and "comments_by_status_created" in indexes
    assert len(plans) == len(ORDERS) + 2, plans
    for sql, plan in plans.items():
        comment_steps = [step for step in plan if " comments " in f"{step} " or " c " in f"{step} "]
        assert comment_steps and all("comments_by_status_created" in step for step in comment_steps), (sql, plan)


def test_a_store_from_before_the_index_merge_is_migrated_and_keeps_finding_its_comments(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    _apply_migrations(path, 6)
    old = sqlite3.connect(path, isolation_level=None)
    old.execute(
        "INSERT INTO sites (name, url, key_hash, is_default, settings, created_at)"
        " VALUES ('default', 'http://x/', NULL, 1, '{}', 'now')"
    )
    old.execute(
        "INSERT INTO comments (site_id, post_id, author, email_hash, content, status, model_version, created_at,"
        " updated_at) VALUES (1, 'p', 'Ann', 'h', 'Hello there.', 'approved', 'test', 'now', 'now')"
    )
    old.close()

    async def run() -> tuple[int | None, int | None, int, int]:
        store = SQLiteStore(str(path))
        await store.open()
        by_author = await store.find_duplicate(1, "p", "Ann", None, "Hello there.")
        by_email = await store.find_duplicate(1, "p", "Someone else", "h", "Hello there.")
        listed = len(await store.approved_comments(1, "p"))
        history = (await store.author_history(1, "h")).approved
        await store.close()
        return by_author, by_email, listed, history

    assert asyncio.run(run()) == (1, 1, 1, 1)
    indexes = {row[0] for row in sqlite3.connect(path).execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"comments_by_email_site", "comments_by_post_author_status"} <= indexes
    assert not {"comments_by_email", "comments_by_site_email", "comments_by_post", "comments_by_post_author"} & indexes


def test_time_stamps_are_utc_iso_8601_to_the_millisecond_and_agree_with_datetime() -> None:
    from datetime import UTC, datetime

    for _ in range(2000):  # a few milliseconds: crosses into a new millisecond many times
        before = datetime.now(UTC)
        stamp = utc_now()
        after = datetime.now(UTC)
        assert len(stamp) == 24 and stamp.endswith("Z") and stamp[10] == "T" and stamp[19] == ".", stamp
        parsed = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        assert before.replace(microsecond=before.microsecond // 1000 * 1000) <= parsed <= after, (before, stamp)

"""The store's engine: group commits in the writer's thread, mixed batches, batched look-ups in their own thread."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path

from helpers import stored_comment

from service.store import NewComment, Store, opened_store


def _comment(text: str, author: str = "A", email_hash: str | None = "h", parent: int | None = None) -> NewComment:
    return stored_comment(
        content=text,
        author=author,
        email_hash=email_hash,
        parent_id=parent,
        email_enc=b"x",
        avatar_hash="a",
        model_version="v",
    )


@asynccontextmanager
async def _store_beside_another_writer(db: Path) -> AsyncIterator[tuple[Store, sqlite3.Connection]]:
    """An opened store, and a plain connection to its file writing as another process would
    (`site update`, `privacy erase`)."""
    async with opened_store(str(db)) as store:
        other = sqlite3.connect(db, isolation_level=None)
        try:
            yield store, other
        finally:
            other.close()


def test_a_mixed_batch_keeps_every_good_write_and_isolates_the_bad_one(tmp_path: Path) -> None:
    db = tmp_path / "c.db"

    async def run() -> list[object]:
        async with opened_store(str(db)) as store:
            site = await store.default_site()
            # Queued together, so the writer takes them as one batch: inserts (one statement, no
            # savepoint), a settings update (in a savepoint) and an insert that breaks a foreign key.
            return await asyncio.gather(
                store.insert_comment(_comment("one")),
                store.update_site(site.id, replace(site.settings, comment_max_links=7)),
                store.insert_comment(_comment("bad parent", parent=999_999)),
                store.insert_comment(_comment("two")),
                return_exceptions=True,
            )

    one, updated, bad, two = asyncio.run(run())
    assert isinstance(one, int) and isinstance(two, int) and updated is None
    assert isinstance(bad, sqlite3.IntegrityError)
    with sqlite3.connect(db) as conn:
        assert [r[0] for r in conn.execute("SELECT content FROM comments ORDER BY id")] == ["one", "two"]
        assert '"comment_max_links": 7' in conn.execute("SELECT settings FROM sites").fetchone()[0]


def test_duplicates_and_history_are_found_by_author_or_email(tmp_path: Path) -> None:
    async def run() -> tuple[object, ...]:
        async with opened_store(str(tmp_path / "c.db")) as store:
            first = await store.insert_comment(_comment("same words", author="Ann", email_hash="e1"))
            await store.insert_comment(_comment("pending words", author="Ann", email_hash="e1"))
            return (
                first,
                await store.find_duplicate(1, "p", "Ann", "other", "same words"),  # same name
                await store.find_duplicate(1, "p", "Someone", "e1", "same words"),  # same email
                await store.find_duplicate(1, "p", "Someone", "e2", "same words"),  # neither
                await store.find_duplicate(1, "q", "Ann", "e1", "same words"),  # another post
                await store.author_history(1, "e1"),
                (await store.default_site()).settings,
            )

    first, by_name, by_email, neither, other_post, history, settings = asyncio.run(run())
    assert by_name == first and by_email == first
    assert neither is None and other_post is None
    assert history.approved == 2 and not history.banned  # type: ignore[attr-defined]
    assert settings.flood_seconds == 0  # type: ignore[attr-defined]


def test_a_batch_of_inserts_isolates_the_failing_one(tmp_path: Path) -> None:
    # Only inserts: one-statement jobs, which run without a savepoint.
    db = tmp_path / "c.db"

    async def run() -> list[object]:
        async with opened_store(str(db)) as store:
            return await asyncio.gather(
                store.insert_comment(_comment("one")),
                store.insert_comment(_comment("bad parent", parent=999_999)),
                store.insert_comment(_comment("two")),
                return_exceptions=True,
            )

    one, bad, two = asyncio.run(run())
    assert isinstance(bad, sqlite3.IntegrityError)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT id, content FROM comments ORDER BY id").fetchall() == [(one, "one"), (two, "two")]


def test_look_ups_asked_together_are_answered_together_and_see_every_commit_before_them(tmp_path: Path) -> None:
    db = tmp_path / "c.db"

    async def run() -> tuple[int, list[int]]:
        counts = []
        async with _store_beside_another_writer(db) as (store, other):
            engine = store.database  # type: ignore[attr-defined]
            before = engine.lookup_batches
            # A burst's requests ask at once: one hand-off to the look-up thread, one read transaction.
            await asyncio.gather(
                *(store.author_history(1, f"h{i}") for i in range(20)),
                *(store.find_duplicate(1, "p", "A", f"h{i}", "words") for i in range(20)),
                *(store.default_site() for _ in range(20)),
            )
            batches = engine.lookup_batches - before
            counts.append(int((await store.author_history(1, "h")).banned))
            other.execute(
                "INSERT INTO banned_authors (site_id, email_hash, banned_at, actor) VALUES (1, 'h', 'now', 'test')"
            )
            counts.append(int((await store.author_history(1, "h")).banned))  # another process's commit
            await store.insert_comment(_comment("ours"))  # our own commit: seen right after its answer
            counts.append((await store.author_history(1, "h")).approved)
        return batches, counts

    assert asyncio.run(run()) == (1, [0, 1, 1])


def test_a_site_read_sees_every_change_made_before_it(tmp_path: Path) -> None:
    db = tmp_path / "c.db"

    async def run() -> list[float]:
        seen = []
        async with _store_beside_another_writer(db) as (store, other):
            first = await store.default_site()
            assert await store.default_site() is first  # an unchanged row: its parsed settings are reused
            seen.append(first.settings.flood_seconds)
            other.execute("UPDATE sites SET settings = '{\"flood_seconds\": 42}' WHERE is_default = 1")
            seen.append((await store.default_site()).settings.flood_seconds)  # another process's change
            site = await store.default_site()
            await store.update_site(site.id, replace(site.settings, flood_seconds=7))  # our own change
            seen.append((await store.default_site()).settings.flood_seconds)
        return seen

    assert asyncio.run(run()) == [0, 42, 7]


def test_no_sqlite_statement_runs_on_the_event_loops_thread(tmp_path: Path) -> None:
    async def run() -> set[str]:
        threads: set[str] = set()
        async with opened_store(str(tmp_path / "c.db")) as store:
            await store.database.trace_reads(lambda _: threads.add(threading.current_thread().name))  # type: ignore[attr-defined]
            threads.add(await store.database.write(lambda _: threading.current_thread().name))  # type: ignore[attr-defined]
            await store.insert_comment(_comment("one"))
            await store.author_history(1, "h")
            await store.find_duplicate(1, "p", "A", "h", "one")
            await store.approved_comments(1, "p")
            await store.default_site()
        return threads

    threads = asyncio.run(run())
    assert threading.current_thread().name not in threads
    assert {name.split("_")[0] for name in threads} >= {"sqlite-writer", "sqlite-lookups"}, threads


def test_a_write_lock_held_by_another_process_is_waited_for_outside_the_event_loop(tmp_path: Path) -> None:
    # The batch's BEGIN waits (busy_timeout) in the writer's thread while the loop keeps serving.
    db = tmp_path / "c.db"

    async def run() -> tuple[int, int, list[int]]:
        async with _store_beside_another_writer(db) as (store, other):
            other.execute("BEGIN IMMEDIATE")
            other.execute("UPDATE sites SET name = 'held' WHERE is_default = 1")
            insert = asyncio.ensure_future(store.insert_comment(_comment("waits for the lock")))
            ticks = []
            for tick in range(5):  # the loop turns while the insert waits
                await asyncio.sleep(0.02)
                ticks.append(tick)
            assert not insert.done()
            other.execute("COMMIT")
            waited = await insert
            return waited, await store.insert_comment(_comment("then at once")), ticks

    first, second, ticks = asyncio.run(run())
    assert ticks == [0, 1, 2, 3, 4]
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT id, content FROM comments ORDER BY id").fetchall()
        assert rows == [(first, "waits for the lock"), (second, "then at once")]
        assert conn.execute("SELECT name FROM sites WHERE is_default = 1").fetchone()[0] == "held"

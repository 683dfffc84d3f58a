"""Opening a store: the engine is chosen by `--db` (a SQLite file path, or a URL naming another engine)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from service.store.interface import Store


def make_store(target: str) -> Store:
    """A store for a SQLite path or a postgresql:// URL (not opened yet)."""
    if target.startswith(("postgres://", "postgresql://")):
        raise ValueError("a PostgreSQL store is not available yet; use a SQLite file path for --db")
    from service.store.sqlite import SQLiteStore  # only the chosen engine is imported

    return SQLiteStore(target.removeprefix("sqlite:///"))


async def open_store(target: str) -> Store:
    store = make_store(target)
    await store.open()
    return store


@asynccontextmanager
async def opened_store(target: str) -> AsyncIterator[Store]:
    """`open_store` for the length of an `async with`, closed however it ends."""
    store = await open_store(target)
    try:
        yield store
    finally:
        await store.close()

"""SQLite queries for the moderation queue: tokens, queue, decisions, author standing.

A mixin of `SQLiteStore`: methods use `self._reader` (an aiosqlite connection with Row factory)
for reads and `await self._write(job)` for writes, where `job(conn)` runs inside the next group commit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import aiosqlite


class ModerationQueries:
    _reader: aiosqlite.Connection | None

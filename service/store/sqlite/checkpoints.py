"""When the write-ahead log is copied into the database file (a WAL checkpoint), and by whom.

Left to itself, SQLite makes the committing connection run the checkpoint once the log passes 1,000
pages: that commit then also copies those pages into the database file and waits for its fsync, and
every comment of its batch waits with it (6-9 ms against ~1.1 ms for a group commit under a burst).

So the writer checkpoints by itself, in its own thread, after every `CHECKPOINT_EVERY_WRITES`
committed writes and only once that batch's callers have been answered: the copy then overlaps the
event loop's work on the next requests, and the next commit waits for it only if it comes first.
The checkpoint runs on the writer's connection, between commits: run from another connection at
the same time as a commit, it makes that commit wait while the file system flushes the database
file. SQLite's automatic checkpoint stays as a backstop. Durability does not depend on it: a commit
is on disk once the log is synced (`synchronous=FULL`); a checkpoint only moves committed pages.
"""

from __future__ import annotations

import logging
import sqlite3

log = logging.getLogger(__name__)

# ~256 comments make some 750-1,000 log pages, about where SQLite would checkpoint (each insert
# touches the table, two indexes at random places and two at their ends: ~3 pages, ~13 KB of log a
# comment in `bench/throughput.py`).
CHECKPOINT_EVERY_WRITES = 256
# The writer's automatic checkpoint, only if the log outgrows the above anyway (~40 MB: writes that
# touch many pages each, or readers keeping old pages in use).
WRITER_AUTOCHECKPOINT_PAGES = 10_000


def checkpoint(raw: sqlite3.Connection) -> None:
    """A PASSIVE checkpoint: copies what no reader still needs, never waits for readers."""
    try:
        raw.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
    except sqlite3.Error as exc:  # the next one retries; commits are durable without it
        log.warning("write-ahead log checkpoint failed: %s", type(exc).__name__)

"""When the write-ahead log is copied into the database file (a WAL checkpoint), and by whom.

Left to itself, SQLite makes the committing connection run the checkpoint once the log passes 1,000
pages: that commit then also copies those pages into the database file and waits for its fsync.
Under a burst about one group commit in eight took 6-9 ms instead of ~1.1 ms, and all 32 comments of
that batch waited for it: those batches made the p99 of `bench/throughput.py`.

So the writer checkpoints by itself, in its own thread, after every `CHECKPOINT_EVERY_WRITES`
committed writes and only once that batch's callers have been answered: the copy then overlaps the
event loop's work on the next requests (~15 ms for 32), and the next commit waits for it only if it
comes first. Measured alternately on a quiet machine, 15 s of wrk at 32 connections each: p99
20.1-21.2 ms against 24.6-25.7 ms, group commits' p90 1.4-1.7 ms against 6.5-6.7 ms.
A checkpoint thread with a connection of its own was tried: it ran during the writer's commits, and
those commits took twice as long (2.4 ms against 1.2 on average, up to 9.6 ms) while the file
system flushed the database file.
SQLite's automatic checkpoint stays as a backstop. Durability is unchanged: a commit is on disk
once the log is synced (`synchronous=FULL`); a checkpoint only moves committed pages.
"""

from __future__ import annotations

import logging
import sqlite3

log = logging.getLogger(__name__)

# ~256 comments make some 750-1,000 log pages, about where SQLite would checkpoint (each insert
# touches the table, two indexes at random places and two at their ends: ~3 pages, ~13 KB of log a
# comment in `bench/throughput.py` since migration 8).
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

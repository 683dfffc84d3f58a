"""Garbage-collector settings for the server process (`python -m service serve` only).

The loaded model and the app are hundreds of thousands of long-lived objects. With Python's
defaults, a comment burst triggers a young collection every few requests and, every few thousand
requests, a full collection that walks the whole model: about 0.1 ms of CPU per comment on
average, and pauses of ~90 ms that every request in flight waits out (the p99). Freezing what is
alive once the service is up takes it out of every later collection; a larger young generation
makes young collections rare. Reference counting, which frees almost everything, is unaffected.

Tests and scripts build many apps in one process and keep Python's defaults: freezing their heaps
would keep each test's leftover cycles for the whole run.
"""

from __future__ import annotations

import gc

# Net container allocations between young collections (Python's default: 700). A comment's path
# allocates and frees thousands of objects; a young generation this size is a few MB at most.
YOUNG_THRESHOLD = 20_000


def tune_collector() -> None:
    """Makes young collections rare (once per process, before serving)."""
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, older, oldest)


def freeze_heap() -> None:
    """Collects once, then moves everything alive into the collector's permanent generation.

    Called when the service is up, and again after a model switch: unfreezing first lets the old
    model's objects be collected (a one-off pause of a full collection) instead of kept forever.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()

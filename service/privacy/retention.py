"""Privacy rule 6: IP addresses and user agents are kept for `retention_days`, then erased.

`purge` is what `python -m service purge` runs (from cron, or by hand); the server also runs it
once a day in a background task, so a deployment without cron still keeps the promise.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from service.store import Store

log = logging.getLogger(__name__)

# The first run waits a little so start-up (model load, readiness) is not slowed by it.
FIRST_RUN_DELAY_SECONDS = 10.0
DAY_SECONDS = 24 * 3600.0


def retention_cutoff(retention_days: int, now: datetime | None = None) -> str:
    """The UTC time before which sender data is erased, in the store's timestamp format."""
    if retention_days < 0:
        raise ValueError("--retention-days: must be 0 or more")
    moment = (now or datetime.now(UTC)) - timedelta(days=retention_days)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


async def purge(store: Store, retention_days: int, actor: str, now: datetime | None = None) -> int:
    """Erases IP addresses and user agents older than the retention period; returns how many
    comments changed. Safe to repeat: a second run finds nothing left to erase."""
    return await store.purge_sender_data(retention_cutoff(retention_days, now), actor)


async def run_daily(
    store: Store,
    retention_days: int,
    on_purged: Callable[[int], None] | None = None,
    first_delay: float = FIRST_RUN_DELAY_SECONDS,
    interval: float = DAY_SECONDS,
) -> None:
    """Purges shortly after start and then every `interval` seconds until cancelled.

    A failed run is logged and retried at the next interval: the server keeps serving either way.
    """
    await asyncio.sleep(first_delay)
    while True:
        try:
            purged = await purge(store, retention_days, actor="server")
        except Exception as exc:  # never let the purge take the server down
            log.error("retention purge failed: %s", type(exc).__name__)
        else:
            log.info("retention purge: erased IP address and user agent of %d comments", purged)
            if on_purged is not None:
                on_purged(purged)
        await asyncio.sleep(interval)


def start_daily_purge(
    store: Store,
    retention_days: int,
    on_purged: Callable[[int], None] | None = None,
    first_delay: float = FIRST_RUN_DELAY_SECONDS,
    interval: float = DAY_SECONDS,
) -> asyncio.Task[None]:
    return asyncio.create_task(
        run_daily(store, retention_days, on_purged, first_delay, interval), name="retention-purge"
    )


async def stop_daily_purge(task: asyncio.Task[None]) -> None:
    """Cancels the daily task and waits for it, so the store is not closed under a running purge."""
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task

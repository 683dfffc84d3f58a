"""The flood rule: at most one comment per `flood_seconds` from one IP address or one email hash.

Kept in memory: the service runs as one process over SQLite, and a restart forgetting the last
few seconds of timing costs nothing. Check and record happen in one synchronous step, so two
concurrent requests from one address cannot both pass.
"""

from __future__ import annotations

import math
import time

# Prune remembered senders once the table grows past this, dropping those older than the window.
_PRUNE_AT = 50_000


class FloodGuard:
    def __init__(self) -> None:
        self._last: dict[tuple[int, str], float] = {}

    def retry_after(self, site_id: int, senders: list[str], window: float, now: float | None = None) -> int:
        """0 and the senders recorded as posting now, or the whole seconds they must still wait."""
        if window <= 0:
            return 0
        now = time.monotonic() if now is None else now
        keys = [(site_id, s) for s in senders if s]
        waits = [self._last[k] + window - now for k in keys if k in self._last]
        wait = max(waits, default=0.0)
        if wait > 0:
            return max(1, math.ceil(wait))
        for key in keys:
            self._last[key] = now
        if len(self._last) > _PRUNE_AT:
            self._last = {k: t for k, t in self._last.items() if now - t < window}
        return 0

"""The flood rule: at most one comment per `flood_seconds` from one IP address or one email hash.

Kept in memory: the service runs as one process over SQLite, and a restart forgetting the last
few seconds of timing costs nothing. Check and record happen in one synchronous step, so two
concurrent requests from one address cannot both pass.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict


class FloodGuard:
    def __init__(self) -> None:
        # Sender -> when it last posted, oldest first: a sender that posts again moves to the end,
        # so the senders whose window has passed are always at the front.
        self._last: OrderedDict[tuple[int, str], float] = OrderedDict()
        # Sites may have different windows: a sender is forgotten only once the longest has passed.
        self._longest_window = 0.0

    def __len__(self) -> int:
        """How many senders are remembered."""
        return len(self._last)

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
            self._last.move_to_end(key)
        self._longest_window = max(self._longest_window, window)
        self._forget_expired(now)
        return 0

    def _forget_expired(self, now: float) -> None:
        """Drops senders from the front while their window has passed: each sender is dropped once
        for each time it was recorded, so the work per request is constant on average."""
        last = self._last
        while last:
            key, posted = next(iter(last.items()))
            if now - posted < self._longest_window:
                return
            del last[key]

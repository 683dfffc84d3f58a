"""Failed sign-ins and bearer-token guesses, counted per client IP address.

A moderator token is 256 random bits, so guessing one is hopeless; the limit keeps a guesser from
costing us a store look-up per attempt, and makes a leaked-token scan show up as 429s. An address
with `per_minute` failures within the last minute is refused (429 with `Retry-After`) until the
oldest of them is a minute old, whether or not its next token would be right. A right token never
counts.

The counts live in memory, per process: they protect this process's store and need not survive a
restart. At most `MAX_ADDRESSES` addresses are tracked; past that the least recently failing ones
are forgotten first, so a spray from many addresses costs bounded memory.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable

WINDOW_SECONDS = 60.0
MAX_ADDRESSES = 10_000


class GuessLimit:
    """Counts failures per address over a sliding minute; `per_minute` 0 turns the limit off."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    def __len__(self) -> int:
        """How many addresses have failures on record."""
        return len(self._failures)

    def retry_after(self, address: str | None) -> int | None:
        """Whole seconds until `address` may try again, or None while it may try now."""
        if not self.per_minute:
            return None
        times = self._recent(address or "")
        if times is None or len(times) < self.per_minute:
            return None
        return max(1, math.ceil(times[0] + WINDOW_SECONDS - self._clock()))

    def failed(self, address: str | None) -> None:
        """Counts one failed attempt from `address`."""
        if not self.per_minute:
            return
        key = address or ""
        times = self._recent(key)
        if times is None:
            times = self._failures[key] = deque(maxlen=self.per_minute)
            while len(self._failures) > MAX_ADDRESSES:
                self._failures.popitem(last=False)
        self._failures.move_to_end(key)
        times.append(self._clock())

    def _recent(self, key: str) -> deque[float] | None:
        """The address's failures within the window (older ones dropped), or None if it has none."""
        times = self._failures.get(key)
        if times is None:
            return None
        cutoff = self._clock() - WINDOW_SECONDS
        while times and times[0] <= cutoff:
            times.popleft()
        if not times:
            del self._failures[key]
            return None
        return times

"""The service's clock: every stored time is UTC text in ISO 8601 to the millisecond."""

from __future__ import annotations

import time

_SECOND_STAMP: tuple[int, str] = (-1, "")


def utc_now() -> str:
    """The time now in UTC to the millisecond, ISO 8601: `2026-11-27T17:00:00.123Z`.

    Every comment is stamped, and the date-and-time text changes once a second, so it is formatted
    once a second: `datetime.now(UTC).isoformat()` on every call costs ~1 % of the event loop's time
    in a burst. One tuple holds the second and its text, so a thread reading it never sees half of
    an update.
    """
    global _SECOND_STAMP
    now = time.time()
    second = int(now)
    stamped, text = _SECOND_STAMP
    if second != stamped:
        text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        _SECOND_STAMP = (second, text)
    return f"{text}.{int((now - second) * 1000):03d}Z"

"""The per-address limit on failed sign-ins and token guesses, on a clock the test turns."""

from __future__ import annotations

from service.moderation import guesses
from service.moderation.guesses import GuessLimit


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_eleventh_try_within_a_minute_waits_until_the_first_failure_is_a_minute_old() -> None:
    clock = Clock()
    limit = GuessLimit(10, clock)
    for _ in range(9):
        limit.failed("198.51.100.7")
        clock.now += 1
    assert limit.retry_after("198.51.100.7") is None
    limit.failed("198.51.100.7")  # the tenth, at t=1009
    assert limit.retry_after("198.51.100.7") == 51
    assert limit.retry_after("203.0.113.9") is None  # another address is not affected
    clock.now = 1060.5  # the first failure is over a minute old
    assert limit.retry_after("198.51.100.7") is None
    limit.failed("198.51.100.7")
    assert limit.retry_after("198.51.100.7") == 1


def test_zero_turns_the_limit_off_and_memory_stays_bounded(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    off = GuessLimit(0)
    for _ in range(100):
        off.failed("198.51.100.7")
    assert off.retry_after("198.51.100.7") is None
    monkeypatch.setattr(guesses, "MAX_ADDRESSES", 50)
    limit = GuessLimit(1)
    for n in range(500):
        limit.failed(f"10.0.{n // 256}.{n % 256}")
    assert len(limit) == 50
    assert limit.retry_after("10.0.1.243") is not None and limit.retry_after("10.0.0.0") is None

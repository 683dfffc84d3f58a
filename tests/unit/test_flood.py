"""The flood rule's memory: one comment per window per sender, senders forgotten once every window
has passed, and the forgetting costs a constant amount of work per request however many are remembered."""

from __future__ import annotations

from service.intake.flood import FloodGuard


def test_a_sender_waits_out_its_window_and_others_do_not() -> None:
    guard = FloodGuard()
    assert guard.retry_after(1, ["ip:a", "mail:a"], 10.0, now=100.0) == 0
    assert guard.retry_after(1, ["ip:a"], 10.0, now=103.2) == 7
    assert guard.retry_after(1, ["ip:b", "mail:a"], 10.0, now=104.0) == 6  # the email hash is the same
    assert guard.retry_after(2, ["ip:a"], 10.0, now=104.0) == 0  # another site
    assert guard.retry_after(1, ["ip:a"], 10.0, now=110.0) == 0
    assert guard.retry_after(1, ["ip:c"], 0.0, now=110.0) == 0
    assert len(guard) == 2  # ip:a on both sites; mail:a's window has passed, and ip:c had none


def test_senders_are_forgotten_once_the_longest_window_has_passed() -> None:
    guard = FloodGuard()
    guard.retry_after(1, ["long"], 60.0, now=0.0)
    for second in range(1, 30):
        guard.retry_after(2, [f"short-{second}"], 5.0, now=float(second))
    # The 5-second senders stay as long as the 60-second one may still be waiting: it is still held.
    assert guard.retry_after(1, ["long"], 60.0, now=30.0) == 30
    guard.retry_after(2, ["late"], 5.0, now=100.0)
    assert len(guard) == 1  # everyone but the sender recorded now is forgotten


def test_a_table_of_many_senders_inside_their_window_is_never_rebuilt() -> None:
    """200,000 distinct senders inside one window: each request only looks at the oldest sender.
    A guard that rebuilt its table once it held 50,000 senders would do that 150,000 times here
    (billions of steps); this one finishes in well under a second."""
    guard = FloodGuard()
    for n in range(200_000):
        assert guard.retry_after(1, [f"ip:{n}"], 3600.0, now=n / 1000) == 0
    assert len(guard) == 200_000
    assert guard.retry_after(1, ["ip:0"], 3600.0, now=200.0) == 3400
    guard.retry_after(1, ["ip:new"], 3600.0, now=3600.0 + 150.0)
    assert len(guard) == 50_000  # ip:0 to ip:150000 posted an hour ago or more: gone; ip:new remembered

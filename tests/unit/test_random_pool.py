"""The random pool: OS randomness drawn in blocks, every byte handed out once, even across a fork."""

from __future__ import annotations

import multiprocessing
from multiprocessing.connection import Connection

from service.runtime.random_pool import RandomPool


def test_takes_never_overlap_within_or_across_draws() -> None:
    pool = RandomPool(draw_bytes=64)
    chunks = [pool.take(12) for _ in range(100)] + [pool.take(100)]  # longer than a draw, too
    assert [len(c) for c in chunks] == [12] * 100 + [100]
    assert len(set(chunks)) == len(chunks)


def next_bytes_in_a_forked_child(pool: RandomPool, pipe: Connection) -> None:
    pipe.send_bytes(pool.take(16))


def test_a_forked_child_does_not_repeat_its_parents_bytes() -> None:
    pool = RandomPool()
    pool.take(16)  # a block is drawn before the fork
    fork = multiprocessing.get_context("fork")  # a forked child inherits the pool as it is
    receive, send = fork.Pipe(duplex=False)
    child = fork.Process(target=next_bytes_in_a_forked_child, args=(pool, send))
    child.start()
    from_child = receive.recv_bytes()
    child.join()
    assert child.exitcode == 0
    assert len(from_child) == 16 and from_child != pool.take(16)

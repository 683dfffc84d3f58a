"""The random pool: OS randomness drawn in blocks, every byte handed out once, even across a fork."""

from __future__ import annotations

import os

from service.runtime.random_pool import RandomPool


def test_takes_never_overlap_within_or_across_draws() -> None:
    pool = RandomPool(draw_bytes=64)
    chunks = [pool.take(12) for _ in range(100)] + [pool.take(100)]  # longer than a draw, too
    assert [len(c) for c in chunks] == [12] * 100 + [100]
    assert len(set(chunks)) == len(chunks)


def test_a_forked_child_does_not_repeat_its_parents_bytes() -> None:
    pool = RandomPool()
    pool.take(16)  # a block is drawn before the fork
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report what it would hand out next, then leave at once
        os.write(write_end, pool.take(16))
        os._exit(0)
    os.close(write_end)
    from_child = os.read(read_end, 16)
    os.close(read_end)
    os.waitpid(pid, 0)
    assert len(from_child) == 16 and from_child != pool.take(16)

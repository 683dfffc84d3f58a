"""A micro-batcher: calls that arrive within a millisecond or two are handled by one batch call.

The classifier's cost is mostly per call (building the feature matrices), not per comment: one
call for 16 comments costs about a third of 16 calls for one. Under a burst many requests reach
the scoring step at nearly the same moment, so each waits at most `max_delay` seconds for company
and the whole group is scored at once. When the service is idle a comment waits only `max_delay`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class MicroBatcher(Generic[T, R]):
    """Gathers `submit(item)` calls on one event loop and answers them from one `process(items)` call.

    `process` runs on the event loop (it is CPU-bound Python: a thread would only add hand-offs) and
    must return one result per item, in order. If it raises, or returns the wrong number of results,
    every caller of that batch gets the exception: a batch never answers some callers and not others.
    """

    def __init__(
        self, process: Callable[[list[T]], Sequence[R]], max_batch: int = 32, max_delay: float = 0.002
    ) -> None:
        if max_batch < 1 or max_delay < 0:
            raise ValueError("max_batch must be at least 1 and max_delay 0 or more")
        self.process = process
        self.max_batch = max_batch
        self.max_delay = max_delay
        self._items: list[T] = []
        self._futures: list[asyncio.Future[R]] = []
        self._timer: asyncio.TimerHandle | None = None
        # The loop of the first `submit`, kept: on Python 3.11 `get_running_loop` makes a getpid
        # system call each time (for fork safety), and a batcher serves one loop anyway.
        self._loop: asyncio.AbstractEventLoop | None = None

    async def submit(self, item: T) -> R:
        """`process`'s result for `item`, computed together with whatever arrives meanwhile."""
        loop = self._loop or asyncio.get_running_loop()
        self._loop = loop
        future: asyncio.Future[R] = loop.create_future()
        self._items.append(item)
        self._futures.append(future)
        if len(self._items) >= self.max_batch:
            self.flush()
        elif self._timer is None:
            self._timer = loop.call_later(self.max_delay, self.flush)
        return await future

    def flush(self) -> None:
        """Processes everything waiting now (the timer calls this; so does a full batch)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        items, futures = self._items, self._futures
        if not items:
            return
        self._items, self._futures = [], []
        try:
            results = list(self.process(items))
            if len(results) != len(items):
                raise RuntimeError(f"batch of {len(items)} gave {len(results)} results")
        except Exception as exc:  # every member of the batch hears about it
            for future in futures:
                if not future.done():
                    future.set_exception(exc)
            return
        for future, result in zip(futures, results, strict=True):
            if not future.done():  # a caller whose request was cancelled meanwhile
                future.set_result(result)

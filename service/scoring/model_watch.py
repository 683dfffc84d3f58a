"""Hot model switching: the running service follows the registry's CURRENT version.

Every `interval` seconds the watcher reads CURRENT; when it names another version, that model is
loaded in a worker thread (the event loop keeps serving) and swapped in whole. Requests already
scoring keep the classifier they started with, so no request fails during the switch.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import anyio.to_thread

from model import load_classifier
from model.registry import ModelRegistry
from service.scoring.scorer import Scorer

log = logging.getLogger(__name__)


async def watch_models(
    scorer: Scorer, registry: ModelRegistry, interval: float, on_switch: Callable[[], None] | None = None
) -> None:
    """`on_switch` runs after each switch (the server re-freezes its heap: see service/runtime/heap.py)."""
    seen = registry.current_version()
    while True:
        await asyncio.sleep(interval)
        try:
            now = registry.current_version()
            if now == seen:
                continue
            classifier = await anyio.to_thread.run_sync(load_classifier, registry.current_path())
        except Exception as exc:  # a broken artifact must not stop the service or the watcher
            log.error("could not load model %s: %s; keeping %s", now, type(exc).__name__, scorer.version)
            seen = now  # retried only when CURRENT changes again, not every tick
            continue
        previous = scorer.version
        scorer.swap(classifier)
        seen = now
        log.info("model switched from %s to %s", previous, classifier.version)
        if on_switch is not None:
            on_switch()


def start_model_watch(
    scorer: Scorer, registry: ModelRegistry, interval: float, on_switch: Callable[[], None] | None = None
) -> asyncio.Task[None]:
    return asyncio.create_task(watch_models(scorer, registry, interval, on_switch), name="model-watch")


async def stop_model_watch(task: asyncio.Task[None] | None) -> None:
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task

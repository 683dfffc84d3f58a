"""Garbage-collector settings (service/runtime/heap.py): only the serving process freezes its heap."""

from __future__ import annotations

import asyncio
import gc
import json
import shutil
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from model import SHIPPED_MODEL_DIR
from model.registry import ModelRegistry
from service.app import create_app
from service.runtime.heap import YOUNG_THRESHOLD, freeze_heap, tune_collector
from service.scoring.model_watch import start_model_watch, stop_model_watch
from service.scoring.scorer import Scorer
from service.settings import Settings


@pytest.fixture
def collector_restored() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_an_app_that_does_not_own_its_process_leaves_the_collector_alone(settings: Settings, scorer: Scorer) -> None:
    frozen = gc.get_freeze_count()
    with TestClient(create_app(settings, scorer=scorer)) as client:
        assert client.get("/healthz").status_code == 200
    assert gc.get_freeze_count() == frozen


def test_the_serving_process_freezes_its_heap_once_up(
    settings: Settings, scorer: Scorer, collector_restored: None
) -> None:
    tune_collector()
    assert gc.get_threshold()[0] == YOUNG_THRESHOLD
    with TestClient(create_app(settings, scorer=scorer, owns_process=True)) as client:
        assert gc.get_freeze_count() > 0  # the model and the app are out of later collections
        assert client.get("/healthz").status_code == 200
    assert gc.isenabled()  # reference counting and young collections carry on


def test_refreezing_lets_the_old_objects_go(collector_restored: None) -> None:
    class Node:
        def __init__(self) -> None:
            self.me = self  # a cycle: only the collector frees it

    node = Node()
    gone = weakref.ref(node)
    freeze_heap()  # a model switch freezes the new model's objects...
    del node
    freeze_heap()  # ...and the next one collects what became unreachable instead of keeping it frozen
    assert gone() is None


def test_the_model_watcher_calls_back_after_each_switch(tmp_path: Path, scorer: Scorer) -> None:
    # The server re-freezes its heap after a switch (see service/app.py); here a counter stands in.
    registry = ModelRegistry(tmp_path / "models")
    own = Scorer(scorer.classifier)  # not the shared one: the switch below must not touch other tests
    switches: list[str] = []

    async def run() -> None:
        watcher = start_model_watch(own, registry, 0.01, on_switch=lambda: switches.append(own.version))
        await asyncio.sleep(0.05)
        registry.add(_copy_of_shipped(tmp_path, "heap-probe-2"))
        registry.promote("heap-probe-2")
        for _ in range(500):
            if switches:
                break
            await asyncio.sleep(0.01)
        await stop_model_watch(watcher)

    asyncio.run(run())
    assert switches == ["heap-probe-2"]


def _copy_of_shipped(tmp_path: Path, version: str) -> Path:
    target = tmp_path / version
    shutil.copytree(SHIPPED_MODEL_DIR, target)
    card = json.loads((target / "card.json").read_text())
    card["version"] = version
    (target / "card.json").write_text(json.dumps(card))
    return target

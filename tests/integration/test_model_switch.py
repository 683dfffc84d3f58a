"""The registry, and a running service switching models under load without a failed request."""

from __future__ import annotations

import json
import shutil
import threading
import time
from pathlib import Path

import pytest
from helpers import comment_fields
from starlette.testclient import TestClient

from model import SHIPPED_MODEL_DIR
from model.registry import SHIPPED, ModelRegistry
from service.app import create_app
from service.settings import Settings


def _artifact(tmp_path: Path, version: str) -> Path:
    """A copy of the shipped model under another version name (same weights, new card)."""
    target = tmp_path / f"artifact-{version}"
    shutil.copytree(SHIPPED_MODEL_DIR, target)
    card = json.loads((target / "card.json").read_text())
    card["version"] = version
    (target / "card.json").write_text(json.dumps(card))
    return target


def test_registry_add_promote_rollback(tmp_path: Path) -> None:
    registry = ModelRegistry(tmp_path / "models")
    assert registry.current_version() is None and registry.current_path() == SHIPPED_MODEL_DIR
    for version in ("v1", "v2"):
        assert registry.add(_artifact(tmp_path, version)) == version
    with pytest.raises(ValueError):
        registry.add(_artifact(tmp_path / "again", "v1"))
    with pytest.raises(LookupError):
        registry.promote("v9")
    registry.promote("v1")
    registry.promote("v2")
    assert registry.current_version() == "v2"
    assert [v.version for v in registry.versions()] == [SHIPPED, "v1", "v2"]
    assert [v.current for v in registry.versions()] == [False, False, True]
    assert registry.rollback() == "v1"
    assert registry.rollback() == SHIPPED  # walks back, does not flip between the last two
    with pytest.raises(LookupError):
        registry.rollback()
    assert [h["action"] for h in registry.history()] == ["promote", "promote", "rollback", "rollback"]


def test_running_service_switches_model_under_load_without_failing(tmp_path: Path, make_settings) -> None:  # type: ignore[no-untyped-def]
    settings: Settings = make_settings(model_poll_seconds=0.2)
    registry = ModelRegistry(settings.model_registry_dir)
    registry.add(_artifact(tmp_path, "next-version"))
    statuses: list[int] = []
    versions: list[str] = []
    stop = threading.Event()

    with TestClient(create_app(settings), base_url="http://127.0.0.1:8000") as client:
        before = client.post("/score", json=comment_fields("Thanks for the write-up.")).json()["model_version"]

        def load() -> None:
            while not stop.is_set():
                r = client.post("/score", json=comment_fields("Thanks for the write-up."))
                statuses.append(r.status_code)
                versions.append(r.json().get("model_version", ""))

        workers = [threading.Thread(target=load) for _ in range(4)]
        for w in workers:
            w.start()
        time.sleep(0.5)
        registry.promote("next-version")
        deadline = time.monotonic() + 10  # the contract: picked up within 10 seconds
        while time.monotonic() < deadline and (not versions or versions[-1] != "next-version"):
            time.sleep(0.1)
        time.sleep(0.3)
        stop.set()
        for w in workers:
            w.join()
        readyz = client.get("/readyz").json()

    assert before != "next-version" and versions[-1] == "next-version"
    assert statuses and set(statuses) == {200}
    assert versions.index("next-version") > 0  # the switch happened while requests were flowing
    assert readyz["checks"]["model"] == "next-version"

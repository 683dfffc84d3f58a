"""Shared fixtures: real SQLite files in a temporary folder, the real app, the shipped model."""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from service.app import create_app
from service.scoring.scorer import Scorer
from service.settings import Settings


@pytest.fixture(scope="session")
def scorer() -> Scorer:
    """The shipped model, loaded once for the whole run (loading it is the slow part of an app start)."""
    return Scorer.from_dir(None)


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    def make(**overrides: object) -> Settings:
        values: dict[str, object] = {
            "data_dir": tmp_path / "data",
            "secret_key": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        }
        values.update(overrides)
        return Settings(**values)  # type: ignore[arg-type]

    return make


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings()


@pytest.fixture
def client(settings: Settings, scorer: Scorer) -> Iterator[TestClient]:
    with TestClient(create_app(settings, scorer=scorer), base_url="http://127.0.0.1:8000") as c:
        yield c


@pytest.fixture
def browser(settings: Settings, scorer: Scorer) -> Iterator[TestClient]:
    """A client over https, as a browser behind TLS: the session cookie is Secure."""
    with TestClient(create_app(settings, scorer=scorer), base_url="https://moderation.test") as c:
        yield c


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Each test is marked by its folder (unit, integration, e2e), so `pytest -m "not e2e"` is the quick loop."""
    for item in items:
        kind = item.path.parent.name
        if kind in ("unit", "integration", "e2e"):
            item.add_marker(getattr(pytest.mark, kind))

"""Shared fixtures: real SQLite files in a temporary folder, the real app, the shipped model."""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from service.app import create_app
from service.scoring import Scorer
from service.settings import Settings

PROBE_EMAIL = "reader.privacy-probe-7731@example.org"


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


def comment_fields(text: str, **extra: str) -> dict[str, str]:
    fields = {
        "comment_post_ID": "un-vote-2025",
        "comment": text,
        "author": "Jane Reader",
        "email": PROBE_EMAIL,
        "url": "",
    }
    fields.update(extra)
    return fields


def set_default_site(client: TestClient, **changes: object) -> None:
    """Changes the default site's settings through the store of the running app."""
    from dataclasses import replace

    store = client.app.state.services.store  # type: ignore[attr-defined]
    site = client.portal.call(store.default_site)  # type: ignore[union-attr]
    client.portal.call(store.update_site, site.id, replace(site.settings, **changes))  # type: ignore[union-attr]

"""Shared fixtures: real SQLite files in a temporary folder, the real app, the shipped model."""

from __future__ import annotations

import base64
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

import httpx
import pytest
from starlette.testclient import TestClient

from service.app import create_app
from service.scoring import Scorer
from service.settings import Settings
from service.store import NewComment
from service.store.sqlite import utc_now

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


def stored_comment(**fields: object) -> NewComment:
    """A decided comment ready for the store, with plain defaults; tests override what they test."""
    values: dict[str, object] = {
        "site_id": 1,
        "post_id": "p",
        "parent_id": None,
        "author": "Reader",
        "email_enc": None,
        "email_hash": None,
        "avatar_hash": None,
        "url": "",
        "content": "A comment.",
        "content_enc": None,
        "status": "approved",
        "spam_score": 0.1,
        "toxicity_score": 0.1,
        "scores_json": "{}",
        "reasons_json": "[]",
        "model_version": "test",
        "ip": None,
        "user_agent": None,
        "created_at": utc_now(),
    }
    values.update(fields)
    return NewComment(**values)  # type: ignore[arg-type]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(
    folder: Path, db: str, output: IO[str] | int, env: dict[str, str] | None = None
) -> tuple[str, subprocess.Popen[str]]:
    """`python -m service serve` in a real uvicorn process on a free port, once it answers /healthz."""
    port = free_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("COMMENTS_")} | (env or {})
    proc = subprocess.Popen(
        [sys.executable, "-m", "service", "serve", "--port", str(port), "--db", db],
        cwd=folder,
        env=clean,
        stdout=output,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return base, proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    pytest.fail(f"the server on port {port} did not start")

"""Helpers the tests share: comment fields, tokens, sign-in, a real server process. Tests import these
from here, never from one another (pytest's `pythonpath` puts `tests/` on the path)."""

from __future__ import annotations

import contextlib
import io
import itertools
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

import httpx
import pytest
from starlette.testclient import TestClient

from service.cli.main import main
from service.moderation.tokens import new_token, token_hash
from service.runtime.clock import utc_now
from service.settings import Settings
from service.sites.settings import Thresholds
from service.store import NewComment

PROBE_EMAIL = "reader.privacy-probe-7731@example.org"


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
    folder: Path,
    db: str,
    output: IO[str] | int,
    env: dict[str, str] | None = None,
    preexec_fn: Callable[[], None] | None = None,
) -> tuple[str, subprocess.Popen[str]]:
    """`python -m service serve` in a real uvicorn process on a free port, once it answers /healthz.
    `preexec_fn` runs in the child before the server starts (e.g. to lower its open-file limit)."""
    port = free_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("COMMENTS_")} | (env or {})
    proc = subprocess.Popen(
        [sys.executable, "-m", "service", "serve", "--port", str(port), "--db", db],
        cwd=folder,
        env=clean,
        stdout=output,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=preexec_fn,
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


_serial = itertools.count(1)


def make_token(client: TestClient, role: str = "moderator", name: str | None = None) -> str:
    """A live token, stored the way `token create` stores it (only its hash)."""
    store = client.app.state.services.store  # type: ignore[attr-defined]
    token = new_token()
    client.portal.call(store.add_token, name or f"{role}-{next(_serial)}", role, token_hash(token), "test")
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def hold_everything(client: TestClient) -> None:
    """Every score lands in the "a person decides" band and nothing is refused or rate-limited,
    so each posted comment is pending whatever the model thinks of it."""
    set_default_site(
        client,
        spam_thresholds=Thresholds(0.0, 1.0),
        toxicity_thresholds=Thresholds(0.0, 1.0),
        flood_seconds=0.0,
        previously_approved_skips_queue=False,
    )


def post_pending(client: TestClient, text: str | None = None, email: str | None = None, **extra: str) -> int:
    n = next(_serial)
    fields = comment_fields(
        text or f"Comment number {n} on the vote, with a source I can send you.",
        email=email or f"reader{n}@example.net",
        author=extra.pop("author", f"Reader {n}"),
        **extra,
    )
    r = client.post("/comments", json=fields)
    assert r.status_code == 201 and r.json()["status"] == "pending", r.text
    return int(r.json()["id"])


def decide(client: TestClient, token: str, comment_id: int, **body: object) -> tuple[int, dict]:  # type: ignore[type-arg]
    r = client.post(f"/moderation/comments/{comment_id}/decision", json=body, headers=bearer(token))
    return r.status_code, r.json()


def db_rows(settings: Settings, sql: str, *params: object) -> list[tuple]:  # type: ignore[type-arg]
    with sqlite3.connect(settings.db_target) as conn:
        return conn.execute(sql, params).fetchall()


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def sign_in(browser: TestClient, token: str) -> str:
    """Signs in through the form; returns the queue page's HTML."""
    page = browser.get("/moderation/")
    r = browser.post("/moderation/sign-in", data={"token": token, "csrf": csrf_of(page.text)}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return browser.get("/moderation/").text


def holding_database(db: str, role: str, name: str) -> str:
    """A database whose default site holds every comment for a person and never rate-limits, with a
    live token of `role` made by the real CLI; returns the token."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["site", "update", "--default", "--db", db, "--set", "spam_thresholds=0,1"]
                    + ["--set", "toxicity_thresholds=0,1", "--set", "flood_seconds=0"]) == 0  # fmt: skip
        assert main(["token", "create", "--role", role, "--name", name, "--db", db]) == 0
    return out.getvalue().strip().splitlines()[-1]

"""End to end: the README's serve command in a real uvicorn process, talked to over TCP."""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from helpers import PROBE_EMAIL, comment_fields, start_server

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path, subprocess.Popen[str]]]:
    base, proc = start_server(tmp_path, str(tmp_path / "comments.db"), subprocess.PIPE, {"COMMENTS_LOG_FORMAT": "json"})
    yield base, tmp_path, proc
    if proc.poll() is None:
        proc.terminate()
        proc.wait(timeout=20)


def test_a_comment_goes_in_is_decided_stored_and_published(server: tuple[str, Path, subprocess.Popen[str]]) -> None:
    base, data_dir, proc = server
    with httpx.Client(base_url=base, timeout=10) as client:
        r = client.post("/comments", json=comment_fields("Thanks for the clear write-up of the vote."))
        assert r.status_code == 201 and r.json()["status"] == "approved"
        comment_id = r.json()["id"]
        r = client.post(
            "/comments",
            data=comment_fields("Europe will have to lead now."),
            headers={"Accept": "text/html"},
            follow_redirects=False,
        )
        assert r.status_code == 303
        assert comment_id in [c["id"] for c in client.get("/posts/un-vote-2025/comments").json()]
        assert r.headers["x-request-id"]
    # A 201 is durable: stop the server hard and the row is still there.
    proc.kill()
    proc.wait(timeout=10)
    row = (
        sqlite3.connect(data_dir / "comments.db")
        .execute("SELECT status FROM comments WHERE id = ?", (comment_id,))
        .fetchone()
    )
    assert row == ("approved",)
    output = proc.stdout.read() if proc.stdout else ""
    records = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    access = [r for r in records if r["logger"] == "service.access"]
    assert {"/comments", "/posts/{post_id}/comments"} <= {r["path"] for r in access}  # templates, not raw paths
    assert all(r["request_id"] for r in access)
    assert PROBE_EMAIL.split("@")[0] not in output
    # The client's address appears nowhere but in uvicorn's own "running on" banner.
    assert not [r for r in records if "127.0.0.1" in json.dumps(r) and "Uvicorn running" not in r["message"]]
    assert (data_dir / "data" / "secret.key").exists()  # key material made on first start


def test_a_client_that_hangs_up_mid_body_leaves_no_row_and_no_trace(
    server: tuple[str, Path, subprocess.Popen[str]],
) -> None:
    base, data_dir, proc = server
    host, port = base.removeprefix("http://").split(":")
    body = b"comment_post_ID=un-vote-2025&comment=Half+of+a+comm"
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(
            b"POST /comments HTTP/1.1\r\nHost: " + host.encode() + b"\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: " + str(len(body) + 40).encode() + b"\r\n\r\n" + body
        )
        time.sleep(0.3)  # the handler is now waiting for the rest of the body
    # The service goes on answering as before.
    with httpx.Client(base_url=base, timeout=10) as client:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and "499" not in client.get("/metrics").text:
            time.sleep(0.1)
        assert client.post("/comments", json=comment_fields("A whole comment, sent in one go.")).status_code == 201
    proc.terminate()
    proc.wait(timeout=20)
    output = proc.stdout.read() if proc.stdout else ""
    records = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    closed = [r for r in records if r["logger"] == "service.access" and r["status"] == 499]
    assert [r["path"] for r in closed] == ["/comments"]
    assert "Traceback" not in output and not [r for r in records if r["level"] in ("ERROR", "CRITICAL")]
    rows = sqlite3.connect(data_dir / "comments.db").execute("SELECT content FROM comments").fetchall()
    assert rows == [("A whole comment, sent in one go.",)]

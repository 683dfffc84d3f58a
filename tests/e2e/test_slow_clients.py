"""Slow and abusive clients against a real server whose open-file limit is 256 (soft and hard, set
before it starts): 300 connections trickling request headers must not stop a normal request from
being answered in a few seconds, the head deadline closes a trickling connection, and the log stays
a few dozen lines (asyncio's traceback per failed accept is held back to one line per interval).
A body that stops coming is cut off by the body deadline."""

from __future__ import annotations

import resource
import socket
import subprocess
import time
from pathlib import Path

import httpx
from helpers import start_server

OPEN_FILES = 256
SLOW_CONNECTIONS = 300
HEADER_TIMEOUT = 3.0
BODY_TIMEOUT = 3.0
FIELDS = {"comment_post_ID": "p", "comment": "A fine article.", "author": "Reader", "email": "reader@example.net"}


def _low_file_limit() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (OPEN_FILES, OPEN_FILES))


def start_limited_server(folder: Path, log: Path) -> tuple[str, subprocess.Popen[str]]:
    env = {"COMMENTS_HEADER_TIMEOUT": str(HEADER_TIMEOUT), "COMMENTS_BODY_TIMEOUT": str(BODY_TIMEOUT)}
    return start_server(folder, str(folder / "comments.db"), log.open("w"), env, preexec_fn=_low_file_limit)


def open_trickling(port: int, count: int) -> list[socket.socket]:
    sockets = []
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.setblocking(False)
        s.send(b"POST /comments HTTP/1.1\r\nHost: localhost\r\n")
        sockets.append(s)
    return sockets


def trickle(sockets: list[socket.socket]) -> None:
    for s in sockets:
        try:
            s.send(b"X-Slow: 1\r\n")
        except OSError:  # closed by the server: what the limits are for
            pass


def closed_by_server(s: socket.socket, within: float) -> bool:
    s.setblocking(True)
    s.settimeout(within)
    try:
        while s.recv(1024):
            pass
        return True
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


def test_a_crowd_of_slow_connections_does_not_keep_others_out(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    base, proc = start_limited_server(tmp_path, log)
    port = int(base.rsplit(":", 1)[1])
    sockets: list[socket.socket] = []
    try:
        sockets = open_trickling(port, SLOW_CONNECTIONS)
        answered = []
        started = time.monotonic()
        while time.monotonic() - started < 2 * HEADER_TIMEOUT + 2:
            trickle(sockets)
            asked = time.monotonic()
            r = httpx.post(base + "/score", json=FIELDS, timeout=10)
            answered.append((r.status_code, time.monotonic() - asked))
            time.sleep(0.3)
        assert all(status == 200 for status, _ in answered), answered
        assert max(seconds for _, seconds in answered) < 3.0, answered

        # Once the crowd is gone, one trickling connection alone is closed by the head deadline.
        for s in sockets:
            s.close()
        (lone,) = open_trickling(port, 1)
        sockets = [lone]
        assert closed_by_server(lone, within=HEADER_TIMEOUT + 3)

        # A body that stops coming: the application sees a disconnect once the body deadline passes.
        stalled = socket.create_connection(("127.0.0.1", port), timeout=5)
        sockets.append(stalled)
        stalled.sendall(
            b"POST /comments HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            b"Content-Length: 500\r\n\r\n{\"comment\": \"a body that"
        )
        assert closed_by_server(stalled, within=BODY_TIMEOUT + 3)
        assert httpx.get(base + "/healthz", timeout=5).status_code == 200
    finally:
        for s in sockets:
            s.close()
        proc.terminate()
        proc.wait(timeout=30)
    lines = log.read_text().splitlines()
    assert len(lines) < 100, f"{len(lines)} log lines"
    assert not any("Traceback" in line for line in lines), "\n".join(lines)
    assert any("open-file limit 256" in line for line in lines)

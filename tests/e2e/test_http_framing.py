"""Request framing against a real uvicorn process, over raw sockets: a request smuggled behind
`Content-Length` + `Transfer-Encoding` is never answered, and a body over a route's limit is
refused before it is sent (a declared length) or as soon as it passes the limit (chunked)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import start_server

MODERATION_LIMIT = 64 * 1024


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int, Path]]:
    folder = tmp_path_factory.mktemp("framing")
    log_path = folder / "server.log"
    with log_path.open("w") as log:
        base, proc = start_server(folder, str(folder / "comments.db"), log)
        host, port = base.removeprefix("http://").split(":")
        yield host, int(port), log_path
        proc.terminate()
        proc.wait(timeout=20)
    assert "Traceback" not in log_path.read_text()


def connect(server: tuple[str, int, Path]) -> socket.socket:
    sock = socket.create_connection(server[:2], timeout=10)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def read_until_closed(sock: socket.socket, seconds: float = 10) -> bytes:
    """Everything the server sends until it closes the connection (or `seconds` pass)."""
    received = b""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except (TimeoutError, ConnectionResetError):
            break
        if not chunk:
            break
        received += chunk
    return received


def head(status_line_and_headers: bytes) -> tuple[int, dict[str, str]]:
    lines = status_line_and_headers.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), headers


def test_a_request_smuggled_behind_content_length_and_transfer_encoding_is_never_answered(server) -> None:  # type: ignore[no-untyped-def]
    smuggled = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
    for body in (b"0\r\n\r\n" + smuggled, b"5\r\nhello\r\n0\r\n\r\n" + smuggled):
        with connect(server) as sock:
            sock.sendall(
                b"POST /comments HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + f"Content-Length: {len(body)}\r\n".encode()
                + b"Transfer-Encoding: chunked\r\n\r\n"
                + body
            )
            answer = read_until_closed(sock)
        status, headers = head(answer)
        assert status == 400 and headers["connection"] == "close", answer
        assert b"Content-Length or Transfer-Encoding" in answer and headers["x-request-id"]
        assert answer.count(b"HTTP/1.1 ") == 1, answer  # the /healthz behind it got no answer


def test_a_declared_body_over_the_limit_is_refused_before_it_is_sent(server) -> None:  # type: ignore[no-untyped-def]
    for path, declared in (("/moderation/decisions", 50_000_000), ("/comments", 2_000_000)):
        with connect(server) as sock:
            sock.sendall(
                f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                f"Authorization: Bearer nobody\r\nContent-Length: {declared}\r\n\r\n".encode()
            )
            started = time.monotonic()
            answer = read_until_closed(sock, seconds=5)  # not a byte of the body was sent
        status, headers = head(answer)
        assert status == 413 and headers["connection"] == "close", answer
        assert time.monotonic() - started < 2


def test_a_chunked_body_is_cut_off_at_the_limit(server) -> None:  # type: ignore[no-untyped-def]
    chunk = b"token=" + b"x" * 16000
    with connect(server) as sock:
        # The sign-in form is read before anything else is checked.
        sock.sendall(
            b"POST /moderation/sign-in HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        sent = 0
        sock.settimeout(0.2)
        answer = b""
        while sent < 50 * MODERATION_LIMIT and not answer:
            try:
                sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(chunk)
            try:
                answer = sock.recv(65536)
            except TimeoutError:
                continue
        sock.settimeout(5)
        answer += read_until_closed(sock, seconds=5)
    status, headers = head(answer)
    assert status == 413 and headers["connection"] == "close", answer
    assert sent < 4 * MODERATION_LIMIT, sent

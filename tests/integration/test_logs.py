"""JSON log lines: each parses, each request's line carries its request id, and no line carries a
commenter's email, IP address, user agent or text (privacy rule 1)."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import sqlite3
import time
from collections.abc import Callable, Iterator

import pytest
from helpers import PROBE_EMAIL, comment_fields
from starlette.testclient import TestClient

from service.app import create_app
from service.http.logs import (
    JsonFormatter,
    SecondStampFormatter,
    TurnBufferedHandler,
    configure_logging,
    request_id_for,
)
from service.scoring.scorer import Scorer
from service.settings import Settings

PROBE_IP = "192.0.2.77"
PROBE_AGENT = "LogProbe/5.0 (privacy test)"
QUIETED = ("aiosqlite",)
PROBE_TEXT = "Thanks for the clear write-up; the log probe says hello."


@pytest.fixture
def json_logs_at_debug() -> Iterator[Callable[[], list[str]]]:
    """The server's own logging set-up (JSON lines, the most talkative level); gives the lines written."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level, {name: logging.getLogger(name).level for name in QUIETED}
    configure_logging("json", "debug")
    written = io.StringIO()
    (handler,) = root.handlers
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(written)  # the server's handler, writing here instead of to stderr
    try:
        yield lambda: written.getvalue().splitlines()
    finally:
        root.handlers[:], root.level = saved[0], saved[1]
        for name, level in saved[2].items():
            logging.getLogger(name).setLevel(level)
        logging.getLogger("uvicorn.access").disabled = False


def test_json_log_lines_have_request_ids_and_no_personal_data(
    make_settings: Callable[..., Settings], scorer: Scorer, json_logs_at_debug: Callable[[], list[str]]
) -> None:
    settings = make_settings(trusted_proxies="127.0.0.1/32")
    headers = {"User-Agent": PROBE_AGENT, "X-Forwarded-For": PROBE_IP}
    answered_ids = []
    with TestClient(
        create_app(settings, scorer=scorer), base_url="http://127.0.0.1:8000", client=("127.0.0.1", 50000)
    ) as client:
        calls = [
            lambda: client.post("/comments", json=comment_fields(PROBE_TEXT), headers=headers),
            lambda: client.post("/score", json=comment_fields(PROBE_TEXT + " again"), headers=headers),
            lambda: client.post("/comments", data=comment_fields("x", email="not-an-email"), headers=headers),
            lambda: client.post("/comments", json=comment_fields("Mail me: " + PROBE_EMAIL), headers=headers),
            # A request id that is itself an address is not believed: a fresh one replaces it.
            lambda: client.get("/healthz", headers={**headers, "X-Request-ID": PROBE_EMAIL}),
            lambda: client.get("/metrics", headers=headers),
        ]
        for call in calls:
            response = call()
            assert response.status_code < 500
            answered_ids.append(response.headers["x-request-id"])

    lines = json_logs_at_debug()
    entries = [json.loads(line) for line in lines]  # every line is one JSON object
    access = [e for e in entries if e["logger"] == "service.access"]
    assert [e["request_id"] for e in access] == answered_ids
    assert all({"method", "path", "status", "duration_ms"} <= e.keys() for e in access)
    assert PROBE_EMAIL not in answered_ids

    with sqlite3.connect(settings.db_target) as conn:  # the probes were really stored, so could leak
        assert (PROBE_IP, PROBE_AGENT) in conn.execute("SELECT ip, user_agent FROM comments").fetchall()
    everything = "\n".join(lines)
    for secret in (PROBE_EMAIL, PROBE_EMAIL.split("@")[0], PROBE_IP, PROBE_AGENT, "log probe says hello", "Mail me"):
        assert secret not in everything, secret


def test_second_stamp_formatter_writes_what_logging_formatter_writes() -> None:
    fmt = "%(asctime)s %(levelname)s %(name)s: %(message)s"
    standard, cached = logging.Formatter(fmt), SecondStampFormatter(fmt)
    json_lines = JsonFormatter()
    # Several lines within one second, then across second boundaries: the cached text must follow.
    for created in (1_700_000_000.001, 1_700_000_000.5, 1_700_000_000.999, 1_700_000_001.0, 1_700_000_061.25):
        record = logging.LogRecord("service.access", logging.INFO, __file__, 1, "GET %s", ("/healthz",), None)
        record.created, record.msecs = created, (created - int(created)) * 1000
        assert cached.format(record) == standard.format(record)
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(created))
        assert json.loads(json_lines.format(record))["ts"] == f"{stamp}.{int(record.msecs):03d}Z"


def test_new_request_ids_are_random_hex_and_never_repeat() -> None:
    ids = [request_id_for(b"") for _ in range(1000)]  # several draws from os.urandom
    assert all(len(i) == 32 and int(i, 16) >= 0 for i in ids)
    assert len(set(ids)) == len(ids)
    assert request_id_for(b"edge-proxy-42.abc") == "edge-proxy-42.abc"  # a well-formed incoming id is kept
    assert request_id_for(b"bad id!") not in ("bad id!", *ids)


class CountingStream(io.StringIO):
    """A stream that counts its write calls."""

    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def write(self, text: str) -> int:
        self.writes += 1
        return super().write(text)


def test_lines_logged_in_one_loop_turn_are_written_together_at_its_end() -> None:
    stream = CountingStream()
    handler = TurnBufferedHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger("tests.turn_buffered")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("outside a loop")
        assert stream.getvalue() == "outside a loop\n" and stream.writes == 1

        async def burst() -> str:
            for i in range(3):
                logger.warning("in the loop %d", i)
            kept = stream.getvalue()
            await asyncio.sleep(0)  # the end of this turn
            return kept

        assert asyncio.run(burst()) == "outside a loop\n"
        assert stream.getvalue().splitlines() == ["outside a loop", "in the loop 0", "in the loop 1", "in the loop 2"]
        assert stream.writes == 2
        logger.warning("outside again")
        assert stream.getvalue().endswith("outside again\n") and stream.writes == 3
    finally:
        logger.removeHandler(handler)


def test_lines_kept_for_a_loop_that_closed_are_written_by_the_next_loop() -> None:
    stream = CountingStream()
    handler = TurnBufferedHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    record = logging.LogRecord("tests", logging.INFO, __file__, 0, "%s", ("first",), None)
    abandoned = asyncio.new_event_loop()

    def log_in_the_last_turn() -> None:  # a line logged in a turn that never ends...
        handler.handle(record)
        abandoned.stop()  # (the write is due at the next turn, which does not come)

    abandoned.call_soon(log_in_the_last_turn)
    abandoned.run_forever()
    abandoned.close()  # ...its write callback dropped
    assert stream.getvalue() == ""

    async def later() -> None:
        handler.handle(logging.LogRecord("tests", logging.INFO, __file__, 0, "%s", ("second",), None))
        await asyncio.sleep(0)

    asyncio.run(later())
    assert stream.getvalue() == "first\nsecond\n"

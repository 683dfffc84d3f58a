"""Log lines a crowd causes are held back to one per interval, without a traceback; JSON times are UTC."""

from __future__ import annotations

import asyncio
import errno
import io
import json
import logging
import sys
import time

from service.http.logs import ACCEPT_ERROR, JsonFormatter, OncePerInterval, configure_logging


def accept_error_record() -> logging.LogRecord:
    """The record asyncio's default exception handler makes for a failed accept()."""
    try:
        raise OSError(errno.EMFILE, "Too many open files")
    except OSError:
        exc_info = sys.exc_info()
    message = f"{ACCEPT_ERROR}\nsocket: <asyncio.TransportSocket fd=6>"
    return logging.LogRecord("asyncio", logging.ERROR, "base_events.py", 1, message, None, exc_info)


def test_accept_errors_pass_once_per_interval_without_a_traceback() -> None:
    held_back = OncePerInterval((ACCEPT_ERROR,), interval=60.0)
    first = accept_error_record()
    assert held_back.filter(first)
    assert first.getMessage() == f"{ACCEPT_ERROR}: OSError Too many open files"
    assert first.exc_info is None and first.exc_text is None
    assert not any(held_back.filter(accept_error_record()) for _ in range(5_000))
    other = logging.LogRecord("asyncio", logging.ERROR, "x.py", 1, "Task exception was never retrieved", None, None)
    assert held_back.filter(other) and other.getMessage() == "Task exception was never retrieved"


def test_the_next_line_after_the_interval_counts_what_was_held_back() -> None:
    held_back = OncePerInterval((ACCEPT_ERROR,), interval=0.05)
    assert held_back.filter(accept_error_record())
    for _ in range(3):
        assert not held_back.filter(accept_error_record())
    time.sleep(0.06)
    later = accept_error_record()
    assert held_back.filter(later)
    assert "(3 more held back in the last 0 s)" in later.getMessage()


def test_asyncio_itself_logs_one_line_per_interval_through_the_filter() -> None:
    """asyncio's own exception handler, called as it is on each failed accept(): one line passes."""
    logger = logging.getLogger("asyncio")
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    keep, held_back = Keep(), OncePerInterval((ACCEPT_ERROR,))
    logger.addHandler(keep)
    logger.addFilter(held_back)
    loop = asyncio.new_event_loop()
    try:
        for _ in range(2_048):
            loop.call_exception_handler(
                {"message": ACCEPT_ERROR, "exception": OSError(errno.EMFILE, "Too many open files")}
            )
    finally:
        loop.close()
        logger.removeHandler(keep)
        logger.removeFilter(held_back)
    assert lines == [f"{ACCEPT_ERROR}: OSError Too many open files"]


def test_json_times_are_utc() -> None:
    record = logging.LogRecord("t", logging.INFO, "x.py", 1, "hello", None, None)
    record.created, record.msecs = 1_700_000_000.25, 250.0  # 2023-11-14 22:13:20.250 UTC
    assert json.loads(JsonFormatter().format(record))["ts"] == "2023-11-14T22:13:20.250Z"


def test_the_server_log_holds_back_what_a_crowd_makes_uvicorn_say() -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    configure_logging("text", "info")
    written = io.StringIO()
    (handler,) = root.handlers
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(written)
    try:
        for _ in range(1_000):
            logging.getLogger("uvicorn.error").warning("Invalid HTTP request received.")
            logging.getLogger("uvicorn.error").warning("Exceeded concurrency limit.")
        logging.getLogger("uvicorn.error").info("Shutting down")
        handler.flush()
    finally:
        root.handlers[:], root.level = saved
        logging.getLogger("uvicorn.access").disabled = False
        for name in ("asyncio", "uvicorn.error", "service.http.connections"):
            logger = logging.getLogger(name)
            logger.filters[:] = [f for f in logger.filters if not isinstance(f, OncePerInterval)]
    lines = written.getvalue().splitlines()
    assert len(lines) == 3 and lines[-1].endswith("Shutting down"), lines

"""Logging: plain text or JSON lines, each request with an id; never a person's data.

Nothing here logs an IP address, user agent, email or comment text: the access log line carries
the method, route path, status, duration and request id only.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import sys
import time
from typing import Any, TextIO

from service.runtime.random_pool import random_pool

access_log = logging.getLogger("service.access")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# asyncio's report of a failed accept() (EMFILE: the open-file limit), once per this many seconds.
ACCEPT_ERROR_INTERVAL_SECONDS = 30.0
ACCEPT_ERROR = "socket.accept() out of system resource"
# service/http/connections.py's reports: as many as the crowd that causes them, so once per interval too.
CONNECTION_LIMIT = "connection limit reached"
SLOW_CLIENT = "slow client"
# uvicorn's warnings, one per request: over `limit_concurrency`, and a request h11 cannot parse.
UVICORN_BUSY = "Exceeded concurrency limit."
UVICORN_BAD_REQUEST = "Invalid HTTP request received."


class SecondStampFormatter(logging.Formatter):
    """`logging.Formatter` whose date-and-time text is made once per second, not once per line.

    Every request logs a line, and `localtime` + `strftime` are about half the cost of formatting
    it; within one second the text is the same, so only the milliseconds are added per line.
    Handlers format under their lock, so the cache needs none of its own.
    """

    def __init__(self, fmt: str | None = None, datefmt: str | None = None) -> None:
        super().__init__(fmt, datefmt)
        self._stamp_key: tuple[int, str | None] | None = None
        self._stamp = ""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        key = (int(record.created), datefmt)
        if key != self._stamp_key:
            self._stamp = time.strftime(datefmt or self.default_time_format, self.converter(record.created))
            self._stamp_key = key
        if datefmt or not self.default_msec_format:
            return self._stamp
        return self.default_msec_format % (self._stamp, record.msecs)


class TurnBufferedHandler(logging.StreamHandler):
    """`logging.StreamHandler` that writes the lines logged in one turn of the event loop together.

    Every request logs an access line, and stderr is line-buffered: a write system call per line,
    which costs 15-30 µs of the event loop's time per comment while the disk is busy with the
    store's commits (a burst's answers all go out, and log, in the same turn). In a running event
    loop, lines are kept until the end of the current turn and written in one call; a line logged
    outside one (a thread, start-up, shutdown) is written at once, after any kept lines, as
    `StreamHandler` does. `flush` (also called by `logging.shutdown`) writes the kept lines.
    """

    def __init__(self, stream: TextIO | None = None) -> None:
        super().__init__(stream)
        self._kept: list[str] = []
        # The loop whose turn will write the kept lines. Another loop (a closed one never ran its
        # callback) schedules its own write, so no line waits for a turn that will not come.
        self._due: asyncio.AbstractEventLoop | None = None

    def emit(self, record: logging.LogRecord) -> None:
        # Called with the handler's lock held (Handler.handle).
        try:
            line = self.format(record) + self.terminator
            self._kept.append(line)
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:  # outside a running loop: a thread, start-up, shutdown
                loop = None
            if loop is None:
                self.flush()
            elif loop is not self._due:
                self._due = loop
                loop.call_soon(self.flush)
        except RecursionError:
            raise
        except Exception:
            self.handleError(record)

    def flush(self) -> None:
        self.acquire()
        try:
            self._due = None
            if self._kept:
                lines, self._kept = "".join(self._kept), []
                self.stream.write(lines)
            super().flush()
        except OSError:
            # A closed or broken stream: drop the lines rather than raise into the event loop, whose
            # report of the error would be logged, and so kept and flushed, here again.
            self._kept = []
        finally:
            self.release()


class JsonFormatter(SecondStampFormatter):
    """One JSON object per line; `ts` is UTC, as its `Z` says."""

    converter = time.gmtime

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("request_id", "method", "path", "status", "duration_ms"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["error"] = record.exc_info[0].__name__ if record.exc_info[0] else "error"
        return json.dumps(entry, ensure_ascii=False)


class OncePerInterval(logging.Filter):
    """Lets one record of a kind through per `interval` seconds, without its traceback.

    A kind is a message prefix. The passed record tells how many of its kind were held back since
    the last one passed. asyncio reports every failed `accept()` (the open-file limit reached) with
    a traceback, and retries the whole listen backlog each time: thousands of records a second,
    each telling the same thing.
    """

    def __init__(self, prefixes: tuple[str, ...], interval: float = ACCEPT_ERROR_INTERVAL_SECONDS) -> None:
        super().__init__()
        self.prefixes = prefixes
        self.interval = interval
        self._passed_at: dict[str, float] = {}
        self._held: dict[str, int] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        kind = next((p for p in self.prefixes if message.startswith(p)), None)
        if kind is None:
            return True
        now = time.monotonic()
        passed_at = self._passed_at.get(kind)
        if passed_at is not None and now - passed_at < self.interval:
            self._held[kind] = self._held.get(kind, 0) + 1
            return False
        held = self._held.pop(kind, 0)
        self._passed_at[kind] = now
        error = record.exc_info[1] if record.exc_info else None
        cause = f": {type(error).__name__} {getattr(error, 'strerror', '') or error}" if error else ""
        record.msg = f"{message.splitlines()[0]}{cause}"
        if held:
            record.msg += f" ({held} more held back in the last {now - (passed_at or now):.0f} s)"
        record.args = None
        record.exc_info = record.exc_text = None
        return True


def configure_logging(fmt: str = "text", level: str = "info") -> None:
    handler = TurnBufferedHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(SecondStampFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # uvicorn's own access log prints the client's address: ours replaces it.
    logging.getLogger("uvicorn.access").disabled = True
    # One line per interval when the open-file limit stops accept(), not a traceback per attempt.
    asyncio_log = logging.getLogger("asyncio")
    asyncio_log.filters[:] = [f for f in asyncio_log.filters if not isinstance(f, OncePerInterval)]
    asyncio_log.addFilter(OncePerInterval((ACCEPT_ERROR,)))
    # The same for what a crowd of clients makes uvicorn and our connection guard say, line by line.
    for name, prefixes in (
        ("service.http.connections", (CONNECTION_LIMIT, SLOW_CLIENT)),
        ("uvicorn.error", (UVICORN_BUSY, UVICORN_BAD_REQUEST)),
    ):
        logger = logging.getLogger(name)
        logger.filters[:] = [f for f in logger.filters if not isinstance(f, OncePerInterval)]
        logger.addFilter(OncePerInterval(prefixes))
    # aiosqlite's debug lines print every statement's parameters (IPs, user agents, keyed hashes):
    # never below info, whatever the service's level.
    logging.getLogger("aiosqlite").setLevel(max(root.level, logging.INFO))
    # Neither format shows thread or process names; looking them up costs a few microseconds per line
    # (the multiprocessing one is there because scikit-learn imports multiprocessing).
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False


def request_id_for(incoming: bytes) -> str:
    """A well-formed `X-Request-ID` is kept (it ties our line to a proxy's); anything else is replaced."""
    if incoming:
        text = incoming.decode("latin-1")
        if _REQUEST_ID.match(text):
            return text
    return _new_request_id()


def _new_request_id() -> str:
    """32 random hex digits, the shape of `uuid4().hex`. Random, not a counter: an id in every answer
    must not tell a client how many requests the service has had."""
    return random_pool.take(16).hex()


def log_access(request_id: str, method: str, path: str, status: int, duration_ms: float) -> None:
    """The request's one access line. `path` must be a route template, never the raw path.

    Built with `makeRecord` + `handle` rather than `info()`: that skips `findCaller`'s walk up the
    stack for a source line no format shows (and that is the same for every request). Levels,
    filters and handlers apply exactly as for `info()`.
    """
    if not access_log.isEnabledFor(logging.INFO):
        return
    record = access_log.makeRecord(
        access_log.name,
        logging.INFO,
        __file__,
        0,
        "%s %s %d %.1fms",
        (method, path, status, duration_ms),
        None,
        extra={
            "request_id": request_id,
            "method": method,
            "path": path,
            "status": status,
            "duration_ms": round(duration_ms, 2),
        },
    )
    access_log.handle(record)

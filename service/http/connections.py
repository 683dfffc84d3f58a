"""Slow and abusive clients: deadlines for the request head and body, and a cap on connections.

uvicorn closes idle keep-alive connections (`timeout_keep_alive`) but gives a client all the time
it likes to send a request head or body, and accepts connections until the process runs out of
file descriptors, after which nobody is served. `guarded_protocol` is uvicorn's h11 protocol with
three additions, built on its public hooks (`connection_made`, `data_received`,
`on_response_complete`, `connection_lost`) and h11's public connection state:

- a request head must be complete within `header_timeout` seconds of the connection opening or of
  the previous answer, and a body within `body_timeout` seconds of its head; past that the
  connection is closed (the application, if it was reading the body, sees a disconnect);
- at most `max_connections` connections are open. One more evicts the connection that has waited
  longest for a request head (an idle keep-alive connection or a client trickling its headers),
  so a slow crowd cannot keep out a client that sends its request at once; when every connection
  is busy with a request, the newcomer is answered 503 with `Retry-After` and closed;
- `max_connections` by default stays below the open-file limit (`connection_limit`), which
  `raise_open_file_limit` lifts to the hard limit at start, so `accept()` keeps working.

Each connection has at most one timer, armed for the deadline of what it waits for; a request that
arrives whole in one read (the usual comment) only has its phase start time noted.
"""

from __future__ import annotations

import asyncio
import json
import logging
import resource
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from service.http.logs import CONNECTION_LIMIT, SLOW_CLIENT, request_id_for

log = logging.getLogger(__name__)

# File descriptors kept for everything but client connections: the SQLite files of three
# connections, the log, the model, the listening socket, the event loop's selector, threads' pipes.
RESERVED_FILES = 64
# The soft open-file limit is raised to the hard one, but not past this (an unlimited hard limit).
MAX_OPEN_FILES = 1 << 20


def raise_open_file_limit() -> int:
    """Lifts this process's soft open-file limit to its hard limit; returns the limit in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = MAX_OPEN_FILES if hard == resource.RLIM_INFINITY else min(hard, MAX_OPEN_FILES)
    if soft == resource.RLIM_INFINITY or soft >= wanted:
        return MAX_OPEN_FILES if soft == resource.RLIM_INFINITY else soft
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    except (ValueError, OSError):  # a container may forbid it: the soft limit stands
        return soft
    return wanted


def connection_limit(open_files: int) -> int:
    """Client connections that fit under `open_files`: an eighth (at least `RESERVED_FILES`) stays free."""
    return max(1, open_files - max(RESERVED_FILES, open_files // 8))


def _busy_answer() -> bytes:
    body = json.dumps({"errors": {"server": "too many connections; try again shortly"}}).encode()
    head = (
        "HTTP/1.1 503 Service Unavailable\r\n"
        "content-type: application/json\r\n"
        f"content-length: {len(body)}\r\n"
        "retry-after: 1\r\n"
        "connection: close\r\n"
        f"x-request-id: {request_id_for(b'')}\r\n\r\n"
    )
    return head.encode("latin-1") + body


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with head and body deadlines and a connection cap (see the module)."""

    header_timeout: float = 10.0
    body_timeout: float = 30.0
    max_connections: int = 1000

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # When the client's side entered its current h11 state (waiting for a head, sending a body).
        self.phase_started = 0.0
        self.deadline_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.phase_started = self.loop.time()
        if len(self.connections) > self.max_connections and not self._evict_one():
            log.warning("%s (%d): answering 503", CONNECTION_LIMIT, self.max_connections)
            transport.write(_busy_answer())
            transport.close()
            return
        self._arm()

    def data_received(self, data: bytes) -> None:
        before = self.conn.their_state
        super().data_received(data)
        if self.conn.their_state is not before:
            self.phase_started = self.loop.time()
            if self.deadline_timer is None:
                self._arm()

    def on_response_complete(self) -> None:
        before = self.conn.their_state
        super().on_response_complete()
        if self.conn.their_state is not before:
            self.phase_started = self.loop.time()
        if self.deadline_timer is None:
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.deadline_timer is not None:
            self.deadline_timer.cancel()
            self.deadline_timer = None
        super().connection_lost(exc)

    # -- deadlines ----------------------------------------------------------------------------

    def _limit(self) -> float | None:
        """The time allowed for what the client is sending now; None while the application has the request."""
        state = self.conn.their_state
        if state is h11.IDLE:
            return self.header_timeout
        if state is h11.SEND_BODY:
            return self.body_timeout
        return None

    def _arm(self) -> None:
        limit = self._limit()
        if limit is not None and not self.transport.is_closing():
            self.deadline_timer = self.loop.call_at(self.phase_started + limit, self._check_deadline)

    def _check_deadline(self) -> None:
        self.deadline_timer = None
        limit = self._limit()
        if limit is None or self.transport.is_closing():
            return  # `on_response_complete` arms the next deadline
        if self.loop.time() >= self.phase_started + limit:
            what = "request head" if self.conn.their_state is h11.IDLE else "request body"
            log.info("%s: no complete %s within %g s; connection closed", SLOW_CLIENT, what, limit)
            self.transport.close()
            return
        self._arm()  # the client moved on to another phase meanwhile: its own deadline

    # -- the connection cap ---------------------------------------------------------------------

    def _evict_one(self) -> bool:
        """Closes the connection that has waited longest for a request head; False if none is waiting."""
        oldest: GuardedH11Protocol | None = None
        for other in self.connections:
            if (
                other is not self
                and isinstance(other, GuardedH11Protocol)
                and other.conn.their_state is h11.IDLE
                and not other.transport.is_closing()
                and (oldest is None or other.phase_started < oldest.phase_started)
            ):
                oldest = other
        if oldest is None:
            return False
        log.info("%s (%d): closed the connection waiting longest for a request", CONNECTION_LIMIT, self.max_connections)
        oldest.transport.close()
        return True


def guarded_protocol(header_timeout: float, body_timeout: float, max_connections: int) -> type[GuardedH11Protocol]:
    """A `GuardedH11Protocol` class with these limits, for uvicorn's `http` option."""
    return type(
        "GuardedH11Protocol",
        (GuardedH11Protocol,),
        {"header_timeout": header_timeout, "body_timeout": body_timeout, "max_connections": max_connections},
    )

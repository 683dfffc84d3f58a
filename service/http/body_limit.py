"""How large a request body each route takes, and the cut-off applied while it streams in.

The edge (service/http/edge.py) refuses a declared `Content-Length` over the route's limit before
the handler runs, so nothing of such a body is read. A chunked body declares no length: its bytes
are counted as they arrive, and the first chunk past the limit raises `BodyTooLarge` inside
whatever is reading it (a form parser, `request.body()`), so at most `limit` bytes are ever held.
"""

from __future__ import annotations

from starlette.types import Message, Receive

# The moderators' routes take a decision, a bulk of at most 200 ids or a sign-in form: a few KB.
MODERATION_BODY_BYTES = 64 * 1024


class BodyTooLarge(Exception):
    """The request body passed the route's limit while it was being read."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the request body is larger than {limit} bytes")
        self.limit = limit


def route_body_limit(path: str, max_body_bytes: int) -> int:
    """The largest body `path` accepts: `max_body_bytes` (the operator's setting) for comments and
    Akismet's routes, less for the moderators' small forms and JSON."""
    if path.startswith("/moderation"):
        return min(MODERATION_BODY_BYTES, max_body_bytes)
    return max_body_bytes


def limited_receive(receive: Receive, limit: int) -> Receive:
    """`receive`, raising `BodyTooLarge` as soon as the body's bytes pass `limit`."""
    received = 0

    async def receive_within_limit() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise BodyTooLarge(limit)
        return message

    return receive_within_limit

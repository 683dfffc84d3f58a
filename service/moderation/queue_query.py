"""The review queue's filters, orderings and cursors, read from a query string.

Pagination is by cursor (keyset), not offset: while moderators decide, comments leave the queue
and new ones arrive, and an offset would skip or repeat comments. A cursor holds the ordering key
of the last comment shown (its score or creation time, and its id as the tie-breaker) and is
opaque to clients.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from service.http.client_json import loads_client_json
from service.http.numbers import whole_number
from service.store.records import DEFAULT_LIMIT, ORDERS, STATUSES, QueueFilter, QueueQuery
from service.store.records import QueueItem as QueueItem

ORDER_ALIASES = {"age": "oldest", "-age": "newest", "score_desc": "score", "-score": "score_asc"}
MAX_LIMIT = 200
MAX_FILTER_CHARS = 200
# SQLite's INTEGER is a signed 64-bit number.
SQLITE_INT = 2**63


@dataclass(frozen=True)
class Cursor:
    """Where the previous page ended: the ordering key and id of its last comment."""

    order: str
    key: float | str
    id: int

    def encode(self) -> str:
        raw = json.dumps([self.order, self.key, self.id], separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor | None:
        try:
            decoded = loads_client_json(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        except (ValueError, binascii.Error):
            return None
        # A cursor is our own `[order, key, id]`; anything else a client made up is no cursor.
        if not isinstance(decoded, list) or len(decoded) != 3:
            return None
        order, key, last_id = decoded
        if not isinstance(order, str) or order not in ORDERS:
            return None
        if isinstance(last_id, bool) or not isinstance(last_id, int) or not isinstance(key, int | float | str):
            return None
        if not all(-SQLITE_INT <= n < SQLITE_INT for n in (last_id, key) if isinstance(n, int)):
            return None  # a made-up cursor: SQLite could not bind the number
        return cls(order=order, key=key, id=last_id)


def parse_queue_query(
    params: Mapping[str, str], site_ids_by_name: Mapping[str, int]
) -> tuple[QueueQuery, dict[str, str]]:
    """The query (site, post, status, reason, order, cursor, limit) and an error per bad field."""
    errors: dict[str, str] = {}
    status = params.get("status") or "pending"
    if status not in STATUSES:
        errors["status"] = f"must be one of {', '.join(STATUSES)}"
    site: int | None = None
    raw_site = (params.get("site") or "").strip()
    if raw_site:
        if (site_id := whole_number(raw_site)) is not None:
            site = site_id
        elif raw_site in site_ids_by_name:
            site = site_ids_by_name[raw_site]
        else:
            errors["site"] = "must be a site id or name"
    post = (params.get("post") or "").strip() or None
    reason = (params.get("reason") or "").strip() or None
    for name, value in (("post", post), ("reason", reason)):
        if value is not None and len(value) > MAX_FILTER_CHARS:
            errors[name] = f"must be at most {MAX_FILTER_CHARS} characters"
    order = params.get("order") or "oldest"
    order = ORDER_ALIASES.get(order, order)
    if order not in ORDERS:
        errors["order"] = f"must be one of {', '.join(ORDERS)}"
    limit = DEFAULT_LIMIT
    raw_limit = params.get("limit") or ""
    if raw_limit:
        if (number := whole_number(raw_limit)) is not None and 1 <= number <= MAX_LIMIT:
            limit = number
        else:
            errors["limit"] = f"must be a whole number from 1 to {MAX_LIMIT}"
    after = None
    if params.get("cursor"):
        after = Cursor.decode(params["cursor"])
        if after is None or after.order != order:
            errors["cursor"] = "is not a cursor of this ordering; start again without it"
    query = QueueQuery(QueueFilter(status=status, site=site, post=post, reason=reason), order, after, limit)
    return query, errors


def next_cursor(order: str, last: Any, page_size: int, limit: int) -> str | None:
    """The cursor after `last` (an item with `score`, `created_at` and `id`), if the page was full."""
    if page_size < limit or last is None:
        return None
    column, _ = ORDERS[order]
    key = last.score if column == "score" else last.created_at
    return Cursor(order=order, key=key, id=last.id).encode()

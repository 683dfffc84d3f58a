"""JSON a client sent (a comment, a moderator's decisions, a queue cursor), decoded to what the
rest of the service can store and answer with.

`json.loads` turns the escape "\\ud800" into a lone surrogate: a `str` Python holds but UTF-8
cannot encode, so SQLite, the keyed hashes and our own JSON answers would each fail on it later.
It is refused here, at the door, as text that is not Unicode.
"""

from __future__ import annotations

import json
from typing import Any


class NotUnicodeText(ValueError):
    """The JSON decodes, but holds a lone surrogate escape."""


def loads_client_json(raw: str | bytes) -> Any:
    """`json.loads(raw)`; raises ValueError (JSONDecodeError or NotUnicodeText) for what we cannot use."""
    data = json.loads(raw)
    # Only a \\u escape can make a surrogate, and only one of \\ud800-\\udfff: most bodies skip the walk.
    escape = b"\\u" if isinstance(raw, bytes) else "\\u"
    if escape in raw and not _encodable(data):
        raise NotUnicodeText("the JSON holds a lone surrogate escape such as \\ud800, which is not text")
    return data


def _encodable(value: Any) -> bool:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, dict):
        return all(_encodable(k) and _encodable(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_encodable(v) for v in value)
    return True

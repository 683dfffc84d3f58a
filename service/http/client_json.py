"""JSON a client sent (a comment, a moderator's decisions, a queue cursor), decoded to what the
rest of the service can store and answer with.

Two kinds of valid JSON are refused at the door:

- Nesting deeper than `MAX_DEPTH`. The decoder and every walk over its result recurse once per
  level, so `[[[[...` a few thousand deep raises `RecursionError` inside them. The depth is
  measured on the bytes before decoding, by a loop that keeps a counter instead of recursing.
- Lone surrogates. `json.loads` turns the escape "\\ud800" into a `str` Python holds but UTF-8
  cannot encode, so SQLite, the keyed hashes and our own JSON answers would each fail on it later.
"""

from __future__ import annotations

import json
import re
from typing import Any

# Our deepest body is a Perspective request (`{"requestedAttributes": {"TOXICITY": {}}}`, 3 levels);
# 32 leaves room for clients' extra fields and stays far below Python's recursion limit.
MAX_DEPTH = 32

# A JSON string, escapes included; an unclosed one runs to the end of the body (which is then no JSON
# the decoder accepts). Possessive quantifiers never backtrack, and as no match fails after reading
# on, no two attempts read the same bytes: one pass over the body, however it is built.
_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+(?:"|\\?\Z)', re.DOTALL)
_OPENERS = (b"[", b"{")
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


class NotUnicodeText(ValueError):
    """The JSON decodes, but holds a lone surrogate escape."""


class TooDeeplyNested(ValueError):
    """Arrays and objects nested deeper than `MAX_DEPTH`."""


def nesting_depth_exceeds(raw: bytes, limit: int = MAX_DEPTH) -> bool:
    """Whether the JSON text `raw` nests arrays and objects more than `limit` deep.

    Brackets inside strings do not count. Invalid JSON gets an answer too; the decoder refuses it next.
    """
    if sum(raw.count(opener) for opener in _OPENERS) <= limit:
        return False  # too few brackets to be too deep: the usual body stops here
    brackets = _STRING.sub(b"", raw).translate(None, _NOT_BRACKETS)
    depth = 0
    for byte in brackets:
        if byte in b"[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def loads_client_json(raw: str | bytes) -> Any:
    """`json.loads(raw)`; raises ValueError (JSONDecodeError, TooDeeplyNested or NotUnicodeText)
    for what we cannot use."""
    as_bytes = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    if nesting_depth_exceeds(as_bytes):
        raise TooDeeplyNested(f"the JSON nests arrays and objects more than {MAX_DEPTH} deep")
    data = json.loads(raw)
    # Only a \\u escape can make a surrogate, and only one of \\ud800-\\udfff: most bodies skip the walk.
    if b"\\u" in as_bytes and not _encodable(data):
        raise NotUnicodeText("the JSON holds a lone surrogate escape such as \\ud800, which is not text")
    return data


def client_json_problem(exc: ValueError, not_json: str = "the body is not valid JSON in UTF-8") -> str:
    """What to tell the client about a body `loads_client_json` refused; `not_json` for anything
    but nesting (a lone surrogate is not UTF-8 either)."""
    if isinstance(exc, TooDeeplyNested):
        return f"the body is JSON nested more than {MAX_DEPTH} deep"
    return not_json


def _encodable(value: Any) -> bool:
    # Recursion is safe here: the depth was checked before decoding.
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

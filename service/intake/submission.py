"""Parsing a "Leave a Reply" submission: form-urlencoded, multipart or JSON, into plain fields.

The body is read with a size cap before any parser sees it, so a huge post costs us at most
`max_body_bytes` of memory and answers 413 instead of exhausting the process (the edge,
service/http/edge.py, has already refused a declared length over it). Every JSON value is checked
for its type before use: a field is a string, a number or null, never an object or a list.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass
from urllib.parse import parse_qsl

from starlette.datastructures import Headers, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request

from service.http.body_limit import BodyTooLarge
from service.http.client_json import client_json_problem, loads_client_json
from service.http.numbers import whole_number

FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
JSON = "application/json"
MAX_FIELDS = 100  # a WordPress comment form has about ten
# Fields that may repeat, or be a JSON list of strings: their values are joined by commas.
LIST_FIELDS = frozenset({"comment_context", "comment_context[]"})


class SubmissionError(Exception):
    """A submission we cannot read at all; `status` is the HTTP answer (413, 415 or 422)."""

    def __init__(self, status: int, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.status = status
        self.errors = errors


@dataclass(frozen=True)
class RawSubmission:
    """The fields as sent, every value a string (absent fields are absent)."""

    fields: dict[str, str]
    content_type: str


async def read_body(request: Request, limit: int) -> bytes:
    declared = whole_number(request.headers.get("content-length", ""))
    if declared is not None and declared > limit:
        raise SubmissionError(413, {"body": f"the request body is larger than {limit} bytes"})
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:  # a chunked body has no Content-Length to trust
                raise BodyTooLarge(limit)
            chunks.append(chunk)
    except BodyTooLarge as exc:  # ours, or the edge's cut-off at the route's limit
        raise SubmissionError(413, {"body": str(exc)}) from None
    return b"".join(chunks)


async def parse_submission(request: Request, limit: int) -> RawSubmission:
    """Reads the fields of a comment submission, whatever the body's encoding."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in (FORM, MULTIPART, JSON):
        raise SubmissionError(415, {"content_type": f"use {FORM}, {MULTIPART} or {JSON}"})
    body = await read_body(request, limit)
    if media_type == JSON:
        return RawSubmission(_json_fields(body), media_type)
    return RawSubmission(await _form_fields(request.headers, body, media_type, limit), media_type)


def _json_fields(body: bytes) -> dict[str, str]:
    try:
        data = loads_client_json(body.decode("utf-8"))
    except ValueError as exc:  # UnicodeDecodeError, JSONDecodeError, TooDeeplyNested and NotUnicodeText alike
        raise SubmissionError(422, {"body": client_json_problem(exc)}) from None
    if not isinstance(data, dict):
        raise SubmissionError(422, {"body": "the body must be a JSON object of fields"})
    fields: dict[str, str] = {}
    errors: dict[str, str] = {}
    for name, value in data.items():
        if value is None:
            continue
        if name in LIST_FIELDS and isinstance(value, list) and all(isinstance(v, str) for v in value):
            value = ",".join(value)
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            errors[str(name)] = "must be a string"
            continue
        fields[str(name)] = str(value)
    if errors:
        raise SubmissionError(422, errors)
    return fields


async def _form_fields(headers: Headers, body: bytes, media_type: str, limit: int) -> dict[str, str]:
    async def stream() -> AsyncGenerator[bytes, None]:
        yield body
        yield b""

    if media_type == FORM:
        # The body is already in memory: the standard library's parse_qsl decodes it as Starlette's
        # FormParser does (latin-1, then percent-decoding as UTF-8 with replacement) at a third of the
        # cost of the streaming parser's per-byte callbacks.
        try:
            items = parse_qsl(
                body.decode("latin-1"),
                keep_blank_values=True,
                encoding="utf-8",
                errors="replace",
                max_num_fields=MAX_FIELDS,
            )
        except ValueError:
            raise SubmissionError(422, {"body": "the form could not be read: too many fields"}) from None
        return _checked_fields(items, body)
    try:
        form = await MultiPartParser(headers, stream(), max_files=0, max_fields=MAX_FIELDS, max_part_size=limit).parse()
    except MultiPartException as exc:
        raise SubmissionError(422, {"body": f"the form could not be read: {exc.message}"}) from None
    # A comment form has no file fields.
    fields = _checked_fields([(k, v) for k, v in form.multi_items() if not isinstance(v, UploadFile)], body)
    await form.close()
    return fields


def _checked_fields(items: list[tuple[str, str]], body: bytes) -> dict[str, str]:
    fields: dict[str, str] = {}
    for name, value in items:
        if "\ufffd" in value and "\ufffd".encode() not in body:
            raise SubmissionError(422, {name: "is not valid UTF-8"})
        if name in LIST_FIELDS and fields.get(name):
            # Akismet and WordPress repeat `comment_context[]` once per tag.
            value = f"{fields[name]},{value}"
        fields[name] = value
    return fields

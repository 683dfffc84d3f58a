"""The service's HTTP interface as an OpenAPI 3.1 document, served at `GET /openapi.json`.

Written by hand, as data: every public and moderator route with its parameters, request bodies
and answers, described closely enough that a client generator or a fuzzer (tests/integration/
test_fuzz_openapi.py) can build requests from it alone. A test checks that every route the app
registers appears here (tests/integration/test_openapi.py).
"""

from __future__ import annotations

from typing import Any

from service.intake.form_token import HONEYPOT_FIELD, TOKEN_FIELD
from service.intake.validation import (
    MAX_AUTHOR_CHARS,
    MAX_EMAIL_CHARS,
    MAX_PERMALINK_CHARS,
    MAX_POST_ID_CHARS,
    MAX_TITLE_CHARS,
    MAX_URL_CHARS,
)

FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
JSON = "application/json"
HTML = "text/html"
TEXT = "text/plain"

STATUSES = ["pending", "approved", "spam", "trash"]
DECISIONS = ["approve", "reject", "spam", "not_spam"]
REJECT_REASONS = ["toxic", "off-topic", "other"]
ORDERS = ["oldest", "newest", "score", "score_asc", "age", "-age", "score_desc", "-score"]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": schema}}}


def _errors(description: str) -> dict[str, Any]:
    return _json(_ref("Errors"), description)


def _page(description: str) -> dict[str, Any]:
    return {"description": description, "content": {HTML: {"schema": {"type": "string"}}}}


def _text(description: str, values: list[str] | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    if values:
        schema["enum"] = values
    return {"description": description, "content": {TEXT: {"schema": schema}}}


def _query(name: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema or _STRING}


def _path(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "description": description, "schema": schema}


_STRING: dict[str, Any] = {"type": "string"}
_SITE_KEY_HEADER = {
    "name": "X-Site-Key",
    "in": "header",
    "required": False,
    "description": "The site's key (`site add` prints it); the default site needs none.",
    "schema": _STRING,
}
_SITE_KEY_QUERY = _query("site_key", "The site's key, for clients that cannot send X-Site-Key.")
_COMMENT_ID = _path(
    "comment_id", "A comment's id: 1 to 18 digits.", {"type": "integer", "minimum": 1, "maximum": 10**18 - 1}
)
_POST_ID = _path(
    "post_id",
    "The article's id as the site names it.",
    {"type": "string", "minLength": 1, "maxLength": MAX_POST_ID_CHARS},
)
_BEARER = [{"bearerAuth": []}]
_SESSION = [{"moderationSession": []}]
_NOT_SIGNED_IN = {"description": "Not signed in: back to the sign-in form (`Location: /moderation/`)."}

_COMMENT_FIELDS: dict[str, Any] = {
    "type": "object",
    "description": 'The fields of WordPress\'s "Leave a Reply" form.',
    "required": ["comment_post_ID", "comment"],
    "properties": {
        "comment_post_ID": {
            "type": "string",
            "maxLength": MAX_POST_ID_CHARS,
            "description": "The article the comment belongs to: letters, digits, '.', '_', '~' or '-'.",
        },
        "comment": {"type": "string", "description": "The comment: 1 to 65,525 bytes of UTF-8 after trimming."},
        "author": {
            "type": "string",
            "maxLength": MAX_AUTHOR_CHARS,
            "description": "Required unless the site turns it off.",
        },
        "email": {
            "type": "string",
            "maxLength": MAX_EMAIL_CHARS,
            "description": "Required unless the site turns it off; never published.",
        },
        "url": {"type": "string", "maxLength": MAX_URL_CHARS, "description": "The author's website: http or https."},
        "comment_parent": {"type": "string", "description": "An approved comment on the same post; empty or 0: none."},
        "wp-comment-cookies-consent": {"type": "string", "description": "Remember name and website in cookies."},
        "comment_post_title": {"type": "string", "maxLength": MAX_TITLE_CHARS},
        "permalink": {"type": "string", "maxLength": MAX_PERMALINK_CHARS, "description": "The article's URL."},
        "comment_context": {"type": "string", "description": "Tags or categories, comma-separated."},
        "site_key": {"type": "string", "description": "The site's key, when X-Site-Key cannot be sent."},
        TOKEN_FIELD: {"type": "string", "description": "The signed form token (`GET /form-token`)."},
        HONEYPOT_FIELD: {"type": "string", "description": "Left empty by people; a bot fills it."},
    },
}

_COMMENT_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        FORM: {"schema": _ref("CommentFields")},
        MULTIPART: {"schema": _ref("CommentFields")},
        JSON: {"schema": _ref("CommentFields")},
    },
}

_AKISMET_FIELDS: dict[str, Any] = {
    "type": "object",
    "description": "Akismet's form fields; `api_key` is a site key of this service.",
    "required": ["api_key"],
    "properties": {
        "api_key": {"type": "string"},
        "blog": {"type": "string", "description": "The site's URL."},
        "user_ip": {"type": "string"},
        "user_agent": {"type": "string"},
        "referrer": {"type": "string"},
        "permalink": {"type": "string"},
        "comment_type": {"type": "string", "description": "comment, reply, forum-post, contact-form..."},
        "comment_author": {"type": "string"},
        "comment_author_email": {"type": "string"},
        "comment_author_url": {"type": "string"},
        "comment_content": {"type": "string"},
        "comment_context": {"type": "string"},
        "blog_lang": {"type": "string"},
        "blog_charset": {"type": "string"},
        "is_test": {"type": "string"},
    },
}

_DECISION: dict[str, Any] = {
    "type": "object",
    "required": ["decision"],
    "properties": {
        "decision": {"type": "string", "enum": DECISIONS},
        "reason": {
            "type": "string",
            "enum": REJECT_REASONS,
            "description": "Required with `reject`, refused otherwise.",
        },
        "expected_status": {
            "type": "string",
            "enum": STATUSES,
            "description": "The status the moderator saw (default pending; spam for not_spam): 409 if it changed.",
        },
    },
}

_QUEUE_PARAMETERS = [
    _query("site", "A site's id or name."),
    _query("post", "An article's id.", {"type": "string", "maxLength": 200}),
    _query(
        "status",
        "Which comments: pending (the default), approved, spam or trash.",
        {"type": "string", "enum": STATUSES},
    ),
    _query(
        "reason",
        "Only comments held for this reason (`links>2`, `spam_score`...).",
        {"type": "string", "maxLength": 200},
    ),
    _query("order", "oldest (the default), newest, score or score_asc.", {"type": "string", "enum": ORDERS}),
    _query("cursor", "The `next_cursor` of the previous page."),
    _query("limit", "Comments per page: 1 to 200 (default 50).", {"type": "integer", "minimum": 1, "maximum": 200}),
]

_SCORES = {
    "type": "object",
    "properties": {"spam": {"type": ["number", "null"]}, "toxicity": {"type": ["number", "null"]}},
    "additionalProperties": {"type": ["number", "null"]},
}

SCHEMAS: dict[str, Any] = {
    "Errors": {
        "type": "object",
        "required": ["errors"],
        "properties": {"errors": {"type": "object", "additionalProperties": {"type": "string"}}},
        "description": 'Every failing field named at once: `{"errors": {"<field>": "<message>"}}`.',
    },
    "CommentFields": _COMMENT_FIELDS,
    "AkismetFields": _AKISMET_FIELDS,
    "Scores": _SCORES,
    "CommentCreated": {
        "type": "object",
        "required": ["id", "post_id", "status", "scores", "reasons", "model_version"],
        "properties": {
            "id": {"type": "integer"},
            "post_id": {"type": "string"},
            "status": {"type": "string", "enum": ["approved", "pending", "spam"]},
            "scores": _ref("Scores"),
            "reasons": {"type": "array", "items": {"type": "string"}},
            "model_version": {"type": "string"},
        },
    },
    "Scored": {
        "type": "object",
        "required": ["status", "scores", "reasons", "model_version"],
        "properties": {
            "status": {"type": "string", "enum": ["approved", "pending", "spam"]},
            "scores": _ref("Scores"),
            "reasons": {"type": "array", "items": {"type": "string"}},
            "model_version": {"type": "string"},
        },
    },
    "PublicComment": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "parent": {"type": "integer"},
            "author": {"type": "string"},
            "url": {"type": "string"},
            "avatar": {"type": ["string", "null"]},
            "content": {"type": "string"},
            "created_at": {"type": "string"},
        },
    },
    "Decision": _DECISION,
    "BulkDecisions": {
        "oneOf": [
            {
                "type": "object",
                "required": ["ids", "decision"],
                "properties": {
                    "ids": {"type": "array", "items": {"type": "integer", "minimum": 1}, "maxItems": 200},
                    **_DECISION["properties"],
                },
            },
            {
                "type": "object",
                "required": ["items"],
                "properties": {
                    "items": {
                        "type": "array",
                        "maxItems": 200,
                        "items": {
                            "type": "object",
                            "required": ["id", "decision"],
                            "properties": {"id": {"type": "integer", "minimum": 1}, **_DECISION["properties"]},
                        },
                    }
                },
            },
        ]
    },
    "DecisionOutcome": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "outcome": {"type": "string", "enum": ["done", "conflict", "not_found"]},
            "from_status": {"type": ["string", "null"]},
            "status": {"type": ["string", "null"]},
        },
    },
    "QueueItem": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "site": {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}},
            "post_id": {"type": "string"},
            "parent_id": {"type": ["integer", "null"]},
            "author": {"type": "string"},
            "email": {"type": ["string", "null"], "description": "Masked: j•••@example.com."},
            "url": {"type": "string"},
            "content": {"type": "string"},
            "status": {"type": "string", "enum": STATUSES},
            "score": {"type": "number"},
            "scores": _ref("Scores"),
            "reasons": {"type": "array", "items": {"type": "string"}},
            "model_version": {"type": ["string", "null"]},
            "created_at": {"type": "string"},
            "updated_at": {"type": ["string", "null"]},
            "author_history": {"type": "object", "additionalProperties": {"type": ["integer", "boolean"]}},
        },
    },
    "Queue": {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": _ref("QueueItem")},
            "count": {"type": "integer"},
            "order": {"type": "string"},
            "next_cursor": {"type": ["string", "null"]},
        },
    },
}


def _comment_answers(created: bool) -> dict[str, Any]:
    answers: dict[str, Any] = {
        "403": _errors("`site_key`: not a known site key."),
        "413": _errors("The body is larger than the limit (`--max-body-bytes`)."),
        "415": _errors("Not form-urlencoded, multipart or JSON."),
        "422": _errors("The failing fields, each named."),
    }
    if created:
        answers["201"] = _json(_ref("CommentCreated"), "Stored, with the decision.")
        answers["303"] = {"description": "A browser's form post: back to the article, or to the awaiting page."}
        answers["409"] = _errors("The same comment again.")
        answers["429"] = _errors("Flooding: wait `Retry-After` seconds.")
    else:
        answers["200"] = _json(_ref("Scored"), "What /comments would decide; nothing is stored.")
    return answers


def _akismet(summary: str, answers: list[str], fields: str = "AkismetFields") -> dict[str, Any]:
    return {
        "post": {
            "tags": ["akismet"],
            "summary": summary,
            "requestBody": {
                "required": True,
                "content": {FORM: {"schema": _ref(fields)}, JSON: {"schema": _ref(fields)}},
            },
            "responses": {
                "200": _text("Akismet's answer (`invalid` with `X-akismet-debug-help` for a bad key).", answers),
                "413": {
                    "description": "The body is too large: JSON when its Content-Length says so, else Akismet's text.",
                    "content": {JSON: {"schema": _ref("Errors")}, TEXT: {"schema": _STRING}},
                },
                "415": _text("Not a form."),
                "422": _text("The form could not be read."),
            },
        }
    }


def _moderation_action(summary: str, body: dict[str, Any] | None = None, answer: str = "Done.") -> dict[str, Any]:
    operation: dict[str, Any] = {
        "tags": ["moderation"],
        "summary": summary,
        "security": _BEARER,
        "parameters": [_COMMENT_ID],
        "responses": {
            "200": {"description": answer, "content": {JSON: {"schema": {"type": "object"}}}},
            "401": _errors("No live token."),
            "403": _errors("The role may not do this."),
            "404": _errors("No such comment."),
            "429": _errors("Too many failed attempts from this address: wait `Retry-After` seconds."),
        },
    }
    if body is not None:
        operation["requestBody"] = {"required": True, "content": {JSON: {"schema": body}}}
        operation["responses"]["409"] = _json(_ref("DecisionOutcome"), "Someone decided first: the status it has now.")
        operation["responses"]["413"] = _errors("The body is too large.")
        operation["responses"]["422"] = _errors("The failing fields, each named.")
    return {"post": operation}


def _page_form(summary: str, properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {
        "post": {
            "tags": ["moderation page"],
            "summary": summary,
            "security": _SESSION,
            "requestBody": {
                "required": True,
                "content": {FORM: {"schema": {"type": "object", "required": required, "properties": properties}}},
            },
            "responses": {
                "303": {"description": "Back to the queue, with a note of what was done."},
                "403": {"description": "The role may not do this.", "content": {HTML: {"schema": _STRING}, TEXT: {}}},
                "429": _page("Too many failed sign-ins from this address: wait `Retry-After` seconds."),
            },
        }
    }


PATHS: dict[str, Any] = {
    "/comments": {
        "post": {
            "tags": ["comments"],
            "summary": "Submit a comment",
            "parameters": [_SITE_KEY_HEADER],
            "requestBody": _COMMENT_BODY,
            "responses": _comment_answers(created=True),
        }
    },
    "/score": {
        "post": {
            "tags": ["comments"],
            "summary": "Score a comment without storing it",
            "parameters": [_SITE_KEY_HEADER],
            "requestBody": _COMMENT_BODY,
            "responses": _comment_answers(created=False),
        }
    },
    "/posts/{post_id}/comments": {
        "get": {
            "tags": ["comments"],
            "summary": "The approved comments of an article: what may be published",
            "parameters": [_POST_ID, _SITE_KEY_HEADER, _SITE_KEY_QUERY],
            "responses": {
                "200": _json({"type": "array", "items": _ref("PublicComment")}, "Oldest first."),
                "403": _errors("`site_key`: not a known site key."),
            },
        }
    },
    "/form-token": {
        "get": {
            "tags": ["comments"],
            "summary": "A signed form token, for a site that renders its own comment form",
            "parameters": [_SITE_KEY_HEADER, _SITE_KEY_QUERY],
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "properties": {
                            TOKEN_FIELD: _STRING,
                            "token_field": _STRING,
                            "honeypot_field": _STRING,
                        },
                    },
                    "Put the token and an empty honeypot field in the form.",
                ),
                "403": _errors("`site_key`: not a known site key."),
            },
        }
    },
    "/": {
        "get": {
            "tags": ["pages"],
            "summary": 'The demo article with its comments and a "Leave a Reply" form',
            "parameters": [_query("replytocom", "The comment being replied to.")],
            "responses": {"200": _page("The article.")},
        }
    },
    "/articles/{post_id}": {
        "get": {
            "tags": ["pages"],
            "summary": "An article page of the default site with its approved comments",
            "parameters": [_POST_ID, _query("replytocom", "The comment being replied to.")],
            "responses": {"200": _page("The article.")},
        }
    },
    "/awaiting-moderation": {
        "get": {
            "tags": ["pages"],
            "summary": "The page a browser's held comment is sent to",
            "parameters": [_query("site", "The site's id."), _query("post", "The article's id.")],
            "responses": {"200": _page("Your comment is awaiting moderation.")},
        }
    },
    "/avatars/{avatar}.svg": {
        "get": {
            "tags": ["pages"],
            "summary": "A commenter's identicon, drawn from the keyed avatar hash",
            "parameters": [
                _path("avatar", "32 lower-case hex digits.", {"type": "string", "pattern": "^[0-9a-f]{32}$"})
            ],
            "responses": {
                "200": {"description": "The picture.", "content": {"image/svg+xml": {"schema": _STRING}}},
                "404": {"description": "Not an avatar hash."},
            },
        }
    },
    "/static/{file}": {
        "get": {
            "tags": ["pages"],
            "summary": "The pages' style sheets and scripts",
            "parameters": [_path("file", "A file name.", {"type": "string", "minLength": 1})],
            "responses": {"200": {"description": "The file."}, "404": {"description": "No such file."}},
        }
    },
    "/1.1/verify-key": _akismet("Akismet: is `key` a site key?", ["valid", "invalid"], "AkismetKey"),
    "/1.1/comment-check": _akismet("Akismet: is this comment spam?", ["true", "false", "invalid"]),
    "/1.1/submit-spam": _akismet("Akismet: a spam report, kept as a training label", []),
    "/1.1/submit-ham": _akismet("Akismet: a ham report, kept as a training label", []),
    "/healthz": {
        "get": {
            "tags": ["operations"],
            "summary": "The process answers",
            "responses": {"200": _json({"type": "object"}, '`{"status": "ok"}`')},
        }
    },
    "/readyz": {
        "get": {
            "tags": ["operations"],
            "summary": "The store answers and a model is loaded",
            "responses": {
                "200": _json({"type": "object"}, "Ready, with each check."),
                "503": _json({"type": "object"}, "Not ready, with the failing check."),
            },
        }
    },
    "/metrics": {
        "get": {
            "tags": ["operations"],
            "summary": "Prometheus metrics",
            "responses": {"200": _text("The text exposition format.")},
        }
    },
    "/openapi.json": {
        "get": {
            "tags": ["operations"],
            "summary": "This document",
            "responses": {"200": _json({"type": "object"}, "OpenAPI 3.1.")},
        }
    },
    "/moderation/queue": {
        "get": {
            "tags": ["moderation"],
            "summary": "The review queue, filtered, ordered and paged by cursor",
            "security": _BEARER,
            "parameters": _QUEUE_PARAMETERS,
            "responses": {
                "200": _json(_ref("Queue"), "One page of the queue."),
                "401": _errors("No live token."),
                "422": _errors("The failing parameters, each named."),
                "429": _errors("Too many failed attempts from this address: wait `Retry-After` seconds."),
            },
        }
    },
    "/moderation/decisions": {
        "post": {
            "tags": ["moderation"],
            "summary": "Decide many comments at once; each decision stands alone",
            "security": _BEARER,
            "requestBody": {"required": True, "content": {JSON: {"schema": _ref("BulkDecisions")}}},
            "responses": {
                "200": _json({"type": "object"}, "`results`: what happened to each; counts per outcome."),
                "401": _errors("No live token."),
                "403": _errors("The role may not decide."),
                "413": _errors("The body is too large."),
                "422": _errors("The failing fields, each named (`items[3].decision`)."),
                "429": _errors("Too many failed attempts from this address: wait `Retry-After` seconds."),
            },
        }
    },
    "/moderation/audit": {
        "get": {
            "tags": ["moderation"],
            "summary": "The audit trail, newest first (admin)",
            "security": _BEARER,
            "parameters": [
                _query("comment", "Only entries about this comment.", {"type": "integer", "minimum": 1}),
                _query("limit", "1 to 1000 (default 100).", {"type": "integer", "minimum": 1, "maximum": 1000}),
            ],
            "responses": {
                "200": _json({"type": "object"}, "`items`: the entries."),
                "401": _errors("No live token."),
                "403": _errors("Only an admin reads the audit trail."),
                "422": _errors("The failing parameters, each named."),
                "429": _errors("Too many failed attempts from this address: wait `Retry-After` seconds."),
            },
        }
    },
    "/moderation/comments/{comment_id}": {
        "get": {
            "tags": ["moderation"],
            "summary": "One comment for a moderator: the queue item, IP and user agent while kept, its decisions",
            "security": _BEARER,
            "parameters": [_COMMENT_ID],
            "responses": {
                "200": _json(_ref("QueueItem"), "The comment."),
                "401": _errors("No live token."),
                "404": _errors("No such comment."),
                "429": _errors("Too many failed attempts from this address: wait `Retry-After` seconds."),
            },
        }
    },
    "/moderation/comments/{comment_id}/decision": _moderation_action(
        "Decide one comment", _ref("Decision"), "The decision's outcome."
    ),
    "/moderation/comments/{comment_id}/reveal-email": _moderation_action(
        "The author's email in clear (admin); the reveal is recorded", answer='`{"id", "email"}`.'
    ),
    "/moderation/comments/{comment_id}/ban-author": _moderation_action(
        "Send the author's next comments on this site to spam"
    ),
    "/moderation/comments/{comment_id}/unban-author": _moderation_action("Lift the author's ban"),
    "/moderation/": {
        "get": {
            "tags": ["moderation page"],
            "summary": "The moderators' page: the sign-in form, or the queue once signed in",
            "parameters": [
                *_QUEUE_PARAMETERS,
                _query("at", "The item the keyboard cursor is on."),
                _query("done", "How many comments the last action changed."),
                _query("action", "The last action."),
                _query("conflicts", "How many were decided by someone else first."),
                _query("missing", "How many no longer exist."),
                _query(
                    "problem",
                    "What stopped the last action.",
                    {"type": "string", "enum": ["reason", "nothing", "no_email", "csrf"]},
                ),
            ],
            "responses": {"200": _page("The sign-in form or the queue.")},
        }
    },
    "/moderation/sign-in": {
        "post": {
            "tags": ["moderation page"],
            "summary": "Trade a token for a session cookie",
            "requestBody": {
                "required": True,
                "content": {
                    FORM: {
                        "schema": {
                            "type": "object",
                            "required": ["token", "csrf"],
                            "properties": {"token": _STRING, "csrf": _STRING},
                        }
                    }
                },
            },
            "responses": {
                "303": {"description": "Signed in: to the queue."},
                "401": _page("The token is unknown or revoked."),
                "403": _page("The sign-in form expired."),
                "429": _page("Too many failed sign-ins from this address: wait `Retry-After` seconds."),
            },
        }
    },
    "/moderation/sign-out": {
        **_page_form("End the session", {"csrf": _STRING}, ["csrf"]),
    },
    "/moderation/act": _page_form(
        "A button of the queue page: one item's (`one=ID:decision`) or a bulk one (`decision` on `ids`)",
        {
            "csrf": _STRING,
            "one": {
                "type": "string",
                "description": "`ID:approve`, `ID:reject`, `ID:spam`, `ID:not_spam`, `ID:ban`...",
            },
            "decision": {"type": "string", "enum": [*DECISIONS, "ban", "unban", "reveal"]},
            "ids": {"type": "array", "items": {"type": "integer", "minimum": 1}, "maxItems": 200},
            "reason": {"type": "string", "enum": REJECT_REASONS},
            "back": {"type": "string", "description": "The queue's filters to return to."},
            "at": {"type": "string"},
        },
        ["csrf"],
    ),
}

SCHEMAS["AkismetKey"] = {
    "type": "object",
    "required": ["key"],
    "properties": {"key": _STRING, "blog": _STRING},
}


def openapi_document(version: str) -> dict[str, Any]:
    """The whole document; `version` is the service's."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Comment moderation service",
            "version": version,
            "description": "WordPress-style comment intake, Akismet-compatible checks, a moderator queue.",
        },
        "paths": PATHS,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A moderator's or admin's token (`python -m service token create`).",
                },
                "moderationSession": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "moderation_session",
                    "description": "The page's session cookie, set by `POST /moderation/sign-in`.",
                },
            },
        },
    }

"""No input gets a 500: schemathesis builds requests for every operation of `GET /openapi.json`,
both fitting the document (positive) and breaking it (negative: wrong types, missing fields, odd
headers), and sends them to the real app in-process, with an admin's token, a signed-in
moderator's session and a site key so the authenticated paths are reached too.

Fixed seed, a bounded number of examples per operation and mode; over 10,000 requests in all.
The run fails on any 5xx answer and on any log line carrying a stack trace. A failure prints the
request as a curl command to replay it.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Iterator
from typing import Any

import hypothesis
import hypothesis.errors
import pytest
import schemathesis
import schemathesis.python.asgi
from helpers import bearer, csrf_of, hold_everything, make_token, post_pending, sign_in
from hypothesis import HealthCheck, Phase
from starlette.testclient import TestClient

from service.app import create_app
from service.moderation.sessions import SESSION_COOKIE
from service.scoring.scorer import Scorer
from service.settings import Settings

SEED = 20261205
EXAMPLES = 215  # per operation and mode; about 10,500 requests in all
MIN_REQUESTS = 10_000
MODES = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)


# Values of every JSON type, for the fields schemathesis fills with the type the document names.
ODD_VALUES = [None, True, 0, -1, 2**64, 1.5, 1e308, "", "x" * 300, [], [1], ["approve"], {}, {"a": 1}, [[[]]]]


def confuse_types(body: Any, pick: random.Random) -> None:
    """Gives one field of a JSON body (or of an object in one of its lists) a value of another JSON
    type: the document says what a field is, and a handler must check it before use."""
    targets = [body] + [item for value in body.values() if isinstance(value, list) for item in value]
    targets = [t for t in targets if isinstance(t, dict) and t]
    if targets:
        target = pick.choice(targets)
        target[pick.choice(list(target))] = pick.choice(ODD_VALUES)


class TraceCatcher(logging.Handler):
    """Keeps every log record that carries a stack trace, from any logger."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.traced: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info or record.stack_info or "Traceback" in text:
            self.traced.append(f"{record.name}: {text[:300]}")


@pytest.fixture
def credentials(settings: Settings, scorer: Scorer) -> dict[str, Any]:
    """A store with comments to decide, an admin token, a site key and a signed-in session, made
    through a first app on the same files as the fuzzed one."""
    with TestClient(create_app(settings, scorer=scorer), base_url="https://moderation.test") as setup:
        hold_everything(setup)
        ids = [post_pending(setup) for _ in range(40)]
        store = setup.app.state.services.store  # type: ignore[attr-defined]
        site_key = "fuzz-site-key-" + "k" * 20
        held = setup.portal.call(store.default_site).settings  # type: ignore[union-attr]
        setup.portal.call(store.add_site, "fuzzed", "https://fuzz.example", site_key, held)  # type: ignore[union-attr]
        admin = make_token(setup, "admin")
        page = sign_in(setup, make_token(setup, "admin"))
        session = setup.cookies.get(SESSION_COOKIE)
    return {"ids": ids, "admin": admin, "site_key": site_key, "session": session, "csrf": csrf_of(page)}


@pytest.fixture
def trace_catcher() -> Iterator[TraceCatcher]:
    catcher = TraceCatcher()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(catcher)
    root.setLevel(logging.INFO)
    yield catcher
    root.removeHandler(catcher)
    root.setLevel(old_level)


def test_no_request_built_from_the_openapi_document_gets_a_5xx_or_a_stack_trace(
    make_settings: Any, scorer: Scorer, credentials: dict[str, Any], trace_catcher: TraceCatcher
) -> None:
    # The fuzzed app takes any number of wrong tokens: the guess limit would otherwise turn the
    # rest of the run into 429s (it is tested on its own in test_auth_limits.py).
    app = create_app(make_settings(auth_failures_per_minute=0), scorer=scorer)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    pick = random.Random(SEED)
    sent = 0
    failures: list[str] = []
    started = time.monotonic()

    def send(case: schemathesis.Case) -> None:
        nonlocal sent
        headers = {**bearer(credentials["admin"])}
        if pick.random() < 0.5:
            headers["X-Site-Key"] = credentials["site_key"]
        if "comment_id" in (case.path_parameters or {}) and pick.random() < 0.5:
            case.path_parameters["comment_id"] = pick.choice(credentials["ids"])  # type: ignore[index]
        if isinstance(case.body, dict) and "csrf" in case.body and pick.random() < 0.7:
            case.body["csrf"] = credentials["csrf"]
        if isinstance(case.body, dict) and case.media_type == "application/json" and pick.random() < 0.5:
            confuse_types(case.body, pick)
        try:
            response = case.call(headers=headers, cookies={SESSION_COOKIE: credentials["session"]})
        except Exception as exc:  # the app raised through the in-process client: a 500 in a server
            failures.append(f"{type(exc).__name__}: {exc}\n{case.as_curl_command()}")
            return
        sent += 1
        if response.status_code >= 500:
            failures.append(f"{response.status_code} {response.text[:200]}\n{case.as_curl_command()}")

    try:
        for result in schema.get_all_operations():
            operation = result.ok()
            for mode in MODES:
                strategy = operation.as_strategy(generation_mode=mode)

                @hypothesis.seed(SEED)
                @hypothesis.settings(
                    max_examples=EXAMPLES,
                    database=None,
                    deadline=None,
                    phases=[Phase.generate],  # no shrinking: every request counts once, the run stays bounded
                    suppress_health_check=list(HealthCheck),
                )
                @hypothesis.given(case=strategy)
                def fuzz(case: schemathesis.Case) -> None:
                    send(case)

                before, clock = sent, time.monotonic()
                try:
                    fuzz()
                except hypothesis.errors.Unsatisfiable:
                    # Nothing to break: an operation without parameters or body has no negative case.
                    assert mode == schemathesis.GenerationMode.NEGATIVE, operation.label
                print(f"{operation.label} {mode}: {sent - before} in {time.monotonic() - clock:.1f} s")
    finally:
        # The in-process client keeps an app's lifespan (store, model watch) running until told.
        schemathesis.python.asgi.shutdown_lifespans()
    seconds = time.monotonic() - started
    print(f"fuzzed {sent} requests in {seconds:.0f} s")  # the figure docs/security.md quotes (run with -s)
    assert failures == [], "\n\n".join(failures[:10])
    assert trace_catcher.traced == [], trace_catcher.traced[:10]
    assert sent >= MIN_REQUESTS


def test_the_trace_catcher_sees_a_logged_stack_trace(trace_catcher: TraceCatcher) -> None:
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logging.getLogger("service.app").exception("unhandled")
    logging.getLogger("service.access").info("GET /healthz 200")
    assert trace_catcher.traced == ["service.app: unhandled"]

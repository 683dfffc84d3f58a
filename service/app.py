"""The application factory: `create_app(settings)` builds one independent service, no globals."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from model.registry import ModelRegistry
from service.http.client_ip import parse_trusted_proxies
from service.http.edge import EdgeMiddleware, client_gone
from service.http.metrics import Metrics, metrics_endpoint, route_template
from service.http.security_headers import EVERY_ANSWER
from service.intake.flood import FloodGuard
from service.intake.form_token import FormTokens
from service.moderation.guesses import GuessLimit
from service.moderation.sessions import Sessions
from service.privacy.email_vault import EmailVault, derive_key, load_or_create_master_key
from service.privacy.retention import start_daily_purge, stop_daily_purge
from service.runtime.heap import freeze_heap
from service.scoring.model_watch import start_model_watch, stop_model_watch
from service.scoring.scorer import Scorer
from service.services import Services
from service.settings import Settings
from service.store import make_store
from service.store.errors import WriteHealth, unavailable_reason
from service.views import akismet, comments, health, moderation_api, moderation_pages, openapi, pages, posts

log = logging.getLogger(__name__)
TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"


def create_app(settings: Settings, scorer: Scorer | None = None, owns_process: bool = False) -> Starlette:
    """Builds the service. A preloaded `scorer` lets tests share one loaded model between apps.

    `owns_process`: the app is the only one in its process (`serve`), so it may tune the garbage
    collector for it (see service/runtime/heap.py); tests building many apps leave it off.
    """
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    master_key = load_or_create_master_key(settings.secret_key, settings.data_dir)
    vault = EmailVault(master_key)
    form_tokens = FormTokens(derive_key(master_key, b"form-token"))
    trusted_proxies = parse_trusted_proxies(settings.trusted_proxies)
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    if settings.retention_days < 0:
        raise ValueError("--retention-days: must be 0 or more")
    metrics = Metrics()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        store = make_store(settings.db_target)
        await store.open()
        # An explicit --model-dir pins the model; otherwise the registry's CURRENT version is
        # served (the shipped model until one is promoted) and followed while running.
        registry = ModelRegistry(settings.model_registry_dir)
        loaded = scorer or Scorer.from_dir(settings.model_dir or registry.current_path())
        on_switch = freeze_heap if owns_process else None
        watcher = (
            None if settings.model_dir else start_model_watch(loaded, registry, settings.model_poll_seconds, on_switch)
        )
        log.info("model %s loaded; store %s open", loaded.version, type(store).__name__)
        app.state.services = Services(
            settings=settings,
            store=store,
            scorer=loaded,
            vault=vault,
            templates=templates,
            form_tokens=form_tokens,
            flood=FloodGuard(),
            trusted_proxies=trusted_proxies,
        )
        # Privacy rule 6 without cron: purge old IP addresses and user agents daily.
        purger = start_daily_purge(store, settings.retention_days, on_purged=metrics.purged.inc)
        app.state.retention_task = purger
        if owns_process:
            freeze_heap()  # the model and the app are loaded: out of every later collection
        try:
            yield
        finally:
            await stop_model_watch(watcher)
            await stop_daily_purge(purger)  # before the store closes under it
            await store.close()

    routes = [
        # The router tries routes in order: the busiest first (every path here is distinct).
        Route("/comments", comments.submit_comment, methods=["POST"]),
        Route("/", pages.home, methods=["GET"]),
        Route("/articles/{post_id}", pages.article, methods=["GET"]),
        Route("/awaiting-moderation", pages.awaiting_moderation, methods=["GET"]),
        Route("/avatars/{avatar}.svg", pages.avatar, methods=["GET"]),
        Route("/score", comments.score_comment, methods=["POST"]),
        Route("/form-token", pages.form_token, methods=["GET"]),
        Route("/posts/{post_id}/comments", posts.list_comments, methods=["GET"]),
        Route("/healthz", health.healthz, methods=["GET"]),
        Route("/1.1/verify-key", akismet.verify_key, methods=["POST"]),
        Route("/1.1/comment-check", akismet.comment_check, methods=["POST"]),
        Route("/1.1/submit-spam", akismet.submit_spam, methods=["POST"]),
        Route("/1.1/submit-ham", akismet.submit_ham, methods=["POST"]),
        Route("/readyz", health.readyz, methods=["GET"]),
        Route("/metrics", metrics_endpoint, methods=["GET"]),
        Route("/openapi.json", openapi.openapi, methods=["GET"]),
        *moderation_api.ROUTES,
        *moderation_pages.ROUTES,
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
    ]
    app = Starlette(
        routes=routes,
        # One middleware for request ids, CORS, metrics and the access log (see service/http/edge.py).
        middleware=[Middleware(EdgeMiddleware, metrics=metrics, max_body_bytes=settings.max_body_bytes)],
        exception_handlers={
            HTTPException: _http_error,
            ClientDisconnect: client_gone,
            sqlite3.Error: _store_error,
            Exception: _server_error,
        },
        lifespan=lifespan,
    )
    app.state.metrics = metrics
    # What `/readyz` asks whether the store can write (a SQLite file; a server database answers for itself).
    sqlite_file = None if settings.db_target.startswith(("postgres://", "postgresql://")) else settings.db_target
    app.state.write_health = WriteHealth(sqlite_file.removeprefix("sqlite:///") if sqlite_file else None)
    app.state.sessions = Sessions(derive_key(master_key, b"moderation-session"))
    app.state.guesses = GuessLimit(settings.auth_failures_per_minute)
    return app


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return JSONResponse({"errors": {"request": exc.detail}}, status_code=exc.status_code, headers=exc.headers)


async def _server_error(request: Request, exc: Exception) -> Response:
    # Never a stack trace to the client; the request id ties the answer to the log line.
    # The route's template, as the access line has it: a raw path can be any length, and hold anything.
    log.error("unhandled %s on %s", type(exc).__name__, route_template(request.scope))
    request_id = getattr(request.state, "request_id", "")
    # This answer is sent from outside the edge middleware, so it carries the edge's headers itself.
    headers = {"X-Request-ID": request_id, **{k.decode(): v.decode() for k, v in EVERY_ANSWER}}
    return JSONResponse(
        {"errors": {"server": f"internal error (request {request_id})"}}, status_code=500, headers=headers
    )


# Seconds a client is asked to wait when the store cannot write: a full disk or a read-only
# file system is an operator's fix, and a locked database a moment's wait.
STORE_RETRY_AFTER_SECONDS = 5


async def _store_error(request: Request, exc: Exception) -> Response:
    """A store error: 503 with `Retry-After` and one log line when it passes by itself (a full disk,
    a read-only database, an I/O error, a lock held too long); any other is left to `_server_error`.

    Registered for `sqlite3.Error`, so it runs inside the edge middleware (request id, access line)
    and the connection stays usable; nothing was committed, so no 201 went out for it.
    """
    reason = unavailable_reason(exc)
    if reason is None:
        raise exc  # a fault of ours: the 500 of any unhandled error
    request.app.state.write_health.failed(reason)
    log.warning(
        "store unavailable (%s: %s) on %s %s: answered 503",
        reason,
        type(exc).__name__,
        request.method,
        route_template(request.scope),
    )
    return JSONResponse(
        {"errors": {"store": f"the store cannot write right now ({reason}); try again shortly"}},
        status_code=503,
        headers={"Retry-After": str(STORE_RETRY_AFTER_SECONDS)},
    )

"""The one command-line entry point: `python -m service serve` and the operator commands.

Each operator area (tokens, sites, privacy, retention) lives in its own module with an
`add_commands(subparsers)` function; this module only builds the parser and shares the plumbing:
every command takes `--db` (and the other storage options) like `serve`, and works while the
server runs because SQLite's WAL lets another process write between the server's batches.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from service.settings import OPTIONS, Settings
from service.store import Store, opened_store

# How `serve` runs uvicorn (bench/bare_app.py runs the same, so only the application differs):
# our own logging setup and access line (service/http/edge.py); the client address comes from the
# service's own trusted-proxy rule, not uvicorn's.
UVICORN_OPTIONS = {"log_config": None, "access_log": False, "proxy_headers": False, "server_header": False}

# The largest request line and headers accepted (400 above).
MAX_REQUEST_HEAD_BYTES = 16 * 1024

log = logging.getLogger(__name__)
T = TypeVar("T")
STORAGE_OPTIONS = ("data_dir", "db", "secret_key")
# Modules that add operator commands; each has add_commands(subparsers).
COMMAND_MODULES: tuple[str, ...] = ("service.cli.sites", "service.cli.privacy", "service.cli.tokens")


def add_options(parser: argparse.ArgumentParser, names: Sequence[str]) -> None:
    """Adds `--name` flags for the named settings; `--help` shows each one's environment variable."""
    for opt in OPTIONS:
        if opt.name in names:
            parser.add_argument(
                "--" + opt.name.replace("_", "-"),
                dest=opt.name,
                type=opt.type,
                default=None,
                metavar="PATH_OR_URL" if opt.name == "db" else opt.name.upper(),
                help=f"{opt.help} [env {opt.env}; default {opt.default!r}]",
            )


def add_storage_options(parser: argparse.ArgumentParser) -> None:
    add_options(parser, STORAGE_OPTIONS)


def settings_from_args(args: argparse.Namespace) -> Settings:
    return Settings.from_sources({opt.name: getattr(args, opt.name, None) for opt in OPTIONS})


def with_store(args: argparse.Namespace, work: Callable[[Store, Settings], Awaitable[T]]) -> T:
    """Runs an operator command's `work` against the store named by `--db`, then closes it."""
    settings = settings_from_args(args)

    async def run() -> T:
        async with opened_store(settings.db_target) as store:
            return await work(store, settings)

    return asyncio.run(run())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m service",
        description="Self-hosted comment moderation service. Every option also reads an environment variable.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve_parser = commands.add_parser(
        "serve", help="start the HTTP service (uvicorn)", description="Start the HTTP service."
    )
    add_options(serve_parser, [opt.name for opt in OPTIONS])
    serve_parser.set_defaults(handler=lambda args: serve(settings_from_args(args)))
    for name in COMMAND_MODULES:
        importlib.import_module(name).add_commands(commands)
    return parser


def serve(settings: Settings) -> int:
    import uvicorn

    from service.app import create_app
    from service.http.logs import configure_logging
    from service.runtime.heap import tune_collector

    configure_logging(settings.log_format, settings.log_level)
    tune_collector()
    app = create_app(settings, owns_process=True)
    # One worker process: SQLite has a single writer, and the app batches its writes itself.
    uvicorn.run(app, host=settings.host, port=settings.port, **UVICORN_OPTIONS, **client_limits(settings))
    return 0


def client_limits(settings: Settings) -> dict[str, Any]:
    """uvicorn's options for slow and abusive clients (see service/http/connections.py).

    The open-file limit is raised to its hard limit first, so the connection cap derived from it
    leaves room for the store's files and `accept()` keeps working under a crowd of connections.
    """
    from service.http.connections import connection_limit, guarded_protocol, raise_open_file_limit

    for name in ("header_timeout", "body_timeout", "keep_alive_timeout", "shutdown_timeout"):
        if getattr(settings, name) <= 0:
            raise ValueError(f"--{name.replace('_', '-')}: must be more than 0 seconds")
    if settings.max_connections < 0:
        raise ValueError("--max-connections: must be 0 (from the open-file limit) or more")
    open_files = raise_open_file_limit()
    max_connections = settings.max_connections or connection_limit(open_files)
    # asyncio accepts up to `backlog` connections in one go before the protocol can close any:
    # half the files kept free, so a burst never reaches the limit (and accept() never fails).
    backlog = min(2048, max(16, (open_files - max_connections) // 2))
    log.info("serving at most %d connections at once (open-file limit %d)", max_connections, open_files)
    return {
        "http": guarded_protocol(settings.header_timeout, settings.body_timeout, max_connections),
        # uvicorn's own cap answers 503 once this many requests are in progress (the protocol caps connections).
        "limit_concurrency": max_connections + 1,
        "backlog": backlog,
        "timeout_keep_alive": settings.keep_alive_timeout,
        "timeout_graceful_shutdown": settings.shutdown_timeout,
        # A request head (line and headers) larger than this is answered 400 (h11's own default, stated).
        "h11_max_incomplete_event_size": MAX_REQUEST_HEAD_BYTES,
    }


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except (ValueError, LookupError) as exc:  # an operator's mistake: a message, not a trace
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

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
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from service.settings import OPTIONS, Settings
from service.store import Store, opened_store

# How `serve` runs uvicorn (bench/bare_app.py runs the same, so only the application differs):
# our own logging setup and access line (service/http/edge.py); the client address comes from the
# service's own trusted-proxy rule, not uvicorn's.
UVICORN_OPTIONS = {"log_config": None, "access_log": False, "proxy_headers": False, "server_header": False}

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
    uvicorn.run(app, host=settings.host, port=settings.port, **UVICORN_OPTIONS)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except (ValueError, LookupError) as exc:  # an operator's mistake: a message, not a trace
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

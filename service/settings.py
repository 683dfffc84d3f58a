"""Service configuration: every option has a command-line flag and an environment variable.

The table in `OPTIONS` is the single source for `--help`, the environment look-up and the README's
configuration reference, so the three cannot drift apart.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

ENV_PREFIX = "COMMENTS_"


@dataclass(frozen=True)
class Option:
    """One configuration option as the operator sees it."""

    name: str
    env: str
    default: Any
    help: str
    type: type = str


OPTIONS: tuple[Option, ...] = (
    Option("host", "COMMENTS_HOST", "127.0.0.1", "address to listen on"),
    Option("port", "COMMENTS_PORT", 8000, "port to listen on", int),
    Option("data_dir", "COMMENTS_DATA_DIR", "data", "folder for the database, keys and logs (created on first start)"),
    Option("db", "COMMENTS_DB", "", "SQLite file path or postgresql:// URL (default: DATA_DIR/comments.db)"),
    Option(
        "secret_key",
        "COMMENTS_SECRET_KEY",
        "",
        "base64 master key for email encryption and keyed hashes (default: DATA_DIR/secret.key, made on first start)",
    ),
    Option(
        "model_dir",
        "COMMENTS_MODEL_DIR",
        "",
        "pin one model artifact folder (default: follow the registry's current version)",
    ),
    Option(
        "models",
        "COMMENTS_MODELS",
        "",
        "model registry folder (default: DATA_DIR/models; the shipped model until one is promoted)",
    ),
    Option(
        "model_poll_seconds",
        "COMMENTS_MODEL_POLL_SECONDS",
        2.0,
        "how often the server checks the registry for a newly current model",
        float,
    ),
    Option("max_body_bytes", "COMMENTS_MAX_BODY_BYTES", 1_048_576, "largest request body accepted (413 above)", int),
    Option(
        "trusted_proxies",
        "COMMENTS_TRUSTED_PROXIES",
        "",
        "comma-separated proxy IPs/networks whose X-Forwarded-For is believed (default: none)",
    ),
    Option(
        "auth_failures_per_minute",
        "COMMENTS_AUTH_FAILURES_PER_MINUTE",
        10,
        "failed moderator sign-ins and token guesses allowed per client IP a minute (429 above; 0: no limit)",
        int,
    ),
    Option("log_format", "COMMENTS_LOG_FORMAT", "text", "log line format: text or json"),
    Option("log_level", "COMMENTS_LOG_LEVEL", "info", "log level: debug, info, warning, error"),
    Option(
        "retention_days",
        "COMMENTS_RETENTION_DAYS",
        30,
        "days to keep commenters' IP addresses and user agents before `purge` erases them",
        int,
    ),
    # Slow and abusive clients (see service/http/connections.py).
    Option(
        "header_timeout",
        "COMMENTS_HEADER_TIMEOUT",
        10.0,
        "seconds a client has to send a request's head, from connecting or from the previous answer",
        float,
    ),
    Option(
        "body_timeout",
        "COMMENTS_BODY_TIMEOUT",
        30.0,
        "seconds a client has to send a request's body once its head arrived",
        float,
    ),
    Option(
        "keep_alive_timeout",
        "COMMENTS_KEEP_ALIVE_TIMEOUT",
        5.0,
        "seconds an idle keep-alive connection stays open",
        float,
    ),
    Option(
        "max_connections",
        "COMMENTS_MAX_CONNECTIONS",
        0,
        "open client connections at most (0: the open-file limit, raised to its hard limit, less an eighth)",
        int,
    ),
    Option(
        "shutdown_timeout",
        "COMMENTS_SHUTDOWN_TIMEOUT",
        10.0,
        "seconds requests in progress get to finish on shutdown (SIGTERM, Ctrl-C)",
        float,
    ),
)


@dataclass(frozen=True)
class Settings:
    """Resolved configuration for one app instance; tests build as many as they like."""

    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = Path("data")
    db: str = ""
    secret_key: str = ""
    model_dir: str = ""
    models: str = ""
    model_poll_seconds: float = 2.0
    max_body_bytes: int = 1_048_576
    trusted_proxies: str = ""
    auth_failures_per_minute: int = 10
    log_format: str = "text"
    log_level: str = "info"
    retention_days: int = 30
    header_timeout: float = 10.0
    body_timeout: float = 30.0
    keep_alive_timeout: float = 5.0
    max_connections: int = 0
    shutdown_timeout: float = 10.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def db_target(self) -> str:
        """The database the store opens: an explicit --db, else a SQLite file in the data folder."""
        return self.db or str(self.data_dir / "comments.db")

    @property
    def model_registry_dir(self) -> Path:
        return Path(self.models) if self.models else self.data_dir / "models"

    @classmethod
    def from_sources(cls, cli: dict[str, Any] | None = None, environ: dict[str, str] | None = None) -> Settings:
        """Command-line values win over environment variables, which win over defaults."""
        cli = cli or {}
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for opt in OPTIONS:
            raw = cli.get(opt.name)
            if raw is None:
                raw = environ.get(opt.env)
            if raw is None or raw == "":
                raw = opt.default
            values[opt.name] = opt.type(raw)
        values["data_dir"] = Path(values["data_dir"])
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})

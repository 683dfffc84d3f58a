"""`python -m service privacy export|erase`, `purge` and `config-table`: operating the service.

`privacy` answers a person's request (privacy rule 5), `purge` applies the retention period
(privacy rule 6; safe from cron), and `config-table` prints the configuration reference of
docs/operations.md from `OPTIONS`, so the documentation cannot drift from `--help`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TextIO

from service.cli.main import STORAGE_OPTIONS, add_options, add_storage_options, settings_from_args, with_store
from service.privacy.email_vault import EmailVault
from service.privacy.requests import erase_personal_data, export_personal_data, parse_address, vault_for
from service.privacy.retention import purge
from service.settings import OPTIONS, Settings
from service.store import Store


def add_commands(commands: Any) -> None:
    privacy = commands.add_parser(
        "privacy",
        help="export or erase every comment of one email address",
        description="Answer a person's request to see or erase their data (privacy rule 5).",
    )
    actions = privacy.add_subparsers(dest="privacy_command", required=True, metavar="ACTION")

    export = actions.add_parser(
        "export",
        help="write every comment of an address as JSON (WordPress's personal-data export shape)",
        description="Write every comment of an address as JSON, to stdout or --out FILE.",
    )
    export.add_argument("--email", required=True, metavar="ADDRESS")
    export.add_argument("--out", type=Path, metavar="FILE", help="write the export here (mode 0600), not to stdout")
    add_storage_options(export)
    export.set_defaults(handler=lambda args: _on_existing_store(args, _export))

    erase = actions.add_parser(
        "erase",
        help="anonymize every comment of an address",
        description=(
            'Anonymize every comment of an address: author "Anonymous"; email, URL, IP address, user agent and'
            " the encrypted original text removed. The published text stays unless --remove-content."
            " A ban on the author stays (it holds only a keyed hash of the address)."
        ),
    )
    erase.add_argument("--email", required=True, metavar="ADDRESS")
    erase.add_argument("--remove-content", action="store_true", help="replace the published text too")
    add_storage_options(erase)
    erase.set_defaults(handler=lambda args: _on_existing_store(args, _erase))

    purge_parser = commands.add_parser(
        "purge",
        help="erase IP addresses and user agents older than the retention period",
        description="Erase IP addresses and user agents older than the retention period (privacy rule 6). "
        "Idempotent, exits 0 and prints a count: safe to run from cron.",
    )
    add_options(purge_parser, (*STORAGE_OPTIONS, "retention_days"))
    purge_parser.set_defaults(handler=lambda args: with_store(args, _purge))

    table = commands.add_parser(
        "config-table",
        help="print the configuration reference (markdown) from the option table",
        description="Print every option, its flag, environment variable and default as a markdown table.",
    )
    table.add_argument(
        "--update",
        type=Path,
        metavar="FILE",
        help="rewrite the table between the <!-- config-table --> markers of FILE (docs/operations.md)",
    )
    table.set_defaults(handler=_print_config_table)


def _on_existing_store(
    args: argparse.Namespace, work: Callable[[Store, EmailVault, argparse.Namespace], Awaitable[int]]
) -> int:
    """Checks the address, the key and the database before opening it: a wrong `--db` or data folder
    must be an error, not an empty new database that answers "no comments"."""
    parse_address(args.email)
    settings = settings_from_args(args)
    vault = vault_for(settings)
    target = settings.db_target
    if "://" not in target and not Path(target.removeprefix("sqlite:///")).exists():
        raise ValueError(f"no database at {target}; give the server's --db or --data-dir")
    return with_store(args, lambda store, _: work(store, vault, args))


async def _export(store: Store, vault: EmailVault, args: argparse.Namespace) -> int:
    address = parse_address(args.email)
    out = _open_private(args.out) if args.out is not None else None  # before the export: fail early
    document = await export_personal_data(store, vault, address)
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    found = len(next(iter(document.values()))["comments"]["items"])
    if out is None:
        sys.stdout.write(text)
        print(f"exported {found} comments", file=sys.stderr)
    else:
        with out:
            out.write(text)
        print(f"exported {found} comments to {args.out}")
    return 0


def _open_private(path: Path) -> TextIO:
    """The export file, readable by its owner only: it is the person's data."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    except OSError as exc:
        raise ValueError(f"--out: cannot write {path}: {exc.strerror}") from None
    os.fchmod(fd, 0o600)  # also when the file existed with a looser mode
    return os.fdopen(fd, "w", encoding="utf-8")


async def _erase(store: Store, vault: EmailVault, args: argparse.Namespace) -> int:
    address = parse_address(args.email)
    erasure = await erase_personal_data(store, vault, address, remove_content=args.remove_content)
    content = "removed" if args.remove_content else "kept"
    print(
        f"erased: {erasure.comments} comments anonymized (content {content}), {erasure.reports} spam/ham reports;"
        f" {erasure.bans_kept} bans kept (by keyed hash only)"
    )
    return 0


async def _purge(store: Store, settings: Settings) -> int:
    purged = await purge(store, settings.retention_days, actor="cli")
    print(f"purged IP address and user agent of {purged} comments older than {settings.retention_days} days")
    return 0


def _print_config_table(args: argparse.Namespace) -> int:
    if args.update is None:
        sys.stdout.write(config_table())
        return 0
    text = args.update.read_text(encoding="utf-8")
    start, end = "<!-- config-table -->\n", "<!-- /config-table -->"
    if start not in text or end not in text:
        raise ValueError(f"--update: {args.update} has no {start.strip()} ... {end} markers")
    head, _, rest = text.partition(start)
    _, _, tail = rest.partition(end)
    args.update.write_text(head + start + config_table() + end + tail, encoding="utf-8")
    print(f"updated the configuration table in {args.update}")
    return 0


def config_table() -> str:
    """Every option as a markdown table row: flag, environment variable, default, meaning."""
    rows = ["| option | environment variable | default | what it sets |", "|---|---|---|---|"]
    for opt in OPTIONS:
        flag = "--" + opt.name.replace("_", "-")
        default = f"`{opt.default}`" if opt.default != "" else "(none)"
        rows.append(f"| `{flag}` | `{opt.env}` | {default} | {opt.help.replace('|', '&#124;')} |")
    return "\n".join(rows) + "\n"

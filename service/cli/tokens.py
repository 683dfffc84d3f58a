"""`python -m service token create|list|revoke`: who may use the moderation API and web page."""

from __future__ import annotations

import argparse
import json
from typing import Any

from service.cli.main import add_storage_options, with_store
from service.moderation.tokens import ROLES, check_role, check_token_name, new_token, token_hash
from service.store import Store

CLI_ACTOR = "cli"


def add_commands(commands: Any) -> None:
    token = commands.add_parser(
        "token", help="create, list and revoke moderator tokens", description="Manage moderation API tokens."
    )
    actions = token.add_subparsers(dest="token_command", required=True, metavar="ACTION")

    create = actions.add_parser(
        "create",
        help="make a token; prints it alone on the last line (shown once, stored only as a hash)",
        description="Make a token for a moderator or admin. The token is printed once, alone on the last line.",
    )
    create.add_argument(
        "--role", required=True, choices=ROLES, help="moderator: work the queue; admin: also reveal emails"
    )
    create.add_argument("--name", required=True, help="who holds it; the audit trail records actions under this name")
    add_storage_options(create)
    create.set_defaults(handler=lambda args: with_store(args, lambda store, s: _create(store, args)))

    listing = actions.add_parser("list", help="list tokens (never the tokens themselves)")
    listing.add_argument("--json", action="store_true", help="one JSON object per token")
    listing.add_argument("--all", action="store_true", help="include revoked tokens")
    add_storage_options(listing)
    listing.set_defaults(handler=lambda args: with_store(args, lambda store, s: _list(store, args)))

    revoke = actions.add_parser("revoke", help="revoke a token at once (its web sessions end too)")
    which = revoke.add_mutually_exclusive_group(required=True)
    which.add_argument("--name", help="the live token with this name")
    which.add_argument("--id", type=int, help="the token with this id (see token list)")
    add_storage_options(revoke)
    revoke.set_defaults(handler=lambda args: with_store(args, lambda store, s: _revoke(store, args)))


async def _create(store: Store, args: argparse.Namespace) -> int:
    role, name = check_role(args.role), check_token_name(args.name)
    token = new_token()
    token_id = await store.add_token(name, role, token_hash(token), actor=CLI_ACTOR)
    print(f"token {token_id} for {name!r} ({role}) created; shown once, stored only as a hash:")
    print(token)
    return 0


async def _list(store: Store, args: argparse.Namespace) -> int:
    for t in await store.list_tokens():
        if t.revoked_at and not args.all:
            continue
        if args.json:
            print(
                json.dumps(
                    {"id": t.id, "name": t.name, "role": t.role, "created_at": t.created_at, "revoked_at": t.revoked_at}
                )
            )
        else:
            state = f"revoked {t.revoked_at}" if t.revoked_at else "live"
            print(f"{t.id}\t{t.name}\t{t.role}\t{t.created_at}\t{state}")
    return 0


async def _revoke(store: Store, args: argparse.Namespace) -> int:
    revoked = await store.revoke_token(args.name, args.id, actor=CLI_ACTOR)
    if not revoked:
        raise LookupError("no live token with that " + ("name" if args.name is not None else "id"))
    print(f"revoked {revoked} token")
    return 0

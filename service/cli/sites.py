"""`python -m service site add|list|update`: the sites that post to us and their settings."""

from __future__ import annotations

import argparse
import json
from typing import Any

from service.cli.main import add_storage_options, with_store
from service.sites.settings import Site, SiteSettings, new_site_key, with_settings
from service.store import Store


def add_commands(commands: Any) -> None:
    site = commands.add_parser("site", help="add, list and update sites", description="Manage sites.")
    actions = site.add_subparsers(dest="site_command", required=True, metavar="ACTION")

    add = actions.add_parser("add", help="add a site; prints its key alone on the last line")
    add.add_argument("--name", required=True)
    add.add_argument("--url", required=True, help="the site's address, e.g. https://news.example.org/")
    add.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="a setting (repeatable)")
    add_storage_options(add)
    add.set_defaults(handler=lambda args: with_store(args, lambda store, s: _add(store, args)))

    listing = actions.add_parser("list", help="list sites and their settings")
    listing.add_argument("--json", action="store_true", help="one JSON object per site")
    add_storage_options(listing)
    listing.set_defaults(handler=lambda args: with_store(args, lambda store, s: _list(store, args)))

    update = actions.add_parser(
        "update",
        help="change a site's settings",
        description="Change a site's settings. Settings: " + ", ".join(SiteSettings().to_json()),
    )
    which = update.add_mutually_exclusive_group(required=True)
    which.add_argument("--id", type=int)
    which.add_argument("--name")
    which.add_argument("--default", action="store_true", help="the keyless default site")
    update.add_argument("--url", help="a new site address")
    update.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="a setting (repeatable)")
    update.add_argument("--rotate-key", action="store_true", help="issue a new key (printed last); the old one stops")
    add_storage_options(update)
    update.set_defaults(handler=lambda args: with_store(args, lambda store, s: _update(store, args)))


def _require_url(url: str) -> str:
    if not url.startswith(("http://", "https://")):
        raise ValueError("--url: give the full address, starting with http:// or https://")
    return url


async def _add(store: Store, args: argparse.Namespace) -> int:
    settings = with_settings(SiteSettings(), args.set)
    key = new_site_key()
    site_id = await store.add_site(args.name, _require_url(args.url), key, settings)
    print(f"site {site_id} {args.name!r} added; its key (shown once, stored only as a hash):")
    print(key)
    return 0


def _describe(site: Site) -> dict[str, Any]:
    return {
        "id": site.id,
        "name": site.name,
        "url": site.url,
        "default": site.is_default,
        "settings": site.settings.to_json(),
    }


async def _list(store: Store, args: argparse.Namespace) -> int:
    for site in await store.list_sites():
        if args.json:
            print(json.dumps(_describe(site)))
        else:
            flag = " (default, no key)" if site.is_default else ""
            print(f"{site.id}\t{site.name}\t{site.url}{flag}")
    return 0


async def _update(store: Store, args: argparse.Namespace) -> int:
    if args.default:
        site: Site | None = await store.default_site()
    elif args.id is not None:
        site = await store.site_by_id(args.id)
    else:
        site = await store.site_by_name(args.name)
    if site is None:
        raise LookupError("no such site")
    settings = with_settings(site.settings, args.set)
    key = new_site_key() if args.rotate_key and not site.is_default else None
    await store.update_site(site.id, settings, _require_url(args.url) if args.url else None, key)
    updated = await store.site_by_id(site.id)
    assert updated is not None
    print(json.dumps(_describe(updated), indent=2))
    if key:
        print(key)
    return 0

"""The `sites` table: who posts comments to us, with each site's settings as JSON and its key hashed."""

from __future__ import annotations

import functools
import json
import sqlite3
from typing import Any

from service.runtime.clock import utc_now
from service.store.records import DEFAULT_SITE_SETTINGS, Site, SiteSettings, site_key_hash
from service.store.sqlite.engine import Database


def ensure_default_site(conn: sqlite3.Connection) -> None:
    """Makes the keyless default site unless the file has one."""
    if conn.execute("SELECT 1 FROM sites WHERE is_default = 1").fetchone():
        return
    conn.execute(
        "INSERT INTO sites (name, url, key_hash, is_default, settings, created_at) VALUES (?, ?, NULL, 1, ?, ?)",
        ("default", "http://127.0.0.1:8000/", json.dumps(DEFAULT_SITE_SETTINGS.to_json()), utc_now()),
    )


class Sites:
    _db: Database

    async def default_site(self) -> Site:
        site = await self._one_site("SELECT * FROM sites WHERE is_default = 1", ())
        assert site is not None, "the default site is made when the store opens"
        return site

    async def site_by_key(self, key: str) -> Site | None:
        return await self._one_site("SELECT * FROM sites WHERE key_hash = ?", (site_key_hash(key),))

    async def site_by_id(self, site_id: int) -> Site | None:
        return await self._one_site("SELECT * FROM sites WHERE id = ?", (site_id,))

    async def site_by_name(self, name: str) -> Site | None:
        return await self._one_site("SELECT * FROM sites WHERE name = ? ORDER BY id LIMIT 1", (name,))

    async def _one_site(self, sql: str, params: tuple[Any, ...]) -> Site | None:
        rows = await self._db.lookup(sql, params)  # every comment names its site: a point look-up
        return _site(rows[0]) if rows else None

    async def list_sites(self) -> list[Site]:
        async with self._db.reader.execute("SELECT * FROM sites ORDER BY id") as cur:
            return [_site(row) for row in await cur.fetchall()]

    async def add_site(self, name: str, url: str, key: str, settings: SiteSettings) -> int:
        def job(conn: sqlite3.Connection) -> int:
            cur = conn.execute(
                "INSERT INTO sites (name, url, key_hash, is_default, settings, created_at) VALUES (?, ?, ?, 0, ?, ?)",
                (name, url, site_key_hash(key), json.dumps(settings.to_json()), utc_now()),
            )
            return int(cur.lastrowid or 0)

        return await self._db.write(job)

    async def update_site(
        self, site_id: int, settings: SiteSettings, url: str | None = None, key: str | None = None
    ) -> None:
        """Saves a site's settings (and a new URL or key when given)."""

        def job(conn: sqlite3.Connection) -> None:
            conn.execute("UPDATE sites SET settings = ? WHERE id = ?", (json.dumps(settings.to_json()), site_id))
            if url is not None:
                conn.execute("UPDATE sites SET url = ? WHERE id = ?", (url, site_id))
            if key is not None:
                conn.execute("UPDATE sites SET key_hash = ? WHERE id = ?", (site_key_hash(key), site_id))

        await self._db.write(job)


def _site(row: Any) -> Site:
    return _site_from(row["id"], row["name"], row["url"], bool(row["is_default"]), row["settings"] or "{}")


@functools.lru_cache(maxsize=256)
def _site_from(site_id: int, name: str, url: str, is_default: bool, settings_json: str) -> Site:
    # Every comment looks its site up, and parsing the settings JSON costs more than the query.
    # `Site` and `SiteSettings` are frozen, so one parsed object serves every request with this row.
    settings = SiteSettings.from_json(json.loads(settings_json))
    return Site(id=site_id, name=name, url=url, is_default=is_default, settings=settings)

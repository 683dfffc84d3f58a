"""The embedded store: one SQLite file in WAL mode. `engine.py` holds the connections and the
writer; every other module holds the SQL of one table (`comments.py`, `sites.py`, `decisions.py`...)."""

from service.store.sqlite.store import SQLiteStore

__all__ = ["SQLiteStore"]

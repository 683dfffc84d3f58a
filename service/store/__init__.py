"""The store: everything the service keeps, behind one interface.

- `interface.py`: the `Store` protocol, every call the service makes;
- `records.py`: every plain value that crosses the interface (comments, sites, tokens, queue items,
  decisions, reports), and nothing else imported from the service;
- `opening.py`: `make_store` / `open_store` / `opened_store`, choosing the engine by `--db`;
- `sqlite/`: the SQLite engine (`engine.py`) and one module per table, holding its SQL.
"""

from service.store.interface import Store
from service.store.opening import make_store, open_store, opened_store
from service.store.records import AkismetReport, AuthorHistory, Erasure, NewComment, PersonalComment, StoredComment

__all__ = [
    "AkismetReport",
    "AuthorHistory",
    "Erasure",
    "NewComment",
    "PersonalComment",
    "Store",
    "StoredComment",
    "make_store",
    "open_store",
    "opened_store",
]

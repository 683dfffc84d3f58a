"""`SQLiteStore`: the `Store` interface on one SQLite file, one table module per concern."""

from __future__ import annotations

from service.store.sqlite.akismet_reports import AkismetReports
from service.store.sqlite.audit import AuditTrail
from service.store.sqlite.authors import Authors
from service.store.sqlite.comments import Comments
from service.store.sqlite.decisions import Decisions
from service.store.sqlite.engine import Database
from service.store.sqlite.labels import TrainingLabels
from service.store.sqlite.privacy import PersonalData
from service.store.sqlite.review_queue import ReviewQueue
from service.store.sqlite.sites import Sites, ensure_default_site
from service.store.sqlite.tokens import Tokens


class SQLiteStore(
    Sites, Comments, Authors, AkismetReports, TrainingLabels, AuditTrail, PersonalData, Tokens, ReviewQueue, Decisions
):
    """Comments, sites, moderation and personal data in one SQLite file.

    Each base class holds the SQL of one table or concern (`service/store/sqlite/<name>.py`); they
    share one `Database` (`engine.py`): its writer for every write, its reader and look-ups for reads.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._db = Database(path)

    @property
    def database(self) -> Database:
        """The engine under the tables: its writer, reader and look-ups."""
        return self._db

    async def open(self) -> None:
        await self._db.open(prepare=ensure_default_site)

    async def close(self) -> None:
        await self._db.close()

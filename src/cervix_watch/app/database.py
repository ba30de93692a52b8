"""Opening the clinic's database: the one way an entry path gets its `Store`.

The command line's per-invocation state (`console/context.py`) opens the database through
here, so nothing above `app/` imports `store/`; `Store` is named here for their types.
"""

from __future__ import annotations

from cervix_watch.store.store import Store

__all__ = ["Store", "open_clinic"]


def open_clinic(db: str | None, *, create: bool = False, pooled: bool = False) -> Store:
    """The database `db` names (a SQLite path or a postgresql:// URL; None: the per-user
    default), migrated if needed. Only `create` (db init, demo) or the per-user default
    location makes a new one; its `warnings` are for the caller to show."""
    return Store.open(db, create, pooled=pooled)

"""``INSERT ... ON CONFLICT`` for whichever database is behind a connection.

SQLite and PostgreSQL both support it, through separate SQLAlchemy constructs.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table


def dialect_insert(conn: Connection, table: Table | Any):  # type: ignore[no-untyped-def]
    """An insert construct with ``on_conflict_do_nothing/do_update`` for ``conn``'s dialect."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table)
    if conn.dialect.name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table)
    raise NotImplementedError(conn.dialect.name)  # pragma: no cover - make_engine refuses others

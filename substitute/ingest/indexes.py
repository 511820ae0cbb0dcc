"""Building a table's plain secondary indexes once after a large batch, not row by row.

Inserting a batch into a table with secondary indexes costs one random B-tree
insert per row and index; when the batch is at least as large as what the
table already holds, dropping those indexes and creating them again after the
insert (one sort each) is two to three times faster. The drop, the insert and
the rebuild run in the caller's transaction, so a failure leaves the indexes
as they were.

Only plain indexes are rebuilt: not unique (``ON CONFLICT`` and the merge's
joins need the key), not partial, not backing a constraint. On SQLite readers
in WAL mode keep seeing the previous snapshot. On PostgreSQL ``DROP INDEX``
locks the table against readers until commit, so the lock is taken with
``NOWAIT`` and the rebuild is skipped (rows go in the usual way) when anyone
holds the table.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Table, text
from sqlalchemy.exc import OperationalError

from substitute.db.bulk import driver_connection

#: Below this many rows a batch updates the secondary indexes row by row.
REBUILD_MIN_ROWS = 50_000


def _stored_up_to(conn: Connection, table: Table, limit: int) -> int:
    """Rows stored in ``table``, counted up to ``limit`` (so a large table costs no full scan)."""
    bounded = f'SELECT count(*) FROM (SELECT 1 FROM "{table.name}" LIMIT {int(limit)}) AS t'  # noqa: S608
    return int(conn.execute(text(bounded)).scalar_one())


def plain_indexes(conn: Connection, table: Table) -> list[tuple[str, str]]:
    """``(quoted name, CREATE statement)`` of ``table``'s plain indexes."""
    if conn.dialect.name == "sqlite":
        driver = driver_connection(conn)
        listed = driver.execute(f'PRAGMA index_list("{table.name}")').fetchall()
        # seq, name, unique, origin ('c' = CREATE INDEX), partial
        plain = {row[1] for row in listed if row[2] == 0 and row[3] == "c" and row[4] == 0}
        stored = driver.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
            (table.name,),
        ).fetchall()
        return [(f'"{name}"', sql) for name, sql in stored if name in plain]
    rows = conn.execute(
        text(
            "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname), pg_get_indexdef(i.indexrelid) "
            "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE i.indrelid = to_regclass(:table) AND NOT i.indisunique AND NOT i.indisprimary "
            "AND i.indpred IS NULL AND i.indisvalid "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) "
            "ORDER BY c.relname"
        ),
        {"table": f'"{table.name}"'},
    ).all()
    return [(str(name), str(sql)) for name, sql in rows]


def _lock_now(conn: Connection, table: Table) -> bool:
    """Take the table's exclusive lock without waiting; False when someone holds it."""
    savepoint = conn.begin_nested()
    try:
        conn.execute(text(f'LOCK TABLE "{table.name}" IN ACCESS EXCLUSIVE MODE NOWAIT'))
    except OperationalError:
        savepoint.rollback()
        return False
    savepoint.commit()
    return True


@contextmanager
def indexes_rebuilt_after(conn: Connection, table: Table, batch_rows: int) -> Iterator[list[str]]:
    """Drop ``table``'s plain indexes for the block when ``batch_rows`` is large enough, and
    create them again after it; yields the names of the indexes rebuilt (often none)."""
    rebuild: list[tuple[str, str]] = []
    if batch_rows >= REBUILD_MIN_ROWS and _stored_up_to(conn, table, batch_rows + 1) <= batch_rows:
        rebuild = plain_indexes(conn, table)
    if rebuild and conn.dialect.name == "postgresql" and not _lock_now(conn, table):
        rebuild = []
    driver: Any = driver_connection(conn)
    if rebuild and conn.dialect.name == "sqlite" and not driver.in_transaction:
        # sqlite3 opens its implicit transaction only before DML; a DROP INDEX
        # outside one would commit on its own.
        driver.execute("BEGIN")
    # Driver-level: the statements are our own DDL, with no parameters to bind.
    for name, _ in rebuild:
        driver.execute(f"DROP INDEX {name}")
    yield [name for name, _ in rebuild]
    for _, sql in rebuild:
        driver.execute(sql)

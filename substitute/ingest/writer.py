"""Merging a batch of typed rows into its table, through a staging table.

The batch is bulk-copied into a temporary table (``executemany`` on SQLite,
``COPY`` on PostgreSQL); set-based SQL then sorts each row into one of:

- new: its key is not stored yet → inserted;
- identical: stored with the same values → a duplicate;
- changed: stored with other values → updated (mutable kinds) or rejected
  as ``conflicts_with_stored`` (immutable facts such as sales lines).

All of it runs inside the caller's transaction, so a batch is activated whole
or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    MetaData,
    Table,
    and_,
    exists,
    func,
    literal,
    not_,
    or_,
    select,
)

from substitute.db.bulk import bulk_copy, driver_connection, driver_rows
from substitute.db.models import table_of
from substitute.db.upsert import dialect_insert
from substitute.ingest.indexes import indexes_rebuilt_after
from substitute.ingest.kinds import Kind
from substitute.ingest.source import LINE


@dataclass
class MergeResult:
    inserted: int = 0
    updated: int = 0
    identical: int = 0
    #: (line, key text) of immutable rows whose stored version differs
    conflicts: list[tuple[int, str]] = field(default_factory=list)


def table_columns(kind: Kind) -> list[str]:
    """Columns of the kind's table that a batch provides (not the surrogate id, not batch_id)."""
    table = table_of(kind.table)
    return [c.name for c in table.columns if c.name not in {"id", "batch_id"}]


def _stage_table(kind: Kind, conn: Connection) -> Table:
    target = table_of(kind.table)
    columns = [Column(c, target.c[c].type) for c in table_columns(kind)]
    columns.append(Column(LINE, BigInteger))
    name = f"stage_{target.name}"
    stage = Table(name, MetaData(), *columns, prefixes=["TEMPORARY"], postgresql_on_commit="DROP")
    stage.drop(conn, checkfirst=True)
    stage.create(conn)
    return stage


def _insert_new_sqlite(conn: Connection, kind: Kind, frame: pd.DataFrame, batch_id: int) -> int:
    """Insert rows whose key is not stored; return how many went in.

    On SQLite a direct ``executemany`` skips the staging copy, which is most of
    the cost of a batch that is all new (the usual nightly case).
    """
    target = table_of(kind.table)
    names = table_columns(kind)
    rows = driver_rows(frame.sort_values(list(kind.key)), target, names)
    quoted = ", ".join(f'"{n}"' for n in [*names, "batch_id"])
    marks = ", ".join("?" for _ in names)
    keys = ", ".join(f'"{k}"' for k in kind.key)
    driver = driver_connection(conn)
    with indexes_rebuilt_after(conn, target, len(rows)):
        before = driver.total_changes
        cur = driver.cursor()
        cur.executemany(  # names from our schema, values bound: no injection
            f"INSERT INTO {target.name} ({quoted}) VALUES ({marks}, {int(batch_id)}) "  # noqa: S608
            f"ON CONFLICT ({keys}) DO NOTHING",
            rows,
        )
        cur.close()
        return int(driver.total_changes - before)


def merge(conn: Connection, kind: Kind, frame: pd.DataFrame, batch_id: int) -> MergeResult:
    """Insert, update or classify ``frame`` (table columns + ``_line``, keys unique)."""
    result = MergeResult()
    if frame.empty:
        return result
    target = table_of(kind.table)
    columns = table_columns(kind)
    values = [c for c in columns if c not in kind.key]
    source_batch = target.c.batch_id.is_distinct_from(batch_id)

    if conn.dialect.name == "sqlite":
        result.inserted = _insert_new_sqlite(conn, kind, frame, batch_id)
        if result.inserted == len(frame):
            return result
        stage = _stage_table(kind, conn)
        bulk_copy(conn, stage, frame)
    else:
        stage = _stage_table(kind, conn)
        bulk_copy(conn, stage, frame)
        key_eq = and_(*[stage.c[k] == target.c[k] for k in kind.key])
        source = [stage.c[c] for c in columns] + [literal(batch_id).label("batch_id")]
        # Key order keeps the unique index's B-tree appends local.
        new_rows = (
            select(*source).where(not_(exists().where(key_eq))).order_by(*[stage.c[k] for k in kind.key])
        )
        with indexes_rebuilt_after(conn, target, len(frame)):
            result.inserted = conn.execute(
                target.insert()
                .from_select([*columns, "batch_id"], new_rows)
                .execution_options(preserve_rowcount=True)
            ).rowcount

    # Rows that were stored before this batch: identical, or changed.
    key_eq = and_(*[stage.c[k] == target.c[k] for k in kind.key])
    differs = or_(*[stage.c[c].is_distinct_from(target.c[c]) for c in values]) if values else literal(False)
    joined = stage.join(target, key_eq)
    result.identical = conn.execute(
        select(func.count()).select_from(joined).where(source_batch, not_(differs))
    ).scalar_one()
    changed = conn.execute(
        select(stage.c[LINE], *[stage.c[k] for k in kind.key])
        .select_from(joined)
        .where(source_batch, differs)
    ).all()
    if changed and kind.mutable:
        source = [stage.c[c] for c in columns] + [literal(batch_id).label("batch_id")]
        changed_lines = select(stage.c[LINE]).select_from(joined).where(source_batch, differs)
        upsert = dialect_insert(conn, target).from_select(
            [*columns, "batch_id"], select(*source).where(stage.c[LINE].in_(changed_lines))
        )
        upsert = upsert.on_conflict_do_update(
            index_elements=list(kind.key),
            set_={c: upsert.excluded[c] for c in [*values, "batch_id"]},
        )
        conn.execute(upsert)
        result.updated = len(changed)
    elif changed:
        result.conflicts = [(int(r[0]), "|".join(str(v) for v in r[1:])) for r in changed]
    stage.drop(conn)
    return result

"""Fast bulk loading of a DataFrame into a table: ``executemany`` on SQLite, ``COPY`` on PostgreSQL.

The ORM would spend more time building objects than the database spends
storing them; these functions hand the driver plain tuples.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import BigInteger, Boolean, Column, Connection, Date, DateTime, Float, Integer, Table


def driver_connection(conn: Connection) -> Any:
    """The DB-API connection under ``conn`` (sqlite3 or psycopg), for bulk paths."""
    driver = conn.connection.driver_connection
    assert driver is not None, "the connection is closed"
    return driver


def _datetime_text(series: pd.Series, unit: Any) -> list:
    """Format datetimes as SQLAlchemy's SQLite types store them, fast (numpy, not strftime)."""
    values: Any = pd.to_datetime(series).to_numpy(dtype="datetime64[ns]")
    text = np.datetime_as_string(values, unit=unit)
    if unit == "us":
        # numpy writes ISO 'T'; SQLAlchemy writes and compares with a space.
        width = text.dtype.itemsize // 4
        text.view(np.uint32).reshape(-1, width)[:, 10] = ord(" ")
    out = text.astype(object)
    out[np.isnat(values)] = None
    return out.tolist()


def _is_missing(value: object) -> bool:
    return (
        value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and np.isnan(value))
    )


def python_values(series: pd.Series, column: Column) -> list:
    """Column values as the DB-API driver wants them: None for missing, text for dates."""
    kind = column.type
    if isinstance(kind, DateTime):
        return _datetime_text(series, "us")
    if isinstance(kind, Date):
        return _datetime_text(series, "D")
    if isinstance(kind, (Integer, BigInteger)):
        numbers = pd.to_numeric(series, errors="coerce")
        return numbers.astype("Int64").astype(object).where(numbers.notna(), None).tolist()
    if isinstance(kind, Float):
        numbers = pd.to_numeric(series, errors="coerce")
        return numbers.astype(object).where(numbers.notna(), None).tolist()
    if isinstance(kind, Boolean):
        return [None if _is_missing(v) else bool(v) for v in series]
    return series.astype(object).where(series.notna(), None).tolist()


def driver_rows(frame: pd.DataFrame, table: Table, names: list[str]) -> list[tuple]:
    """``frame[names]`` as tuples typed for ``table``'s columns."""
    columns = [python_values(frame[n], table.c[n]) for n in names]
    return list(zip(*columns, strict=True))


def bulk_copy(conn: Connection, table: Table, frame: pd.DataFrame, names: list[str] | None = None) -> int:
    """Append ``frame`` to ``table`` inside the caller's transaction; return the row count."""
    names = names or [c.name for c in table.columns if c.name in frame.columns]
    rows = driver_rows(frame, table, names)
    if not rows:
        return 0
    quoted = ", ".join(f'"{n}"' for n in names)
    driver = driver_connection(conn)
    if conn.dialect.name == "postgresql":
        with driver.cursor() as cur, cur.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
    else:
        marks = ", ".join("?" for _ in names)
        cur = driver.cursor()
        # Names come from our own schema, never from input; values are bound.
        cur.executemany(f'INSERT INTO "{table.name}" ({quoted}) VALUES ({marks})', rows)  # noqa: S608
        cur.close()
    return len(rows)

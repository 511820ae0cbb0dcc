"""Fast bulk loading of a DataFrame into a table: ``executemany`` on SQLite, ``COPY`` on PostgreSQL.

The ORM would spend more time building objects than the database spends
storing them; these functions hand the driver plain tuples (SQLite) or one
block of CSV text (PostgreSQL ``COPY``).
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    Date,
    DateTime,
    Float,
    Integer,
    String,
    Table,
)


def driver_connection(conn: Connection) -> Any:
    """The DB-API connection under ``conn`` (sqlite3 or psycopg), for bulk paths."""
    driver = conn.connection.driver_connection
    assert driver is not None, "the connection is closed"
    return driver


def _datetimes(series: pd.Series) -> np.ndarray:
    if series.dtype.kind == "M" and getattr(series.dtype, "tz", None) is None:
        # Already datetimes: to_datetime would still sample values one Timestamp at a time.
        return series.to_numpy(dtype="datetime64[ns]")
    values: Any = pd.to_datetime(series).to_numpy(dtype="datetime64[ns]")
    return values


def _datetime_text(series: pd.Series, unit: Any) -> list:
    """Format datetimes as SQLAlchemy's SQLite types store them, fast (numpy, not strftime).

    Sales files repeat few distinct days and times, so each distinct value is
    formatted once.
    """
    values = _datetimes(series)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    text = np.datetime_as_string(np.asarray(uniques, dtype="datetime64[ns]"), unit=unit)
    if unit == "us" and len(text):
        # numpy writes ISO 'T'; SQLAlchemy writes and compares with a space.
        width = text.dtype.itemsize // 4
        text.view(np.uint32).reshape(-1, width)[:, 10] = ord(" ")
    lookup = np.empty(len(text) + 1, dtype=object)
    lookup[:-1] = text  # code -1 (NaT) picks the last slot: None
    return lookup[codes].tolist()


def _is_missing(value: object) -> bool:
    return (
        value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and np.isnan(value))
    )


def _numbers(series: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        return series
    return pd.to_numeric(series, errors="coerce")


def _with_none(values: np.ndarray, missing: np.ndarray) -> list:
    out = values.astype(object)
    if missing.any():
        out[missing] = None
    return out.tolist()


def python_values(series: pd.Series, column: Column) -> list:
    """Column values as the DB-API driver wants them: None for missing, text for dates."""
    kind = column.type
    if isinstance(kind, DateTime):
        return _datetime_text(series, "us")
    if isinstance(kind, Date):
        return _datetime_text(series, "D")
    if isinstance(kind, (Integer, BigInteger)):
        numbers = _numbers(series)
        if numbers.dtype == np.int64:
            return numbers.to_numpy().tolist()
        return numbers.astype("Int64").astype(object).where(numbers.notna(), None).tolist()
    if isinstance(kind, Float):
        numbers = _numbers(series)
        if numbers.dtype == np.float64:
            values = numbers.to_numpy()
            return _with_none(values, np.isnan(values))
        return numbers.astype(object).where(numbers.notna(), None).tolist()
    if isinstance(kind, Boolean):
        if series.isna().all():
            return [None] * len(series)
        return [None if _is_missing(v) else bool(v) for v in series]
    return series.astype(object).where(series.notna(), None).tolist()


def driver_rows(frame: pd.DataFrame, table: Table, names: list[str]) -> list[tuple]:
    """``frame[names]`` as tuples typed for ``table``'s columns."""
    columns = [python_values(frame[n], table.c[n]) for n in names]
    return list(zip(*columns, strict=True))


def _arrow_column(series: pd.Series, column: Column) -> Any:
    """One column as an Arrow array holding what :func:`python_values` would send."""
    import pyarrow as pa

    kind = column.type
    if isinstance(kind, DateTime):
        return pa.array(_datetimes(series).astype("datetime64[us]"))
    if isinstance(kind, Date):
        return pa.array(_datetimes(series).astype("datetime64[D]"))
    if isinstance(kind, (Integer, BigInteger)):
        return pa.array(python_values(series, column), type=pa.int64())
    if isinstance(kind, Float):
        values = _numbers(series).to_numpy(dtype="float64", na_value=np.nan)
        return pa.array(values, from_pandas=True)
    if isinstance(kind, Boolean):
        return pa.array(python_values(series, column), type=pa.bool_())
    if isinstance(kind, String):
        # Raises ArrowTypeError on anything but text: the caller then falls back.
        return pa.array(series.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
    raise TypeError(f"no CSV rendering for {kind!r}")


def copy_csv(frame: pd.DataFrame, table: Table, names: list[str]) -> bytes | None:
    """``frame[names]`` as headerless CSV for ``COPY ... (FORMAT csv)``, or None when a
    column holds something other than text, numbers, booleans or datetimes.

    Arrow writes it in C++: text is always quoted (so ``""`` stays an empty
    string), missing values are bare empty fields (NULL), floats use the
    shortest text that reads back as the same double.
    """
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    try:
        arrays = [_arrow_column(frame[n], table.c[n]) for n in names]
    except (TypeError, pa.ArrowException):
        return None
    sink = io.BytesIO()
    pa_csv.write_csv(
        pa.Table.from_arrays(arrays, names=[f"c{i}" for i in range(len(names))]),
        sink,
        pa_csv.WriteOptions(include_header=False),
    )
    return sink.getvalue()


def bulk_copy(conn: Connection, table: Table, frame: pd.DataFrame, names: list[str] | None = None) -> int:
    """Append ``frame`` to ``table`` inside the caller's transaction; return the row count."""
    names = names or [c.name for c in table.columns if c.name in frame.columns]
    if frame.empty or not names:
        return 0
    quoted = ", ".join(f'"{n}"' for n in names)
    driver = driver_connection(conn)
    if conn.dialect.name == "postgresql":
        text = copy_csv(frame, table, names)
        with driver.cursor() as cur:
            if text is not None:
                with cur.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN (FORMAT csv)') as copy:
                    copy.write(text)
            else:
                with cur.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
                    for row in driver_rows(frame, table, names):
                        copy.write_row(row)
        return len(frame)
    rows = driver_rows(frame, table, names)
    marks = ", ".join("?" for _ in names)
    cur = driver.cursor()
    # Names come from our own schema, never from input; values are bound.
    cur.executemany(f'INSERT INTO "{table.name}" ({quoted}) VALUES ({marks})', rows)  # noqa: S608
    cur.close()
    return len(rows)

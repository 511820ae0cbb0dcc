"""Typing canonical columns, and rejecting what cannot be typed.

Every cell that fails produces one reject record (line, column, reason, raw
value); a row with any failed cell is left out of the load. Vectorised with
pandas: a chunk of 200,000 rows is validated in well under a second.

Reason codes: ``missing_value``, ``bad_number``, ``bad_integer``,
``bad_boolean``, ``bad_date``, ``bad_timestamp``, ``unknown_timezone``,
``not_allowed``, ``out_of_range``, ``too_long``.
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
from sqlalchemy import String

from substitute.db.models import table_of
from substitute.ingest.cells import contains, to_numbers
from substitute.ingest.cells import strip as strip_cells
from substitute.ingest.kinds import BOOL, DATE, FLOAT, INT, STR, TIMESTAMP, TIMEZONE, Field, Kind
from substitute.ingest.source import LINE

#: Suffix of the column telling whether a timestamp was given with a UTC offset.
UTC_FLAG = "__is_utc"

REJECT_COLUMNS = ["line", "column", "reason", "raw"]

_TRUE = {"true", "t", "1", "yes", "y"}
_FALSE = {"false", "f", "0", "no", "n"}
_HAS_OFFSET = re.compile(r"\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})$", re.I)


@dataclass
class Validated:
    rows: pd.DataFrame  # typed columns + _line, only rows without a failed cell
    rejects: pd.DataFrame  # line, column, reason, raw
    rejected_lines: int


def _text(col: pd.Series, strip: bool = True) -> pd.Series:
    """Cells as text, "" for missing; surrounding blanks removed where they matter."""
    if col.dtype != object or pd.api.types.infer_dtype(col, skipna=True) != "string":
        col = col.astype(str).where(col.notna(), "")
    elif col.hasnans:
        col = col.fillna("")
    return strip_cells(col) if strip else col


@lru_cache(maxsize=4096)
def _known_zone(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _parse_dates(text: pd.Series, fmt: str | None) -> pd.Series:
    return pd.to_datetime(text, format=fmt or "ISO8601", errors="coerce")


def _parse_timestamps(col: pd.Series, text: pd.Series, fmt: str | None) -> tuple[pd.Series, pd.Series]:
    """Return naive datetimes and a flag: True = the value is UTC, False = store-local wall time."""
    if isinstance(col.dtype, pd.DatetimeTZDtype):
        return col.dt.tz_convert("UTC").dt.tz_localize(None), pd.Series(True, index=col.index)
    if pd.api.types.is_datetime64_dtype(col.dtype):
        return col, pd.Series(False, index=col.index)
    is_utc = contains(text, _HAS_OFFSET, ":")
    values = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    if is_utc.any():
        aware = pd.to_datetime(text[is_utc], format=fmt or "ISO8601", errors="coerce", utc=True)
        values[is_utc] = aware.dt.tz_localize(None).astype("datetime64[ns]")
    if (~is_utc).any():
        values[~is_utc] = _parse_dates(text[~is_utc], fmt).astype("datetime64[ns]")
    return values, is_utc


Check = tuple[pd.Series, str]  # (mask of failed cells, reason code)


def _type_column(
    field: Field, col: pd.Series, kind: Kind, date_format: str | None, timestamp_format: str | None
) -> tuple[pd.Series, list[Check], pd.Series | None]:
    """Return (typed values, failed checks, UTC flag for timestamps) for one column."""
    # Number parsing ignores surrounding blanks by itself: skip the costly strip.
    text = _text(col, strip=field.type not in (INT, FLOAT))
    if field.type in (INT, FLOAT):
        empty = pd.Series(False, index=col.index)
    else:
        empty = text == ""
    if field.type in (STR, TIMEZONE):
        values = text.where(~empty, None).astype(object)
        if field.choices is not None:
            values = values.str.lower()
            return values, [(~empty & ~values.isin(field.choices), "not_allowed")], None
        if field.type == TIMEZONE:
            known = text.map(lambda z: z == "" or _known_zone(z)).astype(bool)
            return values, [(~known, "unknown_timezone")], None
        column_type = table_of(kind.table).c[field.name].type
        length = getattr(column_type, "length", None) if isinstance(column_type, String) else None
        return values, ([(text.str.len() > length, "too_long")] if length else []), None
    if field.type in (INT, FLOAT):
        numeric = pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(col.dtype)
        numbers = (col if numeric else to_numbers(text)).astype("float64")
        unparsed = numbers.isna().to_numpy()
        blank = np.zeros(len(col), dtype=bool)
        if unparsed.any():
            blank[unparsed] = (text[unparsed].str.strip() == "").to_numpy(dtype=bool)
        empty = pd.Series(blank, index=col.index, dtype=bool)
        finite = pd.Series(np.isfinite(numbers), index=col.index)
        checks: list[Check] = []
        if field.type == INT:
            checks.append((~empty & ~(finite & (numbers == np.round(numbers))), "bad_integer"))
        else:
            checks.append((~empty & ~finite, "bad_number"))
        out_of_range = pd.Series(False, index=col.index)
        if field.min is not None:
            out_of_range |= finite & (numbers < field.min)
        if field.max is not None:
            out_of_range |= finite & (numbers > field.max)
        checks.append((out_of_range, "out_of_range"))
        if field.type == INT:
            whole = finite & (numbers == np.round(numbers))
            return numbers.where(whole).astype("Int64"), checks, None
        return numbers, checks, None
    if field.type == BOOL:
        if pd.api.types.is_bool_dtype(col.dtype):
            return col.astype(object), [], None
        lowered = text.str.lower()
        values = pd.Series(None, index=col.index, dtype=object)
        values[lowered.isin(_TRUE)] = True
        values[lowered.isin(_FALSE)] = False
        return values, [(~empty & values.isna(), "bad_boolean")], None
    if field.type == DATE:
        if pd.api.types.is_datetime64_any_dtype(col.dtype):
            values = col.dt.tz_localize(None) if isinstance(col.dtype, pd.DatetimeTZDtype) else col
            values = values.dt.normalize()
        else:
            values = _parse_dates(text, date_format).dt.normalize()
        return values, [(~empty & values.isna(), "bad_date")], None
    if field.type == TIMESTAMP:
        values, is_utc = _parse_timestamps(col, text, timestamp_format)
        return values, [(~empty & values.isna(), "bad_timestamp")], is_utc
    raise AssertionError(f"unhandled field type {field.type}")


def validate(
    frame: pd.DataFrame,
    kind: Kind,
    *,
    date_format: str | None = None,
    timestamp_format: str | None = None,
) -> Validated:
    """Type the canonical ``frame`` per ``kind``; see the module docstring for reason codes."""
    lines = frame[LINE].to_numpy()
    bad_rows = np.zeros(len(frame), dtype=bool)
    rejects: list[pd.DataFrame] = []
    typed: dict[str, pd.Series] = {}

    def reject(mask: np.ndarray, column: str, reason: str, raw: pd.Series) -> None:
        nonlocal bad_rows
        if mask.any():
            bad_rows |= mask
            rejects.append(
                pd.DataFrame(
                    {
                        "line": lines[mask],
                        "column": column,
                        "reason": reason,
                        "raw": _text(raw)[mask].to_numpy(),
                    }
                )
            )

    for field in kind.fields:
        if field.name not in frame.columns:
            if field.type in (DATE, TIMESTAMP):
                typed[field.name] = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
                if field.type == TIMESTAMP:
                    typed[field.name + UTC_FLAG] = pd.Series(False, index=frame.index)
            else:
                typed[field.name] = pd.Series(field.default, index=frame.index, dtype=object)
            continue
        col = frame[field.name]
        values, checks, is_utc = _type_column(field, col, kind, date_format, timestamp_format)
        failed = np.zeros(len(frame), dtype=bool)
        for mask, reason in checks:
            mask_array = mask.to_numpy(dtype=bool) & ~failed  # one reason per cell
            reject(mask_array, field.name, reason, col)
            failed |= mask_array
        if field.required:
            reject(values.isna().to_numpy() & ~failed, field.name, "missing_value", col)
        if field.default is not None:
            values = values.astype(object).where(values.notna(), field.default)
        typed[field.name] = values
        if is_utc is not None:
            typed[field.name + UTC_FLAG] = is_utc

    rows = pd.DataFrame(typed, index=frame.index)
    rows[LINE] = lines
    rows = rows[~bad_rows]
    rejected = pd.concat(rejects, ignore_index=True) if rejects else _no_rejects()
    return Validated(rows=rows, rejects=rejected, rejected_lines=int(bad_rows.sum()))


def _no_rejects() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in REJECT_COLUMNS})


def records_rejects(line: int, column: str, reason: str, raw: str) -> pd.DataFrame:
    """One reject record as a frame, for rejects found outside :func:`validate`."""
    return pd.DataFrame({"line": [line], "column": [column], "reason": [reason], "raw": [raw]})

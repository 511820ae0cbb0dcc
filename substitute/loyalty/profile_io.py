"""Read the purchases, reviews and events files of ``substitute loyalty profile``.

CSV (with a header) or JSON lines, chosen by the suffix (``.jsonl``,
``.ndjson``, ``.json`` are JSON lines). A row that cannot be used is kept out
of the table and reported as a :class:`RowProblem` with its line number and
the reason; nothing is dropped silently. A file that cannot be used at all
(a required column missing) raises :class:`~substitute.errors.DataError`.

Timestamps are ISO 8601 dates or datetimes (naive ones read as UTC) or plain
numbers (a purchase sequence, epoch seconds); one file must use one kind.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from substitute.errors import DataError
from substitute.loyalty.tables import (
    EVENT_REQUIRED,
    EVENT_TYPES,
    PURCHASE_OPTIONAL,
    PURCHASE_REQUIRED,
    REVIEW_LABELS,
    REVIEW_OPTIONAL,
    Col,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ReadResult", "RowProblem", "read_events", "read_purchases", "read_reviews"]

JSON_SUFFIXES = {".jsonl", ".ndjson", ".json"}

#: ``(text, names)`` to a label; names are the reviewed item's brand and model.
Classify = Callable[[str, Sequence[str]], str]


@dataclass(frozen=True, slots=True)
class RowProblem:
    """One unusable input row."""

    source: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.source}, line {self.line}: {self.reason}"


@dataclass
class ReadResult:
    """The usable rows as a table, and the problems with the others."""

    frame: pd.DataFrame
    problems: list[RowProblem] = field(default_factory=list)
    n_rows: int = 0

    @property
    def n_rejected(self) -> int:
        return len(self.problems)


class _RowError(ValueError):
    """A reason a row cannot be used."""


def _records(path: Path) -> tuple[list[str] | None, Iterator[tuple[int, dict[str, Any] | None, str | None]]]:
    """The CSV header (None for JSON lines) and ``(line, record, problem)`` per row."""
    # Undecodable bytes become U+FFFD so one bad row does not stop the file;
    # rows holding one are reported.
    text = path.read_text(encoding="utf-8-sig", errors="replace")
    if path.suffix.lower() in JSON_SUFFIXES:
        return None, _json_records(text)
    reader = csv.reader(text.splitlines(keepends=True))
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        raise DataError(f"{path}: empty file; expected a CSV header line") from None
    return header, _csv_records(reader, header)


def _json_records(text: str) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if "\ufffd" in line:
            yield number, None, "not valid UTF-8"
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, None, f"not valid JSON ({exc.msg} at column {exc.colno})"
            continue
        if not isinstance(record, dict):
            yield number, None, "expected a JSON object"
            continue
        yield number, record, None


def _csv_records(reader: Any, header: list[str]) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    for fields in reader:
        number = reader.line_num
        if not any(f.strip() for f in fields):
            continue
        if len(fields) != len(header):
            yield number, None, f"expected {len(header)} fields, found {len(fields)}"
            continue
        if any("\ufffd" in f for f in fields):
            yield number, None, "not valid UTF-8"
            continue
        yield number, dict(zip(header, fields, strict=True)), None


def _text(record: Mapping[str, Any], name: str, *, required: bool) -> str | None:
    value = record.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise _RowError(f"no {name}")
        return None
    if isinstance(value, float) and not math.isfinite(value):
        raise _RowError(f"{name} {value!r} is not a value")
    if isinstance(value, (dict, list)):
        raise _RowError(f"{name} must be a single value, not {type(value).__name__}")
    return str(value).strip()


def _price(record: Mapping[str, Any], name: str) -> float | None:
    raw = _text(record, name, required=False)
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise _RowError(f"{name} {raw!r} is not a number") from None
    if not math.isfinite(value) or value < 0:
        raise _RowError(f"{name} {raw!r} must be a finite number >= 0")
    return value


def _timestamp(raw: str) -> tuple[str, float]:
    """``(kind, sort key)``: kind ``number`` or ``date``."""
    try:
        return "number", float(raw)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00") if raw.endswith("Z") else raw)
    except ValueError:
        raise _RowError(f"timestamp {raw!r} is neither an ISO 8601 date nor a number") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return "date", moment.timestamp()


def _require_columns(path: Path, header: list[str] | None, required: Sequence[str]) -> None:
    if header is None:
        return  # JSON lines: checked per record
    missing = [c for c in required if c not in header]
    if missing:
        raise DataError(
            f"{path}: missing column(s) {', '.join(missing)}; the header must name {', '.join(required)}"
        )


def _frame(rows: list[dict[str, Any]], columns: Sequence[str]) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(rows, columns=list(columns))


def read_purchases(path: Path) -> ReadResult:
    """Read a purchases file (see :mod:`substitute.loyalty.tables`).

    Parameters
    ----------
    path
        CSV or JSON lines with ``customer_id, timestamp, sku, brand, category``
        and optionally ``model, colour, price, min_price``.

    Returns
    -------
    ReadResult
        ``timestamp`` is a float sort key (epoch seconds for dates).
    """
    header, records = _records(path)
    _require_columns(path, header, PURCHASE_REQUIRED)
    rows: list[dict[str, Any]] = []
    problems: list[RowProblem] = []
    kind: str | None = None
    n = 0
    for number, record, problem in records:
        n += 1
        try:
            if problem is not None or record is None:
                raise _RowError(problem or "unreadable")
            row: dict[str, Any] = {c: _text(record, c, required=True) for c in PURCHASE_REQUIRED}
            row_kind, row[Col.TIMESTAMP] = _timestamp(row[Col.TIMESTAMP])
            if kind is not None and row_kind != kind:
                raise _RowError(
                    f"timestamp {record[Col.TIMESTAMP]!r} is a {row_kind}, earlier rows have {kind}s"
                )
            for col in (Col.MODEL, Col.COLOUR):
                row[col] = _text(record, col, required=False)
            row[Col.PRICE] = _price(record, Col.PRICE)
            row[Col.MIN_PRICE] = _price(record, Col.MIN_PRICE)
            if (
                row[Col.PRICE] is not None
                and row[Col.MIN_PRICE] is not None
                and row[Col.MIN_PRICE] > row[Col.PRICE]
            ):
                raise _RowError(f"min_price {row[Col.MIN_PRICE]} exceeds the price paid {row[Col.PRICE]}")
        except _RowError as exc:
            problems.append(RowProblem(path.name, number, str(exc)))
            continue
        kind = row_kind
        rows.append(row)
    return ReadResult(_frame(rows, [*PURCHASE_REQUIRED, *PURCHASE_OPTIONAL]), problems, n)


def read_reviews(path: Path, classify: Classify | None = None) -> ReadResult:
    """Read a reviews file.

    Parameters
    ----------
    path
        CSV or JSON lines with ``customer_id, sku, category`` and ``label``
        (one of :data:`~substitute.loyalty.tables.REVIEW_LABELS`) or ``text``;
        optionally ``brand``, ``model``.
    classify
        Labels a row that has ``text`` but no ``label``; without it such a row
        is a problem.

    Returns
    -------
    ReadResult
    """
    header, records = _records(path)
    base = (Col.CUSTOMER, Col.SKU, Col.CATEGORY)
    _require_columns(path, header, base)
    if header is not None and Col.LABEL not in header and Col.TEXT not in header:
        raise DataError(f"{path}: needs a label or a text column beside {', '.join(base)}")
    rows: list[dict[str, Any]] = []
    problems: list[RowProblem] = []
    n = 0
    for number, record, problem in records:
        n += 1
        try:
            if problem is not None or record is None:
                raise _RowError(problem or "unreadable")
            row: dict[str, Any] = {c: _text(record, c, required=True) for c in base}
            for col in REVIEW_OPTIONAL:
                row[col] = _text(record, col, required=False)
            row[Col.LABEL] = _label(record, row, classify)
        except _RowError as exc:
            problems.append(RowProblem(path.name, number, str(exc)))
            continue
        rows.append(row)
    return ReadResult(_frame(rows, [*base, Col.LABEL, *REVIEW_OPTIONAL]), problems, n)


def _label(record: Mapping[str, Any], row: Mapping[str, Any], classify: Classify | None) -> str:
    label = _text(record, Col.LABEL, required=False)
    if label is not None:
        folded = label.lower().replace("behavioural", "behavioral")
        if folded not in REVIEW_LABELS:
            raise _RowError(f"label {label!r} is not one of {', '.join(REVIEW_LABELS)}")
        return folded
    text = _text(record, Col.TEXT, required=False)
    if text is None:
        raise _RowError("no label and no text to classify")
    if classify is None:
        raise _RowError("no label, and no review classifier to read the text")
    names = [v for v in (row.get(Col.BRAND), row.get(Col.MODEL)) if v]
    return classify(text, names)


def read_events(path: Path, sku_category: Mapping[str, str] | None = None) -> ReadResult:
    """Read a substitute-offer events file.

    Parameters
    ----------
    path
        CSV or JSON lines with ``customer_id, sku, offered_sku, event_type,
        brand, offered_brand`` and ``category`` (which may be left empty when
        ``sku`` is in ``sku_category``).
    sku_category
        Category of each SKU, from the purchases.

    Returns
    -------
    ReadResult
    """
    header, records = _records(path)
    required = [c for c in EVENT_REQUIRED if c != Col.CATEGORY]
    _require_columns(path, header, required)
    sku_category = sku_category or {}
    rows: list[dict[str, Any]] = []
    problems: list[RowProblem] = []
    n = 0
    for number, record, problem in records:
        n += 1
        try:
            if problem is not None or record is None:
                raise _RowError(problem or "unreadable")
            row: dict[str, Any] = {c: _text(record, c, required=True) for c in required}
            event = str(row[Col.EVENT]).lower()
            if event not in EVENT_TYPES:
                raise _RowError(f"event_type {row[Col.EVENT]!r} is not one of {', '.join(EVENT_TYPES)}")
            row[Col.EVENT] = event
            category = _text(record, Col.CATEGORY, required=False) or sku_category.get(str(row[Col.SKU]))
            if category is None:
                raise _RowError(
                    f"no category, and sku {row[Col.SKU]!r} is not in the purchases to look it up"
                )
            row[Col.CATEGORY] = category
        except _RowError as exc:
            problems.append(RowProblem(path.name, number, str(exc)))
            continue
        rows.append(row)
    return ReadResult(_frame(rows, EVENT_REQUIRED), problems, n)

"""The risk list as CSV, safe to open in a spreadsheet (S8).

A text cell that a spreadsheet would read as a formula (it starts, after
any leading spaces, with ``= + - @``, a tab, a carriage return, or ``{``
as in an array formula ``{=...}``) gets a leading apostrophe, as OWASP
advises ("CSV Injection"); the apostrophe is shown, the formula never runs.
Numbers are written by this code from floats and are never escaped, so a
negative stock stays a number.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from substitute.web.risks import RiskRow

__all__ = ["HEADER", "csv_lines", "neutralise"]

TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "{", "\n")

HEADER = (
    "store_id",
    "store_name",
    "sku",
    "item_name",
    "brand",
    "category",
    "p_stockout_before_receipt",
    "p_stockout_window",
    "expected_sellout_date",
    "days_of_cover",
    "next_receipt_date",
    "on_hand",
    "reorder_qty",
    "substitutes_ready",
    "last_action",
)


def neutralise(value: object) -> object:
    """``value`` unchanged unless it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.lstrip(" ").startswith(TRIGGERS):
        return "'" + value
    return value


def _number(value: float | None, digits: int = 3) -> str:
    return "" if value is None else f"{round(float(value), digits):g}"


def csv_lines(rows: Iterable[tuple[RiskRow, str, str]]) -> Iterator[str]:
    """CSV text, one chunk per row, for ``(row, substitutes_ready, last_action)`` triples."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def flush() -> str:
        out = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return out

    writer.writerow(HEADER)
    yield flush()
    for row, ready, action in rows:
        writer.writerow(
            [
                neutralise(row.store_id),
                neutralise(row.store_name),
                neutralise(row.sku),
                neutralise(row.name),
                neutralise(row.brand or ""),
                neutralise(row.category or ""),
                _number(row.p_before_receipt),
                _number(row.p_window),
                row.expected_sellout_date.isoformat() if row.expected_sellout_date else "",
                _number(row.days_of_cover, 1),
                row.next_receipt_date.isoformat() if row.next_receipt_date else "",
                _number(row.on_hand, 1),
                _number(row.reorder_qty, 1),
                neutralise(ready),
                neutralise(action),
            ]
        )
        yield flush()

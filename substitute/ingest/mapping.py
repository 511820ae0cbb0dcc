"""Column mappings: a retailer's own export onto the canonical columns, no code.

A mapping is a TOML file::

    kind = "sales"
    format = "csv"                  # optional: csv | parquet (default: from the name)
    member = "export.csv"           # optional: the file inside a .zip
    encoding = "utf-8-sig"
    delimiter = ","
    date_format = "%m/%d/%Y"        # optional strptime formats; default ISO 8601
    timestamp_format = "%m/%d/%Y"

    [columns]                       # canonical name = how to get it
    sku = "PRODUCT_ID"                                  # a source column
    store_id = { const = "tafeng" }                     # a constant
    txn_id = { template = "{TRANSACTION_DT}|{CUSTOMER_ID}" }
    unit_price = { ratio = ["SALES_PRICE", "AMOUNT"] }  # a / b
    model = { floordiv = ["article_id", 1000] }         # a // n
    line = { row_number = true }                        # the record's line number
    kind = { column = "channel", values = { "1" = "store", "2" = "online" } }
    brand = { column = "BRAND", default = "house" }     # fill empty cells

Canonical columns not named are taken from a source column of the same name
when there is one. Without a mapping file the source must be canonical.
"""

from __future__ import annotations

import string
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from substitute.errors import MappingError
from substitute.ingest.cells import strip, to_numbers
from substitute.ingest.kinds import Kind, get_kind
from substitute.ingest.source import LINE, SourceOptions

_TOP_LEVEL = {
    "kind",
    "format",
    "member",
    "encoding",
    "delimiter",
    "date_format",
    "timestamp_format",
    "columns",
    "description",
}
_SPEC_KEYS = {"const", "template", "ratio", "floordiv", "row_number", "column", "values", "default"}


@dataclass(frozen=True)
class Mapping:
    kind: Kind
    columns: dict[str, Any] = field(default_factory=dict)
    source: SourceOptions = field(default_factory=SourceOptions)
    date_format: str | None = None
    timestamp_format: str | None = None
    path: Path | None = None

    @classmethod
    def identity(cls, kind: Kind) -> Mapping:
        return cls(kind=kind)

    @classmethod
    def load(cls, path: Path, kind: Kind | None = None) -> Mapping:
        try:
            with path.open("rb") as fh:
                data = tomllib.load(fh)
        except FileNotFoundError:
            raise MappingError(f"mapping {path} does not exist") from None
        except tomllib.TOMLDecodeError as exc:
            raise MappingError(f"mapping {path} is not valid TOML: {exc}") from exc
        unknown = set(data) - _TOP_LEVEL
        if unknown:
            raise MappingError(f"mapping {path}: unknown keys {sorted(unknown)}")
        declared = get_kind(data["kind"]) if "kind" in data else None
        if kind is not None and declared is not None and declared.name != kind.name:
            raise MappingError(f"mapping {path} is for {declared.name!r}, not {kind.name!r}")
        kind = kind or declared
        if kind is None:
            raise MappingError(f'mapping {path}: say which kind it maps with kind = "..."')
        columns = dict(data.get("columns", {}))
        for name, spec in columns.items():
            if name not in kind.field_names:
                raise MappingError(
                    f"mapping {path}: {name!r} is not a column of {kind.name} "
                    f"(columns: {', '.join(kind.field_names)})"
                )
            _check_spec(path, name, spec)
        options = SourceOptions(
            format=data.get("format"),
            encoding=data.get("encoding", "utf-8-sig"),
            delimiter=data.get("delimiter", ","),
            member=data.get("member"),
        )
        return cls(
            kind=kind,
            columns=columns,
            source=options,
            date_format=data.get("date_format"),
            timestamp_format=data.get("timestamp_format"),
            path=path,
        )

    def source_columns(self) -> set[str]:
        """Source columns this mapping reads (to check them against a file's header)."""
        needed: set[str] = set()
        for spec in self.columns.values():
            needed |= _spec_columns(spec)
        return needed

    def apply(self, raw: pd.DataFrame) -> pd.DataFrame:
        """Turn a source chunk into canonical columns (plus ``_line``)."""
        missing = self.source_columns() - set(raw.columns)
        if missing:
            raise MappingError(
                f"the file has no column {', '.join(sorted(missing))} that the mapping "
                f"{self.path or '(canonical)'} reads; its columns are: "
                f"{', '.join(c for c in raw.columns if c != LINE)}"
            )
        out = pd.DataFrame(index=raw.index)
        for name in self.kind.field_names:
            if name in self.columns:
                out[name] = _evaluate(self.columns[name], raw)
            elif name in raw.columns:
                out[name] = raw[name]
            elif name in self.kind.required:
                raise MappingError(
                    f"{self.kind.name}: required column {name!r} is neither in the file nor "
                    f"in the mapping; the file's columns are: "
                    f"{', '.join(c for c in raw.columns if c != LINE)}"
                )
        out[LINE] = raw[LINE].to_numpy()
        return out


def _check_spec(path: Path, name: str, spec: Any) -> None:
    if isinstance(spec, str):
        return
    if not isinstance(spec, dict) or not spec or set(spec) - _SPEC_KEYS:
        raise MappingError(
            f"mapping {path}: column {name!r} has an unknown specification {spec!r}; "
            f"use a column name or one of {sorted(_SPEC_KEYS)}"
        )
    if "values" in spec or "default" in spec:
        if "column" not in spec:
            raise MappingError(f"mapping {path}: column {name!r}: 'values'/'default' need 'column'")
    for two in ("ratio", "floordiv"):
        if two in spec and (not isinstance(spec[two], list) or len(spec[two]) != 2):
            raise MappingError(f"mapping {path}: column {name!r}: {two} takes [a, b]")


def _spec_columns(spec: Any) -> set[str]:
    if isinstance(spec, str):
        return {spec}
    if "template" in spec:
        return {f for _, f, _, _ in string.Formatter().parse(spec["template"]) if f}
    if "ratio" in spec:
        return {a for a in spec["ratio"] if isinstance(a, str)}
    if "floordiv" in spec:
        return {spec["floordiv"][0]}
    if "column" in spec:
        return {spec["column"]}
    return set()


def _text(series: pd.Series) -> pd.Series:
    return series.astype(str).where(series.notna(), "")


def _evaluate(spec: Any, raw: pd.DataFrame) -> pd.Series:
    if isinstance(spec, str):
        return raw[spec]
    if "const" in spec:
        return pd.Series([spec["const"]] * len(raw), index=raw.index, dtype=object)
    if "row_number" in spec:
        return raw[LINE]
    if "template" in spec:
        result = pd.Series("", index=raw.index, dtype=object)
        for literal, name, _, _ in string.Formatter().parse(spec["template"]):
            result = result + literal
            if name:
                result = result + _text(raw[name])
        return result
    if "ratio" in spec or "floordiv" in spec:
        return _arithmetic(spec, raw)
    column = raw[spec["column"]]
    if "values" in spec:
        table = {str(k): v for k, v in spec["values"].items()}
        text = _text(column)
        # Values without an entry pass through unchanged, for validation to judge.
        column = text.map(table).where(text.isin(table.keys()), text)
    if "default" in spec:
        text = strip(_text(column))
        column = column.where(text != "", spec["default"])
    return column


def _operand(value: Any, raw: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    if isinstance(value, str):
        col = raw[value]
        return to_numbers(col), _text(col)
    number = pd.Series(float(value), index=raw.index)
    return number, _text(number)


def _arithmetic(spec: dict[str, Any], raw: pd.DataFrame) -> pd.Series:
    op = "ratio" if "ratio" in spec else "floordiv"
    (a, a_text), (b, b_text) = (_operand(v, raw) for v in spec[op])
    with np.errstate(divide="ignore", invalid="ignore"):
        value = a / b if op == "ratio" else a // b
    ok = np.isfinite(value)
    result = value.astype(object)
    if op == "floordiv":
        result[ok] = value[ok].astype("int64").astype(object)
    # A failed operation keeps its inputs as text, so the reject shows what was read.
    result[~ok] = (a_text + "/" + b_text)[~ok]
    return result

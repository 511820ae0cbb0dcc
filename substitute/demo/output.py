"""Writing the generated files: canonical columns, byte-for-byte reproducible.

Column order and types come from :mod:`substitute.ingest.kinds`: text for
strings, dates and timestamps (in their ISO formats), int64 / float64 for
numbers, booleans as booleans (``true``/``false`` in CSV). Parquet files use
zstd with fixed settings, and no wall-clock time goes into any file, so the
same arguments give the same bytes. Each file is written under a temporary
name and renamed into place; the manifest, with every file's row count and
SHA-256, is written last.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from substitute.ingest.kinds import BOOL, FLOAT, INT, KINDS

#: Kinds written as Parquet; the rest are small enough to read as CSV.
PARQUET_KINDS = frozenset({"sales", "inventory", "customers", "reviews", "events"})
#: Sorted, mostly-unique text compresses best as prefix deltas.
_DELTA_COLUMNS = frozenset({"txn_id", "timestamp", "review_id", "event_id"})
_ARROW_TYPES = {INT: pa.int64(), FLOAT: pa.float64(), BOOL: pa.bool_()}


def kind_schema(kind: str) -> pa.Schema:
    """Arrow schema of a canonical file of ``kind``, in the kind's column order."""
    return pa.schema([(f.name, _ARROW_TYPES.get(f.type, pa.string())) for f in KINDS[kind].fields])


def file_name(kind: str) -> str:
    """``<kind>.parquet`` or ``<kind>.csv``, see :data:`PARQUET_KINDS`."""
    return f"{kind}.parquet" if kind in PARQUET_KINDS else f"{kind}.csv"


def conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """``table``'s columns in ``schema`` order and types; a missing column is all null."""
    columns = []
    for f in schema:
        if f.name in table.column_names:
            columns.append(table.column(f.name).cast(f.type))
        else:
            columns.append(pa.nulls(table.num_rows, f.type))
    return pa.Table.from_arrays(columns, schema=schema)


def _is_string(t: pa.DataType) -> bool:
    return bool(pa.types.is_string(t) or pa.types.is_large_string(t))


class ParquetSink:
    """A Parquet file written in chunks (one row group each) with fixed settings."""

    def __init__(self, path: Path, schema: pa.Schema, delta: frozenset[str] = _DELTA_COLUMNS) -> None:
        self.path = path
        self.tmp = path.with_name(path.name + ".tmp")
        self.schema = schema
        delta_cols = [f.name for f in schema if f.name in delta and _is_string(f.type)]
        self.writer = pq.ParquetWriter(
            self.tmp,
            schema,
            compression="zstd",
            compression_level=9,
            use_dictionary=[f.name for f in schema if f.name not in delta_cols],
            column_encoding=dict.fromkeys(delta_cols, "DELTA_BYTE_ARRAY") or None,
            write_statistics=False,
            write_page_index=False,
        )
        self.rows = 0

    def write(self, table: pa.Table) -> None:
        """Append ``table`` (conformed to the schema) as one row group."""
        table = conform(table, self.schema)
        if table.num_rows:
            self.writer.write_table(table, row_group_size=max(table.num_rows, 1))
            self.rows += table.num_rows

    def close(self) -> int:
        """Finish the file, move it into place and return its row count."""
        self.writer.close()
        os.replace(self.tmp, self.path)
        return self.rows


def write_parquet(path: Path, table: pa.Table, schema: pa.Schema | None = None) -> int:
    """Write ``table`` with the fixed settings of :class:`ParquetSink`; returns its rows."""
    sink = ParquetSink(path, schema or table.schema)
    for start in range(0, max(table.num_rows, 1), 1_000_000):
        sink.write(table.slice(start, 1_000_000))
    return sink.close()


def write_csv(path: Path, table: pa.Table) -> int:
    """Plain CSV: quoted only where needed, ``true``/``false``, numbers without trailing ``.0``."""
    tmp = path.with_name(path.name + ".tmp")
    columns = [_csv_cells(table.column(i)) for i in range(table.num_columns)]
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(table.column_names)
        writer.writerows(zip(*columns, strict=True))
    os.replace(tmp, path)
    return table.num_rows


def _csv_cells(column: pa.ChunkedArray) -> list[str]:
    values = column.to_pylist()
    if pa.types.is_boolean(column.type):
        return ["" if v is None else ("true" if v else "false") for v in values]
    if pa.types.is_floating(column.type):
        return ["" if v is None else format(v, ".12g") for v in values]
    return ["" if v is None else str(v) for v in values]


def write_kind(out_dir: Path, kind: str, table: pa.Table) -> tuple[str, int]:
    """Write a whole table of ``kind`` in its canonical format; returns (file name, rows)."""
    name = file_name(kind)
    table = conform(table, kind_schema(kind))
    rows = write_parquet(out_dir / name, table) if kind in PARQUET_KINDS else write_csv(out_dir / name, table)
    return name, rows


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_json(path: Path, payload: Any) -> None:
    """Pretty, key-sorted JSON, replaced atomically."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def manifest(out_dir: Path, rows: dict[str, tuple[str, int]], parameters: dict[str, Any]) -> dict[str, Any]:
    """The manifest: parameters, and per file its kind, rows, bytes and SHA-256."""
    files = {}
    for relative, (kind, count) in sorted(rows.items()):
        path = out_dir / relative
        files[relative] = {"kind": kind, "rows": count, "bytes": path.stat().st_size, "sha256": sha256(path)}
    return {"generator": "substitute.demo", "format_version": 1, "parameters": parameters, "files": files}

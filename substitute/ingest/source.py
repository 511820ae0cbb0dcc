"""Reading input files in chunks, keeping every record's line number.

CSV (plain, gzipped, or one member of a zip) and Parquet. CSV cells are read
as text so that a rejected value can be reported exactly as written. Line
numbers count records, the header being line 1 (Parquet: row 1 is the first).

A CSV record with the wrong number of fields makes pandas' fast parser fail;
the file is then read again with the standard ``csv`` module, and such
records come back as :class:`BadRecord` instead of being skipped.
"""

from __future__ import annotations

import csv
import gzip
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, cast

import pandas as pd

from substitute.errors import DataError

LINE = "_line"


@dataclass(frozen=True)
class SourceOptions:
    format: str | None = None  # csv | parquet; guessed from the file name when None
    encoding: str = "utf-8-sig"
    delimiter: str = ","
    member: str | None = None  # the file inside a .zip


@dataclass(frozen=True)
class BadRecord:
    line: int
    n_fields: int
    raw: str


def detect_format(path: Path, options: SourceOptions) -> str:
    if options.format:
        return options.format
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in {".parquet", ".pq"}:
        return "parquet"
    return "csv"


def count_hint(path: Path, options: SourceOptions) -> int | None:
    """Rows in the file when that is cheap to know (Parquet metadata), else None."""
    if detect_format(path, options) == "parquet":
        import pyarrow.parquet as pq

        return int(pq.ParquetFile(path).metadata.num_rows)
    return None


def _open_text_binary(path: Path, options: SourceOptions) -> io.BufferedIOBase:
    name = path.name.lower()
    if name.endswith(".zip"):
        archive = zipfile.ZipFile(path)
        members = [m for m in archive.namelist() if not m.endswith("/")]
        member = options.member or (members[0] if len(members) == 1 else None)
        if member is None:
            raise DataError(
                f"{path} holds several files ({', '.join(members)}): name one with 'member' in the mapping"
            )
        return archive.open(member)  # type: ignore[return-value]
    if name.endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def read_chunks(
    path: Path, options: SourceOptions, chunk_rows: int
) -> Iterator[tuple[pd.DataFrame, list[BadRecord]]]:
    """Yield ``(frame, bad_records)`` chunks; frames carry a ``_line`` column."""
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    if detect_format(path, options) == "parquet":
        yield from _read_parquet(path, chunk_rows)
        return
    next_line = 2
    try:
        for frame in _read_csv_fast(path, options, chunk_rows):
            next_line += len(frame)
            yield frame, []
    except pd.errors.ParserError:
        # A ragged record: go on from the first line not yet yielded, slowly.
        yield from _read_csv_tolerant(path, options, chunk_rows, skip_before=next_line)
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{path}: not {options.encoding} text ({exc.reason}); set 'encoding' in the mapping"
        ) from exc


def _read_csv_fast(path: Path, options: SourceOptions, chunk_rows: int) -> Iterator[pd.DataFrame]:
    with _open_text_binary(path, options) as fh:
        reader = pd.read_csv(
            fh,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            encoding=options.encoding,
            sep=options.delimiter,
            chunksize=chunk_rows,
            engine="c",
        )
        start = 2
        for frame in reader:
            frame[LINE] = range(start, start + len(frame))
            start += len(frame)
            yield frame


def _read_csv_tolerant(
    path: Path, options: SourceOptions, chunk_rows: int, skip_before: int = 2
) -> Iterator[tuple[pd.DataFrame, list[BadRecord]]]:
    with _open_text_binary(path, options) as raw:
        text = io.TextIOWrapper(cast(BinaryIO, raw), encoding=options.encoding, newline="")
        reader = csv.reader(text, delimiter=options.delimiter)
        header = next(reader, None)
        if header is None:
            return
        width = len(header)
        rows: list[list[str]] = []
        lines: list[int] = []
        bad: list[BadRecord] = []
        for line, record in enumerate(reader, start=2):
            if line < skip_before:
                continue
            if len(record) != width:
                bad.append(BadRecord(line, len(record), options.delimiter.join(record)))
            else:
                rows.append(record)
                lines.append(line)
            if len(rows) + len(bad) >= chunk_rows:
                yield _frame(rows, header, lines), bad
                rows, lines, bad = [], [], []
        if rows or bad:
            yield _frame(rows, header, lines), bad


def _frame(rows: list[list[str]], header: list[str], lines: list[int]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=header, dtype=object)
    frame[LINE] = lines
    return frame


def _read_parquet(path: Path, chunk_rows: int) -> Iterator[tuple[pd.DataFrame, list[BadRecord]]]:
    import pyarrow.parquet as pq

    start = 1
    for batch in pq.ParquetFile(path).iter_batches(batch_size=chunk_rows):
        frame = batch.to_pandas()
        frame[LINE] = range(start, start + len(frame))
        start += len(frame)
        yield frame, []

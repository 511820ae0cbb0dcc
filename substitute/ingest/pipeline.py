"""Ingesting a file: read → map → validate → dedupe → park or localise → merge.

Nothing is lost: each row read ends up loaded, updated, a duplicate, parked
(its SKU or store is not known yet) or rejected with file, line, column,
reason and raw value. The whole batch is written in one transaction; when the
share of rejected rows exceeds ``ingest.max_reject_share`` the data is rolled
back, the rejects and the ledger entry are kept, and :class:`BatchRejected`
is raised. Loading the same file twice changes nothing the second time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
from sqlalchemy import Connection, Engine, delete, func, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from substitute.db.models import IngestBatch, IngestReject, Item, Store, UnmatchedRow
from substitute.db.upsert import dialect_insert
from substitute.errors import BatchRejected, DataError, StorageError
from substitute.ingest.enrich import classify_reviews
from substitute.ingest.kinds import DATE, LOAD_ORDER, TIMESTAMP, Kind, get_kind
from substitute.ingest.localtime import localize
from substitute.ingest.mapping import Mapping
from substitute.ingest.source import LINE, count_hint, read_chunks
from substitute.ingest.summary import BatchSummary
from substitute.ingest.validate import UTC_FLAG, validate
from substitute.ingest.writer import merge
from substitute.liveness import owner_alive, owner_id
from substitute.settings import IngestSettings

_EXAMPLES = 5
_REFERENCE_TABLES = {"sku": (Item, "sku"), "store_id": (Store, "store_id")}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class _Batch:
    """Rows gathered from a source, and the rejects found along the way."""

    def __init__(self, kind: Kind, summary: BatchSummary) -> None:
        self.kind = kind
        self.summary = summary
        self.frames: list[pd.DataFrame] = []
        self.rejects: list[pd.DataFrame] = []

    def add_rejects(self, rejects: pd.DataFrame, rows: int) -> None:
        if rejects.empty:
            return
        self.rejects.append(rejects)
        self.summary.rejected += rows
        self.summary.reasons.update(rejects["reason"].tolist())

    def reject_rows(self, frame: pd.DataFrame, column: str, reason: str, raw: pd.Series) -> None:
        self.add_rejects(
            pd.DataFrame(
                {"line": frame[LINE].to_numpy(), "column": column, "reason": reason, "raw": raw.to_numpy()}
            ),
            len(frame),
        )

    def all_rejects(self) -> pd.DataFrame:
        if not self.rejects:
            return pd.DataFrame(columns=["line", "column", "reason", "raw"])
        return pd.concat(self.rejects, ignore_index=True).sort_values(["line", "column"], kind="stable")


def ingest_file(
    engine: Engine,
    kind_name: str,
    path: Path,
    *,
    mapping_path: Path | None = None,
    settings: IngestSettings | None = None,
) -> BatchSummary:
    """Load one file of ``kind_name``; see the module docstring for the guarantees.

    Raises
    ------
    BatchRejected
        When more than ``settings.max_reject_share`` of the rows are rejected.
    """
    settings = settings or IngestSettings()
    kind = get_kind(kind_name)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    mapping = Mapping.load(mapping_path, kind) if mapping_path else Mapping.identity(kind)
    sha = file_sha256(path)
    summary = BatchSummary(kind=kind.name, source=str(path))
    batch = _Batch(kind, summary)
    started = time.perf_counter()

    from tqdm import tqdm

    bar = tqdm(
        total=count_hint(path, mapping.source),
        unit=" rows",
        desc=f"{kind.name} {path.name}",
        disable=None if settings.progress else True,
        leave=False,
    )
    with bar:
        for raw, bad_records in read_chunks(path, mapping.source, settings.chunk_rows):
            summary.rows_read += len(raw) + len(bad_records)
            if bad_records:
                batch.add_rejects(
                    pd.DataFrame(
                        {
                            "line": [b.line for b in bad_records],
                            "column": "*",
                            "reason": "wrong_field_count",
                            "raw": [b.raw for b in bad_records],
                        }
                    ),
                    len(bad_records),
                )
            checked = validate(
                mapping.apply(raw),
                kind,
                date_format=mapping.date_format,
                timestamp_format=mapping.timestamp_format,
            )
            batch.add_rejects(checked.rejects, checked.rejected_lines)
            batch.frames.append(checked.rows)
            bar.update(len(raw) + len(bad_records))

    rows = _concat(batch.frames)
    return _commit(engine, batch, rows, sha=sha, mapping=mapping_path, settings=settings, started=started)


def ingest_records(
    engine: Engine,
    kind_name: str,
    records: Iterable[dict],
    *,
    source: str,
    settings: IngestSettings | None = None,
) -> BatchSummary:
    """Load in-memory records (canonical columns) with the same guarantees as a file."""
    settings = settings or IngestSettings()
    kind = get_kind(kind_name)
    frame = pd.DataFrame(list(records), dtype=object)
    frame[LINE] = range(1, len(frame) + 1)
    summary = BatchSummary(kind=kind.name, source=source, rows_read=len(frame))
    batch = _Batch(kind, summary)
    started = time.perf_counter()
    checked = validate(Mapping.identity(kind).apply(frame), kind)
    batch.add_rejects(checked.rejects, checked.rejected_lines)
    sha = hashlib.sha256(frame.drop(columns=[LINE]).to_json().encode()).hexdigest()
    return _commit(engine, batch, checked.rows, sha=sha, mapping=None, settings=settings, started=started)


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Chunks into one frame, column by column.

    ``pd.concat`` of frames checks every cell of an all-missing object column
    (a column the file does not have) one by one; concatenating each column
    as a Series skips that and gives the same frame.
    """
    if not frames:
        return pd.DataFrame()
    if len(frames) == 1:
        return frames[0].reset_index(drop=True)
    columns = frames[0].columns
    if any(not (f.columns.equals(columns) and f.dtypes.equals(frames[0].dtypes)) for f in frames[1:]):
        return pd.concat(frames, ignore_index=True)
    return pd.DataFrame(
        {c: pd.concat([f[c] for f in frames], ignore_index=True) for c in columns}, columns=columns
    )


def _dedupe(batch: _Batch, rows: pd.DataFrame) -> pd.DataFrame:
    """Drop rows repeated within the batch; a key repeated with other values is a conflict."""
    kind = batch.kind
    if rows.empty:
        return rows
    if not rows.duplicated(subset=list(kind.key)).any():
        # Rows repeated exactly share their key too: nothing to drop.
        return rows
    content = [c for c in rows.columns if c != LINE]
    exact = rows.duplicated(subset=content, keep="first")
    batch.summary.duplicate += int(exact.sum())
    rows = rows[~exact]
    if kind.mutable:
        # The last version in the file wins; earlier ones are superseded.
        superseded = rows.duplicated(subset=list(kind.key), keep="last")
        batch.summary.duplicate += int(superseded.sum())
        return rows[~superseded]
    repeated = rows.duplicated(subset=list(kind.key), keep="first")
    if repeated.any():
        clash = rows[repeated]
        key_text = clash[list(kind.key)].astype(str).agg("|".join, axis=1)
        batch.reject_rows(clash, "+".join(kind.key), "conflicting_duplicate", key_text)
    return rows[~repeated]


def _known(conn: Connection, column: str) -> set[str]:
    model, attr = _REFERENCE_TABLES[column]
    return set(conn.execute(select(getattr(model, attr))).scalars())


def _payload(rows: pd.DataFrame, kind: Kind) -> list[str]:
    """Parked rows as canonical JSON text that :func:`rejoin_unmatched` can validate again."""
    out = pd.DataFrame(index=rows.index)
    for f in kind.fields:
        col = rows[f.name]
        if f.type == DATE:
            out[f.name] = col.dt.strftime("%Y-%m-%d").where(col.notna(), None)
        elif f.type == TIMESTAMP:
            text = col.dt.strftime("%Y-%m-%dT%H:%M:%S.%f")
            text = text.where(~rows[f.name + UTC_FLAG].astype(bool), text + "Z")
            out[f.name] = text.where(col.notna(), None)
        else:
            out[f.name] = col.astype(object).where(col.notna(), None)
    return [json.dumps(r, ensure_ascii=False, sort_keys=True) for r in out.to_dict("records")]


def _park(conn: Connection, batch: _Batch, rows: pd.DataFrame, batch_id: int) -> pd.DataFrame:
    """Park rows whose references are unknown; return the rows that can load now."""
    kind = batch.kind
    if not kind.references or rows.empty:
        return rows
    absent = {ref: rows[ref].notna() & ~rows[ref].isin(_known(conn, ref)) for ref in kind.references}
    waiting_mask = pd.concat(absent.values(), axis=1).any(axis=1)
    waiting = rows[waiting_mask]
    if waiting.empty:
        return rows
    missing = [",".join(ref for ref in kind.references if absent[ref].at[i]) for i in waiting.index]
    keys = waiting[list(kind.key)].astype(str).agg("|".join, axis=1)
    records = [
        {"kind": kind.name, "row_key": k, "missing": m, "payload": p, "batch_id": batch_id}
        for k, m, p in zip(keys, missing, _payload(waiting, kind), strict=True)
    ]
    count = select(func.count()).select_from(UnmatchedRow).where(UnmatchedRow.kind == kind.name)
    before = conn.execute(count).scalar_one()
    stmt = dialect_insert(conn, UnmatchedRow.__table__).on_conflict_do_nothing(
        index_elements=["kind", "row_key"]
    )
    conn.execute(stmt, records)
    parked = conn.execute(count).scalar_one() - before
    batch.summary.parked += parked
    batch.summary.duplicate += len(waiting) - parked
    return rows[~waiting_mask]


def _to_table_rows(conn: Connection, batch: _Batch, rows: pd.DataFrame) -> pd.DataFrame:
    """Canonical rows to table rows: timestamps to ``ts_utc`` (+ the store-local
    ``business_date`` of sales); reviews read for loyalty."""
    if batch.kind.name == "reviews" and not rows.empty:
        return classify_reviews(conn, rows)
    if "timestamp" not in batch.kind.field_names or rows.empty:
        return rows
    zones = {s: z for s, z in conn.execute(select(Store.store_id, Store.timezone))}
    local = localize(rows["timestamp"], rows["timestamp" + UTC_FLAG], rows["store_id"], zones)
    if local.shifted_from_gap:
        batch.summary.warnings["dst_gap_shifted"] += local.shifted_from_gap
    rows = rows.drop(columns=["timestamp", "timestamp" + UTC_FLAG])
    rows["ts_utc"] = local.ts_utc
    if "business_date" in batch.kind.table.__table__.c:
        rows["business_date"] = local.business_date
    return rows


def _store_rejects(conn: Connection, batch: _Batch, batch_id: int, sha: str) -> None:
    rejects = batch.all_rejects()
    summary = batch.summary
    summary.examples = [
        (int(str(r.line)), str(r.column), str(r.reason), str(r.raw))
        for r in rejects.head(_EXAMPLES).itertuples(index=False)
    ]
    if rejects.empty:
        return
    records = [
        {
            "batch_id": batch_id,
            "kind": summary.kind,
            "source": summary.source,
            "file_sha256": sha,
            "line": int(line),
            "column_name": str(column),
            "reason": str(reason),
            "raw_value": None if raw is None else str(raw)[:2000],
        }
        for line, column, reason, raw in rejects.itertuples(index=False)
    ]
    stmt = dialect_insert(conn, IngestReject.__table__).on_conflict_do_nothing(
        index_elements=["kind", "file_sha256", "line", "column_name"]
    )
    conn.execute(stmt, records)


def _finish(conn: Connection, summary: BatchSummary, started: float) -> None:
    summary.seconds = time.perf_counter() - started
    conn.execute(
        update(IngestBatch)
        .where(IngestBatch.id == summary.batch_id)
        .values(
            status=summary.status,
            rows_read=summary.rows_read,
            loaded=summary.loaded,
            updated=summary.updated,
            parked=summary.parked,
            duplicate=summary.duplicate,
            rejected=summary.rejected,
            finished_at=_now(),
            message=summary.message,
        )
    )


def _commit(
    engine: Engine,
    batch: _Batch,
    rows: pd.DataFrame,
    *,
    sha: str,
    mapping: Path | None,
    settings: IngestSettings,
    started: float,
) -> BatchSummary:
    summary = batch.summary
    fail_abandoned_batches(engine)
    with engine.begin() as conn:
        summary.batch_id = conn.execute(
            insert(IngestBatch)
            .values(
                kind=summary.kind,
                source=summary.source,
                file_sha256=sha,
                mapping=str(mapping) if mapping else None,
                status="running",
                started_at=_now(),
                owner=owner_id(),
            )
            .returning(IngestBatch.id)
        ).scalar_one()
    batch_id = summary.batch_id
    try:
        with engine.begin() as conn:
            rows = _dedupe(batch, rows)
            rows = _park(conn, batch, rows, batch_id)
            rows = _to_table_rows(conn, batch, rows)
            merged = merge(conn, batch.kind, rows, batch_id)
            summary.loaded += merged.inserted
            summary.updated += merged.updated
            summary.duplicate += merged.identical
            if merged.conflicts:
                lines, keys = zip(*merged.conflicts, strict=True)
                batch.reject_rows(
                    pd.DataFrame({LINE: lines}),
                    "+".join(batch.kind.key),
                    "conflicts_with_stored",
                    pd.Series(keys),
                )
            if summary.reject_share > settings.max_reject_share:
                raise _TooManyRejects
            _store_rejects(conn, batch, batch_id, sha)
            nothing_new = not (summary.loaded or summary.updated or summary.parked)
            summary.status = "duplicate" if nothing_new and summary.duplicate else "active"
            _finish(conn, summary, started)
    except _TooManyRejects:
        # The counts say what the batch held; none of it was activated.
        summary.status = "rejected"
        summary.message = (
            f"{summary.rejected:,} of {summary.rows_read:,} rows rejected "
            f"({summary.reject_share:.1%} > ingest.max_reject_share {settings.max_reject_share:.1%}): "
            "nothing was activated; fix the rows listed in ingest_rejects and load the file again"
        )
        with engine.begin() as conn:
            _store_rejects(conn, batch, batch_id, sha)
            _finish(conn, summary, started)
        raise BatchRejected(summary.message, summary) from None
    except SQLAlchemyError as exc:
        summary.status = "failed"
        cause = getattr(exc, "orig", None) or exc
        summary.message = f"database error, nothing was activated: {type(exc).__name__}: {cause}"
        with engine.begin() as conn:
            _finish(conn, summary, started)
        raise StorageError(f"batch {batch_id} ({summary.kind}) failed: {summary.message}") from exc
    except BaseException as exc:
        summary.status = "failed"
        summary.message = f"{type(exc).__name__}: {exc}; nothing was activated"
        with engine.begin() as conn:
            _finish(conn, summary, started)
        raise
    if summary.kind in ("items", "stores"):
        # A late master row may complete facts parked earlier.
        rejoin_unmatched(engine, settings=settings)
    return summary


class _TooManyRejects(Exception):
    pass


#: A load on another host that has not finished after this long is taken for dead.
ABANDONED_AFTER = dt.timedelta(hours=6)


def fail_abandoned_batches(engine: Engine) -> list[int]:
    """Mark failed the batches left ``running`` by a load that was killed.

    Their rows were never committed (a batch writes in one transaction); this
    only sets the ledger straight, so operators do not see a load running forever.
    """
    now = _now()
    with engine.begin() as conn:
        running = conn.execute(
            select(IngestBatch.id, IngestBatch.owner, IngestBatch.started_at).where(
                IngestBatch.status == "running"
            )
        ).all()
        dead = [i for i, owner, started in running if not owner_alive(owner, started, now, ABANDONED_AFTER)]
        if dead:
            conn.execute(
                update(IngestBatch)
                .where(IngestBatch.id.in_(dead))
                .values(
                    status="failed",
                    finished_at=now,
                    message="abandoned: the loading process died; nothing of this batch was activated",
                )
            )
    return dead


def canonical_files(folder: Path) -> list[tuple[str, Path]]:
    """The ``<kind>.parquet|.csv.gz|.csv`` files in ``folder``, in load order (masters first)."""
    found = []
    for kind in LOAD_ORDER:
        for suffix in (".parquet", ".csv.gz", ".csv"):
            if (folder / f"{kind}{suffix}").is_file():
                found.append((kind, folder / f"{kind}{suffix}"))
                break
    return found


def rejoin_unmatched(engine: Engine, *, settings: IngestSettings | None = None) -> list[BatchSummary]:
    """Load parked rows whose SKU and store are now known; one batch per kind."""
    settings = settings or IngestSettings()
    summaries = []
    with engine.connect() as conn:
        kinds = conn.execute(select(UnmatchedRow.kind).distinct()).scalars().all()
    for name in sorted(kinds, key=LOAD_ORDER.index):
        kind = get_kind(name)
        with engine.connect() as conn:
            parked = conn.execute(
                select(UnmatchedRow.id, UnmatchedRow.payload).where(UnmatchedRow.kind == name)
            ).all()
            known = {ref: _known(conn, ref) for ref in kind.references}
        records = [json.loads(p) for _, p in parked]
        ready = [
            (row_id, rec)
            for (row_id, _), rec in zip(parked, records, strict=True)
            if all(rec.get(ref) is None or rec[ref] in known[ref] for ref in kind.references)
        ]
        if not ready:
            continue
        summary = ingest_records(
            engine, name, [rec for _, rec in ready], source="unmatched_rows", settings=settings
        )
        with engine.begin() as conn:
            conn.execute(delete(UnmatchedRow).where(UnmatchedRow.id.in_([i for i, _ in ready])))
        summaries.append(summary)
    return summaries

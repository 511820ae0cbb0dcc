"""Ingestion throughput on the real Ta Feng file (817,741 lines), ours vs a naive loader.

    python bench/ingest.py ../shared/data/ta_feng/ta_feng.csv.zip [--database-url URL]

Loads stores, items and customers through their mappings (untimed), then the
sales lines, timed: read, map, validate, dedupe, localise, merge and commit.
Side by side, in the same run and on the same database kind, a naive baseline:
``pandas.read_csv`` + ``DataFrame.to_sql`` of the raw file with no validation,
no deduplication and no accounting. Without --database-url both use a fresh
SQLite file; with a PostgreSQL URL both work in a scratch schema ``bench``
that is dropped first. Ends with one JSON line of figures.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine, create_engine, text

from substitute.db import make_engine, upgrade
from substitute.ingest.pipeline import ingest_file
from substitute.settings import IngestSettings

MAPPINGS = Path(__file__).resolve().parents[1] / "configs" / "mappings" / "ta_feng"


def _engine(url: str | None, workdir: Path, name: str) -> Engine:
    if url is None:
        return make_engine(f"sqlite:///{workdir / name}.db")
    if url.startswith("postgresql"):
        admin = make_engine(url)
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {name} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {name}"))
        admin.dispose()
        driver_url = url.replace("postgresql://", "postgresql+psycopg://", 1)
        return create_engine(driver_url, connect_args={"options": f"-csearch_path={name}"})
    return make_engine(url)


def _naive_baseline(engine: Engine, path: Path) -> float:
    started = time.perf_counter()
    with zipfile.ZipFile(path) as archive:
        frame = pd.read_csv(archive.open(archive.namelist()[0]), dtype=str, encoding="utf-8-sig")
    frame.to_sql("naive_sales", engine, if_exists="replace", index=False, chunksize=50_000)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("path", type=Path, help="ta_feng.csv.zip")
    parser.add_argument("--database-url", help="PostgreSQL URL (a scratch schema is used); default SQLite")
    args = parser.parse_args(argv)
    if not args.path.is_file():
        print(f"missing data: {args.path} (see ../shared/data/README.md)", file=sys.stderr)
        return 2

    settings = IngestSettings(progress=False)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        engine = _engine(args.database_url, workdir, "bench_ours")
        upgrade(engine)
        for kind in ("stores", "items", "customers"):
            summary = ingest_file(
                engine, kind, args.path, mapping_path=MAPPINGS / f"{kind}.toml", settings=settings
            )
            print(summary.render())

        started = time.perf_counter()
        sales = ingest_file(
            engine, "sales", args.path, mapping_path=MAPPINGS / "sales.toml", settings=settings
        )
        ours = time.perf_counter() - started
        print(sales.render())
        assert sales.balanced, "rows unaccounted for"

        started = time.perf_counter()
        again = ingest_file(
            engine, "sales", args.path, mapping_path=MAPPINGS / "sales.toml", settings=settings
        )
        replay = time.perf_counter() - started
        print(again.render())
        engine.dispose()

        naive_engine = _engine(args.database_url, workdir, "bench_naive")
        naive = _naive_baseline(naive_engine, args.path)
        naive_engine.dispose()

    backend = "postgresql" if args.database_url and args.database_url.startswith("postgresql") else "sqlite"
    rows = sales.rows_read
    print(f"\n{'loader':<34}{'seconds':>9}{'rows/s':>12}")
    print(f"{'substitute ingest (first load)':<34}{ours:>9.1f}{rows / ours:>12,.0f}")
    print(f"{'substitute ingest (replay, 0 new)':<34}{replay:>9.1f}{rows / replay:>12,.0f}")
    print(f"{'naive read_csv + to_sql':<34}{naive:>9.1f}{rows / naive:>12,.0f}")
    print(f"ours / naive time: {ours / naive:.2f} (the naive loader validates and dedupes nothing)")
    figures = {
        "database": backend,
        "rows": rows,
        "loaded": sales.loaded,
        "rejected": sales.rejected,
        "seconds": round(ours, 2),
        "rows_per_s": round(rows / ours),
        "replay_seconds": round(replay, 2),
        "replay_new_rows": again.loaded,
        "naive_seconds": round(naive, 2),
        "ours_over_naive_time": round(ours / naive, 2),
    }
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Determinism and the manifest: the same arguments give the same bytes."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pyarrow.parquet as pq
import pytest

from substitute.demo import generate
from tests.demo.conftest import SMALL


def test_same_seed_gives_byte_identical_files(demo_dir, tmp_path):
    again = generate(tmp_path, **SMALL)
    first = json.loads((demo_dir / "manifest.json").read_text())
    assert again == first
    for name in first["files"]:
        assert (tmp_path / name).read_bytes() == (demo_dir / name).read_bytes(), name


def test_another_seed_gives_other_data(demo, tmp_path):
    other = generate(tmp_path, **{**SMALL, "seed": 1})
    for name in ("items.csv", "customers.parquet", "sales.parquet", "inventory.parquet", "reviews.parquet"):
        assert other["files"][name]["sha256"] != demo.manifest["files"][name]["sha256"], name


def test_manifest_counts_and_checksums_match_the_files(demo, demo_dir):
    files = demo.manifest["files"]
    kinds = {entry["kind"] for entry in files.values()}
    assert kinds >= {"stores", "items", "customers", "sales", "inventory", "receipts", "reviews", "events"}
    assert kinds >= {"promotions", "weather", "truth"}
    for name, entry in files.items():
        path = demo_dir / name
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"], name
        assert path.stat().st_size == entry["bytes"]
        if name.endswith(".parquet"):
            assert pq.ParquetFile(path).metadata.num_rows == entry["rows"], name
        elif name.endswith(".csv"):
            assert len(path.read_text(encoding="utf-8").splitlines()) == entry["rows"] + 1, name
    assert demo.manifest["parameters"]["start_date"] == "2025-11-23"
    assert demo.manifest["parameters"]["end_date"] == "2026-07-20"
    assert not list(demo_dir.rglob("*.tmp"))


def test_truth_stays_out_of_the_input_files(demo_dir):
    inputs = {p.name for p in demo_dir.iterdir() if p.is_file()}
    assert inputs == {
        "manifest.json", "stores.csv", "items.csv", "customers.parquet", "sales.parquet", "inventory.parquet",
        "receipts.csv", "reviews.parquet", "events.parquet", "promotions.csv", "weather.csv",
    }  # fmt: skip
    truth = {p.name for p in (demo_dir / "truth").iterdir()}
    assert truth == {
        "loyalty.parquet", "lost_demand.parquet", "review_labels.parquet", "event_outcomes.parquet",
        "choice_model.json",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("argument", "value"), [("n_items", 0), ("n_stores", 0), ("n_customers", 0), ("days", 3), ("seed", -1)]
)
def test_bad_arguments_are_named(tmp_path, argument, value):
    with pytest.raises(ValueError, match=argument):
        generate(tmp_path, **{**SMALL, argument: value})


def test_window_ends_on_the_end_date(tmp_path):
    result = generate(
        tmp_path, n_items=20, n_stores=1, n_customers=50, days=30, end_date=dt.date(2025, 12, 31)
    )
    assert result["parameters"]["start_date"] == "2025-12-02"
    dates = pq.read_table(tmp_path / "inventory.parquet", columns=["business_date"]).column(0).to_pylist()
    assert max(dates) == "2025-12-31"
    assert min(dates) >= "2025-12-02"

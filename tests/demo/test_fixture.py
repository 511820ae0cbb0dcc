"""The committed ``fixtures/demo`` is exactly what the generator makes with its defaults."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from substitute.demo import generate

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "demo"


def test_committed_fixture_matches_the_generator(tmp_path):
    if not (FIXTURE / "manifest.json").exists():
        pytest.fail("fixtures/demo is missing: run `substitute demo-data fixtures/demo`")
    committed = json.loads((FIXTURE / "manifest.json").read_text())
    fresh = generate(tmp_path)
    assert fresh["parameters"] == committed["parameters"]
    assert {k: v["rows"] for k, v in fresh["files"].items()} == {
        k: v["rows"] for k, v in committed["files"].items()
    }
    for name in ("items.csv", "sales.parquet", "inventory.parquet", "truth/loyalty.parquet"):
        assert fresh["files"][name]["sha256"] == committed["files"][name]["sha256"], (
            f"{name} drifted: regenerate with `substitute demo-data fixtures/demo`"
        )


def test_committed_fixture_is_small():
    total = sum(p.stat().st_size for p in FIXTURE.rglob("*") if p.is_file())
    assert total <= 6 * 1024 * 1024

"""A small demo retailer, generated once per test session, and its files as frames."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from substitute.demo import generate

#: Small enough to generate in a few seconds, large enough for the planted effects to show.
SMALL: dict[str, Any] = {"n_items": 120, "n_stores": 3, "n_customers": 600, "days": 240, "seed": 0}


class DemoFiles:
    """Lazily read frames of a generated folder (``files["sales"]``, ``files["truth/loyalty"]``)."""

    def __init__(self, root: Path, manifest: dict[str, Any]) -> None:
        self.root = root
        self.manifest = manifest
        self._frames: dict[str, pd.DataFrame] = {}

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._frames:
            parquet, csv = self.root / f"{name}.parquet", self.root / f"{name}.csv"
            if parquet.exists():
                self._frames[name] = pd.read_parquet(parquet)
            else:
                self._frames[name] = pd.read_csv(csv, dtype=str, keep_default_na=False)
        return self._frames[name].copy()


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("demo")
    generate(root, **SMALL)
    return root


@pytest.fixture(scope="session")
def demo(demo_dir: Path) -> DemoFiles:
    import json

    return DemoFiles(demo_dir, json.loads((demo_dir / "manifest.json").read_text()))


def local_dates(timestamps: pd.Series) -> pd.Series:
    """Tokyo business date (``YYYY-MM-DD``) of ISO timestamps with an offset or ``Z``."""
    instants = pd.to_datetime(timestamps, format="ISO8601", utc=True)
    return instants.dt.tz_convert("Asia/Tokyo").dt.strftime("%Y-%m-%d")

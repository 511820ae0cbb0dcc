"""Small panels with planted answers for the forecaster's tests."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

AS_OF = pd.Timestamp("2024-03-31")


def series_frame(
    sales: Sequence[float],
    *,
    sku: str = "A",
    store: str = "S1",
    end: pd.Timestamp = AS_OF,
    on_hand: Sequence[float] | None = None,
    stockout: Sequence[bool] | None = None,
) -> pd.DataFrame:
    """One series as long rows ending at ``end`` (one row per day)."""
    dates = pd.date_range(end=end, periods=len(sales), freq="D")
    frame = pd.DataFrame({"store_id": store, "sku": sku, "date": dates, "sales": np.asarray(sales, float)})
    if on_hand is not None:
        frame["on_hand"] = np.asarray(on_hand, float)
    if stockout is not None:
        frame["stockout"] = np.asarray(stockout, bool)
    return frame


def panel_of(*frames: pd.DataFrame) -> pd.DataFrame:
    return pd.concat(frames, ignore_index=True)


def one_row(frame: pd.DataFrame, sku: str, store: str = "S1") -> pd.Series:
    sel = frame[(frame["sku"] == sku) & (frame["store_id"] == store)]
    assert len(sel) == 1, f"expected one row for {store}/{sku}, got {len(sel)}"
    return sel.iloc[0]


def intermittent_matrix(n: int, days: int, seed: int, p_demand: float = 0.3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    occur = rng.random((n, days)) < rng.uniform(0.05, p_demand * 2, (n, 1))
    return (occur * (1 + rng.poisson(rng.uniform(0.5, 4, (n, 1)), (n, days)))).astype(float)

"""Uncertainty: dispersion estimates and calibration of stockout probabilities."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from substitute.forecast import forecast_panel
from tests.forecast.helpers import AS_OF, panel_of, series_frame


def _nb_panel(n: int, days: int, phi: float, seed: int) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    mean = rng.uniform(0.5, 6.0, n)
    lam = rng.gamma(1 / phi, mean[:, None] * phi, (n, days)) if phi > 0 else np.repeat(mean[:, None], days, 1)
    y = rng.poisson(lam).astype(float)
    return panel_of(*[series_frame(y[i, :-14], sku=f"K{i:03d}", end=AS_OF) for i in range(n)]), y, mean


def test_dispersion_tracks_the_truth() -> None:
    poisson_panel, _, _ = _nb_panel(60, 154, 0.0, seed=1)
    nb_panel, _, _ = _nb_panel(60, 154, 1.0, seed=2)
    phi_poisson = forecast_panel(poisson_panel, AS_OF).series["dispersion"].median()
    phi_nb = forecast_panel(nb_panel, AS_OF).series["dispersion"].median()
    assert phi_poisson < 0.1  # mostly exactly Poisson
    assert 0.6 < phi_nb < 1.5


def test_stockout_probability_is_calibrated_on_simulated_nb_demand() -> None:
    # 600 series of NB demand (phi = 0.5); on-hand drawn from what is known at
    # the cutoff; the predicted P(stockout within 7 days) must match how often
    # the simulated next week actually emptied the shelf.
    rng = np.random.default_rng(20240601)
    n = 600
    panel, y, mean = _nb_panel(n, 140 + 14, 0.5, seed=7)
    on_hand = np.round(mean * 7 * rng.uniform(0.3, 1.8, n))
    positions = pd.DataFrame({"store_id": "S1", "sku": [f"K{i:03d}" for i in range(n)], "on_hand": on_hand})
    res = forecast_panel(panel, AS_OF, 14, positions=positions)
    p = res.series.set_index("sku").loc[positions["sku"], "p_stockout_within_7d"].to_numpy()
    future = y[:, -14:-7]
    happened = (future.sum(axis=1) >= on_hand).astype(float)
    brier = np.mean((p - happened) ** 2)
    assert brier < np.mean((happened.mean() - happened) ** 2) * 0.8  # skilful
    for lo, hi in [(0.0, 0.2), (0.2, 0.5), (0.5, 0.8), (0.8, 1.0)]:
        sel = (p >= lo) & (p < hi) if hi < 1 else (p >= lo)
        if sel.sum() >= 40:
            assert abs(p[sel].mean() - happened[sel].mean()) < 0.1, (lo, hi)
    # the daily upper quantiles cover about as often as they say
    daily = res.daily
    q95 = daily.pivot(index="sku", columns="date", values="q95").loc[positions["sku"]].to_numpy()
    assert (y[:, -14:] <= q95).mean() == pytest.approx(0.95, abs=0.03)

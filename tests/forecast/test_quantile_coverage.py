"""Daily quantiles cover as often as they say on simulated negative binomial demand."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from substitute.forecast import forecast_panel
from tests.forecast.helpers import AS_OF, panel_of, series_frame

HELD_OUT = 14
#: A year of history, so that the shrinkage priors (phi 1.0, kappa 0.3) weigh little.


def _nb_demand(n: int, days: int, phi: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    mean = rng.uniform(8.0, 40.0, n)  # large enough counts that integer quantiles are nearly exact
    lam = rng.gamma(1 / phi, mean[:, None] * phi, (n, days))
    return rng.poisson(lam).astype(float)


def test_q90_and_q95_cover_their_level_on_nb_demand() -> None:
    y = _nb_demand(300, 364 + HELD_OUT, 0.3, seed=21)
    skus = [f"K{i:03d}" for i in range(len(y))]
    panel = panel_of(
        *[series_frame(row[:-HELD_OUT], sku=s, end=AS_OF) for s, row in zip(skus, y, strict=True)]
    )
    daily = forecast_panel(panel, AS_OF, HELD_OUT).daily
    future = y[:, -HELD_OUT:]
    for col, level in (("q90", 0.90), ("q95", 0.95)):
        q = daily.pivot(index="sku", columns="date", values=col).loc[skus].to_numpy()
        assert (future <= q).mean() == pytest.approx(level, abs=0.02), col


def test_randomised_pit_is_uniform_on_nb_demand() -> None:
    # the PIT of a count, drawn uniformly within its step of the forecast CDF,
    # is uniform when the forecast distribution is right (Czado et al. 2009)
    y = _nb_demand(200, 364 + HELD_OUT, 0.5, seed=22)
    skus = [f"K{i:03d}" for i in range(len(y))]
    panel = panel_of(
        *[series_frame(row[:-HELD_OUT], sku=s, end=AS_OF) for s, row in zip(skus, y, strict=True)]
    )
    res = forecast_panel(panel, AS_OF, HELD_OUT)
    mean = res.daily.pivot(index="sku", columns="date", values="mean").loc[skus].to_numpy()
    s = res.series.set_index("sku").loc[skus]
    phi = s["dispersion"].to_numpy()[:, None]
    kappa = s["level_uncertainty"].to_numpy()[:, None]
    var = mean + (phi * (1 + kappa) + kappa) * mean**2
    size = mean**2 / (var - mean)
    future = y[:, -HELD_OUT:]
    upper = stats.nbinom.cdf(future, size, mean / var)
    lower = stats.nbinom.cdf(future - 1, size, mean / var)
    pit = lower + np.random.default_rng(0).uniform(size=future.shape) * (upper - lower)
    for level in (0.5, 0.9, 0.95):
        assert (pit <= level).mean() == pytest.approx(level, abs=0.02)

"""Calibration figures of the forecast benchmark: stockout probabilities and daily quantiles.

Daily demand is a count, so the raw coverage of an integer quantile ``q90``
is *above* 0.90 even for a perfect forecast (``P(Y <= q90) >= 0.90``, with
equality only when a count happens to sit exactly at the level). Three
figures are therefore reported per level:

* ``coverage``: the raw share of held-out days with ``actual <= q``;
* ``implied``: the raw coverage a perfectly calibrated forecast would show
  on the same cells (the mean of the model's own ``F(q)``): the raw figure
  is to be read against this one, not against the nominal level;
* ``pit``: the coverage of the randomised PIT (Czado, Gneiting & Held 2009,
  "Predictive model assessment for count data", *Biometrics* 65(4)): the
  share of ``U(F(y-1), F(y))`` at or below the level, computed exactly; it
  equals the nominal level for a calibrated forecast whatever the counts.

Held-out days on which the whole store collapsed (the forecaster's outage
rule on the full data: Ta Feng has no sales 2000-12-19..25) are missing
data, not demand, and are left out of the coverage.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats  # type: ignore[import-untyped]

from substitute.forecast import ForecastConfig
from substitute.forecast.calendar import event_days
from substitute.forecast.distribution import day_variance

LEVELS = {"q90": 0.90, "q95": 0.95, "q975": 0.975}


def _cdf(k: np.ndarray, mean: np.ndarray, var: np.ndarray) -> np.ndarray:
    """CDF at ``k`` of the moment-matched NB (Poisson when not over-dispersed) the forecaster uses."""
    out = np.where(k >= 0, 1.0, 0.0)
    pos = mean > 0
    excess = var - mean
    nb = pos & (excess > 1e-9 * np.maximum(mean, 1.0))
    po = pos & ~nb
    out[po] = stats.poisson.cdf(k[po], mean[po])
    size = mean[nb] ** 2 / excess[nb]
    out[nb] = stats.nbinom.cdf(k[nb], size, mean[nb] / var[nb])
    return out


@dataclass(frozen=True)
class Grid:
    """Held-out cells of a run as ``(series, day)`` arrays."""

    mean: np.ndarray
    var: np.ndarray
    quantiles: dict[str, np.ndarray]


def grid_of(res: object, skus: np.ndarray, start: pd.Timestamp, cutoff: pd.Timestamp, horizon: int) -> Grid:
    """Daily means, variances and quantile columns of a ``ForecastResult`` on the benchmark's grid."""
    daily = res.daily  # type: ignore[attr-defined]
    series = res.series.set_index("sku").loc[skus]  # type: ignore[attr-defined]
    row = pd.Index(skus).get_indexer(daily["sku"].astype(object))
    col = ((daily["date"] - (cutoff + pd.Timedelta(days=1))).dt.days).to_numpy()
    shape = (len(skus), horizon)

    def put(values: np.ndarray) -> np.ndarray:
        out = np.zeros(shape)
        out[row, col] = values
        return out

    mean = put(daily["mean"].to_numpy())
    qs = {q: put(daily[q].to_numpy()) for q in LEVELS}
    v = _event_var(res.config, start, cutoff, horizon)  # type: ignore[attr-defined]
    var = day_variance(
        mean,
        series["dispersion"].to_numpy()[:, None],
        series["level_uncertainty"].to_numpy()[:, None],
        None if v is None else v[None, :],
    )
    return Grid(mean=mean, var=var, quantiles=qs)


def _event_var(
    cfg: ForecastConfig, start: pd.Timestamp, cutoff: pd.Timestamp, horizon: int
) -> np.ndarray | None:
    """``(H,)`` event variance the engine used on the held-out days.

    The engine does not publish it; for event days never seen in the history
    (all of Ta Feng's) it is the prior's, which is what this returns. An
    event seen before would need the engine's estimate: refused.
    """
    if not cfg.events:
        return None
    n_hist = (cutoff - start).days + 1
    days = event_days(start, n_hist, horizon, cfg.events)
    future = days.kind[n_hist:]
    if np.isin(future[future >= 0], days.kind[:n_hist]).any():
        raise NotImplementedError("an event of the held-out days was seen before: its variance is estimated")
    v = np.expm1(cfg.event_effect_sd**2 + cfg.event_repeat_sd**2)
    return np.where(future >= 0, v, 0.0)


def coverage(grid: Grid, actual: np.ndarray, valid: np.ndarray) -> dict[str, dict[str, float]]:
    """Raw, model-implied and randomised-PIT coverage of each quantile column over the valid cells."""
    mean, var = grid.mean[valid], grid.var[valid]
    y = actual[valid]
    upper = _cdf(y, mean, var)
    lower = _cdf(y - 1.0, mean, var)
    width = np.maximum(upper - lower, 1e-12)
    out: dict[str, dict[str, float]] = {"coverage": {}, "implied": {}, "pit": {}}
    for name, level in LEVELS.items():
        q = grid.quantiles[name][valid]
        out["coverage"][name] = round(float((y <= q).mean()), 4)
        out["implied"][name] = round(float(_cdf(q, mean, var).mean()), 4)
        out["pit"][name] = round(float(np.clip((level - lower) / width, 0.0, 1.0).mean()), 4)
    return out


def reliability(
    p: np.ndarray, outcome: np.ndarray
) -> tuple[float, float, list[tuple[int, int, float, float]]]:
    """Brier score, expected calibration error over ten equal-width bins, and the bins."""
    brier = float(np.mean((p - outcome) ** 2))
    bins = np.clip((p * 10).astype(int), 0, 9)
    ece = 0.0
    table = []
    for b in range(10):
        sel = bins == b
        if sel.any():
            ece += float(sel.mean() * abs(p[sel].mean() - outcome[sel].mean()))
            table.append((b, int(sel.sum()), float(p[sel].mean()), float(outcome[sel].mean())))
    return brier, ece, table

"""Croston, SBA and TSB for intermittent demand, vectorised over series.

* Croston, J. D. (1972), "Forecasting and stock control for intermittent
  demands", *Operational Research Quarterly* 23(3), 289-303: smooth the
  non-zero demand sizes ``z`` and the intervals between them ``p`` separately,
  both only when a demand occurs; forecast ``z / p`` per day.
* SBA -- Syntetos, A. A. & Boylan, J. E. (2005), "The accuracy of
  intermittent demand estimates", *International Journal of Forecasting*
  21(2), 303-314: Croston is biased upwards; multiply by ``1 - alpha / 2``.
* TSB -- Teunter, R. H., Syntetos, A. A. & Babai, M. Z. (2011), "Intermittent
  demand: linking forecasting to inventory obsolescence", *European Journal
  of Operational Research* 214(3), 606-615: smooth the probability of a
  demand ``p`` every period (constant ``beta``) and the size ``z`` when a
  demand occurs (constant ``alpha``); forecast ``p * z``. The forecast decays
  while an item does not sell, which Croston's never does.

Conventions shared with the loop oracles in :mod:`~substitute.forecast.reference`:

* only *usable* days exist: masked days (stockouts, outages) are skipped
  entirely, so an interval counts usable days;
* a series starts at its first usable day with demand; the first interval is
  counted from its first usable day;
* ``init="naive"``: the first demand sets ``z`` and ``p`` (TSB: ``p = 1 /
  interval``) and updates start at the next usable day;
  ``init="mean"``: ``z`` starts at the mean demand size and ``p`` at the mean
  interval (TSB: its inverse), and the first demand is an ordinary update;
* with a weekly ``season`` (multiplicative factors per day), sizes are
  de-seasonalised before smoothing and the forecast is re-seasonalised.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from substitute.forecast.rowstats import last_true
from substitute.forecast.smoother_run import (
    SmootherRun,
    first_demand_day,
    grid_params,
    time_major,
)

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]
Init = Literal["mean", "naive"]


def _prepare(
    demand: FloatArray, use: BoolArray, season: FloatArray | None
) -> tuple[FloatArray, FloatArray, IntArray, IntArray, IntArray, FloatArray, IntArray]:
    """De-seasonalised sizes and the quantities both initialisations need.

    Returns ``x, season, start, k, n_demands, mean_size, last_rank`` where
    ``k`` is the number of usable days before ``start`` and ``last_rank`` the
    usable-day index of the last demand.
    """
    n, width = demand.shape
    s = np.ones((n, width)) if season is None else season
    x = np.divide(demand, s, out=np.zeros((n, width)), where=use & (s > 0))
    start = first_demand_day(demand, use)
    cum = np.cumsum(use, axis=1)
    rows = np.arange(n)
    started = start < width
    k = np.where(started, cum[rows, np.minimum(start, width - 1)] - 1, 0).astype(np.int64)
    nonzero = use & (demand > 0)
    n_dem = nonzero.sum(axis=1).astype(np.int64)
    mean_size = np.where(nonzero, x, 0.0).sum(axis=1) / np.maximum(n_dem, 1)
    last = last_true(nonzero)
    last_rank = np.where(last >= 0, cum[rows, np.maximum(last, 0)] - 1, 0).astype(np.int64)
    return x, s, start, k, n_dem, mean_size, last_rank


def croston(
    demand: FloatArray,
    use: BoolArray,
    *,
    alpha: ArrayLike,
    variant: Literal["croston", "sba"] = "croston",
    init: Init = "mean",
    season: FloatArray | None = None,
    return_paths: bool = False,
) -> SmootherRun:
    """Croston's method (or SBA) for every series and grid point at once.

    Parameters
    ----------
    demand, use
        ``(n, T)`` demand and the mask of usable days.
    alpha
        Smoothing constant of sizes and intervals: a grid ``(G,)`` or per
        series ``(n, G)``.
    variant
        ``"croston"`` or ``"sba"`` (Syntetos & Boylan 2005 bias correction).
    init
        ``"mean"`` or ``"naive"``, see the module docstring.
    season
        ``(n, T)`` multiplicative weekday factors, or None.
    return_paths
        Also return the one-step ``fitted`` and ``week_ahead`` paths.
    """
    n, width = demand.shape
    (alpha_g,) = grid_params(n, alpha)
    g = alpha_g.shape[1]
    x, s, start, k, n_dem, mean_size, last_rank = _prepare(demand, use, season)
    has = n_dem > 0
    if init == "mean":
        z = np.where(has, mean_size, 0.0)
        p = np.where(has, (last_rank + 1) / np.maximum(n_dem, 1), 1.0)
        since = k.copy()
    else:
        rows = np.arange(n)
        z = np.where(has, x[rows, np.minimum(start, width - 1)], 0.0)
        p = (k + 1).astype(np.float64)
        since = np.zeros(n, dtype=np.int64)
    z = np.repeat(z[:, None], g, axis=1)
    p = np.repeat(p[:, None], g, axis=1)
    factor = 1.0 - alpha_g / 2.0 if variant == "sba" else np.ones_like(alpha_g)
    sse = np.zeros((n, g))
    n_scored = np.zeros(n, dtype=np.int64)
    fitted = np.full((n, g, width), np.nan) if return_paths else None
    week = np.full((n, g, width), np.nan) if return_paths else None
    # time-major copies: the loop reads one contiguous row per day
    y_t, x_t, s_t, u_t = time_major(demand, x, s, use)
    first = int(start.min()) if n else width
    for t in range(first, width):
        on = t >= start if init == "mean" else t > start
        if not on.any():
            continue
        f = factor * z / p
        if fitted is not None and week is not None:
            fitted[on, :, t] = f[on] * s_t[t, on, None]
            week[on, :, t] = 7.0 * f[on]
        upd = on & u_t[t]
        if not upd.any():
            continue
        # masked updates by multiplying with 0/1: exact, and faster than fancy indexing
        w = upd.astype(np.float64)[:, None]
        err = y_t[t, :, None] - f * s_t[t, :, None]
        sse += w * (err * err)
        n_scored += upd
        since = since + upd
        dem = upd & (y_t[t] > 0)
        if dem.any():
            d = dem.astype(np.float64)[:, None]
            z += d * alpha_g * (x_t[t, :, None] - z)
            p += d * alpha_g * (since[:, None] - p)
            since[dem] = 0
    level = np.where(has[:, None], factor * z / p, 0.0)
    return SmootherRun(level=level, sse=sse, n_scored=n_scored, fitted=fitted, week_ahead=week)


def tsb(
    demand: FloatArray,
    use: BoolArray,
    *,
    alpha: ArrayLike,
    beta: ArrayLike,
    init: Init = "mean",
    season: FloatArray | None = None,
    return_paths: bool = False,
) -> SmootherRun:
    """TSB (Teunter, Syntetos & Babai 2011) for every series and grid point.

    Parameters
    ----------
    demand, use
        ``(n, T)`` demand and the mask of usable days.
    alpha
        Smoothing constant of the demand size (updated on demand days).
    beta
        Smoothing constant of the demand probability (updated every usable day).
    init, season, return_paths
        As for :func:`croston`.
    """
    n, width = demand.shape
    alpha_g, beta_g = grid_params(n, alpha, beta)
    g = alpha_g.shape[1]
    x, s, start, k, n_dem, mean_size, last_rank = _prepare(demand, use, season)
    has = n_dem > 0
    if init == "mean":
        z = np.where(has, mean_size, 0.0)
        prob = np.where(has, n_dem / (last_rank + 1.0), 0.0)
    else:
        rows = np.arange(n)
        z = np.where(has, x[rows, np.minimum(start, width - 1)], 0.0)
        prob = np.where(has, 1.0 / (k + 1.0), 0.0)
    z = np.repeat(z[:, None], g, axis=1)
    prob = np.repeat(prob[:, None], g, axis=1)
    sse = np.zeros((n, g))
    n_scored = np.zeros(n, dtype=np.int64)
    fitted = np.full((n, g, width), np.nan) if return_paths else None
    week = np.full((n, g, width), np.nan) if return_paths else None
    y_t, x_t, s_t, u_t = time_major(demand, x, s, use)
    first = int(start.min()) if n else width
    for t in range(first, width):
        on = t >= start if init == "mean" else t > start
        if not on.any():
            continue
        f = prob * z
        if fitted is not None and week is not None:
            fitted[on, :, t] = f[on] * s_t[t, on, None]
            week[on, :, t] = 7.0 * f[on]
        upd = on & u_t[t]
        if not upd.any():
            continue
        w = upd.astype(np.float64)[:, None]
        err = y_t[t, :, None] - f * s_t[t, :, None]
        sse += w * (err * err)
        n_scored += upd
        occurred = (y_t[t] > 0).astype(np.float64)[:, None]
        prob += w * beta_g * (occurred - prob)
        d = w * occurred
        z += d * alpha_g * (x_t[t, :, None] - z)
    return SmootherRun(
        level=np.where(has[:, None], prob * z, 0.0),
        sse=sse,
        n_scored=n_scored,
        fitted=fitted,
        week_ahead=week,
    )

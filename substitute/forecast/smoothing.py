"""Exponential smoothing with weekly seasonality, vectorised over series.

Two forms, both one loop over days updating every series and grid point:

* :func:`ses` -- simple exponential smoothing (Brown 1959; Gardner 1985,
  "Exponential smoothing: the state of the art", *Journal of Forecasting*
  4(1)) of demand divided by the series' weekly profile: the multiplicative
  weekday pattern comes from :mod:`~substitute.forecast.context` (own profile
  shrunk towards the store's), so it is not re-learnt from noise;
* :func:`holt_winters_additive` -- the additive-seasonal, no-trend Holt-Winters
  model in error-correction form, ETS(A,N,A) of Hyndman et al. (2008),
  *Forecasting with Exponential Smoothing*: level ``l += alpha * e``,
  weekday state ``s[k] += gamma * e``, forecast ``max(l + s[k], 0)``.

Masked days are skipped. A series starts at its first usable day with demand.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from substitute.forecast.smoother_run import (
    SmootherRun,
    first_demand_day,
    grid_params,
    time_major,
    window_mean,
)

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]

#: Usable days averaged for the initial level.
SES_INIT_DAYS = 7
#: Usable days averaged for the initial level and weekday states.
HW_INIT_DAYS = 14


def ses(
    demand: FloatArray,
    use: BoolArray,
    *,
    alpha: ArrayLike,
    season: FloatArray | None = None,
    return_paths: bool = False,
) -> SmootherRun:
    """Simple exponential smoothing of de-seasonalised demand.

    The initial level is the mean of the first :data:`SES_INIT_DAYS` usable
    de-seasonalised values from the series' first demand on.

    Parameters
    ----------
    demand, use
        ``(n, T)`` demand and the mask of usable days.
    alpha
        Smoothing constant: a grid ``(G,)`` or per series ``(n, G)``.
    season
        ``(n, T)`` multiplicative weekday factors, or None.
    return_paths
        Also return the one-step ``fitted`` and ``week_ahead`` paths.
    """
    n, width = demand.shape
    (alpha_g,) = grid_params(n, alpha)
    g = alpha_g.shape[1]
    s = np.ones((n, width)) if season is None else season
    x = np.divide(demand, s, out=np.zeros((n, width)), where=use & (s > 0))
    start = first_demand_day(demand, use)
    init, _ = window_mean(x, use, start, SES_INIT_DAYS)
    level = np.repeat(init[:, None], g, axis=1)
    sse = np.zeros((n, g))
    n_scored = np.zeros(n, dtype=np.int64)
    fitted = np.full((n, g, width), np.nan) if return_paths else None
    week = np.full((n, g, width), np.nan) if return_paths else None
    y_t, x_t, s_t, u_t = time_major(demand, x, s, use)
    first = int(start.min()) if n else width
    for t in range(first, width):
        on = t >= start
        if fitted is not None and week is not None:
            fitted[on, :, t] = level[on] * s_t[t, on, None]
            week[on, :, t] = 7.0 * level[on]
        upd = on & u_t[t]
        if not upd.any():
            continue
        w = upd.astype(np.float64)[:, None]
        err = y_t[t, :, None] - level * s_t[t, :, None]
        sse += w * (err * err)
        n_scored += upd
        level += w * alpha_g * (x_t[t, :, None] - level)
    return SmootherRun(level=level, sse=sse, n_scored=n_scored, fitted=fitted, week_ahead=week)


def hw_initial_states(
    demand: FloatArray, use: BoolArray, start: IntArray, dow: IntArray
) -> tuple[FloatArray, FloatArray]:
    """Initial level and centred weekday states from the first usable days.

    Returns ``level (n,)`` and ``season (n, 7)``; a weekday without data gets 0.
    """
    n, width = demand.shape
    level, _ = window_mean(demand, use, start, HW_INIT_DAYS)
    from_start = use & (np.arange(width)[None, :] >= start[:, None])
    inside = from_start & (np.cumsum(from_start, axis=1) <= HW_INIT_DAYS)
    season = np.zeros((n, 7))
    for k in range(7):
        cols = dow == k
        cnt = inside[:, cols].sum(axis=1)
        tot = np.where(inside[:, cols], demand[:, cols], 0.0).sum(axis=1)
        season[:, k] = np.where(cnt > 0, tot / np.maximum(cnt, 1) - level, 0.0)
    season -= season.mean(axis=1, keepdims=True)
    return level, season


def holt_winters_additive(
    demand: FloatArray,
    use: BoolArray,
    dow: IntArray,
    *,
    alpha: ArrayLike,
    gamma: ArrayLike,
    return_paths: bool = False,
) -> SmootherRun:
    """Additive weekly Holt-Winters without trend, ETS(A,N,A).

    Parameters
    ----------
    demand, use
        ``(n, T)`` demand and the mask of usable days.
    dow
        ``(T,)`` weekday of each day (Monday = 0).
    alpha, gamma
        Level and seasonal smoothing constants, grids ``(G,)`` or ``(n, G)``.
    return_paths
        Also return the one-step ``fitted`` and ``week_ahead`` paths.
    """
    n, width = demand.shape
    alpha_g, gamma_g = grid_params(n, alpha, gamma)
    g = alpha_g.shape[1]
    start = first_demand_day(demand, use)
    level0, season0 = hw_initial_states(demand, use, start, dow)
    level = np.repeat(level0[:, None], g, axis=1)
    season = np.repeat(season0[:, None, :], g, axis=1)
    sse = np.zeros((n, g))
    n_scored = np.zeros(n, dtype=np.int64)
    fitted = np.full((n, g, width), np.nan) if return_paths else None
    week = np.full((n, g, width), np.nan) if return_paths else None
    y_t, u_t = time_major(demand, use)
    first = int(start.min()) if n else width
    for t in range(first, width):
        on = t >= start
        k = int(dow[t])
        raw = level + season[:, :, k]
        if fitted is not None and week is not None:
            fitted[on, :, t] = np.maximum(raw[on], 0.0)
            week[on, :, t] = np.maximum(7.0 * level[on] + season[on].sum(axis=2), 0.0)
        upd = on & u_t[t]
        if not upd.any():
            continue
        w = upd.astype(np.float64)[:, None]
        y = y_t[t, :, None]
        err_clip = y - np.maximum(raw, 0.0)
        sse += w * (err_clip * err_clip)
        n_scored += upd
        err = w * (y - raw)
        level += alpha_g * err
        season[:, :, k] += gamma_g * err
    return SmootherRun(level=level, sse=sse, n_scored=n_scored, season=season, fitted=fitted, week_ahead=week)

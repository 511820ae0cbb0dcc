"""Benchmarks that are also fallbacks: zero, mean of the observed days, seasonal naive.

They need no fitting, never fail, and are what a series gets when its
history is too short or a fit failed (the reason is recorded next to it).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from substitute.forecast.rowstats import last_true, masked_row_mean

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]


def mean_observed(demand: FloatArray, use: BoolArray) -> FloatArray:
    """Mean demand over each series' usable days (0 for a series without any)."""
    return np.nan_to_num(masked_row_mean(demand, use))


def seasonal_naive(
    demand: FloatArray, use: BoolArray, dow: IntArray, future_dow: IntArray
) -> tuple[FloatArray, BoolArray]:
    """Weekly seasonal naive: each future weekday repeats its last usable value.

    A masked last week (a stockout) is skipped: the value comes from the last
    *usable* day with that weekday.

    Parameters
    ----------
    demand, use
        ``(n, T)`` demand and usable mask.
    dow, future_dow
        Weekdays of the history ``(T,)`` and of the forecast days ``(H,)``.

    Returns
    -------
    mean : ndarray ``(n, H)``
        The forecast; a weekday never seen gets the series' usable mean.
    complete : ndarray of bool ``(n,)``
        True where all seven weekdays had a usable value.
    """
    n = demand.shape[0]
    fill = mean_observed(demand, use)
    by_day = np.repeat(fill[:, None], 7, axis=1)
    complete = np.ones(n, dtype=bool)
    for k in range(7):
        cols = np.flatnonzero(dow == k)
        if cols.size == 0:
            complete[:] = False
            continue
        last = last_true(use[:, cols])
        seen = last >= 0
        complete &= seen
        rows = np.flatnonzero(seen)
        by_day[rows, k] = demand[rows, cols[last[rows]]]
    return by_day[:, future_dow], complete

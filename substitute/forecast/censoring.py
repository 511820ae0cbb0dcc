"""Demand, not sales: which days a stockout hid demand, and how much.

On a day that ended with an empty shelf the sales are only a lower bound of
demand; a day with zero sales because there was nothing to sell says nothing
about demand. A model that learns those zeros forecasts less, orders less and
runs out again, so such days are *censored*: masked from every fit (the
smoothers skip them, they do not see zeros). This is the classical treatment
of stockout-censored demand (e.g. Nahmias 1994, "Demand estimation in lost
sales inventory systems"); the lost units are then estimated from the model's
one-step forecast for the censored days.

A day with a stockout but *high* sales (the item sold out in the evening after
a busy day) is kept: its sales, a lower bound that is already above the
series' typical day, bias the fit far less than dropping a busy day would.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from substitute.forecast.rowstats import masked_row_quantiles

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


def censor_mask(
    sales: FloatArray,
    valid: BoolArray,
    empty_shelf: BoolArray,
    flagged: BoolArray,
    *,
    low_sales_share: float = 1.0,
) -> BoolArray:
    """Days whose demand was hidden by a stockout.

    A day is censored when the ``stockout`` flag is set, or when it ended with
    ``on_hand <= 0`` and its sales were *low*: below ``low_sales_share`` times
    the series' median sales on its in-stock selling days (any sales count as
    low for a series that never sold in stock).

    Parameters
    ----------
    sales
        Net sales per series and day, shape ``(n, T)``.
    valid
        Cells with a usable sales figure.
    empty_shelf
        Cells whose end-of-day stock was ``<= 0``.
    flagged
        Cells with the ``stockout`` flag.
    low_sales_share
        Threshold as a share of the typical selling day.

    Returns
    -------
    ndarray of bool, shape ``(n, T)``
    """
    censored = flagged & valid
    rows = np.flatnonzero(empty_shelf.any(axis=1))
    if rows.size == 0:
        return censored
    in_stock_sale = valid[rows] & ~empty_shelf[rows] & ~flagged[rows] & (sales[rows] > 0)
    typical = masked_row_quantiles(sales[rows], in_stock_sale, (0.5,))[:, 0]
    threshold = np.where(np.isnan(typical), np.inf, low_sales_share * typical)
    low = sales[rows] < threshold[:, None]
    censored[rows] |= empty_shelf[rows] & valid[rows] & low
    return censored


def lost_units(sales: FloatArray, fitted: FloatArray, censored: BoolArray) -> FloatArray:
    """Estimated demand lost to stockouts per series.

    The sum, over censored days, of the model's one-step forecast for the day
    minus what was sold (never negative).

    Parameters
    ----------
    sales, fitted, censored
        Arrays of shape ``(n, T)``: sales, one-step fitted mean, censored mask.
    """
    gap = np.where(censored, np.maximum(np.nan_to_num(fitted) - sales, 0.0), 0.0)
    return np.asarray(gap.sum(axis=1), dtype=np.float64)

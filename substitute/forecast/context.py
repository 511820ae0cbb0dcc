"""What a store's whole assortment says about each of its series.

Two facts are read from the store's total sales rather than from one
intermittent series, where they would drown in noise:

* **outage days** -- a day whose store total collapses (closure, a missing
  POS feed) is not a day of zero demand for every item; it is masked;
* the **weekly profile** -- the share of a week's demand that falls on each
  weekday. Each series' own profile is shrunk towards its store's in
  proportion to how much evidence it has (a pseudo-count of selling days).

A :class:`StoreContext` is keyed by ``store_id`` and date, not by array
indices, so the nightly run can compute it once on the whole panel and hand it
to every batch: batches then give the same forecasts as one big run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from substitute.forecast import columns as C
from substitute.forecast.panel import SeriesPanel

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

#: Weekday factors below this are days the store is (almost) closed: the
#: forecast there is ~0 and the day is not used to learn the level.
CLOSED_DAY_FACTOR = 0.05
PROFILE_DAYS = 182
_NEIGHBOUR_WEEKS = 4


@dataclass(frozen=True)
class StoreContext:
    """Store-level facts shared by every batch of a run.

    Attributes
    ----------
    profiles
        Index ``store_id``; columns ``0..6`` (Monday..Sunday), mean 1.
    outage_days
        Columns ``store_id, date``: days masked for every series of the store.
    """

    profiles: pd.DataFrame
    outage_days: pd.DataFrame


def _store_blocks(panel: SeriesPanel) -> tuple[NDArray[np.int64], pd.Index, NDArray[np.int64]]:
    codes, stores = pd.factorize(panel.keys[C.STORE_ID], sort=True)
    # keys are sorted by store, so each store is a contiguous block of rows
    starts = np.flatnonzero(np.r_[True, np.diff(codes) != 0]).astype(np.int64)
    return codes.astype(np.int64), pd.Index(stores), starts


def _reference_totals(totals: FloatArray) -> FloatArray:
    """Median total of the same weekday in the surrounding four weeks, per store-day."""
    n_stores, width = totals.shape
    shifted = np.full((2 * _NEIGHBOUR_WEEKS, n_stores, width), np.nan)
    j = 0
    for weeks in range(1, _NEIGHBOUR_WEEKS + 1):
        lag = 7 * weeks
        if lag < width:
            shifted[j, :, lag:] = totals[:, :-lag]
            shifted[j + 1, :, :-lag] = totals[:, lag:]
        j += 2
    ordered = np.sort(shifted, axis=0)  # NaN last
    count = (~np.isnan(shifted)).sum(axis=0)
    lo = np.maximum((count - 1) // 2, 0)
    hi = np.maximum(count // 2, 0)
    med = 0.5 * (
        np.take_along_axis(ordered, lo[None], axis=0)[0] + np.take_along_axis(ordered, hi[None], axis=0)[0]
    )
    return np.where(count > 0, med, np.nan)


def store_context(
    panel: SeriesPanel,
    *,
    outage_share: float | None = 0.2,
    outage_min_series: int = 30,
) -> StoreContext:
    """Outage days and weekly profiles of every store in ``panel``.

    Parameters
    ----------
    panel
        The series of one or more stores (ideally all of a store's series).
    outage_share
        A day is an outage when the store total is below this share of the
        reference (median of the same weekday over +-4 weeks); ``None``
        disables detection.
    outage_min_series
        Stores with fewer listed series that day are never flagged: a handful
        of intermittent items has many legitimately empty days.
    """
    _, stores, starts = _store_blocks(panel)
    dates = panel.dates
    if panel.n_series == 0:
        return StoreContext(
            profiles=pd.DataFrame(columns=range(7), dtype=float),
            outage_days=pd.DataFrame({C.STORE_ID: [], C.DATE: pd.to_datetime([])}),
        )
    usable = np.where(panel.observed, panel.demand, 0.0)
    totals = np.add.reduceat(usable, starts, axis=0)
    listed = np.arange(panel.n_days)[None, :] >= panel.first_day[:, None]
    n_listed = np.add.reduceat(listed.astype(np.int64), starts, axis=0)

    outage = np.zeros_like(totals, dtype=bool)
    if outage_share is not None:
        ref = _reference_totals(totals)
        with np.errstate(invalid="ignore"):
            outage = (n_listed >= outage_min_series) & (ref > 0) & (totals < outage_share * ref)
    s_idx, d_idx = np.nonzero(outage)
    outage_days = pd.DataFrame({C.STORE_ID: stores[s_idx], C.DATE: dates[d_idx]})

    dow = dates.dayofweek.to_numpy()
    recent = np.arange(panel.n_days) >= panel.n_days - PROFILE_DAYS
    # demand per observed series-day, by weekday: stockouts and a changing
    # assortment change the number of series observed, not the weekly shape
    n_observed = np.add.reduceat(panel.observed.astype(np.int64), starts, axis=0)
    profiles = np.ones((len(stores), 7))
    for k in range(7):
        days = (dow == k) & recent
        good = ~outage[:, days]
        sums = np.where(good, totals[:, days], 0.0).sum(axis=1)
        cnt = np.where(good, n_observed[:, days], 0).sum(axis=1)
        profiles[:, k] = np.where(cnt > 0, sums / np.maximum(cnt, 1), np.nan)
    have = ~np.isnan(profiles)
    week_mean = np.where(have, profiles, 0.0).sum(axis=1) / np.maximum(have.sum(axis=1), 1)
    ok = week_mean > 0
    profiles = np.where(have, profiles, week_mean[:, None])
    profiles = np.where(ok[:, None], profiles / np.where(ok, week_mean, 1.0)[:, None], 1.0)
    return StoreContext(
        profiles=pd.DataFrame(profiles, index=pd.Index(stores, name=C.STORE_ID), columns=range(7)),
        outage_days=outage_days,
    )


def outage_mask(panel: SeriesPanel, context: StoreContext) -> BoolArray:
    """Cells of ``panel`` that fall on an outage day of their store."""
    mask = np.zeros((panel.n_series, panel.n_days), dtype=bool)
    if context.outage_days.empty or panel.n_series == 0:
        return mask
    days = panel.dates
    od = context.outage_days
    day_idx = days.get_indexer(pd.DatetimeIndex(od[C.DATE]))
    od = od.assign(_day=day_idx).loc[day_idx >= 0]
    if od.empty:
        return mask
    by_store = od.groupby(C.STORE_ID, sort=False)["_day"].apply(np.asarray)
    stores = panel.keys[C.STORE_ID]
    for store, store_days in by_store.items():
        rows = np.flatnonzero((stores == store).to_numpy())
        if rows.size:
            mask[np.ix_(rows, store_days)] = True
    return mask


def series_profiles(
    panel: SeriesPanel,
    demand: FloatArray,
    usable: BoolArray,
    context: StoreContext,
    shrinkage: float,
) -> FloatArray:
    """Weekly profile of each series, shrunk towards its store's.

    ``demand`` is the series' (spike-clipped) demand; ``usable`` its usable days.

    ``w = nnz / (nnz + shrinkage)`` where ``nnz`` is the number of selling
    days in the last 26 weeks; the result is ``w * own + (1 - w) * store``,
    scaled to mean 1.

    Returns
    -------
    ndarray of shape ``(n, 7)``, Monday first.
    """
    n = panel.n_series
    store_prof = (
        context.profiles.reindex(panel.keys[C.STORE_ID]).fillna(1.0).to_numpy(dtype=np.float64)
        if n
        else np.ones((0, 7))
    )
    if store_prof.shape != (n, 7):
        store_prof = np.ones((n, 7))
    dow = panel.dates.dayofweek.to_numpy()
    recent = np.arange(panel.n_days) >= panel.n_days - PROFILE_DAYS
    use = usable & recent[None, :]
    y = np.where(use, demand, 0.0)
    day_means = np.ones((n, 7))
    for k in range(7):
        cols = dow == k
        cnt = use[:, cols].sum(axis=1)
        day_means[:, k] = np.where(cnt > 0, y[:, cols].sum(axis=1) / np.maximum(cnt, 1), np.nan)
    have = ~np.isnan(day_means)
    level = np.where(have, day_means, 0.0).sum(axis=1) / np.maximum(have.sum(axis=1), 1)
    own = np.where(
        (level > 0)[:, None] & have, day_means / np.where(level > 0, level, 1.0)[:, None], store_prof
    )
    nnz = ((demand > 0) & use).sum(axis=1)
    weight = nnz / (nnz + shrinkage) if shrinkage > 0 else np.ones(n)
    prof = weight[:, None] * own + (1 - weight[:, None]) * store_prof
    mean = prof.mean(axis=1, keepdims=True)
    return np.where(mean > 0, prof / np.where(mean > 0, mean, 1.0), 1.0)

"""From a demand distribution and an inventory position to the buyer's numbers.

For every series with a position (stock on hand now and the receipts
expected, each ``(date, qty)`` available from the start of its day):

* ``p_stockout_before_receipt`` -- probability that demand empties the shelf
  before the next receipt arrives: ``P(D[1..r-1] >= on_hand)`` (within the
  horizon when no receipt is scheduled);
* ``p_stockout_within_{N}d`` -- the same over the next ``N`` days, counting
  receipts that land inside the window;
* ``expected_sellout_date`` -- first day on which cumulative *expected*
  demand reaches the stock available that day; ``median_sellout_date`` --
  first day on which that is more likely than not (within the horizon);
* ``days_of_cover`` -- how long today's stock lasts at expected demand,
  fractional, without receipts;
* ``order_up_to`` and ``reorder_qty`` -- periodic review (R, S) policy: the
  ``service_level`` quantile of demand over lead time + review period, minus
  the inventory position (on hand + all receipts on order), never negative
  (Silver, Pyke & Thomas 2017, *Inventory and Production Management in
  Supply Chains*, ch. 6).

"Stockout" means the shelf is empty (demand >= stock), which is what the
buyer acts on; with zero stock it is certain.

Single-window probabilities use the moment-matched NB of the window's total
(:mod:`~substitute.forecast.distribution`): exact moments, deterministic and
cheap for every series. Only a window with a receipt inside needs the
*path* -- stock may run out before the receipt or after it -- and there the
extra probability of running out after a receipt is estimated by Monte Carlo
with a fixed seed, sampling the shared level and one NB total per segment
between receipts (not one draw per day), vectorised across series.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from substitute.errors import DataError
from substitute.forecast import columns as C
from substitute.forecast.distribution import prob_at_least, quantiles, sum_moments

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]

_MC_CELLS = 4_000_000  # sims x segments x series per Monte Carlo chunk


@dataclass(frozen=True)
class Positions:
    """Inventory positions aligned to a panel's series (NaN where unknown).

    Attributes
    ----------
    on_hand
        ``(n,)`` stock now (end of ``as_of``).
    receipts
        ``(n, D)`` quantity arriving at the start of day ``d + 1`` after ``as_of``.
    on_order
        ``(n,)`` all scheduled receipts, including those beyond ``D`` days.
    next_receipt_day
        ``(n,)`` days from ``as_of`` to the next receipt; 0 when none.
    lead_time, review_period
        ``(n,)`` days.
    """

    on_hand: FloatArray
    receipts: FloatArray
    on_order: FloatArray
    next_receipt_day: IntArray
    lead_time: IntArray
    review_period: IntArray


def _receipts_long(positions: pd.DataFrame, receipts: pd.DataFrame | None) -> pd.DataFrame:
    parts = []
    if receipts is not None and len(receipts):
        missing = [c for c in (*C.SERIES_KEY, C.DATE, C.QTY) if c not in receipts.columns]
        if missing:
            raise DataError(f"the receipts table lacks column(s) {missing}")
        parts.append(receipts[[*C.SERIES_KEY, C.DATE, C.QTY]])
    if C.RECEIPTS in positions.columns:
        lists = positions[[*C.SERIES_KEY, C.RECEIPTS]].explode(C.RECEIPTS).dropna()
        if len(lists):
            pairs = pd.DataFrame(lists[C.RECEIPTS].tolist(), columns=[C.DATE, C.QTY])
            pairs[C.STORE_ID] = lists[C.STORE_ID].to_numpy()
            pairs[C.SKU] = lists[C.SKU].to_numpy()
            parts.append(pairs)
    if not parts:
        return pd.DataFrame({C.STORE_ID: [], C.SKU: [], C.DATE: [], C.QTY: []})
    out = pd.concat(parts, ignore_index=True)
    out[C.QTY] = pd.to_numeric(out[C.QTY], errors="coerce")
    out[C.DATE] = pd.to_datetime(out[C.DATE]).dt.normalize()
    return out.loc[out[C.QTY].notna() & (out[C.QTY] > 0)]


def align_positions(
    keys: pd.DataFrame,
    as_of: pd.Timestamp,
    positions: pd.DataFrame | None,
    receipts: pd.DataFrame | None,
    *,
    days: int,
    lead_time_days: int,
    review_period_days: int,
) -> Positions:
    """Line up the positions and receipts tables with the panel's series.

    Parameters
    ----------
    keys
        ``store_id, sku`` of the panel's series.
    positions
        ``store_id, sku, on_hand`` and optionally ``lead_time_days``,
        ``review_period_days`` and ``receipts`` (a list of ``(date, qty)``).
    receipts
        Optional long table ``store_id, sku, date, qty``.
    days
        Width of the receipts matrix.
    """
    n = len(keys)
    on_hand = np.full(n, np.nan)
    lead = np.full(n, lead_time_days, dtype=np.int64)
    review = np.full(n, review_period_days, dtype=np.int64)
    grid = np.zeros((n, days))
    on_order = np.zeros(n)
    next_day = np.zeros(n, dtype=np.int64)
    if positions is None or n == 0:
        return Positions(on_hand, grid, on_order, next_day, lead, review)
    missing = [c for c in (*C.SERIES_KEY, C.ON_HAND) if c not in positions.columns]
    if missing:
        raise DataError(f"the inventory positions table lacks column(s) {missing}")
    index = pd.MultiIndex.from_frame(keys[list(C.SERIES_KEY)])
    pos = positions.drop_duplicates(list(C.SERIES_KEY), keep="last").set_index(list(C.SERIES_KEY))
    row = index.get_indexer(pos.index)
    found = row >= 0
    on_hand[row[found]] = pd.to_numeric(pos[C.ON_HAND], errors="coerce").to_numpy()[found]
    for col, target in ((C.LEAD_TIME_DAYS, lead), (C.REVIEW_PERIOD_DAYS, review)):
        if col in pos.columns:
            vals = pd.to_numeric(pos[col], errors="coerce").to_numpy()[found]
            ok = np.isfinite(vals) & (vals >= 0)
            target[row[found][ok]] = vals[ok].astype(np.int64)
    review = np.maximum(review, 1)
    rec = _receipts_long(positions, receipts)
    if len(rec):
        r_row = index.get_indexer(pd.MultiIndex.from_frame(rec[list(C.SERIES_KEY)]))
        day = ((rec[C.DATE] - as_of).dt.days).to_numpy()
        qty = rec[C.QTY].to_numpy(dtype=np.float64)
        ok = (r_row >= 0) & (day >= 1)
        r_row, day, qty = r_row[ok], day[ok], qty[ok]
        np.add.at(on_order, r_row, qty)
        first = np.full(n, np.iinfo(np.int64).max)
        np.minimum.at(first, r_row, day)
        next_day = np.where(first == np.iinfo(np.int64).max, 0, first).astype(np.int64)
        inside = day <= days
        np.add.at(grid, (r_row[inside], day[inside] - 1), qty[inside])
    return Positions(on_hand, grid, on_order, next_day, lead, review)


@dataclass(frozen=True)
class InventoryRisk:
    """Per-series outputs; see the module docstring for each."""

    p_before_receipt: FloatArray
    p_within: FloatArray
    expected_sellout_day: FloatArray
    median_sellout_day: FloatArray
    days_of_cover: FloatArray
    order_up_to: FloatArray
    reorder_qty: FloatArray


def _first_day_at_or_below(position: FloatArray) -> FloatArray:
    """1-based first day with ``position <= 0``; NaN when none."""
    hit = position <= 0
    day = (hit.argmax(axis=1) + 1).astype(np.float64)
    day[~hit.any(axis=1)] = np.nan
    return day


def _cover(on_hand: FloatArray, mu: FloatArray, max_days: int) -> FloatArray:
    """Fractional days today's stock lasts at expected demand (capped at ``max_days``)."""
    n, width = mu.shape
    cum = np.cumsum(mu, axis=1)
    reached = cum >= on_hand[:, None]
    d = reached.argmax(axis=1)  # 0-based day index where the stock runs out
    any_hit = reached.any(axis=1)
    rows = np.arange(n)
    before = np.where(d > 0, cum[rows, np.maximum(d - 1, 0)], 0.0)
    day_mu = mu[rows, d]
    frac = np.divide(on_hand - before, day_mu, out=np.ones(n), where=day_mu > 0)
    cover = np.where(any_hit, d + frac, np.nan)
    # beyond the extended horizon: continue at the last week's average rate
    tail = mu[:, -min(7, width) :].mean(axis=1)
    rest = on_hand - cum[:, -1]
    beyond = np.divide(rest, tail, out=np.full(n, np.inf), where=tail > 0) + width
    cover = np.where(any_hit, cover, beyond)
    cover = np.where(on_hand <= 0, 0.0, cover)
    return np.minimum(cover, float(max_days))


def _mc_remainder(
    mu: FloatArray,
    phi: FloatArray,
    kappa: FloatArray,
    on_hand: FloatArray,
    receipts: FloatArray,
    window: int,
    n_sims: int,
    rng: np.random.Generator,
) -> FloatArray:
    """``P(no stockout before the first receipt, but one later in the window)``.

    Segments run from one receipt day to the day before the next; segment
    totals are drawn as NB given a shared gamma level (see
    :mod:`~substitute.forecast.distribution`), independent given the level.
    """
    n = mu.shape[0]
    out = np.zeros(n)
    for i0 in range(0, n, max(1, _MC_CELLS // (n_sims * (window + 1)))):
        rows = slice(i0, min(n, i0 + max(1, _MC_CELLS // (n_sims * (window + 1)))))
        m_mu = mu[rows, :window]
        m_rec = receipts[rows, :window]
        m = m_mu.shape[0]
        # segment id of each day: number of receipts arrived up to and including it
        seg = np.cumsum(m_rec > 0, axis=1)
        n_seg = int(seg.max()) + 1
        seg_mean = np.zeros((m, n_seg))
        seg_sq = np.zeros((m, n_seg))
        seg_end_stock = np.zeros((m, n_seg))
        for j in range(n_seg):
            inside = seg == j
            seg_mean[:, j] = np.where(inside, m_mu, 0.0).sum(axis=1)
            seg_sq[:, j] = np.where(inside, m_mu * m_mu, 0.0).sum(axis=1)
            arrived = np.where(seg <= j, m_rec, 0.0).sum(axis=1)
            seg_end_stock[:, j] = on_hand[rows] + arrived
        has_seg = np.zeros((m, n_seg), dtype=bool)
        for j in range(n_seg):
            has_seg[:, j] = (seg == j).any(axis=1)
        k = kappa[rows]
        shape = np.where(k > 0, 1.0 / np.maximum(k, 1e-12), 1.0)
        level = np.where(
            (k > 0)[:, None], rng.gamma(shape[:, None], (1.0 / shape)[:, None], (m, n_sims)), 1.0
        )
        p = phi[rows]
        size = np.divide(
            seg_mean**2,
            p[:, None] * seg_sq,
            out=np.full((m, n_seg), np.inf),
            where=(p[:, None] * seg_sq) > 0,
        )
        mean = level[:, :, None] * seg_mean[:, None, :]
        finite = np.isfinite(size)
        shape_s = np.broadcast_to(np.where(finite, size, 1.0)[:, None, :], mean.shape)
        lam = np.where(
            finite[:, None, :],
            rng.gamma(shape_s, np.where(finite[:, None, :], mean / shape_s, 0.0)),
            mean,
        )
        totals = rng.poisson(lam).astype(np.float64)
        cum = np.cumsum(totals, axis=2)
        out_at = (cum >= seg_end_stock[:, None, :]) & has_seg[:, None, :]
        first_seg_out = out_at[:, :, 0]
        later_out = out_at[:, :, 1:].any(axis=2)
        out[rows] = (~first_seg_out & later_out).mean(axis=1)
    return out


def inventory_risk(
    mu: FloatArray,
    phi: FloatArray,
    kappa: FloatArray,
    positions: Positions,
    *,
    horizon: int,
    window: int,
    service_level: float,
    max_cover_days: int,
    n_sims: int,
    seed: int,
) -> InventoryRisk:
    """Stockout probabilities, sellout days, cover and reorder quantity per series.

    Parameters
    ----------
    mu
        ``(n, D)`` daily mean demand for days ``1..D`` after ``as_of``; ``D``
        must cover the horizon, the window, lead time + review period and the
        next receipt.
    phi, kappa
        ``(n,)`` dispersion and level uncertainty.
    positions
        Aligned positions (NaN ``on_hand`` gives NaN outputs).
    horizon
        Days of the published forecast (bounds the median sellout search and
        the "before receipt" window when none is scheduled).
    window
        ``N`` of ``p_stockout_within_{N}d``.
    """
    n, width = mu.shape
    oh = positions.on_hand
    known = np.isfinite(oh)
    ohz = np.where(known, oh, 0.0)
    day = np.arange(1, width + 1)[None, :]
    nr = positions.next_receipt_day
    last_before = np.where(nr > 0, np.minimum(nr - 1, width), horizon)
    before = day <= last_before[:, None]
    m, v = sum_moments(mu, phi, kappa, before)
    p_before = prob_at_least(ohz, m, v)

    in_window = day <= window
    m, v = sum_moments(mu, phi, kappa, in_window)
    p_within = prob_at_least(ohz, m, v)
    crossing = known & (nr > 0) & (nr <= window) & (ohz > 0)
    if crossing.any():
        rng = np.random.default_rng(seed)
        rows = np.flatnonzero(crossing)
        extra = _mc_remainder(
            mu[rows], phi[rows], kappa[rows], ohz[rows], positions.receipts[rows], window, n_sims, rng
        )
        p_within[rows] = np.clip(p_before[rows] + extra, 0.0, 1.0)

    stock = ohz[:, None] + np.cumsum(positions.receipts[:, :width], axis=1)
    cum_mu = np.cumsum(mu, axis=1)
    expected = _first_day_at_or_below(stock - cum_mu)
    # not within the extended horizon: continue at the last week's average rate
    tail = mu[:, -min(7, width) :].mean(axis=1)
    rest = stock[:, -1] - cum_mu[:, -1]
    beyond = width + np.ceil(np.divide(rest, tail, out=np.full(n, np.inf), where=tail > 0))
    expected = np.where(np.isnan(expected) & (beyond <= max_cover_days), beyond, expected)
    expected = np.where(ohz <= 0, 0.0, expected)
    h = min(horizon, width)
    m_d = cum_mu[:, :h]
    v_d = m_d + (phi * (1 + kappa))[:, None] * np.cumsum(mu[:, :h] ** 2, axis=1) + kappa[:, None] * m_d**2
    p_d = prob_at_least(stock[:, :h], m_d, v_d)
    median = _first_day_at_or_below(0.5 - p_d - 1e-12)
    median = np.where(ohz <= 0, 0.0, median)

    cover = _cover(ohz, mu, max_cover_days)

    span = positions.lead_time + positions.review_period
    covered = day <= span[:, None]
    m, v = sum_moments(mu, phi, kappa, covered)
    order_up_to = quantiles(m, v, service_level)
    reorder = np.maximum(np.ceil(order_up_to - ohz - positions.on_order - 1e-9), 0.0)

    def known_only(a: FloatArray) -> FloatArray:
        return np.where(known, a, np.nan)

    return InventoryRisk(
        p_before_receipt=known_only(p_before),
        p_within=known_only(p_within),
        expected_sellout_day=known_only(expected),
        median_sellout_day=known_only(median),
        days_of_cover=known_only(cover),
        order_up_to=order_up_to,
        reorder_qty=known_only(reorder),
    )

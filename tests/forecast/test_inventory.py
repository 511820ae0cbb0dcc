"""Stockout probabilities, sellout dates, cover and reorder quantity with planted answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from substitute.forecast import forecast_panel
from substitute.forecast.inventory import Positions, inventory_risk
from tests.forecast.helpers import AS_OF, series_frame

RISK_ARGS = dict(horizon=28, window=7, service_level=0.95, max_cover_days=365, n_sims=4000, seed=3)


def _positions(on_hand, receipts=None, lead=7, review=7) -> Positions:
    on_hand = np.asarray(on_hand, dtype=float)
    n = on_hand.size
    grid = np.zeros((n, 365)) if receipts is None else np.asarray(receipts, dtype=float)
    first = np.where(grid.any(axis=1), grid.astype(bool).argmax(axis=1) + 1, 0)
    return Positions(
        on_hand=on_hand,
        receipts=grid,
        on_order=grid.sum(axis=1),
        next_receipt_day=first.astype(np.int64),
        lead_time=np.full(n, lead, dtype=np.int64),
        review_period=np.full(n, review, dtype=np.int64),
    )


def test_ten_on_hand_at_three_a_day_sells_out_on_day_four() -> None:
    panel = series_frame([3.0] * 56)
    positions = pd.DataFrame({"store_id": ["S1"], "sku": ["A"], "on_hand": [10.0]})
    res = forecast_panel(panel, AS_OF, positions=positions)
    row = res.series.iloc[0]
    assert res.daily["mean"].to_numpy() == pytest.approx(3.0)  # constant series -> the constant
    assert row["expected_sellout_date"] == AS_OF + pd.Timedelta(days=4)
    assert row["days_of_cover"] == pytest.approx(10 / 3)


def test_deterministic_demand_directly() -> None:
    mu = np.full((1, 365), 3.0)
    zero = np.zeros(1)
    risk = inventory_risk(mu, zero, zero, _positions([10.0]), **RISK_ARGS)
    assert risk.expected_sellout_day[0] == 4
    assert risk.median_sellout_day[0] == 4  # Poisson(12) >= 10 more likely than not on day 4
    assert risk.days_of_cover[0] == pytest.approx(10 / 3)


def test_stockout_probability_falls_as_stock_rises() -> None:
    on_hand = np.array([0, 1, 5, 10, 20, 30, 60, 1000.0])
    n = on_hand.size
    mu = np.full((n, 365), 3.0)
    risk = inventory_risk(mu, np.full(n, 0.3), np.full(n, 0.05), _positions(on_hand), **RISK_ARGS)
    p = risk.p_within
    assert p[0] == 1.0  # nothing on hand and positive demand: certain
    assert np.all(np.diff(p) <= 0) and np.all(np.diff(risk.p_before_receipt) <= 0)
    assert p[-1] < 1e-9  # huge stock: never
    assert 0.3 < p[4] < 0.8  # 20 on hand against 21 expected in a week


def test_poisson_week_matches_scipy() -> None:
    mu = np.full((1, 365), 2.0)
    zero = np.zeros(1)
    risk = inventory_risk(mu, zero, zero, _positions([12.0]), **RISK_ARGS)
    assert risk.p_within[0] == pytest.approx(stats.poisson.sf(11, 14.0))
    # no receipt scheduled: "before receipt" means within the horizon
    assert risk.p_before_receipt[0] == pytest.approx(stats.poisson.sf(11, 56.0))


def test_receipt_inside_window() -> None:
    mu = np.full((3, 365), 3.0)
    receipts = np.zeros((3, 365))
    receipts[0, 2] = 100.0  # a big delivery on day 3
    receipts[1, 2] = 1.0  # a token delivery on day 3
    phi, kappa = np.full(3, 0.4), np.full(3, 0.05)
    risk = inventory_risk(mu, phi, kappa, _positions([8.0, 8.0, 8.0], receipts), **RISK_ARGS)
    before, within = risk.p_before_receipt, risk.p_within
    assert before[0] == pytest.approx(before[1])  # the first two days decide "before receipt"
    assert within[0] == pytest.approx(before[0], abs=0.01)  # after 100 more, no stockout in a week
    assert within[1] > before[1] + 0.3  # one more unit does not last the week
    assert within[2] > before[1]  # no receipt: the whole week
    # the Monte Carlo remainder agrees with brute-force daily simulation
    rng = np.random.default_rng(99)
    sims = 200_000
    level = rng.gamma(1 / 0.05, 0.05, sims)
    daily = rng.poisson(rng.gamma(1 / 0.4, (level[:, None] * 3.0) * 0.4, (sims, 7)))
    stock = 8.0 + np.cumsum(receipts[1, :7])
    out = (np.cumsum(daily, axis=1) >= stock).any(axis=1).mean()
    assert within[1] == pytest.approx(out, abs=0.03)


def test_reorder_quantity_reaches_the_service_level() -> None:
    mu = np.full((2, 365), 3.0)
    zero = np.zeros(2)
    receipts = np.zeros((2, 365))
    receipts[1, 20] = 10.0  # on order, counts in the inventory position
    risk = inventory_risk(mu, zero, zero, _positions([5.0, 5.0], receipts, lead=7, review=7), **RISK_ARGS)
    s = stats.poisson.ppf(0.95, 42.0)
    assert risk.order_up_to[0] == s
    assert risk.reorder_qty[0] == s - 5
    assert risk.reorder_qty[1] == s - 15


def test_unknown_position_gives_nan_risks() -> None:
    mu = np.full((1, 365), 1.0)
    risk = inventory_risk(mu, np.zeros(1), np.zeros(1), _positions([np.nan]), **RISK_ARGS)
    assert np.isnan(risk.p_within[0]) and np.isnan(risk.reorder_qty[0])


def test_receipts_as_list_column_and_as_table_agree() -> None:
    panel = series_frame(np.random.default_rng(1).poisson(4, 60))
    in_list = pd.DataFrame(
        {
            "store_id": ["S1"],
            "sku": ["A"],
            "on_hand": [6.0],
            "receipts": [[(AS_OF + pd.Timedelta(days=3), 30.0)]],
        }
    )
    table = pd.DataFrame(
        {"store_id": ["S1"], "sku": ["A"], "date": [AS_OF + pd.Timedelta(days=3)], "qty": [30.0]}
    )
    a = forecast_panel(panel, AS_OF, positions=in_list).series.iloc[0]
    b = forecast_panel(panel, AS_OF, positions=in_list.drop(columns="receipts"), receipts=table).series.iloc[
        0
    ]
    assert a["next_receipt_date"] == AS_OF + pd.Timedelta(days=3)
    cols = ["p_stockout_before_receipt", "p_stockout_within_7d", "reorder_qty", "days_of_cover"]
    assert a[cols].to_list() == pytest.approx(b[cols].to_list())
    assert a["p_stockout_within_7d"] >= a["p_stockout_before_receipt"]

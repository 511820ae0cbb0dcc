"""Stock: sales never exceed it, stockout days lose demand, open orders bring items back."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from substitute.demo.catalogue import build_catalogue
from substitute.demo.categories import CATEGORIES
from substitute.demo.choice import DEFAULT_PARAMS
from substitute.demo.simulate import HORIZON, ShopPlan, simulate_shop
from tests.demo.conftest import local_dates

DAYS = 120


def _plan(catalogue, base: float = 0.6, shortage_models: tuple[int, ...] = ()) -> ShopPlan:
    n = catalogue.n
    shortage = np.full((len(catalogue.models), DAYS), -1, dtype=np.int32)
    for model in shortage_models:
        shortage[model, :] = DAYS + 60  # the maker cannot deliver within the window
    return ShopPlan(
        items=np.arange(n),
        base=np.full(n, base),
        lead=np.full(n, 6),
        review_weekdays=(0, 3),
        safety=0.5,
        display_minimum=1,
        dispersion=2.0,
        day_factor=np.ones(DAYS),
        weekday=np.arange(DAYS) % 7,
        season=np.zeros((len(CATEGORIES), DAYS + HORIZON)),
        temperature=np.full(DAYS, 20.0),
        discount=np.zeros((n, DAYS), dtype=np.uint8),
        psychological_share=np.full(n, 0.4),
        shortage_end=shortage,
    )


@pytest.fixture(scope="module")
def catalogue():
    cat = build_catalogue(30, DAYS, np.random.default_rng(3))
    cat.launch_day[:] = -100  # everything on sale from day 0
    return cat


def test_stock_flow_adds_up_and_sales_never_exceed_stock(catalogue):
    history = simulate_shop(catalogue, _plan(catalogue), np.random.default_rng(1), DEFAULT_PARAMS)
    sold = history.sales + history.spill + history.offer_sales
    before = np.concatenate([np.zeros((catalogue.n, 1), dtype=np.int64), history.on_hand[:, :-1]], axis=1)
    available = before + history.received
    assert (sold <= available).all()
    assert (history.on_hand == available - sold).all()
    assert (history.on_hand >= 0).all() and (history.on_order >= 0).all()
    lost = history.lost
    assert len(lost["listing"]) > 0
    # Demand went unserved only where the shelf ended the day empty.
    assert (history.on_hand[lost["listing"], lost["day"]] == 0).all()
    assert (lost["sales"] + lost["lost"] == lost["demand"]).all()
    responses = sum(lost[r] for r in ("other_store", "switch_brand", "same_brand", "delay", "no_buy"))
    assert (responses + lost["substituted"] == lost["lost"]).all()


def test_a_model_the_maker_cannot_supply_sells_out_and_stays_out(catalogue):
    model = int(catalogue.model_idx[0])
    history = simulate_shop(
        catalogue,
        _plan(catalogue, base=1.5, shortage_models=(model,)),
        np.random.default_rng(2),
        DEFAULT_PARAMS,
    )
    rows = np.flatnonzero(catalogue.model_idx == model)
    for row in rows:
        out = np.flatnonzero(history.on_hand[row] == 0)
        assert len(out), "with no deliveries the opening stock must run out"
        first = out[0]
        # Nothing arrives but the odd returned pair, so it stays empty, and every later day's demand is lost.
        assert history.received[row, first + 1 :].sum() <= history.sales[row].sum() * 0.2
        lost = history.lost
        mine = (lost["listing"] == row) & (lost["day"] > first) & (lost["out_at_open"] == 1)
        assert mine.sum() > 0
        assert (lost["sales"][mine] == 0).all() and (lost["lost"][mine] == lost["demand"][mine]).all()
        assert (lost["lost"][mine] > 0).all()


def test_on_stockout_days_sales_are_zero_while_truth_records_lost_demand(demo):
    lost = demo["truth/lost_demand"]
    assert (lost["lost_demand"] > 0).all()
    out = lost[lost["out_all_day"]]
    assert len(out) > 20
    assert (out["sales"] == 0).all() and (out["lost_demand"] == out["demand"]).all()
    sales = demo["sales"]
    sales = sales[sales["quantity"] > 0].assign(business_date=lambda f: local_dates(f["timestamp"]))
    sold = sales.groupby(["store_id", "sku", "business_date"])["quantity"].sum()
    keys = pd.MultiIndex.from_frame(out[["store_id", "sku", "business_date"]])
    assert sold.reindex(keys).fillna(0).eq(0).all()
    inventory = demo["inventory"].set_index(["store_id", "sku", "business_date"])
    flagged = inventory["stockout"].reindex(
        pd.MultiIndex.from_frame(lost[["store_id", "sku", "business_date"]])
    )
    assert flagged.all(), "every day with lost demand ends with an empty shelf"


def test_stock_only_drops_by_what_was_sold(demo):
    inventory = demo["inventory"].sort_values(["store_id", "sku", "business_date"])
    inventory["before"] = inventory.groupby(["store_id", "sku"])["on_hand"].shift()
    sales = demo["sales"]
    sales = sales[sales["quantity"] > 0].assign(business_date=lambda f: local_dates(f["timestamp"]))
    sold = sales.groupby(["store_id", "sku", "business_date"])["quantity"].sum().rename("sold")
    joined = inventory.join(sold, on=["store_id", "sku", "business_date"]).fillna({"sold": 0})
    joined = joined.dropna(subset=["before"])
    assert (joined["before"] - joined["on_hand"] <= joined["sold"]).all()
    assert (demo["inventory"]["on_hand"] >= 0).all()


def test_stockout_episodes_exist_and_some_items_are_coming_back(demo):
    inventory = demo["inventory"]
    assert 0.01 < inventory["stockout"].mean() < 0.15
    runs = (
        inventory.sort_values(["store_id", "sku", "business_date"])
        .groupby(["store_id", "sku"])["stockout"]
        .apply(lambda s: (s.astype(int).groupby((~s).cumsum()).sum()).max())
    )
    assert (runs >= 3).sum() >= 5, "several multi-day stockout episodes"
    last = inventory[inventory["business_date"] == inventory["business_date"].max()]
    receipts = demo["receipts"]
    assert (receipts["expected_date"] > last["business_date"].iloc[0]).all()
    incoming = receipts.assign(quantity=pd.to_numeric(receipts["quantity"]))
    incoming = incoming.groupby(["store_id", "sku"])["quantity"].sum()
    on_order = last.set_index(["store_id", "sku"])["on_order"]
    assert on_order[on_order > 0].sub(incoming, fill_value=0).abs().max() == 0
    assert incoming.reindex(on_order.index).fillna(0).eq(on_order).all()
    out_now = last[last["stockout"]].set_index(["store_id", "sku"]).index
    coming_back = out_now.isin(incoming.index)
    assert 0.05 < last["stockout"].mean() < 0.4, "the summer peak leaves shelves empty at the end"
    assert coming_back.sum() >= 3


def test_stockout_responses_follow_the_measured_shares(demo):
    lost = demo["truth/lost_demand"]
    responses = lost[["other_store", "switch_brand", "same_brand", "delay", "no_buy"]].sum()
    shares = responses / responses.sum()
    measured = pd.Series([0.31, 0.26, 0.19, 0.15, 0.09], index=shares.index)
    assert (shares - measured).abs().max() < 0.08

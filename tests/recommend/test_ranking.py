"""Planted answers: what each kind of customer is offered, and what is never offered."""

from __future__ import annotations

import datetime as dt
import itertools

import pandas as pd
import pytest

from substitute.errors import NotFound
from substitute.recommend.config import load_recommend_config
from substitute.recommend.service import recommend_substitutes
from tests.recommend import planted
from tests.recommend.conftest import REPO_CONFIGS, make_snapshot

WANTED = "T-HUR-BLK-24"


def _skus(offers) -> list[str]:
    return [o.sku for o in offers if o.strategy != "reservation"]


def test_twins_are_each_others_top_substitute(snapshot):
    assert recommend_substitutes(snapshot, "TWIN-A", "S1")[0].sku == "TWIN-B"
    assert recommend_substitutes(snapshot, "TWIN-B", "S2")[0].sku == "TWIN-A"
    assert "often bought by the same customers" in recommend_substitutes(snapshot, "TWIN-A", "S1")[0].reasons


def test_psychological_customer_gets_same_model_other_colour_first_then_reservation_then_brand(snapshot):
    offers = recommend_substitutes(snapshot, WANTED, "S1", customer="psych")
    assert [o.strategy for o in offers] == ["psychological", "reservation", "psychological"]
    assert offers[0].sku == "T-HUR-RED-24"
    assert offers[0].reasons[0] == "same model, other colour"
    assert offers[1].reservation is not None and offers[1].reservation.expected_date == dt.date(2025, 7, 3)
    assert offers[2].sku == "T-TER-BLK-24" and offers[2].reasons[0] == "same brand"
    # Brand-attached and the brand has stock: no other maker at all.
    assert not {"C-Z1-BLK-24", "K-NEW-BLK-24", "G-SLD-BLK-24"} & set(_skus(offers))


def test_behavioural_customer_gets_the_same_job_across_brands(snapshot):
    offers = recommend_substitutes(snapshot, WANTED, "S1", customer="behav")
    assert all(o.strategy in ("behavioural", "reservation") for o in offers)
    top = offers[0]
    assert top.sku == "C-Z1-BLK-24"
    assert "made for leisure and outdoor use like the original" in top.reasons
    assert "goes with the indigo yukata you bought" in top.reasons
    assert {"K-NEW-BLK-24", "G-SLD-BLK-24"} <= set(_skus(offers))


def test_unknown_customer_follows_the_items_reviews(snapshot):
    # Hurricane's reviews are psychological: same model first, no other brand.
    anon = recommend_substitutes(snapshot, WANTED, "S1")
    assert anon[0].strategy == "psychological" and anon[0].reasons[0].startswith("same model")
    # Chaco's reviews are behavioural: other brands are fine.
    chaco = recommend_substitutes(snapshot, "C-Z1-BLK-24", "S1")
    assert chaco[0].strategy == "behavioural"
    assert {"K-NEW-BLK-24", "T-HUR-RED-24"} <= set(_skus(chaco))


def test_other_brand_only_when_the_brand_has_nothing_and_marked(artifact_root, config):
    stock = planted.inventory()
    teva = stock["sku"].str.startswith("T-")
    stock.loc[teva, "on_hand"] = 0.0
    snap = make_snapshot(artifact_root, config, inventory=stock, receipts=planted.receipts().iloc[:0])
    offers = recommend_substitutes(snap, WANTED, "S1", customer="psych")
    assert offers and all("other_brand" in o.flags for o in offers)
    assert all(any(r.startswith("another brand") for r in o.reasons) for o in offers)


def test_out_of_stock_is_never_offered(snapshot):
    customers = [None, "psych", "behav", "newbie", "twin00", "nobody"]
    for sku, store, customer in itertools.product(snapshot.items.sku.tolist(), ["S1", "S2"], customers):
        s = snapshot.stores.get(store)
        for offer in recommend_substitutes(snapshot, sku, store, customer=customer, k=20):
            if offer.strategy == "reservation":
                assert offer.sku == sku and offer.reservation is not None
                continue
            assert offer.sku != sku
            assert snapshot.available[s, snapshot.item_ids.get(offer.sku)] > 0
            assert offer.available_qty > 0


def test_safety_margin_hides_the_last_units(artifact_root, config):
    stock = planted.inventory()
    stock.loc[stock["sku"] == "T-HUR-RED-24", "on_hand"] = 1.0  # one unit = the safety margin
    snap = make_snapshot(artifact_root, config, inventory=stock)
    assert "T-HUR-RED-24" not in _skus(recommend_substitutes(snap, WANTED, "S1", customer="psych"))


def test_size_is_respected(snapshot):
    for offer in recommend_substitutes(snapshot, WANTED, "S1", size="25", k=20):
        size = snapshot.items.size[snapshot.item_ids.get(offer.sku)]
        assert offer.strategy == "reservation" or size in ("", "25")
    # The customer's registered shoe size (24) applies when no size is asked.
    for offer in recommend_substitutes(snapshot, WANTED, "S1", customer="psych", k=20):
        assert snapshot.items.size[snapshot.item_ids.get(offer.sku)] in ("", "24")
    # An anonymous customer wears the size they came for: no 25 for a 24.
    anonymous = recommend_substitutes(snapshot, WANTED, "S1", k=20)
    assert anonymous
    for offer in anonymous:
        assert snapshot.items.size[snapshot.item_ids.get(offer.sku)] in ("", "24")


def test_reservation_only_when_a_receipt_is_due_soon(artifact_root, config, snapshot):
    assert any(o.reservation for o in recommend_substitutes(snapshot, WANTED, "S1", customer="psych"))
    assert not any(o.reservation for o in recommend_substitutes(snapshot, WANTED, "S2", customer="psych"))
    late = planted.receipts().assign(expected_date=planted.AS_OF + dt.timedelta(days=60))
    snap = make_snapshot(artifact_root, config, receipts=late)
    assert not any(o.reservation for o in recommend_substitutes(snap, WANTED, "S1", customer="psych"))


def test_a_candidate_about_to_sell_out_is_pushed_down(artifact_root, config, snapshot):
    query = "C-Z1-BLK-24"  # behavioural by its reviews: every sandal competes on score
    before = recommend_substitutes(snapshot, query, "S1")
    top = before[0]
    risks = pd.DataFrame({"store_id": ["S1"], "sku": [top.sku], "p_stockout_window": [0.95]})
    offers = recommend_substitutes(make_snapshot(artifact_root, config, risks=risks), query, "S1")
    moved = next(o for o in offers if o.sku == top.sku)
    assert moved.score == pytest.approx(top.score - config.ranking.sellout_penalty * 0.95, abs=1e-6)
    assert _skus(offers).index(top.sku) > 0
    assert "may_sell_out" in moved.flags


def test_transferred_demand_caps_a_thin_substitute(artifact_root):
    # Hurricane black 24 is out everywhere; over a long horizon its demand moving to the
    # red one at S1 is more than the red one's 2 available units can serve.
    config = load_recommend_config(REPO_CONFIGS, {"inventory": {"horizon_days": 120}})
    stock = planted.inventory()
    stock.loc[(stock["sku"] == "T-HUR-RED-24") & (stock["store_id"] == "S1"), "on_hand"] = 3.0
    snap = make_snapshot(artifact_root, config, inventory=stock)
    roomy = make_snapshot(artifact_root, config)
    s1, red = snap.stores.get("S1"), snap.item_ids.get("T-HUR-RED-24")
    assert snap.load[s1, red] > snap.available[s1, red]
    assert roomy.load[s1, red] < roomy.available[s1, red]
    # Still same model first for the brand-attached, but with less score than with ample stock.
    thin = recommend_substitutes(snap, WANTED, "S1", customer="psych")
    ample = recommend_substitutes(roomy, WANTED, "S1", customer="psych")
    assert thin[0].sku == ample[0].sku == "T-HUR-RED-24"
    assert thin[0].score < ample[0].score
    # For the need-driven customer the thin item falls below items that can absorb the demand.
    behav = _skus(recommend_substitutes(snap, WANTED, "S1", customer="behav"))
    behav_roomy = _skus(recommend_substitutes(roomy, WANTED, "S1", customer="behav"))
    assert behav.index("T-HUR-RED-24") > behav_roomy.index("T-HUR-RED-24")


def test_same_inputs_same_answer(artifact_root, config, snapshot):
    again = make_snapshot(artifact_root, config)
    for customer in (None, "psych", "behav"):
        assert recommend_substitutes(snapshot, WANTED, "S1", customer) == recommend_substitutes(
            again, WANTED, "S1", customer
        )


def test_unknown_sku_or_store_is_not_found(snapshot):
    with pytest.raises(NotFound, match="NOPE"):
        recommend_substitutes(snapshot, "NOPE", "S1")
    with pytest.raises(NotFound, match="S9"):
        recommend_substitutes(snapshot, WANTED, "S9")


def test_a_new_customer_is_scored_from_features(snapshot):
    info = snapshot.customers["newbie"]
    assert info.vector is not None and len(info.history_items) == 0
    assert recommend_substitutes(snapshot, "C-Z1-BLK-24", "S1", customer="newbie")


def test_ranking_only_the_best_gives_the_same_head_ties_included():
    import numpy as np

    from substitute.recommend.rank import _best_first

    rng = np.random.default_rng(7)
    for _ in range(200):
        n = int(rng.integers(1, 60))
        score = rng.integers(0, 6, n).astype(float)  # many ties
        score[rng.random(n) < 0.1] = -np.inf  # brand-excluded
        items = np.sort(rng.choice(1000, n, replace=False))
        full = _best_first(score, items, None)
        for limit in (1, 3, 10, n):
            assert _best_first(score, items, limit)[:limit].tolist() == full[:limit].tolist()

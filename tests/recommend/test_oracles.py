"""Naive reference implementations beside the vectorised routines."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from substitute.errors import ConfigError
from substitute.recommend.candidates import candidate_pool, score_sources
from substitute.recommend.catalogue import _price_bands, decay_weights
from substitute.recommend.config import load_recommend_config
from substitute.recommend.ids import IdMap
from substitute.recommend.interactions import build_interactions
from substitute.recommend.service import recommend_substitutes
from substitute.recommend.transfer import short_items
from tests.recommend import planted


def test_als_whitelist_ranking_matches_a_naive_cosine(snapshot):
    factors = snapshot.als.factors.item_factors
    for sku in ("TWIN-A", "T-HUR-BLK-24", "C-Z1-BLK-24"):
        q = snapshot.item_ids.get(sku)
        pool = candidate_pool(snapshot, q, 0, None, None)
        got = snapshot.als.similar(q, pool)
        assert len(got) == len(pool)
        for pos, item in enumerate(pool.tolist()):
            a, b = factors[q], factors[item]
            naive = float(a @ b / (np.linalg.norm(a) * max(np.linalg.norm(b), 1e-10)))
            assert got[pos] == pytest.approx(naive, abs=1e-4)


def test_purpose_overlap_matches_sets(snapshot):
    items = snapshot.items
    q = snapshot.item_ids.get("T-HUR-BLK-24")
    pool = candidate_pool(snapshot, q, 0, None, None)
    cands = score_sources(snapshot, q, 0, pool, None)
    mine = set(items.purposes(q).tolist())
    for pos, item in enumerate(pool.tolist()):
        theirs = set(items.purposes(item).tolist())
        naive = len(mine & theirs) / len(mine | theirs) if mine | theirs else 0.0
        assert cands.scores["purpose"][pos] == pytest.approx(naive)


def test_interactions_match_a_loop():
    frames = planted.frames()
    sales = frames.sales.copy()
    sales.loc[0, "quantity"] = -5.0  # a return bigger than the purchase: clipped at zero
    events = pd.DataFrame(
        {
            "customer_id": ["behav", "behav", "psych"],
            "sku": ["T-HUR-BLK-24"] * 3,
            "offered_sku": ["K-NEW-BLK-24", "C-Z1-BLK-24", "T-TER-BLK-24"],
            "event_type": ["accepted", "declined", "declined"],
        }
    )
    items = IdMap(frames.items["sku"])
    day = np.datetime64(planted.AS_OF)
    inter = build_interactions(sales, events, items, day, 30.0, 2.0, 1.0)
    naive: dict[tuple[str, str], float] = {}
    for row in sales.itertuples():
        age = (day - np.datetime64(row.business_date.date())).astype(float)
        key = (row.customer_id, row.sku)
        naive[key] = naive.get(key, 0.0) + row.quantity * 0.5 ** (age / 30.0)
    naive[("behav", "K-NEW-BLK-24")] = naive.get(("behav", "K-NEW-BLK-24"), 0.0) + 2.0
    naive[("behav", "C-Z1-BLK-24")] -= 1.0
    dense = inter.weights.toarray()
    for (cust, sku), value in naive.items():
        got = dense[inter.customers.get(cust), items.get(sku)]
        assert got == pytest.approx(max(value, 0.0), rel=1e-5, abs=1e-6)
    # A decline of something never bought stays neutral, not negative.
    assert dense[inter.customers.get("psych"), items.get("T-TER-BLK-24")] == 0.0
    assert (inter.weights.data > 0).all()


def test_decay_halves_at_the_half_life():
    assert decay_weights(np.array([0.0, 30.0, 60.0]), 30.0).tolist() == [1.0, 0.5, 0.25]


def test_price_bands_are_terciles_within_category():
    price = np.array([1.0, 2.0, 3.0, 10.0, 20.0, 30.0, np.nan, 5.0])
    category = np.array([0, 0, 0, 1, 1, 1, 1, 2])
    assert _price_bands(price, category).tolist() == [0, 1, 2, 0, 1, 2, -1, 1]


def test_id_map_matches_a_dict():
    ids = IdMap(["b", "a", "c", "a"])
    assert ids.external.tolist() == ["a", "b", "c"]
    assert ids.index(["c", "zz", "a"]).tolist() == [2, -1, 0]
    assert ids.get("b") == 1 and ids.get("zz") is None


def test_transferred_load_matches_a_loop_over_anonymous_offers(artifact_root, config):
    from tests.recommend.conftest import make_snapshot

    cfg = load_recommend_config(None, {"inventory": {"horizon_days": 30}})
    snap = make_snapshot(artifact_root, cfg)
    naive = np.zeros_like(snap.available)
    saved, snap.load = snap.load, np.zeros_like(snap.load)
    for s, i in zip(*short_items(snap), strict=True):
        offers = recommend_substitutes(snap, str(snap.items.sku[i]), str(snap.stores.external[s]), k=100)
        top = [o.sku for o in offers if o.strategy != "reservation"][
            : cfg.inventory.substitutes_sharing_demand
        ]
        for sku in top:
            naive[s, snap.item_ids.get(sku)] += (
                snap.demand_rate[s, i] * 30 * cfg.inventory.switch_share / len(top)
            )
    snap.load = saved
    assert naive.sum() > 0
    np.testing.assert_allclose(snap.load, naive, rtol=1e-5)


def test_a_misspelt_key_fails_at_load(tmp_path):
    (tmp_path / "recommend.toml").write_text("[recommend.ranking]\nselout_penalty = 1.0\n")
    with pytest.raises(ConfigError, match="selout_penalty"):
        load_recommend_config(tmp_path)


def test_importing_the_recommender_and_its_cli_is_light():
    code = (
        "import sys, substitute.recommend, substitute.cli.recommend_cmd\n"
        "print(' '.join(m for m in ('pandas', 'lightfm', 'implicit', 'scipy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == []

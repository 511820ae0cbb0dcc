"""Shortlists: built from the serving ranking at training, used when they have enough in stock."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from substitute.recommend.artifacts import load_artifact
from substitute.recommend.candidates import _from_shortlist, candidate_pool
from substitute.recommend.retrieval import Shortlists, build_shortlists
from substitute.recommend.service import recommend_substitutes
from substitute.recommend.snapshot import Snapshot, catalogue_snapshot
from tests.recommend import planted
from tests.recommend.conftest import make_snapshot

WANTED = "T-HUR-BLK-24"


def _shortlists(artifact_root, config, depth: int) -> Shortlists:
    catalogue = catalogue_snapshot(load_artifact(artifact_root), config, planted.AS_OF)
    built = build_shortlists(catalogue, depth)
    assert built is not None
    return built


def _serving(snapshot: Snapshot, shortlists: Shortlists | None, min_pool: int = 1) -> Snapshot:
    config = snapshot.config.model_copy(
        update={"retrieval": snapshot.config.retrieval.model_copy(update={"min_pool": min_pool})}
    )
    return dataclasses.replace(snapshot, shortlists=shortlists, config=config)


def _names(snapshot: Snapshot, items: np.ndarray) -> set[str]:
    return {str(snapshot.items.sku[i]) for i in items}


def _out_of_stock(artifact_root, config, skus: set[str]) -> Snapshot:
    stock = planted.inventory()
    stock.loc[stock["sku"].isin(skus), "on_hand"] = 0.0
    return make_snapshot(artifact_root, config, inventory=stock, receipts=planted.receipts().iloc[:0])


def test_a_shortlist_holds_the_best_of_each_loyalty_type(artifact_root, config, snapshot):
    short = _shortlists(artifact_root, config, depth=1)
    twin = snapshot.item_ids.get("TWIN-A")
    # No brand, so both loyalty types agree: the one item bought by the same people.
    assert _names(snapshot, short.of(twin)) == {"TWIN-B"}
    assert short.brand_complete[twin]
    wanted = snapshot.item_ids.get(WANTED)
    names = _names(snapshot, short.of(wanted))
    # Brand-attached: the same model first; need-driven: not necessarily Teva at all.
    assert len(names) <= 2 and any(n.startswith("T-HUR-") for n in names)
    assert not short.brand_complete[wanted]  # four other Teva sandals, one kept
    assert np.all(np.diff(short.of(wanted)) > 0)  # sorted, as the scoring needs


def test_a_shortlist_as_deep_as_the_category_is_the_category(artifact_root, config, snapshot):
    short = _shortlists(artifact_root, config, depth=50)
    wanted = snapshot.item_ids.get(WANTED)
    sandals = {s for s in snapshot.items.sku.tolist() if s[1] == "-" and s != WANTED}
    assert _names(snapshot, short.of(wanted)) == sandals
    assert short.brand_complete.all()
    # Its pool, when the shortlist path answers, is exactly the scan's. (candidate_pool
    # itself never takes that path here: the store has no more than the list holds.)
    serving, scanning = _serving(snapshot, short), _serving(snapshot, None)
    s1, answered = snapshot.stores.get("S1"), 0
    for item in range(snapshot.items.n_items):
        for customer in (None, "psych", "behav", "sea01"):
            info = snapshot.customers.get(customer) if customer else None
            listed = _from_shortlist(serving, item, s1, None, info, k=1)
            if listed is not None:
                answered += 1
                assert listed.tolist() == candidate_pool(scanning, item, s1, None, info, k=1).tolist()
    assert answered >= snapshot.items.n_items


def test_too_little_in_stock_in_the_shortlist_scans_the_category(artifact_root, config):
    snap = _out_of_stock(artifact_root, config, {"TWIN-B"})
    short = _shortlists(artifact_root, config, depth=1)
    offers = recommend_substitutes(_serving(snap, short), "TWIN-A", "S1", k=1)
    # TWIN-B, the whole shortlist, is out: the category still has seaweed.
    assert [o.sku for o in offers] in (["SNK-C"], ["SNK-D"])


def test_k_above_the_shortlist_scans_the_category(artifact_root, config, snapshot):
    short = _shortlists(artifact_root, config, depth=1)
    offers = recommend_substitutes(_serving(snapshot, short), "TWIN-A", "S1", k=3)
    assert {o.sku for o in offers} == {"TWIN-B", "SNK-C", "SNK-D"}
    assert [o.sku for o in recommend_substitutes(_serving(snapshot, short), "TWIN-A", "S1", k=1)] == [
        "TWIN-B"
    ]


def _hand_made(snapshot: Snapshot, lists: dict[str, list[str]], complete: bool) -> Shortlists:
    """Shortlists as given for some items, empty for the rest."""
    by_item = [sorted(snapshot.item_ids.get(s) for s in lists.get(sku, [])) for sku in snapshot.items.sku]
    indptr = np.concatenate([[0], np.cumsum([len(x) for x in by_item])]).astype(np.int64)
    flat = np.array([i for x in by_item for i in x], dtype=np.int32)
    return Shortlists(indptr, flat, np.full(len(by_item), complete))


def test_a_brand_loyal_customer_is_not_sent_to_another_brand_by_a_short_shortlist(artifact_root, config):
    snap = _out_of_stock(artifact_root, config, {"T-HUR-RED-24"})
    listed = {WANTED: ["T-HUR-RED-24", "C-Z1-BLK-24"]}  # Terra, also Teva and in stock, left out
    short = _hand_made(snap, listed, complete=False)
    offers = recommend_substitutes(_serving(snap, short), WANTED, "S1", customer="psych", k=1)
    assert [o.sku for o in offers] == ["T-TER-BLK-24"] and "other_brand" not in offers[0].flags
    # When the shortlist held all of the brand, an empty brand there is the truth: another maker.
    short = _hand_made(snap, listed, complete=True)
    offers = recommend_substitutes(_serving(snap, short), WANTED, "S1", customer="psych", k=1)
    assert [o.sku for o in offers] == ["C-Z1-BLK-24"] and "other_brand" in offers[0].flags


def test_another_size_than_the_items_own_scans_the_category(snapshot):
    # A 25 on a 24's shortlist: it would be the whole answer for a 25 without the scan.
    short = _hand_made(snapshot, {WANTED: ["T-HUR-RED-24", "C-Z1-BLK-24", "T-HUR-BLK-25"]}, complete=True)
    serving = _serving(snapshot, short)
    item, s1 = snapshot.item_ids.get(WANTED), snapshot.stores.get("S1")
    assert _names(snapshot, candidate_pool(serving, item, s1, None, None, k=1)) == {
        "T-HUR-RED-24",
        "C-Z1-BLK-24",
    }
    assert _names(snapshot, candidate_pool(serving, item, s1, "25", None, k=1)) == {
        "T-HUR-BLK-25",
        "T-HUR-RED-25",
    }


def test_what_the_customer_bought_before_is_always_a_candidate(artifact_root, config, snapshot):
    short = _shortlists(artifact_root, config, depth=1)
    serving = _serving(snapshot, short)
    twin, s1 = snapshot.item_ids.get("TWIN-A"), snapshot.stores.get("S1")
    # The shortlist is TWIN-B alone; slide00 bought seaweed C, so it is scored too (and not seaweed D).
    pool = candidate_pool(serving, twin, s1, None, snapshot.customers["slide00"], k=2)
    assert _names(snapshot, pool) == {"TWIN-B", "SNK-C"}
    assert _names(snapshot, candidate_pool(serving, twin, s1, None, None, k=1)) == {"TWIN-B"}


@pytest.mark.parametrize("depth", [0, 3])
def test_training_writes_shortlists_unless_told_not_to(artifact_root, config, depth):
    from substitute.recommend.train import fit_models, model_arrays

    tuned = config.model_copy(update={"retrieval": config.retrieval.model_copy(update={"depth": depth})})
    models = fit_models(planted.frames(), tuned, as_of=np.datetime64(planted.AS_OF))
    arrays = model_arrays(models)["retrieval.npz"]
    if depth == 0:
        assert models.shortlists is None and arrays == {}
    else:
        assert models.shortlists is not None
        assert len(arrays["indptr"]) == models.items.n_items + 1
        assert int(np.diff(arrays["indptr"]).max()) <= 2 * depth


def test_batched_shortlists_hold_what_the_serving_ranking_puts_first(artifact_root, config):
    from substitute.recommend.candidates import _size_ok, category_pool, score_sources
    from substitute.recommend.rank import BEHAVIOURAL, PSYCHOLOGICAL, _best_first, blend

    catalogue = catalogue_snapshot(load_artifact(artifact_root), config, planted.AS_OF)
    short = build_shortlists(catalogue, depth=2)
    assert short is not None
    for item in range(catalogue.items.n_items):
        pool = category_pool(catalogue.items, item)
        own = str(catalogue.items.size[item])
        pool = pool[_size_ok(catalogue, pool, None, None, own)]  # built for the item's own size
        cands = score_sources(catalogue, item, 0, pool, None)
        for strategy in (BEHAVIOURAL, PSYCHOLOGICAL):
            score, _ = blend(catalogue, 0, pool, cands.scores, strategy, config.ranking)
            best = pool[_best_first(score, pool, 1)[:1]]
            assert set(best.tolist()) <= set(short.of(item).tolist()), (item, strategy)

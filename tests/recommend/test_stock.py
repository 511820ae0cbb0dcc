"""The stock index a checkout call starts from, against brute force."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np

from substitute.recommend.candidates import _can_have, candidate_pool, category_pool
from substitute.recommend.stock import InStock


def test_the_index_lists_what_each_store_has_of_each_category():
    rng = np.random.default_rng(3)
    for _ in range(20):
        n_stores, n_items, n_cats = (int(x) for x in rng.integers(1, 12, 3))
        available = np.where(
            rng.random((n_stores, n_items)) < 0.4, rng.integers(1, 5, (n_stores, n_items)), 0
        )
        category = rng.integers(0, n_cats, n_items)
        index = InStock.build(available.astype(np.float32), category, n_cats)
        for store, cat in itertools.product(range(n_stores), range(n_cats)):
            expected = np.flatnonzero((available[store] > 0) & (category == cat))
            assert index.of(store, cat).tolist() == expected.tolist()


def test_without_shortlists_the_pool_is_the_category_in_stock_and_size(snapshot):
    scanning = dataclasses.replace(snapshot, shortlists=None)
    for item, store in itertools.product(range(snapshot.items.n_items), range(len(snapshot.stores))):
        for customer, size in ((None, None), (None, "25"), (snapshot.customers["psych"], None)):
            brute = _can_have(snapshot, category_pool(snapshot.items, item), item, store, size, customer)
            assert candidate_pool(scanning, item, store, size, customer).tolist() == brute.tolist()


def test_a_model_sold_in_two_categories_is_a_candidate_in_both(snapshot):
    items = snapshot.items
    red, black = snapshot.item_ids.get("T-HUR-RED-24"), snapshot.item_ids.get("T-HUR-BLK-24")
    # Move the red Hurricane to the tops (as if a shop filed it there): still the same model.
    category = items.category.copy()
    category[red] = items.category[snapshot.item_ids.get("YUKATA-1")]
    moved = dataclasses.replace(items, category=category)
    assert moved.same_model_elsewhere(black).tolist() == [red]
    assert red in category_pool(moved, black).tolist()
    assert moved.same_model_elsewhere(snapshot.item_ids.get("TWIN-A")).tolist() == []
    in_stock = InStock.build(snapshot.available, category, len(items.category_names))
    shifted = dataclasses.replace(snapshot, items=moved, in_stock=in_stock, shortlists=None)
    s1 = snapshot.stores.get("S1")
    assert red in candidate_pool(shifted, black, s1, None, None).tolist()

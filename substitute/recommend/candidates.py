"""Candidates for one request, each with the scores of the sources that put it there.

The pool is every item of the original's shortlist (or, when that has too
little in stock, of its category and its model) that can be had at the
requesting store, in the customer's size. Each source scores the
pool in ``[0, 1]``; a candidate's reasons are the sources that score it:

``same_model``   same model, another colour or size
``same_brand``   same brand, same category
``purpose``      shares purpose / use tags (Jaccard overlap)
``content``      attribute similarity: purpose, colour, price
``als``          implicit ALS item-item cosine, ranked inside the in-stock pool
``lightfm``      LightFM personal score (or item-item cosine when the customer is unknown)
``popularity``   recent sales at this store and overall
``history``      the customer bought it before
``goes_with``    bought together with something the customer owns
``price_band``   fits the customer's price band
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from substitute.recommend.catalogue import ItemTable
from substitute.recommend.snapshot import CustomerInfo, Snapshot

__all__ = ["SOURCES", "Candidates", "candidate_pool", "category_pool", "score_sources"]

SOURCES = (
    "same_model",
    "same_brand",
    "purpose",
    "content",
    "als",
    "lightfm",
    "popularity",
    "history",
    "goes_with",
    "price_band",
)


@dataclass
class Candidates:
    """Aligned arrays over the pool (sorted ``item_idx``)."""

    items: np.ndarray
    scores: dict[str, np.ndarray]
    #: for ``goes_with``: the owned item each candidate goes with best (-1: none)
    goes_with_item: np.ndarray
    other_colour: np.ndarray
    other_size: np.ndarray


def _size_ok(
    snapshot: Snapshot,
    pool: np.ndarray,
    size: str | None,
    customer: CustomerInfo | None,
    wanted_size: str,
) -> np.ndarray:
    """Items without a size always fit; sized ones must be the size the customer wears.

    That size is the one asked for, else one the customer registered (only when
    the pool uses it: a shoe size says nothing about kimono sizes), else the
    size of the item they came for: someone asking for a 24.0 wears a 24.0,
    and the same shoe in a 27.0 is no substitute.
    """
    sizes = snapshot.items.size[pool]
    if size:
        return (sizes == "") | (sizes == size)
    if customer is not None and customer.sizes:
        wanted = np.isin(sizes, list(customer.sizes))
        if wanted.any():
            return (sizes == "") | wanted
    if wanted_size:
        return (sizes == "") | (sizes == wanted_size)
    return np.ones(len(pool), dtype=bool)


def category_pool(items: ItemTable, item_idx: int) -> np.ndarray:
    """Every item of the original's category (plus its model elsewhere), itself excluded, sorted."""
    category = int(items.category[item_idx])
    pool = items.in_category(category)
    if items.model[item_idx] >= 0:
        same_model = np.flatnonzero(items.model == items.model[item_idx])
        # A model rarely spans categories; a set union over the whole category
        # on every call cost more than all the scoring at 50,000 SKUs.
        elsewhere = same_model[items.category[same_model] != category]
        if len(elsewhere):
            pool = np.union1d(pool, elsewhere)
    return pool[pool != item_idx]


def _can_have(
    snapshot: Snapshot,
    pool: np.ndarray,
    item_idx: int,
    store_idx: int,
    size: str | None,
    customer: CustomerInfo | None,
) -> np.ndarray:
    """The part of ``pool`` in stock at the store and in the customer's size."""
    pool = pool[snapshot.available[store_idx, pool] > 0]
    return pool[_size_ok(snapshot, pool, size, customer, str(snapshot.items.size[item_idx]))]


def _from_shortlist(
    snapshot: Snapshot,
    item_idx: int,
    store_idx: int,
    size: str | None,
    customer: CustomerInfo | None,
    k: int,
) -> np.ndarray | None:
    """The shortlisted pool, or None when it cannot stand in for the category.

    It cannot when too few shortlisted items are in stock and in size, or when
    none of them is of the original's brand while the shortlist left some of
    the brand out: a brand-loyal customer must not be sent to another maker
    because the shortlist was too short.
    """
    shortlists = snapshot.shortlists
    if shortlists is None:
        return None
    items = snapshot.items
    pool = shortlists.of(item_idx)
    if customer is not None and len(customer.history_items):
        # What they bought before in this category scores "history"; it is always a candidate.
        bought = customer.history_items
        bought = bought[(items.category[bought] == items.category[item_idx]) & (bought != item_idx)]
        if len(bought):
            pool = np.union1d(pool, bought)
    pool = _can_have(snapshot, pool, item_idx, store_idx, size, customer)
    if len(pool) < max(snapshot.config.retrieval.min_pool, k):
        return None
    brand = items.brand[item_idx]
    if brand >= 0 and not shortlists.brand_complete[item_idx] and not (items.brand[pool] == brand).any():
        return None
    return pool


def candidate_pool(
    snapshot: Snapshot,
    item_idx: int,
    store_idx: int,
    size: str | None,
    customer: CustomerInfo | None,
    k: int = 10,
) -> np.ndarray:
    """In-stock, in-size candidates for ``item_idx``, sorted.

    From the item's shortlist (:mod:`substitute.recommend.retrieval`) when it
    has enough to offer ``k``, else from the whole category.
    """
    pool = _from_shortlist(snapshot, item_idx, store_idx, size, customer, k)
    if pool is not None:
        return pool
    return _can_have(snapshot, category_pool(snapshot.items, item_idx), item_idx, store_idx, size, customer)


def _scaled(values: np.ndarray) -> np.ndarray:
    """Min-max to [0, 1] inside the pool; constant values give 0 (they rank nothing)."""
    if len(values) == 0:
        return values
    lo, hi = float(values.min()), float(values.max())
    return (values - lo) / (hi - lo) if hi > lo else np.zeros_like(values)


def _log_share(values: np.ndarray) -> np.ndarray:
    top = float(values.max()) if len(values) else 0.0
    return np.log1p(values) / np.log1p(top) if top > 0 else np.zeros_like(values)


def score_sources(
    snapshot: Snapshot, item_idx: int, store_idx: int, pool: np.ndarray, customer: CustomerInfo | None
) -> Candidates:
    """Every source's score for every pool item (vectorised; see the module docstring)."""
    items = snapshot.items
    n = len(pool)
    same_model = (items.model[pool] == items.model[item_idx]) & (items.model[item_idx] >= 0)
    same_brand = (items.brand[pool] == items.brand[item_idx]) & (items.brand[item_idx] >= 0)

    q_tags = snapshot.purpose[item_idx]
    inter = snapshot.purpose[pool] @ q_tags.astype(np.int32) if n else np.zeros(0)
    union = snapshot.purpose[pool].sum(axis=1) + q_tags.sum() - inter
    purpose = np.where(union > 0, inter / np.maximum(union, 1), 0.0)

    colour = (items.colour[pool] == items.colour[item_idx]) & (items.colour[item_idx] >= 0)
    price_q, price_c = items.price[item_idx], items.price[pool]
    with np.errstate(divide="ignore", invalid="ignore"):
        closeness = np.exp(-2.0 * np.abs(np.log(price_c / price_q)))
    closeness = np.nan_to_num(closeness, nan=0.5)
    content = (purpose + colour + closeness) / 3.0

    als = np.clip(snapshot.als.similar(item_idx, pool), 0.0, 1.0)

    if customer is not None and customer.vector is not None:
        lightfm = _scaled(snapshot.item_vectors[pool] @ customer.vector + snapshot.item_bias[pool])
    else:
        lightfm = np.clip(snapshot.item_unit[pool] @ snapshot.item_unit[item_idx], 0.0, 1.0)

    store_pop = snapshot.demand_rate[store_idx, pool]
    popularity = 0.5 * _log_share(store_pop) + 0.5 * _log_share(items.popularity[pool].astype(np.float64))

    history = np.zeros(n)
    goes_with = np.zeros(n)
    goes_item = np.full(n, -1, dtype=np.int64)
    price_band = np.full(n, 0.5)
    if customer is not None:
        if len(customer.history_items):
            pos = np.searchsorted(pool, customer.history_items).clip(0, max(n - 1, 0))
            hit = (pool[pos] == customer.history_items) if n else np.zeros(0, bool)
            history[pos[hit]] = customer.history_weights[hit]
            history = _log_share(history)
            # What goes with what they own: items of other categories bought by the same people.
            owned = customer.history_items[items.category[customer.history_items] != items.category[item_idx]]
            if len(owned) and n:
                f = snapshot.als.factors.item_factors
                fo, fp = f[owned], f[pool]
                no, np_ = np.linalg.norm(fo, axis=1), np.linalg.norm(fp, axis=1)
                sim = (fp @ fo.T) / np.maximum(np.outer(np_, no), 1e-9)
                best = sim.argmax(axis=1)
                goes_with = np.clip(sim[np.arange(n), best], 0.0, 1.0)
                goes_item = owned[best]
        if customer.price_band >= 0:
            bands = items.price_band[pool]
            price_band = np.where(bands >= 0, 1.0 - np.abs(bands - customer.price_band) / 2.0, 0.5)

    colour_q, size_q = items.colour[item_idx], items.size[item_idx]
    return Candidates(
        items=pool,
        scores={
            "same_model": same_model.astype(float),
            "same_brand": same_brand.astype(float),
            "purpose": purpose,
            "content": content,
            "als": als.astype(float),
            "lightfm": np.asarray(lightfm, float),
            "popularity": popularity,
            "history": history,
            "goes_with": goes_with,
            "price_band": price_band,
        },
        goes_with_item=goes_item,
        other_colour=same_model & (items.colour[pool] != colour_q),
        other_size=same_model & (items.size[pool] != size_q),
    )

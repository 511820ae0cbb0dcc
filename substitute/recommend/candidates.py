"""Candidates for one request, each with the scores of the sources that put it there.

The pool is every item of the original's category (and its model) that can
be had at the requesting store, in the customer's size; when that is more
than the item's shortlist holds, the shortlist's part that can be had. Each
source scores the pool in ``[0, 1]``; a candidate's reasons are the sources
that score it:

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

__all__ = [
    "SOURCES",
    "Candidates",
    "anonymous_sources",
    "candidate_pool",
    "category_pool",
    "score_sources",
]

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
    pool = items.in_category(int(items.category[item_idx]))
    elsewhere = items.same_model_elsewhere(item_idx)
    if len(elsewhere):
        pool = np.union1d(pool, elsewhere)
    return pool[pool != item_idx]


def _in_stock_relatives(snapshot: Snapshot, item_idx: int, store_idx: int) -> np.ndarray:
    """What :func:`category_pool` holds that the store can hand over, from the stock index."""
    pool = snapshot.in_stock.of(store_idx, int(snapshot.items.category[item_idx]))
    elsewhere = snapshot.items.same_model_elsewhere(item_idx)
    if len(elsewhere):
        pool = np.union1d(pool, elsewhere[snapshot.available[store_idx, elsewhere] > 0])
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

    It cannot when another size than the item's own is wanted (the shortlist
    was built for that size), when too few shortlisted items are in stock and
    in size, or when none of them is of the original's brand while the
    shortlist left some of the brand out: a brand-loyal customer must not be
    sent to another maker because the shortlist was too short.
    """
    shortlists = snapshot.shortlists
    if shortlists is None:
        return None
    items = snapshot.items
    own_size = str(items.size[item_idx])
    if own_size and (
        (size and size != own_size)
        or (customer is not None and customer.sizes and own_size not in customer.sizes)
    ):
        return None  # the shortlist holds the item's own size; another one scans the category
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

    Everything of the category the store can hand over, unless that is more
    than the item's shortlist (:mod:`substitute.recommend.retrieval`) holds:
    then the shortlist, when it has enough to offer ``k``.
    """
    in_stock = _in_stock_relatives(snapshot, item_idx, store_idx)
    shortlists = snapshot.shortlists
    if shortlists is not None and len(in_stock) > len(shortlists.of(item_idx)):
        pool = _from_shortlist(snapshot, item_idx, store_idx, size, customer, k)
        if pool is not None:
            return pool
    own_size = str(snapshot.items.size[item_idx])
    return in_stock[_size_ok(snapshot, in_stock, size, customer, own_size)]


def _scaled(values: np.ndarray) -> np.ndarray:
    """Min-max to [0, 1] inside the pool; constant values give 0 (they rank nothing)."""
    if len(values) == 0:
        return values
    lo, hi = float(values.min()), float(values.max())
    return (values - lo) / (hi - lo) if hi > lo else np.zeros_like(values)


def _log_share(values: np.ndarray) -> np.ndarray:
    top = float(values.max()) if len(values) else 0.0
    return np.log1p(values) / np.log1p(top) if top > 0 else np.zeros_like(values)


def _of(values: np.ndarray, item_idx: int | np.ndarray) -> np.ndarray:
    """The query item's value (or a batch's, as a column): broadcasts against the pool."""
    return np.asarray(values[item_idx])[..., None]


def anonymous_sources(
    snapshot: Snapshot, item_idx: int | np.ndarray, store_idx: int, pool: np.ndarray
) -> dict[str, np.ndarray]:
    """Every source's score over the pool for an anonymous customer.

    ``item_idx`` is one item (arrays over the pool) or a batch of items (one
    row each, for the shortlists); the formulas are the same either way.
    Indicator sources are booleans, the factor cosines float32: both enter
    the blends as exactly as float64 would, and a batch is cheaper without
    the copies.
    """
    items = snapshot.items
    model_q, brand_q, colour_q = (_of(a, item_idx) for a in (items.model, items.brand, items.colour))
    same_model = (items.model[pool] == model_q) & (model_q >= 0)
    same_brand = (items.brand[pool] == brand_q) & (brand_q >= 0)

    q_tags = snapshot.purpose[item_idx].astype(np.int32)
    pool_tags = snapshot.purpose[pool]
    inter = q_tags @ pool_tags.T
    union = pool_tags.sum(axis=1) + q_tags.sum(axis=-1)[..., None] - inter
    purpose = np.where(union > 0, inter / np.maximum(union, 1), 0.0)

    colour = (items.colour[pool] == colour_q) & (colour_q >= 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        closeness = np.exp(-2.0 * np.abs(np.log(items.price[pool] / _of(items.price, item_idx))))
    closeness[np.isnan(closeness)] = 0.5  # a price unknown: neither close nor far
    content = (purpose + colour + closeness) / 3.0

    store_pop = snapshot.demand_rate[store_idx, pool]
    popularity = 0.5 * _log_share(store_pop) + 0.5 * _log_share(items.popularity[pool].astype(np.float64))
    shape = purpose.shape
    return {
        "same_model": same_model,
        "same_brand": same_brand,
        "purpose": purpose,
        "content": content,
        "als": np.clip(snapshot.als.similar(item_idx, pool), 0.0, 1.0),
        "lightfm": np.clip(snapshot.item_unit[item_idx] @ snapshot.item_unit[pool].T, 0.0, 1.0),
        "popularity": popularity if popularity.shape == shape else np.broadcast_to(popularity, shape),
        # Nothing known of the customer.
        "history": _constant(0.0, shape),
        "goes_with": _constant(0.0, shape),
        "price_band": _constant(0.5, shape),
    }


def _constant(value: float, shape: tuple[int, ...]) -> np.ndarray:
    """``value`` over the pool; for a batch a read-only view, so rows × category costs no memory."""
    return np.full(shape, value) if len(shape) == 1 else np.broadcast_to(value, shape)


def score_sources(
    snapshot: Snapshot, item_idx: int, store_idx: int, pool: np.ndarray, customer: CustomerInfo | None
) -> Candidates:
    """Every source's score for every pool item (vectorised; see the module docstring)."""
    items = snapshot.items
    n = len(pool)
    scores = anonymous_sources(snapshot, item_idx, store_idx, pool)
    goes_item = np.full(n, -1, dtype=np.int64)
    if customer is not None:
        if customer.vector is not None:
            scores["lightfm"] = np.asarray(
                _scaled(snapshot.item_vectors[pool] @ customer.vector + snapshot.item_bias[pool]), float
            )
        if len(customer.history_items):
            history = np.zeros(n)
            pos = np.searchsorted(pool, customer.history_items).clip(0, max(n - 1, 0))
            hit = (pool[pos] == customer.history_items) if n else np.zeros(0, bool)
            history[pos[hit]] = customer.history_weights[hit]
            scores["history"] = _log_share(history)
            # What goes with what they own: items of other categories bought by the same people.
            owned = customer.history_items[items.category[customer.history_items] != items.category[item_idx]]
            if len(owned) and n:
                sim = snapshot.als.similar(owned, pool).T
                best = sim.argmax(axis=1)
                scores["goes_with"] = np.clip(sim[np.arange(n), best], 0.0, 1.0).astype(float)
                goes_item = owned[best]
        if customer.price_band >= 0:
            bands = items.price_band[pool]
            scores["price_band"] = np.where(bands >= 0, 1.0 - np.abs(bands - customer.price_band) / 2.0, 0.5)

    same_model = scores["same_model"]
    return Candidates(
        items=pool,
        scores=scores,
        goes_with_item=goes_item,
        other_colour=same_model & (items.colour[pool] != items.colour[item_idx]),
        other_size=same_model & (items.size[pool] != items.size[item_idx]),
    )

"""Expected transferred demand: how much of the short items' demand lands on each substitute.

When an item runs short (out now, or the current forecast gives it at least
even odds of selling out within the horizon), its demand over the horizon
times the share that switches to an offer (``switch_share``; Gruen, Corsten &
Bharadwaj 2002 measured 26% switching brand plus 19% buying the same brand)
is spread evenly over the top ``substitutes_sharing_demand`` substitutes an
anonymous customer would be offered at that store. Summed over every short
item, this is the load on each candidate; ranking penalises the part of the
load its available units cannot serve, so one substitute is not promised to
more customers than it can serve when several items (or the same item in
several stores) run short at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from substitute.recommend.snapshot import Snapshot

__all__ = ["short_items", "transferred_load"]

#: Probability of selling out within the horizon above which an item counts as short.
SHORT_RISK = 0.5
#: At most this many short store × items are propagated (the largest demand first).
MAX_SHORT = 20_000


def short_items(snapshot: Snapshot) -> tuple[np.ndarray, np.ndarray]:
    """``(store_idx, item_idx)`` of items with demand that are out or likely to run out."""
    short = (snapshot.demand_rate > 0) & ((snapshot.available <= 0) | (snapshot.risk >= SHORT_RISK))
    stores, items = np.nonzero(short)
    if len(stores) > MAX_SHORT:
        keep = np.argsort(-snapshot.demand_rate[stores, items], kind="stable")[:MAX_SHORT]
        keep.sort()
        stores, items = stores[keep], items[keep]
    return stores, items


def transferred_load(snapshot: Snapshot) -> np.ndarray:
    """Expected units moved onto each store × item by every short item's offers."""
    from substitute.recommend.candidates import candidate_pool, score_sources
    from substitute.recommend.rank import rank_candidates

    cfg = snapshot.config.inventory
    load = np.zeros_like(snapshot.available)
    no_load = snapshot.load
    snapshot.load = np.zeros_like(snapshot.available)  # rank without the cap we are computing
    try:
        for s, i in zip(*short_items(snapshot), strict=True):
            pool = candidate_pool(snapshot, int(i), int(s), None, None, cfg.substitutes_sharing_demand)
            if len(pool) == 0:
                continue
            cands = score_sources(snapshot, int(i), int(s), pool, None)
            ranked = rank_candidates(
                snapshot,
                int(i),
                int(s),
                cands,
                None,
                snapshot.config.ranking,
                limit=cfg.substitutes_sharing_demand,
            )
            top = cands.items[ranked.order[: cfg.substitutes_sharing_demand]]
            if len(top):
                moved = snapshot.demand_rate[s, i] * cfg.horizon_days * cfg.switch_share
                load[s, top] += moved / len(top)
    finally:
        snapshot.load = no_load
    return load

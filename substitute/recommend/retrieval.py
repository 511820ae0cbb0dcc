"""Shortlists: each item's best candidates, found once at training time.

A checkout call used to score the original's whole category, ~7,000 items
at 50,000 SKUs, to return ten. Two-stage recommenders (retrieval, then
ranking; Covington, Adams & Sargin 2016) split that: training ranks every
category once per item with the serving code itself, for an anonymous
customer with everything in stock and overall popularity, and keeps the top
``depth`` for *each* loyalty type (so a brand-loyal list keeps the brand's
items and a need-driven one the best other makers). Serving then scores the
shortlist's in-stock part only, with the customer's own scores, the store's
popularity and today's sellout risks, and goes back to the category when the
shortlist has too little in stock (:func:`~substitute.recommend.candidates.candidate_pool`).

Arrays in CSR form: ``items[indptr[i]:indptr[i + 1]]`` is item ``i``'s
shortlist, sorted. ``brand_complete[i]`` says every item of ``i``'s brand in
its pool made the shortlist, so an empty brand there means the brand has
nothing, not that the shortlist was too short.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from substitute.recommend.candidates import category_pool, score_sources
from substitute.recommend.rank import BEHAVIOURAL, PSYCHOLOGICAL, rank_candidates
from substitute.recommend.snapshot import Snapshot

__all__ = ["Shortlists", "build_shortlists"]


@dataclass(frozen=True)
class Shortlists:
    indptr: np.ndarray
    items: np.ndarray
    brand_complete: np.ndarray

    def of(self, item_idx: int) -> np.ndarray:
        """Item ``item_idx``'s shortlist, sorted."""
        return self.items[self.indptr[item_idx] : self.indptr[item_idx + 1]]

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray] | None, n_items: int) -> Shortlists | None:
        """None when the artifact has none (built with ``depth = 0``, or before shortlists existed)."""
        if not arrays or len(arrays.get("indptr", ())) != n_items + 1:
            return None
        return cls(**{f.name: arrays[f.name] for f in fields(cls)})


def _shortlist(catalogue: Snapshot, item_idx: int, depth: int) -> tuple[np.ndarray, bool]:
    pool = category_pool(catalogue.items, item_idx)
    if len(pool) <= depth:
        return pool, True
    cands = score_sources(catalogue, item_idx, 0, pool, None)
    ranking = catalogue.config.ranking
    picked = np.unique(
        np.concatenate(
            [
                rank_candidates(catalogue, item_idx, 0, cands, None, ranking, strategy=s, limit=depth).order[
                    :depth
                ]
                for s in (BEHAVIOURAL, PSYCHOLOGICAL)
            ]
        )
    )
    of_brand = (cands.scores["same_brand"] > 0) | (cands.scores["same_model"] > 0)
    return pool[picked], bool(of_brand[picked].sum() == of_brand.sum())


def build_shortlists(catalogue: Snapshot, depth: int, *, progress: bool = False) -> Shortlists | None:
    """Shortlists of every item, ranked in ``catalogue``: one store with everything in stock.

    See :func:`~substitute.recommend.snapshot.catalogue_snapshot`. None when ``depth`` is 0.
    """
    if depth <= 0:
        return None
    from tqdm import tqdm

    n = catalogue.items.n_items
    lists: list[np.ndarray] = []
    complete = np.zeros(n, dtype=bool)
    for i in tqdm(range(n), desc="shortlists", unit=" item", disable=None if progress else True):
        short, complete[i] = _shortlist(catalogue, i, depth)
        lists.append(short)
    indptr = np.zeros(n + 1, dtype=np.int64)
    indptr[1:] = np.cumsum([len(s) for s in lists])
    items = np.concatenate(lists).astype(np.int32) if lists else np.zeros(0, np.int32)
    return Shortlists(indptr=indptr, items=items, brand_complete=complete)

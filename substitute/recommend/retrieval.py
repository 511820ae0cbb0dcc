"""Shortlists: each item's best candidates, found once at training time.

A checkout call used to score the original's whole category, ~7,000 items
at 50,000 SKUs, to return ten. Two-stage recommenders (retrieval, then
ranking; Covington, Adams & Sargin 2016) split that: training scores every
category once per item with the serving formulas themselves
(:func:`~substitute.recommend.candidates.anonymous_sources` and
:func:`~substitute.recommend.rank.blend`, a batch of items at a time), for an
anonymous customer with everything in stock and overall popularity, and keeps
the top ``depth`` for *each* loyalty type (so a brand-loyal list keeps the brand's
items and a need-driven one the best other makers). Serving then scores the
shortlist's in-stock part only, with the customer's own scores, the store's
popularity and today's sellout risks, and goes back to the category when the
shortlist has too little in stock (:func:`~substitute.recommend.candidates.candidate_pool`).

A shortlist is built for the common request: the item's own size (a 24.0
shoe's lists hold 24.0 and unsized items). A request for another size scans
the category.

Arrays in CSR form: ``items[indptr[i]:indptr[i + 1]]`` is item ``i``'s
shortlist, sorted. ``brand_complete[i]`` says every item of ``i``'s brand in
its pool and size made the shortlist, so an empty brand there means the
brand has nothing, not that the shortlist was too short.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from substitute.recommend.candidates import anonymous_sources, category_pool
from substitute.recommend.rank import BEHAVIOURAL, PSYCHOLOGICAL, blend
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


#: Query rows scored at once: bounds the (rows x category) score arrays to ~16 MB each.
CELLS_PER_BATCH = 2_000_000


def _fits(wanted: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """(wanted × items): the item fits (unsized, or the wanted size; anything when none is wanted).

    Sizes are integer codes, 0 for no size.
    """
    return (sizes[None, :] == 0) | (wanted[:, None] == 0) | (sizes[None, :] == wanted[:, None])


def _category_shortlists(
    catalogue: Snapshot, members: np.ndarray, depth: int, sizes: np.ndarray
) -> tuple[list[np.ndarray], np.ndarray]:
    """Shortlists of every item of one category, scored a batch of items at a time."""
    items = catalogue.items
    ranking = catalogue.config.ranking
    if len(members) <= depth + 1:
        return [category_pool(items, int(i)) for i in members], np.ones(len(members), dtype=bool)
    lists: list[np.ndarray] = []
    complete = np.zeros(len(members), dtype=bool)
    rows = max(1, CELLS_PER_BATCH // len(members))
    for start in range(0, len(members), rows):
        batch = members[start : start + rows]
        scores = anonymous_sources(catalogue, batch, 0, members)
        itself = members[None, :] == batch[:, None]
        # Built for the common request, the item's own size: other sizes would be filtered out.
        left_out = itself | ~_fits(sizes[batch], sizes[members])
        picked = np.zeros(itself.shape, dtype=bool)
        for strategy in (BEHAVIOURAL, PSYCHOLOGICAL):
            score, _ = blend(catalogue, 0, members, scores, strategy, ranking)
            score[left_out] = -np.inf
            top = np.argpartition(-score, depth - 1, axis=1)[:, :depth]
            row = np.arange(len(batch))[:, None]
            picked[row, top] |= np.isfinite(score[row, top])
        of_brand = ((scores["same_brand"] > 0) | (scores["same_model"] > 0)) & ~left_out
        complete[start : start + len(batch)] = (of_brand & ~picked).sum(axis=1) == 0
        for i, chosen in zip(batch.tolist(), picked, strict=True):
            short = members[chosen]
            # The same model in another category is never left out (category_pool adds it too).
            elsewhere = items.same_model_elsewhere(i)
            lists.append(np.union1d(short, elsewhere) if len(elsewhere) else short)
    return lists, complete


def build_shortlists(catalogue: Snapshot, depth: int, *, progress: bool = False) -> Shortlists | None:
    """Shortlists of every item, ranked in ``catalogue``: one store with everything in stock.

    See :func:`~substitute.recommend.snapshot.catalogue_snapshot`. None when ``depth`` is 0.
    """
    if depth <= 0:
        return None
    from tqdm import tqdm

    items = catalogue.items
    n = items.n_items
    by_item: list[np.ndarray] = [np.zeros(0, np.int32)] * n
    complete = np.zeros(n, dtype=bool)
    names, sizes = np.unique(items.size, return_inverse=True)
    sizes = sizes + 1 if len(names) and names[0] != "" else sizes  # 0 is "no size"
    bar = tqdm(total=n, desc="shortlists", unit=" item", disable=None if progress else True)
    for category in range(len(items.category_names)):
        members = items.in_category(category)
        lists, done = _category_shortlists(catalogue, members, depth, sizes)
        for i, short in zip(members.tolist(), lists, strict=True):
            by_item[i] = short
        complete[members] = done
        bar.update(len(members))
    bar.close()
    indptr = np.zeros(n + 1, dtype=np.int64)
    indptr[1:] = np.cumsum([len(s) for s in by_item])
    flat = np.concatenate(by_item).astype(np.int32) if n else np.zeros(0, np.int32)
    return Shortlists(indptr=indptr, items=flat, brand_complete=complete)

"""What each store can hand over, by category: the index a checkout call starts from.

A store carries a part of the assortment (on the 50,000-SKU demo, 7 % of
store × item pairs have stock), so the in-stock part of a category is small
even when the category is not. Built once per snapshot, it lets a call go
straight to those items instead of filtering the whole category by stock on
every request.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["InStock"]


@dataclass(frozen=True)
class InStock:
    """Per store × category, the items with ``available > 0``, sorted.

    CSR over ``store * n_categories + category``.
    """

    indptr: np.ndarray
    items: np.ndarray
    n_categories: int

    @classmethod
    def build(cls, available: np.ndarray, category: np.ndarray, n_categories: int) -> InStock:
        stores, items = np.nonzero(available > 0)  # by store, then item
        key = stores * n_categories + category[items]
        order = np.argsort(key, kind="stable")  # stable: items stay sorted within a key
        counts = np.bincount(key, minlength=available.shape[0] * n_categories)
        indptr = np.zeros(len(counts) + 1, dtype=np.int64)
        indptr[1:] = np.cumsum(counts)
        return cls(indptr=indptr, items=items[order].astype(np.int64), n_categories=n_categories)

    def of(self, store_idx: int, category: int) -> np.ndarray:
        """Items of ``category`` that ``store_idx`` can hand over, sorted."""
        key = store_idx * self.n_categories + category
        return self.items[self.indptr[key] : self.indptr[key + 1]]

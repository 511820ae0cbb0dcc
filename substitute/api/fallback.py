"""The answer of last resort: the category's popular items that the store has in stock.

Used when the recommender cannot answer in time or fails, and what a clerk
would say without any model: "these sell well in the same category and we
have them here". It reads only the snapshot already in memory.
"""

from __future__ import annotations

import numpy as np

from substitute.recommend.snapshot import Snapshot

STRATEGY = "popular_fallback"


class PopularInStock:
    """Per-category SKUs sorted by popularity, computed once per snapshot."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self._by_category: dict[int, np.ndarray] = {}

    def _ranked(self, category: int) -> np.ndarray:
        ranked = self._by_category.get(category)
        if ranked is None:
            items = self.snapshot.items
            members = items.in_category(category)
            # Most popular first; ties by item index so the order is reproducible.
            ranked = members[np.lexsort((members, -items.popularity[members]))]
            self._by_category[category] = ranked
        return ranked

    def offers(self, item_idx: int, store_idx: int, size: str | None, k: int) -> list[dict[str, object]]:
        """Up to ``k`` in-stock items of ``item_idx``'s category at ``store_idx``, same size first."""
        snap = self.snapshot
        items = snap.items
        ranked = self._ranked(int(items.category[item_idx]))
        ranked = ranked[(ranked != item_idx) & (snap.available[store_idx, ranked] > 0)]
        wanted = size if size is not None else str(items.size[item_idx])
        if wanted:
            ranked = ranked[np.argsort(items.size[ranked] != wanted, kind="stable")]
        top = ranked[:k]
        best = float(items.popularity[top[0]]) if len(top) else 0.0
        category = str(items.category_names[items.category[item_idx]]) or "the same category"
        return [
            {
                "sku": str(items.sku[i]),
                "score": round(float(items.popularity[i]) / best, 6) if best > 0 else 0.0,
                "strategy": STRATEGY,
                "reasons": [f"sells well in {category} and is in stock here"],
                "available_qty": float(snap.available[store_idx, i]),
                "reservation": None,
                "flags": ["fallback"],
            }
            for i in top.tolist()
        ]

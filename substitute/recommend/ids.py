"""External ids (SKU, store and customer strings) and internal ``0..n-1`` indices."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

__all__ = ["IdMap"]


class IdMap:
    """A fixed, sorted map between external string ids and indices.

    Sorting makes the map independent of row order, so the same data always
    gives the same indices (and the same factors for a fixed seed).
    """

    def __init__(self, ids: Iterable[str]) -> None:
        self.external: np.ndarray = np.array(sorted({str(i) for i in ids}), dtype=str)
        self._index: dict[str, int] = {s: i for i, s in enumerate(self.external.tolist())}

    @classmethod
    def from_array(cls, external: np.ndarray) -> IdMap:
        """Rebuild from a saved (already sorted, unique) array."""
        obj = cls.__new__(cls)
        obj.external = np.asarray(external, dtype=str)
        obj._index = {s: i for i, s in enumerate(obj.external.tolist())}
        return obj

    def __len__(self) -> int:
        return len(self.external)

    def __contains__(self, key: object) -> bool:
        return key in self._index

    def get(self, key: str) -> int | None:
        """Index of ``key``, or None when unknown."""
        return self._index.get(key)

    def index(self, keys: Sequence[str] | np.ndarray) -> np.ndarray:
        """Indices of ``keys``; -1 for unknown ones."""
        keys = np.asarray(keys, dtype=str)
        if len(self.external) == 0 or len(keys) == 0:
            return np.full(len(keys), -1, dtype=np.int64)
        # The external array is sorted: a binary search finds every key at once.
        pos = np.searchsorted(self.external, keys).clip(0, len(self.external) - 1)
        return np.where(self.external[pos] == keys, pos, -1).astype(np.int64)

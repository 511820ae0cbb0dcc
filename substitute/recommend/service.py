"""``recommend_substitutes``: the checkout call, answered from the in-memory snapshot.

No database query and no training per call: the snapshot holds everything.
:class:`Recommender` keeps the snapshot a service is using and swaps in a new
one only when it loaded and verified completely, so a bad artifact never
takes the previous one out of service.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass

from substitute.errors import NotFound
from substitute.recommend.candidates import candidate_pool, score_sources
from substitute.recommend.rank import PSYCHOLOGICAL, rank_candidates
from substitute.recommend.reasons import explain
from substitute.recommend.snapshot import Snapshot

__all__ = ["Recommender", "Reservation", "Substitute", "recommend_substitutes"]


@dataclass(frozen=True)
class Reservation:
    """A back-in-stock offer for the original item."""

    expected_date: dt.date
    quantity: float


@dataclass(frozen=True)
class Substitute:
    sku: str
    score: float
    strategy: str
    reasons: tuple[str, ...]
    available_qty: float
    reservation: Reservation | None = None
    flags: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        out = {
            "sku": self.sku,
            "score": round(self.score, 6),
            "strategy": self.strategy,
            "reasons": list(self.reasons),
            "available_qty": self.available_qty,
            "reservation": None,
            "flags": list(self.flags),
        }
        if self.reservation is not None:
            out["reservation"] = {
                "expected_date": self.reservation.expected_date.isoformat(),
                "quantity": self.reservation.quantity,
            }
        return out


def _reservation(snapshot: Snapshot, item_idx: int, store_idx: int) -> Reservation | None:
    due = snapshot.receipts.get((store_idx, item_idx))
    if due is None:
        return None
    days = (due[0] - snapshot.as_of).days
    if 0 <= days <= snapshot.config.inventory.reservation_days:
        return Reservation(due[0], due[1])
    return None


def recommend_substitutes(
    snapshot: Snapshot,
    sku: str,
    store: str,
    customer: str | None = None,
    size: str | None = None,
    k: int = 10,
) -> list[Substitute]:
    """Ranked, in-stock, explained substitutes for ``sku`` at ``store``.

    Parameters
    ----------
    snapshot
        From :func:`~substitute.recommend.snapshot.load_snapshot`.
    sku, store
        The wanted item and the store or channel asking.
    customer
        Optional customer id; an unknown id is treated as an anonymous customer.
    size
        The size wanted; default: the customer's registered size when it applies.
    k
        How many entries at most, a reservation of the original included.

    Raises
    ------
    NotFound
        When the SKU or the store is unknown to the snapshot.
    """
    item_idx = snapshot.item_ids.get(sku)
    if item_idx is None:
        raise NotFound(
            f"SKU {sku!r} is not in the trained catalogue: check the SKU, or retrain after adding it"
        )
    store_idx = snapshot.stores.get(store)
    if store_idx is None:
        raise NotFound(f"store {store!r} has no stock or sales in the snapshot: check the store id")
    info = snapshot.customers.get(customer) if customer is not None else None
    ranking = snapshot.config.ranking
    pool = candidate_pool(snapshot, item_idx, store_idx, size, info, k)
    cands = score_sources(snapshot, item_idx, store_idx, pool, info)
    ranked = rank_candidates(snapshot, item_idx, store_idx, cands, info, ranking, limit=k)
    strategy = ranked.strategy
    top = ranked.order[:k]
    chosen = cands.items[top]
    # One lookup per array for all of them: per-offer numpy scalars cost more than the offers.
    skus = snapshot.items.sku[chosen].tolist()
    scores = ranked.score[top].tolist()
    available = snapshot.available[store_idx, chosen].tolist()
    may_sell_out = (snapshot.risk[store_idx, chosen] >= 0.5).tolist()
    other_brand = (ranked.other_brand[top] & (strategy == PSYCHOLOGICAL)).tolist()
    reasons = explain(snapshot, item_idx, cands, top, other_brand=other_brand, personal=info is not None)
    out: list[tuple[float, str, Substitute]] = []
    for j, sku_j in enumerate(skus):
        flags = ("other_brand",) * other_brand[j] + ("may_sell_out",) * may_sell_out[j]
        offer = Substitute(sku_j, scores[j], strategy, reasons[j], available[j], flags=flags)
        out.append((scores[j], sku_j, offer))
    reservation = _reservation(snapshot, item_idx, store_idx)
    if reservation is not None:
        weight = (
            ranking.psychological.reservation
            if strategy == PSYCHOLOGICAL
            else ranking.behavioural.reservation
        )
        when = reservation.expected_date.isoformat()
        out.append(
            (
                float(weight) + (0.995 if strategy == PSYCHOLOGICAL else 0.0),
                sku,
                Substitute(
                    sku=sku,
                    score=float(weight) + (0.995 if strategy == PSYCHOLOGICAL else 0.0),
                    strategy="reservation",
                    reasons=(f"the same item is back in stock on {when}: reserve it",),
                    available_qty=0.0,
                    reservation=reservation,
                ),
            )
        )
    out.sort(key=lambda t: (-t[0], t[1]))
    return [sub for _, _, sub in out[:k]]


class Recommender:
    """Holds the snapshot in service; :meth:`reload` swaps only a complete new one in."""

    def __init__(self, loader: Callable[[], Snapshot]) -> None:
        self._loader = loader
        self._lock = threading.Lock()
        self.snapshot: Snapshot = loader()

    def reload(self) -> Snapshot:
        """Load a fresh snapshot; on any error keep serving the old one and re-raise."""
        fresh = self._loader()
        with self._lock:
            self.snapshot = fresh
        return fresh

    def recommend(
        self, sku: str, store: str, customer: str | None = None, size: str | None = None, k: int = 10
    ) -> list[Substitute]:
        return recommend_substitutes(self.snapshot, sku, store, customer, size, k)

"""Prepared substitutes for the buyers' pages, and whether they can take the extra demand.

One snapshot per process, loaded on first use and again when the current
forecast run changes; when none can be loaded the pages say "no substitutes
prepared" instead of failing, and the old snapshot (if any) stays in use.

Demand that moves to the substitutes: the wanted item's expected demand over
its stockout window (from its expected sellout day to its next receipt, or
to the end of the run's stockout window when no receipt is open) times a
switch share, spread evenly over the first ``substitutes_sharing_demand``
in-stock substitutes, as :mod:`substitute.recommend.transfer` does. The
switch share is this item's own acceptance rate when it has enough offer
sessions in the event history, else ``switch_share`` from
``configs/recommend.toml`` (Gruen, Corsten & Bharadwaj 2002).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from substitute.db.models import Item, SelloutRisk, SubstitutionEvent
from substitute.web.detail import ForecastPoint, read_forecast, window_demand

if TYPE_CHECKING:
    from substitute.recommend.snapshot import Snapshot
    from substitute.settings import Settings

__all__ = ["Prepared", "SnapshotHolder", "prepare", "switch_share"]

log = logging.getLogger(__name__)

#: Offer sessions of an item needed before its own acceptance rate is trusted.
MIN_SESSIONS = 20
#: Seconds before a failed snapshot load is tried again.
RETRY_S = 300.0
K = 5


class SnapshotHolder:
    """The process's snapshot: loaded lazily, reloaded when the forecast run changes."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self._engine, self._settings = engine, settings
        self._lock = threading.Lock()
        self.snapshot: Snapshot | None = None
        self.run_id: int | None = None
        self.error: str | None = None
        self._failed_at = -RETRY_S
        self._ready: dict[tuple[str, str], int] = {}

    def get(self, run_id: int | None) -> Snapshot | None:
        """The snapshot for ``run_id``; the previous one (or None) while a load fails."""
        if self.snapshot is not None and self.run_id == run_id:
            return self.snapshot
        if time.monotonic() - self._failed_at < RETRY_S:
            return self.snapshot
        with self._lock:
            if self.snapshot is not None and self.run_id == run_id:
                return self.snapshot
            try:
                from substitute.recommend.snapshot import load_snapshot

                fresh = load_snapshot(self._engine, self._settings)
            except Exception as exc:  # any failure means "not prepared", never a 500
                log.warning("no substitute snapshot: %s", exc)
                self.error = str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__
                self._failed_at = time.monotonic()
                return self.snapshot
            self.snapshot, self.run_id, self.error, self._ready = fresh, run_id, None, {}
            return fresh

    def is_cached(self, store_id: str, sku: str) -> bool:
        return (store_id, sku) in self._ready

    def ready_count(self, snapshot: Snapshot, store_id: str, sku: str) -> int | None:
        """In-stock substitutes an anonymous customer would be offered (cached per snapshot)."""
        key = (store_id, sku)
        if key not in self._ready:
            from substitute.errors import NotFound
            from substitute.recommend.service import recommend_substitutes

            try:
                subs = recommend_substitutes(snapshot, sku, store_id, k=K)
            except NotFound:
                return None
            self._ready[key] = sum(1 for s in subs if s.reservation is None and s.available_qty > 0)
        return self._ready[key]


@dataclass(frozen=True)
class SubstituteLine:
    sku: str
    name: str
    strategy: str
    reasons: tuple[str, ...]
    flags: tuple[str, ...]
    available: float
    days_of_cover: float | None
    p_stockout_window: float | None
    expected_sellout_date: dt.date | None
    own_demand: float
    moved: float
    reservation: tuple[dt.date, float] | None = None

    @property
    def spare(self) -> float:
        """Units left after its own demand and the moved demand over the window."""
        return self.available - self.own_demand - self.moved

    @property
    def can_absorb(self) -> bool:
        return self.reservation is None and self.spare >= 0


@dataclass
class Prepared:
    lines: list[SubstituteLine] = field(default_factory=list)
    message: str | None = None
    window: tuple[dt.date, dt.date] | None = None
    lost_demand: float = 0.0
    share: float = 0.0
    share_source: str = ""
    sharing: int = 0


def switch_share(engine: Engine, sku: str, default: float) -> tuple[float, str]:
    """This item's acceptance rate over its offer sessions, or ``default`` with fewer than 20."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                SubstitutionEvent.event_type,
                SubstitutionEvent.store_id,
                SubstitutionEvent.customer_id,
                SubstitutionEvent.ts_utc,
            ).where(SubstitutionEvent.sku == sku, SubstitutionEvent.event_type.in_(("offered", "accepted")))
        ).all()
    # A session is one customer (or anonymous shopper) at one store on one day.
    sessions = {(r.store_id, r.customer_id, r.ts_utc.date()) for r in rows if r.event_type == "offered"}
    accepted = {(r.store_id, r.customer_id, r.ts_utc.date()) for r in rows if r.event_type == "accepted"}
    if len(sessions) >= MIN_SESSIONS:
        n = len(accepted & sessions)
        return n / len(
            sessions
        ), f"event history: {n} of {len(sessions)} offer sessions for this item accepted"
    return default, (
        f"configs/recommend.toml switch_share (this item has {len(sessions)} offer sessions, "
        f"fewer than {MIN_SESSIONS})"
    )


def prepare(
    engine: Engine,
    holder: SnapshotHolder,
    run: Any,
    store_id: str,
    sku: str,
    risk: SelloutRisk | None,
    forecast: list[ForecastPoint],
) -> Prepared:
    """The substitutes ready for ``sku`` at ``store_id`` with the demand each would take."""
    snapshot = holder.get(run.id)
    if snapshot is None:
        return Prepared(message=f"No substitutes prepared: {holder.error or 'no trained model is loaded'}.")
    from substitute.errors import NotFound
    from substitute.recommend.service import recommend_substitutes

    try:
        subs = recommend_substitutes(snapshot, sku, store_id, k=K)
    except NotFound as exc:
        return Prepared(message=f"No substitutes prepared: {exc}.")
    if not subs:
        return Prepared(message="No substitutes prepared: nothing suitable is in stock at this store.")
    inv = snapshot.config.inventory
    start = as_of_next = run.as_of + dt.timedelta(days=1)
    if risk is not None and risk.expected_sellout_date is not None:
        start = max(risk.expected_sellout_date, as_of_next)
    end = run.as_of + dt.timedelta(days=run.window_days + 1)
    if risk is not None and risk.next_receipt_date is not None:
        end = risk.next_receipt_date
    end = max(end, start)
    lost = window_demand(forecast, start, end)
    share, source = switch_share(engine, sku, inv.switch_share)
    in_stock = [s for s in subs if s.reservation is None and s.available_qty > 0]
    sharing = min(len(in_stock), inv.substitutes_sharing_demand)
    moved_each = lost * share / sharing if sharing else 0.0
    takers = {s.sku for s in in_stock[:sharing]}
    skus = [s.sku for s in subs]
    with Session(engine) as session:
        names = {
            sku: name for sku, name in session.execute(select(Item.sku, Item.name).where(Item.sku.in_(skus)))
        }
        risks = {
            r.sku: r
            for r in session.scalars(
                select(SelloutRisk).where(
                    SelloutRisk.run_id == run.id, SelloutRisk.store_id == store_id, SelloutRisk.sku.in_(skus)
                )
            )
        }
        demand = {s: window_demand(read_forecast(session, run.id, store_id, s), start, end) for s in skus}
    lines = []
    for s in subs:
        own = risks.get(s.sku)
        lines.append(
            SubstituteLine(
                sku=s.sku,
                name=names.get(s.sku, s.sku),
                strategy=s.strategy,
                reasons=s.reasons,
                flags=s.flags,
                available=s.available_qty,
                days_of_cover=own.days_of_cover if own else None,
                p_stockout_window=own.p_stockout_window if own else None,
                expected_sellout_date=own.expected_sellout_date if own else None,
                own_demand=0.0 if s.reservation else demand.get(s.sku, 0.0),
                moved=moved_each if s.sku in takers else 0.0,
                reservation=(s.reservation.expected_date, s.reservation.quantity) if s.reservation else None,
            )
        )
    return Prepared(lines, None, (start, end), lost, share, source, sharing)

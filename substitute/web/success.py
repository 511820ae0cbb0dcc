"""Success counts over time: real people, not only rates (DOMAIN.md §5).

Counted per week (Monday to Sunday, UTC) of the offer, from
``substitution_events`` and the sales history:

offered
    substitutes shown: one ``offered`` event per item shown.
accepted, declined
    ``accepted`` and ``declined`` events.
purchase kept
    distinct customers with a ``purchased`` event that week who did not
    return the item they bought within :data:`RETURN_DAYS` days (no negative
    sales line of that SKU by them).
returning
    distinct customers with an offer that week who bought anything again on a
    later day within :data:`RETURN_WINDOW` days.
lost
    distinct customers with an offer that week that did not end in a
    purchase, and no purchase of anything in the :data:`RETURN_WINDOW` days
    after. Only counted once those days have passed; until then "not yet".

Anonymous offers (no customer id) count in offered/accepted/declined only.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import Engine, func, select

from substitute.db.models import SaleLine, SubstitutionEvent

__all__ = ["RETURN_DAYS", "RETURN_WINDOW", "WeekCounts", "success_counts"]

RETURN_DAYS = 30
RETURN_WINDOW = 90
WEEKS = 26
_CHUNK = 900


@dataclass
class WeekCounts:
    week: dt.date  # the Monday
    offered: int = 0
    accepted: int = 0
    declined: int = 0
    purchase_kept: int = 0
    returning: int = 0
    lost: int | None = 0  # None: the window has not passed yet


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def success_counts(
    engine: Engine, stores: frozenset[str] | None = None, weeks: int = WEEKS
) -> list[WeekCounts]:
    """Counts for the last ``weeks`` weeks with offers, newest first."""
    with engine.connect() as conn:
        last = conn.execute(select(func.max(SubstitutionEvent.ts_utc))).scalar()
        if last is None:
            return []
        start = _monday(last.date()) - dt.timedelta(weeks=weeks - 1)
        query = select(
            SubstitutionEvent.event_type,
            SubstitutionEvent.customer_id,
            SubstitutionEvent.store_id,
            SubstitutionEvent.sku,
            SubstitutionEvent.offered_sku,
            SubstitutionEvent.ts_utc,
        ).where(SubstitutionEvent.ts_utc >= dt.datetime.combine(start, dt.time()))
        if stores is not None:
            query = query.where(SubstitutionEvent.store_id.in_(sorted(stores)))
        events = conn.execute(query).all()
        customers = sorted({e.customer_id for e in events if e.customer_id})
        bought: dict[str, list[dt.date]] = defaultdict(list)
        returned: dict[tuple[str, str], list[dt.date]] = defaultdict(list)
        sales_end = conn.execute(select(func.max(SaleLine.business_date))).scalar() or last.date()
        for i in range(0, len(customers), _CHUNK):
            for cust, day, sku, qty in conn.execute(
                select(SaleLine.customer_id, SaleLine.business_date, SaleLine.sku, SaleLine.quantity).where(
                    SaleLine.customer_id.in_(customers[i : i + _CHUNK]), SaleLine.business_date >= start
                )
            ):
                if cust is None:  # excluded by the query; says so to the type checker
                    continue
                if qty > 0:
                    bought[cust].append(day)
                elif qty < 0:
                    returned[(cust, sku)].append(day)
    weeks_out: dict[dt.date, WeekCounts] = {}
    # (customer, day) -> did that session end in a purchase
    sessions: dict[tuple[str, dt.date], bool] = {}
    kept: dict[dt.date, set[str]] = defaultdict(set)
    for e in events:
        day = e.ts_utc.date()
        week = weeks_out.setdefault(_monday(day), WeekCounts(_monday(day)))
        if e.event_type == "offered":
            week.offered += 1
        elif e.event_type == "accepted":
            week.accepted += 1
        elif e.event_type == "declined":
            week.declined += 1
        if not e.customer_id:
            continue
        key = (e.customer_id, day)
        sessions[key] = sessions.get(key, False) or e.event_type == "purchased"
        if e.event_type == "purchased":
            item = e.offered_sku or e.sku
            back = returned.get((e.customer_id, item), [])
            if not any(day <= r <= day + dt.timedelta(days=RETURN_DAYS) for r in back):
                kept[_monday(day)].add(e.customer_id)
    returning: dict[dt.date, set[str]] = defaultdict(set)
    lost: dict[dt.date, set[str]] = defaultdict(set)
    for (cust, day), purchased in sessions.items():
        later = [b for b in bought.get(cust, []) if day < b <= day + dt.timedelta(days=RETURN_WINDOW)]
        if later:
            returning[_monday(day)].add(cust)
        elif not purchased:
            lost[_monday(day)].add(cust)
    for monday, week in weeks_out.items():
        week.purchase_kept = len(kept[monday])
        week.returning = len(returning[monday])
        closed = monday + dt.timedelta(days=6 + RETURN_WINDOW) <= sales_end
        week.lost = len(lost[monday]) if closed else None
    return sorted(weeks_out.values(), key=lambda w: w.week, reverse=True)

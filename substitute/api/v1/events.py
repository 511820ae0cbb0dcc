"""``POST /v1/events``: what happened to an offer (offered, accepted, declined, purchased).

Idempotent by ``event_id``: the ingestion pipeline stores a new id once and
counts a repeat as a duplicate, so a till that retries after a timeout never
double-counts. Every event is accounted for: stored, duplicate, parked (its
SKU or store is not known yet) or rejected.
"""

from __future__ import annotations

from flask import request
from spectree import Response as Documented

from substitute.api.auth import check_store
from substitute.api.state import state
from substitute.api.v1.routing import bp, endpoint
from substitute.api.v1.schemas import EventsIn, EventsOut


@bp.post("/events")
@endpoint("pos", json=EventsIn, resp=Documented(HTTP_200=EventsOut), tags=["feedback"])
def post_events():  # type: ignore[no-untyped-def]
    """Record offer feedback; a repeated event id is acknowledged, not stored twice."""
    from substitute.ingest.pipeline import ingest_records

    body: EventsIn = request.context.json  # type: ignore[attr-defined]
    for event in body.events:
        check_store(event.store)
    records = [
        {
            "event_id": e.event_id,
            "timestamp": e.timestamp.isoformat(),
            "event_type": e.event_type,
            "store_id": e.store,
            "customer_id": e.customer,
            "sku": e.sku,
            "offered_sku": e.offered_sku,
            "rank": e.rank,
            "reason": e.reason,
        }
        for e in body.events
    ]
    st = state()
    summary = ingest_records(st.engine, "events", records, source="api", settings=st.settings.ingest)
    return {
        "received": summary.rows_read,
        "stored": summary.loaded + summary.updated,
        "duplicate": summary.duplicate,
        "parked": summary.parked,
        "rejected": summary.rejected,
        "batch_id": summary.batch_id,
        "status": summary.status,
    }

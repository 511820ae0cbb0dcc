"""``/v1/substitutes``: what to offer at checkout, for one item or a whole basket.

Answered from memory by :class:`~substitute.api.serving.CheckoutService`:
no database query, a deadline, and a ``degraded`` answer (never a 5xx) when
the database or the model is unavailable.
"""

from __future__ import annotations

from typing import Any

from flask import request
from spectree import Response as Documented

from substitute.api.auth import check_store
from substitute.api.checkout import checkout
from substitute.api.metrics import record_answer
from substitute.api.serving import Answer
from substitute.api.v1.routing import bp, endpoint
from substitute.api.v1.schemas import BasketIn, BasketOut, Substitutes, SubstitutesQuery
from substitute.errors import NotFound

TAG = "checkout"


def _version() -> tuple[str | None, str | None]:
    snap = checkout().snapshot
    return (snap.version, snap.as_of.isoformat()) if snap is not None else (None, None)


@bp.get("/substitutes")
@endpoint(
    "pos",
    query=SubstitutesQuery,
    resp=Documented(HTTP_200=Substitutes),
    tags=[TAG],
)
def get_substitutes():  # type: ignore[no-untyped-def]
    """Substitutes for one item at one store.

    Ranked, in stock at the store, explained, with a reservation offer when the
    item itself is back soon. An unknown SKU or store is a 404 naming it.
    """
    q: SubstitutesQuery = request.context.query  # type: ignore[attr-defined]
    check_store(q.store)
    answer = checkout().answer(q.sku, q.store, q.customer, q.size, q.k)
    record_answer(answer.degraded, answer.source)
    version, as_of = _version()
    return {
        "sku": q.sku,
        "store": q.store,
        "customer": q.customer,
        "available_qty": answer.available_qty,
        "substitutes": answer.substitutes,
        "degraded": answer.degraded,
        "source": answer.source,
        "reason": answer.reason,
        "model_version": version,
        "as_of": as_of,
    }


def _line(answer: Answer, quantity: float) -> dict[str, Any]:
    # An offer is only useful if the store can hand over as many units as wanted.
    offers = [
        o for o in answer.substitutes if o["strategy"] == "reservation" or o["available_qty"] >= quantity
    ]
    return {
        "available_qty": answer.available_qty,
        "substitutes": offers,
        "degraded": answer.degraded,
        "source": answer.source,
        "reason": answer.reason,
        "error": None,
    }


@bp.post("/substitutes")
@endpoint("pos", json=BasketIn, resp=Documented(HTTP_200=BasketOut), tags=[TAG])
def post_substitutes():  # type: ignore[no-untyped-def]
    """Substitutes for every line of a basket, in one call.

    Each line is answered on its own: an unknown SKU sets that line's
    ``error`` and leaves the others answered.
    """
    body: BasketIn = request.context.json  # type: ignore[attr-defined]
    check_store(body.store)
    service = checkout()
    lines = []
    for line in body.lines:
        try:
            answer = service.answer(line.sku, body.store, body.customer, line.size, body.k)
            record_answer(answer.degraded, answer.source)
            out = _line(answer, line.quantity)
        except NotFound as exc:
            out = {
                "available_qty": None,
                "substitutes": [],
                "degraded": False,
                "source": "error",
                "reason": None,
                "error": str(exc),
            }
        lines.append({"sku": line.sku, "quantity": line.quantity, **out})
    version, _ = _version()
    return {
        "store": body.store,
        "customer": body.customer,
        "degraded": any(line["degraded"] for line in lines),
        "lines": lines,
        "model_version": version,
    }

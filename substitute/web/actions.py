"""What buyers did about a risk: reviewed, a note, or a plan, with who and when.

Stored in ``risk_actions`` and shown to the next buyer on the risk list
(the latest) and the item page (all). A plan is a reorder (quantity), a
transfer (quantity from another store) or a substitute plan (which
substitute to offer); the free text is kept as written and escaped when
shown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlalchemy import Engine, insert

from substitute.db.models import RiskAction
from substitute.errors import DataError

__all__ = ["ACTIONS", "PLAN_TYPES", "describe", "record_action"]

ACTIONS = ("reviewed", "note", "plan")
PLAN_TYPES = ("reorder", "transfer", "substitute")
MAX_TEXT = 2000
MAX_QTY = 1_000_000


def _quantity(raw: str) -> float | None:
    if not raw.strip():
        return None
    try:
        value = float(raw)
    except ValueError:
        raise DataError(f"quantity {raw[:20]!r} is not a number; give units, e.g. 12") from None
    if not 0 < value <= MAX_QTY:
        raise DataError(f"quantity must be above 0 and at most {MAX_QTY:,}; got {value:g}")
    return value


def record_action(
    engine: Engine,
    *,
    store_id: str,
    sku: str,
    form: Mapping[str, str],
    created_by: str,
    run_id: int | None,
    now: dt.datetime | None = None,
) -> dict[str, object]:
    """Validate a submitted action form and store it.

    Raises
    ------
    DataError
        With a message that says what to fix (shown above the form).
    """
    action = form.get("action", "")
    if action not in ACTIONS:
        raise DataError(f"choose one of: {', '.join(ACTIONS)}")
    text = form.get("text", "").strip()
    if len(text) > MAX_TEXT:
        raise DataError(f"the note is {len(text):,} characters; keep it under {MAX_TEXT:,}")
    row: dict[str, object] = {
        "store_id": store_id,
        "sku": sku,
        "action": action,
        "text": text or None,
        "created_by": created_by[:120],
        "created_at": now or dt.datetime.now(dt.UTC).replace(tzinfo=None),
        "run_id": run_id,
    }
    if action == "note" and not text:
        raise DataError("write the note before saving it")
    if action == "plan":
        plan = form.get("plan_type", "")
        if plan not in PLAN_TYPES:
            raise DataError(f"a plan is one of: {', '.join(PLAN_TYPES)}")
        row["plan_type"] = plan
        row["quantity"] = _quantity(form.get("quantity", ""))
        if plan in ("reorder", "transfer") and row["quantity"] is None:
            raise DataError(f"a {plan} plan needs a quantity in units")
        if plan == "transfer":
            other = form.get("other_store_id", "").strip()
            if not other or other == store_id:
                raise DataError("a transfer needs the store it comes from (not this one)")
            row["other_store_id"] = other[:64]
        if plan == "substitute":
            sub = form.get("substitute_sku", "").strip()
            if not sub:
                raise DataError("a substitute plan needs the substitute's SKU")
            row["substitute_sku"] = sub[:64]
    with engine.begin() as conn:
        conn.execute(insert(RiskAction).values(**row))
    return row


def describe(action: RiskAction) -> str:
    """One line for lists and the CSV: what, by whom, when (UTC)."""
    when = f"{action.created_at:%Y-%m-%d %H:%M} UTC"
    if action.action == "plan":
        what = f"plan: {action.plan_type}"
        if action.quantity is not None:
            what += f" {action.quantity:g} units"
        if action.other_store_id:
            what += f" from {action.other_store_id}"
        if action.substitute_sku:
            what += f" → offer {action.substitute_sku}"
    elif action.action == "note":
        what = "note"
    else:
        what = "reviewed"
    return f"{what} by {action.created_by}, {when}"

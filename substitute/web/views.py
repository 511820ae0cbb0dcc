"""The buyers' pages: sign-in, risk list, item × store detail, actions, success counts, export."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from werkzeug.exceptions import HTTPException

from substitute.api.keys import verify_key
from substitute.api.state import state
from substitute.errors import DataError
from substitute.web import bp, security
from substitute.web.actions import PLAN_TYPES, describe, record_action
from substitute.web.charts import stock_chart
from substitute.web.detail import HISTORY_DAYS, load_detail
from substitute.web.export import csv_lines
from substitute.web.risks import (
    HORIZONS,
    PER_PAGE,
    RISK_LEVELS,
    RiskFilter,
    filter_options,
    iter_risks,
    latest_actions,
    risk_page,
)
from substitute.web.security import Buyer, login_required, safe_next, sign_in, sign_out
from substitute.web.status import banner, current_run
from substitute.web.substitutes import SnapshotHolder, prepare
from substitute.web.success import RETURN_DAYS, RETURN_WINDOW, success_counts

#: Server time the risk list may spend asking the recommender whether
#: substitutes are ready; rows past it say "see item" until a later visit
#: (answers are cached for the day's snapshot).
READY_BUDGET_S = 0.25
HOLDER = "web.snapshot"


def _holder() -> SnapshotHolder:
    parts = state().parts
    if HOLDER not in parts:
        parts[HOLDER] = SnapshotHolder(state().engine, state().settings)
    return parts[HOLDER]  # type: ignore[no-any-return]


def _readiness(run_id: int, pairs: list[tuple[str, str]], budget_s: float) -> dict[tuple[str, str], str]:
    """ "3 ready", "none in stock", "not in model" or "see item" (budget spent) per row."""
    holder = _holder()
    snapshot = holder.get(run_id)
    if snapshot is None:
        return {p: "not prepared" for p in pairs}
    out: dict[tuple[str, str], str] = {}
    deadline = time.perf_counter() + budget_s
    for store_id, sku in pairs:
        if time.perf_counter() > deadline and not holder.is_cached(store_id, sku):
            out[(store_id, sku)] = "see item"
            continue
        n = holder.ready_count(snapshot, store_id, sku)
        out[(store_id, sku)] = "not in model" if n is None else (f"{n} ready" if n else "none in stock")
    return out


bp.before_request(security.check_csrf)
bp.after_request(security.security_headers)


@bp.context_processor
def _csrf() -> dict[str, Any]:
    return {"csrf_token": security.generate_csrf}


@bp.errorhandler(HTTPException)
def _error_page(exc: HTTPException) -> Any:
    # Buyers are in a browser: an error is a page with a way back, not problem+json.
    status = exc.code or 500
    return render_template("web/error.html", status=status, detail=exc.description), status


@bp.get("/")
def index() -> Any:
    return redirect(url_for("web.risks"))


@bp.route("/signin", methods=["GET", "POST"])
def signin() -> Any:
    error = None
    if request.method == "POST":
        info = verify_key(state().engine, request.form.get("key", "").strip())
        if info is None or not info.has_scope("buyer"):
            # One message for every failure: a wrong key, a revoked one or one without the scope.
            error = "That key was not accepted. Use a live key with the buyer scope (ask an administrator)."
        else:
            sign_in(info.key_id, info.name, info.store_ids)
            return redirect(safe_next(request.args.get("next")))
    status = 401 if error else 200
    return render_template("web/signin.html", error=error, next=request.args.get("next", "")), status


@bp.post("/signout")
def signout() -> Any:
    sign_out()
    return redirect(url_for("web.signin"))


@bp.get("/risks")
@login_required
def risks(buyer: Buyer) -> Any:
    started = time.perf_counter()
    engine = state().engine
    run = current_run(engine)
    f = RiskFilter.from_args(request.args)
    page = None
    options: dict[str, list[Any]] = {"stores": [], "categories": []}
    ready: dict[tuple[str, str], str] = {}
    actions: dict[tuple[str, str], Any] = {}
    if run is not None:
        page = risk_page(engine, run.id, run.as_of, f, buyer.stores)
        options = filter_options(engine, run.id, buyer.stores)
        pairs = [(r.store_id, r.sku) for r in page.rows]
        ready = _readiness(run.id, pairs, READY_BUDGET_S)
        actions = {k: describe(a) for k, a in latest_actions(engine, pairs).items()}
    html = render_template(
        "web/risks.html",
        buyer=buyer,
        banner=banner(engine),
        run=run,
        page=page,
        f=f,
        options=options,
        ready=ready,
        actions=actions,
        horizons=HORIZONS,
        risk_levels=RISK_LEVELS,
        per_page=PER_PAGE,
    )
    response = Response(html, mimetype="text/html")
    # Server time for this page, visible in the browser's network panel (and in the tests).
    response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
    return response


@bp.get("/risks.csv")
@login_required
def risks_csv(buyer: Buyer) -> Any:
    engine = state().engine
    run = current_run(engine)
    if run is None:
        abort(404, "no forecast has been completed yet: nothing to export")
    f = RiskFilter.from_args(request.args)

    def rows() -> Any:
        batch: list[Any] = []
        for row in iter_risks(engine, run.id, run.as_of, f, buyer.stores):
            batch.append(row)
            if len(batch) == 500:
                yield from _annotated(run.id, batch)
                batch = []
        yield from _annotated(run.id, batch)

    name = f"risks-{run.as_of}.csv"
    return Response(
        stream_with_context(csv_lines(rows())),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _annotated(run_id: int, batch: list[Any]) -> Any:
    pairs = [(r.store_id, r.sku) for r in batch]
    ready = _readiness(run_id, pairs, READY_BUDGET_S)
    actions = latest_actions(state().engine, pairs)
    for row, pair in zip(batch, pairs, strict=True):
        yield row, ready.get(pair, ""), describe(actions[pair]) if pair in actions else ""


@bp.get("/items/<store_id>/<path:sku>")
@login_required
def item(buyer: Buyer, store_id: str, sku: str) -> Any:
    if not buyer.allows_store(store_id):
        abort(404, "no such item at a store this key may see")
    engine = state().engine
    run = current_run(engine)
    if run is None:
        abort(404, "no forecast has been completed yet")
    detail = load_detail(engine, run.id, run.as_of, store_id, sku)
    if detail.item is None and detail.risk is None:
        abort(404, f"no item {sku!r} at store {store_id!r} in the current forecast")
    on_hand = float(detail.risk.on_hand or 0) if detail.risk else 0.0
    chart = stock_chart(
        as_of=run.as_of,
        history=detail.history,
        forecast=detail.forecast,
        projected=detail.projected,
        receipts=detail.receipts,
        on_hand=on_hand,
        sellout=detail.risk.expected_sellout_date if detail.risk else None,
        history_days=HISTORY_DAYS,
    )
    prepared = prepare(engine, _holder(), run, store_id, sku, detail.risk, detail.forecast)
    options = filter_options(engine, run.id, None)
    return render_template(
        "web/item.html",
        buyer=buyer,
        banner=banner(engine),
        run=run,
        d=detail,
        sku=sku,
        store_id=store_id,
        chart=chart,
        prepared=prepared,
        plan_types=PLAN_TYPES,
        stores=[s for s in options["stores"] if s[0] != store_id],
        describe=describe,
        back=request.args.get("back", ""),
    )


@bp.post("/items/<store_id>/<path:sku>/actions")
@login_required
def item_action(buyer: Buyer, store_id: str, sku: str) -> Any:
    if not buyer.allows_store(store_id):
        abort(404, "no such item at a store this key may see")
    engine = state().engine
    run = current_run(engine)
    try:
        record_action(
            engine,
            store_id=store_id,
            sku=sku,
            form=request.form,
            created_by=buyer.name,
            run_id=run.id if run else None,
        )
        flash("Saved. The next buyer will see it here and on the risk list.", "ok")
    except DataError as exc:
        flash(f"Not saved: {exc}.", "error")
    return redirect(url_for("web.item", store_id=store_id, sku=sku) + "#actions")


@bp.get("/success")
@login_required
def success(buyer: Buyer) -> Any:
    engine = state().engine
    weeks = success_counts(engine, buyer.stores)
    totals = {
        name: sum(getattr(w, name) or 0 for w in weeks)
        for name in ("offered", "accepted", "declined", "purchase_kept", "returning")
    }
    totals["lost"] = sum(w.lost for w in weeks if w.lost is not None)
    return render_template(
        "web/success.html",
        buyer=buyer,
        banner=banner(engine),
        weeks=weeks,
        totals=totals,
        return_days=RETURN_DAYS,
        return_window=RETURN_WINDOW,
        today=dt.date.today(),
    )

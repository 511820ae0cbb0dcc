"""The steps a job is made of, by name; each returns its counts as plain JSON data.

Every step either completes or raises. None activates anything half-written:
the forecast switches runs in one transaction, the recommender publishes its
artifact atomically, and a killed step leaves the previous results serving
(the next forecast run removes what a killed one left). Heavy libraries are
imported inside the steps so that the scheduler starts fast.

A job may also name a step ``"package.module:function"``; it is called with
the :class:`StepContext` like these.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from substitute.errors import DataError
from substitute.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class StepContext:
    """What a step may use: the database, the settings and what earlier steps found."""

    engine: Engine
    settings: Settings
    config_dir: Path | None
    job: str
    run_id: int
    slot_utc: dt.datetime
    options: dict[str, Any] = field(default_factory=dict)
    #: counts of the steps already done in this run, by step name
    done: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: results too large for counts (the precomputed substitutes), by key
    results: dict[str, Any] = field(default_factory=dict)


Step = Callable[[StepContext], dict[str, Any]]


def check_data(ctx: StepContext) -> dict[str, Any]:
    """Count the ingest batches since the job's last successful run, by status.

    Raises :class:`DataError` when ``options.require_new_data`` is set and no
    batch was activated since then, so a night without new sales does not
    silently republish yesterday's forecast as today's.
    """
    from substitute.db.models import IngestBatch, JobRun

    with ctx.engine.connect() as conn:
        since = conn.execute(
            select(func.max(JobRun.started_at)).where(JobRun.job == ctx.job, JobRun.status == "succeeded")
        ).scalar()
        query = select(
            IngestBatch.status, func.count(), func.sum(IngestBatch.loaded), func.sum(IngestBatch.rejected)
        )
        if since is not None:
            query = query.where(IngestBatch.started_at >= since)
        rows = conn.execute(query.group_by(IngestBatch.status)).all()
    batches = {r[0]: int(r[1]) for r in rows}
    loaded = sum(int(r[2] or 0) for r in rows)
    rejected = sum(int(r[3] or 0) for r in rows)
    for status in ("failed", "rejected"):
        if batches.get(status):
            log.warning(
                "%d ingest batches %s since %s: see `substitute ingest` ledger",
                batches[status],
                status,
                since,
            )
    if ctx.options.get("require_new_data") and not batches.get("active"):
        raise DataError(
            f"no ingest batch was activated since {since or 'ever'}: load the day's data, then trigger again"
        )
    return {
        "since": since.isoformat() if since else None,
        "batches": batches,
        "rows_loaded": loaded,
        "rows_rejected": rejected,
    }


def forecast(ctx: StepContext) -> dict[str, Any]:
    from substitute.nightly.forecast import run_forecast

    summary = run_forecast(ctx.engine, ctx.settings.forecast, progress=False)
    return {
        "forecast_run_id": summary.run_id,
        "as_of": summary.as_of.isoformat(),
        "series": summary.n_series,
        "fallbacks": summary.n_fallback,
        "models": summary.models,
        "seconds": round(summary.seconds, 1),
    }


def loyalty(ctx: StepContext) -> dict[str, Any]:
    from substitute.nightly.loyalty import refresh_loyalty

    summary = refresh_loyalty(ctx.engine)
    return {
        "profiles": summary.profiles,
        "by_type": summary.by_type,
        "substitutability_rows": summary.substitutability_rows,
    }


def retrain(ctx: StepContext) -> dict[str, Any]:
    from substitute.recommend.train import train

    manifest = train(ctx.engine, ctx.settings, config_dir=ctx.config_dir, progress=False)
    return {
        "artifact_version": manifest.version,
        "data_window": manifest.data_window,
        "rows": manifest.row_counts,
    }


def precompute(ctx: StepContext) -> dict[str, Any]:
    """Substitutes for the current forecast's riskiest item × store pairs.

    ``options.precompute_top`` pairs (default 200) with the highest chance of
    selling out before the next receipt (within the forecast window when no
    receipt is known), ``options.precompute_k`` substitutes
    each (default 5). The lists go to ``ctx.results["precomputed"]``.
    """
    from substitute.db.models import ForecastRun, SelloutRisk
    from substitute.errors import NotFound
    from substitute.recommend.service import recommend_substitutes
    from substitute.recommend.snapshot import load_snapshot

    top = int(ctx.options.get("precompute_top", 200))
    k = int(ctx.options.get("precompute_k", 5))
    # Before the next receipt when one is known, else within the forecast window.
    risk = func.coalesce(SelloutRisk.p_stockout_before_receipt, SelloutRisk.p_stockout_window)
    with ctx.engine.connect() as conn:
        risks = conn.execute(
            select(ForecastRun.id, SelloutRisk.store_id, SelloutRisk.sku, risk)
            .join(ForecastRun, ForecastRun.id == SelloutRisk.run_id)
            .where(ForecastRun.is_current.is_(True), risk.is_not(None))
            .order_by(risk.desc(), SelloutRisk.store_id, SelloutRisk.sku)
            .limit(top)
        ).all()
    if not risks:
        ctx.results["precomputed"] = []
        return {"pairs": 0, "unknown": 0, "forecast_run_id": None}
    snapshot = load_snapshot(ctx.engine, ctx.settings, config_dir=ctx.config_dir)
    entries: list[dict[str, Any]] = []
    unknown = 0
    for _, store, sku, p_out in risks:
        try:
            subs = recommend_substitutes(snapshot, sku, store, k=k)
        except NotFound:
            # An item the model has not seen yet: it gets substitutes after the next retrain.
            unknown += 1
            continue
        entries.append(
            {
                "store": store,
                "sku": sku,
                "p_stockout": round(float(p_out), 4),
                "substitutes": [s.as_dict() for s in subs],
            }
        )
    ctx.results["precomputed"] = entries
    return {
        "pairs": len(entries),
        "unknown": unknown,
        "forecast_run_id": risks[0][0],
        "artifact_version": snapshot.version,
    }


def report_ready(ctx: StepContext) -> dict[str, Any]:
    """What the morning report is built from; the run succeeding is what makes it ready."""
    from substitute.nightly.runs import current_run

    run = current_run(ctx.engine)
    return {
        "forecast_run_id": run.id if run else None,
        "data_as_of": run.as_of.isoformat() if run else None,
        "series": run.n_series if run else 0,
    }


STEPS: dict[str, Step] = {
    "check_data": check_data,
    "forecast": forecast,
    "loyalty": loyalty,
    "retrain": retrain,
    "precompute": precompute,
    "report_ready": report_ready,
}


def resolve(name: str) -> Step:
    """The step called ``name``: a built-in one or a ``module:function`` reference."""
    if name in STEPS:
        return STEPS[name]
    module, _, attr = name.partition(":")
    try:
        return getattr(importlib.import_module(module), attr)  # type: ignore[no-any-return]
    except (ImportError, AttributeError) as exc:
        raise DataError(f"step {name!r} cannot be imported ({exc}): fix schedule.toml") from exc

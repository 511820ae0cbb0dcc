"""The banner: how fresh the data is, and a plain warning when last night's run failed.

The job ledger (:func:`substitute.jobs.control.list_runs`) is read when that
module exists; otherwise the forecast runs table tells the same story for
the forecast. Either way the page keeps serving the last good run (R17).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import Engine, select

from substitute.db.models import ForecastRun

__all__ = ["Banner", "CurrentRun", "banner", "current_run"]

FAILED = {"failed", "error", "abandoned", "timed_out"}


@dataclass(frozen=True)
class CurrentRun:
    """The forecast run in service."""

    id: int
    as_of: dt.date
    finished_at: dt.datetime | None
    window_days: int


@dataclass
class Banner:
    as_of: dt.date | None
    finished_at: dt.datetime | None
    warnings: list[str] = field(default_factory=list)


def current_run(engine: Engine) -> CurrentRun | None:
    """The run marked current, or None before the first successful run."""
    import json

    with engine.connect() as conn:
        row = conn.execute(
            select(ForecastRun.id, ForecastRun.as_of, ForecastRun.finished_at, ForecastRun.config)
            .where(ForecastRun.is_current.is_(True))
            .order_by(ForecastRun.id.desc())
            .limit(1)
        ).first()
    if row is None:
        return None
    try:
        window = int(json.loads(row.config or "{}").get("stockout_window_days", 7))
    except (ValueError, TypeError, AttributeError):
        window = 7
    return CurrentRun(int(row.id), row.as_of, row.finished_at, window)


def _job_warnings(engine: Engine) -> list[str] | None:
    """Warnings from the job ledger, or None when the ledger module is not there."""
    try:
        from substitute.jobs.control import list_runs  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return None
    try:
        runs = list_runs(engine, limit=50)
    except Exception:  # a broken ledger must not take the morning page down
        return None
    latest: dict[str, dict[str, object]] = {}
    for run in runs:  # newest first
        latest.setdefault(str(run.get("job")), run)
    out = []
    for job, run in sorted(latest.items()):
        if str(run.get("status")) in FAILED:
            when = run.get("finished_at")
            error = str(run.get("error") or "no error recorded").splitlines()[0][:200]
            out.append(
                f"The last {job} run{_at(when)} failed ({error}). "
                "This page shows the last good data; operations have the details."
            )
    return out


def _at(when: object) -> str:
    # The ledger gives ISO text, the forecast table a datetime.
    if isinstance(when, str) and when:
        try:
            parsed = dt.datetime.fromisoformat(when)
        except ValueError:
            return f" (finished {when[:16]})"
        when = parsed
    return f" (finished {when:%Y-%m-%d %H:%M} UTC)" if isinstance(when, dt.datetime) else ""


def _forecast_warnings(engine: Engine, current: CurrentRun | None) -> list[str]:
    with engine.connect() as conn:
        latest = conn.execute(
            select(ForecastRun.id, ForecastRun.status, ForecastRun.as_of, ForecastRun.finished_at)
            .order_by(ForecastRun.started_at.desc(), ForecastRun.id.desc())
            .limit(1)
        ).first()
    if latest is None or latest.status not in FAILED:
        return []
    if current is not None and latest.id == current.id:
        return []
    return [
        f"Last night's forecast (for {latest.as_of}){_at(latest.finished_at)} failed. "
        "This page shows the last good forecast; operations have the details."
    ]


def banner(engine: Engine) -> Banner:
    """What the top of every page says about the data."""
    current = current_run(engine)
    out = Banner(current.as_of if current else None, current.finished_at if current else None)
    jobs = _job_warnings(engine)
    # The forecast's own record is read too when the ledger is silent (or absent).
    out.warnings.extend(jobs or _forecast_warnings(engine, current))
    if current is None:
        out.warnings.append("No forecast has been completed yet: there are no risks to show.")
    return out

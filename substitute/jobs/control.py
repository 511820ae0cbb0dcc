"""What operators call, from the CLI and the operations API: see runs, request one, pause a job.

Nothing here runs a job: :func:`request_run` writes a ``requested`` row that a
scheduler process picks up within ``poll_s`` seconds and runs exactly once.
Runs are plain dicts with ISO datetimes, ready for JSON.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Row, select

from substitute.db.models import JobRun, JobState
from substitute.errors import DataError, NotFound
from substitute.jobs import ledger
from substitute.jobs.config import load_schedule
from substitute.liveness import Clock, to_db, utc_now

__all__ = [
    "get_run",
    "job_names",
    "job_states",
    "list_runs",
    "pause",
    "report_status",
    "request_run",
    "resume",
    "wait_for_run",
]

#: Keys of ``counts`` too large for a listing; :func:`get_run` returns them.
LARGE_KEYS = ("precomputed",)


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _as_dict(row: Row, *, full: bool = True) -> dict[str, Any]:
    counts = ledger.load_counts(row.counts)
    if not full:
        for key in LARGE_KEYS:
            if isinstance(counts.get(key), list):
                counts[key] = f"{len(counts[key])} entries: see the run itself"
    duration = (
        round((row.finished_at - row.started_at).total_seconds(), 3)
        if row.started_at is not None and row.finished_at is not None
        else None
    )
    return {
        "id": row.id,
        "job": row.job,
        "slot_utc": _iso(row.slot_utc),
        "status": row.status,
        "started_at": _iso(row.started_at),
        "finished_at": _iso(row.finished_at),
        "duration_s": duration,
        "counts": counts,
        "error": row.error,
        "host": row.host,
    }


def job_names(config_dir: Path | None = None) -> list[str]:
    """The jobs ``schedule.toml`` defines, sorted."""
    return sorted(load_schedule(config_dir).jobs)


def list_runs(engine: Engine, *, job: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """Recent runs, newest first.

    ``counts`` of a listed run leaves out the precomputed substitutes (it says
    how many there are); :func:`get_run` returns them.
    """
    table = JobRun.__table__
    query = select(table).order_by(table.c.id.desc()).limit(max(1, min(int(limit), 1000)))
    if job is not None:
        query = query.where(table.c.job == job)
    with engine.connect() as conn:
        return [_as_dict(r, full=False) for r in conn.execute(query).all()]


def get_run(engine: Engine, run_id: int) -> dict[str, Any]:
    """One run with its full counts.

    Raises
    ------
    NotFound
        When no run has this id.
    """
    with engine.connect() as conn:
        row = conn.execute(select(JobRun.__table__).where(JobRun.id == run_id)).first()
    if row is None:
        raise NotFound(f"run {run_id} does not exist: see `substitute runs list` for run ids")
    return _as_dict(row)


def _known(job: str, config_dir: Path | None) -> None:
    names = job_names(config_dir)
    if job not in names:
        raise DataError(f"unknown job {job!r}: the jobs are {', '.join(names)} (see configs/schedule.toml)")


def request_run(
    engine: Engine,
    job: str,
    *,
    requested_by: str,
    config_dir: Path | None = None,
    clock: Clock = utc_now,
) -> dict[str, Any]:
    """Ask for a run of ``job`` now; a scheduler runs it once, within a few seconds.

    Raises
    ------
    DataError
        When ``job`` is not in the schedule; the message lists the jobs.
    """
    _known(job, config_dir)
    run_id = ledger.request(engine, job, now=to_db(clock()), requested_by=requested_by)
    return get_run(engine, run_id)


def _set_paused(engine: Engine, job: str, paused: bool, by: str, config_dir: Path | None) -> dict[str, Any]:
    _known(job, config_dir)
    ledger.set_paused(engine, job, paused, by=by, now=to_db(utc_now()))
    return next(s for s in job_states(engine, config_dir) if s["job"] == job)


def pause(engine: Engine, job: str, *, by: str, config_dir: Path | None = None) -> dict[str, Any]:
    """Stop scheduled runs of ``job``: its slots are recorded ``skipped`` until it is resumed.

    Requested runs still run: asking for one is an explicit wish.
    """
    return _set_paused(engine, job, True, by, config_dir)


def resume(engine: Engine, job: str, *, by: str, config_dir: Path | None = None) -> dict[str, Any]:
    """Let scheduled runs of ``job`` run again, from its next slot."""
    return _set_paused(engine, job, False, by, config_dir)


def job_states(engine: Engine, config_dir: Path | None = None) -> list[dict[str, Any]]:
    """Every scheduled job: cron, time zone, paused or not (and by whom), its last run."""
    schedule = load_schedule(config_dir)
    with engine.connect() as conn:
        states = {s.job: s for s in conn.execute(select(JobState.__table__)).all()}
    out = []
    for name, spec in sorted(schedule.jobs.items()):
        state = states.get(name)
        last = list_runs(engine, job=name, limit=1)
        out.append(
            {
                "job": name,
                "cron": spec.cron,
                "timezone": schedule.timezone,
                "steps": list(spec.steps),
                "paused": bool(state.paused) if state else False,
                "updated_at": _iso(state.updated_at) if state else None,
                "updated_by": state.updated_by if state else None,
                "last_run": last[0] if last else None,
            }
        )
    return out


def report_status(engine: Engine, job: str = "nightly") -> dict[str, Any]:
    """What the buyers' page says about freshness: "data as of …", and whether last night failed.

    ``data_as_of`` is the finish time of the job's last successful run (the
    results it published stay in service after a failed run); ``last_failed``
    is True when the job's latest finished run did not succeed.
    """
    table = JobRun.__table__
    finished = (ledger.SUCCEEDED, ledger.FAILED, ledger.MISSED)
    with engine.connect() as conn:
        good = conn.execute(
            select(table)
            .where(table.c.job == job, table.c.status == ledger.SUCCEEDED)
            .order_by(table.c.id.desc())
            .limit(1)
        ).first()
        latest = conn.execute(
            select(table)
            .where(table.c.job == job, table.c.status.in_(finished))
            .order_by(table.c.id.desc())
            .limit(1)
        ).first()
    last_failed = latest is not None and latest.status != ledger.SUCCEEDED
    message = None
    if last_failed and latest is not None:
        since = f"data as of {good.finished_at:%Y-%m-%d %H:%M} UTC" if good else "no successful run yet"
        message = f"The last {job} run did not complete ({latest.error or latest.status}); showing {since}."
    return {
        "job": job,
        "data_as_of": _iso(good.finished_at) if good else None,
        "last_good_run": _as_dict(good, full=False) if good else None,
        "last_run": _as_dict(latest, full=False) if latest else None,
        "last_failed": last_failed,
        "message": message,
    }


def wait_for_run(engine: Engine, run_id: int, *, timeout_s: float, poll_s: float = 0.5) -> dict[str, Any]:
    """Poll a run until it ends or ``timeout_s`` passes; return it as it is then."""
    deadline = time.monotonic() + timeout_s
    while True:
        run = get_run(engine, run_id)
        if run["status"] in ledger.TERMINAL or time.monotonic() >= deadline:
            return run
        time.sleep(poll_s)

"""The run ledger: claims of slots in ``job_runs``, heartbeats, orphans and pauses.

Exactly once rests on two things the database enforces, not on the scheduler:

* the unique ``(job, slot_utc)`` of ``job_runs``: a slot is claimed by the one
  transaction that inserts its row;
* the job's ``job_states`` row, updated first in every claim transaction, so
  claims of the same job queue behind each other (a row lock on PostgreSQL,
  the write lock on SQLite). Inside that transaction a claimant sees every
  committed run of the job and can refuse to overlap a live one.

Every slot ends with one row: ``succeeded``, ``failed``, ``skipped`` (paused,
or the previous run still going) or ``missed`` (later than its grace).
``requested`` rows are on-demand runs waiting for a scheduler.

While a run is ``running`` its ``counts`` JSON holds ``heartbeat_utc``; the
schema has no heartbeat column (a ``heartbeat_at`` column would be cleaner).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Row, insert, select, update
from sqlalchemy.exc import IntegrityError

from substitute.db.models import JobRun, JobState
from substitute.db.upsert import dialect_insert
from substitute.liveness import owner_alive

log = logging.getLogger(__name__)

REQUESTED = "requested"
RUNNING = "running"
SUCCEEDED = "succeeded"
FAILED = "failed"
SKIPPED = "skipped"
MISSED = "missed"
TERMINAL = frozenset({SUCCEEDED, FAILED, SKIPPED, MISSED})

HEARTBEAT_KEY = "heartbeat_utc"


@dataclass(frozen=True)
class Claim:
    """The outcome of trying to claim a slot: a run id to execute, or why not."""

    run_id: int | None
    reason: str


def load_counts(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {"unreadable": text[:200]}
    return value if isinstance(value, dict) else {"value": value}


def dump_counts(counts: dict[str, Any]) -> str:
    return json.dumps(counts, default=str, sort_keys=True)


def _heartbeat(row: Row) -> dt.datetime | None:
    stamp = load_counts(row.counts).get(HEARTBEAT_KEY)
    if isinstance(stamp, str):
        try:
            return dt.datetime.fromisoformat(stamp)
        except ValueError:
            pass
    return row.started_at


def _lock_job(conn: Connection, job: str, now: dt.datetime) -> None:
    """Create the job's state row if needed and lock it until the transaction ends."""
    conn.execute(
        dialect_insert(conn, JobState.__table__)
        .values(job=job, paused=False, updated_at=now, updated_by=None)
        .on_conflict_do_nothing()
    )
    # A no-op write: it takes the row lock (PostgreSQL) or the database write
    # lock (SQLite) before anything is read, so the reads below are current.
    conn.execute(update(JobState).where(JobState.job == job).values(paused=JobState.paused))


def _fail_orphans(
    conn: Connection, now: dt.datetime, stale_after: dt.timedelta, job: str | None = None
) -> tuple[list[int], list[Row]]:
    """Mark runs whose owner died ``failed``; return their ids and the live runs."""
    runs = JobRun.__table__
    query = select(runs).where(runs.c.status == RUNNING)
    if job is not None:
        query = query.where(runs.c.job == job)
    orphans: list[int] = []
    alive: list[Row] = []
    for run in conn.execute(query).all():
        if owner_alive(run.host, _heartbeat(run), now, stale_after):
            alive.append(run)
            continue
        orphans.append(run.id)
        conn.execute(
            update(JobRun)
            .where(JobRun.id == run.id, JobRun.status == RUNNING)
            .values(
                status=FAILED,
                finished_at=now,
                error=f"abandoned: its process ({run.host}) died mid-run; the next run cleans up after it",
            )
        )
        log.error("job %s run %s was abandoned by %s: marked failed", run.job, run.id, run.host)
    return orphans, alive


def recover_orphans(engine: Engine, now: dt.datetime, stale_after: dt.timedelta) -> list[int]:
    """Mark every run left ``running`` by a dead process ``failed``; return their ids."""
    with engine.begin() as conn:
        orphans, _ = _fail_orphans(conn, now, stale_after)
    return orphans


def _insert(conn: Connection, **values: Any) -> int:
    return int(conn.execute(insert(JobRun).values(**values).returning(JobRun.id)).scalar_one())


def claim_slot(
    engine: Engine,
    job: str,
    slot: dt.datetime,
    *,
    owner: str,
    now: dt.datetime,
    stale_after: dt.timedelta,
) -> Claim:
    """Claim ``(job, slot)`` for ``owner``; at most one claimant ever gets a run id.

    A paused job, or one whose previous run is still alive, gets a ``skipped``
    row instead, so the slot is accounted for and never run later.
    """
    try:
        with engine.begin() as conn:
            _lock_job(conn, job, now)
            taken = conn.execute(
                select(JobRun.id, JobRun.status).where(JobRun.job == job, JobRun.slot_utc == slot)
            ).first()
            if taken is not None:
                return Claim(None, f"slot already claimed by run {taken.id} ({taken.status})")
            _, alive = _fail_orphans(conn, now, stale_after, job)
            paused = conn.execute(
                select(JobState.paused, JobState.updated_by).where(JobState.job == job)
            ).first()
            reason = None
            if alive:
                reason = f"run {alive[0].id} of {job} is still running (on {alive[0].host})"
            elif paused is not None and paused.paused:
                reason = f"{job} is paused (by {paused.updated_by or 'unknown'})"
            if reason is not None:
                _insert(
                    conn, job=job, slot_utc=slot, status=SKIPPED, started_at=now, finished_at=now,
                    error=reason, host=owner, counts=dump_counts({}),
                )  # fmt: skip
                return Claim(None, reason)
            run_id = _insert(
                conn, job=job, slot_utc=slot, status=RUNNING, started_at=now, host=owner,
                counts=dump_counts({HEARTBEAT_KEY: now.isoformat()}),
            )  # fmt: skip
            return Claim(run_id, "claimed")
    except IntegrityError:
        # The unique (job, slot_utc) is the last line of defence.
        return Claim(None, "slot already claimed")


def request(engine: Engine, job: str, *, now: dt.datetime, requested_by: str) -> int:
    """Add an on-demand run of ``job`` waiting for a scheduler; return its id."""
    with engine.begin() as conn:
        return _insert(
            conn, job=job, slot_utc=now, status=REQUESTED, started_at=None, host=None,
            counts=dump_counts({"requested_by": requested_by, "requested_at": now.isoformat()}),
        )  # fmt: skip


def requested_ids(engine: Engine) -> list[tuple[int, str]]:
    """Waiting on-demand runs, oldest first, as ``(run id, job)``."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(JobRun.id, JobRun.job).where(JobRun.status == REQUESTED).order_by(JobRun.id)
        ).all()
    return [(r.id, r.job) for r in rows]


def claim_requested(
    engine: Engine, run_id: int, job: str, *, owner: str, now: dt.datetime, stale_after: dt.timedelta
) -> Claim:
    """Take a ``requested`` run for ``owner``; it stays waiting while a run of its job is alive.

    A request is an operator's explicit wish, so it runs even when the job's
    schedule is paused.
    """
    with engine.begin() as conn:
        _lock_job(conn, job, now)
        row = conn.execute(select(JobRun.__table__).where(JobRun.id == run_id)).first()
        if row is None or row.status != REQUESTED:
            return Claim(None, "already taken")
        _, alive = _fail_orphans(conn, now, stale_after, job)
        if alive:
            return Claim(None, f"waiting: run {alive[0].id} of {job} is still running")
        counts = load_counts(row.counts)
        counts[HEARTBEAT_KEY] = now.isoformat()
        taken = conn.execute(
            update(JobRun)
            .where(JobRun.id == run_id, JobRun.status == REQUESTED)
            .values(status=RUNNING, started_at=now, host=owner, counts=dump_counts(counts))
        ).rowcount
    return Claim(run_id if taken == 1 else None, "claimed" if taken == 1 else "already taken")


def record_missed(engine: Engine, job: str, slot: dt.datetime, *, owner: str, now: dt.datetime) -> bool:
    """Account for a slot that came later than its grace; False when it was already claimed."""
    try:
        with engine.begin() as conn:
            _insert(
                conn, job=job, slot_utc=slot, status=MISSED, started_at=None, finished_at=now,
                host=owner, counts=dump_counts({}),
                error=f"missed: the scheduler reached it {now - slot} late, past its grace time",
            )  # fmt: skip
    except IntegrityError:
        return False
    return True


def record_skipped(
    engine: Engine, job: str, slot: dt.datetime, *, owner: str, now: dt.datetime, reason: str
) -> bool:
    """Account for a slot this process would not start; False when it was already claimed."""
    try:
        with engine.begin() as conn:
            _insert(
                conn, job=job, slot_utc=slot, status=SKIPPED, started_at=now, finished_at=now,
                host=owner, counts=dump_counts({}), error=reason,
            )  # fmt: skip
    except IntegrityError:
        return False
    return True


def beat(engine: Engine, run_id: int, owner: str, counts: dict[str, Any]) -> bool:
    """Write a running run's counts (with a fresh heartbeat); False when it is no longer ours."""
    with engine.begin() as conn:
        n = conn.execute(
            update(JobRun)
            .where(JobRun.id == run_id, JobRun.status == RUNNING, JobRun.host == owner)
            .values(counts=dump_counts(counts))
        ).rowcount
    return n == 1


def finish(
    engine: Engine,
    run_id: int,
    owner: str,
    *,
    status: str,
    now: dt.datetime,
    counts: dict[str, Any],
    error: str | None = None,
) -> bool:
    """Record how a run ended; False when another process had already declared it dead."""
    with engine.begin() as conn:
        n = conn.execute(
            update(JobRun)
            .where(JobRun.id == run_id, JobRun.status == RUNNING, JobRun.host == owner)
            .values(status=status, finished_at=now, counts=dump_counts(counts), error=error)
        ).rowcount
    return n == 1


def set_paused(engine: Engine, job: str, paused: bool, *, by: str, now: dt.datetime) -> None:
    with engine.begin() as conn:
        _lock_job(conn, job, now)
        conn.execute(
            update(JobState).where(JobState.job == job).values(paused=paused, updated_at=now, updated_by=by)
        )

"""Claim a slot, run a job's steps, record the outcome: the part that makes a run a run.

The scheduler decides *when*; this module decides *whether* (the claim) and
*how it ended*. It is the same code whether the trigger was a cron slot, an
operator's request picked up by a scheduler, or ``substitute runs trigger``
running a request in its own process.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from substitute.errors import DataError
from substitute.jobs import ledger
from substitute.jobs.config import ScheduleConfig
from substitute.jobs.steps import StepContext, resolve
from substitute.liveness import Clock, owner_id, to_db, utc_now
from substitute.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class Outcome:
    """How one run ended."""

    run_id: int
    job: str
    status: str
    error: str | None = None
    counts: dict[str, Any] = field(default_factory=dict)


class _Heartbeat:
    """Rewrites a running run's counts every few seconds, so others can tell it is alive."""

    def __init__(self, runner: Runner, run_id: int, counts: dict[str, Any]) -> None:
        self._runner = runner
        self._run_id = run_id
        self.counts = counts
        self.lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"heartbeat-{run_id}", daemon=True)

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def beat(self) -> None:
        with self.lock:
            self.counts[ledger.HEARTBEAT_KEY] = to_db(self._runner.clock()).isoformat()
            ours = ledger.beat(self._runner.engine, self._run_id, self._runner.owner, self.counts)
        if not ours:
            log.error("run %s was declared dead by another process while still running", self._run_id)

    def _loop(self) -> None:
        while not self._stop.wait(self._runner.schedule.heartbeat_s):
            try:
                self.beat()
            except Exception:  # a database hiccup must not kill the run it watches
                log.warning("heartbeat of run %s failed", self._run_id, exc_info=True)


class Runner:
    """Runs jobs for one process: claims, steps, heartbeats and the ledger.

    Parameters
    ----------
    engine, settings
        The project's database and settings.
    schedule
        From :func:`~substitute.jobs.config.load_schedule`.
    config_dir
        Passed to steps that read their own configuration (the recommender's).
    clock
        Current time, timezone-aware; tests pass a controllable one.
    """

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        schedule: ScheduleConfig,
        *,
        config_dir: Path | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.schedule = schedule
        self.config_dir = config_dir
        self.clock = clock
        self.owner = owner_id()
        self._in_flight: set[int] = set()
        self._lock = threading.Lock()

    @property
    def stale_after(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.schedule.stale_after_s)

    def now(self) -> dt.datetime:
        return to_db(self.clock())

    def in_flight(self) -> set[int]:
        with self._lock:
            return set(self._in_flight)

    def recover(self) -> list[int]:
        """Mark runs left ``running`` by dead processes ``failed`` (done at every start)."""
        return ledger.recover_orphans(self.engine, self.now(), self.stale_after)

    def run_slot(self, job: str, slot: dt.datetime) -> Outcome | None:
        """Claim ``(job, slot)`` and run it; None when the slot was taken or skipped."""
        slot = to_db(slot)
        claim = ledger.claim_slot(
            self.engine, job, slot, owner=self.owner, now=self.now(), stale_after=self.stale_after
        )
        if claim.run_id is None:
            log.info("job %s slot %s not run here: %s", job, slot, claim.reason)
            return None
        return self.execute(claim.run_id, job, slot, {})

    def record_missed(self, job: str, slot: dt.datetime) -> None:
        if ledger.record_missed(self.engine, job, to_db(slot), owner=self.owner, now=self.now()):
            log.error("job %s slot %s was missed: the scheduler came back after its grace time", job, slot)

    def record_skipped(self, job: str, slot: dt.datetime, reason: str) -> None:
        if ledger.record_skipped(
            self.engine, job, to_db(slot), owner=self.owner, now=self.now(), reason=reason
        ):
            log.warning("job %s slot %s skipped: %s", job, slot, reason)

    def run_requested(self, run_id: int, job: str) -> Outcome | None:
        """Take a waiting on-demand run and run it; None when another process has it."""
        claim = ledger.claim_requested(
            self.engine, run_id, job, owner=self.owner, now=self.now(), stale_after=self.stale_after
        )
        if claim.run_id is None:
            log.debug("requested run %s not run here: %s", run_id, claim.reason)
            return None
        from substitute.jobs.control import get_run

        run = get_run(self.engine, run_id)
        counts = {k: v for k, v in run["counts"].items() if k in ("requested_by", "requested_at")}
        return self.execute(run_id, job, dt.datetime.fromisoformat(run["slot_utc"]), counts)

    def execute(self, run_id: int, job: str, slot: dt.datetime, counts: dict[str, Any]) -> Outcome:
        """Run the steps of a claimed run in order; record success, or the failure and its step."""
        spec = self.schedule.jobs.get(job)
        ctx = StepContext(
            engine=self.engine,
            settings=self.settings,
            config_dir=self.config_dir,
            job=job,
            run_id=run_id,
            slot_utc=slot,
            options=dict(spec.options) if spec else {},
        )
        counts = {**counts, "steps": ctx.done}
        with self._lock:
            self._in_flight.add(run_id)
        log.info("job %s run %s started (slot %s)", job, run_id, slot)
        step_name = "?"
        try:
            with _Heartbeat(self, run_id, counts) as heart:
                if spec is None:
                    raise DataError(
                        f"job {job!r} is not in the schedule any more: add it back to schedule.toml"
                    )
                for step_name in spec.steps:
                    started = time.perf_counter()
                    with heart.lock:
                        counts["step"] = step_name
                    heart.beat()
                    result = resolve(step_name)(ctx)
                    ctx.done[step_name] = {
                        **(result or {}),
                        "step_seconds": round(time.perf_counter() - started, 3),
                    }
        except BaseException as exc:  # a run must be recorded however it ends
            error = f"{step_name}: {type(exc).__name__}: {exc}"
            counts.pop(ledger.HEARTBEAT_KEY, None)
            counts["failed_step"] = step_name
            log.error("job %s run %s FAILED in step %s: %s", job, run_id, step_name, exc, exc_info=exc)
            self._finish(run_id, ledger.FAILED, counts, error[:4000])
            if not isinstance(exc, Exception):
                raise
            return Outcome(run_id, job, ledger.FAILED, error, counts)
        finally:
            with self._lock:
                self._in_flight.discard(run_id)
        counts.pop(ledger.HEARTBEAT_KEY, None)
        counts.pop("step", None)
        counts.update(ctx.results)
        self._finish(run_id, ledger.SUCCEEDED, counts, None)
        log.info("job %s run %s succeeded", job, run_id)
        return Outcome(run_id, job, ledger.SUCCEEDED, None, counts)

    def _finish(self, run_id: int, status: str, counts: dict[str, Any], error: str | None) -> None:
        if not ledger.finish(
            self.engine, run_id, self.owner, status=status, now=self.now(), counts=counts, error=error
        ):
            log.error("run %s ended %s but another process had already marked it failed", run_id, status)

    def abandon_in_flight(self, reason: str) -> list[int]:
        """Mark this process's running runs failed, before it exits without finishing them."""
        ids = sorted(self.in_flight())
        for run_id in ids:
            self._finish(run_id, ledger.FAILED, {}, reason)
            log.error("run %s abandoned: %s", run_id, reason)
        return ids

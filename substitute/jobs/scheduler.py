"""APScheduler 3 in its own process, with its job store in the project's database.

Why these settings (the APScheduler user guide explains each knob):

* ``coalesce=True``: after downtime, the missed fire times of a job collapse
  into one run, the latest; a nightly job never runs twice to catch up.
* ``misfire_grace_time`` = the job's ``misfire_grace_s`` (hours): the library
  default of 1 s would skip the 02:00 run of a scheduler back at 02:05.
* ``max_instances=1``: a run longer than its interval is not started again in
  this process; across processes the claim in :mod:`~substitute.jobs.ledger`
  refuses the overlap and records the slot ``skipped``.
* The job store keeps each job's next fire time across restarts, which is how
  a restart still sees the 02:00 slot it slept through. A job whose
  configuration is unchanged is therefore left as stored at start; a changed
  one is rescheduled from ``now - grace`` so a slot inside the grace still runs.

APScheduler alone would run a shared job once per scheduler that polls the
store before the others update it (the FAQ's warning); the claim makes that
harmless. :class:`SlotExecutor` hands each job the fire time it is running
for, which is the slot it claims.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import functools
import logging
import threading
import traceback
from typing import Any

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    EVENT_JOB_MAX_INSTANCES,
    EVENT_JOB_MISSED,
    JobExecutionEvent,
    JobSubmissionEvent,
)
from apscheduler.executors.base import BaseExecutor
from apscheduler.job import Job
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.exc import DatabaseError

from substitute.jobs import ledger
from substitute.jobs.runner import Runner

log = logging.getLogger(__name__)

JOBSTORE_TABLE = "apscheduler_jobs"
JOB_ID_PREFIX = "substitute:"
JOB_FUNC = "substitute.jobs.scheduler:run_scheduled_slot"


def run_scheduled_slot(
    job: str, *, runner: Runner | None = None, slot: dt.datetime | None = None
) -> str | None:
    """What the job store refers to: claim ``(job, slot)`` and run it; the run's status.

    :class:`SlotExecutor` passes ``runner`` and ``slot``; they default to None
    only because APScheduler checks the signature against the stored kwargs.
    """
    if runner is None or slot is None:
        raise RuntimeError("run_scheduled_slot runs only through SlotExecutor")
    outcome = runner.run_slot(job, slot)
    return outcome.status if outcome is not None else None


class SlotExecutor(BaseExecutor):
    """A thread pool executor that passes each run its scheduled fire time and the runner.

    APScheduler's own ``run_job`` calls the job function without the fire
    time, so it cannot say which slot it runs; and its grace check reads the
    wall clock, which this one takes from the runner (testable).
    """

    def __init__(self, runner: Runner, max_workers: int) -> None:
        super().__init__()
        self._runner = runner
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers, thread_name_prefix="substitute-job")

    def _do_submit_job(self, job: Job, run_times: list[dt.datetime]) -> None:
        future = self._pool.submit(self._run, job, run_times)

        def done(f: concurrent.futures.Future[list[JobExecutionEvent]]) -> None:
            exc = f.exception()
            if exc is not None:
                self._run_job_error(job.id, exc, exc.__traceback__)
            else:
                self._run_job_success(job.id, f.result())

        future.add_done_callback(done)

    def _run(self, job: Job, run_times: list[dt.datetime]) -> list[JobExecutionEvent]:
        events = []
        alias = job._jobstore_alias
        for run_time in run_times:
            late = self._runner.clock() - run_time
            if job.misfire_grace_time is not None and late > dt.timedelta(seconds=job.misfire_grace_time):
                self._runner.record_missed(job.kwargs.get("job", job.id), run_time)
                events.append(JobExecutionEvent(EVENT_JOB_MISSED, job.id, alias, run_time))
                continue
            try:
                retval = job.func(*job.args, runner=self._runner, slot=run_time, **job.kwargs)
            except Exception as exc:
                log.exception("job %s (slot %s) raised outside its run", job.id, run_time)
                events.append(
                    JobExecutionEvent(
                        EVENT_JOB_ERROR,
                        job.id,
                        alias,
                        run_time,
                        exception=exc,
                        traceback=traceback.format_exc(),
                    )
                )
            else:
                events.append(JobExecutionEvent(EVENT_JOB_EXECUTED, job.id, alias, run_time, retval=retval))
        return events

    def shutdown(self, wait: bool = True) -> None:
        self._pool.shutdown(wait)


def _create_store_table(store: SQLAlchemyJobStore) -> None:
    # Two schedulers starting together on PostgreSQL can race to create the
    # table; the loser's error is harmless once the table exists.
    try:
        store.jobs_t.create(store.engine, checkfirst=True)
    except DatabaseError:
        store.jobs_t.create(store.engine, checkfirst=True)


def build_scheduler(
    runner: Runner,
    *,
    jobstore_table: str = JOBSTORE_TABLE,
    scheduler_cls: type[BaseScheduler] = BackgroundScheduler,
) -> BaseScheduler:
    """An APScheduler scheduler whose jobs live in the project's database and run through ``runner``."""
    store = SQLAlchemyJobStore(engine=runner.engine, tablename=jobstore_table)
    _create_store_table(store)
    return scheduler_cls(
        jobstores={"default": store},
        executors={"default": SlotExecutor(runner, runner.schedule.workers)},
        job_defaults={"coalesce": True, "max_instances": 1},
        timezone=runner.schedule.zone(),
    )


def _same(job: Job, trigger: CronTrigger, grace: int, name: str) -> bool:
    return (
        repr(job.trigger) == repr(trigger)
        and job.misfire_grace_time == grace
        and job.coalesce is True
        and job.max_instances == 1
        and job.func_ref == JOB_FUNC
        and job.kwargs == {"job": name}
    )


def sync_jobs(scheduler: BaseScheduler, runner: Runner) -> dict[str, str]:
    """Make the job store match the schedule; what happened to each job.

    Call it on a started (possibly paused) scheduler. Unchanged jobs are kept
    as stored so that their pending fire time survives the restart.
    """
    zone = runner.schedule.zone()
    actions: dict[str, str] = {}
    wanted = set()
    for name, spec in sorted(runner.schedule.jobs.items()):
        if spec.cron is None:
            continue
        job_id = JOB_ID_PREFIX + name
        wanted.add(job_id)
        trigger = CronTrigger.from_crontab(spec.cron, timezone=zone)
        existing = scheduler.get_job(job_id)
        if existing is not None and _same(existing, trigger, spec.misfire_grace_s, name):
            actions[name] = "kept"
            continue
        since = runner.clock().astimezone(zone) - dt.timedelta(seconds=spec.misfire_grace_s)
        scheduler.add_job(
            JOB_FUNC,
            trigger,
            id=job_id,
            name=name,
            kwargs={"job": name},
            misfire_grace_time=spec.misfire_grace_s,
            coalesce=True,
            max_instances=1,
            next_run_time=trigger.get_next_fire_time(None, since),
            replace_existing=True,
        )
        actions[name] = "replaced" if existing is not None else "added"
    for job in scheduler.get_jobs():
        if job.id.startswith(JOB_ID_PREFIX) and job.id not in wanted:
            job.remove()
            actions[job.id[len(JOB_ID_PREFIX) :]] = "removed"
    return actions


class SchedulerService:
    """The scheduler process's work: orphans, the cron jobs and the requested runs.

    Parameters
    ----------
    runner
        Runs the jobs.
    jobstore_table
        Table of APScheduler's job store (tests give each scheduler its own
        to make them all fire every slot).
    """

    def __init__(self, runner: Runner, *, jobstore_table: str = JOBSTORE_TABLE) -> None:
        self.runner = runner
        self.scheduler = build_scheduler(runner, jobstore_table=jobstore_table)
        self.scheduler.add_listener(self._overlapped, EVENT_JOB_MAX_INSTANCES)
        self._requests = concurrent.futures.ThreadPoolExecutor(
            runner.schedule.workers, thread_name_prefix="substitute-request"
        )
        self._pending: set[int] = set()
        self._pending_lock = threading.Lock()
        self._stop = threading.Event()
        self._poller = threading.Thread(target=self._poll_loop, name="substitute-poll", daemon=True)

    def start(self, *, poll: bool = True) -> dict[str, Any]:
        """Recover orphans, start the scheduler and sync its jobs; a summary for the log."""
        orphans = self.runner.recover()
        self.scheduler.start(paused=True)
        actions = sync_jobs(self.scheduler, self.runner)
        self.scheduler.resume()
        if poll:
            self._poller.start()
        next_runs = {
            j.name: j.next_run_time.isoformat() for j in self.scheduler.get_jobs() if j.next_run_time
        }
        return {
            "orphans_failed": orphans,
            "jobs": actions,
            "next_runs": next_runs,
            "owner": self.runner.owner,
        }

    def _overlapped(self, event: JobSubmissionEvent) -> None:
        # The previous run of this job is still going here: account for the slot.
        name = event.job_id[len(JOB_ID_PREFIX) :]
        for slot in event.scheduled_run_times:
            self.runner.record_skipped(name, slot, "the previous run of this job was still running here")

    def poll_requests(self) -> list[concurrent.futures.Future[Any]]:
        """Hand every waiting on-demand run to a worker; each is claimed there, once."""
        futures = []
        for run_id, job in ledger.requested_ids(self.runner.engine):
            with self._pending_lock:
                if run_id in self._pending:
                    continue
                self._pending.add(run_id)
            future = self._requests.submit(self.runner.run_requested, run_id, job)
            future.add_done_callback(functools.partial(self._done, run_id))
            futures.append(future)
        return futures

    def _done(self, run_id: int, _future: object) -> None:
        with self._pending_lock:
            self._pending.discard(run_id)

    def _poll_loop(self) -> None:
        while not self._stop.wait(self.runner.schedule.poll_s):
            try:
                self.poll_requests()
            except Exception:  # the database may be briefly away; try again next poll
                log.warning("polling for requested runs failed", exc_info=True)

    def stop(self, *, wait: bool = True) -> None:
        """Stop firing and polling; with ``wait``, let the runs under way finish."""
        self._stop.set()
        if self._poller.is_alive():
            self._poller.join()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=wait)
        self._requests.shutdown(wait=wait)

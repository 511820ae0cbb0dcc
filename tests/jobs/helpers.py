"""A controllable clock for APScheduler and a driver that ticks a scheduler on demand."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from typing import Any

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    EVENT_JOB_MAX_INSTANCES,
    EVENT_JOB_MISSED,
    EVENT_JOB_SUBMITTED,
)
from sqlalchemy import Engine

from substitute.jobs.config import ScheduleConfig
from substitute.jobs.runner import Runner
from substitute.jobs.scheduler import SchedulerService
from substitute.settings import Settings

STEP = "tests.jobs.steps:"
SETTINGS = Settings()


class FakeClock:
    """Time that moves only when the test says so (timezone-aware)."""

    def __init__(self, start: dt.datetime) -> None:
        self.moment = start

    def __call__(self) -> dt.datetime:
        return self.moment

    def set(self, moment: dt.datetime) -> None:
        self.moment = moment


def wait_until(predicate: Callable[[], Any], timeout: float = 10.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def schedule(jobs: dict[str, dict[str, Any]], **kw: Any) -> ScheduleConfig:
    return ScheduleConfig.model_validate({"timezone": "UTC", "heartbeat_s": 60, **kw, "jobs": jobs})


class Driven:
    """A scheduler service whose wake-ups the test triggers and waits for.

    APScheduler sleeps until its next fire time; with a fake clock the test
    moves time, wakes the scheduler and waits for its pass over the job store
    and for the runs it submitted to end.
    """

    def __init__(self, engine: Engine, sched: ScheduleConfig, clock: FakeClock, table: str) -> None:
        self.runner = Runner(engine, SETTINGS, sched, clock=clock)
        self.service = SchedulerService(self.runner, jobstore_table=table)
        self.scheduler = self.service.scheduler
        self.passes = 0
        self.counts = {"submitted": 0, "finished": 0, "max_instances": 0}
        self._cond = threading.Condition()
        original = self.scheduler._process_jobs

        def counted() -> Any:
            wait = original()
            with self._cond:
                self.passes += 1
                self._cond.notify_all()
            return wait

        self.scheduler._process_jobs = counted  # type: ignore[method-assign]
        self.scheduler.add_listener(self._event, EVENT_JOB_SUBMITTED | EVENT_JOB_MAX_INSTANCES)
        self.scheduler.add_listener(self._event, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED)

    def _event(self, event: Any) -> None:
        with self._cond:
            if event.code == EVENT_JOB_SUBMITTED:
                self.counts["submitted"] += 1
            elif event.code == EVENT_JOB_MAX_INSTANCES:
                self.counts["max_instances"] += 1
            else:
                self.counts["finished"] += 1
            self._cond.notify_all()

    def start(self) -> dict[str, Any]:
        passes = self.passes
        summary = self.service.start(poll=False)
        self.wait_pass(passes)
        return summary

    def wake(self) -> int:
        passes = self.passes
        self.scheduler.wakeup()
        return passes

    def wait_pass(self, before: int) -> None:
        with self._cond:
            assert self._cond.wait_for(lambda: self.passes > before, 10), "the scheduler did not wake"

    def wait_idle(self) -> None:
        with self._cond:
            assert self._cond.wait_for(lambda: self.counts["submitted"] == self.counts["finished"], 10)

    def stop(self) -> None:
        self.service.stop()


def tick(drivers: list[Driven], moment: dt.datetime, clock: FakeClock, *, idle: bool = True) -> None:
    """Move the clock and wake every scheduler at once, so they race for the same slot."""
    clock.set(moment)
    before = [d.wake() for d in drivers]
    for d, b in zip(drivers, before, strict=True):
        d.wait_pass(b)
    if idle:
        for d in drivers:
            d.wait_idle()

"""Fixtures of the job tests: a clock APScheduler obeys, and clean test steps."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import apscheduler.schedulers.base as aps_base
import pytest

from tests.jobs import steps
from tests.jobs.helpers import FakeClock

START = dt.datetime(2026, 7, 20, 0, 0, 30, tzinfo=dt.UTC)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """A fake clock that the runner and APScheduler's scheduler loop both read."""
    fake = FakeClock(START)

    class FakeDatetime(dt.datetime):
        @classmethod
        def now(cls, tz: dt.tzinfo | None = None) -> dt.datetime:  # type: ignore[override]
            moment = fake()
            return moment.astimezone(tz) if tz is not None else moment.replace(tzinfo=None)

    monkeypatch.setattr(aps_base, "datetime", FakeDatetime)
    return fake


@pytest.fixture(autouse=True)
def _clean_steps() -> Iterator[None]:
    steps.reset()
    yield
    steps.GATE.set()  # never leave a worker blocked
    steps.reset()

"""APScheduler wired to the claims: two schedulers, a missed slot, an overrunning job."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from substitute.jobs.control import list_runs
from tests.jobs import steps
from tests.jobs.conftest import START
from tests.jobs.helpers import STEP, Driven, schedule, tick, wait_until

SLOTS = 6
# Start at 00:00:30 with a 20 s grace: the 00:00 slot is already out of reach.
RACE_GRACE_S = 20


@pytest.mark.parametrize("stores", ["shared", "separate"])
def test_two_schedulers_run_each_slot_exactly_once(engine, clock, stores, capsys):
    """Two schedulers woken together for every slot: each slot runs once.

    With separate job stores both fire every slot (what two unguarded
    schedulers would run); with the shared store they may or may not both
    see it due. Either way the claim lets one run through.
    """
    sched = schedule(
        {"tick": {"cron": "*/10 * * * *", "steps": [STEP + "record"], "misfire_grace_s": RACE_GRACE_S}}
    )
    tables = ["apscheduler_jobs", "apscheduler_jobs"] if stores == "shared" else ["aps_a", "aps_b"]
    drivers = [Driven(engine, sched, clock, t) for t in tables]
    for d in drivers:
        d.start()
    try:
        first = START.replace(minute=10, second=0)
        for i in range(SLOTS):
            tick(drivers, first + dt.timedelta(minutes=10 * i, seconds=1), clock)
    finally:
        for d in drivers:
            d.stop()
    runs = list_runs(engine, job="tick", limit=100)
    fired = sum(d.counts["submitted"] for d in drivers)
    with capsys.disabled():
        print(f"\n[race {engine.dialect.name}/{stores}] slots={SLOTS} fired={fired} runs={len(steps.CALLS)}")
    assert len(steps.CALLS) == SLOTS
    assert Counter(r["status"] for r in runs) == {"succeeded": SLOTS}
    assert len({r["slot_utc"] for r in runs}) == SLOTS
    if stores == "separate":
        assert fired == 2 * SLOTS  # without the claim: 12 runs for 6 slots


@pytest.mark.parametrize(
    ("back_after", "grace_s", "expected"),
    [
        (dt.timedelta(minutes=5), 4 * 3600, "succeeded"),
        (dt.timedelta(minutes=5), 1, "missed"),  # APScheduler's default grace
        (dt.timedelta(hours=5), 4 * 3600, "missed"),
    ],
    ids=["back-0205", "default-grace-skips", "past-grace"],
)
def test_scheduler_down_at_0200_back_later(engine, clock, back_after, grace_s, expected):
    jobs = {"nightly": {"cron": "0 2 * * *", "steps": [STEP + "record"], "misfire_grace_s": grace_s}}
    sched = schedule(jobs, timezone="Asia/Tokyo")
    tokyo = sched.zone()
    slot = dt.datetime(2026, 7, 21, 2, 0, tzinfo=tokyo)
    clock.set(slot - dt.timedelta(hours=1))
    before = Driven(engine, sched, clock, "apscheduler_jobs")
    assert before.start()["next_runs"] == {"nightly": slot.isoformat()}
    before.stop()  # down across 02:00

    clock.set(slot + back_after)
    after = Driven(engine, sched, clock, "apscheduler_jobs")
    summary = after.start()
    after.wait_idle()
    tick([after], clock() + dt.timedelta(minutes=1), clock)  # another pass must not run it again
    after.stop()

    assert summary["jobs"] == {"nightly": "kept"}  # the stored 02:00 fire time survived
    runs = list_runs(engine, job="nightly")
    assert [(r["slot_utc"], r["status"]) for r in runs] == [("2026-07-20T17:00:00", expected)]
    assert len(steps.CALLS) == (1 if expected == "succeeded" else 0)


def test_a_job_longer_than_its_interval_never_overlaps(engine, clock):
    sched = schedule({"slow": {"cron": "* * * * *", "steps": [STEP + "gated"], "misfire_grace_s": 20}})
    drivers = [Driven(engine, sched, clock, t) for t in ("aps_a", "aps_b")]
    for d in drivers:
        d.start()
    minute = START.replace(second=0)
    try:
        tick(drivers, minute + dt.timedelta(minutes=1, seconds=1), clock, idle=False)
        wait_until(lambda: steps.ACTIVE["now"] == 1, what="the first run to start")
        for m in (2, 3):  # two more slots while the first run goes on
            tick(drivers, minute + dt.timedelta(minutes=m, seconds=1), clock, idle=False)
            wait_until(lambda m=m: len(list_runs(engine, job="slow")) == m, what=f"slot {m} recorded")
        steps.GATE.set()
        for d in drivers:
            d.wait_idle()
        tick(drivers, minute + dt.timedelta(minutes=4, seconds=1), clock)
    finally:
        steps.GATE.set()
        for d in drivers:
            d.stop()
    runs = sorted(list_runs(engine, job="slow"), key=lambda r: r["slot_utc"])
    assert [r["status"] for r in runs] == ["succeeded", "skipped", "skipped", "succeeded"]
    assert all("still running" in r["error"] for r in runs[1:3])
    assert steps.ACTIVE["max"] == 1
    assert sum(d.counts["max_instances"] for d in drivers) >= 2  # APScheduler refused in the owner

"""Claims, requested runs, failures, pauses and orphans, without APScheduler."""

from __future__ import annotations

import datetime as dt
import logging
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor, wait

import pytest

from substitute.errors import DataError, NotFound
from substitute.jobs import control, ledger
from substitute.jobs.runner import Runner
from substitute.jobs.scheduler import SchedulerService
from substitute.liveness import owner_id, to_db
from tests.jobs import steps
from tests.jobs.conftest import START
from tests.jobs.helpers import SETTINGS, STEP, FakeClock, schedule

SLOT = START.replace(second=0)
JOBS = {
    "good": {"cron": "0 2 * * *", "steps": [STEP + "record"]},
    "bad": {"steps": [STEP + "record", STEP + "fail", STEP + "record"]},
}


def _runner(engine, clock=None, **kw) -> Runner:
    return Runner(engine, SETTINGS, schedule(JOBS, **kw), clock=clock or FakeClock(START))


@pytest.fixture
def config_dir(tmp_path):
    (tmp_path / "schedule.toml").write_text(
        '[schedule.jobs.good]\ncron = "0 2 * * *"\nsteps = ["tests.jobs.steps:record"]\n'
        '[schedule.jobs.bad]\nsteps = ["tests.jobs.steps:record", "tests.jobs.steps:fail"]\n'
    )
    return tmp_path


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_slot_is_claimed_once_by_racing_threads(engine):
    runners = [_runner(engine) for _ in range(8)]
    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(lambda r: r.run_slot("good", SLOT), runners))
    assert sum(o is not None for o in outcomes) == 1
    assert len(steps.CALLS) == 1
    assert [r["status"] for r in control.list_runs(engine)] == ["succeeded"]


def test_a_failing_step_fails_the_run_loudly_and_stops_the_job(engine, caplog):
    clock = FakeClock(START)
    _runner(engine, clock).run_slot("good", SLOT)
    clock.set(START + dt.timedelta(days=1))
    with caplog.at_level(logging.ERROR, logger="substitute.jobs"):
        outcome = _runner(engine, clock).run_slot("bad", SLOT + dt.timedelta(days=1))
    assert outcome is not None and outcome.status == "failed"
    run = control.get_run(engine, outcome.run_id)
    assert run["error"].startswith("tests.jobs.steps:fail: DataError: 412 of 1000 rows rejected")
    assert run["counts"]["failed_step"] == "tests.jobs.steps:fail"
    assert list(run["counts"]["steps"]) == ["tests.jobs.steps:record"]  # nothing after the failure
    assert any(r.levelno == logging.ERROR and "FAILED" in r.getMessage() for r in caplog.records)
    assert run["duration_s"] is not None

    report = control.report_status(engine, "bad")
    assert report["last_failed"] and report["data_as_of"] is None
    assert "did not complete" in report["message"]
    good = control.report_status(engine, "good")
    assert not good["last_failed"] and good["data_as_of"].startswith("2026-07-20")


def test_requested_runs_run_once_across_schedulers(engine, config_dir):
    run = control.request_run(engine, "bad", requested_by="alice", config_dir=config_dir)
    again = control.request_run(engine, "good", requested_by="bob", config_dir=config_dir)
    assert run["status"] == "requested" and run["counts"]["requested_by"] == "alice"
    services = [SchedulerService(_runner(engine), jobstore_table=f"aps_{i}") for i in range(3)]
    futures = [f for s in services for f in s.poll_requests()]
    wait(futures, timeout=10)
    for s in services:
        s.stop()
    assert [f.result() is not None for f in futures].count(True) == 2
    assert control.get_run(engine, run["id"])["status"] == "failed"
    done = control.get_run(engine, again["id"])
    assert done["status"] == "succeeded" and done["counts"]["requested_by"] == "bob"
    assert len(steps.CALLS) == 2  # one for each request: "bad" stopped at its failing step


def test_unknown_job_and_run_are_named(engine, tmp_path):
    with pytest.raises(DataError, match=r"unknown job 'nope'.*nightly"):
        control.request_run(engine, "nope", requested_by="x", config_dir=tmp_path)
    with pytest.raises(NotFound, match="run 999"):
        control.get_run(engine, 999)
    assert control.job_names(tmp_path) == ["nightly"]  # the default night without schedule.toml


def test_a_request_waits_while_its_job_runs(engine, config_dir):
    runner = _runner(engine)
    claim = ledger.claim_slot(
        engine, "good", to_db(SLOT), owner=runner.owner, now=to_db(START), stale_after=runner.stale_after
    )
    request = control.request_run(engine, "good", requested_by="x", config_dir=config_dir)
    assert runner.run_requested(request["id"], "good") is None
    assert control.get_run(engine, request["id"])["status"] == "requested"
    ledger.finish(engine, claim.run_id, runner.owner, status="succeeded", now=to_db(START), counts={})
    assert runner.run_requested(request["id"], "good").status == "succeeded"


def test_a_paused_job_skips_its_slots_until_resumed(engine, config_dir):
    state = control.pause(engine, "good", by="carol", config_dir=config_dir)
    assert state["paused"] and state["updated_by"] == "carol"
    runner = _runner(engine)
    assert runner.run_slot("good", SLOT) is None
    assert not control.resume(engine, "good", by="carol", config_dir=config_dir)["paused"]
    assert runner.run_slot("good", SLOT + dt.timedelta(days=1)).status == "succeeded"
    runs = sorted(control.list_runs(engine), key=lambda r: r["slot_utc"])
    assert [r["status"] for r in runs] == ["skipped", "succeeded"]
    assert runs[0]["error"] == "good is paused (by carol)"


@pytest.mark.parametrize(
    ("host", "beat_age", "dead"),
    [
        ("{hostname}:{dead_pid}:abcd", dt.timedelta(0), True),  # same host, process gone
        ("{hostname}:{pid}:other", dt.timedelta(0), True),  # our pid, a previous life
        ("elsewhere:1:abcd", dt.timedelta(minutes=30), True),  # silent past stale_after
        ("elsewhere:1:abcd", dt.timedelta(seconds=5), False),  # beating: alive
        ("{owner}", dt.timedelta(hours=5), False),  # this very process
    ],
    ids=["dead-pid", "restarted-container", "stale-heartbeat", "alive-elsewhere", "ourselves"],
)
def test_orphans_are_told_from_live_runs(engine, host, beat_age, dead):
    import os
    import socket

    host = host.format(hostname=socket.gethostname(), dead_pid=_dead_pid(), pid=os.getpid(), owner=owner_id())
    now = to_db(START)
    with engine.begin() as conn:
        ledger._insert(
            conn, job="good", slot_utc=to_db(SLOT), status="running", started_at=now - beat_age,
            host=host, counts=ledger.dump_counts({ledger.HEARTBEAT_KEY: (now - beat_age).isoformat()}),
        )  # fmt: skip
    runner = _runner(engine, stale_after_s=600)
    assert runner.recover() == ([1] if dead else [])
    run = control.get_run(engine, 1)
    assert run["status"] == ("failed" if dead else "running")
    if dead:
        assert run["error"].startswith("abandoned")
    # the next slot runs after a dead run, and is skipped beside a live one
    nxt = runner.run_slot("good", SLOT + dt.timedelta(days=1))
    assert (nxt is not None and nxt.status == "succeeded") is dead

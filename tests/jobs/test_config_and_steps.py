"""The schedule file and the built-in steps that need no trained models."""

from __future__ import annotations

import datetime as dt

import pytest

from substitute.db.models import IngestBatch
from substitute.errors import ConfigError, DataError
from substitute.jobs.config import DEFAULT_NIGHTLY_STEPS, load_schedule
from substitute.jobs.steps import StepContext, check_data, precompute, report_ready, resolve
from tests.jobs.helpers import SETTINGS
from tests.recommend.conftest import REPO_CONFIGS


def test_the_repository_schedule_loads():
    sched = load_schedule(REPO_CONFIGS)
    assert sched.timezone == "Asia/Tokyo"
    assert sched.jobs["nightly"].cron == "0 2 * * *"
    assert tuple(sched.jobs["nightly"].steps) == DEFAULT_NIGHTLY_STEPS
    assert sched.jobs["nightly"].misfire_grace_s >= 3600  # not APScheduler's 1 s


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[schedule]\ntimezone = "Mars/Olympus"', "IANA zone"),
        ('[schedule.jobs.x]\ncron = "61 2 * * *"\nsteps = ["forecast"]', "five-field crontab"),
        ('[schedule.jobs.x]\nsteps = ["forcast"]', "unknown steps"),
        ('[schedule.jobs.x]\nsteps = ["forecast"]\ngrace = 5', "grace"),
        ("[schedule\n", "not valid TOML"),
    ],
)
def test_a_wrong_schedule_fails_at_load(tmp_path, text, message):
    (tmp_path / "schedule.toml").write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_schedule(tmp_path)


def _ctx(engine, **options) -> StepContext:
    return StepContext(
        engine=engine, settings=SETTINGS, config_dir=None, job="nightly", run_id=1,
        slot_utc=dt.datetime(2026, 7, 20), options=options,
    )  # fmt: skip


def test_check_data_counts_batches_and_can_require_new_data(engine):
    with pytest.raises(DataError, match="no ingest batch was activated"):
        check_data(_ctx(engine, require_new_data=True))
    with engine.begin() as conn:
        for status, loaded in (("active", 100), ("rejected", 0)):
            conn.execute(
                IngestBatch.__table__.insert().values(
                    kind="sales",
                    source="f.csv",
                    file_sha256="0" * 64,
                    status=status,
                    loaded=loaded,
                    rejected=7,
                    started_at=dt.datetime(2026, 7, 20, 1),
                )
            )
    counts = check_data(_ctx(engine, require_new_data=True))
    assert counts["batches"] == {"active": 1, "rejected": 1}
    assert counts["rows_loaded"] == 100 and counts["rows_rejected"] == 14


def test_report_and_precompute_on_an_empty_database(engine):
    assert report_ready(_ctx(engine)) == {"forecast_run_id": None, "data_as_of": None, "series": 0}
    ctx = _ctx(engine)
    assert precompute(ctx)["pairs"] == 0 and ctx.results["precomputed"] == []


def test_step_references_resolve_or_say_what_to_fix():
    assert resolve("forecast").__name__ == "forecast"
    with pytest.raises(DataError, match="cannot be imported"):
        resolve("no.such.module:step")

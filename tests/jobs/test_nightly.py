"""The real night on the planted data: forecast, retrain, precompute, report; then a failing night."""

from __future__ import annotations

import datetime as dt
import shutil

from sqlalchemy import update

from substitute.db.models import SelloutRisk
from substitute.errors import DataError
from substitute.jobs import control
from substitute.jobs import steps as steps_module
from substitute.jobs.config import load_schedule
from substitute.jobs.runner import Runner
from substitute.jobs.steps import StepContext, precompute
from substitute.settings import Settings
from tests.jobs.helpers import FakeClock
from tests.recommend import planted
from tests.recommend.conftest import REPO_CONFIGS

NIGHT = ["check_data", "forecast", "retrain", "precompute", "report_ready"]


def test_the_night_publishes_and_a_failed_night_keeps_the_last_good_data(
    sqlite_engine, tmp_path, monkeypatch
):
    engine = sqlite_engine
    planted.write_planted(engine)
    shutil.copy(REPO_CONFIGS / "recommend.toml", tmp_path / "recommend.toml")
    settings = Settings.model_validate(
        {"artifacts": {"dir": str(tmp_path / "art")}, "forecast": {"workers": 1, "history_days": 120}}
    )
    sched = load_schedule(tmp_path, {"jobs": {"nightly": {"cron": "0 2 * * *", "steps": NIGHT}}})
    clock = FakeClock(dt.datetime(2026, 7, 20, 17, 0, 5, tzinfo=dt.UTC))
    runner = Runner(engine, settings, sched, config_dir=tmp_path, clock=clock)

    night = runner.run_slot("nightly", dt.datetime(2026, 7, 20, 17, tzinfo=dt.UTC))
    assert night is not None and night.status == "succeeded", night
    steps = night.counts["steps"]
    assert list(steps) == NIGHT
    assert steps["forecast"]["series"] == steps["report_ready"]["series"] > 0
    assert steps["retrain"]["artifact_version"]

    # Planted stock has no positions, so no risk: plant one and precompute it.
    with engine.begin() as conn:
        conn.execute(
            update(SelloutRisk)
            .where(SelloutRisk.store_id == "S1", SelloutRisk.sku == "TWIN-A")
            .values(p_stockout_window=0.9)
        )
    ctx = StepContext(engine, settings, tmp_path, "nightly", night.run_id, dt.datetime(2026, 7, 20))
    assert precompute(ctx)["pairs"] == 1
    (entry,) = ctx.results["precomputed"]
    assert (entry["store"], entry["sku"]) == ("S1", "TWIN-A")
    assert entry["substitutes"][0]["sku"] == "TWIN-B"

    # The next night fails in loyalty: the report still serves the first night's data.
    def broken_loyalty(ctx: StepContext) -> dict:
        raise DataError("planted failure")

    monkeypatch.setitem(steps_module.STEPS, "loyalty", broken_loyalty)
    failing = load_schedule(
        tmp_path, {"jobs": {"nightly": {"steps": ["check_data", "loyalty", "report_ready"]}}}
    )
    clock.set(clock() + dt.timedelta(days=1))
    bad = Runner(engine, settings, failing, config_dir=tmp_path, clock=clock).run_slot(
        "nightly", dt.datetime(2026, 7, 21, 17, tzinfo=dt.UTC)
    )
    assert (
        bad is not None
        and bad.status == "failed"
        and bad.error.startswith("loyalty: DataError: planted failure")
    )
    status = control.report_status(engine)
    assert status["last_failed"] and status["data_as_of"] == "2026-07-20T17:00:05"
    assert "data as of 2026-07-20 17:00 UTC" in status["message"]

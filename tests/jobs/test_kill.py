"""A real scheduler process killed with SIGKILL mid-run, then the CLI recovering and re-running."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from substitute.cli import runs_cmd, scheduler_cmd  # noqa: F401  (registers the commands)
from substitute.cli.context import main
from substitute.db import make_engine, upgrade
from substitute.jobs import control

REPO = Path(__file__).resolve().parents[2]
CLI = "from substitute.cli import main, runs_cmd, scheduler_cmd; main()"


def _config(tmp_path: Path) -> Path:
    cfg = tmp_path / "configs"
    cfg.mkdir()
    (cfg / "schedule.toml").write_text(
        "[schedule]\npoll_s = 0.2\nheartbeat_s = 0.5\n"
        '[schedule.jobs.flaky]\nsteps = ["tests.jobs.steps:hang_once"]\n'
        f'[schedule.jobs.flaky.options]\nmarker = "{tmp_path / "marker"}"\n'
    )
    return cfg


def test_killed_run_is_failed_at_next_start_and_the_next_run_completes(tmp_path):
    db = f"sqlite:///{tmp_path / 'jobs.db'}"
    engine = make_engine(db)
    upgrade(engine)
    cfg = _config(tmp_path)
    base = ["--config-dir", str(cfg), "--database-url", db]
    requested = control.request_run(engine, "flaky", requested_by="test", config_dir=cfg)

    proc = subprocess.Popen(
        [sys.executable, "-c", CLI, *base, "scheduler"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        deadline = time.monotonic() + 30
        while not (tmp_path / "marker").exists():
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            assert time.monotonic() < deadline, "the scheduler never picked the request up"
            time.sleep(0.05)
        run = control.get_run(engine, requested["id"])
        assert run["status"] == "running" and f":{proc.pid}:" in run["host"]
        proc.send_signal(signal.SIGKILL)  # mid-run, no chance to clean up
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
    assert control.get_run(engine, requested["id"])["status"] == "running"  # as the kill left it

    cli = CliRunner()
    started = cli.invoke(main, [*base, "scheduler", "--once"])
    assert started.exit_code == 0, started.output
    assert json.loads(started.output.splitlines()[-1])["orphans_failed"] == [requested["id"]]
    killed = control.get_run(engine, requested["id"])
    assert killed["status"] == "failed" and killed["error"].startswith("abandoned")

    again = cli.invoke(main, [*base, "runs", "trigger", "flaky", "--wait", "--pickup-timeout", "0.3"])
    assert again.exit_code == 0, again.output
    assert "running it here" in again.output and "succeeded" in again.output

    listed = cli.invoke(main, [*base, "runs", "list", "--json"])
    assert [r["status"] for r in json.loads(listed.output)] == ["succeeded", "failed"]
    shown = cli.invoke(main, [*base, "runs", "show", str(requested["id"])])
    assert json.loads(shown.output)["error"].startswith("abandoned")
    assert cli.invoke(main, [*base, "runs", "status", "--job", "flaky"]).exit_code == 0
    engine.dispose()


def test_runs_cli_pause_resume_and_errors(tmp_path):
    db = f"sqlite:///{tmp_path / 'jobs.db'}"
    engine = make_engine(db)
    upgrade(engine)
    engine.dispose()
    base = ["--config-dir", str(_config(tmp_path)), "--database-url", db]
    cli = CliRunner()
    paused = cli.invoke(main, [*base, "runs", "pause", "flaky"])
    assert paused.exit_code == 0 and "flaky paused by" in paused.output
    jobs = cli.invoke(main, [*base, "runs", "jobs"])
    assert "PAUSED" in jobs.output and "on demand" in jobs.output
    assert "resumed" in cli.invoke(main, [*base, "runs", "resume", "flaky"]).output
    unknown = cli.invoke(main, [*base, "runs", "trigger", "nope"])
    assert unknown.exit_code == 2 and "the jobs are flaky" in unknown.output
    missing = cli.invoke(main, [*base, "runs", "show", "42"])
    assert missing.exit_code == 2 and "run 42" in missing.output

"""``substitute runs list|show|trigger|pause|resume|jobs|status``: see and control job runs."""

from __future__ import annotations

import getpass
import json
import socket
from typing import Any

import click

from substitute.cli.context import AppContext, main, pass_app


def _operator() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry in some containers
        user = "unknown"
    return f"{user}@{socket.gethostname()} (cli)"


def _config_dir(app: AppContext):  # type: ignore[no-untyped-def]
    from substitute.settings import default_config_dir

    return app.config_dir or default_config_dir()


def _line(run: dict[str, Any]) -> str:
    took = f"{run['duration_s']:.1f} s" if run["duration_s"] is not None else "-"
    why = f"  {run['error']}" if run["error"] else ""
    return f"{run['id']:>6}  {run['job']:<12} {run['slot_utc'][:19]:<19}  {run['status']:<10} {took:>9}{why}"


@main.group()
def runs() -> None:
    """See and control the scheduled jobs' runs."""


@runs.command("list")
@click.option("--job", help="Only this job.")
@click.option("--limit", default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON document.")
@pass_app
def runs_list(app: AppContext, job: str | None, limit: int, as_json: bool) -> None:
    """Recent runs, newest first (slot times in UTC)."""
    from substitute.jobs.control import list_runs

    rows = list_runs(app.engine, job=job, limit=limit)
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    click.echo(f"{'id':>6}  {'job':<12} {'slot (UTC)':<19}  {'status':<10} {'took':>9}")
    for run in rows:
        click.echo(_line(run))


@runs.command("show")
@click.argument("run_id", type=int)
@pass_app
def runs_show(app: AppContext, run_id: int) -> None:
    """One run with its counts, as JSON."""
    from substitute.jobs.control import get_run

    click.echo(json.dumps(get_run(app.engine, run_id), indent=2))


@runs.command("trigger")
@click.argument("job")
@click.option("--wait", is_flag=True, help="Wait for the run to end; run it here if no scheduler takes it.")
@click.option("--here", is_flag=True, help="Run it in this process at once, without a scheduler.")
@click.option("--pickup-timeout", default=15.0, show_default=True, help="Seconds to wait for a scheduler.")
@pass_app
def runs_trigger(app: AppContext, job: str, wait: bool, here: bool, pickup_timeout: float) -> None:
    """Ask for a run of JOB now; a running scheduler picks it up within seconds, once."""
    from substitute.jobs import ledger
    from substitute.jobs.config import load_schedule
    from substitute.jobs.control import request_run, wait_for_run
    from substitute.jobs.runner import Runner

    config_dir = _config_dir(app)
    run = request_run(app.engine, job, requested_by=_operator(), config_dir=config_dir)
    click.echo(f"run {run['id']} of {job} requested")
    if not (wait or here):
        return
    if not here:
        run = wait_for_run(app.engine, run["id"], timeout_s=pickup_timeout)
    if run["status"] == ledger.REQUESTED:
        if not here:
            click.echo(f"no scheduler took it within {pickup_timeout:.0f} s: running it here")
        runner = Runner(app.engine, app.settings, load_schedule(config_dir), config_dir=config_dir)
        runner.run_requested(run["id"], job)
    run = wait_for_run(app.engine, run["id"], timeout_s=7 * 24 * 3600, poll_s=2.0)
    click.echo(_line(run))
    if run["status"] != ledger.SUCCEEDED:
        raise SystemExit(1)


@runs.command("pause")
@click.argument("job")
@pass_app
def runs_pause(app: AppContext, job: str) -> None:
    """Stop scheduled runs of JOB (their slots are recorded skipped); requested runs still run."""
    from substitute.jobs.control import pause

    state = pause(app.engine, job, by=_operator(), config_dir=_config_dir(app))
    click.echo(f"{job} paused by {state['updated_by']}")


@runs.command("resume")
@click.argument("job")
@pass_app
def runs_resume(app: AppContext, job: str) -> None:
    """Let scheduled runs of JOB run again from its next slot."""
    from substitute.jobs.control import resume

    state = resume(app.engine, job, by=_operator(), config_dir=_config_dir(app))
    click.echo(f"{job} resumed by {state['updated_by']}")


@runs.command("jobs")
@pass_app
def runs_jobs(app: AppContext) -> None:
    """Every job: cron (in the schedule's time zone), paused or not, its last run."""
    from substitute.jobs.control import job_states

    for state in job_states(app.engine, _config_dir(app)):
        last = state["last_run"]
        click.echo(
            f"{state['job']:<12} {state['cron'] or 'on demand':<14} {state['timezone']:<12}"
            f" {'PAUSED' if state['paused'] else 'active':<7}"
            f" last: {last['status'] + ' ' + (last['finished_at'] or '')[:19] if last else '-'}"
        )


@runs.command("status")
@click.option("--job", default="nightly", show_default=True)
@pass_app
def runs_status(app: AppContext, job: str) -> None:
    """What the morning report says: data as of the last good run, and whether the last one failed."""
    from substitute.jobs.control import report_status

    status = report_status(app.engine, job)
    click.echo(f"data as of {status['data_as_of'] or 'never'} (UTC)")
    if status["last_failed"]:
        click.secho(status["message"], fg="red")
        raise SystemExit(1)

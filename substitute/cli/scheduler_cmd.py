"""``substitute scheduler``: the one process that runs the scheduled jobs."""

from __future__ import annotations

import json
import logging
import os
import signal
import threading
from types import FrameType

import click

from substitute.cli.context import AppContext, main, pass_app


@main.command("scheduler")
@click.option("--once", is_flag=True, help="Recover orphans, sync the job store, print the next runs, exit.")
@pass_app
def scheduler_cmd(app: AppContext, once: bool) -> None:
    """Run the nightly jobs on their cron and requested runs within seconds.

    Start it as its own process (never inside web server workers, which would
    run every job once per worker). Two of them may run at once: each slot
    still runs once. SIGTERM or Ctrl-C stops firing new runs and waits for the
    runs under way; a second signal abandons them (they are marked failed, and
    the previous results stay in service).
    """
    from substitute.jobs.config import load_schedule
    from substitute.jobs.runner import Runner
    from substitute.jobs.scheduler import SchedulerService
    from substitute.settings import default_config_dir

    logging.basicConfig(
        level=app.settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    config_dir = app.config_dir or default_config_dir()
    schedule = load_schedule(config_dir)
    runner = Runner(app.engine, app.settings, schedule, config_dir=config_dir)
    service = SchedulerService(runner)
    summary = service.start(poll=not once)
    click.echo(json.dumps({"scheduler": "started", **summary}, sort_keys=True))
    if once:
        service.stop()
        return

    signals = threading.Event()
    count = [0]

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        count[0] += 1
        if count[0] >= 2:
            runner.abandon_in_flight(f"abandoned: the scheduler got signal {signum} twice while running")
            os._exit(1)
        signals.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    signals.wait()
    running = sorted(runner.in_flight())
    if running:
        logging.getLogger(__name__).warning(
            "stopping: waiting for runs %s to finish (signal again to abandon them)", running
        )
    service.stop(wait=True)
    click.echo(json.dumps({"scheduler": "stopped"}))

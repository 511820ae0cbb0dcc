"""Scheduled jobs: the nightly run, exactly once, surviving restarts and kills.

How the pieces fit::

    configs/schedule.toml ─► config.py     which jobs, their steps, cron in the retailer's zone
    scheduler.py                            APScheduler 3 in its own process, job store in our database
        └─ SlotExecutor ─► runner.py        claim the slot, run the steps, record the outcome
                              ├─ ledger.py  the job_runs claims, heartbeats, orphans, pauses
                              └─ steps.py   check data → forecast → loyalty → retrain → precompute → report
    control.py                              what the CLI and the operations API call

The guarantee does not rest on APScheduler: every (job, slot) is claimed by a
row with a unique key before anything runs, so two schedulers, a restart or a
re-delivered trigger can at worst find the slot taken.
"""

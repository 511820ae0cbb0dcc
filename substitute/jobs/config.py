"""The schedule: which jobs exist, what they do and when, from ``configs/schedule.toml``.

The file holds a ``[schedule]`` table (the settings object ignores it, as it
ignores every table but ``[substitute]``). Cron expressions are read in the
retailer's time zone, so "02:00" stays 02:00 local across daylight saving
changes. A misspelt key fails at load.

Example::

    [schedule]
    timezone = "Asia/Tokyo"

    [schedule.jobs.nightly]
    cron = "0 2 * * *"
    steps = ["check_data", "forecast", "loyalty", "retrain", "precompute", "report_ready"]
    misfire_grace_s = 14400
"""

from __future__ import annotations

import tomllib
import zoneinfo
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from substitute.errors import ConfigError
from substitute.settings import deep_merge, default_config_dir

CONFIG_FILE = "schedule.toml"

#: The night the issue asks for; used when ``schedule.toml`` names no jobs.
DEFAULT_NIGHTLY_STEPS = ("check_data", "forecast", "loyalty", "retrain", "precompute", "report_ready")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


class JobSpec(_Strict):
    """One job: its steps in order and, when it is scheduled, its cron expression."""

    cron: str | None = Field(
        None, description="five-field crontab in the schedule's time zone; None: on demand only"
    )
    steps: list[str] = Field(min_length=1)
    # APScheduler's default grace is 1 s: a scheduler back at 02:05 would skip
    # the 02:00 run. Hours of grace let a restart still run that night's job.
    misfire_grace_s: int = Field(4 * 3600, ge=1, description="how late a missed slot may still start")
    options: dict[str, Any] = Field(default_factory=dict, description="passed to every step")

    @field_validator("cron")
    @classmethod
    def _cron_parses(cls, value: str | None) -> str | None:
        if value is not None:
            from apscheduler.triggers.cron import CronTrigger

            try:
                CronTrigger.from_crontab(value, timezone="UTC")
            except ValueError as exc:
                raise ValueError(f"cron {value!r} is not a five-field crontab: {exc}") from exc
        return value

    @field_validator("steps")
    @classmethod
    def _steps_known(cls, value: list[str]) -> list[str]:
        from substitute.jobs.steps import STEPS

        unknown = [s for s in value if s not in STEPS and ":" not in s]
        if unknown:
            raise ValueError(
                f"unknown steps {unknown}: use one of {sorted(STEPS)} or a 'module:function' reference"
            )
        return value


class ScheduleConfig(_Strict):
    timezone: str = Field("UTC", description="IANA zone the cron expressions are read in")
    poll_s: float = Field(5.0, gt=0, le=300, description="how often requested runs are picked up")
    heartbeat_s: float = Field(30.0, gt=0, description="how often a running run says it is alive")
    stale_after_s: float = Field(
        600.0, gt=0, description="a run silent this long, on another host, is taken for dead"
    )
    workers: int = Field(4, ge=1, le=64, description="runs of different jobs that may run at once")
    jobs: dict[str, JobSpec] = Field(default_factory=dict)

    @field_validator("timezone")
    @classmethod
    def _zone_exists(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"timezone {value!r} is not an IANA zone such as 'Asia/Tokyo'") from exc
        return value

    @field_validator("jobs")
    @classmethod
    def _names_fit(cls, value: dict[str, JobSpec]) -> dict[str, JobSpec]:
        for name in value:
            # job_runs.job and job_states.job are String(64).
            if not name or len(name) > 64 or not name.replace("_", "").replace("-", "").isalnum():
                raise ValueError(f"job name {name!r}: use letters, digits, '-' or '_' (at most 64)")
        return value

    @model_validator(mode="after")
    def _default_night(self) -> ScheduleConfig:
        if not self.jobs:
            self.jobs = {
                "nightly": JobSpec.model_validate({"cron": "0 2 * * *", "steps": DEFAULT_NIGHTLY_STEPS})
            }
        return self

    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


def load_schedule(config_dir: Path | None = None, overrides: dict[str, Any] | None = None) -> ScheduleConfig:
    """Read ``schedule.toml`` from the config directory and apply ``overrides``.

    Parameters
    ----------
    config_dir
        Directory of the TOML files; default ``$SUBSTITUTE_CONFIG_DIR`` or ``./configs``.
    overrides
        Nested like the ``[schedule]`` table; laid over the file.

    Raises
    ------
    ConfigError
        When the file is not valid TOML, a key is unknown, a cron expression,
        a time zone or a step name is wrong.
    """
    path = (config_dir if config_dir is not None else default_config_dir()) / CONFIG_FILE
    data: dict[str, Any] = {}
    if path.is_file():
        try:
            with path.open("rb") as fh:
                data = tomllib.load(fh).get("schedule", {})
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML ({exc}); fix the file") from exc
    data = deep_merge(data, overrides or {})
    try:
        return ScheduleConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{path}: invalid schedule: {exc}") from exc

"""One settings object, validated once.

Precedence, lowest first: the defaults in this module < every ``*.toml`` file
in the config directory (merged in name order) < ``SUBSTITUTE_*`` environment
variables (``SUBSTITUTE_DATABASE__URL`` sets ``database.url``) < the dict a
caller passes. Nothing here runs at import time: call :func:`load_settings`.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from substitute.errors import ConfigError
from substitute.forecast.config import ForecastConfig

ENV_PREFIX = "SUBSTITUTE_"
ENV_CONFIG_DIR = "SUBSTITUTE_CONFIG_DIR"
# Environment variables with the prefix that are not settings.
_RESERVED_ENV = {"CONFIG_DIR"}
_RESERVED_ENV_PREFIXES = ("TEST_",)


class _Section(BaseModel):
    # A misspelt key fails at load instead of being silently ignored.
    model_config = ConfigDict(extra="forbid", validate_default=True)


class DatabaseSettings(_Section):
    url: str = "sqlite:///var/substitute.db"
    pool_size: int = Field(5, ge=1, le=100)
    max_overflow: int = Field(5, ge=0, le=100)
    pool_timeout_s: float = Field(2.0, gt=0, description="wait for a pooled connection")
    echo: bool = False


class IngestSettings(_Section):
    max_reject_share: float = Field(
        0.05, ge=0, le=1, description="above this share of rejected rows a batch is not activated"
    )
    chunk_rows: int = Field(500_000, ge=1_000)
    progress: bool = True


class ForecastSettings(_Section):
    history_days: int = Field(400, ge=28, description="days of sales read for each nightly run")
    executor: str = Field("local", pattern="^(local|dask)$")
    dask_scheduler: str | None = Field(None, description="address of a Dask scheduler; None: a LocalCluster")
    workers: int = Field(0, ge=0, description="local processes; 0 = one per core")
    batch_series: int = Field(2000, ge=1000, description="series per task (Dask: at least 1,000)")
    keep_runs: int = Field(7, ge=1, description="runs whose rows are kept; older ones are pruned")
    read_work_mem: str | None = Field(
        "256MB",
        pattern=r"^[0-9]+(kB|MB|GB)$",
        description="PostgreSQL work_mem for the nightly read, this transaction only; None: the server's",
    )
    holidays: Path | None = Field(
        None, description="TOML calendar of events for the forecaster, e.g. configs/holidays/taiwan.toml"
    )
    model: ForecastConfig = ForecastConfig()


class ArtifactSettings(_Section):
    dir: Path = Path("var/artifacts")


class ApiSettings(_Section):
    secret_key: SecretStr | None = None
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    workers: int = Field(2, ge=1, le=64)
    rate_limit_per_key: str = Field("6000/minute", description="requests per key, shared by the workers")
    deadline_ms: int = Field(100, ge=5, le=5000, description="checkout answers within this, or falls back")


class Settings(_Section):
    environment: str = Field("development", pattern="^(development|test|production)$")
    log_level: str = Field("INFO", pattern="^(DEBUG|INFO|WARNING|ERROR)$")
    database: DatabaseSettings = DatabaseSettings()
    ingest: IngestSettings = IngestSettings()
    forecast: ForecastSettings = ForecastSettings()
    artifacts: ArtifactSettings = ArtifactSettings()
    api: ApiSettings = ApiSettings()

    def redacted(self) -> dict[str, Any]:
        """The effective settings as plain data, with secrets hidden."""
        from sqlalchemy.engine import make_url

        data = self.model_dump(mode="json")
        data["database"]["url"] = make_url(self.database.url).render_as_string(hide_password=True)
        if self.api.secret_key is not None:
            data["api"]["secret_key"] = "***"
        return data


def deep_merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``extra`` laid over it, nested tables merged key by key."""
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _from_toml(config_dir: Path) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for path in sorted(config_dir.glob("*.toml")):
        try:
            with path.open("rb") as fh:
                data = tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML ({exc}); fix the file") from exc
        # Only the [substitute] table holds settings; other tables belong to
        # other components (schedules, ranking weights) that read their own.
        merged = deep_merge(merged, data.get("substitute", {}))
    return merged


def _from_env(environ: Mapping[str, str]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX):
            continue
        rest = name[len(ENV_PREFIX) :]
        if rest in _RESERVED_ENV or rest.startswith(_RESERVED_ENV_PREFIXES):
            continue
        path = [part.lower() for part in rest.split("__")]
        node = merged
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
    return merged


def default_config_dir(environ: Mapping[str, str] | None = None) -> Path:
    environ = os.environ if environ is None else environ
    return Path(environ.get(ENV_CONFIG_DIR, "configs"))


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    *,
    config_dir: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Build the effective settings.

    Parameters
    ----------
    overrides
        Highest-precedence values, nested like the TOML (``{"database": {"url": ...}}``).
    config_dir
        Directory of ``*.toml`` files; defaults to ``$SUBSTITUTE_CONFIG_DIR`` or ``./configs``.
    environ
        The environment to read; defaults to ``os.environ``.
    """
    environ = os.environ if environ is None else environ
    config_dir = default_config_dir(environ) if config_dir is None else config_dir
    merged: dict[str, Any] = {}
    if config_dir.is_dir():
        merged = _from_toml(config_dir)
    merged = deep_merge(merged, _from_env(environ))
    merged = deep_merge(merged, overrides or {})
    try:
        settings = Settings.model_validate(merged)
    except ValidationError as exc:
        raise ConfigError(f"invalid settings: {exc}") from exc
    if settings.environment == "production" and settings.api.secret_key is None:
        raise ConfigError("environment=production needs api.secret_key: set SUBSTITUTE_API__SECRET_KEY")
    return settings

"""``run_forecast``: the nightly forecast, from the database back to the database."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from substitute.db.bulk import bulk_copy
from substitute.db.models import ForecastDay, SelloutRisk, table_of
from substitute.errors import DataError, SubstituteError
from substitute.nightly import runs
from substitute.nightly.drivers import with_drivers
from substitute.nightly.executors import Batch, run_dask, run_local, split
from substitute.nightly.inputs import ForecastInputs, StageClock, latest_business_date, load_inputs
from substitute.settings import ForecastSettings

if TYPE_CHECKING:
    from substitute.forecast.context import StoreContext
    from substitute.forecast.result import ForecastResult

log = logging.getLogger(__name__)


class IncompleteRun(SubstituteError):
    """Not every active series got a forecast: the run is not activated."""


@dataclass
class ForecastRunSummary:
    run_id: int
    as_of: dt.date
    n_series: int
    n_fallback: int
    models: dict[str, int]
    seconds: float
    stages: dict[str, float] = field(default_factory=dict)  # wall seconds per stage

    def render(self) -> str:
        models = ", ".join(f"{m} {n:,}" for m, n in sorted(self.models.items(), key=lambda kv: -kv[1]))
        return (
            f"forecast run {self.run_id} as of {self.as_of} active: {self.n_series:,} series "
            f"({models}; {self.n_fallback:,} with a fallback reason) in {self.seconds:.1f} s"
        )


def _daily_rows(daily: pd.DataFrame) -> pd.DataFrame:
    return daily.rename(columns={"date": "target_date"}).drop(columns=["model"])


def _series_rows(series: pd.DataFrame, window_days: int) -> pd.DataFrame:
    rows = series.rename(columns={f"p_stockout_within_{window_days}d": "p_stockout_window"})
    if "flags" in rows:
        rows["flags"] = [
            ",".join(map(str, f)) if isinstance(f, (list, tuple, np.ndarray)) else (f or None)
            for f in rows["flags"]
        ]
    keep = [c.name for c in table_of(SelloutRisk).columns if c.name in rows.columns]
    return rows[keep]


@dataclass
class _Tally:
    """What the written batches add up to."""

    written: int = 0
    fallbacks: int = 0
    models: dict[str, int] = field(default_factory=dict)

    def add(self, series: pd.DataFrame) -> None:
        self.written += len(series)
        self.fallbacks += int(series["fallback_reason"].notna().sum())
        for model, n in series["model"].value_counts().items():
            self.models[str(model)] = self.models.get(str(model), 0) + int(n)


def _timed(results: Iterable[ForecastResult], clock: StageClock) -> Iterator[ForecastResult]:
    """The results, with the wait for each counted as forecasting (writing overlaps it)."""
    it = iter(results)
    while True:
        with clock("forecast"):
            result = next(it, None)
        if result is None:
            return
        yield result


def _write(engine: Engine, run_id: int, result: ForecastResult, window_days: int) -> pd.DataFrame:
    """Append one batch's rows to the run, in bulk; returns its series rows."""
    with engine.begin() as conn:
        daily = _daily_rows(result.daily)
        daily.insert(0, "run_id", run_id)
        bulk_copy(conn, table_of(ForecastDay), daily)
        series = _series_rows(result.series, window_days)
        series.insert(0, "run_id", run_id)
        bulk_copy(conn, table_of(SelloutRisk), series)
    return series


def _prepare(
    inputs: ForecastInputs, day: pd.Timestamp, settings: ForecastSettings, clock: StageClock
) -> tuple[StoreContext, list[Batch]]:
    """The store context of the whole panel, and the batches that share it."""
    from substitute.forecast import compute_store_context

    with clock("context"):
        context = compute_store_context(inputs.panel, day, settings.model)
    with clock("split"):
        batches = split(inputs, settings.batch_series)
    return context, batches


def _forecast_and_write(
    engine: Engine,
    settings: ForecastSettings,
    run_id: int,
    batches: list[Batch],
    context: StoreContext,
    day: pd.Timestamp,
    executor: str,
    dask_scheduler: str | None,
    progress: bool,
    clock: StageClock,
) -> _Tally:
    """Forecast the batches and write each as it comes back."""
    from tqdm import tqdm

    cfg = settings.model
    if executor == "dask":
        results = run_dask(batches, day, cfg, context, dask_scheduler or settings.dask_scheduler)
    else:
        results = run_local(batches, day, cfg, context, settings.workers)
    tally = _Tally()
    bar = tqdm(total=len(batches), unit=" batch", desc="forecast", disable=None if progress else True)
    for result in _timed(results, clock):
        with clock("write"):
            tally.add(_write(engine, run_id, result, cfg.stockout_window_days))
        bar.update()
    bar.close()
    return tally


def _with_calendar(settings: ForecastSettings) -> ForecastSettings:
    """Add the events of the ``holidays`` calendar file to the model's own."""
    if settings.holidays is None:
        return settings
    from substitute.forecast.calendar import load_events

    try:
        events = load_events(settings.holidays)
    except (OSError, ValueError) as exc:
        raise DataError(f"cannot read the holiday calendar {settings.holidays}: {exc}") from exc
    model = settings.model.model_copy(update={"events": settings.model.events + events})
    return settings.model_copy(update={"model": model})


def _run(
    engine: Engine,
    settings: ForecastSettings,
    as_of: dt.date | None,
    executor: str,
    dask_scheduler: str | None,
    progress: bool,
    clock: StageClock,
) -> ForecastRunSummary:
    runs.clean_abandoned(engine)
    settings = _with_calendar(settings)
    with engine.connect() as conn:
        as_of = as_of or latest_business_date(conn)
        inputs = load_inputs(conn, as_of, settings.history_days, clock, work_mem=settings.read_work_mem)
        if settings.model.exogenous:
            with clock("drivers"):
                inputs.panel = with_drivers(conn, inputs.panel, inputs.series, as_of, settings.model.horizon)
    n_series = inputs.n_series
    if n_series == 0:
        raise DataError(
            f"nothing to forecast as of {as_of}: no sales or stock in the last {settings.history_days} days"
        )
    run_id = runs.start(engine, as_of, executor, n_series, settings.model.model_dump_json())
    try:
        day = pd.Timestamp(as_of)
        context, batches = _prepare(inputs, day, settings, clock)
        del inputs  # the batches hold copies of their rows: let the whole panel go
        tally = _forecast_and_write(
            engine, settings, run_id, batches, context, day, executor, dask_scheduler, progress, clock
        )
        if tally.written != n_series:
            raise IncompleteRun(
                f"{tally.written:,} of {n_series:,} active series were forecast: run {run_id} not activated"
            )
        with clock("activate"):
            runs.activate(engine, run_id, tally.written)
    except BaseException as exc:
        runs.fail(engine, run_id, f"{type(exc).__name__}: {exc}")
        raise
    runs.prune(engine, settings.keep_runs)
    return ForecastRunSummary(run_id, as_of, tally.written, tally.fallbacks, tally.models, 0.0)


def run_forecast(
    engine: Engine,
    settings: ForecastSettings,
    *,
    as_of: dt.date | None = None,
    executor: str | None = None,
    dask_scheduler: str | None = None,
    progress: bool = True,
) -> ForecastRunSummary:
    """Forecast every active item × store, then activate the run atomically.

    Logs the wall time of each stage (read, panel, context, forecast, write,
    activate) at INFO, and returns it in the summary.

    Raises
    ------
    IncompleteRun
        When some active series got no forecast; the previous run stays current.
    """
    started = time.perf_counter()
    clock = StageClock()
    try:
        summary = _run(
            engine, settings, as_of, executor or settings.executor, dask_scheduler, progress, clock
        )
    finally:
        log.info("forecast run stages: %s", clock.render())
    return replace(summary, seconds=time.perf_counter() - started, stages=dict(clock.seconds))

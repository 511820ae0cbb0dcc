"""``run_forecast``: the nightly forecast, from the database back to the database."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from substitute.db.bulk import bulk_copy
from substitute.db.models import ForecastDay, SelloutRisk, table_of
from substitute.errors import DataError, SubstituteError
from substitute.nightly import runs
from substitute.nightly.executors import run_dask, run_local, split
from substitute.nightly.inputs import latest_business_date, load_inputs
from substitute.settings import ForecastSettings


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

    Raises
    ------
    IncompleteRun
        When some active series got no forecast; the previous run stays current.
    """
    started = time.perf_counter()
    executor = executor or settings.executor
    runs.clean_abandoned(engine)
    with engine.connect() as conn:
        as_of = as_of or latest_business_date(conn)
        inputs = load_inputs(conn, as_of, settings.history_days)
    if inputs.n_series == 0:
        raise DataError(
            f"nothing to forecast as of {as_of}: no sales or stock in the last {settings.history_days} days"
        )
    cfg = settings.model
    run_id = runs.start(engine, as_of, executor, inputs.n_series, cfg.model_dump_json())
    try:
        from tqdm import tqdm

        from substitute.forecast import compute_store_context

        day = pd.Timestamp(as_of)
        context = compute_store_context(inputs.panel, day, cfg)
        batches = split(inputs, settings.batch_series)
        if executor == "dask":
            results = run_dask(batches, day, cfg, context, dask_scheduler or settings.dask_scheduler)
        else:
            results = run_local(batches, day, cfg, context, settings.workers)
        written, fallbacks = 0, 0
        models: dict[str, int] = {}
        for result in tqdm(
            results, total=len(batches), unit=" batch", desc="forecast", disable=None if progress else True
        ):
            with engine.begin() as conn:
                daily = _daily_rows(result.daily)
                daily.insert(0, "run_id", run_id)
                bulk_copy(conn, table_of(ForecastDay), daily)
                series = _series_rows(result.series, cfg.stockout_window_days)
                series.insert(0, "run_id", run_id)
                bulk_copy(conn, table_of(SelloutRisk), series)
            written += len(series)
            fallbacks += int(series["fallback_reason"].notna().sum())
            for model, n in series["model"].value_counts().items():
                models[str(model)] = models.get(str(model), 0) + int(n)
        if written != inputs.n_series:
            raise IncompleteRun(
                f"{written:,} of {inputs.n_series:,} active series were forecast: run {run_id} not activated"
            )
        runs.activate(engine, run_id, written)
    except BaseException as exc:
        runs.fail(engine, run_id, f"{type(exc).__name__}: {exc}")
        raise
    runs.prune(engine, settings.keep_runs)
    return ForecastRunSummary(run_id, as_of, written, fallbacks, models, time.perf_counter() - started)

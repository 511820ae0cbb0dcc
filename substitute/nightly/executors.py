"""Where the forecasting core runs: local processes, or a Dask cluster.

The series are cut into batches (``forecast.batch_series``, at least 1,000 per
task so that Dask's per-task overhead stays small next to the work); every
batch gets the same store context, so results do not depend on the cut.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing import get_context

import numpy as np
import pandas as pd

from substitute.nightly.inputs import KEY, ForecastInputs


@dataclass(frozen=True)
class Batch:
    panel: pd.DataFrame
    positions: pd.DataFrame
    receipts: pd.DataFrame


def _series_of(frame: pd.DataFrame) -> tuple[np.ndarray, pd.MultiIndex]:
    """Each row's number among the frame's distinct series, and those series' keys.

    Distinct pairs are found on integer codes, so only they are looked up by
    text (the panel has millions of rows, a few thousand series per batch).
    """
    store_codes, stores = pd.factorize(frame[KEY[0]])
    sku_codes, skus = pd.factorize(frame[KEY[1]])
    width = max(len(skus), 1)
    pair_codes, pairs = pd.factorize(store_codes.astype(np.int64) * width + sku_codes)
    keys = pd.MultiIndex.from_arrays(
        [np.asarray(stores, dtype=object)[pairs // width], np.asarray(skus, dtype=object)[pairs % width]]
    )
    return pair_codes, keys


def split(inputs: ForecastInputs, batch_series: int) -> list[Batch]:
    """Cut the inputs into batches of about ``batch_series`` whole series."""
    index = pd.MultiIndex.from_frame(inputs.series[KEY])
    n_batches = max(1, -(-len(index) // batch_series))

    def batch_of(frame: pd.DataFrame) -> np.ndarray:
        if frame.empty:
            return np.zeros(0, dtype=np.int64)
        rows, keys = _series_of(frame)
        return (index.get_indexer(keys) // batch_series)[rows]  # -1: not a listed series

    parts = {
        name: batch_of(frame)
        for name, frame in (
            ("panel", inputs.panel),
            ("positions", inputs.positions),
            ("receipts", inputs.receipts),
        )
    }
    return [
        Batch(
            panel=inputs.panel[parts["panel"] == b],
            positions=inputs.positions[parts["positions"] == b],
            receipts=inputs.receipts[parts["receipts"] == b],
        )
        for b in range(n_batches)
    ]


def forecast_batch(batch: Batch, as_of: pd.Timestamp, config, context):  # type: ignore[no-untyped-def]
    """Run the core on one batch (in whichever process or worker it lands)."""
    from substitute.forecast import forecast_panel

    return forecast_panel(
        batch.panel, as_of, positions=batch.positions, receipts=batch.receipts, config=config, context=context
    )


def run_local(batches: list[Batch], as_of, config, context, workers: int) -> Iterator:  # type: ignore[no-untyped-def]
    """Yield results as batches finish, on ``workers`` processes (0 = every core)."""
    workers = workers or os.cpu_count() or 1
    if workers == 1 or len(batches) == 1:
        for batch in batches:
            yield forecast_batch(batch, as_of, config, context)
        return
    # spawn: children must not inherit the parent's database connections.
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        futures = [pool.submit(forecast_batch, b, as_of, config, context) for b in batches]
        for future in as_completed(futures):
            yield future.result()


def run_dask(batches: list[Batch], as_of, config, context, scheduler: str | None) -> Iterator:  # type: ignore[no-untyped-def]
    """Yield results from a Dask cluster: ``scheduler`` address, or a LocalCluster."""
    try:
        from distributed import Client, LocalCluster
        from distributed import as_completed as dask_completed
    except ModuleNotFoundError as exc:  # pragma: no cover - the extra is installed by make
        from substitute.errors import ConfigError

        raise ConfigError("the Dask executor needs the 'dask' extra: pip install 'substitute[dask]'") from exc
    cluster = (
        None
        if scheduler
        else LocalCluster(
            n_workers=min(len(batches), os.cpu_count() or 1),
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        )
    )
    with Client(scheduler or cluster) as client:
        shared = client.scatter([as_of, config, context], broadcast=True)
        futures = client.map(forecast_batch, batches, *[[s] * len(batches) for s in shared], pure=False)
        for future in dask_completed(futures):
            yield future.result()
    if cluster is not None:
        cluster.close()

"""The methods ours is compared with: plain baselines and statsforecast models.

statsforecast is a peer, not a dependency: it is imported only here, and a
missing install skips those rows with a message.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import pandas as pd

Baseline = Callable[[np.ndarray, int], np.ndarray]


def naive(train: np.ndarray, h: int) -> np.ndarray:
    return np.repeat(train[:, -1:], h, axis=1)


def seasonal_naive(train: np.ndarray, h: int) -> np.ndarray:
    reps = -(-h // 7)
    return np.tile(train[:, -7:], reps)[:, :h]


def mean_last_28(train: np.ndarray, h: int) -> np.ndarray:
    return np.repeat(train[:, -28:].mean(axis=1, keepdims=True), h, axis=1)


def zero(train: np.ndarray, h: int) -> np.ndarray:
    return np.zeros((train.shape[0], h))


BASELINES: dict[str, Baseline] = {
    "naive": naive,
    "seasonal_naive": seasonal_naive,
    "mean_last_28": mean_last_28,
    "zero": zero,
}


def statsforecast_runs(
    train: np.ndarray, dates: pd.DatetimeIndex, h: int, n_jobs: int, which: list[str]
) -> dict[str, tuple[np.ndarray, float]]:
    """Forecasts and wall times of statsforecast models on the dense training matrix.

    Each model is a separate ``StatsForecast.forecast`` call, so each wall
    time covers fit + forecast of that model alone (data frame building
    included, as a user would pay it).
    """
    try:
        from statsforecast import StatsForecast
        from statsforecast.models import IMAPA, TSB, AutoETS, CrostonSBA
    except ImportError:
        print("statsforecast is not installed: peer rows skipped (pip install statsforecast)")
        return {}
    makers = {
        "sf_AutoETS": lambda: AutoETS(season_length=7),
        "sf_TSB(0.1,0.1)": lambda: TSB(alpha_d=0.1, alpha_p=0.1),
        "sf_IMAPA": lambda: IMAPA(),
        "sf_CrostonSBA": lambda: CrostonSBA(),
    }
    n, t = train.shape
    out: dict[str, tuple[np.ndarray, float]] = {}
    for name in which:
        started = time.perf_counter()
        frame = pd.DataFrame(
            {
                "unique_id": np.repeat(np.arange(n), t),
                "ds": np.tile(dates.to_numpy(), n),
                "y": train.ravel(),
            }
        )
        sf = StatsForecast(models=[makers[name]()], freq="D", n_jobs=n_jobs)
        fc = sf.forecast(df=frame, h=h)
        values = fc.sort_values(["unique_id", "ds"]).iloc[:, -1].to_numpy().reshape(n, h)
        out[name] = (np.maximum(np.nan_to_num(values), 0.0), time.perf_counter() - started)
    return out

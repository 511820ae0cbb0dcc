"""What every vectorised smoother returns, and the helpers they share.

The smoothers in :mod:`~substitute.forecast.smoothing` and
:mod:`~substitute.forecast.intermittent` run one Python loop over days and
update the states of all series and all grid points at once: arrays of shape
``(n, G)`` for ``n`` series and ``G`` parameter combinations. Masked days are
skipped (the state is carried over), so stockout zeros never enter a state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class SmootherRun:
    """Result of one pass of a smoother over a panel.

    Attributes
    ----------
    level
        ``(n, G)`` final level: the flat, de-seasonalised daily forecast
        (multiply by the weekly profile for the forecast of a weekday).
    sse
        ``(n, G)`` in-sample one-step squared error over the scored days.
    n_scored
        ``(n,)`` number of scored days (the same for every grid point).
    season
        ``(n, G, 7)`` additive weekday states (additive Holt-Winters only).
    fitted
        ``(n, G, T)`` one-step forecasts on the original scale, NaN before a
        series starts; only when asked for.
    week_ahead
        ``(n, G, T)`` forecast of the total of the 7 days starting at ``t``,
        made before day ``t``; only when asked for.
    """

    level: FloatArray
    sse: FloatArray
    n_scored: IntArray
    season: FloatArray | None = None
    fitted: FloatArray | None = None
    week_ahead: FloatArray | None = None

    def pick(self, choice: IntArray) -> SmootherRun:
        """Keep one grid point per series: ``choice[i]`` for series ``i``."""
        rows = np.arange(self.level.shape[0])

        def take(a: FloatArray | None) -> FloatArray | None:
            return None if a is None else a[rows, choice][:, None]

        return SmootherRun(
            level=self.level[rows, choice][:, None],
            sse=self.sse[rows, choice][:, None],
            n_scored=self.n_scored,
            season=take(self.season),
            fitted=take(self.fitted),
            week_ahead=take(self.week_ahead),
        )


def grid_params(n: int, *params: ArrayLike) -> tuple[FloatArray, ...]:
    """Broadcast smoothing constants to ``(n, G)``.

    Each parameter is either a grid shared by all series, shape ``(G,)``, or
    one value (or grid) per series, shape ``(n, G)``.
    """
    arrays = [np.asarray(p, dtype=np.float64) for p in params]
    width = max(a.shape[-1] if a.ndim else 1 for a in arrays)
    out = []
    for a in arrays:
        if a.ndim == 0:
            a = np.full((1, width), float(a))
        elif a.ndim == 1:
            a = a[None, :]
        out.append(np.ascontiguousarray(np.broadcast_to(a, (n, width))))
    return tuple(out)


def first_demand_day(demand: FloatArray, use: BoolArray) -> IntArray:
    """Day index of each series' first usable day with demand (``T`` if none)."""
    hit = use & (demand > 0)
    idx = hit.argmax(axis=1).astype(np.int64)
    idx[~hit.any(axis=1)] = demand.shape[1]
    return idx


def usable_rank(use: BoolArray, start: IntArray) -> IntArray:
    """For each cell, how many usable days of the series precede it from ``start`` on."""
    width = use.shape[1]
    from_start = use & (np.arange(width)[None, :] >= start[:, None])
    return np.cumsum(from_start, axis=1) - from_start


def window_mean(
    values: FloatArray, use: BoolArray, start: IntArray, days: int
) -> tuple[FloatArray, IntArray]:
    """Mean of the first ``days`` usable values from ``start`` on, and how many there were."""
    width = use.shape[1]
    from_start = use & (np.arange(width)[None, :] >= start[:, None])
    rank = np.cumsum(from_start, axis=1)
    inside = from_start & (rank <= days)
    count = inside.sum(axis=1).astype(np.int64)
    total = np.where(inside, values, 0.0).sum(axis=1)
    return total / np.maximum(count, 1), count


def time_major(*arrays: NDArray[Any]) -> list[NDArray[Any]]:
    """``(n, T)`` arrays as contiguous ``(T, n)`` copies: the day loop reads one row per day."""
    return [np.ascontiguousarray(a.T) for a in arrays]


def best_choice(run: SmootherRun, default: int = 0) -> IntArray:
    """Grid point with the least in-sample error per series (``default`` if unscored)."""
    choice = np.argmin(run.sse, axis=1).astype(np.int64)
    choice[run.n_scored == 0] = default
    return choice

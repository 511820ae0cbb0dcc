"""Known calendar events (holidays): masked when learning, scaled or widened when forecasting.

A day of an event (New Year, the week before Lunar New Year...) is not an
ordinary day of its series, so the forecaster

* **masks** event days in the history: the level and the dispersion are
  learnt from ordinary days only, and a holiday spike does not lift the level
  of the weeks after it;
* **estimates** the effect of each event day type -- an event and an offset
  from its day 0, e.g. ``lunar_new_year-1`` for the eve -- when the history
  holds earlier occurrences: per occurrence, the ratio of the sales of all
  modelled series of the batch to what their models expected that day (the
  one-step forecast, which skipped the masked day), pooled on the log scale
  across occurrences with normal-normal empirical Bayes: a prior
  ``N(0, event_effect_sd^2)`` on the mean log effect and a between-occurrence
  spread ``event_repeat_sd`` (updated from the occurrences when there are
  several);
* **widens** the forecast of future event days by the predictive variance of
  the effect. The multiplier is lognormal: ``exp(N(m, v))``, mean
  ``exp(m + v / 2)``, relative variance ``exp(v) - 1``. An event never seen
  has ``m = 0`` -- a halving as likely as a doubling -- and the prior ``v``,
  so its probabilities stay calibrated instead of confident.

Effects are pooled across the series of a batch (one store-wide multiplier
per day type, and an effect can differ by item); batches of a thousand or more
series estimate it to within a few per cent.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field, model_validator

if TYPE_CHECKING:  # the settings import this module: keep pandas out of light imports
    import pandas as pd

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]

#: Expected units below which an occurrence says nothing about an effect.
MIN_EXPECTED_UNITS = 5.0
#: Weight, in occurrences, of the prior between-occurrence spread.
REPEAT_PRIOR_OCCURRENCES = 1.0


class Event(BaseModel):
    """One recurring event: its day 0 in every year known, and the days around it it covers."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    dates: tuple[dt.date, ...] = Field(min_length=1)
    first_offset: int = Field(default=0, ge=-60, le=60)
    last_offset: int = Field(default=0, ge=-60, le=60)

    @model_validator(mode="after")
    def _ordered(self) -> Event:
        if self.first_offset > self.last_offset:
            raise ValueError(f"event {self.name!r}: first_offset must not exceed last_offset")
        return self


def load_events(path: str | Path) -> tuple[Event, ...]:
    """Events of a TOML calendar: a list of ``[[event]]`` tables with :class:`Event`'s fields."""
    with Path(path).open("rb") as fh:
        data = tomllib.load(fh)
    return tuple(Event.model_validate(e) for e in data.get("event", []))


@dataclass(frozen=True)
class EventDays:
    """Which event day type each day is, over the history and the forecast days.

    Attributes
    ----------
    kind
        ``(T + D,)`` index into ``types``; -1 on an ordinary day.
    occurrence
        ``(T + D,)`` which occurrence (year) of the event the day belongs to.
    types
        ``(event name, offset)`` of every day type.
    n_history
        ``T``: days before it are history, the rest forecast days.
    """

    kind: IntArray
    occurrence: IntArray
    types: list[tuple[str, int]]
    n_history: int

    @property
    def history_mask(self) -> BoolArray:
        """``(T,)`` history days that belong to an event (masked when learning)."""
        return self.kind[: self.n_history] >= 0


def event_days(start: pd.Timestamp, n_history: int, n_future: int, events: tuple[Event, ...]) -> EventDays:
    """Lay the events on the ``n_history + n_future`` days from ``start`` (first listed wins)."""
    import pandas as pd

    total = n_history + n_future
    kind = np.full(total, -1, dtype=np.int64)
    occurrence = np.full(total, -1, dtype=np.int64)
    types: list[tuple[str, int]] = []
    origin = start.normalize()
    for event in events:
        for j, day0 in enumerate(event.dates):
            base = (pd.Timestamp(day0) - origin).days
            for offset in range(event.first_offset, event.last_offset + 1):
                t = base + offset
                if not 0 <= t < total or kind[t] >= 0:
                    continue
                key = (event.name, offset)
                if key not in types:
                    types.append(key)
                kind[t] = types.index(key)
                occurrence[t] = j
    return EventDays(kind=kind, occurrence=occurrence, types=types, n_history=n_history)


@dataclass(frozen=True)
class EventEffects:
    """Mean multiplier and its relative variance for every forecast day (1 and 0 on ordinary days)."""

    multiplier: FloatArray
    variance: FloatArray


def pooled_log_effect(logs: FloatArray, effect_sd: float, repeat_sd: float) -> tuple[float, float]:
    """Posterior mean of the log effect and the predictive variance of the next occurrence.

    ``logs`` are the log ratios of earlier occurrences. Normal-normal model:
    mean log effect ``~ N(0, effect_sd^2)``, occurrences scatter around it
    with variance ``tau^2`` whose prior ``repeat_sd^2`` counts as
    :data:`REPEAT_PRIOR_OCCURRENCES` occurrences.
    """
    s0 = effect_sd**2
    j = logs.size
    if j == 0:
        return 0.0, s0 + repeat_sd**2
    spread = float(((logs - logs.mean()) ** 2).sum())
    tau2 = (REPEAT_PRIOR_OCCURRENCES * repeat_sd**2 + spread) / (REPEAT_PRIOR_OCCURRENCES + j - 1)
    tau2 = max(tau2, 1e-12)
    precision = j / tau2 + (1.0 / s0 if s0 > 0 else np.inf)
    post_mean = float(logs.sum() / tau2 / precision) if np.isfinite(precision) else 0.0
    return post_mean, tau2 + 1.0 / precision


def estimate_effects(
    days: EventDays,
    demand: FloatArray,
    use: BoolArray,
    fitted: FloatArray,
    modelled: BoolArray,
    *,
    effect_sd: float,
    repeat_sd: float,
) -> EventEffects:
    """Effects of the event day types on the forecast days, from their earlier occurrences.

    Parameters
    ----------
    days
        The event calendar laid on the history and forecast days.
    demand, use
        ``(n, T)`` demand and the usable mask *before* event days were masked.
    fitted
        ``(n, T)`` one-step forecasts of the models (which skipped event days).
    modelled
        ``(n,)`` series whose ``fitted`` comes from a fitted model.
    effect_sd, repeat_sd
        Prior sd of an event's mean log effect, and of its year-to-year scatter.
    """
    t_hist = days.n_history
    future_kind = days.kind[t_hist:]
    multiplier = np.ones(future_kind.size)
    variance = np.zeros(future_kind.size)
    rows = np.flatnonzero(modelled)
    y = demand[rows]
    f = fitted[rows]
    ok = use[rows] & np.isfinite(f) & (f > 0)
    for k in np.unique(future_kind[future_kind >= 0]):
        logs = []
        for j in np.unique(days.occurrence[:t_hist][days.kind[:t_hist] == k]):
            cols = np.flatnonzero((days.kind[:t_hist] == k) & (days.occurrence[:t_hist] == j))
            sel = ok[:, cols]
            expected = float(np.where(sel, f[:, cols], 0.0).sum())
            if expected >= MIN_EXPECTED_UNITS:
                actual = float(np.where(sel, y[:, cols], 0.0).sum())
                logs.append(np.log(max(actual, 0.5) / expected))
        mean_log, pred_var = pooled_log_effect(np.asarray(logs), effect_sd, repeat_sd)
        at = future_kind == k
        multiplier[at] = np.exp(mean_log + pred_var / 2.0)  # lognormal mean
        variance[at] = np.expm1(pred_var)
    return EventEffects(multiplier=multiplier, variance=variance)

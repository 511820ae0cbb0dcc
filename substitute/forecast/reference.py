"""Deliberately plain per-series loops: the oracles of the vectorised smoothers.

Each function handles one series with scalar constants, in the most literal
form of the method, and follows the conventions documented in
:mod:`~substitute.forecast.intermittent` and
:mod:`~substitute.forecast.smoothing`. Tests check that the vectorised
versions give the same fitted paths and forecasts to ~1e-9. Nothing in the
nightly run calls these.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

HW_INIT_DAYS = 14
SES_INIT_DAYS = 7


@dataclass
class LoopResult:
    """Final flat level, in-sample SSE and the one-step fitted path (NaN before start)."""

    level: float
    sse: float
    fitted: list[float]


def _usable_days(demand: Sequence[float], use: Sequence[bool]) -> list[int]:
    return [t for t in range(len(demand)) if use[t]]


def croston_loop(
    demand: Sequence[float],
    use: Sequence[bool],
    alpha: float,
    *,
    variant: str = "croston",
    init: str = "mean",
    season: Sequence[float] | None = None,
) -> LoopResult:
    """Croston (1972) or SBA (Syntetos & Boylan 2005) on one series."""
    width = len(demand)
    s = [1.0] * width if season is None else list(season)
    days = _usable_days(demand, use)
    demand_days = [t for t in days if demand[t] > 0]
    fitted = [math.nan] * width
    if not demand_days:
        return LoopResult(0.0, 0.0, fitted)
    factor = 1.0 - alpha / 2.0 if variant == "sba" else 1.0
    first = demand_days[0]
    # position of each usable day among the usable days, 0-based
    position = {t: i for i, t in enumerate(days)}
    if init == "mean":
        sizes = [demand[t] / s[t] for t in demand_days]
        z = sum(sizes) / len(sizes)
        p = (position[demand_days[-1]] + 1) / len(demand_days)
        since = position[first]
        begin = first
    else:
        z = demand[first] / s[first]
        p = float(position[first] + 1)
        since = 0
        begin = first + 1
    sse = 0.0
    for t in range(begin, width):
        forecast = factor * z / p
        fitted[t] = forecast * s[t]
        if not use[t]:
            continue
        sse += (demand[t] - forecast * s[t]) ** 2
        since += 1
        if demand[t] > 0:
            z = z + alpha * (demand[t] / s[t] - z)
            p = p + alpha * (since - p)
            since = 0
    return LoopResult(factor * z / p, sse, fitted)


def tsb_loop(
    demand: Sequence[float],
    use: Sequence[bool],
    alpha: float,
    beta: float,
    *,
    init: str = "mean",
    season: Sequence[float] | None = None,
) -> LoopResult:
    """TSB (Teunter, Syntetos & Babai 2011) on one series."""
    width = len(demand)
    s = [1.0] * width if season is None else list(season)
    days = _usable_days(demand, use)
    demand_days = [t for t in days if demand[t] > 0]
    fitted = [math.nan] * width
    if not demand_days:
        return LoopResult(0.0, 0.0, fitted)
    position = {t: i for i, t in enumerate(days)}
    first = demand_days[0]
    if init == "mean":
        sizes = [demand[t] / s[t] for t in demand_days]
        z = sum(sizes) / len(sizes)
        prob = len(demand_days) / (position[demand_days[-1]] + 1)
        begin = first
    else:
        z = demand[first] / s[first]
        prob = 1.0 / (position[first] + 1)
        begin = first + 1
    sse = 0.0
    for t in range(begin, width):
        fitted[t] = prob * z * s[t]
        if not use[t]:
            continue
        sse += (demand[t] - prob * z * s[t]) ** 2
        occurred = 1.0 if demand[t] > 0 else 0.0
        prob = prob + beta * (occurred - prob)
        if demand[t] > 0:
            z = z + alpha * (demand[t] / s[t] - z)
    return LoopResult(prob * z, sse, fitted)


def ses_loop(
    demand: Sequence[float],
    use: Sequence[bool],
    alpha: float,
    *,
    season: Sequence[float] | None = None,
) -> LoopResult:
    """Simple exponential smoothing of de-seasonalised demand on one series."""
    width = len(demand)
    s = [1.0] * width if season is None else list(season)
    days = _usable_days(demand, use)
    demand_days = [t for t in days if demand[t] > 0]
    fitted = [math.nan] * width
    if not demand_days:
        return LoopResult(0.0, 0.0, fitted)
    first = demand_days[0]
    window = [t for t in days if t >= first][:SES_INIT_DAYS]
    level = sum(demand[t] / s[t] for t in window) / len(window)
    sse = 0.0
    for t in range(first, width):
        fitted[t] = level * s[t]
        if not use[t]:
            continue
        sse += (demand[t] - level * s[t]) ** 2
        level = level + alpha * (demand[t] / s[t] - level)
    return LoopResult(level, sse, fitted)


def holt_winters_additive_loop(
    demand: Sequence[float],
    use: Sequence[bool],
    dow: Sequence[int],
    alpha: float,
    gamma: float,
) -> tuple[LoopResult, list[float]]:
    """ETS(A,N,A) with a weekly season on one series; also returns the weekday states."""
    width = len(demand)
    days = _usable_days(demand, use)
    demand_days = [t for t in days if demand[t] > 0]
    fitted = [math.nan] * width
    if not demand_days:
        return LoopResult(0.0, 0.0, fitted), [0.0] * 7
    first = demand_days[0]
    window = [t for t in days if t >= first][:HW_INIT_DAYS]
    level = sum(demand[t] for t in window) / len(window)
    season = []
    for k in range(7):
        values = [demand[t] for t in window if dow[t] == k]
        season.append(sum(values) / len(values) - level if values else 0.0)
    centre = sum(season) / 7
    season = [v - centre for v in season]
    sse = 0.0
    for t in range(first, width):
        k = dow[t]
        raw = level + season[k]
        fitted[t] = max(raw, 0.0)
        if not use[t]:
            continue
        sse += (demand[t] - max(raw, 0.0)) ** 2
        err = demand[t] - raw
        level = level + alpha * err
        season[k] = season[k] + gamma * err
    return LoopResult(level, sse, fitted), season

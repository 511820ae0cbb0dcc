"""Sellout forecasting: demand from censored sales, per-series models, stockout risk.

The pure forecasting core, without a database::

    from substitute.forecast import forecast_panel
    result = forecast_panel(panel, as_of="2024-05-31", positions=positions)
    result.daily    # store_id, sku, date, mean, q50, q90, q95, q975, model
    result.series   # store_id, sku, model, fallback_reason, demand_class,
                    # p_stockout_before_receipt, p_stockout_within_7d,
                    # expected_sellout_date, days_of_cover, reorder_qty, ...

Where things live (one idea per module):

==================  ==========================================================
``panel``           long table -> dense series x days arrays with masks
``censoring``       stockout days are censored demand, not zeros
``context``         store outage days and weekly profiles, shared by batches
``classify``        smooth / erratic / intermittent / lumpy (ADI, CV²)
``smoothing``       vectorised SES (weekly profile) and additive Holt-Winters
``intermittent``    vectorised Croston, SBA, TSB
``reference``       plain per-series loops: the oracles of the two above
``naive``           zero, mean, seasonal naive: benchmarks and fallbacks
``ets``             per-series statsmodels ExponentialSmoothing (optional)
``calendar``        known events (holidays): masked, estimated or widened
``exogenous``       promotion, price and heat effects, kept where they pay
``policy``          which model each series gets, and why
``dispersion``      NB dispersion and level uncertainty from residuals
``distribution``    daily NB quantiles, moment-matched sums
``inventory``       stockout probabilities, sellout dates, cover, reorder qty
``engine``          :func:`forecast_panel`, the single entry point
==================  ==========================================================

Importing this package is cheap: names are loaded on first use, and
statsmodels only when the ``statsmodels`` smoother is asked for.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from substitute.forecast.config import ForecastConfig
    from substitute.forecast.context import StoreContext
    from substitute.forecast.engine import compute_store_context, forecast_panel
    from substitute.forecast.result import ForecastResult

__all__ = [
    "ForecastConfig",
    "ForecastResult",
    "StoreContext",
    "compute_store_context",
    "forecast_panel",
]

_HOMES = {
    "ForecastConfig": "substitute.forecast.config",
    "ForecastResult": "substitute.forecast.result",
    "StoreContext": "substitute.forecast.context",
    "compute_store_context": "substitute.forecast.engine",
    "forecast_panel": "substitute.forecast.engine",
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'substitute.forecast' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)

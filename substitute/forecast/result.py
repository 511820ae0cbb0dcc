"""The two output tables of a forecast run and the object that carries them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from substitute.forecast import columns as C
from substitute.forecast.config import ForecastConfig
from substitute.forecast.context import StoreContext

if TYPE_CHECKING:
    from substitute.forecast.inventory import InventoryRisk, Positions
    from substitute.forecast.policy import ChunkForecast

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class ForecastResult:
    """What :func:`~substitute.forecast.forecast_panel` returns.

    Attributes
    ----------
    daily
        One row per series and forecast day: ``store_id, sku, date, mean,
        q50, q90, q95, q975, model`` (quantile columns follow
        ``config.quantiles``). ``store_id``, ``sku`` and ``model`` are
        categoricals.
    series
        One row per series: ``store_id, sku, model, fallback_reason,
        demand_class, p_stockout_before_receipt, p_stockout_within_7d,
        expected_sellout_date, days_of_cover, reorder_qty`` and diagnostics
        (``params, flags, adi, cv2, n_observed_days, n_censored_days,
        est_lost_units, dispersion, level_uncertainty, on_hand,
        next_receipt_date, median_sellout_date, order_up_to``). Inventory
        columns are NaN/NaT for series without a position.
    as_of
        Last day of history.
    config
        The effective configuration.
    context
        The store context used (outage days, weekly profiles).
    """

    daily: pd.DataFrame
    series: pd.DataFrame
    as_of: pd.Timestamp
    config: ForecastConfig
    context: StoreContext


def _categorical(values: pd.Series | NDArray[np.object_], codes: NDArray[np.int64]) -> pd.Categorical:
    cats = pd.Index(pd.unique(np.asarray(values, dtype=object)))
    return pd.Categorical.from_codes(cats.get_indexer(np.asarray(values, dtype=object))[codes], cats)


def daily_table(
    keys: pd.DataFrame,
    as_of: pd.Timestamp,
    mean: FloatArray,
    quantile_values: dict[float, FloatArray],
    model: NDArray[np.object_],
) -> pd.DataFrame:
    """Long daily table from ``(n, H)`` arrays."""
    n, h = mean.shape
    rows = np.repeat(np.arange(n), h)
    dates = pd.date_range(as_of + pd.Timedelta(days=1), periods=h, freq="D")
    data: dict[str, object] = {
        C.STORE_ID: _categorical(keys[C.STORE_ID], rows),
        C.SKU: _categorical(keys[C.SKU], rows),
        C.DATE: np.tile(dates.to_numpy(), n),
        C.MEAN: mean.ravel(),
    }
    for q, values in quantile_values.items():
        data[C.quantile_column(q)] = values.ravel()
    data[C.MODEL] = _categorical(model, rows)
    return pd.DataFrame(data)


def _day_to_date(as_of: pd.Timestamp, day: FloatArray) -> pd.Series:
    days = pd.to_timedelta(pd.Series(day), unit="D")
    return pd.Series(as_of + days, dtype="datetime64[ns]")


def series_table(
    keys: pd.DataFrame,
    as_of: pd.Timestamp,
    fc: ChunkForecast,
    risk: InventoryRisk,
    positions: Positions,
    cfg: ForecastConfig,
) -> pd.DataFrame:
    """One row per series: model, reason, class, risks and diagnostics."""
    nr = positions.next_receipt_day.astype(np.float64)
    nr[nr <= 0] = np.nan
    within = C.P_STOCKOUT_WITHIN.format(days=cfg.stockout_window_days)
    return pd.DataFrame(
        {
            C.STORE_ID: keys[C.STORE_ID].to_numpy(),
            C.SKU: keys[C.SKU].to_numpy(),
            C.MODEL: fc.model,
            C.FALLBACK_REASON: fc.reason,
            C.DEMAND_CLASS: fc.demand_class,
            C.P_STOCKOUT_BEFORE_RECEIPT: risk.p_before_receipt,
            within: risk.p_within,
            C.EXPECTED_SELLOUT_DATE: _day_to_date(as_of, risk.expected_sellout_day),
            C.DAYS_OF_COVER: risk.days_of_cover,
            C.REORDER_QTY: risk.reorder_qty,
            C.MEDIAN_SELLOUT_DATE: _day_to_date(as_of, risk.median_sellout_day),
            C.ORDER_UP_TO: risk.order_up_to,
            C.ON_HAND: positions.on_hand,
            C.NEXT_RECEIPT_DATE: _day_to_date(as_of, nr),
            C.PARAMS: fc.params,
            C.FLAGS: fc.flags,
            C.ADI: fc.adi,
            C.CV2: fc.cv2,
            C.N_OBSERVED_DAYS: fc.n_observed,
            C.N_CENSORED_DAYS: fc.n_censored,
            C.EST_LOST_UNITS: fc.lost_units,
            C.DISPERSION: fc.phi,
            C.LEVEL_UNCERTAINTY: fc.kappa,
        }
    )

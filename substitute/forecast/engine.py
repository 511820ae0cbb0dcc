"""The single entry point: a daily sales panel in, forecasts and stockout risks out.

:func:`forecast_panel` runs on whatever series it is given and needs no
database. The nightly run splits the series of a retailer into batches (e.g.
>= 1,000 series per Dask task) and calls it once per batch; a batch's result
depends only on its own series and on the :class:`StoreContext` it is handed,
so to get the same numbers as one big run, compute the context once with
:func:`compute_store_context` on the whole panel and pass it to every batch
(Monte Carlo probabilities across a receipt then agree within simulation
error). Inside a call, series are processed in chunks of
``config.chunk_series`` to bound memory.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from substitute.forecast import columns as C
from substitute.forecast.config import ForecastConfig
from substitute.forecast.context import StoreContext, store_context
from substitute.forecast.distribution import day_variance, quantiles, window_dispersion
from substitute.forecast.exogenous import panel_drivers
from substitute.forecast.inventory import align_positions, inventory_risk
from substitute.forecast.panel import SeriesPanel, build_panel, to_day
from substitute.forecast.policy import ChunkForecast, forecast_chunk
from substitute.forecast.result import ForecastResult, daily_table, series_table


def _config(config: ForecastConfig | dict[str, Any] | None, horizon: int | None) -> ForecastConfig:
    if config is None:
        cfg = ForecastConfig()
    elif isinstance(config, dict):
        cfg = ForecastConfig(**config)
    else:
        cfg = config
    if horizon is not None and horizon != cfg.horizon:
        cfg = cfg.model_copy(update={"horizon": int(horizon)})
        ForecastConfig.model_validate(cfg.model_dump())
    return cfg


def _build(
    panel: pd.DataFrame, as_of: object, cfg: ForecastConfig, extra: pd.DataFrame | None
) -> SeriesPanel:
    return build_panel(
        panel,
        as_of,
        history_days=cfg.history_days,
        missing_rows=cfg.missing_rows,
        censor_low_sales_share=cfg.censor_low_sales_share,
        extra_keys=extra,
    )


def compute_store_context(
    panel: pd.DataFrame, as_of: object, config: ForecastConfig | dict[str, Any] | None = None
) -> StoreContext:
    """Store outage days and weekly profiles from a whole panel, to share across batches."""
    cfg = _config(config, None)
    sp = _build(panel, as_of, cfg, None)
    return store_context(sp, outage_share=cfg.outage_share, outage_min_series=cfg.outage_min_series)


def _concat(parts: list[ChunkForecast]) -> ChunkForecast:
    fields = ChunkForecast.__dataclass_fields__
    return ChunkForecast(**{f: np.concatenate([getattr(p, f) for p in parts]) for f in fields})


def forecast_panel(
    panel: pd.DataFrame,
    as_of: object,
    horizon: int | None = None,
    *,
    positions: pd.DataFrame | None = None,
    receipts: pd.DataFrame | None = None,
    config: ForecastConfig | dict[str, Any] | None = None,
    context: StoreContext | None = None,
) -> ForecastResult:
    """Forecast daily demand and stockout risk for every series of a panel.

    Parameters
    ----------
    panel
        Long daily table ``store_id, sku, date, sales`` with optional
        ``on_hand``, ``stockout``, and the drivers ``promo``, ``price``,
        ``temperature_c`` and ``group`` read when ``config.exogenous`` asks
        for them (see :mod:`substitute.forecast.exogenous`). Rows after
        ``as_of`` are read for their drivers only.
    as_of
        Last day of history; the forecast covers the ``horizon`` days after it.
    horizon
        Days to forecast (overrides ``config.horizon``).
    positions
        Inventory positions ``store_id, sku, on_hand``, optionally
        ``lead_time_days``, ``review_period_days`` and ``receipts`` (a list of
        ``(date, qty)`` per row). Series here without sales history still get
        a forecast (``no_history``).
    receipts
        Alternatively, receipts as a long table ``store_id, sku, date, qty``.
    config
        A :class:`ForecastConfig` or a dict of its fields.
    context
        Store context shared across batches (see :func:`compute_store_context`).

    Returns
    -------
    ForecastResult
        ``daily``: ``store_id, sku, date, mean, q50, q90, q95, q975, model``;
        ``series``: one row per series with the model, the reason of any
        fallback, the demand class, stockout probabilities, sellout dates,
        days of cover and the reorder quantity.

    Raises
    ------
    DataError
        When a required column is missing or dates cannot be read. Odd
        *series* (no history, all zeros, negative net sales...) never raise:
        they get a fallback forecast and a recorded reason.
    """
    cfg = _config(config, horizon)
    end = to_day(as_of)
    extra = positions[list(C.SERIES_KEY)] if positions is not None and len(positions) else None
    sp = _build(panel, end, cfg, extra)
    ctx = context or store_context(sp, outage_share=cfg.outage_share, outage_min_series=cfg.outage_min_series)
    pos = align_positions(
        sp.keys,
        end,
        positions,
        receipts,
        days=cfg.max_cover_days,
        lead_time_days=cfg.lead_time_days,
        review_period_days=cfg.review_period_days,
    )
    span = int((pos.lead_time + pos.review_period).max()) if sp.n_series else 0
    next_receipt = int(pos.next_receipt_day.max()) if sp.n_series else 0
    days = max(cfg.horizon, cfg.stockout_window_days, span, min(next_receipt, cfg.max_cover_days))
    drivers = panel_drivers(panel, sp, days, cfg) if cfg.exogenous else None
    chunks = [slice(i, i + cfg.chunk_series) for i in range(0, sp.n_series, cfg.chunk_series)]
    parts = [forecast_chunk(sp.take(s), ctx, cfg, days, drivers and drivers.take(s)) for s in chunks]
    if not parts:
        parts = [forecast_chunk(sp, ctx, cfg, days)]
    fc = _concat(parts)
    h = cfg.horizon
    mu_h = fc.mean[:, :h]
    var_h = day_variance(mu_h, fc.phi[:, None], fc.kappa[:, None], fc.event_var[:, :h])
    # inventory_risk takes (n,) parameters: match the stockout window's event-aware variance
    phi_w, kappa_w = window_dispersion(fc.mean, fc.phi, fc.kappa, fc.event_var, cfg.stockout_window_days)
    qs = {q: quantiles(mu_h, var_h, q) for q in cfg.quantiles}
    risk = inventory_risk(
        fc.mean,
        phi_w,
        kappa_w,
        pos,
        horizon=h,
        window=cfg.stockout_window_days,
        service_level=cfg.service_level,
        max_cover_days=cfg.max_cover_days,
        n_sims=cfg.n_simulations,
        seed=cfg.seed,
    )
    return ForecastResult(
        daily=daily_table(sp.keys, end, mu_h, qs, fc.model),
        series=series_table(sp.keys, end, fc, risk, pos, cfg),
        as_of=end,
        config=cfg,
        context=ctx,
    )

"""Which model each series gets, and why: the forecast of one chunk of series.

The rules, in order (the first that applies wins; every fallback records its
reason):

1. no row at all                      -> ``zero``, reason ``no_history``
2. no usable day (all censored/masked) -> mean sales of the censored days (a
   lower bound of demand), ``censored_sales_mean``
3. usable days but never a sale       -> ``zero``, reason ``all_zero``
4. fewer than 7 usable days (launched
   days ago)                           -> ``mean_observed``, ``short_history``
5. a single sale in a longer history   -> ``mean_observed``, reason ``one_sale``
6. fewer than ``min_history_days``     -> ``seasonal_naive`` (smooth/erratic)
                                          or ``mean_observed``, ``short_history``
7. smooth / erratic                    -> ``config.smooth_method``
8. intermittent / lumpy                -> best of ``config.intermittent_methods``

A model whose fit fails or is not finite falls back to ``seasonal_naive``
with the failure as reason. ``mean_observed`` and the smoothers forecast a
flat level times the series' weekly profile.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from substitute.forecast import classify as K
from substitute.forecast.calendar import estimate_effects, event_days
from substitute.forecast.censoring import lost_units
from substitute.forecast.config import ForecastConfig
from substitute.forecast.context import (
    CLOSED_DAY_FACTOR,
    StoreContext,
    outage_mask,
    series_profiles,
)
from substitute.forecast.dispersion import estimate_dispersion
from substitute.forecast.exogenous import Drivers, adjust_chunk
from substitute.forecast.intermittent import croston, tsb
from substitute.forecast.naive import mean_observed, seasonal_naive
from substitute.forecast.panel import SeriesPanel
from substitute.forecast.rowstats import masked_row_mean, masked_row_quantiles
from substitute.forecast.smoother_run import SmootherRun, best_choice, first_demand_day
from substitute.forecast.smoothing import holt_winters_additive, ses

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]
ObjArray = NDArray[np.object_]

ZERO = "zero"
MEAN_OBSERVED = "mean_observed"
SEASONAL_NAIVE = "seasonal_naive"
CENSORED_SALES_MEAN = "censored_sales_mean"
ETS_STATSMODELS = "ets_statsmodels"
MIN_WINSOR_DAYS = 4
#: Residuals of the last year say how uncertain the next weeks are; older ones
#: describe another regime and cost time at M5 scale.
DISPERSION_DAYS = 364


@dataclass(frozen=True)
class ChunkForecast:
    """Forecasts and diagnostics of one chunk of ``m`` series over ``D`` days."""

    mean: FloatArray
    phi: FloatArray
    kappa: FloatArray
    model: ObjArray
    reason: ObjArray
    params: ObjArray
    demand_class: ObjArray
    adi: FloatArray
    cv2: FloatArray
    n_observed: IntArray
    n_censored: IntArray
    lost_units: FloatArray
    flags: ObjArray
    event_var: FloatArray  # (m, D) relative variance of calendar event effects


def _winsorize(demand: FloatArray, use: BoolArray, fence: float | None) -> tuple[FloatArray, IntArray]:
    """Clip spikes above ``max(Q3 + fence * IQR, 2 * Q3)`` of each series' selling days."""
    if fence is None:
        return demand, np.zeros(demand.shape[0], dtype=np.int64)
    selling = use & (demand > 0)
    q = masked_row_quantiles(demand, selling, (0.25, 0.75))
    cap = np.maximum(q[:, 1] + fence * (q[:, 1] - q[:, 0]), 2.0 * q[:, 1])
    cap = np.where(selling.sum(axis=1) >= MIN_WINSOR_DAYS, cap, np.inf)
    clipped = selling & (demand > cap[:, None])
    return np.minimum(demand, cap[:, None]), clipped.sum(axis=1)


def _grid(*axes: tuple[float, ...]) -> list[NDArray[np.float64]]:
    mesh = np.meshgrid(*[np.asarray(a, dtype=np.float64) for a in axes], indexing="ij")
    return [m.ravel() for m in mesh]


@dataclass(frozen=True)
class _Fit:
    run: SmootherRun  # one grid point per series, with paths
    params: list[str]


def _fit_family(
    method: str,
    y: FloatArray,
    use: BoolArray,
    season: FloatArray,
    dow: IntArray,
    cfg: ForecastConfig,
) -> _Fit:
    """Grid pass, per-series choice by in-sample one-step SSE, then a pass with paths."""
    if method == "ses":
        (a,) = _grid(cfg.alphas)
        run = ses(y, use, alpha=a, season=season)
        c = best_choice(run, default=len(a) // 2)
        final = ses(y, use, alpha=a[c][:, None], season=season, return_paths=True)
        return _Fit(final, [f"alpha={v:g}" for v in a[c]])
    if method == "hw_additive":
        a, g = _grid(cfg.alphas, cfg.gammas)
        run = holt_winters_additive(y, use, dow, alpha=a, gamma=g)
        c = best_choice(run, default=len(a) // 2)
        final = holt_winters_additive(
            y, use, dow, alpha=a[c][:, None], gamma=g[c][:, None], return_paths=True
        )
        return _Fit(final, [f"alpha={u:g},gamma={v:g}" for u, v in zip(a[c], g[c], strict=True)])
    if method == "tsb":
        a, b = _grid(cfg.tsb_alphas, cfg.tsb_betas)
        run = tsb(y, use, alpha=a, beta=b, init=cfg.croston_init, season=season)
        c = best_choice(run, default=len(a) // 2)
        final = tsb(
            y,
            use,
            alpha=a[c][:, None],
            beta=b[c][:, None],
            init=cfg.croston_init,
            season=season,
            return_paths=True,
        )
        return _Fit(final, [f"alpha={u:g},beta={v:g}" for u, v in zip(a[c], b[c], strict=True)])
    if method in ("croston", "sba"):
        (a,) = _grid(cfg.alphas)
        variant: Literal["croston", "sba"] = "sba" if method == "sba" else "croston"
        run = croston(y, use, alpha=a, variant=variant, init=cfg.croston_init, season=season)
        c = best_choice(run, default=len(a) // 2)
        final = croston(
            y,
            use,
            alpha=a[c][:, None],
            variant=variant,
            init=cfg.croston_init,
            season=season,
            return_paths=True,
        )
        return _Fit(final, [f"alpha={v:g}" for v in a[c]])
    raise ValueError(f"unknown method {method!r}")


def _flags(panel: SeriesPanel, cfg: ForecastConfig, outage_days: IntArray, clipped: IntArray) -> ObjArray:
    q = panel.quality
    missing_word = "as_zero" if cfg.missing_rows == "zero" else "masked"
    parts: list[tuple[str, IntArray]] = [
        (f"missing_rows_{missing_word}", q.missing_rows),
        ("negative_sales_masked", q.negative_days),
        ("invalid_sales_masked", q.invalid_sales_days),
        ("duplicate_rows_summed", q.duplicate_days),
        ("censored_days", q.censored_days),
        ("outage_days_masked", outage_days),
        ("spikes_clipped", clipped),
    ]
    out = np.empty(panel.n_series, dtype=object)
    for i in range(panel.n_series):
        out[i] = ",".join(f"{name}={int(v[i])}" for name, v in parts if v[i] > 0) or None
    return out


@dataclass
class _Outputs:
    """Per-series results of a chunk, filled in by the rules and the fits."""

    level: FloatArray  # flat de-seasonalised level
    mean: FloatArray  # (m, D), used where uses_level is False
    fitted: FloatArray  # (m, T) one-step forecasts
    week: FloatArray  # (m, T) week-ahead totals
    model: ObjArray
    reason: ObjArray
    params: ObjArray
    uses_level: BoolArray  # mean = level * weekly profile
    estimated: BoolArray  # dispersion estimated from this model's residuals

    @classmethod
    def empty(cls, m: int, width: int, days: int) -> _Outputs:
        return cls(
            level=np.zeros(m),
            mean=np.zeros((m, days)),
            fitted=np.full((m, width), np.nan),
            week=np.full((m, width), np.nan),
            model=np.full(m, ZERO, dtype=object),
            reason=np.full(m, None, dtype=object),
            params=np.full(m, None, dtype=object),
            uses_level=np.ones(m, dtype=bool),
            estimated=np.zeros(m, dtype=bool),
        )

    def seasonal_naive(
        self,
        rows: IntArray,
        demand: FloatArray,
        use: BoolArray,
        dow: IntArray,
        future_dow: IntArray,
        why: str | list[str] | None,
    ) -> None:
        """Give ``rows`` (with their ``demand``/``use`` rows) the seasonal naive forecast."""
        sn, _ = seasonal_naive(demand, use, dow, future_dow)
        self.mean[rows] = sn
        self.model[rows] = SEASONAL_NAIVE
        if why is not None:
            self.reason[rows] = why if isinstance(why, str) else np.asarray(why, dtype=object)
        self.uses_level[rows] = False
        self.estimated[rows] = False


def forecast_chunk(
    panel: SeriesPanel,
    context: StoreContext,
    cfg: ForecastConfig,
    days: int,
    drivers: Drivers | None = None,
) -> ChunkForecast:
    """Forecast ``days`` days after ``panel.as_of`` for every series of ``panel``.

    ``drivers`` (the chunk's rows of :func:`~substitute.forecast.exogenous.panel_drivers`)
    adjust the fitted models for ``cfg.exogenous`` effects.
    """
    m, width = panel.n_series, panel.n_days
    dow = panel.dates.dayofweek.to_numpy().astype(np.int64)
    future_dow = ((int(dow[-1]) + 1 + np.arange(days)) % 7).astype(np.int64)

    outage = outage_mask(panel, context)
    usable = panel.observed & ~outage
    demand = panel.demand
    y_fit, clipped = _winsorize(demand, usable, cfg.winsor_fence)
    # Promotion days say nothing about the weekly rhythm: promotions that keep
    # falling on the same weekdays would otherwise lift those weekdays' profile.
    promotion_days = drivers.set_aside() if drivers is not None else np.False_
    profile = series_profiles(panel, y_fit, usable & ~promotion_days, context, cfg.profile_shrinkage)
    season = profile[:, dow]
    events = event_days(panel.start, width, days, cfg.events)
    use = usable & (season >= CLOSED_DAY_FACTOR) & ~events.history_mask[None, :]
    classes = K.classify(demand, use)
    learn = use & ~promotion_days  # the base model learns regular demand
    out = _Outputs.empty(m, width, days)

    n_obs, n_nz, label = classes.n_observed, classes.n_nonzero, classes.label
    never_listed = panel.first_day >= width
    smoothish = np.isin(label, (K.SMOOTH, K.ERRATIC))
    pending = np.ones(m, dtype=bool)
    flat = mean_observed(demand, use)

    def settle(rows: BoolArray, name: str, why: str | None, lvl: FloatArray | None) -> None:
        out.model[rows] = name
        if why is not None:
            out.reason[rows] = why
        if lvl is not None:
            out.level[rows] = lvl[rows]
        pending[rows] = False

    settle(never_listed, ZERO, "no_history", None)
    censored_only = pending & (n_obs == 0)
    if censored_only.any():
        lower = np.nan_to_num(masked_row_mean(demand, panel.censored & (demand > 0)))
        settle(
            censored_only,
            CENSORED_SALES_MEAN,
            "censored_only: no usable day, every listed day was out of stock or masked",
            lower,
        )
    settle(pending & (n_nz == 0), ZERO, "all_zero", None)
    short = pending & (n_obs < cfg.min_history_days)
    for i in np.flatnonzero(short):
        out.reason[i] = f"short_history: {int(n_obs[i])} usable days < {cfg.min_history_days}"
    settle(short & (n_obs < 7), MEAN_OBSERVED, None, flat)
    short &= pending
    settle(pending & ~short & (n_nz == 1), MEAN_OBSERVED, "one_sale", flat)
    short_smooth = short & smoothish
    if short_smooth.any():
        rows = np.flatnonzero(short_smooth)
        out.seasonal_naive(rows, demand[rows], use[rows], dow, future_dow, None)
        pending[rows] = False
    settle(short & ~short_smooth, MEAN_OBSERVED, None, flat)

    for rows_mask, methods in (
        (pending & smoothish, (cfg.smooth_method,)),
        (pending & ~smoothish, tuple(cfg.intermittent_methods)),
    ):
        rows = np.flatnonzero(rows_mask)
        if rows.size:
            _fit_rows(rows, methods, demand, y_fit, learn, season, dow, future_dow, cfg, days, out)

    lvl = out.uses_level
    out.mean[lvl] = out.level[lvl, None] * profile[lvl][:, future_dow]
    mean = np.where(np.isfinite(out.mean), np.maximum(out.mean, 0.0), 0.0)
    need_path = ~out.estimated
    out.fitted[need_path] = out.level[need_path, None] * season[need_path]
    if drivers is not None:
        fx = adjust_chunk(demand, use, out.fitted, out.estimated, drivers, cfg)
        mean, out.fitted = mean * fx.future, out.fitted * fx.past
        out.model, out.params = fx.label(out.model, out.params, drivers.group)
    sd = {"effect_sd": cfg.event_effect_sd, "repeat_sd": cfg.event_repeat_sd}
    effects = estimate_effects(events, demand, usable, out.fitted, out.estimated, **sd)
    mean = mean * effects.multiplier[None, :]
    phi = np.full(m, cfg.prior_dispersion)
    kappa = np.full(m, cfg.fallback_level_uncertainty)
    if out.estimated.any():
        rows = np.flatnonzero(out.estimated)
        recent = slice(max(0, width - DISPERSION_DAYS), width)
        disp = estimate_dispersion(
            demand[rows, recent],
            use[rows, recent],
            out.fitted[rows, recent],
            out.week[rows, recent],
            prior_phi=cfg.prior_dispersion,
            prior_kappa=cfg.prior_level_uncertainty,
        )
        phi[rows] = disp.phi
        kappa[rows] = disp.kappa
    listed = np.arange(width)[None, :] >= panel.first_day[:, None]
    return ChunkForecast(
        mean=mean,
        phi=phi,
        kappa=kappa,
        model=out.model,
        reason=out.reason,
        params=out.params,
        demand_class=label,
        adi=classes.adi,
        cv2=classes.cv2,
        n_observed=n_obs,
        n_censored=panel.quality.censored_days,
        lost_units=lost_units(demand, out.fitted, panel.censored),
        flags=_flags(panel, cfg, (outage & listed).sum(axis=1), clipped),
        event_var=np.broadcast_to(effects.variance, mean.shape).copy(),
    )


def _fit_rows(
    rows: IntArray,
    methods: tuple[str, ...],
    demand: FloatArray,
    y_fit: FloatArray,
    use: BoolArray,
    season: FloatArray,
    dow: IntArray,
    future_dow: IntArray,
    cfg: ForecastConfig,
    days: int,
    out: _Outputs,
) -> None:
    """Fit ``methods`` to ``rows``, keep the best per series, write into ``out``."""
    y, u, s = y_fit[rows], use[rows], season[rows]
    if methods == ("statsmodels",):
        _fit_statsmodels(rows, demand[rows], y, u, s, dow, future_dow, cfg, days, out)
        return
    fits = {name: _fit_family(name, y, u, s, dow, cfg) for name in methods}
    names = list(fits)
    sse = np.stack([fits[name].run.sse[:, 0] for name in names], axis=1)
    pick = np.argmin(sse, axis=1)
    for j, name in enumerate(names):
        sel = pick == j
        if not sel.any():
            continue
        fit = fits[name]
        run = fit.run
        r = rows[sel]
        lv = run.level[sel, 0]
        ok = np.isfinite(lv)
        if run.season is not None:  # additive Holt-Winters: its own weekday states
            seas = run.season[sel, 0]
            ok &= np.isfinite(seas).all(axis=1)
            out.mean[r] = np.maximum(lv[:, None] + seas[:, future_dow], 0.0)
            out.uses_level[r] = False
        out.level[r] = lv
        if run.fitted is not None and run.week_ahead is not None:
            out.fitted[r] = run.fitted[sel, 0]
            out.week[r] = run.week_ahead[sel, 0]
        out.model[r] = name
        out.params[r] = np.asarray(fit.params, dtype=object)[sel]
        out.estimated[r] = True
        if not ok.all():
            bad = r[~ok]
            out.seasonal_naive(bad, demand[bad], use[bad], dow, future_dow, f"{name} fit was not finite")


def _fit_statsmodels(
    rows: IntArray,
    demand: FloatArray,
    y: FloatArray,
    u: BoolArray,
    s: FloatArray,
    dow: IntArray,
    future_dow: IntArray,
    cfg: ForecastConfig,
    days: int,
    out: _Outputs,
) -> None:
    """statsmodels ETS per series; masked days filled with the vectorised SES estimate."""
    from substitute.forecast.ets import fit_ets

    helper = _fit_family("ses", y, u, s, dow, cfg).run
    estimate = helper.fitted[:, 0] if helper.fitted is not None else np.zeros_like(y)
    res = fit_ets(y, u, estimate, first_demand_day(y, u), days)
    failed = np.array([f is not None for f in res.failure], dtype=bool)
    good = rows[~failed]
    fv = res.fitted[~failed]
    out.mean[good] = res.forecast[~failed]
    out.fitted[good] = fv
    # week-ahead totals approximated by the next 7 one-step forecasts
    width = fv.shape[1]
    csum = np.concatenate([np.zeros((fv.shape[0], 1)), np.cumsum(np.nan_to_num(fv), axis=1)], axis=1)
    idx = np.arange(width)
    out.week[good] = np.where(np.isfinite(fv), csum[:, np.minimum(idx + 7, width)] - csum[:, idx], np.nan)
    out.model[good] = ETS_STATSMODELS
    out.params[good] = np.asarray(res.params, dtype=object)[~failed]
    out.uses_level[good] = False
    out.estimated[good] = True
    if failed.any():
        out.seasonal_naive(
            rows[failed],
            demand[failed],
            u[failed],
            dow,
            future_dow,
            [f for f in res.failure if f is not None],
        )

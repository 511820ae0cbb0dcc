"""Settings of one forecast run, validated once.

A misspelt key fails at construction (``extra="forbid"``), and every bound is
checked here so that the numeric code can trust its inputs.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from substitute.forecast.calendar import Event

#: Default grids of smoothing constants, chosen per series by in-sample
#: one-step squared error. Small on purpose: each point is one more pass state.
DEFAULT_ALPHAS = (0.02, 0.05, 0.1, 0.2, 0.3)
DEFAULT_TSB_ALPHAS = (0.05, 0.1, 0.2)
DEFAULT_TSB_BETAS = (0.02, 0.05, 0.1, 0.2)
DEFAULT_GAMMAS = (0.0, 0.05, 0.15)

IntermittentMethod = Literal["tsb", "sba", "croston"]
SmoothMethod = Literal["ses", "hw_additive", "statsmodels"]
ExogenousEffect = Literal["promo", "price", "temperature"]


class ForecastConfig(BaseModel):
    """Everything :func:`substitute.forecast.forecast_panel` can be told.

    Parameters
    ----------
    horizon
        Days forecast after ``as_of``.
    quantiles
        Levels of the daily quantile columns.
    missing_rows
        What a day without a row means for a listed series: ``"zero"`` (sales
        files list only days with sales) or ``"unobserved"`` (the day is
        unknown and masked).
    min_history_days
        Observed days since the first sale needed before a model is fitted;
        below it the series gets a fallback with the reason recorded.
    smooth_method
        Model for smooth and erratic series. ``"ses"`` (default): vectorised
        simple exponential smoothing of demand divided by the weekly profile;
        ``"hw_additive"``: vectorised additive Holt-Winters; ``"statsmodels"``:
        per-series damped-trend additive-seasonal ``ExponentialSmoothing``.
        Measured with ``bench/forecast.py`` on Ta Feng (9,056 products, 534
        of them smooth/erratic), mean RMSSE over all products at the official
        cut-off: ses 0.769 in 1.7 s for the whole run, statsmodels 0.771 in
        172 s (0.3 s per smooth series); over three cut-offs hw_additive was
        0.003 worse than ses. statsmodels does not earn its cost here.
    intermittent_methods
        Candidates for intermittent and lumpy series, chosen per series by
        in-sample one-step squared error.
    profile_shrinkage
        Pseudo-count of non-zero days that pulls a series' own weekly profile
        towards its store's profile (0 = own profile only).
    winsor_fence
        Sales above ``Q3 + fence * IQR`` of a series' non-zero days (Tukey's
        far-out fence) are clipped before smoothing; ``None`` disables it.
        Residuals for the dispersion use the unclipped sales.
    outage_share
        A store-day whose total is below this share of the median of the same
        weekday in the surrounding four weeks is treated as an outage (closure
        or missing feed) and masked for every series of the store.
    censor_low_sales_share
        A day ending with ``on_hand <= 0`` is censored when its sales are below
        this share of the series' median non-zero sales.
    prior_dispersion, prior_level_uncertainty
        NB over-dispersion ``phi`` and level variance ``kappa`` that the
        per-series estimates are shrunk towards (and that a fallback gets).
        ``kappa``'s 0.3 was chosen on Ta Feng at the 2000-12-10 cut-off (ECE
        of P(stockout within 7 d) 0.040 at 0.1, 0.032 at 0.2, 0.024 at 0.3,
        0.034 at 0.5) and holds at the later 2001-01-31 cut-off (0.044 ->
        0.034); see ``bench/forecast.py calibration``.
    fallback_level_uncertainty
        ``kappa`` of a fallback forecast, whose level is poorly known.
    service_level
        Cycle service level of the order-up-to quantity.
    stockout_window_days
        ``N`` of the ``p_stockout_within_{N}d`` column.
    n_simulations, seed
        Monte Carlo draws (fixed seed) for stockout probabilities across a
        receipt; single-window probabilities are analytic.
    chunk_series
        Series processed together; bounds memory at any panel size.
    exogenous
        Known drivers whose effects may adjust the forecast (see
        :mod:`substitute.forecast.exogenous`), read from the panel's
        ``promo``, ``price``, ``temperature_c`` (and ``group``) columns;
        rows after ``as_of`` give the future. An effect is kept per group
        only where it improves held-out days. Off by default: on the demo
        retailer (``bench/forecast_exogenous.py``, 12 cut-offs x 28 days)
        mean RMSSE is 0.5875 without, 0.5875 with ``promo`` (promotion days
        0.996 -> 0.989, their bias -51% -> -43%) and 0.5848 with
        ``temperature`` given a perfect 28-day weather forecast, 0.5874
        with 7 days of it; each costs 40-100% more time.
    hot_threshold_c
        The temperature effect acts on the degrees above this (on the demo
        RMSSE 0.5848 at 20, 0.5878 at 25).
    exogenous_memory_days
        Temperature counts relative to its mean over this many days before:
        the base level already carries the recent weather (28 beat 14 on
        two demo seeds: 0.5848 and 0.5590 vs 0.5841 and 0.5634).
    exogenous_holdout_days
        Blocks of this many days are held out in turn; an effect must
        improve them to be kept.
    exogenous_shrinkage
        Units of demand at no lift that every effect is shrunk with.
    exogenous_window_days
        Days of history the effects are estimated on.
    events
        Known calendar events (holidays; see :mod:`substitute.forecast.calendar`
        and :func:`~substitute.forecast.calendar.load_events` for a TOML
        calendar): masked when learning, their effect estimated from earlier
        occurrences or, when none is in the history, their forecast widened.
    event_effect_sd, event_repeat_sd
        Prior sd of an event day's mean log effect, and of its year-to-year
        scatter: an event never seen gets a lognormal multiplier of median 1
        and log variance ``effect_sd^2 + repeat_sd^2``. Judgement, not
        fitted: Ta Feng's four months hold no event twice.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    horizon: int = Field(default=28, ge=1, le=366)
    quantiles: tuple[float, ...] = (0.5, 0.9, 0.95, 0.975)
    history_days: int | None = Field(default=None, ge=7)
    missing_rows: Literal["zero", "unobserved"] = "zero"
    min_history_days: int = Field(default=14, ge=7)
    smooth_method: SmoothMethod = "ses"
    intermittent_methods: tuple[IntermittentMethod, ...] = ("tsb",)
    alphas: tuple[float, ...] = DEFAULT_ALPHAS
    tsb_alphas: tuple[float, ...] = DEFAULT_TSB_ALPHAS
    tsb_betas: tuple[float, ...] = DEFAULT_TSB_BETAS
    gammas: tuple[float, ...] = DEFAULT_GAMMAS
    croston_init: Literal["mean", "naive"] = "mean"
    profile_shrinkage: float = Field(default=50.0, ge=0)
    winsor_fence: float | None = Field(default=3.0, gt=0)
    outage_share: float | None = Field(default=0.2, gt=0, lt=1)
    outage_min_series: int = Field(default=30, ge=1)
    censor_low_sales_share: float = Field(default=1.0, ge=0)
    prior_dispersion: float = Field(default=1.0, ge=0)
    prior_level_uncertainty: float = Field(default=0.3, ge=0)
    fallback_level_uncertainty: float = Field(default=0.5, ge=0)
    service_level: float = Field(default=0.95, gt=0, lt=1)
    lead_time_days: int = Field(default=7, ge=0, le=365)
    review_period_days: int = Field(default=7, ge=1, le=365)
    stockout_window_days: int = Field(default=7, ge=1, le=366)
    max_cover_days: int = Field(default=365, ge=1)
    n_simulations: int = Field(default=2000, ge=100)
    seed: int = 20240601
    chunk_series: int = Field(default=4096, ge=1)
    exogenous: tuple[ExogenousEffect, ...] = ()
    hot_threshold_c: float = 20.0
    exogenous_memory_days: int = Field(default=28, ge=1)
    exogenous_holdout_days: int = Field(default=91, ge=7)
    exogenous_shrinkage: float = Field(default=20.0, ge=0)
    exogenous_window_days: int = Field(default=364, ge=28)

    # calendar events (substitute.forecast.calendar)
    events: tuple[Event, ...] = ()
    event_effect_sd: float = Field(default=0.5, ge=0, le=3)
    event_repeat_sd: float = Field(default=0.2, ge=0, le=3)

    @field_validator("quantiles")
    @classmethod
    def _quantiles_in_unit_interval(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if not value or any(not 0 < q < 1 for q in value):
            raise ValueError("quantiles must be a non-empty tuple of levels in (0, 1)")
        return tuple(sorted(set(value)))

    @field_validator("alphas", "tsb_alphas", "tsb_betas")
    @classmethod
    def _smoothing_constants(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if not value or any(not 0 < a <= 1 for a in value):
            raise ValueError("smoothing constants must be a non-empty tuple in (0, 1]")
        return value

    @field_validator("gammas")
    @classmethod
    def _seasonal_constants(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if not value or any(not 0 <= g < 1 for g in value):
            raise ValueError("gammas must be a non-empty tuple in [0, 1)")
        return value

    @field_validator("intermittent_methods")
    @classmethod
    def _some_method(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("intermittent_methods needs at least one of tsb, sba, croston")
        return value

    @model_validator(mode="after")
    def _horizon_covers_windows(self) -> ForecastConfig:
        # Longer windows are served by extending the forecast internally; this
        # only guards against nonsense such as a window longer than a year.
        if self.lead_time_days + self.review_period_days > 730:
            raise ValueError("lead_time_days + review_period_days must be at most 730")
        return self

"""Per-series exponential smoothing with statsmodels, for smooth and erratic series.

``statsmodels.tsa.holtwinters.ExponentialSmoothing`` with an additive damped
trend and an additive weekly season, parameters by maximum likelihood
(Hyndman et al. 2008; Gardner & McKenzie 1985 for the damped trend). It fits
one series at a time, which is why it is optional: see ``bench/forecast.py``
for its accuracy and cost against the vectorised smoothers.

statsmodels is imported inside :func:`fit_ets`, so importing this package
stays light. Every warning raised during a fit is caught here (the test suite
turns warnings into errors) and, if it says the fit is unreliable, becomes the
recorded reason of a fallback.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]

#: Two full weeks are the least a weekly seasonal model can be fitted on.
MIN_DAYS = 14


@dataclass(frozen=True)
class EtsFit:
    """Results of fitting every requested series.

    Attributes
    ----------
    forecast
        ``(n, steps)`` mean forecast, clipped at 0 (NaN where the fit failed).
    fitted
        ``(n, T)`` one-step fitted values (NaN before the start or on failure).
    failure
        Reason per series, None where the fit is used.
    params
        Short parameter description per series.
    """

    forecast: FloatArray
    fitted: FloatArray
    failure: list[str | None]
    params: list[str]


def _fit_one(y: FloatArray, steps: int) -> tuple[FloatArray, FloatArray, str]:
    from statsmodels.tools.sm_exceptions import ConvergenceWarning  # type: ignore[import-untyped]
    from statsmodels.tsa.holtwinters import ExponentialSmoothing  # type: ignore[import-untyped]

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = ExponentialSmoothing(
            y,
            trend="add",
            damped_trend=True,
            seasonal="add",
            seasonal_periods=7,
            initialization_method="estimated",
        )
        res = model.fit()
        forecast = np.asarray(res.forecast(steps), dtype=np.float64)
        fitted = np.asarray(res.fittedvalues, dtype=np.float64)
    serious = [w for w in caught if issubclass(w.category, (ConvergenceWarning, RuntimeWarning))]
    if serious:
        first = serious[0]
        raise RuntimeError(f"{first.category.__name__}: {str(first.message).splitlines()[0]}")
    p = res.params
    desc = (
        f"alpha={p['smoothing_level']:.3g},beta={p['smoothing_trend']:.3g},"
        f"gamma={p['smoothing_seasonal']:.3g},phi={p['damping_trend']:.3g}"
    )
    return forecast, fitted, desc


def fit_ets(
    demand: FloatArray,
    use: BoolArray,
    estimate: FloatArray,
    start: IntArray,
    steps: int,
) -> EtsFit:
    """Fit ``ExponentialSmoothing`` to each series from its start day.

    statsmodels cannot skip days, so masked days (stockouts, outages) are
    filled with ``estimate`` -- the vectorised model's one-step forecast, i.e.
    the demand estimated for that day -- instead of their censored zeros.

    Parameters
    ----------
    demand, use
        ``(n, T)`` demand and usable mask.
    estimate
        ``(n, T)`` demand estimates for masked days.
    start
        ``(n,)`` first day fitted.
    steps
        Days to forecast.
    """
    n, width = demand.shape
    forecast = np.full((n, steps), np.nan)
    fitted = np.full((n, width), np.nan)
    failure: list[str | None] = [None] * n
    params = [""] * n
    for i in range(n):
        s = int(start[i])
        if width - s < MIN_DAYS:
            failure[i] = f"statsmodels ETS needs {MIN_DAYS} days, has {max(width - s, 0)}"
            continue
        y = np.where(use[i, s:], demand[i, s:], np.nan_to_num(estimate[i, s:]))
        try:
            fc, fv, desc = _fit_one(y, steps)
        except Exception as exc:  # any failure of one series must not stop the run
            failure[i] = f"statsmodels ETS failed: {type(exc).__name__}: {exc}"[:200]
            continue
        if not (np.isfinite(fc).all() and np.isfinite(fv).all()):
            failure[i] = "statsmodels ETS gave a non-finite forecast"
            continue
        forecast[i] = np.maximum(fc, 0.0)
        fitted[i, s:] = np.maximum(fv, 0.0)
        params[i] = desc
    return EtsFit(forecast=forecast, fitted=fitted, failure=failure, params=params)

"""How uncertain a forecast is: NB dispersion and level uncertainty from residuals.

Two method-of-moments estimates per series, both on the *unclipped* sales of
the usable days, so that spikes a model was shielded from still widen the
distribution:

* ``phi``, the NB2 over-dispersion of one day around its one-step forecast
  ``f``:  ``Var(y) = f + phi f^2``, hence
  ``phi = max(0, sum((y - f)^2 - f) / sum(f^2))`` (Poisson when <= 0, i.e.
  under-dispersed or exactly Poisson);
* ``kappa``, the variance of a shared multiplicative level error, from the
  totals of 7-day windows ``A`` against the forecast made before the window
  ``P``:  ``Var(A) = P + phi (1 + kappa) P^2 / 7 + kappa P^2``. Day-to-day
  noise averages out over a week, a wrong level does not, so without
  ``kappa`` the probability of running out within a week is too confident.

Both are shrunk towards prior values with a pseudo-count (days for ``phi``,
windows for ``kappa``), so that a series with a handful of selling days does
not get a zero or an absurd dispersion; a series whose residuals are
under-dispersed over at least twice the prior's days is Poisson (``phi = 0``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

WINDOW = 7


@dataclass(frozen=True)
class Dispersion:
    """Per-series dispersion ``phi`` and level uncertainty ``kappa``."""

    phi: FloatArray
    kappa: FloatArray


def estimate_dispersion(
    demand: FloatArray,
    use: BoolArray,
    fitted: FloatArray,
    week_ahead: FloatArray,
    *,
    prior_phi: float,
    prior_kappa: float,
    prior_days: float = 28.0,
    prior_windows: float = 8.0,
) -> Dispersion:
    """Moment estimates of ``phi`` and ``kappa``, shrunk towards priors.

    Parameters
    ----------
    demand, use
        ``(n, T)`` unclipped demand and the usable mask.
    fitted
        ``(n, T)`` one-step forecasts (NaN where the model had not started).
    week_ahead
        ``(n, T)`` forecast of the 7-day total starting at ``t``, made before ``t``.
    prior_phi, prior_kappa
        Values a series without evidence gets.
    prior_days, prior_windows
        Weight of the priors, in scored days and in windows.
    """
    scored = use & np.isfinite(fitted)
    f = np.where(scored, fitted, 0.0)
    y = np.where(scored, demand, 0.0)
    f2 = (f * f).sum(axis=1)
    excess = ((y - f) ** 2 - f).sum(axis=1)
    n_days = scored.sum(axis=1)
    # pseudo-observations: prior_days days of the series' average f^2
    mean_f2 = f2 / np.maximum(n_days, 1)
    w = prior_days * mean_f2
    denom = f2 + w
    phi = np.where(denom > 0, (excess + prior_phi * w) / np.where(denom > 0, denom, 1.0), prior_phi)
    # under-dispersed residuals over a long enough history: Poisson, unshrunk
    phi = np.where((excess <= 0) & (n_days >= 2 * prior_days), 0.0, np.maximum(phi, 0.0))

    n, width = demand.shape
    kappa = np.full(n, prior_kappa)
    if width <= WINDOW:
        return Dispersion(phi=phi, kappa=kappa)
    y_use = np.where(use, demand, 0.0)
    cum_y = np.concatenate([np.zeros((n, 1)), np.cumsum(y_use, axis=1)], axis=1)
    cum_u = np.concatenate([np.zeros((n, 1)), np.cumsum(use, axis=1)], axis=1)
    starts = np.arange(width - WINDOW + 1)
    actual = cum_y[:, starts + WINDOW] - cum_y[:, starts]
    full = (cum_u[:, starts + WINDOW] - cum_u[:, starts]) == WINDOW
    pred = week_ahead[:, starts]
    ok = full & np.isfinite(pred)
    a = np.where(ok, actual, 0.0)
    p = np.where(ok, pred, 0.0)
    p2 = (p * p).sum(axis=1)
    extra = ((a - p) ** 2 - p - phi[:, None] * p * p / WINDOW).sum(axis=1)
    # overlapping windows: about one in seven is independent
    n_win = ok.sum(axis=1) / WINDOW
    mean_p2 = p2 / np.maximum(ok.sum(axis=1), 1)
    wk = prior_windows * WINDOW * mean_p2
    denom_k = p2 * (1.0 + phi / WINDOW) + wk
    kappa = np.where(
        (denom_k > 0) & (n_win > 0),
        (extra + prior_kappa * wk) / np.where(denom_k > 0, denom_k, 1.0),
        prior_kappa,
    )
    return Dispersion(phi=phi, kappa=np.maximum(kappa, 0.0))

"""Count distributions of demand: daily negative binomials and their sums.

Daily demand of a series is modelled as negative binomial (NB2) around the
point forecast ``mu``, with a shared random level:

    G ~ Gamma(mean 1, variance kappa)          one per series and forecast
    D_t | G ~ NB(mean G * mu_t, var G mu_t + phi (G mu_t)^2)

``phi`` is the day-to-day over-dispersion and ``kappa`` the uncertainty of the
level itself, which does not average out over a week (see
:mod:`~substitute.forecast.dispersion`). With ``phi = kappa = 0`` this is a
Poisson. The moments of a sum over a set of days with ``m = sum(mu)`` are

    E = m,    Var = m + phi (1 + kappa) sum(mu^2) + kappa m^2,

On days of a calendar event whose effect is uncertain (see
:mod:`~substitute.forecast.calendar`) the mean carries one more multiplier
``E_t = 1 + s_t Z`` with ``Var(E_t) = v_t = s_t^2``, one ``Z`` shared by the
event days of a forecast (the effect of the eve and of the day before it go
together). It adds ``phi (1 + kappa) sum(v mu^2) + (1 + kappa) (sum(s mu))^2``
to the variance of a sum; on ordinary days ``v = 0`` and nothing changes.

and a sum is represented by the negative binomial with those two moments
(a moment-matched NB: exact for the mean and variance, and within a few
points of probability of the true gamma mixture in the tails we use). This
keeps every probability analytic and deterministic; Monte Carlo is used only
where a path matters (a receipt inside the window, see
:mod:`~substitute.forecast.inventory`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy import stats  # type: ignore[import-untyped]

FloatArray = NDArray[np.float64]

#: Below this excess variance ratio the Poisson is used instead of the NB.
_POISSON_EPS = 1e-9


def day_variance(
    mu: FloatArray, phi: FloatArray, kappa: FloatArray, event_var: FloatArray | None = None
) -> FloatArray:
    """Marginal variance of one day's demand, elementwise (``phi``, ``kappa``, ``event_var`` broadcast)."""
    if event_var is None:
        return mu + (phi * (1.0 + kappa) + kappa) * mu * mu
    v = event_var
    return mu + (phi * (1.0 + kappa) * (1.0 + v) + kappa + (1.0 + kappa) * v) * mu * mu


def sum_moments(
    mu: FloatArray,
    phi: FloatArray,
    kappa: FloatArray,
    days: NDArray[np.bool_],
    event_var: FloatArray | None = None,
) -> tuple[FloatArray, FloatArray]:
    """Mean and variance of the total demand over the masked days.

    Parameters
    ----------
    mu
        ``(n, H)`` daily means.
    phi, kappa
        ``(n,)`` dispersion parameters.
    days
        ``(n, H)`` which days enter the sum.
    event_var
        ``(n, H)`` relative variance of an uncertain event effect per day, or None.
    """
    m = np.where(days, mu, 0.0).sum(axis=1)
    m2 = np.where(days, mu * mu, 0.0).sum(axis=1)
    var = m + phi * (1.0 + kappa) * m2 + kappa * m * m
    if event_var is None:
        return m, var
    m2v = np.where(days, event_var * mu * mu, 0.0).sum(axis=1)
    b = np.where(days, np.sqrt(event_var) * mu, 0.0).sum(axis=1)
    return m, var + phi * (1.0 + kappa) * m2v + (1.0 + kappa) * b * b


def window_dispersion(
    mu: FloatArray, phi: FloatArray, kappa: FloatArray, event_var: FloatArray, window: int
) -> tuple[FloatArray, FloatArray]:
    """Per-series ``phi`` and ``kappa`` whose sum over the first ``window`` days has the event-aware variance.

    For code that takes ``(n,)`` parameters only (the inventory risk): exact
    for the mean and variance of that window's total, and unchanged from
    ``phi``, ``kappa`` when no event falls in it.
    """
    days = np.zeros(mu.shape, dtype=bool)
    days[:, :window] = True
    m, var = sum_moments(mu, phi, kappa, days, event_var)
    m2 = np.where(days, mu * mu, 0.0).sum(axis=1)
    m2v = np.where(days, event_var * mu * mu, 0.0).sum(axis=1)
    phi_w = phi * (1.0 + np.divide(m2v, m2, out=np.zeros_like(m2), where=m2 > 0))
    denom = phi_w * m2 + m * m
    kappa_w = np.divide(var - m - phi_w * m2, denom, out=kappa.astype(np.float64), where=denom > 0)
    return phi_w, np.maximum(kappa_w, kappa)


def _nb_params(mean: FloatArray, var: FloatArray) -> tuple[FloatArray, FloatArray, NDArray[np.bool_]]:
    """NB ``(n, p)`` with the given moments, and where a Poisson is used instead."""
    excess = var - mean
    poisson = excess <= _POISSON_EPS * np.maximum(mean, 1.0)
    safe_excess = np.where(poisson, 1.0, excess)
    size = np.where(poisson, 1.0, mean * mean / safe_excess)
    prob = np.where(poisson, 0.5, mean / np.where(poisson, 1.0, var))
    return size, prob, poisson


def _apply(mean: FloatArray, var: FloatArray, method: str, arg: FloatArray) -> FloatArray:
    """Evaluate ``ppf`` or ``sf`` of the moment-matched NB (or Poisson) elementwise."""
    size, prob, poisson = _nb_params(mean, var)
    out = np.empty(mean.shape)
    if poisson.any():
        out[poisson] = getattr(stats.poisson, method)(arg[poisson], mean[poisson])
    nb = ~poisson
    if nb.any():
        out[nb] = getattr(stats.nbinom, method)(arg[nb], size[nb], np.clip(prob[nb], 1e-12, 1.0))
    return out


def quantiles(mean: FloatArray, var: FloatArray, level: float) -> FloatArray:
    """Quantile ``level`` of the count distribution with these moments (0 where mean is 0)."""
    mean = np.asarray(mean, dtype=np.float64)
    var = np.asarray(var, dtype=np.float64)
    out = np.zeros(mean.shape)
    pos = mean > 0
    if not pos.any():
        return out
    out[pos] = _apply(mean[pos], var[pos], "ppf", np.full(int(pos.sum()), level))
    return out


def prob_at_least(threshold: FloatArray, mean: FloatArray, var: FloatArray) -> FloatArray:
    """``P(D >= threshold)`` for a count ``D`` with these moments.

    A threshold at or below zero is certain; a fractional one (stock in kg)
    is rounded up, since a count reaches it only at the next integer.
    """
    threshold = np.asarray(threshold, dtype=np.float64)
    mean = np.asarray(mean, dtype=np.float64)
    var = np.asarray(var, dtype=np.float64)
    out = np.where(threshold <= 0, 1.0, 0.0)
    todo = (threshold > 0) & (mean > 0)
    if not todo.any():
        return out
    k = np.ceil(threshold[todo] - 1e-9) - 1.0  # P(D >= c) = sf(c - 1)
    out[todo] = _apply(mean[todo], var[todo], "sf", k)
    return out


def sample_counts(rng: np.random.Generator, mean: FloatArray, size: FloatArray | None) -> FloatArray:
    """Draw NB counts with the given means and sizes (Poisson where ``size`` is None/inf)."""
    if size is None:
        return rng.poisson(mean).astype(np.float64)
    finite = np.isfinite(size) & (size > 0)
    shape = np.where(finite, size, 1.0)
    lam = np.where(finite, rng.gamma(shape, np.where(finite, mean / shape, 0.0)), mean)
    return rng.poisson(lam).astype(np.float64)

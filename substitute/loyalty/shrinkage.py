"""Empirical-Bayes shrinkage of small counts toward their population.

A customer with two purchases, or an item with one review, says little on its
own. Both profiles and substitutability treat such a rate the same way: a
Beta (or Dirichlet) prior centred on the population's rate, with a strength
``s`` measured in pseudo-observations, updated by the unit's own counts.

Beta-binomial posterior mean (conjugacy)::

    theta_hat = (k + s * m) / (n + s)

with ``k`` successes in ``n`` trials, population mean ``m`` and prior strength
``s = alpha + beta``. ``Z = n / (n + s)`` is the weight of the unit's own
evidence in that mean, Bühlmann's credibility factor (Bühlmann & Gisler 2005,
*A Course in Credibility Theory*, §3): it is what the profile reports as
confidence.

The prior is fitted by the method of moments of Kleinman (1973, *Biometrics*
29, 139–147): with ``p_i = k_i / n_i``, pooled ``p = sum k / sum n`` and
``N = sum n``::

    S = sum n_i (p_i - p)^2
    E[S] = p (1 - p) [(g - 1) + rho (N - sum n_i^2 / N - (g - 1))]

for ``g`` units, so the intra-unit correlation ``rho = 1 / (s + 1)`` has a
closed form. ``rho <= 0`` (units no more different than coin flips of one
coin) means shrink as hard as allowed; the estimate is clipped to
``[s_min, s_max]`` because a few dozen units give a noisy ``rho``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["BetaPrior", "fit_beta_prior", "fit_dirichlet_strength"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class BetaPrior:
    """A Beta prior as mean and strength.

    Attributes
    ----------
    mean
        Population rate ``m`` in ``[0, 1]``.
    strength
        ``s = alpha + beta`` in pseudo-observations: the evidence count at
        which a unit's own rate and the population's weigh the same.
    n_units
        How many units (customers, items) with at least one trial it was
        fitted on; 0 for a fallback prior.
    fitted
        True when ``strength`` came from the data, False when the fallback was
        used (too few units) or the strength was fixed by configuration.
    """

    mean: float
    strength: float
    n_units: int = 0
    fitted: bool = False

    @property
    def alpha(self) -> float:
        return self.mean * self.strength

    @property
    def beta(self) -> float:
        return (1.0 - self.mean) * self.strength

    def posterior_mean(self, successes: npt.ArrayLike, trials: npt.ArrayLike) -> FloatArray:
        """``(k + s m) / (n + s)`` elementwise; trials may be fractional (weighted evidence)."""
        k = np.asarray(successes, dtype=float)
        n = np.asarray(trials, dtype=float)
        return (k + self.alpha) / (n + self.strength)

    def credibility(self, trials: npt.ArrayLike) -> FloatArray:
        """``n / (n + s)``: the share of the posterior mean that is the unit's own evidence."""
        n = np.asarray(trials, dtype=float)
        return n / (n + self.strength)


def _moment_rho(successes: FloatArray, trials: FloatArray) -> tuple[float, float, int]:
    """Pooled rate, Kleinman's moment estimate of rho, and the number of units used."""
    keep = trials > 0
    k, n = successes[keep], trials[keep]
    units = int(keep.sum())
    total = float(n.sum())
    if units == 0 or total == 0:
        return float("nan"), float("nan"), 0
    pooled = float(k.sum() / total)
    if units < 2 or pooled <= 0.0 or pooled >= 1.0:
        # Every unit all-success or all-failure: no spread to measure.
        return pooled, float("nan"), units
    spread = float(np.sum(n * (k / n - pooled) ** 2))
    denom = total - float(np.sum(n**2)) / total - (units - 1)
    if denom <= 0:
        # Every unit has a single trial: between- and within-unit variance
        # cannot be told apart.
        return pooled, float("nan"), units
    rho = (spread / (pooled * (1.0 - pooled)) - (units - 1)) / denom
    return pooled, rho, units


def _strength_from_rho(rho: float, s_min: float, s_max: float, fallback: float) -> tuple[float, bool]:
    if np.isnan(rho):
        return fallback, False
    if rho <= 0:
        return s_max, True
    return float(np.clip((1.0 - rho) / rho, s_min, s_max)), True


def fit_beta_prior(
    successes: npt.ArrayLike,
    trials: npt.ArrayLike,
    *,
    strength: float | None = None,
    s_min: float = 1.0,
    s_max: float = 50.0,
    fallback_mean: float = 0.5,
    fallback_strength: float = 4.0,
    min_units: int = 20,
) -> BetaPrior:
    """Fit a Beta prior to per-unit counts by the method of moments.

    Parameters
    ----------
    successes, trials
        Per-unit counts (same length); units with no trials are ignored.
    strength
        Fix the strength instead of estimating it (the mean is still pooled).
    s_min, s_max
        Bounds on the estimated strength.
    fallback_mean, fallback_strength
        Used when there are no trials at all, or fewer than ``min_units``
        units to estimate a spread from.
    min_units
        Fewest units with trials for which the strength is estimated.

    Returns
    -------
    BetaPrior

    Examples
    --------
    >>> prior = fit_beta_prior([8, 2], [10, 10], strength=5.0)
    >>> round(prior.mean, 2), prior.strength
    (0.5, 5.0)
    """
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    if k.shape != n.shape:
        raise ValueError(f"successes and trials differ in shape: {k.shape} vs {n.shape}")
    if np.any(k < 0) or np.any(k > n + 1e-9):
        raise ValueError("successes must lie in [0, trials]")
    pooled, rho, units = _moment_rho(k, n)
    mean = fallback_mean if np.isnan(pooled) else pooled
    if strength is not None:
        return BetaPrior(mean, float(strength), units, fitted=False)
    if units < min_units:
        return BetaPrior(mean, fallback_strength, units, fitted=False)
    s, fitted = _strength_from_rho(rho, s_min, s_max, fallback_strength)
    return BetaPrior(mean, s, units, fitted=fitted)


def fit_dirichlet_strength(
    counts: npt.ArrayLike,
    *,
    s_min: float = 1.0,
    s_max: float = 100.0,
    fallback: float = 10.0,
    min_units: int = 20,
) -> tuple[float, bool]:
    """Strength ``alpha_0`` of a Dirichlet prior from per-unit label counts.

    Under a Dirichlet-multinomial every label's marginal is beta-binomial with
    the same ``rho = 1 / (alpha_0 + 1)`` (Mosimann 1962, *Biometrika* 49), so
    each label's moment estimate of ``rho`` estimates the same quantity; their
    mean over the labels that vary is used.

    Parameters
    ----------
    counts
        ``(units, labels)`` array of counts.
    s_min, s_max, fallback, min_units
        As in :func:`fit_beta_prior`.

    Returns
    -------
    tuple of (float, bool)
        The strength and whether it was estimated (False: fallback).
    """
    table = np.asarray(counts, dtype=float)
    if table.ndim != 2:
        raise ValueError(f"counts must be a (units, labels) table, got shape {table.shape}")
    trials = table.sum(axis=1)
    if int((trials > 0).sum()) < min_units:
        return fallback, False
    rhos = [rho for _, rho, _ in (_moment_rho(table[:, j], trials) for j in range(table.shape[1]))]
    finite = [r for r in rhos if not np.isnan(r)]
    if not finite:
        return fallback, False
    return _strength_from_rho(float(np.mean(finite)), s_min, s_max, fallback)

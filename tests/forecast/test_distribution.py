"""Daily quantiles and moment-matched sums of the demand distribution."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import stats

from substitute.forecast.distribution import (
    day_variance,
    prob_at_least,
    quantiles,
    sum_moments,
    window_dispersion,
)


def test_quantiles_are_monotone_in_level_and_mean() -> None:
    mu = np.linspace(0, 30, 61)[None, :].repeat(3, axis=0)
    phi = np.array([0.0, 0.5, 3.0])[:, None]
    var = day_variance(mu, phi, np.full((3, 1), 0.1))
    qs = [quantiles(mu, var, q) for q in (0.5, 0.9, 0.95, 0.975)]
    for lo, hi in itertools.pairwise(qs):
        assert np.all(lo <= hi)
    for q in qs:
        assert np.all(np.diff(q, axis=1) >= 0)
    assert np.all(qs[0][:, 0] == 0)  # no demand expected: every quantile 0


def test_poisson_when_not_overdispersed() -> None:
    mu = np.array([0.3, 2.0, 11.0])
    assert np.all(quantiles(mu, mu.copy(), 0.9) == stats.poisson.ppf(0.9, mu))
    assert prob_at_least(np.array([3.0]), np.array([2.0]), np.array([2.0]))[0] == pytest.approx(
        stats.poisson.sf(2, 2.0)
    )


def test_fractional_stock_and_zero_threshold() -> None:
    p = prob_at_least(np.array([0.0, 0.5, 1.0]), np.array([1.0, 1.0, 1.0]), np.array([1.0, 1.0, 1.0]))
    assert p[0] == 1.0 and p[1] == pytest.approx(p[2])


def test_sum_moments_match_the_hierarchical_model() -> None:
    rng = np.random.default_rng(5)
    mu = np.array([[1.0, 2.0, 0.5, 3.0, 1.5]])
    phi, kappa = np.array([0.6]), np.array([0.2])
    m, v = sum_moments(mu, phi, kappa, np.ones_like(mu, dtype=bool))
    sims = 400_000
    level = rng.gamma(1 / kappa[0], kappa[0], sims)
    lam = rng.gamma(1 / phi[0], level[:, None] * mu * phi[0])
    total = rng.poisson(lam).sum(axis=1)
    assert m[0] == pytest.approx(total.mean(), rel=0.01)
    assert v[0] == pytest.approx(total.var(), rel=0.03)


def test_event_variance_matches_a_shared_event_multiplier() -> None:
    # days 2..4 share one event multiplier M (mean 1, variance v) on top of the level
    rng = np.random.default_rng(11)
    mu = np.array([[2.0, 1.0, 3.0, 4.0, 2.5, 1.5, 2.0]])
    phi, kappa, v = np.array([0.5]), np.array([0.2]), 0.4
    event_var = np.where(np.arange(7) >= 2, v, 0.0)[None, :] * (np.arange(7) <= 4)
    every_day = np.ones_like(mu, dtype=bool)
    m, var = sum_moments(mu, phi, kappa, every_day, event_var)
    sims = 400_000
    level = rng.gamma(1 / kappa[0], kappa[0], sims)
    shared = rng.gamma(1 / v, v, sims)
    mult = np.where(event_var[0] > 0, shared[:, None], 1.0) * level[:, None]
    lam = rng.gamma(1 / phi[0], mult * mu * phi[0])
    total = rng.poisson(lam).sum(axis=1)
    assert m[0] == pytest.approx(total.mean(), rel=0.01)
    assert var[0] == pytest.approx(total.var(), rel=0.03)
    one_day = rng.poisson(lam[:, 3])
    assert day_variance(mu, phi[:, None], kappa[:, None], event_var)[0, 3] == pytest.approx(
        one_day.var(), rel=0.03
    )


def test_window_dispersion_reproduces_the_event_aware_window_variance() -> None:
    mu = np.array([[2.0, 1.0, 3.0, 4.0, 2.5, 1.5, 2.0, 9.0], [1.0] * 8, [0.5] * 8])
    phi, kappa = np.array([0.5, 0.0, 1.0]), np.array([0.2, 0.1, 0.0])
    event_var = np.zeros_like(mu)
    event_var[:2, 3:5] = 0.4
    phi_w, kappa_w = window_dispersion(mu, phi, kappa, event_var, 7)
    week = np.zeros_like(mu, dtype=bool)
    week[:, :7] = True
    want = sum_moments(mu, phi, kappa, week, event_var)
    got = sum_moments(mu, phi_w, kappa_w, week)
    assert np.allclose(got, want)
    assert phi_w[2] == phi[2] and kappa_w[2] == kappa[2]  # no event: unchanged

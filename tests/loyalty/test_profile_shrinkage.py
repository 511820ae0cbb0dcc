"""Empirical-Bayes priors: planted Beta and Dirichlet populations, and a loop oracle."""

from __future__ import annotations

import numpy as np
import pytest

from substitute.loyalty.shrinkage import BetaPrior, fit_beta_prior, fit_dirichlet_strength


def naive_rho(successes: list[float], trials: list[float]) -> float:
    """Kleinman's moment estimate written out term by term."""
    units = [(k, n) for k, n in zip(successes, trials, strict=True) if n > 0]
    g = len(units)
    total = sum(n for _, n in units)
    p = sum(k for k, _ in units) / total
    spread = 0.0
    for k, n in units:
        spread += n * (k / n - p) ** 2
    squares = 0.0
    for _, n in units:
        squares += n * n
    return (spread / (p * (1 - p)) - (g - 1)) / (total - squares / total - (g - 1))


def test_recovers_a_planted_beta_prior():
    rng = np.random.default_rng(0)
    theta = rng.beta(0.3 * 5, 0.7 * 5, size=4000)  # m = 0.3, s = 5
    trials = rng.integers(2, 30, size=theta.size)
    successes = rng.binomial(trials, theta)
    prior = fit_beta_prior(successes, trials, s_max=100)
    assert prior.fitted
    assert prior.mean == pytest.approx(0.3, abs=0.02)
    assert prior.strength == pytest.approx(5.0, rel=0.2)


def test_strength_matches_the_naive_moment_oracle():
    rng = np.random.default_rng(1)
    trials = rng.integers(1, 12, size=200).astype(float)
    successes = rng.binomial(trials.astype(int), rng.beta(2, 2, size=200)).astype(float)
    rho = naive_rho(successes.tolist(), trials.tolist())
    prior = fit_beta_prior(successes, trials, s_min=0.01, s_max=1e6)
    assert prior.strength == pytest.approx((1 - rho) / rho, rel=1e-9)


def test_identical_units_shrink_as_hard_as_allowed():
    # Every unit 5 of 10: no more spread than one coin would give.
    prior = fit_beta_prior([5] * 50, [10] * 50, s_max=20)
    assert (prior.mean, prior.strength, prior.fitted) == (0.5, 20, True)


def test_fallbacks():
    few = fit_beta_prior([1, 2], [2, 3], fallback_strength=4.0, min_units=20)
    assert (few.strength, few.fitted) == (4.0, False)
    assert few.mean == pytest.approx(3 / 5)
    none = fit_beta_prior([0, 0], [0, 0], fallback_mean=0.5)
    assert (none.mean, none.n_units) == (0.5, 0)
    fixed = fit_beta_prior([1, 2] * 20, [2, 3] * 20, strength=9.0)
    assert (fixed.strength, fixed.fitted) == (9.0, False)


def test_bad_counts_are_refused():
    with pytest.raises(ValueError, match="successes"):
        fit_beta_prior([3], [2])
    with pytest.raises(ValueError, match="shape"):
        fit_beta_prior([1, 2], [3])


def test_posterior_and_credibility():
    prior = BetaPrior(mean=0.8, strength=4.0)
    assert prior.posterior_mean(0, 0) == pytest.approx(0.8)
    assert prior.posterior_mean(1, 1) == pytest.approx((1 + 3.2) / 5)
    assert prior.credibility(4.0) == pytest.approx(0.5)
    many = prior.posterior_mean(20, 100)
    assert many == pytest.approx(0.2, abs=0.03)  # a hundred observations mostly decide


def test_recovers_a_planted_dirichlet_strength():
    rng = np.random.default_rng(2)
    shares = rng.dirichlet(np.array([0.5, 0.3, 0.2]) * 8.0, size=3000)  # alpha_0 = 8
    n = rng.integers(3, 40, size=shares.shape[0])
    counts = np.array([rng.multinomial(k, p) for k, p in zip(n, shares, strict=True)])
    strength, fitted = fit_dirichlet_strength(counts, s_max=100)
    assert fitted
    assert strength == pytest.approx(8.0, rel=0.2)


def test_dirichlet_fallback_with_few_units():
    assert fit_dirichlet_strength([[1, 0, 0], [0, 1, 0]], fallback=10.0) == (10.0, False)

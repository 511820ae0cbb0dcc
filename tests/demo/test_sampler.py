"""The factorised buyer draw gives the distribution its member-by-member definition gives."""

from __future__ import annotations

import numpy as np
import pytest

from substitute.demo.catalogue import build_catalogue
from substitute.demo.population import build_population
from substitute.demo.sampler import CustomerSampler


@pytest.fixture(scope="module")
def world():
    catalogue = build_catalogue(150, 365, np.random.default_rng(5))
    population = build_population(800, 2, np.ones(2), catalogue, np.random.default_rng(6))
    return catalogue, population


@pytest.mark.parametrize("online", [False, True])
def test_buyers_are_drawn_in_proportion_to_their_pull(world, online):
    catalogue, population = world
    sampler = CustomerSampler(catalogue, population, 0, online, anonymous_share=0.0)
    rng = np.random.default_rng(7)
    for item in (0, 40, 90):
        category = int(catalogue.category_idx[item])
        pools = sampler.pools[category]
        oracle = pools.pull_matrix(catalogue, np.array([item]), sampler.tercile, population, category)[:, 0]
        expected = oracle / oracle.sum()
        buyers = sampler.sample(np.full(60_000, item), rng)
        assert (buyers >= 0).all()
        drawn = np.bincount(np.searchsorted(pools.members_all, buyers), minlength=len(expected)) / len(buyers)
        assert np.abs(drawn - expected).max() < 0.01
        assert np.corrcoef(drawn, expected)[0, 1] > 0.98
        psych = (expected * pools.psychological_all).sum()
        assert sampler.psychological_share(np.array([item]))[0] == pytest.approx(psych)


def test_a_share_of_buyers_stays_anonymous(world):
    catalogue, population = world
    sampler = CustomerSampler(catalogue, population, 1, False, anonymous_share=0.4)
    buyers = sampler.sample(np.arange(catalogue.n).repeat(50), np.random.default_rng(8))
    assert 0.37 < (buyers < 0).mean() < 0.45
    assert (population.home_shop[buyers[buyers >= 0]] == 1).all(), "store buyers live near the store"

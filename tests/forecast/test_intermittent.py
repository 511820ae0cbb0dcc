"""Croston, SBA and TSB: vectorised == loop oracle, and textbook values by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from substitute.forecast.intermittent import croston, tsb
from substitute.forecast.reference import croston_loop, tsb_loop
from tests.forecast.helpers import intermittent_matrix

ALPHAS = [0.05, 0.2, 0.5]


def _random_case(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = intermittent_matrix(30, 90, seed)
    y[0] = 0.0  # never sells
    y[1] = 0.0
    y[1, 60] = 4.0  # a single sale
    use = rng.random(y.shape) > 0.15  # stockout-censored days, skipped
    season = rng.uniform(0.5, 1.5, (30, 7))[:, np.arange(90) % 7]
    return y, use, season


def _assert_same(vec_level, vec_sse, vec_fitted, loop) -> None:
    assert vec_level == pytest.approx(loop.level, abs=1e-9)
    assert vec_sse == pytest.approx(loop.sse, abs=1e-9)
    ref = np.asarray(loop.fitted)
    assert np.array_equal(np.isnan(vec_fitted), np.isnan(ref))
    assert np.nanmax(np.abs(vec_fitted - ref), initial=0.0) < 1e-9


@pytest.mark.parametrize("init", ["mean", "naive"])
@pytest.mark.parametrize("variant", ["croston", "sba"])
@pytest.mark.parametrize("seasonal", [False, True])
def test_croston_vectorised_equals_loop(init: str, variant: str, seasonal: bool) -> None:
    y, use, season = _random_case(11)
    s = season if seasonal else None
    run = croston(y, use, alpha=ALPHAS, variant=variant, init=init, season=s, return_paths=True)
    for i in range(y.shape[0]):
        for g, a in enumerate(ALPHAS):
            loop = croston_loop(
                y[i], use[i], a, variant=variant, init=init, season=None if s is None else s[i]
            )
            _assert_same(run.level[i, g], run.sse[i, g], run.fitted[i, g], loop)


@pytest.mark.parametrize("init", ["mean", "naive"])
@pytest.mark.parametrize("seasonal", [False, True])
def test_tsb_vectorised_equals_loop(init: str, seasonal: bool) -> None:
    y, use, season = _random_case(12)
    s = season if seasonal else None
    betas = [0.02, 0.1, 0.3]
    run = tsb(y, use, alpha=ALPHAS, beta=betas, init=init, season=s, return_paths=True)
    for i in range(y.shape[0]):
        for g, (a, b) in enumerate(zip(ALPHAS, betas, strict=True)):
            loop = tsb_loop(y[i], use[i], a, b, init=init, season=None if s is None else s[i])
            _assert_same(run.level[i, g], run.sse[i, g], run.fitted[i, g], loop)


def test_per_series_parameters_equal_grid_pick() -> None:
    y, use, _ = _random_case(13)
    grid = croston(y, use, alpha=ALPHAS, variant="sba")
    choice = np.arange(y.shape[0]) % len(ALPHAS)
    per_series = croston(y, use, alpha=np.asarray(ALPHAS)[choice][:, None], variant="sba")
    np.testing.assert_allclose(per_series.level[:, 0], grid.level[np.arange(y.shape[0]), choice], atol=1e-12)


DEMAND = np.array([0, 0, 5, 0, 3, 0, 0, 0, 4, 0], dtype=float)


def test_croston_textbook_naive_init() -> None:
    # Worked by hand, alpha = 0.5: the first demand (5, after 3 periods) sets
    # z = 5, p = 3; the demand of 3 after 2 periods gives z = 4, p = 2.5; the
    # demand of 4 after 4 periods gives z = 4, p = 3.25; forecast 4 / 3.25.
    use = np.ones((1, 10), dtype=bool)
    run = croston(DEMAND[None], use, alpha=[0.5], init="naive", return_paths=True)
    expected = [math.nan] * 3 + [5 / 3, 5 / 3, 1.6, 1.6, 1.6, 1.6, 4 / 3.25]
    np.testing.assert_allclose(run.fitted[0, 0], expected, equal_nan=True)
    assert run.level[0, 0] == pytest.approx(4 / 3.25)
    sse = (5 / 3) ** 2 + (3 - 5 / 3) ** 2 + 3 * 1.6**2 + (4 - 1.6) ** 2 + (4 / 3.25) ** 2
    assert run.sse[0, 0] == pytest.approx(sse)
    sba = croston(DEMAND[None], use, alpha=[0.5], init="naive", variant="sba")
    assert sba.level[0, 0] == pytest.approx(0.75 * 4 / 3.25)  # Syntetos & Boylan: x (1 - alpha/2)


def test_croston_textbook_mean_init() -> None:
    # Mean size (5 + 3 + 4) / 3 = 4, mean interval (8 + 1) / 3 = 3; then the
    # ordinary updates: (z, p) = (4.5, 3), (3.75, 2.5), (3.875, 3.25).
    use = np.ones((1, 10), dtype=bool)
    run = croston(DEMAND[None], use, alpha=[0.5], init="mean")
    assert run.level[0, 0] == pytest.approx(3.875 / 3.25)


def test_croston_skips_censored_days() -> None:
    # A stockout day between the demands does not lengthen the interval.
    y = np.array([[0, 0, 5, 0, 0, 3, 0, 0, 0, 4, 0]], dtype=float)
    use = np.ones_like(y, dtype=bool)
    use[0, 4] = False
    run = croston(y, use, alpha=[0.5], init="naive")
    assert run.level[0, 0] == pytest.approx(4 / 3.25)


def test_tsb_textbook_and_decay() -> None:
    # alpha = beta = 0.5, naive init: p = 1/3, z = 5; a zero halves p to 1/6;
    # the demand of 3 gives p = 1/6 + (1 - 1/6) / 2 = 7/12 and z = 4.
    y = np.array([[0, 0, 5, 0, 3]], dtype=float)
    use = np.ones_like(y, dtype=bool)
    run = tsb(y, use, alpha=[0.5], beta=[0.5], init="naive")
    assert run.level[0, 0] == pytest.approx(7 / 12 * 4)
    # TSB decays while nothing sells (obsolescence); Croston does not
    quiet = np.concatenate([y, np.zeros((1, 20))], axis=1)
    use_q = np.ones_like(quiet, dtype=bool)
    assert tsb(quiet, use_q, alpha=[0.5], beta=[0.5], init="naive").level[0, 0] < 1e-5
    assert croston(quiet, use_q, alpha=[0.5], init="naive").level[0, 0] > 0.5


def test_series_without_demand_forecasts_zero() -> None:
    y = np.zeros((2, 30))
    use = np.ones_like(y, dtype=bool)
    assert np.all(croston(y, use, alpha=[0.1]).level == 0)
    assert np.all(tsb(y, use, alpha=[0.1], beta=[0.1]).level == 0)

"""Vectorised exponential smoothing == loop oracle; constant series stay constant."""

from __future__ import annotations

import numpy as np
import pytest

from substitute.forecast.reference import holt_winters_additive_loop, ses_loop
from substitute.forecast.smoothing import holt_winters_additive, ses


def _case(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n, t = 25, 80
    weekly = np.array([1, 1, 1, 1, 1.3, 1.6, 0.7])
    y = rng.poisson(rng.uniform(1, 20, (n, 1)) * weekly[np.arange(t) % 7]).astype(float)
    y[:3, :10] = 0.0  # late starts
    use = rng.random((n, t)) > 0.1
    season = rng.uniform(0.6, 1.4, (n, 7))[:, np.arange(t) % 7]
    return y, use, season, (np.arange(t) % 7).astype(np.int64)


@pytest.mark.parametrize("seasonal", [False, True])
def test_ses_vectorised_equals_loop(seasonal: bool) -> None:
    y, use, season, _ = _case(3)
    s = season if seasonal else None
    alphas = [0.02, 0.2, 0.6]
    run = ses(y, use, alpha=alphas, season=s, return_paths=True)
    for i in range(y.shape[0]):
        for g, a in enumerate(alphas):
            loop = ses_loop(y[i], use[i], a, season=None if s is None else s[i])
            assert run.level[i, g] == pytest.approx(loop.level, abs=1e-9)
            assert run.sse[i, g] == pytest.approx(loop.sse, abs=1e-9)
            ref = np.asarray(loop.fitted)
            assert np.nanmax(np.abs(run.fitted[i, g] - ref)) < 1e-9


def test_holt_winters_vectorised_equals_loop() -> None:
    y, use, _, dow = _case(4)
    alphas, gammas = [0.05, 0.3, 0.1], [0.0, 0.1, 0.3]
    run = holt_winters_additive(y, use, dow, alpha=alphas, gamma=gammas, return_paths=True)
    for i in range(y.shape[0]):
        for g, (a, c) in enumerate(zip(alphas, gammas, strict=True)):
            loop, season = holt_winters_additive_loop(y[i], use[i], dow, a, c)
            assert run.level[i, g] == pytest.approx(loop.level, abs=1e-9)
            assert run.sse[i, g] == pytest.approx(loop.sse, abs=1e-9)
            np.testing.assert_allclose(run.season[i, g], season, atol=1e-9)
            assert np.nanmax(np.abs(run.fitted[i, g] - np.asarray(loop.fitted))) < 1e-9


def test_constant_series_stays_constant() -> None:
    y = np.full((1, 60), 4.0)
    use = np.ones_like(y, dtype=bool)
    dow = (np.arange(60) % 7).astype(np.int64)
    assert ses(y, use, alpha=[0.1, 0.5]).level == pytest.approx(4.0)
    hw = holt_winters_additive(y, use, dow, alpha=[0.2], gamma=[0.1])
    assert hw.level[0, 0] == pytest.approx(4.0)
    np.testing.assert_allclose(hw.season[0, 0], 0.0, atol=1e-12)

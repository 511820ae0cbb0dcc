"""The optional per-series statsmodels smoother: used, and its warnings become reasons."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from substitute.forecast import forecast_panel
from tests.forecast.helpers import AS_OF, panel_of, series_frame

pytest.importorskip("statsmodels")


def _smooth(sku: str, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    weekly = np.array([1.0, 1.0, 1.0, 1.1, 1.3, 1.6, 0.8])
    return rng.poisson(8 * weekly[np.arange(63) % 7]).astype(float)


def test_statsmodels_smoother_is_used_for_smooth_series() -> None:
    panel = panel_of(series_frame(_smooth("A", 1), sku="A"), series_frame(_smooth("B", 2), sku="B"))
    res = forecast_panel(panel, AS_OF, config={"smooth_method": "statsmodels"})
    assert set(res.series["model"]) == {"ets_statsmodels"}
    assert res.series["params"].str.contains("phi=").all()
    assert np.isfinite(res.daily["q975"]).all()


def test_a_convergence_warning_becomes_the_fallback_reason(monkeypatch) -> None:
    from statsmodels.tools.sm_exceptions import ConvergenceWarning
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    original = ExponentialSmoothing.fit

    def warning_fit(self, *args, **kwargs):
        warnings.warn("Optimization failed to converge.", ConvergenceWarning, stacklevel=2)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(ExponentialSmoothing, "fit", warning_fit)
    res = forecast_panel(series_frame(_smooth("A", 3)), AS_OF, config={"smooth_method": "statsmodels"})
    row = res.series.iloc[0]
    assert row["model"] == "seasonal_naive"
    assert "ConvergenceWarning" in row["fallback_reason"]

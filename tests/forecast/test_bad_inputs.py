"""Odd series never crash the run: each gets a forecast and a recorded reason."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from substitute.forecast import forecast_panel
from tests.forecast.helpers import AS_OF, one_row, panel_of, series_frame

N = 60


def _healthy(sku: str) -> pd.DataFrame:
    return series_frame(np.random.default_rng(0).poisson(3, N), sku=sku)


def _cases() -> dict[str, pd.DataFrame]:
    gaps = _healthy("gaps").drop(index=range(10, 30))
    returns = _healthy("returns")
    returns.loc[[5, 40], "sales"] = [-4.0, -1.0]
    invalid = _healthy("invalid")
    invalid.loc[7, "sales"] = np.nan
    dup = _healthy("dup")
    spike = _healthy("spike")
    spike.loc[50, "sales"] = 500.0
    one = series_frame([0.0] * (N - 1) + [2.0], sku="last_sale")
    one.loc[3, "sales"] = 0.0
    one_mid = series_frame([0.0] * 20 + [1.0] + [0.0] * 39, sku="one_sale")
    return {
        "all_zero": series_frame([0.0] * N, sku="all_zero"),
        "one_sale": one_mid,
        "yesterday": series_frame([3.0], sku="yesterday"),
        "three_days": series_frame([1.0, 0.0, 2.0], sku="three_days"),
        "ten_days": series_frame([2.0, 3.0, 2.0, 4.0, 3.0, 2.0, 3.0, 2.0, 3.0, 2.0], sku="ten_days"),
        "always_out": series_frame([0.0, 1.0, 0.0] * 5, sku="always_out", on_hand=[0.0] * 15),
        "gaps": gaps,
        "returns": returns,
        "invalid": invalid,
        "dup": pd.concat([dup, dup.iloc[[20]]]),
        "spike": spike,
        "last_sale": one,
    }


EXPECTED = {
    "all_zero": ("zero", "all_zero"),
    "one_sale": ("mean_observed", "one_sale"),
    "yesterday": ("mean_observed", "short_history"),
    "three_days": ("mean_observed", "short_history"),
    "ten_days": ("seasonal_naive", "short_history"),
    "always_out": ("censored_sales_mean", "censored_only"),
    "last_sale": ("mean_observed", "one_sale"),
}
FLAGGED = {
    "gaps": "missing_rows_as_zero=20",
    "returns": "negative_sales_masked=2",
    "invalid": "invalid_sales_masked=1",
    "dup": "duplicate_rows_summed=1",
    "spike": "spikes_clipped=1",
    "always_out": "censored_days=15",
}


@pytest.fixture(scope="module")
def result():
    panel = panel_of(*_cases().values())
    positions = pd.DataFrame(
        {"store_id": ["S1", "S1"], "sku": ["all_zero", "never_sold"], "on_hand": [5.0, 3.0]}
    )
    return forecast_panel(panel, AS_OF, 14, positions=positions)


def test_every_series_gets_a_full_forecast(result) -> None:
    daily, series = result.daily, result.series
    assert len(series) == len(_cases()) + 1
    assert len(daily) == 14 * len(series)
    assert np.isfinite(daily[["mean", "q50", "q90", "q95", "q975"]].to_numpy()).all()
    assert (daily["mean"] >= 0).all()
    assert series["model"].notna().all()


@pytest.mark.parametrize("sku", sorted(EXPECTED))
def test_fallback_model_and_reason(result, sku: str) -> None:
    row = one_row(result.series, sku)
    model, reason = EXPECTED[sku]
    assert row["model"] == model
    assert row["fallback_reason"].startswith(reason)


@pytest.mark.parametrize("sku", sorted(FLAGGED))
def test_input_problem_is_flagged(result, sku: str) -> None:
    assert FLAGGED[sku] in one_row(result.series, sku)["flags"]


def test_series_without_history_gets_zero_with_reason(result) -> None:
    row = one_row(result.series, "never_sold")
    assert (row["model"], row["fallback_reason"], row["demand_class"]) == ("zero", "no_history", "no_demand")
    assert row["p_stockout_within_7d"] == 0.0  # 3 on hand, no demand expected


def test_launched_yesterday_forecasts_its_first_day(result) -> None:
    d = result.daily[result.daily["sku"] == "yesterday"]
    assert d["mean"].mean() == pytest.approx(3.0, rel=1e-9)


def test_healthy_models_on_odd_rows(result) -> None:
    for sku in ("gaps", "returns", "invalid", "dup", "spike"):
        row = one_row(result.series, sku)
        assert row["fallback_reason"] is None
        assert row["model"] in {"ses", "tsb"}
    # the clipped spike does not inflate the forecast
    spike = result.daily[result.daily["sku"] == "spike"]["mean"].mean()
    assert spike < 5.0


def test_empty_panel_and_no_positions() -> None:
    empty = pd.DataFrame({"store_id": [], "sku": [], "date": pd.to_datetime([]), "sales": []})
    res = forecast_panel(empty, AS_OF)
    assert res.daily.empty and res.series.empty
    only_positions = forecast_panel(
        empty, AS_OF, positions=pd.DataFrame({"store_id": ["S"], "sku": ["X"], "on_hand": [0.0]})
    )
    row = only_positions.series.iloc[0]
    assert row["fallback_reason"] == "no_history"
    assert row["expected_sellout_date"] == AS_OF  # nothing on hand: already out

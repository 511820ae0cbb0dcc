"""forecast_panel end to end: planted answers, censoring, batches, output contract."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from substitute.forecast import ForecastConfig, compute_store_context, forecast_panel
from tests.forecast.helpers import AS_OF, intermittent_matrix, one_row, panel_of, series_frame

DAILY_COLUMNS = ["store_id", "sku", "date", "mean", "q50", "q90", "q95", "q975", "model"]
SERIES_COLUMNS = [
    "store_id", "sku", "model", "fallback_reason", "demand_class", "p_stockout_before_receipt",
    "p_stockout_within_7d", "expected_sellout_date", "days_of_cover", "reorder_qty",
]  # fmt: skip


def _mean(res, sku: str) -> float:
    return float(res.daily.loc[res.daily["sku"] == sku, "mean"].mean())


def test_output_contract() -> None:
    res = forecast_panel(series_frame([2.0, 3.0] * 30), AS_OF, 10)
    assert list(res.daily.columns) == DAILY_COLUMNS
    assert list(res.series.columns[: len(SERIES_COLUMNS)]) == SERIES_COLUMNS
    assert res.daily["date"].min() == AS_OF + pd.Timedelta(days=1)
    assert len(res.daily) == 10


@pytest.mark.parametrize("value", [0.4, 4.0, 25.0])
def test_constant_series_forecast_equals_the_constant(value: float) -> None:
    res = forecast_panel(series_frame([value] * 70), AS_OF)
    np.testing.assert_allclose(res.daily["mean"], value, rtol=1e-9)
    assert res.series["demand_class"].iloc[0] == "smooth"


def test_stockout_days_do_not_lower_the_forecast() -> None:
    n = 84
    out = np.zeros(n, dtype=bool)
    out[[10, 11, 12, 40, 41, 70, 71, 72, 73, 80]] = True
    # one store each, so that no store-level weekly profile mixes them
    truth = series_frame([4.0] * n, sku="in_stock", store="S1")
    stocked_out = series_frame(
        np.where(out, 0.0, 4.0), sku="stocked_out", store="S2", on_hand=np.where(out, 0.0, 9.0)
    )
    zeros_learnt = series_frame(np.where(out, 0.0, 4.0), sku="no_stock_data", store="S3")
    res = forecast_panel(panel_of(truth, stocked_out, zeros_learnt), AS_OF)
    assert _mean(res, "in_stock") == pytest.approx(4.0, rel=1e-9)
    assert _mean(res, "stocked_out") == pytest.approx(4.0, rel=1e-9)
    assert _mean(res, "no_stock_data") < 4.0 - 0.1
    row = one_row(res.series, "stocked_out", store="S2")
    assert row["n_censored_days"] == out.sum()
    assert row["est_lost_units"] == pytest.approx(4.0 * out.sum())


def test_intermittent_stockouts_are_not_learnt_as_zeros() -> None:
    rng = np.random.default_rng(4)
    n = 120
    sales = np.where(rng.random(n) < 0.35, 1.0 + rng.poisson(2.0, n), 0.0)
    out = np.zeros(n, dtype=bool)
    out[60:80] = True  # three weeks out of stock: a long run of zeros that is not demand
    censored = series_frame(np.where(out, 0.0, sales), sku="censored", stockout=out)
    naive = series_frame(np.where(out, 0.0, sales), sku="naive")
    res = forecast_panel(panel_of(censored, naive), AS_OF)
    assert _mean(res, "censored") >= _mean(res, "naive")
    assert one_row(res.series, "censored")["model"] == "tsb"


def test_batches_with_a_shared_context_equal_one_run() -> None:
    y = intermittent_matrix(60, 100, seed=8)
    frames = [series_frame(y[i], sku=f"K{i:02d}", store=f"S{i % 2}") for i in range(60)]
    panel = panel_of(*frames)
    context = compute_store_context(panel, AS_OF)
    whole = forecast_panel(panel, AS_OF, context=context)
    skus = sorted(panel["sku"].unique())
    parts = [
        forecast_panel(panel[panel["sku"].isin(batch)], AS_OF, context=context)
        for batch in (skus[:25], skus[25:])
    ]
    joined = pd.concat([p.daily for p in parts]).sort_values(["store_id", "sku", "date"])
    expected = whole.daily.sort_values(["store_id", "sku", "date"])
    np.testing.assert_allclose(joined["mean"].to_numpy(), expected["mean"].to_numpy(), rtol=1e-12)
    np.testing.assert_array_equal(joined["q95"].to_numpy(), expected["q95"].to_numpy())


def test_chunking_does_not_change_results() -> None:
    y = intermittent_matrix(30, 80, seed=9)
    panel = panel_of(*[series_frame(y[i], sku=f"K{i:02d}") for i in range(30)])
    one = forecast_panel(panel, AS_OF)
    chunked = forecast_panel(panel, AS_OF, config={"chunk_series": 7})
    np.testing.assert_allclose(one.daily["mean"], chunked.daily["mean"], rtol=1e-12)


def test_store_outage_is_masked_for_every_series() -> None:
    rng = np.random.default_rng(2)
    n, days = 40, 70
    y = rng.poisson(6.0, (n, days)).astype(float)
    y[:, 60] = 0.0  # the store was closed (or its feed lost) on one day
    panel = panel_of(*[series_frame(y[i], sku=f"K{i:02d}") for i in range(n)])
    res = forecast_panel(panel, AS_OF)
    closed = AS_OF - pd.Timedelta(days=days - 1 - 60)
    assert list(res.context.outage_days["date"]) == [closed]
    assert res.series["flags"].str.contains("outage_days_masked=1").all()
    # a store of a handful of series is never flagged: its zeros are ordinary
    small = forecast_panel(panel[panel["sku"].isin(["K00", "K01"])], AS_OF)
    assert small.context.outage_days.empty


def test_config_is_validated() -> None:
    with pytest.raises(ValidationError):
        ForecastConfig(horizn=28)  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        ForecastConfig(quantiles=(0.5, 1.5))
    res = forecast_panel(series_frame([1.0] * 30), AS_OF, 5, config={"quantiles": (0.8,)})
    assert "q80" in res.daily.columns and len(res.daily) == 5


def test_importing_the_package_is_light() -> None:
    code = (
        "import sys, substitute.forecast\n"
        "heavy = [m for m in ('statsmodels', 'scipy', 'pandas') if m in sys.modules]\n"
        "from substitute.forecast import forecast_panel\n"
        "import pandas as pd\n"
        "df = pd.DataFrame({'store_id': ['S'] * 30, 'sku': ['A'] * 30, "
        "'date': pd.date_range('2024-01-01', periods=30), 'sales': [1.0, 2.0, 0.0] * 10})\n"
        "forecast_panel(df, '2024-01-30')\n"
        "print(heavy, 'statsmodels' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[] False"


def test_weekly_pattern_reaches_the_forecast() -> None:
    weekly = np.array([2.0, 2.0, 2.0, 2.0, 3.0, 6.0, 5.0])  # Monday first
    dates = pd.date_range(end=AS_OF, periods=84, freq="D")
    sales = weekly[dates.dayofweek]
    res = forecast_panel(series_frame(sales), AS_OF, 14)
    by_day = res.daily.set_index("date")["mean"]
    assert by_day[by_day.index.dayofweek == 5].mean() > 2.5 * by_day[by_day.index.dayofweek == 0].mean()
    assert by_day.mean() == pytest.approx(weekly.mean(), rel=0.02)


def test_exported_names() -> None:
    import substitute.forecast as package

    for name in package.__all__:
        assert getattr(package, name) is not None
    with pytest.raises(AttributeError):
        _ = package.not_a_name

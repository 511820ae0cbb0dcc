"""Exogenous effects: planted promotion and heat lifts are found, applied and kept only when real."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from substitute.forecast import ForecastConfig, forecast_panel
from substitute.forecast.exogenous import Cells, fit_effects, relative
from tests.forecast.helpers import AS_OF

DAYS, HORIZON = 300, 28
PROMO = ForecastConfig(exogenous=("promo",))
HEAT = ForecastConfig(exogenous=("temperature",), hot_threshold_c=20.0)


def _promo_days(rng: np.random.Generator, total: int) -> np.ndarray:
    """Promotion runs of 4-8 days, about one day in eight."""
    flag = np.zeros(total, dtype=bool)
    start = int(rng.integers(0, 20))
    while start < total:
        flag[start : start + int(rng.integers(4, 9))] = True
        start += int(rng.integers(30, 60))
    return flag


def _panel(
    n: int = 30,
    *,
    lift: float = 2.0,
    rate: float = 4.0,
    seed: int = 0,
    future: bool = True,
    shuffle_flags: bool = False,
    stockout_share: float = 0.0,
) -> pd.DataFrame:
    """``n`` series whose demand is ``rate`` a day, ``lift`` times that on promotion days.

    Rows after ``AS_OF`` carry the planned promotions (sales 0). With
    ``shuffle_flags`` the flags are drawn independently of the demand.
    """
    rng = np.random.default_rng(seed)
    dates = pd.date_range(end=AS_OF + pd.Timedelta(days=HORIZON), periods=DAYS + HORIZON, freq="D")
    frames = []
    for i in range(n):
        promo = _promo_days(rng, len(dates))
        sales = rng.poisson(rate * np.where(promo, lift, 1.0)).astype(float)
        flags = rng.permutation(promo) if shuffle_flags else promo
        out = (rng.random(len(dates)) < stockout_share) & promo
        frame = pd.DataFrame(
            {
                "store_id": "S1",
                "sku": f"K{i:02d}",
                "date": dates,
                "sales": np.where(out, 0.0, sales),
                "on_hand": np.where(out, 0.0, 50.0),
                "promo": flags,
            }
        )
        frames.append(frame if future else frame[frame["date"] <= AS_OF])
    return pd.concat(frames, ignore_index=True)


def _future_flags(panel: pd.DataFrame) -> pd.DataFrame:
    return panel.loc[panel["date"] > AS_OF, ["store_id", "sku", "date", "promo"]]


def test_fit_effects_recovers_a_planted_log_lift() -> None:
    rng = np.random.default_rng(1)
    n = 20_000
    z = (rng.random(n) < 0.2).astype(float)[:, None]
    f = rng.uniform(0.5, 3.0, n)
    y = rng.poisson(f * 1.3 * np.exp(np.log(2.0) * z[:, 0])).astype(float)  # base biased by 1.3
    cells = Cells(y, f, z, np.zeros(n, dtype=np.int64), np.arange(n, dtype=np.int64))
    theta = fit_effects(cells, 1, shrinkage=0.0)
    assert np.exp(theta[0, 0]) == pytest.approx(1.3, rel=0.03)  # the intercept takes the bias
    assert np.exp(theta[0, 1]) == pytest.approx(2.0, rel=0.05)


def test_shrinkage_pulls_a_thin_effect_towards_one() -> None:
    z = np.array([[1.0], [0.0], [0.0], [0.0]])
    cells = Cells(np.array([4.0, 1.0, 1.0, 1.0]), np.ones(4), z, np.zeros(4, dtype=np.int64), np.arange(4))
    free = fit_effects(cells, 1, shrinkage=0.0)[0, 1]
    shrunk = fit_effects(cells, 1, shrinkage=20.0)[0, 1]
    assert np.exp(free) == pytest.approx(4.0, rel=0.01)
    assert 0 < shrunk < free / 3


def test_relative_driver_is_the_change_against_the_recent_days() -> None:
    x = np.array([[0.0, 0.0, 2.0, 2.0, np.nan, 3.0, np.nan]])
    z = relative(x, history=5, memory=2)
    # history: x minus the mean of the known days among the two before; day 0 has none
    np.testing.assert_allclose(z[0, :5], [np.nan, 0.0, 2.0, 1.0, np.nan])
    # future: against the known days among the last two of the history (2.0), NaN stays unknown
    np.testing.assert_allclose(z[0, 5], 1.0)
    assert np.isnan(z[0, 6])


def test_promotion_days_with_double_demand_are_forecast_at_double() -> None:
    panel = _panel()
    res = forecast_panel(panel, AS_OF, HORIZON, config=PROMO)
    daily = res.daily.merge(_future_flags(panel), on=["store_id", "sku", "date"])
    on, off = daily.loc[daily["promo"], "mean"].mean(), daily.loc[~daily["promo"], "mean"].mean()
    assert on / off == pytest.approx(2.0, rel=0.1)
    assert off == pytest.approx(4.0, rel=0.1)  # promotion days were set aside: regular demand
    # the series with a promotion in the horizon say so, with the effect's size
    promoted = daily.loc[daily["promo"], "sku"].unique()
    series = res.series.set_index("sku")
    assert (series.loc[promoted, "model"] == "ses+promo").all()
    assert series.loc[promoted, "params"].str.contains(r"promo x(?:1\.[89]|2\.[01])").all()
    assert not series.drop(promoted)["model"].str.contains("promo").any()


def test_a_promotion_flag_without_signal_is_dropped_by_the_holdout() -> None:
    panel = _panel(lift=1.0, shuffle_flags=True)
    res = forecast_panel(panel, AS_OF, HORIZON, config=PROMO)
    base = forecast_panel(panel, AS_OF, HORIZON)
    assert not res.series["model"].str.contains("promo").any()
    assert not res.series["params"].str.contains("promo").any()
    # flagged days were only left out of the base fit and the weekly profile:
    # the level barely moves, a weekday's share a little (a seventh fewer days)
    assert res.daily["mean"].mean() == pytest.approx(base.daily["mean"].mean(), rel=0.03)
    per_series = [
        f.groupby(["store_id", "sku"], observed=True)["mean"].mean() for f in (res.daily, base.daily)
    ]
    np.testing.assert_allclose(per_series[0], per_series[1], rtol=0.05)


def test_missing_future_drivers_leave_the_forecast_unadjusted() -> None:
    panel = _panel(future=False)
    res = forecast_panel(panel, AS_OF, HORIZON, config=PROMO)
    assert not res.series["model"].str.contains("promo").any()
    # regular demand, neither lifted nor carrying past promotions in its level
    assert res.daily["mean"].mean() == pytest.approx(4.0, rel=0.05)
    assert forecast_panel(panel, AS_OF, HORIZON).daily["mean"].mean() > 4.2


def test_only_the_drivers_of_future_rows_are_read() -> None:
    panel = _panel()
    future = panel["date"] > AS_OF
    noisy = panel.assign(sales=np.where(future, 1000.0, panel["sales"]))
    for cfg in (ForecastConfig(), PROMO):
        a = forecast_panel(panel, AS_OF, HORIZON, config=cfg).daily["mean"]
        b = forecast_panel(noisy, AS_OF, HORIZON, config=cfg).daily["mean"]
        np.testing.assert_allclose(a, b)


def test_censored_promotion_days_do_not_dilute_the_effect() -> None:
    # a third of the promotion days sold out (sales 0, on_hand 0): not evidence of no lift
    panel = _panel(stockout_share=0.35, seed=3)
    res = forecast_panel(panel, AS_OF, HORIZON, config=PROMO)
    daily = res.daily.merge(_future_flags(panel), on=["store_id", "sku", "date"])
    on, off = daily.loc[daily["promo"], "mean"].mean(), daily.loc[~daily["promo"], "mean"].mean()
    assert on / off == pytest.approx(2.0, rel=0.15)


def test_effects_are_pooled_per_group() -> None:
    # group "a" has the lift, group "b" does not: each keeps its own answer
    a = _panel(n=25, seed=4).assign(group="a")
    b = _panel(n=25, lift=1.0, shuffle_flags=True, seed=5).assign(group="b", sku=lambda f: "B" + f["sku"])
    res = forecast_panel(pd.concat([a, b], ignore_index=True), AS_OF, HORIZON, config=PROMO)
    lifted = res.series.set_index("sku")["params"].str.extract(r"promo x([0-9.]+)")[0].astype(float)
    assert lifted[lifted.index.str.startswith("K")].dropna().between(1.8, 2.2).all()
    assert lifted[lifted.index.str.startswith("K")].notna().sum() >= 15  # those promoted in the horizon
    assert lifted[lifted.index.str.startswith("B")].isna().all()


def _weather(seed: int, total: int) -> np.ndarray:
    """Daily mean temperature: a summer around 24 C with weather that lasts a few days."""
    rng = np.random.default_rng(seed)
    temp = np.empty(total)
    temp[0] = 0.0
    for t in range(1, total):
        temp[t] = 0.75 * temp[t - 1] + rng.normal(0.0, 2.5)
    return 24.0 + temp


def test_a_hot_day_lifts_sandal_demand() -> None:
    rng = np.random.default_rng(7)
    dates = pd.date_range(end=AS_OF + pd.Timedelta(days=HORIZON), periods=DAYS + HORIZON, freq="D")
    stores = {f"S{s}": _weather(10 + s, len(dates)) for s in range(4)}
    stores["S0"][-HORIZON + 5] = 32.0  # a heat wave day in the horizon of S0
    frames = []
    for store, temp in stores.items():
        lift = np.exp(0.07 * np.maximum(temp - 20.0, 0.0))
        for k in range(10):
            sales = rng.poisson(3.0 * lift).astype(float)
            frames.append(
                pd.DataFrame(
                    {
                        "store_id": store,
                        "sku": f"SANDAL{k}",
                        "date": dates,
                        "sales": sales,
                        "temperature_c": temp,
                    }
                )
            )
    panel = pd.concat(frames, ignore_index=True)
    # temperature is a store's: one row per store and day carries it for all its series
    panel.loc[panel["sku"] != "SANDAL0", "temperature_c"] = np.nan
    res = forecast_panel(panel, AS_OF, HORIZON, config=HEAT)
    assert res.series["model"].str.endswith("+heat").all()
    per_degree = res.series["params"].str.extract(r"heat x([0-9.]+)/C")[0].astype(float)
    assert per_degree.mean() == pytest.approx(np.exp(0.07), abs=0.03)
    s0 = res.daily[res.daily["store_id"] == "S0"].groupby("date")["mean"].mean()
    hot_day = dates[-HORIZON + 5]
    assert s0[hot_day] / s0.drop(hot_day).median() > 1.25

"""Calendar events: planted holiday effects are learnt, masked and widened as they should be."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from substitute.forecast import ForecastConfig, forecast_panel
from substitute.forecast.calendar import Event, event_days, load_events, pooled_log_effect

REPO = Path(__file__).resolve().parents[2]


def _poisson_panel(
    n: int, start: str, end: str, level: float, boost: dict[pd.Timestamp, float], seed: int
) -> pd.DataFrame:
    """``n`` flat Poisson series; on the ``boost`` days demand is multiplied."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range(start, end, freq="D")
    factor = np.array([boost.get(d, 1.0) for d in dates])
    sales = rng.poisson(level * factor[None, :], (n, len(dates))).astype(float)
    return pd.DataFrame(
        {
            "store_id": "S1",
            "sku": np.repeat([f"K{i:03d}" for i in range(n)], len(dates)),
            "date": np.tile(dates, n),
            "sales": sales.ravel(),
        }
    )


FESTIVAL = Event(name="festival", dates=(dt.date(2021, 6, 15), dt.date(2022, 6, 15), dt.date(2023, 6, 15)))


def test_a_known_3x_effect_is_estimated_from_earlier_years_and_applied() -> None:
    boost = {pd.Timestamp(d): 3.0 for d in FESTIVAL.dates[:2]}
    panel = _poisson_panel(200, "2021-01-01", "2023-06-10", 4.0, boost, seed=1)
    res = forecast_panel(panel, "2023-06-10", 14, config={"events": [FESTIVAL]})
    daily = res.daily.groupby("date")["mean"].mean()
    festival = daily[pd.Timestamp("2023-06-15")]
    ordinary = daily[pd.Timestamp("2023-06-22")]  # same weekday, no event
    assert festival / ordinary == pytest.approx(3.0, rel=0.1)
    # without the calendar the spikes are just noise: no multiplier
    plain = forecast_panel(panel, "2023-06-10", 14).daily.groupby("date")["mean"].mean()
    assert plain[pd.Timestamp("2023-06-15")] / plain[pd.Timestamp("2023-06-22")] == pytest.approx(
        1.0, abs=0.1
    )


def test_masked_event_days_do_not_lift_the_level_after_them() -> None:
    # a 10x New-Year spike on the last two days of the history
    spike = {pd.Timestamp("2023-12-31"): 10.0, pd.Timestamp("2024-01-01"): 10.0}
    panel = _poisson_panel(60, "2023-09-01", "2024-01-01", 5.0, spike, seed=2)
    new_year = Event(name="new_year", dates=(dt.date(2024, 1, 1),), first_offset=-1)
    masked = forecast_panel(panel, "2024-01-01", 14, config={"events": [new_year]})
    plain = forecast_panel(panel, "2024-01-01", 14)
    assert masked.daily["mean"].mean() == pytest.approx(5.0, rel=0.08)
    assert plain.daily["mean"].mean() > 5.0 * 1.15


def test_an_unseen_event_widens_the_forecast_around_an_unchanged_median() -> None:
    panel = _poisson_panel(40, "2024-01-01", "2024-03-31", 6.0, {}, seed=3)
    unseen = Event(name="fair", dates=(dt.date(2024, 4, 10),))
    cfg = ForecastConfig(events=(unseen,))
    res = forecast_panel(panel, "2024-03-31", 14, config=cfg)
    plain = forecast_panel(panel, "2024-03-31", 14)
    on = res.daily["date"] == pd.Timestamp("2024-04-10")
    v = cfg.event_effect_sd**2 + cfg.event_repeat_sd**2
    ratio = res.daily.loc[on, "mean"].to_numpy() / plain.daily.loc[on, "mean"].to_numpy()
    assert ratio == pytest.approx(np.exp(v / 2))  # lognormal multiplier of median 1
    assert (res.daily.loc[on, "q975"].to_numpy() > plain.daily.loc[on, "q975"].to_numpy()).all()
    assert np.array_equal(res.daily.loc[~on, "q975"], plain.daily.loc[~on, "q975"])


def test_pooled_log_effect_shrinks_little_with_consistent_years() -> None:
    mean0, var0 = pooled_log_effect(np.array([]), 0.5, 0.2)
    assert (mean0, var0) == (0.0, pytest.approx(0.29))
    mean1, var1 = pooled_log_effect(np.log([3.0]), 0.5, 0.2)
    mean3, var3 = pooled_log_effect(np.log([3.0, 3.0, 3.0]), 0.5, 0.2)
    assert 0.0 < mean1 < mean3 < np.log(3.0)
    assert np.exp(mean3) == pytest.approx(3.0, rel=0.05)
    assert var3 < var1 < var0


def test_event_days_lay_offsets_and_first_listed_wins() -> None:
    a = Event(name="a", dates=(dt.date(2024, 1, 5),), first_offset=-1, last_offset=1)
    b = Event(name="b", dates=(dt.date(2024, 1, 6),))
    days = event_days(pd.Timestamp("2024-01-01"), 5, 5, (a, b))
    assert days.types == [("a", -1), ("a", 0), ("a", 1)]
    assert days.kind.tolist() == [-1, -1, -1, 0, 1, 2, -1, -1, -1, -1]
    assert days.history_mask.tolist() == [False, False, False, True, True]


def test_taiwan_calendar_loads_and_a_bad_event_fails() -> None:
    events = load_events(REPO / "configs" / "holidays" / "taiwan.toml")
    lny = next(e for e in events if e.name == "lunar_new_year")
    assert dt.date(2001, 1, 24) in lny.dates and lny.first_offset < 0 < lny.last_offset
    with pytest.raises(ValidationError):
        Event(name="x", dates=(dt.date(2024, 1, 1),), first_offset=2, last_offset=1)
    with pytest.raises(ValidationError):
        ForecastConfig(events=[{"name": "x", "dates": ["2024-01-01"], "typo": 1}])

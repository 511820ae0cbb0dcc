"""ADI / CV² classes of planted series (Syntetos, Boylan & Croston 2005)."""

from __future__ import annotations

import numpy as np
import pytest

from substitute.forecast.classify import classify


def test_planted_series_of_each_class() -> None:
    t = 100
    smooth = np.full(t, 5.0)  # sells every day, same size: ADI 1, CV² 0
    erratic = np.where(np.arange(t) % 2 == 0, 1.0, 9.0)  # every day, sizes 1 or 9: CV² 0.64
    intermittent = np.where(np.arange(t) % 4 == 0, 3.0, 0.0)  # every 4th day, size 3: ADI 4
    lumpy = np.zeros(t)
    lumpy[::5] = np.tile([1.0, 20.0], 10)  # every 5th day, sizes 1 or 20
    never = np.zeros(t)
    demand = np.stack([smooth, erratic, intermittent, lumpy, never])
    observed = np.ones_like(demand, dtype=bool)
    c = classify(demand, observed)
    assert list(c.label) == ["smooth", "erratic", "intermittent", "lumpy", "no_demand"]
    assert c.adi[2] == 4.0
    assert c.cv2[1] == pytest.approx((4.0 / 5.0) ** 2)


def test_censored_days_do_not_count_as_zero_demand() -> None:
    # sells 2 every day except when out of stock every other day: on the
    # observed days it is smooth, not intermittent
    demand = np.where(np.arange(60) % 2 == 0, 2.0, 0.0)[None]
    observed = (np.arange(60) % 2 == 0)[None]
    assert classify(demand, observed).label[0] == "smooth"
    assert classify(demand, np.ones_like(observed)).label[0] == "intermittent"

"""Japanese public holidays, planted from the official calendar."""

from __future__ import annotations

import datetime as dt

import numpy as np

from substitute.demo.jpcalendar import day_factors, japanese_holidays


def test_holidays_of_2025_and_2026():
    days = japanese_holidays(dt.date(2025, 1, 1), dt.date(2026, 12, 31))
    expected = {
        dt.date(2025, 1, 13),  # Coming of Age Day, second Monday
        dt.date(2025, 2, 24),  # substitute for the Emperor's Birthday on a Sunday
        dt.date(2025, 3, 20),  # vernal equinox
        dt.date(2025, 5, 6),  # substitute holiday of Golden Week
        dt.date(2025, 9, 23),  # autumnal equinox
        dt.date(2026, 7, 20),  # Marine Day
        dt.date(2026, 9, 22),  # citizens' holiday between two holidays
    }
    assert expected <= days
    assert dt.date(2025, 5, 7) not in days
    assert len([d for d in days if d.year == 2025]) == 19


def test_stores_close_on_new_years_day_and_are_busiest_at_weekends():
    dates = [dt.date(2026, 1, 1) + dt.timedelta(days=i) for i in range(14)]
    store = day_factors(dates, online=False)
    online = day_factors(dates, online=True)
    assert store[0] == 0 and online[0] > 0
    assert store[1] > store[5]  # New Year sale on the 2nd beats a Tuesday
    saturday = dates.index(dt.date(2026, 1, 10))
    assert store[saturday] == np.max(store[5:])

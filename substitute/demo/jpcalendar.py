"""Japanese shopping calendar: public holidays and day-of-week demand factors.

Holidays follow the rules of the Act on National Holidays as they stand since
2020: fixed dates, "Happy Monday" holidays, the equinoxes (by the usual
astronomical approximation, good for 1980-2099), substitute holidays when a
holiday falls on a Sunday, and a weekday sandwiched between two holidays.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

_FIXED = ((1, 1), (2, 11), (2, 23), (4, 29), (5, 3), (5, 4), (5, 5), (8, 11), (11, 3), (11, 23))
#: (month, which Monday): Coming of Age, Marine, Respect for the Aged, Sports Day
_HAPPY_MONDAY = ((1, 2), (7, 3), (9, 3), (10, 2))

#: Demand by weekday (Monday first). Stores live on weekends; online is flatter
#: and peaks on Sunday and Monday evenings.
STORE_WEEK = (0.75, 0.75, 0.8, 0.8, 0.95, 1.55, 1.5)
ONLINE_WEEK = (1.1, 0.95, 0.95, 0.95, 0.9, 1.05, 1.15)


def _nth_monday(year: int, month: int, n: int) -> dt.date:
    first = dt.date(year, month, 1)
    offset = (7 - first.weekday()) % 7
    return first + dt.timedelta(days=offset + 7 * (n - 1))


def _equinoxes(year: int) -> tuple[dt.date, dt.date]:
    leap_drift = (year - 1980) // 4
    spring = int(20.8431 + 0.242194 * (year - 1980) - leap_drift)
    autumn = int(23.2488 + 0.242194 * (year - 1980) - leap_drift)
    return dt.date(year, 3, spring), dt.date(year, 9, autumn)


def japanese_holidays(first: dt.date, last: dt.date) -> set[dt.date]:
    """Public holidays of Japan between ``first`` and ``last`` inclusive."""
    days: set[dt.date] = set()
    for year in range(first.year, last.year + 1):
        days.update(dt.date(year, m, d) for m, d in _FIXED)
        days.update(_nth_monday(year, m, n) for m, n in _HAPPY_MONDAY)
        days.update(_equinoxes(year))
    # A weekday between two holidays becomes one (the September "silver week").
    for day in sorted(days):
        middle = day + dt.timedelta(days=1)
        if day + dt.timedelta(days=2) in days and middle not in days and middle.weekday() != 6:
            days.add(middle)
    # A holiday on a Sunday moves to the next day that is not a holiday.
    for day in sorted(days):
        if day.weekday() == 6:
            substitute = day + dt.timedelta(days=1)
            while substitute in days:
                substitute += dt.timedelta(days=1)
            days.add(substitute)
    return {d for d in days if first <= d <= last}


def day_factors(dates: list[dt.date], online: bool) -> np.ndarray:
    """Multiplicative demand factor of each day for a store or the online shop.

    Stores are closed on 1 January, busy for the New Year sales on the 2nd and
    3rd and during Obon; a public holiday counts as a Sunday.
    """
    holidays = japanese_holidays(dates[0], dates[-1]) if dates else set()
    week = ONLINE_WEEK if online else STORE_WEEK
    factors = np.empty(len(dates))
    for i, day in enumerate(dates):
        if online:
            factors[i] = week[day.weekday()] * (1.05 if day in holidays else 1.0)
            continue
        factor = week[6] if day in holidays else week[day.weekday()]
        if (day.month, day.day) == (1, 1):
            factor = 0.0
        elif day.month == 1 and day.day in (2, 3):
            factor *= 1.6
        elif (day.month, day.day) == (12, 31):
            factor *= 0.5
        elif day.month == 8 and 13 <= day.day <= 16:
            factor *= 1.25
        factors[i] = factor
    return factors

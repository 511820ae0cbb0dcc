"""Times of day and their text: when shoppers buy, and ISO 8601 strings, vectorised.

Dates and timestamps are written as text in the canonical formats
(``2026-07-01``, ``2026-07-01T14:03:00+09:00`` or ``...Z``). Building millions
of such strings one by one in Python is slow, so they are assembled with
Arrow's string kernels from small lookup tables (one entry per day of the
window, one per second of the day).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

#: Japan Standard Time, which has no daylight saving time.
TOKYO_OFFSET_S = 9 * 3600
TOKYO_SUFFIX = "+09:00"

# Relative footfall per hour: shops open 10:00-20:00; online peaks at lunch and late evening.
_STORE_HOURS = np.zeros(24)
_STORE_HOURS[10:20] = (1.0, 1.3, 1.4, 1.6, 1.7, 1.6, 1.4, 1.3, 1.2, 0.9)
_ONLINE_HOURS = np.array(
    (
        0.8,
        0.5,
        0.3,
        0.2,
        0.15,
        0.15,
        0.3,
        0.6,
        0.8,
        0.9,
        1.0,
        1.1,
        1.4,
        1.2,
        1.0,
        1.0,
        1.0,
        1.1,
        1.2,
        1.4,
        1.7,
        2.0,
        2.0,
        1.4,
    )
)


def sample_seconds(rng: np.random.Generator, n: int, online: bool) -> np.ndarray:
    """Second of the local day (0-86399) at which each of ``n`` purchases happens."""
    weights = _ONLINE_HOURS if online else _STORE_HOURS
    hours = rng.choice(24, size=n, p=weights / weights.sum())
    return hours * 3600 + rng.integers(0, 3600, size=n)


class DayTexts:
    """ISO dates of the window, with room for days just before and after it."""

    def __init__(self, start: dt.date, days: int, before: int = 1, after: int = 400) -> None:
        self.start = start
        self.before = before
        dates = [start + dt.timedelta(days=i) for i in range(-before, days + after)]
        self.iso = pa.array([d.isoformat() for d in dates], type=pa.string())
        self.compact = pa.array([d.strftime("%Y%m%d") for d in dates], type=pa.string())

    def date(self, day: np.ndarray) -> pa.Array:
        """``YYYY-MM-DD`` of each day index (0 = first day of the window)."""
        return self.iso.take(pa.array(np.asarray(day, dtype=np.int64) + self.before))

    def compact_date(self, day: np.ndarray) -> pa.Array:
        """``YYYYMMDD`` of each day index, as used in transaction ids."""
        return self.compact.take(pa.array(np.asarray(day, dtype=np.int64) + self.before))

    def isoformat(self, day: int) -> str:
        """``YYYY-MM-DD`` of one day index (any day, also outside the window)."""
        return (self.start + dt.timedelta(days=int(day))).isoformat()


_SUFFIXES = pa.array([TOKYO_SUFFIX, "Z"], type=pa.string())
_CLOCK = pa.array(
    [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86400)], type=pa.string()
)


def timestamps(
    days: DayTexts, day: np.ndarray, second: np.ndarray, utc: np.ndarray | None = None
) -> pa.Array:
    """ISO 8601 timestamps of Tokyo-local ``day`` and ``second``; ``utc`` rows are written in UTC (``Z``)."""
    day = np.asarray(day, dtype=np.int64)
    second = np.asarray(second, dtype=np.int64)
    if utc is None:
        utc = np.zeros(len(day), dtype=bool)
    instant = day * 86400 + second - np.where(utc, TOKYO_OFFSET_S, 0)
    shown_day, shown_second = np.divmod(instant, 86400)
    suffix = _SUFFIXES.take(pa.array(np.asarray(utc, dtype=np.int8)))
    return pc.binary_join_element_wise(
        days.date(shown_day), pa.scalar("T"), _CLOCK.take(pa.array(shown_second)), suffix, ""
    )


def padded(numbers: np.ndarray, width: int) -> pa.Array:
    """Zero-padded decimal text of non-negative integers."""
    return pc.utf8_lpad(pc.cast(pa.array(np.asarray(numbers, dtype=np.int64)), pa.string()), width, "0")

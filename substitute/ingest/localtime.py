"""Store-local time: timestamps to UTC, and the business day in the store's zone.

A timestamp with an offset is an instant; a naive one is wall-clock time in
the store's zone. Across the autumn fall-back the repeated hour is ambiguous:
we take its first occurrence (``fold=0``), so two sales at "01:30" both load,
an hour apart at most. A wall time inside the spring-forward gap never
happened; it is moved forward by the gap and counted as a warning.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass
class LocalTimes:
    ts_utc: pd.Series  # naive UTC
    business_date: pd.Series  # midnight of the store-local day
    shifted_from_gap: int  # wall times that fell in a spring-forward gap


def localize(values: pd.Series, is_utc: pd.Series, store_ids: pd.Series, zones: dict[str, str]) -> LocalTimes:
    """Convert ``values`` (naive; UTC where ``is_utc``) using each store's zone."""
    ts_utc = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    local_day = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    shifted = 0
    zone_of_row = store_ids.map(zones)
    for zone, rows in values.groupby(zone_of_row, sort=True).groups.items():
        part = values.loc[rows]
        utc_rows = is_utc.loc[rows].to_numpy(dtype=bool)
        instants = pd.Series(pd.NaT, index=part.index, dtype=f"datetime64[ns, {zone}]")
        if utc_rows.any():
            instants[utc_rows] = part[utc_rows].dt.tz_localize("UTC").dt.tz_convert(zone)
        wall = part[~utc_rows]
        if len(wall):
            first_occurrence = np.ones(len(wall), dtype=bool)  # DST side = the earlier hour
            strict = wall.dt.tz_localize(zone, ambiguous=first_occurrence, nonexistent="NaT")
            moved = wall.dt.tz_localize(zone, ambiguous=first_occurrence, nonexistent="shift_forward")
            shifted += int((strict.isna() & wall.notna()).sum())
            instants[~utc_rows] = moved
        ts_utc.loc[rows] = instants.dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[ns]")
        local_day.loc[rows] = instants.dt.tz_localize(None).dt.normalize().astype("datetime64[ns]")
    return LocalTimes(ts_utc=ts_utc, business_date=local_day, shifted_from_gap=shifted)

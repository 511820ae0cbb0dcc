"""The long daily sales table as a dense series x days array with masks.

Every model in this package works on one representation: a float array
``demand[series_idx, day_idx]`` and a boolean ``observed`` mask of the same
shape saying which cells are usable as demand. A cell is *not* observed when

* the series was not yet listed (before its first row: a launch is not a
  long run of zero demand);
* the day was censored by a stockout (see :mod:`substitute.forecast.censoring`):
  its zero is missing demand, not absent demand;
* net sales were negative (returns exceeded sales) or not a number;
* the row is missing and ``missing_rows="unobserved"``;
* the store had an outage that day (masked later, by the store context).

External ids (``store_id``, ``sku``) stay in :attr:`SeriesPanel.keys`, sorted;
row ``i`` of every array is series ``i`` of ``keys``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from substitute.errors import DataError
from substitute.forecast import columns as C
from substitute.forecast.censoring import censor_mask
from substitute.forecast.rowstats import first_true

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class PanelQuality:
    """Per-series counts of what was wrong with the input, for the ``flags`` column."""

    missing_rows: IntArray
    negative_days: IntArray
    invalid_sales_days: IntArray
    duplicate_days: IntArray
    censored_days: IntArray


@dataclass(frozen=True)
class SeriesPanel:
    """Dense daily demand of ``n`` series over ``T`` days ending at ``as_of``.

    Attributes
    ----------
    keys
        ``store_id, sku`` of each series, sorted; row ``i`` is ``series_idx`` ``i``.
    start
        Date of day index 0; day ``T - 1`` is ``as_of``.
    demand
        Net sales, 0 where unknown; shape ``(n, T)``.
    observed
        True where ``demand`` is usable as demand.
    censored
        True where a stockout hid demand (demand >= sales that day).
    first_day
        Day index of each series' first row (``T`` for a series without rows).
    quality
        Counts of input problems per series.
    """

    keys: pd.DataFrame
    start: pd.Timestamp
    demand: FloatArray
    observed: BoolArray
    censored: BoolArray
    first_day: IntArray
    quality: PanelQuality

    @property
    def n_series(self) -> int:
        return int(self.demand.shape[0])

    @property
    def n_days(self) -> int:
        return int(self.demand.shape[1])

    @property
    def dates(self) -> pd.DatetimeIndex:
        return pd.date_range(self.start, periods=self.n_days, freq="D")

    @property
    def as_of(self) -> pd.Timestamp:
        return self.start + pd.Timedelta(days=self.n_days - 1)

    def take(self, rows: IntArray | slice) -> SeriesPanel:
        """The sub-panel of the given series (a chunk of a batch)."""
        q = self.quality
        return SeriesPanel(
            keys=self.keys.iloc[rows].reset_index(drop=True),
            start=self.start,
            demand=self.demand[rows],
            observed=self.observed[rows],
            censored=self.censored[rows],
            first_day=self.first_day[rows],
            quality=PanelQuality(
                missing_rows=q.missing_rows[rows],
                negative_days=q.negative_days[rows],
                invalid_sales_days=q.invalid_sales_days[rows],
                duplicate_days=q.duplicate_days[rows],
                censored_days=q.censored_days[rows],
            ),
        )


def to_day(value: object) -> pd.Timestamp:
    """A date-like value as a midnight ``Timestamp`` without time zone."""
    stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    if stamp.tzinfo is not None:
        stamp = stamp.tz_localize(None)
    return stamp.normalize()


def _dates_as_days(values: pd.Series) -> NDArray[np.datetime64]:
    try:
        stamps = pd.to_datetime(values)
    except (ValueError, TypeError) as exc:
        raise DataError(
            f"column {C.DATE!r} has values that are not dates ({exc}); give ISO dates such as 2024-05-31"
        ) from exc
    if isinstance(stamps.dtype, pd.DatetimeTZDtype):
        stamps = stamps.dt.tz_localize(None)
    return stamps.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")


def _check_columns(panel: pd.DataFrame) -> None:
    missing = [c for c in C.PANEL_REQUIRED if c not in panel.columns]
    if missing:
        raise DataError(
            f"the sales panel lacks column(s) {missing}; it needs "
            f"{list(C.PANEL_REQUIRED)} (optional: {list(C.PANEL_OPTIONAL)})"
        )


def _as_flags(column: pd.Series) -> NDArray[np.bool_]:
    """A boolean column where missing values mean False."""
    if column.dtype == bool:
        return column.to_numpy()
    try:
        return column.astype("boolean").fillna(False).to_numpy(dtype=bool)
    except (TypeError, ValueError) as exc:
        raise DataError(
            f"column {C.STOCKOUT!r} must hold booleans (True/False, 1/0 or empty): {exc}"
        ) from exc


def _cell_any(flat: IntArray, flag: NDArray[np.bool_], size: int) -> BoolArray:
    """True for every cell that has at least one row with ``flag``."""
    hit = np.zeros(size, dtype=bool)
    hit[flat[flag]] = True
    return hit


def _factorize_keys(panel: pd.DataFrame, extra_keys: pd.DataFrame | None) -> tuple[pd.DataFrame, IntArray]:
    """Sorted unique series keys and each panel row's ``series_idx``.

    The long columns are factorized once each (cheap for categoricals); the
    small set of distinct pairs is then sorted and merged with ``extra_keys``.
    """
    store_codes, stores = pd.factorize(panel[C.STORE_ID])
    sku_codes, skus = pd.factorize(panel[C.SKU])
    if (store_codes < 0).any() or (sku_codes < 0).any():
        raise DataError(f"{C.STORE_ID} and {C.SKU} must not be empty; drop or fill those rows")
    width = max(len(skus), 1)
    pair_codes, pairs = pd.factorize(store_codes.astype(np.int64) * width + sku_codes)
    found = pd.DataFrame(
        {
            C.STORE_ID: np.asarray(stores, dtype=object)[pairs // width],
            C.SKU: np.asarray(skus, dtype=object)[pairs % width],
        }
    )
    found["_pair"] = np.arange(len(found))
    keys = found
    if extra_keys is not None and len(extra_keys):
        extra = extra_keys[list(C.SERIES_KEY)].astype(object).dropna()
        keys = pd.concat([found, extra.assign(_pair=-1)], ignore_index=True)
        keys = keys.drop_duplicates(list(C.SERIES_KEY), keep="first")
    keys = keys.sort_values(list(C.SERIES_KEY), kind="stable").reset_index(drop=True)
    final_index = np.empty(len(found), dtype=np.int64)
    known = keys["_pair"].to_numpy() >= 0
    final_index[keys["_pair"].to_numpy()[known]] = np.flatnonzero(known)
    return keys[list(C.SERIES_KEY)], final_index[pair_codes]


def build_panel(
    panel: pd.DataFrame,
    as_of: object,
    *,
    history_days: int | None = None,
    missing_rows: str = "zero",
    censor_low_sales_share: float = 1.0,
    extra_keys: pd.DataFrame | None = None,
) -> SeriesPanel:
    """Turn the long daily table into a :class:`SeriesPanel`.

    Parameters
    ----------
    panel
        Long table with ``store_id, sku, date, sales`` and optionally
        ``on_hand`` and ``stockout``. Rows after ``as_of`` are ignored;
        several rows for one series and day are summed.
    as_of
        Last day of history (inclusive); the forecast starts the day after.
    history_days
        Keep at most this many days up to ``as_of``.
    missing_rows
        ``"zero"``: a listed day without a row had no sales; ``"unobserved"``:
        it is unknown and masked.
    censor_low_sales_share
        See :func:`substitute.forecast.censoring.censor_mask`.
    extra_keys
        ``store_id, sku`` of series to include even without rows (items in
        the inventory that never sold); they get a forecast with a reason.

    Raises
    ------
    DataError
        When a required column is missing or dates cannot be read.
    """
    _check_columns(panel)
    end = to_day(as_of)
    end_day = np.datetime64(end.date(), "D")
    days = _dates_as_days(panel[C.DATE]) if len(panel) else np.array([], "datetime64[D]")
    keep = days <= end_day
    if history_days is not None:
        keep &= days > end_day - np.timedelta64(history_days, "D")
    if not keep.all():
        panel = panel.loc[keep]
        days = days[keep]
    keys, series_idx = _factorize_keys(panel, extra_keys)
    start_day = days.min() if len(days) else end_day
    start = pd.Timestamp(start_day)
    n, width = len(keys), int((end_day - start_day).astype(np.int64)) + 1
    day_idx = (days - start_day).astype(np.int64)
    flat = series_idx * width + day_idx
    size = n * width

    sales = pd.to_numeric(panel[C.SALES], errors="coerce").to_numpy(dtype=np.float64)
    invalid_row = ~np.isfinite(sales)
    rows_per_cell = np.bincount(flat, minlength=size)
    total = np.bincount(flat, weights=np.where(invalid_row, 0.0, sales), minlength=size)
    invalid = _cell_any(flat, invalid_row, size)
    if C.ON_HAND in panel.columns:
        on_hand = pd.to_numeric(panel[C.ON_HAND], errors="coerce").to_numpy(dtype=np.float64)
        empty_shelf = _cell_any(flat, on_hand <= 0, size)  # NaN compares False: unknown
    else:
        empty_shelf = np.zeros(size, dtype=bool)
    if C.STOCKOUT in panel.columns:
        flag = _as_flags(panel[C.STOCKOUT])
        flagged = _cell_any(flat, flag, size)
    else:
        flagged = np.zeros(size, dtype=bool)

    shape = (n, width)
    has_row = (rows_per_cell > 0).reshape(shape)
    demand = np.asarray(total, dtype=np.float64).reshape(shape)
    invalid = invalid.reshape(shape)
    first_day = first_true(has_row)
    listed = np.arange(width)[None, :] >= first_day[:, None]
    negative = demand < 0
    demand = np.where(negative | invalid, 0.0, demand)
    censored = censor_mask(
        demand,
        has_row & ~invalid & ~negative,
        empty_shelf.reshape(shape),
        flagged.reshape(shape),
        low_sales_share=censor_low_sales_share,
    )
    observed = listed & ~negative & ~invalid & ~censored
    if missing_rows == "unobserved":
        observed &= has_row
    elif missing_rows != "zero":
        raise ValueError("missing_rows must be 'zero' or 'unobserved'")
    quality = PanelQuality(
        missing_rows=(listed & ~has_row).sum(axis=1),
        negative_days=negative.sum(axis=1),
        invalid_sales_days=invalid.sum(axis=1),
        duplicate_days=(rows_per_cell.reshape(shape) > 1).sum(axis=1),
        censored_days=censored.sum(axis=1),
    )
    return SeriesPanel(
        keys=keys,
        start=start,
        demand=demand,
        observed=observed,
        censored=censored,
        first_day=first_day,
        quality=quality,
    )

"""Long table -> dense panel: censoring, bad rows, launches, missing days."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from substitute.errors import DataError
from substitute.forecast.panel import build_panel
from tests.forecast.helpers import AS_OF, panel_of, series_frame


def test_dense_arrays_and_sorted_keys() -> None:
    frame = panel_of(series_frame([1, 2, 3], sku="B"), series_frame([4, 5], sku="A", store="S0"))
    sp = build_panel(frame, AS_OF)
    assert sp.keys.to_dict("list") == {"store_id": ["S0", "S1"], "sku": ["A", "B"]}
    assert sp.n_days == 3 and sp.as_of == AS_OF
    np.testing.assert_array_equal(sp.demand, [[0, 4, 5], [1, 2, 3]])
    # the launch of S0/A is on day 1: day 0 is not a zero-demand day
    np.testing.assert_array_equal(sp.observed, [[False, True, True], [True, True, True]])


def test_stockout_flag_and_empty_shelf_with_low_sales_are_censored() -> None:
    sales = [4, 5, 0, 1, 6, 4, 5]
    on_hand = [9, 5, 0, 0, 0, 3, np.nan]  # day 4 sold 6 and ended empty: a busy day, kept
    stockout = [False, False, False, False, False, True, False]
    sp = build_panel(series_frame(sales, on_hand=on_hand, stockout=stockout), AS_OF)
    np.testing.assert_array_equal(sp.censored[0], [0, 0, 1, 1, 0, 1, 0])
    np.testing.assert_array_equal(sp.observed[0], [1, 1, 0, 0, 1, 0, 1])
    assert sp.quality.censored_days[0] == 3


def test_negative_invalid_duplicate_and_future_rows() -> None:
    frame = series_frame([3, -2, 4, 1])
    frame.loc[2, "sales"] = np.nan
    dup = frame.iloc[[3]].assign(sales=2.0)
    future = frame.iloc[[0]].assign(date=AS_OF + pd.Timedelta(days=1), sales=100.0)
    sp = build_panel(pd.concat([frame, dup, future]), AS_OF)
    np.testing.assert_array_equal(sp.demand[0], [3, 0, 0, 3])
    np.testing.assert_array_equal(sp.observed[0], [1, 0, 0, 1])
    q = sp.quality
    assert (q.negative_days[0], q.invalid_sales_days[0], q.duplicate_days[0]) == (1, 1, 1)


def test_missing_rows_are_zero_or_unobserved() -> None:
    frame = series_frame([2, 0, 0, 3]).drop(index=[1, 2])
    zero = build_panel(frame, AS_OF, missing_rows="zero")
    masked = build_panel(frame, AS_OF, missing_rows="unobserved")
    np.testing.assert_array_equal(zero.observed[0], [1, 1, 1, 1])
    np.testing.assert_array_equal(masked.observed[0], [1, 0, 0, 1])
    assert zero.quality.missing_rows[0] == 2


def test_extra_keys_and_history_limit() -> None:
    frame = series_frame(np.arange(10.0))
    extra = pd.DataFrame({"store_id": ["S1"], "sku": ["NEW"]})
    sp = build_panel(frame, AS_OF, history_days=7, extra_keys=extra)
    assert sp.n_days == 7
    assert list(sp.keys["sku"]) == ["A", "NEW"]
    assert sp.first_day[1] == sp.n_days and not sp.observed[1].any()


def test_missing_column_is_a_data_error_that_says_what_to_do() -> None:
    with pytest.raises(DataError, match="lacks column"):
        build_panel(pd.DataFrame({"store_id": ["S"], "sku": ["A"], "date": [AS_OF]}), AS_OF)
    with pytest.raises(DataError, match="not dates"):
        build_panel(series_frame([1]).assign(date="yesterday"), AS_OF)

"""The Arrow fast paths on text cells give exactly what pandas gives (pandas is the oracle)."""

from __future__ import annotations

import re

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from substitute.ingest.cells import contains, strip, to_numbers

TRICKY = [
    "",
    "a",
    " a",
    "a ",
    "\ta\n",
    "\xa0x",  # no-break space: Python strips it
    "\u3000全角\u3000",  # ideographic space
    "x\x1c",  # a separator Python counts as whitespace
    "\x85y",
    "-",
    "7",
    "-0",
    "007",
    "+5",
    " 5",
    "1e3",
    "1.5",
    "nan",
    "inf",
    "12345678901234567890",
    "999999999999999999",
    "11/1/2000",
    "2026-07-01T10:00:00+09:00",
    "2026-07-01 10:00",
]

_OFFSET = re.compile(r"\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})$", re.I)


def _series(values: list, name: str = "cells") -> pd.Series:
    return pd.Series(values, dtype=object, name=name, index=range(10, 10 + len(values)))


def test_strip_matches_pandas_on_tricky_cells():
    cells = _series(TRICKY)
    pd.testing.assert_series_equal(strip(cells), cells.str.strip())


def test_strip_of_a_column_with_non_text_takes_the_pandas_path():
    cells = _series([" a ", 5, None])
    pd.testing.assert_series_equal(strip(cells), cells.str.strip())


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=6), max_size=30))
def test_strip_matches_pandas_on_any_text(values):
    cells = _series(values)
    pd.testing.assert_series_equal(strip(cells), cells.str.strip())


def test_to_numbers_matches_pandas():
    for values in (["1", "-2", "007", "-0", "999999999999999999"], TRICKY, ["3", "4", ""], ["5", 6.5]):
        cells = _series(values)
        pd.testing.assert_series_equal(to_numbers(cells), pd.to_numeric(cells, errors="coerce"))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.from_regex(r"-?[0-9]{1,19}", fullmatch=True) | st.sampled_from(TRICKY), max_size=20))
def test_to_numbers_matches_pandas_on_any_integers(values):
    cells = _series(values)
    pd.testing.assert_series_equal(to_numbers(cells), pd.to_numeric(cells, errors="coerce"))


def test_contains_matches_pandas():
    cells = _series([*TRICKY, "10:00Z", "10:00:00.5 +0900", "１２:３４+09:00"])
    pd.testing.assert_series_equal(contains(cells, _OFFSET, ":"), cells.str.contains(_OFFSET))

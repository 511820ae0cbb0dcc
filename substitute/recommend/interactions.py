"""Customer × item weights from purchases and substitute offers.

A weight is how much a customer showed they want an item:

* each purchase line adds its quantity times an exponential time decay
  (returns, negative quantities, take it back);
* an **accepted** substitute adds ``accepted_weight`` units to the offered
  item: the customer chose it when their first choice was gone, a strong
  positive signal;
* a **declined** offer removes ``declined_weight`` from the offered item's
  weight, never below zero. Implicit-feedback ALS has no negative
  observations (Hu, Koren & Volinsky 2008, §4: a zero is "no preference at
  low confidence"), so a decline can only lower the confidence of an existing
  positive; for an item the customer never bought it is neutral, which is
  what a decline says (this item, this time, not for me) without claiming a
  dislike we never observed.

The same weights feed ALS (as confidences) and LightFM (as sample weights).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from substitute.recommend.catalogue import decay_weights
from substitute.recommend.frames import Col
from substitute.recommend.ids import IdMap

if TYPE_CHECKING:
    import pandas as pd
    import scipy.sparse as sp

__all__ = ["Interactions", "build_interactions"]


@dataclass
class Interactions:
    """``weights`` is a CSR matrix, customers × items, non-negative, no explicit zeros."""

    customers: IdMap
    weights: sp.csr_matrix
    n_sales_lines: int
    n_accepted: int
    n_declined: int


def _events_weights(
    events: pd.DataFrame | None, customers: IdMap, items: IdMap, accepted: float, declined: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int]:
    if events is None or len(events) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0), 0, 0
    kind = events[Col.EVENT].astype("string").str.lower().fillna("").to_numpy()
    rows = customers.index(events[Col.CUSTOMER].astype("string").fillna("").to_numpy())
    cols = items.index(events[Col.OFFERED].astype("string").fillna("").to_numpy())
    is_acc, is_dec = kind == "accepted", kind == "declined"
    value = np.where(is_acc, accepted, np.where(is_dec, -declined, 0.0))
    keep = (rows >= 0) & (cols >= 0) & (value != 0)
    return rows[keep], cols[keep], value[keep], int((is_acc & keep).sum()), int((is_dec & keep).sum())


def build_interactions(
    sales: pd.DataFrame,
    events: pd.DataFrame | None,
    items: IdMap,
    as_of: np.datetime64,
    half_life_days: float,
    accepted_weight: float,
    declined_weight: float,
) -> Interactions:
    """Decayed, event-adjusted weights of every customer with a purchase or an accepted offer."""
    import scipy.sparse as sp

    named = sales[sales[Col.CUSTOMER].notna()]
    customer_ids = named[Col.CUSTOMER].astype(str).unique().tolist()
    if events is not None and len(events):
        accepted = events[events[Col.EVENT].astype("string").str.lower() == "accepted"]
        customer_ids += accepted[Col.CUSTOMER].dropna().astype(str).unique().tolist()
    customers = IdMap(customer_ids)

    rows = customers.index(named[Col.CUSTOMER].astype(str).to_numpy())
    cols = items.index(named[Col.SKU].astype(str).to_numpy())
    age = (as_of - named[Col.DATE].to_numpy(dtype="datetime64[D]")).astype(float)
    value = named[Col.QUANTITY].to_numpy(dtype=float) * decay_weights(age, half_life_days)
    ok = cols >= 0
    e_rows, e_cols, e_value, n_acc, n_dec = _events_weights(
        events, customers, items, accepted_weight, declined_weight
    )
    matrix = sp.coo_matrix(
        (
            np.concatenate([value[ok], e_value]),
            (np.concatenate([rows[ok], e_rows]), np.concatenate([cols[ok], e_cols])),
        ),
        shape=(len(customers), len(items)),
    ).tocsr()  # duplicates are summed here
    matrix.data = np.maximum(matrix.data, 0.0)
    matrix.eliminate_zeros()
    matrix.sort_indices()
    return Interactions(customers, matrix.astype(np.float32), int(ok.sum()), n_acc, n_dec)

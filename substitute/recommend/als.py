"""Implicit-feedback ALS: item-item similarity from what the same customers buy.

Hu, Koren & Volinsky (2008), "Collaborative Filtering for Implicit Feedback
Datasets", ICDM: each customer × item weight ``r`` becomes a preference
``p = [r > 0]`` held with confidence ``c = 1 + alpha * log(1 + r)`` (their
eq. 6, the log form, so a customer who bought forty cans does not drown the
rest), and alternating least squares fits user and item factors. Cosine
similarity of item factors is our "bought by the same people" source.

Training uses :mod:`implicit` (0.7: ``fit`` takes the users × items matrix).
Factors are returned and saved as plain arrays; serving needs no
:mod:`implicit`, only the cosine of unit factors inside the in-stock pool.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from substitute.recommend.config import AlsConfig

if TYPE_CHECKING:
    import scipy.sparse as sp

__all__ = ["AlsFactors", "AlsIndex", "fit_als"]


@dataclass
class AlsFactors:
    user_factors: np.ndarray
    item_factors: np.ndarray


def fit_als(weights: sp.csr_matrix, config: AlsConfig, *, progress: bool = False) -> AlsFactors:
    """Fit ALS on customers × items ``weights`` (see :mod:`substitute.recommend.interactions`).

    The BLAS thread pool is limited to one thread while fitting: implicit runs
    its own threads, and OpenBLAS threads on top of them make ALS many times
    slower (implicit warns "set OPENBLAS_NUM_THREADS=1"; we do it for it).
    """
    from threadpoolctl import threadpool_limits

    n_users, n_items = weights.shape
    factors = min(config.factors, max(n_items, 2))
    if weights.nnz == 0:
        return AlsFactors(np.zeros((n_users, factors), np.float32), np.zeros((n_items, factors), np.float32))
    confidence = weights.copy().astype(np.float32)
    confidence.data = np.log1p(confidence.data)
    # Import first: implicit loads its BLAS on import, and the limit applies to loaded libraries only.
    from implicit.cpu.als import AlternatingLeastSquares

    with threadpool_limits(limits=1, user_api="blas"):
        model = AlternatingLeastSquares(
            factors=factors,
            regularization=config.regularization,
            alpha=config.alpha,
            iterations=config.iterations,
            num_threads=config.num_threads,
            random_state=config.random_state,
        )
        model.fit(confidence, show_progress=progress)
    return AlsFactors(np.asarray(model.user_factors, np.float32), np.asarray(model.item_factors, np.float32))


class AlsIndex:
    """Serving side: cosine similarity of saved item factors, inside a whitelist.

    Ranking inside the in-stock pool (not filtering a global top-N) is one
    matrix-vector product over unit factors; a zero factor (an item never
    bought) stays zero, so it is similar to nothing.
    """

    def __init__(self, factors: AlsFactors) -> None:
        self.factors = factors
        item = np.asarray(factors.item_factors, np.float32)
        norms = np.linalg.norm(item, axis=1)
        self._unit = item / np.maximum(norms, 1e-10)[:, None]

    def similar(self, item_idx: int | np.ndarray, whitelist: np.ndarray) -> np.ndarray:
        """Cosine similarity of ``item_idx`` to each item of ``whitelist``, aligned with it.

        For a batch of items, one row each. An item never bought has a zero
        unit factor, so it is similar to nothing.
        """
        return self._unit[item_idx] @ self._unit[whitelist].T

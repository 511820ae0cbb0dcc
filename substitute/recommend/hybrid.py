"""LightFM hybrid model: personal scores, with features for new items and new customers.

Kula (2015), "Metadata Embeddings for User and Item Cold-start
Recommendations" (CBRecSys@RecSys): an item is the sum of the embeddings of
its features (its own id, brand, category, purpose tags, colour, price band),
a customer the sum of theirs (own id, segment, sizes, price band and, when
profiles exist, the loyalty type per category); the score is their dot
product plus biases. Trained with the WARP loss (Weston, Bengio & Usunier
2011), which optimises the top of each customer's ranking.

An item or customer without interactions gets no id feature: its vector is
made of its attributes only, which is what makes cold start work (an untrained
id embedding would be random noise). Rows are normalised to sum to one as the
LightFM documentation advises.

Saved as arrays: final item vectors and biases, known customers' vectors, and
the user *feature* embeddings so that a customer who arrived after training
can be composed from their features at serving time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from substitute.recommend.catalogue import PRICE_BANDS, ItemTable
from substitute.recommend.config import LightFMConfig
from substitute.recommend.frames import Col
from substitute.recommend.ids import IdMap

if TYPE_CHECKING:
    import pandas as pd
    import scipy.sparse as sp

__all__ = ["HybridFactors", "customer_feature_names", "fit_hybrid", "item_feature_matrix", "parse_sizes"]


@dataclass
class HybridFactors:
    item_vectors: np.ndarray
    item_bias: np.ndarray
    user_vectors: np.ndarray
    user_feature_embeddings: np.ndarray
    user_feature_names: np.ndarray


def parse_sizes(text: object) -> list[str]:
    """``"shoe:24.5|kimono:M"`` -> ``["24.5", "M"]``; a bare ``"M"`` -> ``["M"]``."""
    if not isinstance(text, str):
        return []
    return [part.split(":", 1)[-1].strip() for part in text.split("|") if part.strip()]


def _normalised_csr(rows: list[list[int]], n_cols: int) -> sp.csr_matrix:
    import scipy.sparse as sp

    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    indptr[1:] = np.cumsum([len(r) for r in rows])
    indices = np.array([c for r in rows for c in r], dtype=np.int32)
    data = np.repeat(1.0 / np.maximum([len(r) for r in rows], 1), [len(r) for r in rows]).astype(np.float32)
    return sp.csr_matrix((data, indices, indptr), shape=(len(rows), n_cols))


def item_feature_matrix(table: ItemTable, has_interactions: np.ndarray) -> sp.csr_matrix:
    """Items × features: own id (only when bought), category, brand, purposes, colour, price band."""
    n = table.n_items
    names: dict[str, int] = {}

    def fid(name: str) -> int:
        return names.setdefault(name, len(names))

    rows: list[list[int]] = []
    for i in range(n):
        feats = [fid(f"cat:{table.category[i]}")]
        if has_interactions[i]:
            feats.append(fid(f"id:{i}"))
        if table.brand[i] >= 0:
            feats.append(fid(f"brand:{table.brand[i]}"))
        if table.colour[i] >= 0:
            feats.append(fid(f"colour:{table.colour[i]}"))
        if table.price_band[i] >= 0:
            feats.append(fid(f"band:{table.category[i]}:{table.price_band[i]}"))
        feats.extend(fid(f"purpose:{t}") for t in table.purposes(i).tolist())
        rows.append(feats)
    return _normalised_csr(rows, len(names))


def customer_feature_names(
    customer: str | None, attributes: Mapping[Any, object] | None, profiles: list[tuple[str, str]] | None
) -> list[str]:
    """Feature names of one customer; ``customer`` None for one unseen in training."""
    feats = [f"cust:{customer}"] if customer is not None else []
    attributes = attributes or {}
    if isinstance(attributes.get(Col.SEGMENT), str):
        feats.append(f"segment:{attributes[Col.SEGMENT]}")
    band = attributes.get(Col.PRICE_BAND)
    if isinstance(band, str) and band in PRICE_BANDS:
        feats.append(f"band:{band}")
    feats.extend(f"size:{s}" for s in parse_sizes(attributes.get(Col.SIZES)))
    feats.extend(f"loyal:{category}:{kind}" for category, kind in profiles or [])
    return feats


def _customer_features(
    customers: IdMap, frame: pd.DataFrame | None, profiles: pd.DataFrame | None
) -> tuple[sp.csr_matrix, list[str]]:
    attrs: dict[str, dict[Any, Any]] = {}
    if frame is not None and len(frame):
        keep = [c for c in (Col.SEGMENT, Col.PRICE_BAND, Col.SIZES) if c in frame.columns]
        for rec in frame[[Col.CUSTOMER, *keep]].astype(object).to_dict("records"):
            attrs[str(rec[Col.CUSTOMER])] = rec
    loyal: dict[str, list[tuple[str, str]]] = {}
    if profiles is not None and len(profiles):
        typed = profiles[profiles[Col.TYPE].isin(["psychological", "behavioral", "behavioural"])]
        for cust, cat, kind in typed[[Col.CUSTOMER, Col.CATEGORY, Col.TYPE]].itertuples(index=False):
            loyal.setdefault(str(cust), []).append((str(cat), str(kind)[:5]))
    names: dict[str, int] = {}
    rows = [
        [names.setdefault(f, len(names)) for f in customer_feature_names(c, attrs.get(c), loyal.get(c))]
        for c in customers.external.tolist()
    ]
    return _normalised_csr(rows, len(names)), list(names)


def fit_hybrid(
    weights: sp.csr_matrix,
    customers: IdMap,
    table: ItemTable,
    customer_frame: pd.DataFrame | None,
    profiles: pd.DataFrame | None,
    config: LightFMConfig,
    *,
    progress: bool = False,
) -> HybridFactors:
    """Fit LightFM (WARP) on the interaction pattern, weighted by ``log(1 + weight)``."""
    from lightfm import LightFM
    from tqdm import tqdm

    interactions = weights.tocoo()
    item_features = item_feature_matrix(table, np.asarray(weights.getnnz(axis=0) > 0))
    user_features, user_names = _customer_features(customers, customer_frame, profiles)
    model = LightFM(
        no_components=config.no_components,
        loss="warp",
        learning_rate=config.learning_rate,
        item_alpha=config.item_alpha,
        user_alpha=config.user_alpha,
        max_sampled=config.max_sampled,
        random_state=np.random.RandomState(config.random_state),
    )
    binary = interactions.copy()
    binary.data = np.ones_like(binary.data)
    sample_weight = interactions.copy()
    sample_weight.data = np.log1p(sample_weight.data).astype(np.float32)
    for _ in tqdm(range(config.epochs), desc="lightfm", unit=" epoch", disable=None if progress else True):
        model.fit_partial(
            binary,
            user_features=user_features,
            item_features=item_features,
            sample_weight=sample_weight,
            epochs=1,
            num_threads=config.num_threads,
        )
    item_bias, item_vectors = model.get_item_representations(item_features)
    _, user_vectors = model.get_user_representations(user_features)
    return HybridFactors(
        item_vectors=np.asarray(item_vectors, np.float32),
        item_bias=np.asarray(item_bias, np.float32),
        user_vectors=np.asarray(user_vectors, np.float32),
        user_feature_embeddings=np.asarray(model.user_embeddings, np.float32),
        user_feature_names=np.array(user_names, dtype=str),
    )

"""Queries, rankings and metrics of the recommender benchmark.

A query is ``(customer, item i, relevant set)``: ``i`` is out of stock, the
candidates are the other items of its group sold in training, relevant are
the group's items the customer bought in the test period. Metrics are
averaged per customer first (a heavy shopper is one person), then over
customers, with 95% intervals from a bootstrap over customers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from substitute.recommend.candidates import candidate_pool, score_sources
from substitute.recommend.service import recommend_substitutes
from substitute.recommend.snapshot import Snapshot

K = 10
SINGLE_SOURCES = ("popularity", "content", "als", "lightfm", "history")


@dataclass
class Query:
    customer: str
    item: str
    relevant: frozenset[str]


def switch_queries(train: pd.DataFrame, test: pd.DataFrame, group: str) -> list[Query]:
    """Ta Feng protocol: the customer's main item of a group is not bought again, other items of it are."""
    counts = train.groupby(["customer_id", group, "sku"]).size().rename("n").reset_index()
    counts = counts.sort_values(["customer_id", group, "n", "sku"], ascending=[True, True, False, True])
    main = counts.drop_duplicates(["customer_id", group])
    bought = test.groupby(["customer_id", group])["sku"].agg(frozenset)
    out: list[Query] = []
    for cust, grp, sku in main[["customer_id", group, "sku"]].itertuples(index=False):
        later = bought.get((cust, grp))
        if later is None or sku in later:
            continue
        out.append(Query(cust, sku, later))
    return out


def rank_source(
    snapshot: Snapshot, sku: str, store: str, customer: str | None, source: str, k: int = K
) -> list[str]:
    """The top ``k`` of one source alone (ties by SKU), over the in-stock pool of ``snapshot``.

    Give it a snapshot without shortlists: a source alone ranks the whole
    category, not the hybrid's shortlist.
    """
    i = snapshot.item_ids.get(sku)
    s = snapshot.stores.get(store)
    info = snapshot.customers.get(customer) if customer else None
    pool = candidate_pool(snapshot, i, s, None, info)
    if source == "random":
        rng = np.random.default_rng(abs(hash((customer, sku))) % (2**32))
        return snapshot.items.sku[rng.permutation(pool)[:k]].tolist()
    scores = np.asarray(score_sources(snapshot, i, s, pool, info).scores[source], dtype=float)
    order = np.lexsort((pool, -scores))[:k]
    return snapshot.items.sku[pool[order]].tolist()


def rank_hybrid(snapshot: Snapshot, sku: str, store: str, customer: str | None, k: int = K) -> list[str]:
    offers = recommend_substitutes(snapshot, sku, store, customer=customer, k=k + 1)
    return [o.sku for o in offers if o.strategy != "reservation"][:k]


def query_metrics(ranked: list[str], relevant: frozenset[str], k: int = K) -> tuple[float, float, float]:
    """HR@k, NDCG@k, recall@k of one ranked list."""
    gains = np.array([1.0 if s in relevant else 0.0 for s in ranked[:k]])
    if not len(relevant):
        return 0.0, 0.0, 0.0
    dcg = float((gains / np.log2(np.arange(2, len(gains) + 2))).sum()) if len(gains) else 0.0
    ideal = float((1.0 / np.log2(np.arange(2, min(len(relevant), k) + 2))).sum())
    return float(gains.any()), dcg / ideal, float(gains.sum()) / len(relevant)


def evaluate(queries: list[Query], rankers: dict[str, Callable[[Query], list[str]]]) -> dict[str, np.ndarray]:
    """Per-customer mean metrics, ``(n_customers, 3)`` per method, customers in a fixed order."""
    customers = sorted({q.customer for q in queries})
    pos = {c: n for n, c in enumerate(customers)}
    out = {}
    for name, ranker in rankers.items():
        sums = np.zeros((len(customers), 3))
        counts = np.zeros(len(customers))
        for q in queries:
            sums[pos[q.customer]] += query_metrics(ranker(q), q.relevant)
            counts[pos[q.customer]] += 1
        out[name] = sums / counts[:, None]
    return out


def interval(values: np.ndarray, rng: np.random.Generator, n_boot: int = 500) -> tuple[float, float, float]:
    """Mean and 95% bootstrap interval over customers."""
    n = len(values)
    boots = values[rng.integers(0, n, size=(n_boot, n))].mean(axis=1)
    return float(values.mean()), float(np.quantile(boots, 0.025)), float(np.quantile(boots, 0.975))


def lift_ratio(
    hybrid: np.ndarray, single: np.ndarray, floor: np.ndarray, rng: np.random.Generator, n_boot: int = 500
) -> tuple[float, float, float]:
    """(hybrid - random) / (single - random), with a paired bootstrap interval over customers."""
    n = len(hybrid)
    idx = rng.integers(0, n, size=(n_boot, n))
    num = hybrid[idx].mean(axis=1) - floor[idx].mean(axis=1)
    den = single[idx].mean(axis=1) - floor[idx].mean(axis=1)
    ratios = num / np.where(den != 0, den, np.nan)
    point = (hybrid.mean() - floor.mean()) / (single.mean() - floor.mean())
    return float(point), float(np.nanquantile(ratios, 0.025)), float(np.nanquantile(ratios, 0.975))

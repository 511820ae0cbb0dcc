"""Tuning the behavioural blend on a validation month, then re-ranking cheaply.

Fitting is the slow part; ranking is a weighted sum. So each query's source
scores are computed once (:func:`prepare`, through the product's own
``candidate_pool`` / ``score_sources``) and every weight vector is then a
matrix product and a top-10 (:func:`blend_metrics`). :func:`check_oracle`
holds the shortcut to the product path: with the snapshot's own weights it
must give the lists :func:`rank_hybrid` gives.

The search (:func:`coordinate_search`) is coordinate ascent on HR@10 (NDCG@10
breaks ties) over a few multiplicative steps per weight, for each score
normalisation, with every configuration tried counted and printed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from _recommend_data import STORE
from _recommend_eval import K, Query, rank_hybrid

from substitute.recommend.candidates import candidate_pool, score_sources
from substitute.recommend.config import BehaviouralWeights
from substitute.recommend.rank import BEHAVIOURAL, _penalties, choose_strategy
from substitute.recommend.snapshot import Snapshot

#: The behavioural sources the search may move (same_model / same_brand /
#: reservation never fire on Ta Feng: no models, brands or receipts).
TUNED = ("purpose", "content", "als", "lightfm", "popularity", "history", "goes_with", "price_band")
_DISCOUNT = 1.0 / np.log2(np.arange(2, K + 2))


@dataclass
class Prepared:
    """Per query: pool (item_idx), source scores ``(len(TUNED)+2, n)``, penalties, relevance mask."""

    customer_pos: np.ndarray
    n_customers: int
    pools: list[np.ndarray]
    scores: list[np.ndarray]  # rows: TUNED, then same_model, same_brand
    penalty: list[np.ndarray]
    relevant: list[np.ndarray]
    n_relevant: np.ndarray


def prepare(snapshot: Snapshot, queries: list[Query]) -> Prepared:
    customers = sorted({q.customer for q in queries})
    pos = {c: n for n, c in enumerate(customers)}
    s_idx = snapshot.stores.get(STORE)
    cfg = snapshot.config.ranking
    pools, scores, penalty, relevant = [], [], [], []
    for q in queries:
        i = snapshot.item_ids.get(q.item)
        info = snapshot.customers.get(q.customer)
        strategy, _ = choose_strategy(snapshot, i, info, cfg)
        if strategy != BEHAVIOURAL:
            raise SystemExit(f"query {q} is not behavioural: the shortcut does not cover it")
        pool = candidate_pool(snapshot, i, s_idx, None, info)
        cands = score_sources(snapshot, i, s_idx, pool, info)
        rows = [cands.scores[n] for n in TUNED] + [cands.scores["same_model"], cands.scores["same_brand"]]
        pools.append(pool)
        scores.append(np.vstack(rows).astype(np.float64))
        penalty.append(_penalties(snapshot, s_idx, pool, cfg))
        relevant.append(np.isin(snapshot.items.sku[pool], list(q.relevant)))
    return Prepared(
        customer_pos=np.array([pos[q.customer] for q in queries]),
        n_customers=len(customers),
        pools=pools,
        scores=scores,
        penalty=penalty,
        relevant=relevant,
        n_relevant=np.array([len(q.relevant) for q in queries], dtype=float),
    )


def pool_ranks(values: np.ndarray) -> np.ndarray:
    """Mid-rank percentile of each value inside the pool, in [0, 1]; equal values share one.

    Bench only: validation did not adopt it, so the product's rank.py has no such path.
    """
    n = len(values)
    if n < 2:
        return np.zeros(n)
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    mid = np.cumsum(counts) - (counts + 1) / 2.0  # 0-based mid-rank of each distinct value
    return mid[inverse] / (n - 1)


def normalised(prep: Prepared, how: str) -> list[np.ndarray]:
    if how == "raw":
        return prep.scores
    if how == "rank":
        return [np.vstack([pool_ranks(row) for row in s]) for s in prep.scores]
    raise ValueError(how)


def weight_vector(weights: dict[str, float], base: BehaviouralWeights) -> np.ndarray:
    full = {**base.model_dump(), **weights}
    return np.array([full[n] for n in TUNED] + [full["same_model"], full["same_brand"]])


def top_k(pool: np.ndarray, score: np.ndarray, k: int = K) -> np.ndarray:
    """Positions of the best ``k``, equal scores by item_idx (as rank_candidates does)."""
    return np.lexsort((pool, -score))[:k]


def blend_metrics(prep: Prepared, scores: list[np.ndarray], w: np.ndarray) -> np.ndarray:
    """Per-customer mean (HR@10, NDCG@10, recall@10) of the blend ``w``."""
    sums = np.zeros((prep.n_customers, 3))
    counts = np.zeros(prep.n_customers)
    for q, (pool, s, pen, rel) in enumerate(
        zip(prep.pools, scores, prep.penalty, prep.relevant, strict=True)
    ):
        top = top_k(pool, w @ s - pen)
        gains = rel[top].astype(float)
        n_rel = prep.n_relevant[q]
        ideal = _DISCOUNT[: int(min(n_rel, K))].sum()
        c = prep.customer_pos[q]
        sums[c] += (float(gains.any()), float(gains @ _DISCOUNT[: len(gains)]) / ideal, gains.sum() / n_rel)
        counts[c] += 1
    return sums / counts[:, None]


def check_oracle(snapshot: Snapshot, queries: list[Query], prep: Prepared, n: int = 300) -> None:
    """The shortcut with the snapshot's own weights must reproduce the product's lists."""
    w = weight_vector({}, snapshot.config.ranking.behavioural)
    for q in range(min(n, len(queries))):
        pool = prep.pools[q]
        mine = snapshot.items.sku[pool[top_k(pool, w @ prep.scores[q] - prep.penalty[q])]].tolist()
        theirs = rank_hybrid(snapshot, queries[q].item, STORE, queries[q].customer)
        if mine != theirs:
            raise SystemExit(f"re-ranking shortcut disagrees with rank_hybrid on {queries[q]}")


def coordinate_search(
    prep: Prepared,
    base: BehaviouralWeights,
    normalisations: tuple[str, ...] = ("raw", "rank"),
    steps: tuple[float, ...] = (0.0, 0.5, 2.0),
    refine: tuple[float, ...] = (0.7, 1.4),
    passes: int = 1,
    budget: int = 60,
) -> tuple[list[dict], dict]:
    """Coordinate ascent from the defaults, per normalisation; returns (every trial, best)."""
    trials: list[dict] = []

    def run(how: str, weights: dict[str, float], scores: list[np.ndarray]) -> dict:
        m = blend_metrics(prep, scores, weight_vector(weights, base)).mean(axis=0)
        trial = {
            "n": len(trials) + 1,
            "normalise": how,
            "weights": dict(weights),
            "hr": float(m[0]),
            "ndcg": float(m[1]),
            "recall": float(m[2]),
        }
        trials.append(trial)
        shown = " ".join(f"{k}={v:g}" for k, v in weights.items())
        print(f"  #{trial['n']:<3} {how:<4} HR@10 {m[0]:.4f} NDCG@10 {m[1]:.4f}  {shown}", flush=True)
        return trial

    key = lambda t: (round(t["hr"], 6), t["ndcg"])  # noqa: E731
    # Sources that never vary on this data would only waste trials.
    live = [n for r, n in enumerate(TUNED) if any(s.shape[1] and np.ptp(s[r]) > 0 for s in prep.scores)]
    print(f"  sources that vary here: {', '.join(live)}")
    best_overall: dict | None = None
    for how in normalisations:
        scores = normalised(prep, how)
        current = {n: float(getattr(base, n)) for n in TUNED}
        best = run(how, current, scores)
        for _ in range(passes):
            for name in live:
                for step in steps:
                    if len(trials) >= budget:
                        break
                    cand = dict(best["weights"])
                    cand[name] = round(current[name] * step if current[name] else step * 0.25, 4)
                    if cand[name] == best["weights"][name]:
                        continue
                    trial = run(how, cand, scores)
                    if key(trial) > key(best):
                        best = trial
                current = dict(best["weights"])
        if best_overall is None or key(best) > key(best_overall):
            best_overall = best
    assert best_overall is not None
    # With what is left of the budget, a finer pass around the winner.
    how = best_overall["normalise"]
    scores = normalised(prep, how)
    for name in live:
        for step in refine:
            if len(trials) >= budget:
                break
            cand = dict(best_overall["weights"])
            if not cand[name]:
                continue
            cand[name] = round(cand[name] * step, 4)
            trial = run(how, cand, scores)
            if key(trial) > key(best_overall):
                best_overall = trial
    return trials, best_overall

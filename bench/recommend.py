"""Substitute recommendations on real data: switches, brand loyalty, training time, demo acceptance.

    python bench/recommend.py ta-feng ../shared/data/ta_feng/ta_feng.csv.zip
    python bench/recommend.py dunnhumby ../shared/data/dunnhumby
    python bench/recommend.py demo PATH

``ta-feng``: (1) switches: train November 2000 – January 2001, test February
2001, group = PRODUCT_SUBCLASS; one query per customer × group whose main
training item is not bought again while other items of the group are; HR@10,
NDCG@10, recall@10 per customer for the hybrid, each single source and a
random ranking, with 95% bootstrap intervals, and the hybrid's lift over
random relative to the best single source's. (3) training time of ALS +
LightFM + item tables on all 817,741 lines.

``dunnhumby``: (2) brand-loyal customers (>= 80% of >= 3 training purchases of
a product type from one manufacturer, first 9 months vs the rest): share of
the top-3 offers from the original's manufacturer, when the pool has another
of its items, and HR@10 against what they bought next, for the hybrid with
their loyalty profile, without it, and popularity.

``*_scan`` rows are the same hybrid scanning the whole category instead of
the training-time shortlists, side by side (what the shortlists cost in quality).

Neither dataset has stock: every item sold in training is simulated as
available. Each mode ends with one JSON line of figures.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _recommend_data import (
    STORE,
    dunnhumby_frames,
    full_inventory,
    read_dunnhumby,
    read_ta_feng,
    ta_feng_frames,
)
from _recommend_eval import (
    SINGLE_SOURCES,
    evaluate,
    interval,
    lift_ratio,
    rank_hybrid,
    rank_source,
    switch_queries,
)

from substitute.recommend.artifacts import ArtifactManifest, LoadedArtifact
from substitute.recommend.config import RecommendConfig, load_recommend_config
from substitute.recommend.frames import RecommendFrames
from substitute.recommend.snapshot import Snapshot, build_snapshot
from substitute.recommend.train import fit_models, model_arrays
from substitute.settings import deep_merge

CONFIGS = Path(__file__).resolve().parents[1] / "configs"
#: The behavioural blend as shipped before tuning (``--tune`` reports it beside the tuned one).
OLD_RANKING: dict = {
    "behavioural": {
        "purpose": 0.25,
        "content": 0.15,
        "als": 0.25,
        "lightfm": 0.25,
        "popularity": 0.3,
        "history": 0.6,
        "goes_with": 0.15,
        "price_band": 0.1,
        "same_model": 0.1,
        "same_brand": 0.0,
        "reservation": 0.2,
    }
}


def snapshot_of(
    frames: RecommendFrames, config: RecommendConfig, as_of: pd.Timestamp
) -> tuple[Snapshot, dict]:
    """Fit on ``frames`` and build an in-memory snapshot with every sold item in stock."""
    t0 = time.perf_counter()
    models = fit_models(frames, config, as_of=np.datetime64(as_of.date()), progress=True)
    fit_s = time.perf_counter() - t0
    arrays = {k.removesuffix(".npz"): v for k, v in model_arrays(models).items()}
    artifact = LoadedArtifact(ArtifactManifest(version="bench"), arrays, Path("."))
    snap = build_snapshot(artifact, frames, full_inventory(frames), as_of=as_of.date(), config=config)
    return snap, {
        "fit_seconds": round(fit_s, 1),
        **{f"{k}_s": round(v, 1) for k, v in models.seconds.items()},
    }


def _table(name_rows: dict[str, np.ndarray], rng: np.random.Generator) -> dict[str, dict[str, list[float]]]:
    out = {}
    print(f"{'method':<12} {'HR@10':>22} {'NDCG@10':>22} {'recall@10':>22}")
    for name, per_customer in name_rows.items():
        row = {
            m: [round(x, 4) for x in interval(per_customer[:, j], rng)]
            for j, m in enumerate(("hr", "ndcg", "recall"))
        }
        out[name] = row
        cells = " ".join(f"{v[0]:.4f} [{v[1]:.4f},{v[2]:.4f}]" for v in row.values())
        print(f"{name:<12} {cells}")
    return out


def _switch_split(
    raw: pd.DataFrame,
    config: RecommendConfig,
    cut: pd.Timestamp,
    end: pd.Timestamp | None,
    max_queries: int,
) -> tuple[Snapshot, list, dict]:
    """Fit on the lines before ``cut``; switch queries from ``cut`` to ``end`` (sampled, seed 0)."""
    train_raw = raw[raw["business_date"] < cut]
    test_raw = raw[raw["business_date"] >= cut]
    if end is not None:
        test_raw = test_raw[test_raw["business_date"] < end]
    frames = ta_feng_frames(train_raw)
    snap, fit = snapshot_of(frames, config, train_raw["business_date"].max())
    tr = frames.sales.assign(group=frames.sales["sku"].map(frames.items.set_index("sku")["category"]))
    te = pd.DataFrame(
        {
            "customer_id": test_raw["CUSTOMER_ID"],
            "sku": test_raw["PRODUCT_ID"],
            "group": test_raw["PRODUCT_SUBCLASS"],
        }
    )
    queries = switch_queries(tr, te, "group")
    if max_queries and len(queries) > max_queries:
        pick = np.random.default_rng(0).choice(len(queries), max_queries, replace=False)
        queries = [queries[i] for i in sorted(pick)]
    return snap, queries, fit


def ta_feng(path: Path, args: argparse.Namespace) -> dict:
    config = load_recommend_config(CONFIGS, {"training": {"lightfm": {"num_threads": args.threads}}})
    raw = read_ta_feng(path)
    figures: dict = {"dataset": "ta-feng", "lines": len(raw)}

    # (3) training time on everything.
    t0 = time.perf_counter()
    full = ta_feng_frames(raw)
    models = fit_models(full, config, progress=True)
    figures["train_full_seconds"] = round(time.perf_counter() - t0, 1)
    figures["train_full_parts"] = {k: round(v, 1) for k, v in models.seconds.items()}
    print(f"full Ta Feng training: {figures['train_full_seconds']} s {figures['train_full_parts']}")

    # (1) switches.
    snap, queries, fit = _switch_split(raw, config, pd.Timestamp("2001-02-01"), None, args.max_queries)
    figures["train_split"] = fit
    print(f"{len(queries):,} queries from {len({q.customer for q in queries}):,} customers")
    scan = replace(snap, shortlists=None)
    rankers = {
        "hybrid": lambda q: rank_hybrid(snap, q.item, STORE, q.customer),
        "hybrid_scan": lambda q: rank_hybrid(scan, q.item, STORE, q.customer),
    }
    for source in (*SINGLE_SOURCES, "random"):
        rankers[source] = lambda q, s=source: rank_source(scan, q.item, STORE, q.customer, s)
    t0 = time.perf_counter()
    per_customer = evaluate(queries, rankers)
    figures["eval_seconds"] = round(time.perf_counter() - t0, 1)
    rng = np.random.default_rng(1)
    figures["switches"] = _table(per_customer, rng)
    figures["n_queries"] = len(queries)
    figures["n_customers"] = len(per_customer["hybrid"])
    lifts = {s: per_customer[s][:, 0].mean() - per_customer["random"][:, 0].mean() for s in SINGLE_SOURCES}
    best = max(lifts, key=lambda s: lifts[s])
    ratio = lift_ratio(
        per_customer["hybrid"][:, 0], per_customer[best][:, 0], per_customer["random"][:, 0], rng
    )
    figures["best_single"] = best
    figures["hybrid_lift_over_best_single_hr"] = [round(x, 3) for x in ratio]
    figures["target_ratio_1_2_met"] = bool(ratio[1] >= 1.2)
    figures["target_training_120s_met"] = bool(figures["train_full_seconds"] <= 120)
    print(f"hybrid lift / {best} lift (HR@10): {ratio[0]:.3f} [{ratio[1]:.3f}, {ratio[2]:.3f}]")
    return figures


def _lift_vs_best(per_customer: dict[str, np.ndarray], hybrid: str, rng: np.random.Generator) -> tuple:
    """(best single source, (ratio, low, high)) of ``hybrid``'s HR@10 lift over random."""
    floor = per_customer["random"][:, 0]
    lifts = {s: per_customer[s][:, 0].mean() - floor.mean() for s in SINGLE_SOURCES}
    best = max(lifts, key=lambda s: lifts[s])
    return best, lift_ratio(per_customer[hybrid][:, 0], per_customer[best][:, 0], floor, rng)


def ta_feng_tune(path: Path, args: argparse.Namespace) -> dict:
    """Tune the behavioural blend on January 2001 (fit Nov–Dec), then test February once.

    Validation: fit on November–December 2000, switch queries in January 2001,
    coordinate search over the blend's weights and score normalisation by
    re-ranking cached source scores. Test: refit on November–January, and
    evaluate February through the product path with the old defaults and the
    tuned weights side by side (plus every single source and random).
    """
    from _recommend_tune import check_oracle, coordinate_search, prepare

    # Start from the blend as shipped before tuning, whatever the file says now.
    overrides = {"training": {"lightfm": {"num_threads": args.threads}}, "ranking": OLD_RANKING}
    config = load_recommend_config(CONFIGS, overrides)
    raw = read_ta_feng(path)
    figures: dict = {"dataset": "ta-feng", "mode": "tune", "lines": len(raw)}

    print("== validation: fit Nov-Dec 2000, queries January 2001")
    snap, queries, fit = _switch_split(
        raw, config, pd.Timestamp("2001-01-01"), pd.Timestamp("2001-02-01"), args.val_queries
    )
    snap = replace(snap, shortlists=None)  # shortlists come from the default blend: tune over categories
    print(f"{len(queries):,} validation queries from {len({q.customer for q in queries}):,} customers")
    t0 = time.perf_counter()
    prep = prepare(snap, queries)
    check_oracle(snap, queries, prep)
    print(f"source scores cached in {time.perf_counter() - t0:.0f} s; shortcut agrees with rank_hybrid")
    trials, best = coordinate_search(prep, config.ranking.behavioural, budget=args.budget)
    default = trials[0]
    print(
        f"validation: {len(trials)} configurations; defaults HR@10 {default['hr']:.4f}, "
        f"best #{best['n']} ({best['normalise']}) HR@10 {best['hr']:.4f} NDCG@10 {best['ndcg']:.4f}"
    )
    rankers = {
        s: (lambda q, s=s: rank_source(snap, q.item, STORE, q.customer, s))
        for s in (*SINGLE_SOURCES, "random")
    }
    val_sources = evaluate(queries, rankers)
    val_floor = val_sources["random"][:, 0].mean()
    val_best = max(SINGLE_SOURCES, key=lambda s: val_sources[s][:, 0].mean())
    val_best_lift = val_sources[val_best][:, 0].mean() - val_floor
    figures["validation"] = {
        "n_queries": len(queries),
        "n_customers": prep.n_customers,
        "train_split": fit,
        "configurations": len(trials),
        "default": {k: round(default[k], 4) for k in ("hr", "ndcg", "recall")},
        "best": {k: round(best[k], 4) for k in ("hr", "ndcg", "recall")},
        "best_trial": best["n"],
        "normalise": best["normalise"],
        "weights": best["weights"],
        "sources_hr": {s: round(float(v[:, 0].mean()), 4) for s, v in val_sources.items()},
        "best_single": val_best,
        "lift_ratio_default": round((default["hr"] - val_floor) / val_best_lift, 3),
        "lift_ratio_tuned": round((best["hr"] - val_floor) / val_best_lift, 3),
    }
    print(json.dumps(figures["validation"]))
    del snap, prep

    print("== test: fit Nov 2000 - Jan 2001, queries February 2001 (once)")
    behavioural = dict(best["weights"])
    if best["normalise"] != "raw":
        sys.exit(
            f"validation chose {best['normalise']!r} scores, which rank.py does not implement: "
            "add that path to substitute/recommend/rank.py before testing it"
        )
    tuned_overrides: dict = {"behavioural": behavioural}
    snap, queries, fit = _switch_split(raw, config, pd.Timestamp("2001-02-01"), None, args.max_queries)
    snap = replace(snap, shortlists=None)  # shortlists come from the default blend: tune over categories
    tuned_config = load_recommend_config(CONFIGS, deep_merge(overrides, {"ranking": tuned_overrides}))
    old_config = config
    snap_old = replace(snap, config=old_config)
    snap_tuned = replace(snap, config=tuned_config)
    print(f"{len(queries):,} test queries from {len({q.customer for q in queries}):,} customers")
    rankers = {
        "hybrid_old": lambda q: rank_hybrid(snap_old, q.item, STORE, q.customer),
        "hybrid_tuned": lambda q: rank_hybrid(snap_tuned, q.item, STORE, q.customer),
    }
    for source in (*SINGLE_SOURCES, "random"):
        rankers[source] = lambda q, s=source: rank_source(snap, q.item, STORE, q.customer, s)
    t0 = time.perf_counter()
    per_customer = evaluate(queries, rankers)
    rng = np.random.default_rng(1)
    figures["test"] = {
        "train_split": fit,
        "eval_seconds": round(time.perf_counter() - t0, 1),
        "n_queries": len(queries),
        "n_customers": len(per_customer["random"]),
        "switches": _table(per_customer, rng),
    }
    for name in ("hybrid_old", "hybrid_tuned"):
        best_single, ratio = _lift_vs_best(per_customer, name, rng)
        figures["test"]["best_single"] = best_single
        figures["test"][f"{name}_lift_over_best_single_hr"] = [round(x, 3) for x in ratio]
        print(f"{name} lift / {best_single} lift (HR@10): {ratio[0]:.3f} [{ratio[1]:.3f}, {ratio[2]:.3f}]")
    figures["target_ratio_1_2_met"] = bool(figures["test"]["hybrid_tuned_lift_over_best_single_hr"][1] >= 1.2)
    return figures


def dunnhumby(path: Path, args: argparse.Namespace) -> dict:
    config = load_recommend_config(CONFIGS, {"training": {"lightfm": {"num_threads": args.threads}}})
    tx, products = read_dunnhumby(path)
    cut = tx["business_date"].min() + pd.Timedelta(days=273)
    train_tx, test_tx = tx[tx["business_date"] < cut], tx[tx["business_date"] >= cut]
    frames = dunnhumby_frames(train_tx, products)
    meta = frames.items.set_index("sku")
    tr = frames.sales.assign(
        group=frames.sales["sku"].map(meta["category"]), brand=frames.sales["sku"].map(meta["brand"])
    )
    stats = tr.groupby(["customer_id", "group"]).agg(
        n=("sku", "size"),
        top=("brand", lambda b: b.value_counts().iloc[0]),
        brand=("brand", lambda b: b.value_counts().index[0]),
    )
    loyal = stats[(stats["n"] >= 3) & (stats["top"] / stats["n"] >= 0.8)].reset_index()
    # What a loyalty profile says of these customers: brand-attached in that product type.
    frames.profiles = pd.DataFrame(
        {
            "customer_id": loyal["customer_id"],
            "category": loyal["group"],
            "type": "psychological",
            "strength": 0.9,
            "confidence": 0.8,
        }
    )
    snap, fit = snapshot_of(frames, config, train_tx["business_date"].max())
    main_item = tr.merge(loyal[["customer_id", "group", "brand"]], on=["customer_id", "group", "brand"])
    main_item = main_item.groupby(["customer_id", "group", "sku"]).size().rename("k").reset_index()
    main_item = main_item.sort_values(
        ["customer_id", "group", "k", "sku"], ascending=[True, True, False, True]
    )
    main_item = main_item.drop_duplicates(["customer_id", "group"])
    te = test_tx.assign(group=test_tx["product_id"].map(products.set_index("product_id")["product_type"]))
    later = te.groupby(["household_id", "group"])["product_id"].agg(frozenset)

    def same_maker_share(offers: list[str], brand: str) -> float:
        top = offers[:3]
        return float(np.mean([meta.at[s, "brand"] == brand for s in top])) if top else np.nan

    scan = replace(snap, shortlists=None)
    methods = {
        "hybrid_profile": lambda c, s: rank_hybrid(snap, s, STORE, c),
        "hybrid_profile_scan": lambda c, s: rank_hybrid(scan, s, STORE, c),
        "hybrid_anonymous": lambda c, s: rank_hybrid(snap, s, STORE, None),
        "popularity": lambda c, s: rank_source(scan, s, STORE, c, "popularity"),
    }
    shares = {m: [] for m in methods}
    hits = {m: [] for m in methods}
    n_pairs = 0
    for cust, group, sku in main_item[["customer_id", "group", "sku"]].itertuples(index=False):
        i = snap.item_ids.get(sku)
        pool = snap.items.sku[snap.items.in_category(int(snap.items.category[i]))]
        brand = meta.at[sku, "brand"]
        if not any(meta.at[p, "brand"] == brand for p in pool if p != sku):
            continue
        n_pairs += 1
        rel = later.get((cust, group), frozenset()) - {sku}
        for name, rank in methods.items():
            offers = rank(cust, sku)
            shares[name].append(same_maker_share(offers, brand))
            if rel:
                hits[name].append(float(bool(set(offers[:10]) & rel)))
    figures = {
        "dataset": "dunnhumby",
        "lines": len(tx),
        "brand_loyal_pairs": len(loyal),
        "pairs_with_same_maker_alternative": n_pairs,
        "pairs_with_test_purchase": len(hits["popularity"]),
        "train": fit,
        "same_maker_share_top3": {
            m: round(float(np.nanmean(v)), 3) if v else None for m, v in shares.items()
        },
        "hr10_loyal": {m: round(float(np.mean(v)), 3) if v else None for m, v in hits.items()},
    }
    share = figures["same_maker_share_top3"]["hybrid_profile"]
    figures["target_share_0_90_met"] = bool(share is not None and share >= 0.9)
    figures["hit_rate_not_below_popularity"] = bool(
        figures["hr10_loyal"]["hybrid_profile"] is not None
        and figures["hr10_loyal"]["hybrid_profile"] >= figures["hr10_loyal"]["popularity"]
    )
    print(json.dumps(figures, indent=2))
    return figures


def demo(path: Path, args: argparse.Namespace) -> dict:
    from _recommend_demo import demo_acceptance

    return demo_acceptance(path)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("dataset", choices=["ta-feng", "dunnhumby", "demo"])
    parser.add_argument("path", type=Path)
    parser.add_argument("--threads", type=int, default=2, help="LightFM threads (2: this machine's cores)")
    parser.add_argument("--max-queries", type=int, default=0, help="evaluate a random subset (0: all)")
    parser.add_argument(
        "--tune",
        action="store_true",
        help="ta-feng: tune the behavioural blend on January 2001, then test February with old and tuned",
    )
    parser.add_argument("--val-queries", type=int, default=8000, help="--tune: validation sample (0: all)")
    parser.add_argument("--budget", type=int, default=60, help="--tune: most configurations tried")
    args = parser.parse_args()
    run = {"ta-feng": ta_feng_tune if args.tune else ta_feng, "dunnhumby": dunnhumby, "demo": demo}[
        args.dataset
    ]
    figures = run(args.path, args)
    print(json.dumps(figures, sort_keys=True))


if __name__ == "__main__":
    main()

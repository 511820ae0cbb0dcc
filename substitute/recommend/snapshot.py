"""The serving snapshot: an artifact plus today's stock, receipts, risks and customers, in memory.

Built once (at start-up, after each training or each inventory refresh) so
that a checkout call never touches the database. Every table is an array
indexed by ``store_idx`` × ``item_idx`` or a dict keyed by external id.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from substitute.recommend.catalogue import PRICE_BANDS, ItemTable
from substitute.recommend.config import RecommendConfig, load_recommend_config
from substitute.recommend.frames import Col, RecommendFrames
from substitute.recommend.hybrid import customer_feature_names, parse_sizes
from substitute.recommend.ids import IdMap
from substitute.recommend.stock import InStock

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy import Engine

    from substitute.recommend.als import AlsIndex
    from substitute.recommend.artifacts import ArtifactManifest, LoadedArtifact
    from substitute.recommend.retrieval import Shortlists
    from substitute.settings import Settings

__all__ = ["CustomerInfo", "Snapshot", "build_snapshot", "catalogue_snapshot", "load_snapshot"]

#: Days of recent sales that give each store's demand rate.
DEMAND_DAYS = 28


@dataclass
class CustomerInfo:
    """What we know of one customer, for ranking."""

    sizes: frozenset[str] = frozenset()
    price_band: int = -1
    history_items: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    history_weights: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    vector: np.ndarray | None = None
    #: category code -> (type, strength, confidence)
    profiles: dict[int, tuple[str, float, float]] = field(default_factory=dict)


@dataclass
class Snapshot:
    """Everything :func:`~substitute.recommend.service.recommend_substitutes` reads."""

    manifest: ArtifactManifest
    config: RecommendConfig
    as_of: dt.date
    items: ItemTable
    item_ids: IdMap
    purpose: np.ndarray
    als: AlsIndex
    item_vectors: np.ndarray
    item_bias: np.ndarray
    item_unit: np.ndarray
    stores: IdMap
    available: np.ndarray
    #: which items ``available`` says each store has, by store × category
    in_stock: InStock
    risk: np.ndarray
    demand_rate: np.ndarray
    load: np.ndarray
    receipts: dict[tuple[int, int], tuple[dt.date, float]]
    customers: dict[str, CustomerInfo]
    #: each item's candidates, from training (None: every call scans the category)
    shortlists: Shortlists | None = None

    @property
    def version(self) -> str:
        return self.manifest.version


def _store_matrix(
    frame: pd.DataFrame | None, stores: IdMap, items: IdMap, value: str, fill: float
) -> np.ndarray:
    out = np.full((len(stores), len(items)), fill, dtype=np.float32)
    if frame is None or len(frame) == 0:
        return out
    s = stores.index(frame[Col.STORE].astype(str).to_numpy())
    i = items.index(frame[Col.SKU].astype(str).to_numpy())
    ok = (s >= 0) & (i >= 0)
    out[s[ok], i[ok]] = frame[value].to_numpy(dtype=float, na_value=fill)[ok]
    return out


def _receipts(
    frame: pd.DataFrame | None, stores: IdMap, items: IdMap
) -> dict[tuple[int, int], tuple[dt.date, float]]:
    """The earliest open receipt of each store × item (summing what arrives that day)."""
    if frame is None or len(frame) == 0:
        return {}
    grouped = cast(
        "pd.DataFrame", frame.groupby([Col.STORE, Col.SKU, Col.EXPECTED], as_index=False)[Col.QUANTITY].sum()
    )
    grouped = grouped.sort_values([Col.STORE, Col.SKU, Col.EXPECTED]).drop_duplicates([Col.STORE, Col.SKU])
    out: dict[tuple[int, int], tuple[dt.date, float]] = {}
    for store, sku, day, qty in grouped.itertuples(index=False):
        s, i = stores.get(str(store)), items.get(str(sku))
        if s is not None and i is not None and qty > 0:
            out[(s, i)] = (day.date() if hasattr(day, "date") else day, float(qty))
    return out


def _customers(
    frames: RecommendFrames,
    items: ItemTable,
    item_ids: IdMap,
    artifact: LoadedArtifact,
    as_of: np.datetime64,
    config: RecommendConfig,
) -> dict[str, CustomerInfo]:
    from substitute.recommend.interactions import build_interactions

    cfg = config.training
    inter = build_interactions(
        frames.sales,
        frames.events,
        item_ids,
        as_of,
        cfg.half_life_days,
        cfg.accepted_weight,
        cfg.declined_weight,
    )
    hybrid = artifact.arrays["hybrid"]
    trained = IdMap.from_array(artifact.arrays["customers"]["customer_id"])
    user_vectors = hybrid["user_vectors"]
    feature_row = {n: r for r, n in enumerate(hybrid["user_feature_names"].tolist())}
    embeddings = hybrid["user_feature_embeddings"]
    out: dict[str, CustomerInfo] = {}
    weights = inter.weights
    for row, cust in enumerate(inter.customers.external.tolist()):
        lo, hi = weights.indptr[row], weights.indptr[row + 1]
        out[cust] = CustomerInfo(
            history_items=weights.indices[lo:hi].astype(np.int64), history_weights=weights.data[lo:hi]
        )
    attrs: dict[str, dict[Any, Any]] = {}
    if frames.customers is not None:
        for rec in frames.customers.astype(object).to_dict("records"):
            attrs[str(rec[Col.CUSTOMER])] = rec
    profiles: dict[str, dict[int, tuple[str, float, float]]] = {}
    categories = {n: c for c, n in enumerate(items.category_names.tolist())}
    if frames.profiles is not None:
        for cust, cat, kind, strength, conf in frames.profiles[
            [Col.CUSTOMER, Col.CATEGORY, Col.TYPE, Col.STRENGTH, Col.CONFIDENCE]
        ].itertuples(index=False):
            code = categories.get(str(cat))
            if code is not None:
                kind = "behavioural" if str(kind).startswith("behavio") else str(kind)
                profiles.setdefault(str(cust), {})[code] = (kind, float(strength), float(conf))
    for cust in sorted(set(out) | set(attrs) | set(profiles)):
        info = out.setdefault(cust, CustomerInfo())
        rec = attrs.get(cust, {})
        info.sizes = frozenset(parse_sizes(rec.get(Col.SIZES)))
        band = rec.get(Col.PRICE_BAND)
        info.price_band = PRICE_BANDS.index(band) if band in PRICE_BANDS else -1
        info.profiles = profiles.get(cust, {})
        trained_row = trained.get(cust)
        if trained_row is not None:
            info.vector = user_vectors[trained_row]
        else:
            # Cold start (Kula 2015): a new customer is the mean of their feature embeddings.
            loyal = [(items.category_names[c], k[:5]) for c, (k, _, _) in info.profiles.items()]
            rows = [feature_row[f] for f in customer_feature_names(None, rec, loyal) if f in feature_row]
            if rows:
                info.vector = embeddings[rows].mean(axis=0)
    return out


def build_snapshot(
    artifact: LoadedArtifact,
    frames: RecommendFrames,
    inventory: pd.DataFrame,
    receipts: pd.DataFrame | None = None,
    risks: pd.DataFrame | None = None,
    *,
    as_of: dt.date,
    config: RecommendConfig | None = None,
) -> Snapshot:
    """Assemble a snapshot from a verified artifact and current frames.

    ``inventory`` has ``store_id, sku, on_hand``; ``receipts`` ``store_id,
    sku, expected_date, quantity``; ``risks`` ``store_id, sku,
    p_stockout_window``. ``frames.sales`` gives histories and demand rates.
    """
    from substitute.recommend.retrieval import Shortlists
    from substitute.recommend.transfer import transferred_load

    config = config or RecommendConfig()
    model = _model_parts(artifact)
    items, item_ids = model["items"], model["item_ids"]
    store_names = set(inventory[Col.STORE].astype(str)) | set(frames.sales[Col.STORE].astype(str))
    stores = IdMap(store_names)
    on_hand = _store_matrix(inventory, stores, item_ids, Col.ON_HAND, 0.0)
    available = np.maximum(on_hand - config.inventory.safety_units, 0.0)
    risk = _store_matrix(risks, stores, item_ids, Col.P_STOCKOUT, 0.0)

    day = np.datetime64(as_of, "D")
    recent = frames.sales[frames.sales[Col.DATE].to_numpy(dtype="datetime64[D]") > day - DEMAND_DAYS]
    rate = cast("pd.DataFrame", recent.groupby([Col.STORE, Col.SKU], as_index=False)[Col.QUANTITY].sum())
    rate[Col.QUANTITY] = rate[Col.QUANTITY].clip(lower=0) / DEMAND_DAYS
    demand_rate = _store_matrix(rate, stores, item_ids, Col.QUANTITY, 0.0)

    snapshot = Snapshot(
        **model,
        manifest=artifact.manifest,
        config=config,
        as_of=as_of,
        stores=stores,
        available=available,
        in_stock=InStock.build(available, items.category, len(items.category_names)),
        risk=risk,
        demand_rate=demand_rate,
        load=np.zeros_like(available),
        receipts=_receipts(receipts, stores, item_ids),
        customers=_customers(frames, items, item_ids, artifact, day, config),
        shortlists=Shortlists.from_arrays(artifact.arrays.get("retrieval"), items.n_items),
    )
    snapshot.load = transferred_load(snapshot)
    return snapshot


def _model_parts(artifact: LoadedArtifact) -> dict[str, Any]:
    """The trained item side of a snapshot: attributes, ALS, LightFM vectors."""
    from substitute.recommend.als import AlsFactors, AlsIndex

    items = ItemTable.from_arrays(artifact.arrays["items"])
    # Indexed now, before a server forks its workers, so that they share it.
    _ = items.cross_category_models
    als = artifact.arrays["als"]
    vectors = artifact.arrays["hybrid"]["item_vectors"]
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return {
        "items": items,
        "item_ids": items.ids(),
        "purpose": items.purpose_matrix(),
        "als": AlsIndex(AlsFactors(als["user_factors"], als["item_factors"])),
        "item_vectors": vectors,
        "item_bias": artifact.arrays["hybrid"]["item_bias"],
        "item_unit": vectors / np.where(norms > 0, norms, 1.0),
    }


def catalogue_snapshot(artifact: LoadedArtifact, config: RecommendConfig, as_of: dt.date) -> Snapshot:
    """The trained models with one make-believe store that has every item and sells at overall popularity.

    What the shortlists are ranked in (:mod:`substitute.recommend.retrieval`):
    the serving code, with stock and customers taken out of the question.
    """
    model = _model_parts(artifact)
    everything = np.ones((1, model["items"].n_items), dtype=np.float32)
    return Snapshot(
        **model,
        manifest=artifact.manifest,
        config=config,
        as_of=as_of,
        stores=IdMap(["*"]),
        available=everything,
        in_stock=InStock.build(everything, model["items"].category, len(model["items"].category_names)),
        risk=np.zeros_like(everything),
        demand_rate=model["items"].popularity[None, :].astype(np.float32),
        load=np.zeros_like(everything),
        receipts={},
        customers={},
    )


def load_snapshot(
    engine: Engine,
    settings: Settings,
    *,
    config: RecommendConfig | None = None,
    config_dir: Path | None = None,
    profiles: pd.DataFrame | None = None,
    as_of: dt.date | None = None,
) -> Snapshot:
    """Load the current artifact and today's data from the database.

    Raises
    ------
    ArtifactError
        When no verified artifact can be loaded; a running service keeps its
        previous snapshot (see :class:`~substitute.recommend.service.Recommender`).
    """
    from substitute.recommend.artifacts import load_artifact
    from substitute.recommend.reader import read_frames, read_inventory, read_receipts, read_risks
    from substitute.recommend.train import current_registered_version

    config = config or load_recommend_config(config_dir)
    artifact = load_artifact(settings.artifacts.dir, current_registered_version(engine))
    frames, last_sale = read_frames(engine, config.training.history_days, as_of)
    if profiles is not None:
        frames.profiles = profiles
    inventory = read_inventory(engine)
    if as_of is None:
        latest = inventory[Col.DATE].max() if len(inventory) else None
        as_of = (
            max(last_sale, latest.date())
            if latest is not None and not isinstance(latest, float)
            else last_sale
        )
    return build_snapshot(
        artifact,
        frames,
        inventory,
        read_receipts(engine, as_of),
        read_risks(engine),
        as_of=as_of,
        config=config,
    )

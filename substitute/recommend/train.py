"""``train``: item tables, ALS and LightFM from the data, published as one artifact version.

:func:`fit_models` works on frames (a benchmark calls it on files);
:func:`train` reads the database, fits, writes a version folder, checks it
back, records it in ``model_artifacts`` and only then makes it current.
Serving never trains.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
from sqlalchemy import Engine, select, update

from substitute.db.models import ModelArtifact, table_of
from substitute.recommend.artifacts import (
    KIND,
    ArtifactManifest,
    LoadedArtifact,
    load_artifact,
    new_version,
    publish,
    write_artifact,
)
from substitute.recommend.config import RecommendConfig, load_recommend_config
from substitute.recommend.frames import Col, RecommendFrames

if TYPE_CHECKING:
    from substitute.recommend.als import AlsFactors
    from substitute.recommend.catalogue import ItemTable
    from substitute.recommend.hybrid import HybridFactors
    from substitute.recommend.interactions import Interactions
    from substitute.recommend.retrieval import Shortlists
    from substitute.settings import Settings

__all__ = ["TrainedModels", "fit_models", "model_arrays", "train"]

_LIBRARIES = ("numpy", "scipy", "pandas", "implicit", "rectools-lightfm", "substitute")


@dataclass
class TrainedModels:
    items: ItemTable
    interactions: Interactions
    als: AlsFactors
    hybrid: HybridFactors
    as_of: np.datetime64
    seconds: dict[str, float] = field(default_factory=dict)
    shortlists: Shortlists | None = None


def fit_models(
    frames: RecommendFrames,
    config: RecommendConfig,
    *,
    as_of: np.datetime64 | None = None,
    progress: bool = False,
) -> TrainedModels:
    """Fit the item table, ALS (Hu et al. 2008) and LightFM (Kula 2015) on ``frames``."""
    from tqdm import tqdm

    from substitute.recommend.als import fit_als
    from substitute.recommend.catalogue import build_item_table
    from substitute.recommend.hybrid import fit_hybrid
    from substitute.recommend.interactions import build_interactions

    frames.check()
    cfg = config.training
    if as_of is None:
        as_of = frames.sales[Col.DATE].max().to_datetime64() if len(frames.sales) else np.datetime64("today")
    as_of = np.datetime64(cast(Any, as_of), "D")
    seconds: dict[str, float] = {}
    steps = tqdm(total=5, desc="train", unit=" step", disable=None if progress else True)

    t0 = time.perf_counter()
    table = build_item_table(frames.items, frames.sales, frames.reviews, as_of, cfg.half_life_days)
    seconds["items"] = time.perf_counter() - t0
    steps.update()

    t0 = time.perf_counter()
    inter = build_interactions(
        frames.sales,
        frames.events,
        table.ids(),
        as_of,
        cfg.half_life_days,
        cfg.accepted_weight,
        cfg.declined_weight,
    )
    seconds["interactions"] = time.perf_counter() - t0
    steps.update()

    t0 = time.perf_counter()
    als = fit_als(inter.weights, cfg.als, progress=False)
    seconds["als"] = time.perf_counter() - t0
    steps.update()

    t0 = time.perf_counter()
    hybrid = fit_hybrid(
        inter.weights,
        inter.customers,
        table,
        frames.customers,
        frames.profiles,
        cfg.lightfm,
        progress=progress,
    )
    seconds["lightfm"] = time.perf_counter() - t0
    steps.update()

    models = TrainedModels(table, inter, als, hybrid, as_of, seconds)
    t0 = time.perf_counter()
    models.shortlists = _shortlists(models, config, progress=progress)
    seconds["shortlists"] = time.perf_counter() - t0
    steps.update()
    steps.close()
    return models


def _shortlists(models: TrainedModels, config: RecommendConfig, *, progress: bool) -> Shortlists | None:
    """Each item's candidates, ranked by the serving code on the models just fitted."""
    from substitute.recommend.retrieval import build_shortlists
    from substitute.recommend.snapshot import catalogue_snapshot

    arrays = {k.removesuffix(".npz"): v for k, v in _model_arrays(models).items()}
    artifact = LoadedArtifact(ArtifactManifest(version="training"), arrays, Path("."))
    as_of = models.as_of.astype("datetime64[D]").item()
    catalogue = catalogue_snapshot(artifact, config, as_of)
    return build_shortlists(catalogue, config.retrieval.depth, progress=progress)


def model_arrays(models: TrainedModels) -> dict[str, dict[str, np.ndarray]]:
    """Everything serving needs, as plain arrays per artifact file."""
    shortlists = models.shortlists.to_arrays() if models.shortlists is not None else {}
    return {**_model_arrays(models), "retrieval.npz": shortlists}


def _model_arrays(models: TrainedModels) -> dict[str, dict[str, np.ndarray]]:
    return {
        "items.npz": models.items.to_arrays(),
        "als.npz": {"user_factors": models.als.user_factors, "item_factors": models.als.item_factors},
        "hybrid.npz": {
            "item_vectors": models.hybrid.item_vectors,
            "item_bias": models.hybrid.item_bias,
            "user_vectors": models.hybrid.user_vectors,
            "user_feature_embeddings": models.hybrid.user_feature_embeddings,
            "user_feature_names": models.hybrid.user_feature_names,
        },
        "customers.npz": {"customer_id": models.interactions.customers.external},
    }


def _library_versions() -> dict[str, str]:
    out = {}
    for name in _LIBRARIES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def build_manifest(
    models: TrainedModels, frames: RecommendFrames, config: RecommendConfig, start: str | None
) -> ArtifactManifest:
    inter = models.interactions
    n_cust, n_items = inter.weights.shape
    return ArtifactManifest(
        version=new_version(),
        created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        data_window={"start": start, "end": str(models.as_of)},
        row_counts={
            "items": int(models.items.n_items),
            "customers": int(n_cust),
            "sales_lines": int(inter.n_sales_lines),
            "accepted_offers": int(inter.n_accepted),
            "declined_offers": int(inter.n_declined),
            "reviews": int(0 if frames.reviews is None else len(frames.reviews)),
            "profiles": int(0 if frames.profiles is None else len(frames.profiles)),
            "interactions": int(inter.weights.nnz),
        },
        library_versions=_library_versions(),
        metrics={
            **{f"seconds_{k}": round(v, 3) for k, v in models.seconds.items()},
            "density": round(inter.weights.nnz / max(n_cust * n_items, 1), 8),
            "items_with_sales": int((models.items.popularity > 0).sum()),
        },
        config=config.model_dump(mode="json"),
    )


def _register(engine: Engine, manifest: ArtifactManifest) -> None:
    """Record the version and make it the current one, in one transaction."""
    with engine.begin() as conn:
        conn.execute(update(ModelArtifact).where(ModelArtifact.kind == KIND).values(is_current=False))
        conn.execute(
            table_of(ModelArtifact)
            .insert()
            .values(
                kind=KIND,
                version=manifest.version,
                path=manifest.path,
                manifest=manifest.to_json(),
                is_current=True,
                created_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
            )
        )


def current_registered_version(engine: Engine) -> str | None:
    """The version ``model_artifacts`` marks current, if any."""
    with engine.connect() as conn:
        return conn.execute(
            select(ModelArtifact.version).where(
                ModelArtifact.kind == KIND, ModelArtifact.is_current.is_(True)
            )
        ).scalar()


def train(
    engine: Engine,
    settings: Settings,
    *,
    config: RecommendConfig | None = None,
    config_dir: Path | None = None,
    progress: bool = True,
) -> ArtifactManifest:
    """Read the database, fit every model and publish a new artifact version atomically.

    The new version is read back and verified before it is registered; if
    anything fails the previous version stays current.
    """
    config = config or load_recommend_config(config_dir)
    frames, as_of = read_frames_for(engine, config)
    models = fit_models(frames, config, as_of=np.datetime64(as_of), progress=progress)
    start = (as_of - dt.timedelta(days=config.training.history_days - 1)).isoformat()
    manifest = build_manifest(models, frames, config, start)
    root = settings.artifacts.dir
    write_artifact(root, manifest, model_arrays(models))
    load_artifact(root, manifest.version)  # what we serve must read back bit for bit
    _register(engine, manifest)
    publish(root, manifest.version)
    return manifest


def read_frames_for(engine: Engine, config: RecommendConfig) -> tuple[RecommendFrames, dt.date]:
    from substitute.recommend.reader import read_frames

    return read_frames(engine, config.training.history_days)

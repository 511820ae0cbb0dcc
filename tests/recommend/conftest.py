"""Fixtures: the planted retailer, fitted once per session, and a snapshot of it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from substitute.recommend.artifacts import load_artifact, publish, write_artifact
from substitute.recommend.config import RecommendConfig, load_recommend_config
from substitute.recommend.snapshot import Snapshot, build_snapshot
from substitute.recommend.train import TrainedModels, build_manifest, fit_models, model_arrays
from tests.recommend import planted

REPO_CONFIGS = Path(__file__).resolve().parents[2] / "configs"


@pytest.fixture(scope="session")
def config() -> RecommendConfig:
    """The shipped configs/recommend.toml: the tests also check that it loads."""
    return load_recommend_config(REPO_CONFIGS)


@pytest.fixture(scope="session")
def models(config: RecommendConfig) -> TrainedModels:
    return fit_models(planted.frames(), config, as_of=np.datetime64(planted.AS_OF))


@pytest.fixture(scope="session")
def artifact_root(
    tmp_path_factory: pytest.TempPathFactory, models: TrainedModels, config: RecommendConfig
) -> Path:
    root = tmp_path_factory.mktemp("artifacts")
    manifest = build_manifest(models, planted.frames(), config, None)
    write_artifact(root, manifest, model_arrays(models))
    publish(root, manifest.version)
    return root


def make_snapshot(root: Path, config: RecommendConfig, **changes: object) -> Snapshot:
    """A snapshot of the planted retailer; ``changes`` replace inventory, receipts, risks or profiles."""
    frames = planted.frames()
    frames.profiles = changes.get("profiles", planted.profiles())  # type: ignore[assignment]
    return build_snapshot(
        load_artifact(root),
        frames,
        changes.get("inventory", planted.inventory()),  # type: ignore[arg-type]
        changes.get("receipts", planted.receipts()),  # type: ignore[arg-type]
        changes.get("risks"),  # type: ignore[arg-type]
        as_of=planted.AS_OF,
        config=changes.get("config", config),  # type: ignore[arg-type]
    )


@pytest.fixture(scope="session")
def snapshot(artifact_root: Path, config: RecommendConfig) -> Snapshot:
    return make_snapshot(artifact_root, config)

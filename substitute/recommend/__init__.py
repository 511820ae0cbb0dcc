"""Substitute recommendations: hybrid, inventory-aware, ranked by loyalty type.

Pipeline, one module per idea:

* :mod:`~substitute.recommend.train` fits the item table
  (:mod:`~substitute.recommend.catalogue`), implicit ALS
  (:mod:`~substitute.recommend.als`, Hu, Koren & Volinsky 2008) and LightFM
  (:mod:`~substitute.recommend.hybrid`, Kula 2015) and publishes a verified
  artifact (:mod:`~substitute.recommend.artifacts`);
* :mod:`~substitute.recommend.snapshot` loads it with today's stock, receipts,
  sellout risks and customers into memory;
* :mod:`~substitute.recommend.candidates` gathers in-stock candidates with the
  sources that put them there, :mod:`~substitute.recommend.rank` orders them
  by loyalty type with inventory penalties, and
  :mod:`~substitute.recommend.service` answers ``recommend_substitutes``.

Importing this package loads none of the heavy libraries (pandas, implicit,
lightfm): the names below are imported on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from substitute.recommend.artifacts import ArtifactManifest
    from substitute.recommend.config import RecommendConfig, load_recommend_config
    from substitute.recommend.frames import RecommendFrames
    from substitute.recommend.service import Recommender, Reservation, Substitute, recommend_substitutes
    from substitute.recommend.snapshot import Snapshot, build_snapshot, load_snapshot
    from substitute.recommend.train import fit_models, train

__all__ = [
    "ArtifactManifest",
    "RecommendConfig",
    "RecommendFrames",
    "Recommender",
    "Reservation",
    "Snapshot",
    "Substitute",
    "build_snapshot",
    "fit_models",
    "load_recommend_config",
    "load_snapshot",
    "recommend_substitutes",
    "train",
]

_HOME = {
    "ArtifactManifest": "artifacts",
    "RecommendConfig": "config",
    "load_recommend_config": "config",
    "RecommendFrames": "frames",
    "Recommender": "service",
    "Reservation": "service",
    "Substitute": "service",
    "recommend_substitutes": "service",
    "Snapshot": "snapshot",
    "build_snapshot": "snapshot",
    "load_snapshot": "snapshot",
    "fit_models": "train",
    "train": "train",
}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        return getattr(importlib.import_module(f"substitute.recommend.{_HOME[name]}"), name)
    raise AttributeError(f"module 'substitute.recommend' has no attribute {name!r}")

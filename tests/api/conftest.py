"""The app on a throwaway database (both backends), with Flask's test client.

``served`` adds the planted retailer of ``tests/recommend/planted.py`` with a
recommender trained once per session, loaded into the app's snapshot, and a
key per scope.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from flask import Flask
from sqlalchemy import Engine

from substitute.api.app import create_app
from substitute.api.checkout import warm
from substitute.api.keys import create_key
from substitute.recommend.artifacts import publish, write_artifact
from substitute.recommend.train import _register, build_manifest, fit_models, model_arrays
from tests.recommend import planted

REPO_CONFIGS = Path(__file__).resolve().parents[2] / "configs"


@pytest.fixture
def app(engine, tmp_path):
    app = create_app(
        {"environment": "test", "artifacts": {"dir": str(tmp_path / "artifacts")}},
        engine=engine,
    )
    app.testing = True
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def trained(tmp_path_factory: pytest.TempPathFactory):
    """The planted retailer's recommender, fitted once: (artifact root, manifest)."""
    from substitute.recommend.config import load_recommend_config

    config = load_recommend_config(REPO_CONFIGS)
    models = fit_models(planted.frames(), config, as_of=np.datetime64(planted.AS_OF))
    root = tmp_path_factory.mktemp("api-artifacts")
    manifest = build_manifest(models, planted.frames(), config, None)
    write_artifact(root, manifest, model_arrays(models))
    publish(root, manifest.version)
    return root, manifest


@dataclass
class Served:
    app: Flask
    engine: Engine
    keys: dict[str, str]

    def client(self):
        return self.app.test_client()

    def get(self, url: str, key: str = "pos", headers: dict[str, str] | None = None):
        return self.client().get(url, headers={"X-API-Key": self.keys[key], **(headers or {})})

    def post(self, url: str, json: object, key: str = "pos", **kw):
        return self.client().post(url, json=json, headers={"X-API-Key": self.keys[key]}, **kw)


@pytest.fixture
def served(app, engine, trained, tmp_path) -> Served:
    """The planted retailer in the database, its snapshot in service, and keys.

    Keys: ``pos``, ``buyer``, ``ops``, ``admin``, ``pos_s2`` (pos bound to S2)
    and ``buyer_s2`` (buyer bound to S2).
    """
    root, manifest = trained
    shutil.copytree(root, tmp_path / "artifacts", dirs_exist_ok=True)
    planted.write_planted(engine)
    _register(engine, manifest)
    keys = {
        scope: create_key(engine, f"test {scope}", [scope])[0] for scope in ("pos", "buyer", "ops", "admin")
    }
    keys["pos_s2"] = create_key(engine, "till S2", ["pos"], ["S2"])[0]
    keys["buyer_s2"] = create_key(engine, "buyer S2", ["buyer"], ["S2"])[0]
    service = warm(app)
    assert service.snapshot is not None, service.health.load_error
    return Served(app, engine, keys)


AS_OF = planted.AS_OF
EVENT_TIME = dt.datetime(2025, 6, 30, 10, 0, tzinfo=dt.UTC).isoformat()

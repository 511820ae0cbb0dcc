"""The buyers' pages on the planted retailer (both backends), signed in with a buyer key."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from substitute.api.app import create_app
from substitute.api.keys import create_key
from substitute.api.state import state
from substitute.recommend.config import RecommendConfig
from substitute.recommend.service import Substitute
from tests.web.planting import plant

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def make_app(engine, tmp_path, environment="test", **settings):
    app = create_app(
        {
            "environment": environment,
            "artifacts": {"dir": str(tmp_path / "artifacts")},
            **({"api": {"secret_key": "s" * 40}} if environment == "production" else {}),
            **settings,
        },
        engine=engine,
    )
    app.testing = True
    return app


@pytest.fixture
def planted(engine):
    plant(engine)
    return engine


@pytest.fixture
def app(planted, tmp_path):
    return make_app(planted, tmp_path)


@pytest.fixture
def buyer_key(planted):
    key, _ = create_key(planted, "Taro (buyer)", ["buyer"])
    return key


def csrf_of(html: str) -> str:
    return CSRF.search(html).group(1)


def sign_in(client, key: str):
    token = csrf_of(client.get("/buyers/signin").text)
    return client.post("/buyers/signin", data={"key": key, "csrf_token": token})


@pytest.fixture
def client(app, buyer_key):
    c = app.test_client()
    assert sign_in(c, buyer_key).status_code == 302
    return c


class FakeHolder:
    """Stands in for the snapshot holder: a planted substitute list, no trained model."""

    def __init__(self, subs):
        self.subs = subs
        self.error = None
        self.snapshot = SimpleNamespace(config=RecommendConfig())

    def get(self, run_id):
        return self.snapshot

    def is_cached(self, store_id, sku):
        return True

    def ready_count(self, snapshot, store_id, sku):
        return sum(1 for s in self.subs if s.reservation is None and s.available_qty > 0)


PLANTED_SUBS = [
    Substitute("CHA-Z1-BLK-260", 0.9, "behavioural", ("made for the outdoors like the original",), 10.0),
    Substitute("KEEN-NEW-260", 0.8, "behavioural", ("popular here",), 2.0),
]


@pytest.fixture
def with_substitutes(app, monkeypatch):
    """Two planted substitutes for every item (the recommender's own tests cover ranking)."""
    state(app).parts["web.snapshot"] = FakeHolder(PLANTED_SUBS)
    monkeypatch.setattr(
        "substitute.recommend.service.recommend_substitutes", lambda snapshot, sku, store, k=5: PLANTED_SUBS
    )
    return app

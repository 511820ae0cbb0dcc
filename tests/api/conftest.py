"""The app on a throwaway database (both backends), with Flask's test client."""

from __future__ import annotations

import pytest

from substitute.api.app import create_app


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

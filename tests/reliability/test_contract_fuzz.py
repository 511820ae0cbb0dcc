"""Contract fuzzing (R8, issue 9): schemathesis against the live app's ``/openapi.json``.

The fast, seeded variant CI runs: the planted retailer served on loopback by
werkzeug's threaded server, a key with every scope, schemathesis' examples,
coverage and fuzzing phases. Zero server errors, zero responses outside the
document (schema, status code, content type). The app runs with
``testing`` on, so a response that breaks its pydantic model is a 500 here
rather than a log line. ``bench/reliability.py`` runs the same against
gunicorn on the demo retailer with at least 1,000 cases.
"""

from __future__ import annotations

import shutil

import pytest

from substitute.api.app import create_app
from substitute.api.checkout import warm
from substitute.api.keys import create_key
from substitute.recommend.train import _register
from tests.api.conftest import trained  # noqa: F401 - the planted recommender, fitted once
from tests.recommend import planted
from tests.reliability.live import ALL_SCOPES, CHECKS, run_schemathesis, serve_in_thread

#: Per operation; with the coverage phase's cases this makes several hundred cases in ~20 s.
MAX_EXAMPLES = 10
SEED = 42
OPERATIONS = 9


@pytest.fixture
def live(sqlite_engine, trained, tmp_path):  # noqa: F811
    root, manifest = trained
    shutil.copytree(root, tmp_path / "artifacts", dirs_exist_ok=True)
    app = create_app(
        {"environment": "test", "artifacts": {"dir": str(tmp_path / "artifacts")}}, engine=sqlite_engine
    )
    app.testing = True
    planted.write_planted(sqlite_engine)
    _register(sqlite_engine, manifest)
    key = create_key(sqlite_engine, "fuzz", ALL_SCOPES)[0]
    assert warm(app).snapshot is not None
    with serve_in_thread(app) as url:
        yield url, key


def test_schemathesis_finds_no_server_error_and_no_response_outside_the_document(live, tmp_path):
    url, key = live
    result = run_schemathesis(url, key, max_examples=MAX_EXAMPLES, seed=SEED, work=tmp_path, timeout_s=120)
    print(f"schemathesis: {result.cases} cases over {result.operations} operations")  # shown with -s
    assert result.operations == OPERATIONS, result.output[-3000:]
    assert result.cases >= 200, result.output[-3000:]
    assert result.server_errors == 0, result.output[-6000:]
    assert result.schema_violations == 0, result.output[-6000:]
    assert result.failures == {} and result.exit_code == 0, result.output[-6000:]


def test_the_run_makes_the_checks_the_issue_requires():
    assert {"not_a_server_error", "response_schema_conformance"} <= set(CHECKS)

"""Runs, readiness, metrics, the OpenAPI document and the offline docs page."""

from __future__ import annotations

import pytest

from substitute.api.checkout import CHECKOUT
from substitute.api.state import state


def test_an_ops_key_requests_a_run_and_reads_it_back(served):
    pytest.importorskip("substitute.jobs.control")
    created = served.post("/v1/runs", {"job": "forecast"}, key="ops")
    assert created.status_code == 202, created.get_json()
    run = created.get_json()
    assert run["job"] == "forecast" and run["status"] == "requested"
    listed = served.get("/v1/runs?job=forecast", key="ops").get_json()["runs"]
    assert [r["id"] for r in listed] == [run["id"]]
    assert served.get(f"/v1/runs/{run['id']}", key="ops").get_json()["id"] == run["id"]


def test_runs_errors_name_what_to_fix(served):
    pytest.importorskip("substitute.jobs.control")
    unknown = served.post("/v1/runs", {"job": "laundry"}, key="ops")
    assert unknown.status_code == 400 and "forecast" in unknown.get_json()["detail"]
    missing = served.get("/v1/runs/999999", key="ops")
    assert missing.status_code == 404 and "999999" in missing.get_json()["detail"]
    assert served.get("/v1/runs/99999999999999999999999", key="ops").status_code == 404
    assert served.get("/v1/runs?limit=100000", key="ops").status_code == 400


def test_readyz_is_ready_with_a_database_and_a_model(served):
    response = served.client().get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["checks"] == {"database": "ok", "model": "ok"}


def test_readyz_without_a_model_is_503_naming_it(client):
    response = client.get("/readyz")
    assert response.status_code == 503 and response.mimetype == "application/problem+json"
    assert "model" in response.get_json()["detail"]


def test_metrics_count_requests_per_route_and_report_the_model(served):
    served.get("/v1/substitutes?sku=TWIN-A&store=S1")
    served.get("/v1/substitutes?sku=NOPE&store=S1")
    text = served.client().get("/metrics").get_data(as_text=True)
    assert 'substitute_http_requests_total{method="GET",route="/v1/substitutes",status="200"}' in text
    assert 'route="/v1/substitutes",status="404"' in text
    assert "substitute_http_request_seconds_bucket" in text
    assert "substitute_model_age_seconds" in text and "substitute_database_up" in text


def test_every_answer_says_how_long_the_server_took(served):
    import re

    for response in (served.get("/v1/substitutes?sku=TWIN-A&store=S1"), served.client().get("/healthz")):
        timing = response.headers["Server-Timing"]
        assert re.fullmatch(r"app;dur=\d+\.\d\d", timing)
        assert 0 < float(timing.split("=")[1]) < 5_000


def test_metrics_label_unknown_paths_as_one_route(served):
    served.client().get("/random/abc123")
    text = served.client().get("/metrics").get_data(as_text=True)
    assert "abc123" not in text and 'route="unmatched"' in text


def test_the_openapi_document_validates_and_describes_every_v1_operation(served):
    validator = pytest.importorskip("openapi_spec_validator")
    doc = served.client().get("/openapi.json").get_json()
    validator.validate(doc)
    ops = {(m, p) for p, methods in doc["paths"].items() for m in methods}
    assert (
        ("get", "/v1/substitutes") in ops
        and ("post", "/v1/events") in ops
        and ("get", "/v1/runs/{run_id}") in ops
    )
    get = doc["paths"]["/v1/substitutes"]["get"]
    assert get["x-scope"] == "pos" and get["security"] == [{"ApiKey": []}]
    assert get["responses"]["401"]["content"]["application/problem+json"]
    k = next(p for p in get["parameters"] if p["name"] == "k")
    assert k["schema"]["maximum"] == 50
    assert "text/csv" in doc["paths"]["/v1/stockouts"]["get"]["responses"]["200"]["content"]


def test_the_docs_page_works_offline_and_escapes(served):
    page = served.client().get("/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "/v1/substitutes" in html and "scope: <code>pos</code>" in html
    assert "<script" not in html and "http://" not in html and "https://" not in html


def test_responses_match_their_declared_models(served):
    # Under test a response that strays from its model fails (in service it is logged).
    assert state(served.app).parts[CHECKOUT].snapshot is not None
    assert served.get("/v1/substitutes?sku=T-HUR-BLK-24&store=S1&customer=psych").status_code == 200

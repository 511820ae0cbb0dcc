"""The app's skeleton: health, and problem details for every error."""

from __future__ import annotations


def test_healthz_is_alive(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_an_unknown_route_is_a_problem_document(client):
    response = client.get("/nowhere")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 404


def test_an_oversized_body_is_413(client):
    response = client.post("/v1/anything", data=b"x" * ((1 << 20) + 1))
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"


def test_in_service_unvalidated_answers_are_the_same_as_the_validated_ones(served):
    """Responses are checked against their models only in tests; in service they must not differ."""
    served.post("/v1/runs", {"job": "forecast"}, key="ops")
    calls = [
        ("/v1/substitutes?sku=TWIN-A&store=S1&k=3", "pos"),
        ("/v1/substitutes?sku=T-HUR-BLK-24&store=S1&customer=psych", "pos"),
        ("/v1/stockouts?store=S1", "buyer"),
        ("/v1/items/TWIN-A/loyalty", "buyer"),
        ("/v1/runs", "ops"),
    ]
    checked = [
        (served.get(url, key=key).status_code, served.get(url, key=key).get_json()) for url, key in calls
    ]
    served.app.config["VALIDATE_RESPONSES"] = False
    in_service = [
        (served.get(url, key=key).status_code, served.get(url, key=key).get_json()) for url, key in calls
    ]
    assert in_service == checked
    assert all(status == 200 for status, _ in checked)

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

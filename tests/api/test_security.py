"""Deny by default, keys, scopes, store binding and rate limits (OWASP API1, API2, API4, API5)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from substitute.api.auth import KEYRING, LIMITS, PUBLIC_ATTR, SCOPE_ATTR
from substitute.api.keys import revoke_key
from substitute.api.ratelimit import RateLimits
from substitute.api.state import state
from tests.api.conftest import EVENT_TIME

#: Endpoints open by design: liveness, readiness, metrics, the API document and its page.
PUBLIC_ENDPOINTS = {
    "health.healthz",
    "health.readyz",
    "metrics.metrics",
    "openapi.openapi_json",
    "openapi.docs",
    "static",
}

#: One valid call per /v1 operation and the scope it needs.
CALLS = {
    ("GET", "/v1/substitutes"): ("pos", "/v1/substitutes?sku=TWIN-A&store=S2", None),
    ("POST", "/v1/substitutes"): ("pos", "/v1/substitutes", {"store": "S2", "lines": [{"sku": "TWIN-A"}]}),
    ("POST", "/v1/events"): (
        "pos",
        "/v1/events",
        {
            "events": [
                {
                    "event_id": "m1",
                    "timestamp": EVENT_TIME,
                    "event_type": "offered",
                    "store": "S2",
                    "sku": "TWIN-A",
                }
            ]
        },
    ),
    ("GET", "/v1/stockouts"): ("buyer", "/v1/stockouts?store=S2", None),
    ("GET", "/v1/items/<sku>/loyalty"): ("buyer", "/v1/items/TWIN-A/loyalty", None),
    ("GET", "/v1/customers/<customer_id>/profile"): ("buyer", "/v1/customers/psych/profile", None),
    ("POST", "/v1/runs"): ("ops", "/v1/runs", {"job": "forecast"}),
    ("GET", "/v1/runs"): ("ops", "/v1/runs", None),
    ("GET", "/v1/runs/<run_id>"): ("ops", "/v1/runs/1", None),
}


def _rules(app):
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule, method


def _plain(rule: str) -> str:
    import re

    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"<\1>", rule)


def _call(served, method: str, url: str, body, key: str | None):
    headers = {"X-API-Key": served.keys[key]} if key else {}
    client = served.client()
    return (
        client.get(url, headers=headers) if method == "GET" else client.post(url, json=body, headers=headers)
    )


def test_every_route_declares_a_scope_or_is_deliberately_public(app):
    undeclared = []
    for rule, _ in _rules(app):
        view = app.view_functions[rule.endpoint]
        if rule.endpoint.startswith("web."):
            continue  # the buyers' pages have their own session login
        if getattr(view, SCOPE_ATTR, None) is None and not getattr(view, PUBLIC_ATTR, False):
            if rule.endpoint != "static":
                undeclared.append(rule.rule)
        if getattr(view, PUBLIC_ATTR, False):
            assert rule.endpoint in PUBLIC_ENDPOINTS, f"{rule.rule} is public but not on the reviewed list"
    assert undeclared == [], f"routes without a declared scope: {undeclared}"


def test_the_scope_table_below_covers_every_v1_operation(app):
    declared = {(m, _plain(r.rule)) for r, m in _rules(app) if r.endpoint.startswith("v1.")}
    assert declared == set(CALLS)
    for (method, rule), (scope, _, _) in CALLS.items():
        view = app.view_functions[
            next(r.endpoint for r, m in _rules(app) if _plain(r.rule) == rule and m == method)
        ]
        assert getattr(view, SCOPE_ATTR) == scope


def test_a_v1_view_without_a_scope_is_refused_at_run_time(app, client):
    # A route added to the blueprint after the fact, without endpoint(): deny by default.
    app.add_url_rule("/v1/forgotten", "v1.forgotten", lambda: "secret")
    response = client.get("/v1/forgotten")
    assert response.status_code == 403 and b"secret" not in response.data


@pytest.mark.parametrize("operation", sorted(CALLS))
def test_no_key_is_a_401_problem(served, operation):
    method, _ = operation
    _, url, body = CALLS[operation]
    response = _call(served, method, url, body, None)
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert "X-API-Key" in response.headers["WWW-Authenticate"]


def test_malformed_and_unknown_keys_are_401(served):
    for key in ("nonsense", "subst_", "subst_abc_def", served.keys["pos"] + "x", served.keys["pos"][:-1]):
        response = served.client().get("/v1/substitutes?sku=TWIN-A&store=S1", headers={"X-API-Key": key})
        assert response.status_code == 401, key


def test_a_bearer_token_works_like_the_header(served):
    headers = {"Authorization": f"Bearer {served.keys['pos']}"}
    assert served.client().get("/v1/substitutes?sku=TWIN-A&store=S1", headers=headers).status_code == 200


def test_a_revoked_key_is_refused_after_the_next_key_refresh(served):
    url = "/v1/substitutes?sku=TWIN-A&store=S1"
    assert served.get(url).status_code == 200
    key_id = served.keys["pos"].split("_")[1]
    revoke_key(served.engine, key_id)
    state(served.app).parts[KEYRING].refresh()
    assert served.get(url).status_code == 401


@pytest.mark.parametrize("key", ["pos", "buyer", "ops", "admin"])
def test_scope_matrix(served, key):
    for (method, rule), (scope, url, body) in CALLS.items():
        response = _call(served, method, url, body, key)
        if key in (scope, "admin"):
            assert response.status_code in (200, 202, 404), (key, rule, response.get_json())
        else:
            assert response.status_code == 403, (key, rule, response.status_code)
            assert response.mimetype == "application/problem+json"
            assert scope in response.get_json()["detail"]


def test_a_store_bound_key_reads_only_its_own_store(served):
    ok = served.get("/v1/substitutes?sku=TWIN-A&store=S2", key="pos_s2")
    assert ok.status_code == 200
    other = served.get("/v1/substitutes?sku=TWIN-A&store=S1", key="pos_s2")
    assert other.status_code == 403 and "S2" in other.get_json()["detail"]
    basket = served.post("/v1/substitutes", {"store": "S1", "lines": [{"sku": "TWIN-A"}]}, key="pos_s2")
    assert basket.status_code == 403
    event = {
        "event_id": "x1",
        "timestamp": EVENT_TIME,
        "event_type": "offered",
        "store": "S1",
        "sku": "TWIN-A",
    }
    assert served.post("/v1/events", {"events": [event]}, key="pos_s2").status_code == 403


def test_a_store_bound_buyer_sees_no_other_store(served):
    assert served.get("/v1/stockouts?store=S1", key="buyer_s2").status_code == 403
    # psych and behav have no home store: for a store-bound key they do not exist.
    assert served.get("/v1/customers/psych/profile", key="buyer_s2").status_code == 404


def test_over_the_per_key_limit_is_a_429_with_retry_after(served):
    state(served.app).parts[LIMITS] = RateLimits("memory://", per_key="3/minute")
    url = "/v1/substitutes?sku=TWIN-A&store=S1"
    assert [served.get(url).status_code for _ in range(3)] == [200, 200, 200]
    response = served.get(url)
    assert response.status_code == 429
    assert response.mimetype == "application/problem+json"
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    # Another key has its own budget.
    assert served.get(url, key="admin").status_code == 200


def test_failed_keys_are_limited_per_address_more_strictly(served):
    state(served.app).parts[LIMITS] = RateLimits("memory://", auth_failures="10/minute")
    client = served.client()
    codes = [client.get("/v1/runs", headers={"X-API-Key": f"subst_bad{i}_x"}).status_code for i in range(11)]
    assert codes == [401] * 10 + [429]
    # Even a good key from that address waits: guessing must not continue in between.
    assert served.get("/v1/runs", key="ops").status_code == 429


def test_a_broken_limit_storage_lets_checkout_through(served, tmp_path):
    limits = RateLimits(f"substitute+sqlite://{tmp_path}/limits.sqlite", per_key="3/minute")
    state(served.app).parts[LIMITS] = limits
    (tmp_path / "limits.sqlite").unlink(missing_ok=True)
    limits.storage.path = tmp_path / "no-such-dir" / "\0bad"
    limits.storage._local.__dict__.clear()
    assert [served.get("/v1/substitutes?sku=TWIN-A&store=S1").status_code for _ in range(5)] == [200] * 5
    assert limits.storage_errors >= 5


def test_the_limit_file_is_shared_by_processes(tmp_path):
    uri = f"substitute+sqlite://{tmp_path}/limits.sqlite"
    here = RateLimits(uri, per_key="5/minute")
    assert all(here.hit_key("k1").allowed for _ in range(3))
    code = (
        "from substitute.api.ratelimit import RateLimits;"
        f"r = RateLimits({uri!r}, per_key='5/minute');"
        "print([r.hit_key('k1').allowed for _ in range(3)])"
    )
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert other.stdout.strip() == "[True, True, False]"
    assert not here.hit_key("k1").allowed

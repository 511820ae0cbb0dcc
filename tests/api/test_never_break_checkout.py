"""Never break checkout: a valid request is answered 200 while the database or the model fails."""

from __future__ import annotations

import time

import pytest
from sqlalchemy.exc import OperationalError

from substitute.api.checkout import CHECKOUT, Refresher, warm
from substitute.api.state import state

URL = "/v1/substitutes?sku=TWIN-A&store=S1&k=5"


def _service(served):
    return state(served.app).parts[CHECKOUT]


def _db_down(*_args, **_kw):
    raise OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))


def test_database_down_still_answers_from_the_snapshot_flagged_degraded(served, monkeypatch):
    service = _service(served)
    monkeypatch.setattr(service, "_fingerprint", _db_down)
    service.refresh()
    response = served.get(URL)
    assert response.status_code == 200
    body = response.get_json()
    assert body["degraded"] is True and "unreachable" in body["reason"]
    assert body["substitutes"][0]["sku"] == "TWIN-B"  # the last snapshot's model answer
    monkeypatch.undo()
    service.refresh()  # the database is back: the next probe clears the flag
    assert served.get(URL).get_json()["degraded"] is False


def test_sqlite_file_gone_still_answers(served, tmp_path):
    if served.engine.dialect.name != "sqlite":
        pytest.skip("removes the SQLite file")
    served.engine.dispose()
    (tmp_path / "test.db").rename(tmp_path / "moved.db")
    service = _service(served)
    service.refresh()
    assert service.health.db_ok is False
    response = served.get(URL)
    assert response.status_code == 200 and response.get_json()["degraded"] is True


def test_a_slow_recommender_is_cut_at_the_deadline_and_the_popular_fallback_answers(served, monkeypatch):
    import substitute.recommend.service as recommend

    def slow(*args, **kw):
        time.sleep(0.5)
        return []

    monkeypatch.setattr(recommend, "recommend_substitutes", slow)
    service = _service(served)
    service.deadline.seconds = 0.05
    started = time.perf_counter()
    response = served.get("/v1/substitutes?sku=TWIN-A&store=S1&k=2")
    assert time.perf_counter() - started < 0.4
    body = response.get_json()
    assert response.status_code == 200 and body["degraded"] is True and body["source"] == "fallback"
    assert "deadline" in body["reason"]
    skus = [o["sku"] for o in body["substitutes"]]
    # The snacks category, in stock at S1, without the item itself, most popular first.
    assert len(skus) == 2 and "TWIN-A" not in skus and set(skus) <= {"TWIN-B", "SNK-C", "SNK-D"}
    assert all(o["strategy"] == "popular_fallback" and o["available_qty"] > 0 for o in body["substitutes"])


def test_a_failing_recommender_answers_with_the_fallback(served, monkeypatch):
    import substitute.recommend.service as recommend

    def broken(*args, **kw):
        raise RuntimeError("a bug")

    monkeypatch.setattr(recommend, "recommend_substitutes", broken)
    body = served.get(URL).get_json()
    assert body["source"] == "fallback" and body["degraded"] is True and body["substitutes"]


def test_the_fallback_offers_the_same_size_first(served):
    service = _service(served)
    offers = service.popular.offers(service.snapshot.item_ids.get("T-HUR-BLK-24"), 0, "24", 10)
    sizes = [service.snapshot.items.size[service.snapshot.item_ids.get(o["sku"])] for o in offers]
    assert sizes == sorted(sizes, key=lambda s: s != "24")


def test_no_model_yet_answers_empty_and_degraded_not_500(app, client, engine):
    from substitute.api.keys import create_key

    key = create_key(engine, "till", ["pos"])[0]
    service = warm(app)  # no artifact: the load fails
    assert service.snapshot is None and service.health.load_error
    response = client.get(URL, headers={"X-API-Key": key})
    assert response.status_code == 200
    body = response.get_json()
    assert body["degraded"] is True and body["source"] == "none" and body["substitutes"] == []
    assert client.get("/readyz").status_code == 503


def test_a_failed_reload_keeps_the_previous_snapshot_in_service(served, monkeypatch):
    service = _service(served)
    before = service.snapshot

    def corrupt():
        raise ValueError("checksum mismatch")

    monkeypatch.setattr(service, "_load", corrupt)
    assert service.refresh(force=True) is False
    assert service.snapshot is before
    body = served.get(URL).get_json()
    assert body["substitutes"][0]["sku"] == "TWIN-B" and body["degraded"] is True
    assert "reload failed" in body["reason"]


def test_a_changed_fingerprint_reloads_and_an_unchanged_one_does_not(served, monkeypatch):
    service = _service(served)
    service.min_reload_s = 0
    loads = []
    real = service._load
    monkeypatch.setattr(service, "_load", lambda: loads.append(1) or real())
    assert service.refresh() is False and loads == []
    monkeypatch.setattr(service, "_fingerprint", lambda: ("another version", 1, 1))
    assert service.refresh() is True and loads == [1]


def test_a_replaced_snapshot_is_freed_although_snapshots_are_frozen_out_of_the_collector(served):
    """``install`` calls ``gc.freeze()``: only reference counting can free an old snapshot."""
    import gc
    import weakref

    service = _service(served)
    old = weakref.ref(service.snapshot)
    old_popular = weakref.ref(service.popular)
    gc.disable()  # prove it is reference counting, not a collection, that frees them
    try:
        service.refresh(force=True)
        assert service.snapshot is not None and service.snapshot is not old()
        assert old() is None and old_popular() is None
    finally:
        gc.enable()
        gc.unfreeze()
    body = served.get(URL).get_json()
    assert body["source"] == "model" and body["substitutes"]


def test_the_refresher_thread_runs_its_tasks_and_stops():
    calls = []
    refresher = Refresher([(0.02, lambda: calls.append(1)), (0.02, lambda: 1 / 0)])
    refresher.ensure_started()
    refresher.ensure_started()  # once per process
    time.sleep(0.2)
    refresher.stop()
    assert len(calls) >= 3
    assert not refresher.thread.is_alive()


def test_a_basket_is_answered_while_the_database_is_down(served, monkeypatch):
    service = _service(served)
    monkeypatch.setattr(service, "_fingerprint", _db_down)
    service.refresh()
    response = served.post("/v1/substitutes", {"store": "S1", "lines": [{"sku": "TWIN-A"}, {"sku": "SNK-C"}]})
    assert response.status_code == 200 and response.get_json()["degraded"] is True

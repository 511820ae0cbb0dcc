"""Feedback events, the stockouts list (JSON and CSV), item loyalty and customer profiles."""

from __future__ import annotations

import csv
import datetime as dt
import io

from sqlalchemy import func, insert, select, update

from substitute.db.models import ForecastRun, Item, LoyaltyProfile, SelloutRisk, SubstitutionEvent
from tests.api.conftest import AS_OF, EVENT_TIME


def _event(event_id: str, **changes):
    return {
        "event_id": event_id,
        "timestamp": EVENT_TIME,
        "event_type": "accepted",
        "store": "S1",
        "customer": "psych",
        "sku": "T-HUR-BLK-24",
        "offered_sku": "T-HUR-RED-24",
        "rank": 1,
        **changes,
    }


def _stored_events(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(SubstitutionEvent)).scalar_one()


def test_events_are_stored_once_and_a_repeat_is_acknowledged(served):
    first = served.post("/v1/events", {"events": [_event("e1"), _event("e2", event_type="declined")]})
    assert first.status_code == 200, first.get_json()
    assert first.get_json()["stored"] == 2 and first.get_json()["received"] == 2
    again = served.post("/v1/events", {"events": [_event("e1"), _event("e3")]})
    body = again.get_json()
    assert again.status_code == 200
    assert body["stored"] == 1 and body["duplicate"] == 1
    assert _stored_events(served.engine) == 3


def test_an_event_for_an_unknown_sku_is_parked_not_lost(served):
    body = served.post("/v1/events", {"events": [_event("e9", sku="NEW-SKU")]}).get_json()
    assert body["parked"] == 1 and body["received"] == 1


def test_events_need_a_known_type_and_an_offset_timestamp(served):
    bad_type = served.post("/v1/events", {"events": [_event("e1", event_type="liked")]})
    assert bad_type.status_code == 400 and "event_type" in bad_type.get_json()["detail"]
    naive = served.post("/v1/events", {"events": [_event("e1", timestamp="2025-06-30T10:00:00")]})
    assert naive.status_code == 400
    smuggled = served.post("/v1/events", {"events": [_event("e1", batch_id=7)]})
    assert smuggled.status_code == 400
    assert _stored_events(served.engine) == 0


def _risks(engine, rows):
    now = dt.datetime(2025, 6, 30, 3, 0)
    with engine.begin() as conn:
        run_id = conn.execute(
            insert(ForecastRun)
            .values(as_of=AS_OF, status="active", is_current=True, started_at=now, finished_at=now)
            .returning(ForecastRun.id)
        ).scalar_one()
        for store, sku, p, days, extra in rows:
            conn.execute(
                insert(SelloutRisk).values(
                    run_id=run_id,
                    store_id=store,
                    sku=sku,
                    model="ets",
                    p_stockout_before_receipt=p,
                    p_stockout_window=p,
                    days_of_cover=days,
                    expected_sellout_date=AS_OF + dt.timedelta(days=int(days)),
                    on_hand=3.0,
                    reorder_qty=10.0,
                    **extra,
                )
            )
    return run_id


def test_stockouts_list_the_likely_sellouts_first_with_prepared_substitutes(served):
    _risks(
        served.engine,
        [
            ("S1", "TWIN-A", 0.9, 2, {}),
            ("S1", "SNK-C", 0.6, 5, {}),
            ("S2", "TWIN-A", 0.95, 1, {}),
            ("S1", "SNK-D", 0.2, 3, {}),  # unlikely
            ("S1", "K-NEW-BLK-24", 0.9, 40, {}),  # too far out
        ],
    )
    body = served.get("/v1/stockouts?store=S1&within_days=14&min_probability=0.5", key="buyer").get_json()
    assert [(r["store"], r["sku"]) for r in body["items"]] == [("S1", "TWIN-A"), ("S1", "SNK-C")]
    assert body["total"] == 2 and body["as_of"] == "2025-06-30"
    assert body["items"][0]["substitutes"][0]["sku"] == "TWIN-B"
    every = served.get("/v1/stockouts?limit=1&offset=1", key="buyer").get_json()
    assert every["total"] == 3 and [r["sku"] for r in every["items"]] == ["TWIN-A"]
    bound = served.get("/v1/stockouts", key="buyer_s2").get_json()
    assert {r["store"] for r in bound["items"]} == {"S2"}


def test_stockouts_page_size_is_bounded(served):
    response = served.get("/v1/stockouts?limit=1000000", key="buyer")
    assert response.status_code == 400 and "limit" in response.get_json()["detail"]


def test_stockouts_without_a_forecast_are_an_empty_list(served):
    body = served.get("/v1/stockouts", key="buyer").get_json()
    assert body["items"] == [] and body["run_id"] is None


def test_the_csv_export_defuses_formulas(served):
    with served.engine.begin() as conn:
        conn.execute(update(Item).where(Item.sku == "TWIN-A").values(name='=HYPERLINK("http://x")'))
        conn.execute(
            update(Item).where(Item.sku == "SNK-C").values(name="@SUM(A1)", brand="\tTab", category="snacks")
        )
    _risks(
        served.engine,
        [
            ("S1", "TWIN-A", 0.9, 2, {"fallback_reason": "+cmd|' /C calc'!A0"}),
            ("S1", "SNK-C", 0.8, 2, {"fallback_reason": "-1+1", "flags": None}),
        ],
    )
    response = served.get("/v1/stockouts?format=csv", key="buyer")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0]["name"] == '\'=HYPERLINK("http://x")'
    assert rows[0]["fallback_reason"] == "'+cmd|' /C calc'!A0"
    assert rows[1]["name"] == "'@SUM(A1)" and rows[1]["brand"] == "'\tTab"
    assert rows[1]["fallback_reason"] == "'-1+1"
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r"))
    by_header = served.get("/v1/stockouts", key="buyer", headers={"Accept": "text/csv"})
    assert by_header.mimetype == "text/csv"


def test_item_loyalty_counts_reviews_by_label_and_advises(served):
    body = served.get("/v1/items/T-HUR-BLK-24/loyalty", key="buyer").get_json()
    assert body["reviews"] == {"psychological": 20, "behavioral": 0, "none": 0, "total": 20}
    assert "brand" in body["advice"]
    need = served.get("/v1/items/C-Z1-BLK-24/loyalty", key="buyer").get_json()
    assert need["reviews"]["behavioral"] == 10 and "another brand" in need["advice"]
    missing = served.get("/v1/items/NOPE/loyalty", key="buyer")
    assert missing.status_code == 404 and "NOPE" in missing.get_json()["detail"]


def test_customer_profile_shows_each_category_with_its_counts(served):
    with served.engine.begin() as conn:
        conn.execute(
            insert(LoyaltyProfile).values(
                customer_id="psych",
                category="sandals",
                type="psychological",
                leaning="brand",
                strength=0.9,
                confidence=0.8,
                brand="Teva",
                n_purchases=3,
                n_offers_declined=2,
                refreshed_at=dt.datetime(2025, 6, 30, 4),
            )
        )
    body = served.get("/v1/customers/psych/profile", key="buyer").get_json()
    assert body["customer"] == "psych" and body["sizes"] == "shoe:24"
    [sandals] = body["categories"]
    assert (
        sandals["type"] == "psychological"
        and sandals["brand"] == "Teva"
        and sandals["n_offers_declined"] == 2
    )
    assert served.get("/v1/customers/nobody/profile", key="buyer").status_code == 404

"""``/v1/substitutes``: planted answers through HTTP, one item and a basket."""

from __future__ import annotations


def test_twins_are_each_others_first_substitute(served):
    response = served.get("/v1/substitutes?sku=TWIN-A&store=S1&k=3")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["substitutes"][0]["sku"] == "TWIN-B"
    assert body["degraded"] is False and body["source"] == "model"
    assert body["model_version"] and body["as_of"] == "2025-06-30"
    assert len(body["substitutes"]) <= 3


def test_a_sold_out_brand_loved_sandal_gets_its_other_colour_and_a_reservation(served):
    body = served.get("/v1/substitutes?sku=T-HUR-BLK-24&store=S1").get_json()
    assert body["available_qty"] == 0
    assert body["substitutes"][0]["sku"] == "T-HUR-RED-24"
    reservation = [o for o in body["substitutes"] if o["strategy"] == "reservation"]
    assert reservation and reservation[0]["reservation"]["expected_date"] == "2025-07-03"


def test_every_offer_is_in_stock_at_the_store(served):
    body = served.get("/v1/substitutes?sku=C-Z1-BLK-24&store=S2&customer=behav").get_json()
    assert body["substitutes"]
    assert all(o["available_qty"] > 0 for o in body["substitutes"] if o["strategy"] != "reservation")


def test_an_unknown_sku_is_a_404_naming_it(served):
    response = served.get("/v1/substitutes?sku=NOPE-1&store=S1")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert "NOPE-1" in response.get_json()["detail"]


def test_an_unknown_store_is_a_404_naming_it(served):
    response = served.get("/v1/substitutes?sku=TWIN-A&store=S9")
    assert response.status_code == 404 and "S9" in response.get_json()["detail"]


def test_k_out_of_range_is_a_400_naming_k_and_its_range(served):
    response = served.get("/v1/substitutes?sku=TWIN-A&store=S1&k=100000")
    assert response.status_code == 400
    body = response.get_json()
    assert response.mimetype == "application/problem+json"
    assert [p["name"] for p in body["invalid_params"]] == ["k"]
    assert "50" in body["detail"]


def test_a_missing_parameter_is_a_400_naming_it(served):
    response = served.get("/v1/substitutes?sku=TWIN-A")
    assert response.status_code == 400
    assert "store" in [p["name"] for p in response.get_json()["invalid_params"]]


def test_a_basket_answers_each_line_and_flags_an_unknown_sku_on_its_line(served):
    response = served.post(
        "/v1/substitutes",
        {
            "store": "S1",
            "k": 3,
            "lines": [
                {"sku": "TWIN-A", "quantity": 2},
                {"sku": "NOPE"},
                {"sku": "T-HUR-BLK-24", "size": "24"},
            ],
        },
    )
    assert response.status_code == 200, response.get_json()
    lines = response.get_json()["lines"]
    assert [line["sku"] for line in lines] == ["TWIN-A", "NOPE", "T-HUR-BLK-24"]
    assert lines[0]["substitutes"][0]["sku"] == "TWIN-B"
    assert lines[1]["error"] and "NOPE" in lines[1]["error"] and lines[1]["substitutes"] == []
    assert lines[2]["substitutes"]


def test_a_basket_line_wanting_more_than_a_store_has_gets_only_offers_with_enough_stock(served):
    body = served.post(
        "/v1/substitutes", {"store": "S1", "lines": [{"sku": "TWIN-A", "quantity": 19.5}]}
    ).get_json()
    offers = body["lines"][0]["substitutes"]
    assert all(o["available_qty"] >= 19.5 or o["strategy"] == "reservation" for o in offers)


def test_a_basket_with_an_unknown_field_is_refused(served):
    response = served.post("/v1/substitutes", {"store": "S1", "lines": [{"sku": "TWIN-A"}], "role": "admin"})
    assert response.status_code == 400
    assert "role" in response.get_json()["detail"]


def test_a_basket_of_too_many_lines_is_refused(served):
    response = served.post("/v1/substitutes", {"store": "S1", "lines": [{"sku": "TWIN-A"}] * 51})
    assert response.status_code == 400

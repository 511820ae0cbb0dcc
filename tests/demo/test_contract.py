"""Every file is in canonical form: the columns of its kind, values that parse, keys that hold."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from substitute.demo.categories import PURPOSES
from substitute.ingest.kinds import BOOL, DATE, EVENT_TYPES, FLOAT, INT, KINDS, STORE_KINDS, TIMESTAMP
from substitute.ingest.source import SourceOptions, read_chunks
from substitute.ingest.validate import validate

ALL_KINDS = sorted(KINDS)


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Cells as the text a CSV reader would see (booleans as true/false, null as empty)."""
    out = {}
    for name, col in frame.items():
        if pd.api.types.is_bool_dtype(col):
            out[name] = col.map({True: "true", False: "false"})
        else:
            out[name] = col.astype(object).where(col.notna(), "").astype(str)
    return pd.DataFrame(out)


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_columns_are_exactly_the_canonical_ones(demo, kind):
    assert tuple(demo[kind].columns) == KINDS[kind].field_names


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_values_parse_per_kind(demo, kind):
    frame = _as_text(demo[kind])
    assert len(frame) > 0
    for field in KINDS[kind].fields:
        cells = frame[field.name]
        filled = cells[cells != ""]
        if field.required:
            assert (cells != "").all(), f"{kind}.{field.name} has empty required cells"
        if field.type in (INT, FLOAT):
            numbers = pd.to_numeric(filled, errors="raise")
            if field.type == INT:
                assert (numbers == np.round(numbers)).all()
            if field.min is not None:
                assert (numbers >= field.min).all(), f"{kind}.{field.name} below {field.min}"
            if field.max is not None:
                assert (numbers <= field.max).all(), f"{kind}.{field.name} above {field.max}"
        elif field.type == DATE:
            assert filled.str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
            pd.to_datetime(filled, format="%Y-%m-%d", errors="raise")
        elif field.type == TIMESTAMP:
            assert filled.str.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\+09:00|Z)").all()
            pd.to_datetime(filled, format="ISO8601", utc=True, errors="raise")
        elif field.type == BOOL:
            assert filled.isin(["true", "false"]).all()
        if field.choices is not None:
            assert filled.str.lower().isin(field.choices).all()


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_the_ingest_validator_rejects_nothing(demo_dir, kind):
    path = next(demo_dir.glob(f"{kind}.*"))
    for frame, bad in read_chunks(path, SourceOptions(), 500_000):
        assert bad == []
        checked = validate(frame, KINDS[kind])
        assert checked.rejected_lines == 0, checked.rejects.head(10).to_string()


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_keys_are_unique(demo, kind):
    frame = demo[kind]
    assert not frame.duplicated(list(KINDS[kind].key)).any()


def test_every_reference_is_known(demo):
    skus = set(demo["items"]["sku"])
    stores = set(demo["stores"]["store_id"])
    customers = set(demo["customers"]["customer_id"])
    for kind in ("sales", "inventory", "receipts", "reviews", "events", "promotions"):
        frame = demo[kind]
        assert set(frame["sku"]) <= skus, kind
        if "store_id" in frame:
            assert set(frame["store_id"].replace("", np.nan).dropna()) <= stores, kind
        if "customer_id" in frame:
            assert set(frame["customer_id"].dropna()) <= customers, kind
    assert set(demo["events"]["offered_sku"]) <= skus
    assert set(demo["weather"]["store_id"]) == stores
    assert set(demo["customers"]["home_store_id"]) <= stores - {"ec"}


def test_stores_and_online_shop(demo):
    stores = demo["stores"]
    assert set(stores["kind"]) == STORE_KINDS
    assert stores.loc[stores["kind"] == "online", "store_id"].tolist() == ["ec"]
    assert (stores["timezone"] == "Asia/Tokyo").all()


def test_item_formats(demo):
    items = demo["items"]
    assert items["category"].str.fullmatch(r"[a-z]+(>[a-z]+)+").all()
    tags = set("|".join(items["purpose"]).split("|"))
    assert tags <= set(PURPOSES)
    assert {"Teva", "Chaco", "KEEN", "Birkenstock", "Crocs", "Ashiato"} <= set(items["brand"])
    sandals = items[items["category"] == "footwear>sandals"]
    assert pd.to_numeric(sandals["size"]).between(22.0, 28.0).all()
    assert (items.groupby("model")["sku"].nunique() > 1).mean() > 0.5  # models come in colours and sizes


def test_customer_formats(demo):
    customers = demo["customers"]
    assert customers["sizes"].str.fullmatch(r"shoe:\d{2}\.\d(\|kimono:[SML])?").all()
    for text in customers["attributes"]:
        attributes = json.loads(text)
        assert isinstance(attributes, dict) and attributes["language"] in ("ja", "en")
    assert set(customers["price_band"]) == {"low", "mid", "high"}


def test_some_online_timestamps_are_utc_and_no_store_timestamps_are(demo):
    sales = demo["sales"]
    utc = sales["timestamp"].str.endswith("Z")
    online = sales["store_id"] == "ec"
    assert not utc[~online].any()
    assert 0.02 < utc[online].mean() < 0.1


def test_events_follow_the_offer_protocol(demo):
    events = demo["events"].fillna({"customer_id": ""})
    assert set(events["event_type"]) == set(EVENT_TYPES)
    offered = events[events["event_type"] == "offered"]
    assert offered["rank"].between(1, 3).all()
    assert set(events["reason"]) <= {"same_model_other_colour", "same_brand", "same_purpose", "similar_price"}
    # Every purchase follows an acceptance of the same offer, and shows up as a sales line.
    keys = ["store_id", "customer_id", "sku", "offered_sku"]
    accepted = events[events["event_type"] == "accepted"][keys].drop_duplicates()
    purchased = events[events["event_type"] == "purchased"]
    assert len(purchased.merge(accepted, on=keys)) == len(purchased)
    sales = demo["sales"].rename(columns={"sku": "offered_sku"}).fillna({"customer_id": ""})
    # Compare instants: an online sale may be written in UTC.
    sales["instant"] = pd.to_datetime(sales["timestamp"], format="ISO8601", utc=True)
    purchased = purchased.assign(instant=pd.to_datetime(purchased["timestamp"], format="ISO8601", utc=True))
    matched = purchased.merge(sales, on=["store_id", "customer_id", "offered_sku", "instant"])
    assert len(matched.drop_duplicates("event_id")) == len(purchased)


def test_returns_come_after_a_purchase_of_the_same_item(demo):
    sales = demo["sales"].dropna(subset=["customer_id"])
    returns = sales[sales["quantity"] < 0]
    assert len(returns) > 0
    bought = sales[sales["quantity"] > 0]
    first = bought.groupby(["store_id", "customer_id", "sku"])["timestamp"].min()
    instants = pd.to_datetime(first, format="ISO8601", utc=True)
    back = returns.set_index(["store_id", "customer_id", "sku"])
    later = pd.to_datetime(back["timestamp"], format="ISO8601", utc=True) > instants.reindex(back.index)
    assert later.all()


def test_reviews_are_mostly_japanese(demo):
    reviews = demo["reviews"]
    share = (reviews["language"] == "ja").mean()
    assert 0.6 < share < 0.8
    japanese = reviews.loc[reviews["language"] == "ja", "text"]
    assert japanese.map(lambda t: bool(re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", t))).all()

"""Hidden loyalty shows in purchases, reviews and answers to offers."""

from __future__ import annotations

import re

import pandas as pd

from substitute.demo.brands import BRANDS


def _member_purchases(demo) -> pd.DataFrame:
    sales = demo["sales"]
    sales = sales[(sales["quantity"] > 0) & sales["customer_id"].notna()]
    sales = sales.merge(demo["items"][["sku", "brand", "model", "colour", "category"]], on="sku")
    truth = demo["truth/loyalty"][["customer_id", "category", "loyalty", "favourite_model"]]
    return sales.merge(truth, on=["customer_id", "category"])


def test_psychological_customers_concentrate_on_one_brand(demo):
    bought = _member_purchases(demo)
    groups = bought.groupby(["customer_id", "category", "loyalty"])["brand"]
    herfindahl = groups.agg(lambda b: (b.value_counts(normalize=True) ** 2).sum()).rename("hhi").reset_index()
    herfindahl = herfindahl[groups.size().to_numpy() >= 4]
    means = herfindahl.groupby("loyalty")["hhi"].mean()
    assert means["psychological"] > means["behavioural"] + 0.25
    assert herfindahl.groupby("loyalty").size().min() >= 30


def test_psychological_customers_rebuy_their_model_and_collect_its_colours(demo):
    bought = _member_purchases(demo)
    fans = bought[bought["loyalty"] == "psychological"]
    assert (fans["model"] == fans["favourite_model"]).mean() > 0.5
    favourite = fans[fans["model"] == fans["favourite_model"]]
    colours = favourite.groupby(["customer_id", "category"])["colour"].nunique()
    assert (colours >= 2).sum() >= 10


def _names_pattern(items: pd.DataFrame) -> re.Pattern[str]:
    """Any brand alias or model name (Latin or Japanese), taken from the item names."""
    names = {a for b in BRANDS for a in b.aliases}
    names |= set(items["name"].str.extract(r"^\S+ (.*?) \(")[0])
    names |= set(items["name"].str.extract(r"\((.*?)\)")[0])
    return re.compile("|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)))


def test_psychological_reviews_name_a_brand_or_model_far_more_often(demo):
    reviews = demo["reviews"].merge(demo["items"][["sku", "category"]], on="sku")
    reviews = reviews.merge(
        demo["truth/loyalty"][["customer_id", "category", "loyalty"]], on=["customer_id", "category"]
    )
    reviews["named"] = reviews["text"].str.contains(_names_pattern(demo["items"]))
    share = reviews.groupby("loyalty")["named"].mean()
    assert share["psychological"] > 3 * share["behavioural"]
    assert share["behavioural"] > 0, "some behavioural reviews mention a brand, as a comparison"


def test_review_labels_agree_with_the_text(demo):
    reviews = demo["reviews"].merge(demo["truth/review_labels"], on="review_id")
    reviews["named"] = reviews["text"].str.contains(_names_pattern(demo["items"]))
    assert (reviews["named"] == reviews["names_brand"]).mean() > 0.95
    assert set(reviews["motive"]) == {"psychological", "behavioural", "none"}
    by_motive = reviews.groupby("motive")["named"].mean()
    assert by_motive["psychological"] > 0.6 and by_motive["behavioural"] < 0.2
    # Tricky ones exist: a complaint that names the brand, a comparison that names another.
    assert reviews.loc[reviews["motive"] == "none", "named"].any()
    assert reviews.loc[reviews["motive"] == "behavioural", "named"].any()
    assert reviews.groupby("motive")["text"].nunique().min() >= 10


def test_psychological_customers_turn_down_other_brands_in_offers(demo):
    events = demo["events"].dropna(subset=["customer_id"])
    answers = events[events["event_type"].isin(["accepted", "declined"])]
    brand = demo["items"].set_index("sku")["brand"]
    category = demo["items"].set_index("sku")["category"]
    answers = answers.assign(
        other_brand=answers["sku"].map(brand) != answers["offered_sku"].map(brand),
        category=answers["sku"].map(category),
        accepted=answers["event_type"] == "accepted",
    ).merge(demo["truth/loyalty"][["customer_id", "category", "loyalty"]], on=["customer_id", "category"])
    other = answers[answers["other_brand"]].groupby("loyalty")["accepted"].agg(["mean", "size"])
    assert other["size"].min() >= 30
    assert other.loc["psychological", "mean"] < other.loc["behavioural", "mean"] / 3
    same = answers[~answers["other_brand"]].groupby("loyalty")["accepted"].mean()
    assert same["psychological"] > 3 * other.loc["psychological", "mean"]

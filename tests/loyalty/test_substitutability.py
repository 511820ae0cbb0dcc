"""Substitutability: small review counts are shrunk toward the category, large ones are not."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from substitute.errors import DataError
from substitute.loyalty.profile_config import SubstitutabilityConfig
from substitute.loyalty.substitutability import SUBSTITUTABILITY_COLUMNS, substitutability


def reviews_for(sku: str, counts: dict[str, int], category: str = "sandal", **attrs: str) -> pd.DataFrame:
    labels = [label for label, k in counts.items() for _ in range(k)]
    frame = pd.DataFrame({"customer_id": "c", "sku": sku, "category": category, "label": labels})
    for col, value in attrs.items():
        frame[col] = value
    return frame


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    # A mostly behavioural category (sandals for a need), 30 ordinary items.
    ordinary = [
        reviews_for(f"n{i}", {"behavioral": 7, "psychological": 2, "none": 1}, brand="Generic", model=f"G{i}")
        for i in range(30)
    ]
    special = [
        reviews_for("one", {"psychological": 1}, brand="Teva", model="Hurricane"),
        reviews_for(
            "hundred", {"psychological": 80, "behavioral": 15, "none": 5}, brand="Teva", model="Hurricane"
        ),
    ]
    return pd.concat([*ordinary, *special], ignore_index=True)


def pick(result: pd.DataFrame, level: str, key: str) -> pd.Series:
    rows = result[(result["level"] == level) & (result["key"] == key)]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def test_one_review_is_shrunk_toward_the_category(table):
    result = substitutability(table)
    one = pick(result, "item", "one")
    category_psy = (30 * 2 + 81) / len(table)
    # One psychological review: own share 1.0, reported close to the category's.
    assert one["n_reviews"] == 1
    assert abs(one["share_psychological"] - category_psy) < 0.15
    assert one["share_psychological"] < 0.5
    assert one["substitutability"] > 0.5


def test_a_hundred_reviews_are_near_their_own_share(table):
    hundred = pick(substitutability(table), "item", "hundred")
    assert hundred["share_psychological"] == pytest.approx(0.80, abs=0.05)
    assert hundred["share_behavioral"] == pytest.approx(0.15, abs=0.05)
    assert hundred["substitutability"] < 0.25


def test_behavioural_items_are_substitutable(table):
    ordinary = pick(substitutability(table), "item", "n0")
    assert ordinary["substitutability"] > 0.7


def test_models_and_brands_pool_their_items(table):
    result = substitutability(table)
    model = pick(result, "model", "Hurricane")
    brand = pick(result, "brand", "Teva")
    assert model["n_reviews"] == brand["n_reviews"] == 101
    assert model["n_psychological"] == 81
    assert pick(result, "brand", "Generic")["n_reviews"] == 300
    assert list(result.columns) == SUBSTITUTABILITY_COLUMNS
    assert list(result["level"].drop_duplicates()) == ["item", "model", "brand"]


def test_item_table_fills_brand_and_model():
    reviews = reviews_for("x1", {"psychological": 2}).drop(columns=[], errors="ignore")
    items = pd.DataFrame({"sku": ["x1"], "brand": ["Chaco"], "model": ["Z/1"]})
    result = substitutability(reviews, items)
    assert pick(result, "brand", "Chaco")["n_reviews"] == 2
    assert pick(result, "model", "Z/1")["n_reviews"] == 2


def test_categories_have_their_own_prior():
    reviews = pd.concat(
        [
            reviews_for("a", {"psychological": 9, "behavioral": 1}, category="kimono"),
            reviews_for("b", {"psychological": 1}, category="sandal"),
            reviews_for("c", {"behavioral": 20}, category="sandal"),
        ]
    )
    result = substitutability(reviews)
    assert set(result["category"]) == {"kimono", "sandal"}
    # b's one psychological review is pulled toward the behavioural sandal category.
    assert pick(result, "item", "b")["substitutability"] > 0.5


def test_fixed_prior_strength():
    reviews = reviews_for("a", {"psychological": 1})
    result = substitutability(reviews, config=SubstitutabilityConfig(prior_strength=4.0))
    # Category share c = (1 + 1) / (1 + 3) = 0.5 for psychological.
    assert pick(result, "item", "a")["share_psychological"] == pytest.approx((1 + 4 * 0.5) / (1 + 4))


def naive_shares(reviews: pd.DataFrame, strength: float) -> dict[str, tuple[float, float]]:
    """Per item, loop by loop: (n_k + a c_k) / (n + a), c_k Laplace-smoothed."""
    out = {}
    for category in reviews["category"].unique():
        in_cat = reviews[reviews["category"] == category]
        total = len(in_cat)
        c_psy = ((in_cat["label"] == "psychological").sum() + 1) / (total + 3)
        c_beh = ((in_cat["label"] == "behavioral").sum() + 1) / (total + 3)
        for sku in in_cat["sku"].unique():
            labels = in_cat[in_cat["sku"] == sku]["label"].tolist()
            n = len(labels)
            psy = (labels.count("psychological") + strength * c_psy) / (n + strength)
            beh = (labels.count("behavioral") + strength * c_beh) / (n + strength)
            out[sku] = (psy, beh)
    return out


def test_vectorised_shares_match_the_naive_loop():
    rng = np.random.default_rng(4)
    labels = rng.choice(["psychological", "behavioral", "none"], size=400, p=[0.3, 0.5, 0.2])
    reviews = pd.DataFrame(
        {
            "customer_id": "c",
            "sku": rng.choice([f"s{i}" for i in range(25)], size=400),
            "category": rng.choice(["sandal", "boot"], size=400),
            "label": labels,
        }
    )
    result = substitutability(reviews, config=SubstitutabilityConfig(prior_strength=6.0))
    expected = naive_shares(reviews, 6.0)
    items = result[result["level"] == "item"]
    assert len(items) == sum(
        reviews[reviews["category"] == c]["sku"].nunique() for c in reviews["category"].unique()
    )
    for _, r in items.iterrows():
        category_reviews = reviews[reviews["category"] == r["category"]]
        psy, beh = naive_shares(category_reviews, 6.0)[r["key"]]
        assert r["share_psychological"] == pytest.approx(psy, rel=1e-12)
        assert r["share_behavioral"] == pytest.approx(beh, rel=1e-12)
        assert r["substitutability"] == pytest.approx(beh / (psy + beh), rel=1e-12)
    assert expected  # the oracle saw items


def test_deterministic(table):
    shuffled = table.sample(frac=1.0, random_state=1)
    pd.testing.assert_frame_equal(substitutability(table), substitutability(shuffled))


def test_bad_label_is_refused():
    with pytest.raises(DataError, match="maybe"):
        substitutability(pd.DataFrame({"sku": ["a"], "category": ["x"], "label": ["maybe"]}))


def test_missing_column_is_named():
    with pytest.raises(DataError, match="label"):
        substitutability(pd.DataFrame({"sku": ["a"], "category": ["x"]}))

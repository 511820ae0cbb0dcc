"""Loyalty profiles: planted customers among an ordinary population."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from substitute.errors import ConfigError
from substitute.loyalty.behaviour import purchase_signals
from substitute.loyalty.profile import (
    EVIDENCE_COLUMNS,
    PROFILE_COLUMNS,
    SIGNAL_COLUMNS,
    category_priors,
    loyalty_profiles,
    profile_records,
)
from substitute.loyalty.profile_config import ProfileConfig, load_profile_config

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "configs" / "loyalty" / "profile.toml"


def history(customer: str, brands: str, category: str = "sandal", **extra: list) -> pd.DataFrame:
    n = len(brands)
    frame = pd.DataFrame(
        {
            "customer_id": customer,
            "timestamp": np.arange(n),
            "sku": [f"{b}-sku" for b in brands],
            "brand": list(brands),
            "category": category,
        }
    )
    for col, values in extra.items():
        frame[col] = values
    return frame


def population(seed: int = 0, customers: int = 60) -> pd.DataFrame:
    """Ordinary customers: each mostly buys one brand, sometimes another."""
    rng = np.random.default_rng(seed)
    parts = []
    for c in range(customers):
        n = int(rng.integers(2, 8))
        loyalty = rng.beta(3, 2)
        own = rng.choice(list("PQRS"))
        brands = "".join(own if rng.random() < loyalty else rng.choice(list("PQRS")) for _ in range(n))
        parts.append(history(f"pop{c:03d}", brands))
    return pd.concat(parts, ignore_index=True)


PLANTED = {
    "loyal10": "AAAAAAAAAA",
    "switcher": "ABCDEFGHIJ",
    "rotator": "ABABABABAB",
    "two": "AA",
    "plain4": "AAAA",
}


@pytest.fixture(scope="module")
def purchases() -> pd.DataFrame:
    planted = [history(c, b) for c, b in PLANTED.items()]
    collector = history("collector", "AAAA", model=["M1"] * 4, colour=["red", "blue", "green", "black"])
    return pd.concat([population(), *planted, collector], ignore_index=True)


@pytest.fixture(scope="module")
def profiles(purchases: pd.DataFrame) -> pd.DataFrame:
    return loyalty_profiles(purchases)


def row(profiles: pd.DataFrame, customer: str, category: str = "sandal") -> pd.Series:
    return profiles.loc[(customer, category)]


def test_the_prior_is_fitted_on_the_population(purchases):
    prior = category_priors(purchase_signals(purchases))["sandal"]
    assert prior.fitted
    assert 0.4 < prior.mean < 0.9
    assert 2.0 <= prior.strength <= 20.0


def test_ten_purchases_of_one_brand_are_confidently_psychological(profiles):
    r = row(profiles, "loyal10")
    assert r["type"] == "psychological"
    assert r["strength"] > 0.85
    assert r["confidence"] > 0.6
    assert r["brand"] == "A"
    assert r["n_purchases"] == 10


@pytest.mark.parametrize("customer", ["switcher", "rotator"])
def test_switching_every_time_is_behavioural(profiles, customer):
    r = row(profiles, customer)
    assert r["type"] == "behavioral"
    assert r["psychological"] < 0.4
    assert r["confidence"] > 0.6


def test_two_purchases_lean_psychological_with_low_confidence(profiles):
    two, loyal = row(profiles, "two"), row(profiles, "loyal10")
    assert two["leaning"] == "psychological"
    assert two["psychological"] > 0.5
    assert two["confidence"] < 0.5 < loyal["confidence"]
    assert two["confidence"] < row(profiles, "plain4")["confidence"] < loyal["confidence"]
    # Below decision.min_confidence: no type is claimed on one repeat.
    assert two["type"] == "unknown"
    # Shrunk toward the category, so less extreme than the ten-purchase customer.
    assert two["psychological"] < loyal["psychological"]


def test_collector_of_colours_is_psychological_and_above_plain_repeats(profiles):
    collector, plain = row(profiles, "collector"), row(profiles, "plain4")
    assert collector["type"] == "psychological"
    assert collector["psychological"] > plain["psychological"]
    assert collector["confidence"] > plain["confidence"]


def reviews(customer: str, labels: list[str], category: str = "sandal") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": customer,
            "sku": [f"r{i}" for i in range(len(labels))],
            "category": category,
            "label": labels,
        }
    )


def test_own_reviews_move_the_profile(purchases, profiles):
    psy = loyalty_profiles(purchases, reviews("plain4", ["psychological", "psychological"]))
    beh = loyalty_profiles(purchases, reviews("plain4", ["behavioral", "behavioral", "none"]))
    base = row(profiles, "plain4")
    assert row(psy, "plain4")["psychological"] > base["psychological"]
    assert row(psy, "plain4")["confidence"] > base["confidence"]
    assert row(beh, "plain4")["psychological"] < base["psychological"]
    assert row(beh, "plain4")[["n_reviews_behavioral", "n_reviews_none"]].tolist() == [2, 1]
    # Other customers' profiles do not change.
    pd.testing.assert_series_equal(row(psy, "loyal10"), row(profiles, "loyal10"))


def offers(customer: str, outcomes: list[tuple[str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": customer,
            "sku": "A-sku",
            "offered_sku": [f"{brand}-sku" for _, brand in outcomes],
            "event_type": [event for event, _ in outcomes],
            "brand": "A",
            "offered_brand": [brand for _, brand in outcomes],
            "category": "sandal",
        }
    )


def test_accepting_other_brands_pushes_toward_behavioural(purchases, profiles):
    accepted = loyalty_profiles(purchases, events=offers("plain4", [("accepted", "B")] * 4))
    r = row(accepted, "plain4")
    assert r["psychological"] < row(profiles, "plain4")["psychological"]
    assert (r["n_offers_accepted"], r["n_accepted_other_brand"]) == (4, 4)


def test_declining_other_brands_while_accepting_the_same_brand_is_psychological(purchases, profiles):
    events = offers("plain4", [("declined", "B"), ("declined", "C"), ("accepted", "A")])
    r = row(loyalty_profiles(purchases, events=events), "plain4")
    assert r["psychological"] > row(profiles, "plain4")["psychological"]
    assert (r["n_offers_accepted"], r["n_offers_declined"]) == (1, 2)


def test_a_customer_known_only_by_reviews_gets_a_profile(purchases):
    r = row(loyalty_profiles(purchases, reviews("newcomer", ["psychological"] * 3)), "newcomer")
    assert r["n_purchases"] == 0
    assert r["brand"] is None
    assert r["leaning"] == "psychological"


def test_reviews_alone_without_purchases():
    profiles = loyalty_profiles(None, reviews("c", ["behavioral"] * 5, category="kimono"))
    r = row(profiles, "c", "kimono")
    assert r["leaning"] == "behavioral"
    assert r["prior_mean"] == 0.5  # no purchases in the category: the fallback prior


def test_columns_and_records(profiles):
    assert list(profiles.columns) == [*PROFILE_COLUMNS, *EVIDENCE_COLUMNS[:-1], "evidence", *SIGNAL_COLUMNS]
    records = list(profile_records(profiles))
    assert len(records) == len(profiles)
    first = records[0]
    assert set(first) == {
        "customer_id",
        "category",
        "type",
        "leaning",
        "strength",
        "confidence",
        "psychological",
        "brand",
        "prior",
        "evidence",
        "signals",
    }
    assert set(first["evidence"]["n_reviews"]) == {"psychological", "behavioral", "none"}
    assert 0.0 <= first["strength"] <= 1.0 and 0.0 <= first["confidence"] <= 1.0


def test_strength_and_confidence_stay_in_range(profiles):
    for col in ("strength", "confidence", "psychological"):
        assert profiles[col].between(0, 1).all()
    assert (profiles["strength"] >= 0.5).all()  # the strength of the leaning


def test_deterministic_and_independent_of_row_order(purchases, profiles):
    shuffled = purchases.sample(frac=1.0, random_state=7)
    pd.testing.assert_frame_equal(loyalty_profiles(shuffled), profiles)
    pd.testing.assert_frame_equal(loyalty_profiles(purchases), profiles)


def test_posterior_matches_a_per_customer_oracle(purchases):
    """psychological = (E_p r_p + K_rev + s m) / (E + s), computed one customer at a time."""
    config = ProfileConfig()
    review_table = pd.concat(
        [reviews("plain4", ["psychological", "behavioral", "psychological"]), reviews("two", ["none"])]
    )
    profiles = loyalty_profiles(purchases, review_table, config=config)
    signals = purchase_signals(purchases, config.purchases)
    prior = category_priors(signals, config.prior)["sandal"]
    for (customer, category), r in profiles.iterrows():
        s = signals.loc[(customer, category)]
        labels = review_table[review_table["customer_id"] == customer]["label"].tolist()
        k_rev = config.reviews.weight * labels.count("psychological")
        e_rev = config.reviews.weight * (labels.count("psychological") + labels.count("behavioral"))
        seen = s["stay"] + s["leave"]
        rate = s["stay"] / seen if seen > 0 else 0.0
        k = s["evidence"] * rate + k_rev
        e = s["evidence"] + e_rev
        expected = (k + prior.strength * prior.mean) / (e + prior.strength)
        assert r["psychological"] == pytest.approx(expected, rel=1e-12)
        assert r["confidence"] == pytest.approx(e / (e + prior.strength), rel=1e-12)


def test_fixed_prior_strength_from_config(purchases):
    config = ProfileConfig.model_validate({"prior": {"strength": 7.5}})
    profiles = loyalty_profiles(purchases, config=config)
    assert (profiles["prior_strength"] == 7.5).all()


def test_shipped_config_loads():
    config = load_profile_config(SHIPPED)
    assert config.prior.strength == "auto"
    assert 0 < config.purchases.decay <= 1


def test_misspelt_config_key_fails_with_the_file_name(tmp_path):
    path = tmp_path / "profile.toml"
    path.write_text("[purchases]\ndecai = 0.5\n")
    with pytest.raises(ConfigError, match=r"profile\.toml"):
        load_profile_config(path)


def test_inverted_thresholds_fail(tmp_path):
    path = tmp_path / "profile.toml"
    path.write_text("[decision]\npsychological_above = 0.3\nbehavioral_below = 0.7\n")
    with pytest.raises(ConfigError, match="behavioral_below"):
        load_profile_config(path)

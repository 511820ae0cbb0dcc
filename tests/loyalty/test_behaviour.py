"""Behavioural signals: planted purchase histories and a naive per-customer oracle."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import pytest

from substitute.errors import DataError
from substitute.loyalty.behaviour import OFFER_COLUMNS, PURCHASE_COLUMNS, offer_signals, purchase_signals
from substitute.loyalty.profile_config import OfferWeights, PurchaseWeights

COLUMNS = ["customer_id", "timestamp", "sku", "brand", "category", "model", "colour", "price", "min_price"]


def history(customer: str, brands: str, category: str = "sandal", **extra: list) -> pd.DataFrame:
    """One customer's purchases, one letter per brand, in time order."""
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


def one(signals: pd.DataFrame, customer: str, category: str = "sandal") -> pd.Series:
    return signals.loc[(customer, category)]


# ------------------------------------------------------------------ planted


def test_each_purchase_is_judged_against_the_brand_before_it():
    s = one(purchase_signals(history("c", "AAAB")), "c")
    # A then A, A stay; B leaves; the first purchase is no evidence.
    assert (s["n_purchases"], s["n_stays"], s["n_switches"]) == (4, 2, 1)
    assert s["brand"] == "A"
    assert s["top_brand_share"] == pytest.approx(0.75)
    assert s["hhi"] == pytest.approx(0.75**2 + 0.25**2)
    assert s["switch_rate"] == pytest.approx(1 / 3)


def test_a_rotation_among_brands_never_stays():
    s = one(purchase_signals(history("c", "ABCDABCDAB")), "c")
    assert s["n_stays"] == 0
    assert s["switch_rate"] == 1.0
    assert s["stay"] == 0.0 and s["leave"] > 0


def test_alternating_two_brands_never_stays_either():
    # After A, B the tie goes to B (most recent): the next A leaves it, and so on.
    assert one(purchase_signals(history("c", "ABABABAB")), "c")["n_stays"] == 0


def test_main_brand_tie_goes_to_the_most_recent():
    assert one(purchase_signals(history("c", "AABB")), "c")["brand"] == "B"
    assert one(purchase_signals(history("c", "BBAA")), "c")["brand"] == "A"


def test_one_purchase_is_no_evidence():
    s = one(purchase_signals(history("c", "A")), "c")
    assert (s["stay"], s["leave"], s["evidence"]) == (0.0, 0.0, 0.0)
    assert np.isnan(s["switch_rate"])


def test_collector_of_colours_of_one_model():
    frame = history("c", "AAAAA", model=["M1"] * 5, colour=["red", "blue", "green", "red", "black"])
    s = one(purchase_signals(frame), "c")
    assert (s["n_colour_variants"], s["n_model_repeats"]) == (3, 1)


def test_model_without_colour_counts_as_a_repeat():
    frame = history("c", "AAA", model=["M1", "M1", None])
    s = one(purchase_signals(frame), "c")
    assert (s["n_colour_variants"], s["n_model_repeats"]) == (0, 1)


def test_premium_and_deal_stays():
    # Stays at positions 1 (price above the cheapest) and 2 (the cheapest).
    frame = history("c", "AAA", price=[1.0, 1.5, 0.9], min_price=[0.9, 1.0, 0.9])
    s = one(purchase_signals(frame, PurchaseWeights(decay=1.0, premium_weight=2.0, deal_weight=0.25)), "c")
    assert (s["n_premium"], s["n_deal"]) == (1, 1)
    assert s["stay"] == pytest.approx(2.25)
    assert s["evidence"] == pytest.approx(2.25)


def test_decay_weighs_recent_purchases_more():
    w = PurchaseWeights(decay=0.5)
    # Same counts, the switch early or late.
    early = one(purchase_signals(history("c", "ABBBB"), w), "c")
    late = one(purchase_signals(history("c", "AAAAB"), w), "c")
    rate = lambda s: s["stay"] / (s["stay"] + s["leave"])  # noqa: E731
    assert rate(early) > rate(late)
    assert early["evidence"] == late["evidence"] == 4.0


def test_equal_timestamps_keep_input_order_and_rows_sort_by_time():
    frame = history("c", "ABA").iloc[::-1].reset_index(drop=True)  # rows given newest first
    assert one(purchase_signals(frame), "c")["n_switches"] == 2
    tied = history("c", "AAB").assign(timestamp=0)
    assert one(purchase_signals(tied), "c")["brand"] == "A"


def test_categories_are_separate():
    frame = pd.concat([history("c", "AAA", "sandal"), history("c", "BCD", "boot")])
    signals = purchase_signals(frame)
    assert list(signals.index) == [("c", "boot"), ("c", "sandal")]
    assert one(signals, "c", "boot")["n_stays"] == 0
    assert one(signals, "c", "sandal")["n_stays"] == 2


def test_missing_column_is_named():
    with pytest.raises(DataError, match="brand"):
        purchase_signals(history("c", "AB").drop(columns="brand"))


def test_empty_purchases():
    empty = history("c", "A").iloc[:0]
    assert list(purchase_signals(empty).columns) == PURCHASE_COLUMNS
    assert purchase_signals(empty).empty


# ------------------------------------------------------------------ oracle


def random_purchases(seed: int, customers: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for c in range(customers):
        for category in ("sandal", "boot")[: rng.integers(1, 3)]:
            n = int(rng.integers(1, 12))
            for i in range(n):
                price = float(rng.choice([1.0, 1.2, 1.5]))
                rows.append(
                    {
                        "customer_id": f"c{c:03d}",
                        # Some equal timestamps: ties must follow input order.
                        "timestamp": int(rng.integers(0, n)),
                        "sku": f"s{i}",
                        "brand": str(rng.choice(list("ABCD"), p=[0.55, 0.25, 0.1, 0.1])),
                        "category": category,
                        "model": None if rng.random() < 0.2 else str(rng.choice(["M1", "M2", "M3"])),
                        "colour": None if rng.random() < 0.2 else str(rng.choice(["red", "blue"])),
                        "price": np.nan if rng.random() < 0.1 else price,
                        "min_price": float(rng.choice([1.0, 1.2])),
                    }
                )
    return pd.DataFrame(rows, columns=COLUMNS)


def naive_signals(purchases: pd.DataFrame, w: PurchaseWeights) -> pd.DataFrame:
    """A per-customer loop written from the module docstring, not from the code."""
    frame = purchases.reset_index(drop=True).assign(_row=lambda f: np.arange(len(f)))
    out = {}
    for key, group in frame.groupby(["customer_id", "category"]):
        rows = group.sort_values(["timestamp", "_row"]).to_dict("records")
        n = len(rows)
        counts: Counter[str] = Counter()
        last: dict[str, int] = {}
        seen_models: set[str] = set()
        seen_colours: set[tuple[str, str]] = set()
        acc = Counter()
        stay = leave = evidence = 0.0
        for i, r in enumerate(rows):
            brand, model, colour = r["brand"], r["model"], r["colour"]
            stay_unit = leave_unit = 0.0
            if i > 0:
                before = max(counts, key=lambda b: (counts[b], last[b]))
                if brand == before:
                    acc["n_stays"] += 1
                    known = not (np.isnan(r["price"]) or np.isnan(r["min_price"]))
                    if known and r["price"] > r["min_price"] * (1 + w.price_tolerance):
                        stay_unit, acc["n_premium"] = w.premium_weight, acc["n_premium"] + 1
                    elif known:
                        stay_unit, acc["n_deal"] = w.deal_weight, acc["n_deal"] + 1
                    else:
                        stay_unit = 1.0
                else:
                    leave_unit = 1.0
                acc["n_switches"] += brand != rows[i - 1]["brand"]
            if model is not None:
                if model in seen_models:
                    if colour is not None and (model, colour) not in seen_colours:
                        acc["n_colour_variants"] += 1
                        stay_unit += w.colour_variant_weight
                    else:
                        acc["n_model_repeats"] += 1
                        stay_unit += w.model_repeat_weight
                seen_models.add(model)
                if colour is not None:
                    seen_colours.add((model, colour))
            discount = w.decay ** (n - 1 - i)
            stay += discount * stay_unit
            leave += discount * leave_unit
            evidence += stay_unit + leave_unit
            counts[brand] += 1
            last[brand] = i
        main = max(counts, key=lambda b: (counts[b], last[b]))
        out[key] = {
            "n_purchases": n,
            "n_brands": len(counts),
            "brand": main,
            "brand_purchases": counts[main],
            "top_brand_share": counts[main] / n,
            "hhi": sum((k / n) ** 2 for k in counts.values()),
            "n_switches": acc["n_switches"],
            "switch_rate": acc["n_switches"] / (n - 1) if n > 1 else np.nan,
            "n_stays": acc["n_stays"],
            "n_model_repeats": acc["n_model_repeats"],
            "n_colour_variants": acc["n_colour_variants"],
            "n_premium": acc["n_premium"],
            "n_deal": acc["n_deal"],
            "stay": stay,
            "leave": leave,
            "evidence": evidence,
        }
    result = pd.DataFrame.from_dict(out, orient="index")
    result.index = pd.MultiIndex.from_tuples(result.index, names=["customer_id", "category"])
    return result[PURCHASE_COLUMNS]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_vectorised_signals_match_the_naive_loop(seed):
    purchases = random_purchases(seed)
    weights = PurchaseWeights(decay=0.7, premium_weight=1.5, deal_weight=0.5)
    fast = purchase_signals(purchases, weights)
    slow = naive_signals(purchases, weights)
    assert list(fast.index) == list(slow.index)
    assert (fast["brand"] == slow["brand"]).all()
    numeric = [c for c in PURCHASE_COLUMNS if c != "brand"]
    np.testing.assert_allclose(fast[numeric].astype(float), slow[numeric].astype(float), rtol=1e-12)


def test_signals_are_deterministic_and_independent_of_row_order():
    purchases = random_purchases(5).drop_duplicates(["customer_id", "category", "timestamp"])
    shuffled = purchases.sample(frac=1.0, random_state=3)
    pd.testing.assert_frame_equal(purchase_signals(purchases), purchase_signals(purchases))
    pd.testing.assert_frame_equal(purchase_signals(purchases), purchase_signals(shuffled))


# ------------------------------------------------------------------ offers


def test_offer_evidence():
    events = pd.DataFrame(
        {
            "customer_id": ["c", "c", "c", "d"],
            "sku": ["t1", "t1", "t2", "t1"],
            "offered_sku": ["k1", "t9", "k2", "k1"],
            "event_type": ["accepted", "accepted", "declined", "declined"],
            "brand": ["Teva", "Teva", "Teva", "Teva"],
            "offered_brand": ["KEEN", "Teva", "Chaco", "Teva"],
            "category": "sandal",
        }
    )
    w = OfferWeights()
    signals = offer_signals(events, w)
    assert list(signals.columns) == OFFER_COLUMNS
    c = signals.loc[("c", "sandal")]
    assert (c["n_offers_accepted"], c["n_offers_declined"]) == (2, 1)
    assert (c["n_accepted_other_brand"], c["n_declined_other_brand"]) == (1, 1)
    assert c["leave"] == pytest.approx(w.accepted_other_brand)
    assert c["stay"] == pytest.approx(w.accepted_same_brand + w.declined_other_brand)
    d = signals.loc[("d", "sandal")]
    assert (d["stay"], d["leave"]) == (0.0, w.declined_same_brand)


def test_offer_with_unknown_event_type_is_refused():
    events = pd.DataFrame(
        {
            "customer_id": ["c"],
            "sku": ["t"],
            "offered_sku": ["k"],
            "event_type": ["ignored"],
            "brand": ["A"],
            "offered_brand": ["B"],
            "category": ["x"],
        }
    )
    with pytest.raises(DataError, match="ignored"):
        offer_signals(events)

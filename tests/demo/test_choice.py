"""The hidden choice model: planted orderings, the measured stockout shares, one model for all callers."""

from __future__ import annotations

import numpy as np
import pytest

from substitute.demo.choice import (
    MEASURED_RESPONSE_SHARES,
    CustomerArrays,
    CustomerTruth,
    ItemArrays,
    ItemFacts,
    acceptance_probabilities,
    acceptance_probability,
    stockout_response_shares,
)
from substitute.demo.truth import load_world


def _sandal(sku: str, model: str, brand: str, purposes: str, price: int, colour: str, size: str) -> ItemFacts:
    return ItemFacts(sku, model, brand, "footwear>sandals", frozenset(purposes.split()), price, colour, size)


HURRICANE = _sandal("h-blk-25", "TEV-1001", "Teva", "outdoor leisure", 9900, "black", "25.0")
HURRICANE_OLIVE = _sandal("h-olv-25", "TEV-1001", "Teva", "outdoor leisure", 9900, "olive", "25.0")
ZYMIC = _sandal("z-blk-25", "TEV-1005", "Teva", "outdoor leisure", 9350, "black", "25.0")
NEWPORT = _sandal("n-blk-25", "KEE-1001", "KEEN", "outdoor beach", 10400, "black", "25.0")
ARIZONA = _sandal("a-blk-25", "BIR-1001", "Birkenstock", "town", 10400, "black", "25.0")
NEWPORT_27 = _sandal("n-blk-27", "KEE-1001", "KEEN", "outdoor beach", 10400, "black", "27.0")

FAN = CustomerTruth(
    "psychological", "footwear>sandals", "Teva", "TEV-1001", frozenset({"outdoor"}), "mid", "25.0"
)
HIKER = CustomerTruth("behavioural", "footwear>sandals", None, None, frozenset({"outdoor"}), "mid", "25.0")


def _p(customer, offered, wanted=HURRICANE, **kw):
    return acceptance_probability(customer, wanted, offered, **kw)


def test_a_fan_prefers_same_model_then_same_brand_and_rarely_another_brand():
    same_model, same_brand, other_brand = _p(FAN, HURRICANE_OLIVE), _p(FAN, ZYMIC), _p(FAN, NEWPORT)
    assert same_model > same_brand > other_brand
    assert same_model > 0.6 and other_brand < 0.1


def test_a_need_driven_customer_takes_another_brand_made_for_the_same_purpose():
    assert _p(HIKER, NEWPORT) > 0.4
    assert _p(HIKER, NEWPORT) > 4 * _p(FAN, NEWPORT)
    assert _p(HIKER, NEWPORT) > 2 * _p(HIKER, ARIZONA)  # a town sandal does not serve a hike


def test_nobody_takes_a_size_that_does_not_fit():
    assert _p(HIKER, NEWPORT_27) < 0.05 and _p(FAN, NEWPORT_27) < 0.05


def test_a_piece_that_goes_with_what_the_customer_owns_is_taken_more_readily():
    wanted = ItemFacts(
        "o1", "HNG-1001", "Hanagoyomi", "kimono>obi", frozenset({"festival"}), 9900, "red", "F"
    )
    offered = ItemFacts(
        "o2", "HNG-1003", "Hanagoyomi", "kimono>obi", frozenset({"festival"}), 3980, "yellow", "F"
    )
    bare = CustomerTruth("behavioural", "kimono>obi", purposes=frozenset({"festival"}))
    owner = CustomerTruth(
        "behavioural", "kimono>obi", purposes=frozenset({"festival"}), owned=(("kimono>yukata", "navy"),)
    )
    assert (
        acceptance_probability(owner, wanted, offered) > acceptance_probability(bare, wanted, offered) + 0.1
    )


def test_later_offers_are_taken_less():
    assert _p(HIKER, NEWPORT, rank=1) > _p(HIKER, NEWPORT, rank=3)


def test_stockout_responses_mix_to_the_measured_shares():
    psych, behav = stockout_response_shares(True), stockout_response_shares(False)
    assert sum(psych) == pytest.approx(1) and sum(behav) == pytest.approx(1)
    assert min(behav) > 0
    mixture = 0.35 * np.array(psych) + 0.65 * np.array(behav)
    assert mixture == pytest.approx(MEASURED_RESPONSE_SHARES)
    assert psych[1] < behav[1]  # brand-attached customers switch brand less


def test_the_array_form_gives_the_scalar_answers():
    offers = [HURRICANE_OLIVE, ZYMIC, NEWPORT, ARIZONA, NEWPORT_27]
    scalar = [_p(c, o) for c in (FAN, HIKER) for o in offers]

    def items(facts):
        from substitute.demo.catalogue import size_value
        from substitute.demo.categories import purpose_mask

        return ItemArrays(
            model=np.array([f.model for f in facts], dtype=object),
            brand=np.array([f.brand for f in facts], dtype=object),
            category=np.array([f.category for f in facts], dtype=object),
            purposes=np.array([purpose_mask(sorted(f.purposes)) for f in facts]),
            price=np.array([f.price for f in facts], dtype=float),
            size_value=np.array([size_value(f.size) for f in facts]),
        )

    n = len(offers)
    customers = CustomerArrays(
        psychological=np.array([True] * n + [False] * n),
        fav_brand=np.array(["Teva"] * n + [None] * n, dtype=object),
        fav_model=np.array(["TEV-1001"] * n + [None] * n, dtype=object),
        purposes=np.full(2 * n, 1),  # outdoor
        price_band=np.full(2 * n, 1),
        size_value=np.full(2 * n, 25.0),
    )
    arrays = acceptance_probabilities(
        customers, items([HURRICANE] * 2 * n), items(offers * 2), np.zeros(2 * n), np.ones(2 * n)
    )
    assert arrays == pytest.approx(scalar)


def test_a_loaded_world_reproduces_the_past_offers(demo, demo_dir):
    world = load_world(demo_dir)
    events = demo["events"].merge(demo["truth/event_outcomes"], on="event_id")
    offered = events[(events["event_type"] == "offered") & events["customer_id"].notna()].head(300)
    assert len(offered) > 50
    for row in offered.itertuples():
        p = world.acceptance_probability(row.customer_id, row.sku, row.offered_sku, rank=row.rank)
        assert p == pytest.approx(row.p_accept, abs=1e-6)


def test_the_choice_model_imports_without_arrow_or_pandas():
    import subprocess
    import sys

    code = "import substitute.demo.choice, sys; print([m for m in ('pyarrow', 'pandas') if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"

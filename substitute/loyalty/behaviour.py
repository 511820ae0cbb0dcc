"""Behavioural signals per customer × category, from purchases and past offers.

What a customer does is evidence of why they buy (DOMAIN.md §3): buying one
brand again and again, collecting colours of one model, or switching freely
within a category. This module measures it and turns it into weighted
pseudo-observations of the attachment rate that
:mod:`substitute.loyalty.profile` shrinks and decides on.

Per customer × category, from ``purchases`` (ordered by ``timestamp``, ties in
input order):

``brand``
    the customer's brand: the most purchased, a tie going to the one bought
    most recently.
``top_brand_share``, ``hhi``
    share of that brand (Cunningham 1956, "share of category requirements")
    and the Herfindahl index of brand shares (1 = one brand only).
``n_switches``, ``switch_rate``
    consecutive purchases of different brands, and their share of the
    consecutive pairs.
``n_model_repeats``, ``n_colour_variants``
    purchases of a model bought before in a colour bought before, and in a
    colour not bought before (a collector).
``n_premium``, ``n_deal``
    stays (below) with the customer's brand when a cheaper item was on
    offer, and when the brand was itself the cheapest (needs ``price`` and
    ``min_price``).

Evidence (``stay``, ``leave``, ``evidence``). Each purchase after the first
is one Bernoulli observation of the attachment rate, judged against the
brand the customer had bought most *before* it (a tie going to the most
recent): a success if the customer stayed with that brand, a failure if not.
Judging each purchase only by what came before it (prequential, Dawid 1984,
*JRSS A* 147) avoids the optimism of scoring purchases against a brand chosen
as the most frequent in the same purchases; a customer with one purchase has
no evidence, and one who rotates among brands has only failures. Weights:

* a success at a premium counts ``premium_weight``, on a deal
  ``deal_weight``: staying when a cheaper item was there is attachment,
  buying the cheapest may be price alone;
* a colour variant adds ``colour_variant_weight``, a model repeat
  ``model_repeat_weight``;
* every observation is discounted by ``decay ** age``, ``age`` the number of
  later purchases in the category, the exponential smoothing of Guadagni &
  Little (1983, *Marketing Science* 2(3), 203–238): attachment drifts, and the
  latest purchases say most about the next one.

``n_stays`` counts the successes plainly (for the category prior); ``stay``
and ``leave`` are the weighted, discounted sums, whose ratio is the
recency-weighted rate; ``evidence`` is the weighted sum without the discount,
the amount of evidence behind the profile.

From ``events`` (substitute offers): accepting another brand is a failure
(``accepted_other_brand``), declining another brand or accepting the same
brand are successes, each with its weight; they are not discounted (events
carry no time).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from substitute.loyalty.profile_config import OfferWeights, PurchaseWeights
from substitute.loyalty.tables import Col, check_events, check_purchases

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["KEYS", "OFFER_COLUMNS", "PURCHASE_COLUMNS", "offer_signals", "purchase_signals"]

#: The index of every per-customer table.
KEYS = [Col.CUSTOMER, Col.CATEGORY]

#: Columns of :func:`purchase_signals`, in order.
PURCHASE_COLUMNS = [
    "n_purchases",
    "n_brands",
    "brand",
    "brand_purchases",
    "top_brand_share",
    "hhi",
    "n_switches",
    "switch_rate",
    "n_stays",
    "n_model_repeats",
    "n_colour_variants",
    "n_premium",
    "n_deal",
    "stay",
    "leave",
    "evidence",
]

#: Columns of :func:`offer_signals`, in order.
OFFER_COLUMNS = [
    "n_offers_accepted",
    "n_offers_declined",
    "n_accepted_other_brand",
    "n_declined_other_brand",
    "stay",
    "leave",
    "evidence",
]


def _ordered(purchases: pd.DataFrame) -> pd.DataFrame:
    """Purchases sorted by customer, category, time; input order breaks ties."""
    frame = purchases.reset_index(drop=True)
    frame["_row"] = np.arange(len(frame))
    frame = frame.sort_values([Col.CUSTOMER, Col.CATEGORY, Col.TIMESTAMP, "_row"], kind="mergesort")
    frame = frame.reset_index(drop=True)
    groups = frame.groupby(KEYS, sort=False)
    frame["_g"] = groups.ngroup().to_numpy()
    frame["_pos"] = groups.cumcount().to_numpy()
    frame["_size"] = groups[Col.SKU].transform("size").to_numpy()
    return frame


def _main_brand(frame: pd.DataFrame) -> pd.DataFrame:
    """Per group: the most purchased brand (ties: most recent), its count and the HHI."""
    counts = (
        frame.groupby(["_g", Col.BRAND], sort=False)
        .agg(count=("_pos", "size"), last=("_pos", "max"))
        .reset_index()
    )
    sizes = frame.groupby("_g")["_size"].first()
    counts["share"] = counts["count"] / counts["_g"].map(sizes)
    hhi = (counts["share"] ** 2).groupby(counts["_g"]).sum()
    n_brands = counts.groupby("_g").size()
    top = counts.sort_values(["_g", "count", "last"], ascending=[True, False, False], kind="mergesort")
    top = top.drop_duplicates("_g").set_index("_g")
    return top.assign(hhi=hhi, n_brands=n_brands)[[Col.BRAND, "count", "share", "hhi", "n_brands"]]


def _brand_before(frame: pd.DataFrame) -> pd.Series:
    """Per purchase, the customer's brand just before it (None for the first).

    The brand bought most so far, a tie going to the most recent. A purchase
    whose brand reaches the running maximum count makes that brand the
    leader (it is tied or ahead, and the most recent), so the leader after a
    purchase is the brand of the latest such purchase.
    """
    import pandas as pd

    g = frame["_g"]
    count = frame.groupby(["_g", Col.BRAND], sort=False).cumcount() + 1
    leads = count == count.groupby(g).cummax()
    row = np.arange(len(frame))
    leader_row = frame.assign(_lead=np.where(leads, row, -1)).groupby("_g")["_lead"].cummax()
    leader = frame[Col.BRAND].to_numpy()[leader_row.to_numpy()]
    return pd.Series(leader, index=frame.index).groupby(g.to_numpy()).shift()


def _model_flags(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(model repeat, colour variant) per purchase; all False without a model column."""
    n = len(frame)
    if Col.MODEL not in frame.columns:
        return np.zeros(n, bool), np.zeros(n, bool)
    has_model = frame[Col.MODEL].notna().to_numpy()
    model = frame[Col.MODEL].astype("string").fillna("")
    seen_model = frame.groupby([frame["_g"], model], sort=False).cumcount().to_numpy() > 0
    if Col.COLOUR in frame.columns:
        has_colour = frame[Col.COLOUR].notna().to_numpy()
        colour = frame[Col.COLOUR].astype("string").fillna("")
        seen_colour = frame.groupby([frame["_g"], model, colour], sort=False).cumcount().to_numpy() > 0
    else:
        has_colour = np.zeros(n, bool)
        seen_colour = seen_model
    repeat = has_model & seen_model
    # A new colour of a known model is a collector's purchase; with the colour
    # unknown the purchase can only count as a plain repeat of the model.
    variant = repeat & has_colour & ~seen_colour
    return repeat & ~variant, variant


def _price_flags(frame: pd.DataFrame, tolerance: float) -> tuple[np.ndarray, np.ndarray]:
    """(premium, deal) per purchase; both False where either price is unknown."""
    n = len(frame)
    if Col.PRICE not in frame.columns or Col.MIN_PRICE not in frame.columns:
        return np.zeros(n, bool), np.zeros(n, bool)
    import pandas as pd

    price = pd.to_numeric(frame[Col.PRICE], errors="coerce").to_numpy(dtype=float)
    floor = pd.to_numeric(frame[Col.MIN_PRICE], errors="coerce").to_numpy(dtype=float)
    known = np.isfinite(price) & np.isfinite(floor)
    with np.errstate(invalid="ignore"):
        above = price > floor * (1.0 + tolerance)
    return known & above, known & ~above


def purchase_signals(purchases: pd.DataFrame, weights: PurchaseWeights | None = None) -> pd.DataFrame:
    """Behavioural signals and weighted evidence per customer × category.

    Parameters
    ----------
    purchases
        One row per purchase: ``customer_id, timestamp, sku, brand, category``,
        optionally ``model, colour, price, min_price``. ``timestamp`` must sort
        in time order (datetimes, or numbers such as a purchase sequence).
    weights
        Evidence weights; default :class:`PurchaseWeights`.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``(customer_id, category)``, columns :data:`PURCHASE_COLUMNS`
        (described in the module docstring); ``switch_rate`` is NaN for a
        single purchase.
    """
    import pandas as pd

    check_purchases(purchases)
    weights = weights or PurchaseWeights()
    frame = _ordered(purchases)
    if frame.empty:
        return pd.DataFrame(columns=PURCHASE_COLUMNS, index=pd.MultiIndex.from_arrays([[], []], names=KEYS))
    main = _main_brand(frame)
    g = frame["_g"].to_numpy()
    pos = frame["_pos"].to_numpy()
    age = frame["_size"].to_numpy() - 1 - pos

    brand = frame[Col.BRAND].to_numpy()
    before = _brand_before(frame)
    success = before.notna().to_numpy() & (brand == before.to_numpy())
    failure = before.notna().to_numpy() & ~success
    premium, deal = _price_flags(frame, weights.price_tolerance)
    repeat, variant = _model_flags(frame)
    unit = np.where(premium, weights.premium_weight, np.where(deal, weights.deal_weight, 1.0))
    bonus = weights.colour_variant_weight * variant + weights.model_repeat_weight * repeat
    stay_unit = np.where(success, unit, 0.0) + bonus
    leave_unit = failure.astype(float)
    discount = weights.decay ** age.astype(float)

    previous = frame.groupby("_g", sort=False)[Col.BRAND].shift()
    switch = (previous.notna() & (frame[Col.BRAND] != previous)).to_numpy()

    per_row = pd.DataFrame(
        {
            "_g": g,
            "n_switches": switch,
            "n_stays": success,
            "n_model_repeats": repeat,
            "n_colour_variants": variant,
            "n_premium": premium & success,
            "n_deal": deal & success,
            "stay": discount * stay_unit,
            "leave": discount * leave_unit,
            "evidence": stay_unit + leave_unit,
        }
    )
    sums = per_row.groupby("_g", sort=True).sum()
    n = frame.groupby("_g", sort=True)["_size"].first()
    keys = frame.groupby("_g", sort=True)[KEYS].first()
    out = pd.DataFrame(
        {
            "n_purchases": n.astype(int),
            "n_brands": main["n_brands"].astype(int),
            "brand": main[Col.BRAND],
            "brand_purchases": main["count"].astype(int),
            "top_brand_share": main["share"],
            "hhi": main["hhi"],
            "n_switches": sums["n_switches"].astype(int),
            "switch_rate": sums["n_switches"] / (n - 1).where(n > 1),
            "n_stays": sums["n_stays"].astype(int),
            "n_model_repeats": sums["n_model_repeats"].astype(int),
            "n_colour_variants": sums["n_colour_variants"].astype(int),
            "n_premium": sums["n_premium"].astype(int),
            "n_deal": sums["n_deal"].astype(int),
            "stay": sums["stay"],
            "leave": sums["leave"],
            "evidence": sums["evidence"],
        }
    )
    out.index = pd.MultiIndex.from_frame(keys)
    return out[PURCHASE_COLUMNS]


def offer_signals(events: pd.DataFrame, weights: OfferWeights | None = None) -> pd.DataFrame:
    """Offers accepted and declined, and their evidence, per customer × category.

    Parameters
    ----------
    events
        One row per substitute offer: ``customer_id, sku, offered_sku,
        event_type, brand, offered_brand, category``; ``brand`` is the brand
        of the item the customer came for.
    weights
        Evidence weights; default :class:`OfferWeights`.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``(customer_id, category)``, columns :data:`OFFER_COLUMNS`.
    """
    import pandas as pd

    check_events(events)
    weights = weights or OfferWeights()
    accepted = (events[Col.EVENT] == "accepted").to_numpy()
    other = (events[Col.BRAND] != events[Col.OFFERED_BRAND]).to_numpy()
    accepted_other, declined_other = accepted & other, ~accepted & other
    accepted_same, declined_same = accepted & ~other, ~accepted & ~other
    stay = weights.declined_other_brand * declined_other + weights.accepted_same_brand * accepted_same
    leave = weights.accepted_other_brand * accepted_other + weights.declined_same_brand * declined_same
    per_row = pd.DataFrame(
        {
            Col.CUSTOMER: events[Col.CUSTOMER].to_numpy(),
            Col.CATEGORY: events[Col.CATEGORY].to_numpy(),
            "n_offers_accepted": accepted,
            "n_offers_declined": ~accepted,
            "n_accepted_other_brand": accepted_other,
            "n_declined_other_brand": declined_other,
            "stay": stay,
            "leave": leave,
            "evidence": stay + leave,
        }
    )
    out = per_row.groupby(KEYS, sort=True).sum()
    for col in OFFER_COLUMNS[:4]:
        out[col] = out[col].astype(int)
    return out[OFFER_COLUMNS]

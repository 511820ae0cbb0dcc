"""One shop, day by day: demand, replenishment, stockouts and what customers do then.

Every listing (an item the shop carries) has a latent demand per day:

    mu = base × season(category, day) × heat(category, temperature) × weekday/holiday
         × promotion lift × launch buzz,

drawn with negative-binomial noise. Sales are ``min(demand, stock)``; what is
not served is *lost demand*, recorded only in the truth. Customers who meet
an empty shelf respond as DOMAIN.md describes (another store, another brand,
the same brand, later, not at all): switchers buy in-stock items of the same
category in the same shop, delayers come back once it is restocked. In the
pilot shops some are offered a substitute first (:mod:`substitute.demo.offers`).

Replenishment is an order-up-to policy reviewed on fixed weekdays, driven by
a smoothed average of *sales*: it learns the zeros of stockout days and
trails a rising season, which is how real stores run out again. Deliveries
come after a lead time, sometimes late or short, and not at all while the
maker is out of stock (supply shortages, shared by every shop).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from substitute.demo.catalogue import Catalogue
from substitute.demo.categories import CATEGORIES, heat_log_lift
from substitute.demo.choice import ChoiceParams, stockout_response_shares
from substitute.demo.offers import OfferDesk
from substitute.demo.promotions import LIFT_PER_DISCOUNT

HORIZON = 128  # days an order can be under way; longer waits are capped
SMOOTHING = 0.08  # weight of today's sales in the planner's running average
LATE_SHARE, SHORT_SHARE = 0.08, 0.06
COME_BACK, GIVE_UP = 0.5, 0.1  # daily shares of waiting customers who return (if in stock) / give up
RESPONSES = ("other_store", "switch_brand", "same_brand", "delay", "no_buy")


@dataclass
class ShopPlan:
    """Everything fixed about one shop before its simulation starts."""

    items: np.ndarray  # item index of each listing
    base: np.ndarray  # base daily demand of each listing
    lead: np.ndarray  # nominal lead time of each listing (days)
    review_weekdays: tuple[int, ...]
    safety: float  # z of the order-up-to level
    display_minimum: int
    dispersion: float  # negative-binomial size
    day_factor: np.ndarray  # (days,)
    weekday: np.ndarray  # (days,) 0 = Monday
    season: np.ndarray  # (K, days + HORIZON) calendar log-demand
    temperature: np.ndarray  # (days,)
    discount: np.ndarray  # (listings, days) percent off
    psychological_share: np.ndarray  # (listings,)
    shortage_end: np.ndarray  # (models, days) last day of a maker shortage, or -1
    offer_desk: OfferDesk | None = None
    offer_start: int = 0
    offer_rate: float = 0.0


@dataclass
class ShopHistory:
    """What happened, per listing (rows) and day (columns), plus sparse records."""

    on_hand: np.ndarray
    on_order: np.ndarray
    alive: np.ndarray
    sales: np.ndarray  # own demand served
    spill: np.ndarray  # units bought by customers who switched from an empty shelf
    offer_sales: np.ndarray  # substitutes bought after an offer
    received: np.ndarray  # units put on the shelf in the morning: deliveries and returned pairs
    #: rows of lost demand: listing, day, demand, sales, lost, out_at_open, offered, substituted, responses...
    lost: dict[str, np.ndarray] = field(default_factory=dict)
    #: returns: listing, sale day, return day, quantity
    returns: dict[str, np.ndarray] = field(default_factory=dict)
    #: open orders at the end: listing, arrival day, quantity
    open_orders: dict[str, np.ndarray] = field(default_factory=dict)


def simulate_shop(
    catalogue: Catalogue, plan: ShopPlan, rng: np.random.Generator, params: ChoiceParams
) -> ShopHistory:
    """Run one shop through every day of the window."""
    n, days = len(plan.items), plan.day_factor.shape[0]
    cat = catalogue.category_idx[plan.items]
    model = catalogue.model_idx[plan.items]
    launch = catalogue.launch_day[plan.items]
    gone = catalogue.discontinue_day[plan.items]
    return_rate = np.array([c.return_rate for c in CATEGORIES])[cat]
    psy_responses = np.array(stockout_response_shares(True, params))
    beh_responses = np.array(stockout_response_shares(False, params))
    brand_group = cat * 64 + catalogue.brand_idx[plan.items]
    buzz = np.where(launch >= 0, 0.8, 0.0)

    ordered = np.zeros((n, HORIZON), dtype=np.int64)
    received = np.zeros((n, HORIZON), dtype=np.int64)
    returned = np.zeros((n, HORIZON), dtype=np.int64)
    on_hand = np.zeros(n, dtype=np.int64)
    on_order = np.zeros(n, dtype=np.int64)
    waiting = np.zeros(n, dtype=np.int64)
    started = np.zeros(n, dtype=bool)
    delisted = np.zeros(n, dtype=bool)
    level = np.zeros(n)  # the planner's deseasonalised daily rate
    mean_day = float(plan.day_factor.mean())

    hist = ShopHistory(
        on_hand=np.zeros((n, days), dtype=np.int32),
        on_order=np.zeros((n, days), dtype=np.int32),
        alive=np.zeros((n, days), dtype=bool),
        sales=np.zeros((n, days), dtype=np.int32),
        spill=np.zeros((n, days), dtype=np.int32),
        offer_sales=np.zeros((n, days), dtype=np.int32),
        received=np.zeros((n, days), dtype=np.int32),
    )
    lost_rows: list[np.ndarray] = []
    return_rows: list[np.ndarray] = []

    for d in range(days):
        slot = d % HORIZON
        new = ~started & (launch <= d)
        arriving = received[:, slot] + returned[:, slot]
        if new.any():
            # Opening stock: the buyer's first order, a little off the mark.
            level[new] = plan.base[new]
            rate = level[new] * np.exp(plan.season[cat[new], d]) * mean_day
            first = _order_up_to(rate, plan.lead[new] + 4, plan.safety, plan.display_minimum)
            arriving[new] += np.round(first * rng.uniform(0.6, 1.3, new.sum())).astype(np.int64)
            started |= new
        alive = started & ~delisted
        on_hand += arriving
        hist.received[:, d] = arriving
        on_order -= ordered[:, slot]
        received[:, slot] = ordered[:, slot] = returned[:, slot] = 0
        out_at_open = on_hand == 0

        log_level = plan.season[cat, d] + heat_log_lift(cat, np.full(n, plan.temperature[d]))
        age = d - launch
        mu = plan.base * np.exp(log_level) * plan.day_factor[d]
        mu *= 1.0 + LIFT_PER_DISCOUNT * plan.discount[:, d] / 100.0
        mu *= 1.0 + buzz * np.exp(-np.maximum(age, 0) / 21.0)
        mu *= np.exp(-np.maximum(d - gone, 0) / 60.0)
        mu = np.where(alive, mu, 0.0)
        demand = _negative_binomial(rng, mu, plan.dispersion)
        back = np.zeros(n, dtype=np.int64)
        ready = (waiting > 0) & (on_hand > 0)
        back[ready] = rng.binomial(waiting[ready], COME_BACK)
        waiting -= back
        quitting = waiting > 0
        waiting[quitting] -= rng.binomial(waiting[quitting], GIVE_UP)
        demand += back

        sales = np.minimum(demand, on_hand)
        on_hand -= sales
        lost = demand - sales
        short = np.flatnonzero(lost)
        offered = np.zeros(n, dtype=np.int64)
        substituted = np.zeros(n, dtype=np.int64)
        if plan.offer_desk is not None and d >= plan.offer_start and len(short):
            offered[short] = rng.binomial(lost[short], plan.offer_rate)
            wanted = np.repeat(np.arange(n), offered)
            if len(wanted):
                bought = plan.offer_desk.run(d, wanted, on_hand, rng)
                got = bought >= 0
                hist.offer_sales[:, d] = np.bincount(bought[got], minlength=n)
                substituted = np.bincount(wanted[got], minlength=n)
        remaining = lost - substituted
        responses = np.zeros((n, len(RESPONSES)), dtype=np.int64)
        if len(short):
            psy = rng.binomial(remaining[short], plan.psychological_share[short])
            responses[short] = rng.multinomial(psy, psy_responses) + rng.multinomial(
                remaining[short] - psy, beh_responses
            )
            spill = _switchers(
                rng, responses[:, 1], responses[:, 2], on_hand, plan.base * alive, cat, brand_group
            )
            on_hand -= spill
            hist.spill[:, d] = spill
            waiting += responses[:, 3]
            lost_rows.append(
                np.column_stack(
                    [
                        short,
                        np.full(len(short), d),
                        demand[short],
                        sales[short],
                        lost[short],
                        out_at_open[short],
                        offered[short],
                        substituted[short],
                        responses[short],
                    ]
                )
            )
        hist.sales[:, d] = sales
        sold = sales + hist.spill[:, d] + hist.offer_sales[:, d]
        selling = np.flatnonzero(sold)
        if len(selling):
            n_back = rng.binomial(sold[selling], return_rate[selling])
            lag = np.minimum(rng.geometric(0.3, len(selling)) + 1, 21)
            ret = n_back > 0
            rows, when = selling[ret], d + lag[ret]
            # Returned pairs go back on the shelf the morning after.
            returned[rows, (when + 1) % HORIZON] += n_back[ret]
            inside = when < days
            return_rows.append(
                np.column_stack([rows[inside], np.full(inside.sum(), d), when[inside], n_back[ret][inside]])
            )

        hist.on_hand[:, d] = on_hand
        hist.alive[:, d] = alive
        # The planner deseasonalises sales with the calendar it knows (not the
        # weather, not the lost sales) and smooths them.
        known = plan.day_factor[d] * np.exp(plan.season[cat, d])
        if plan.day_factor[d] > 0:
            level = np.where(alive, (1 - SMOOTHING) * level + SMOOTHING * sold / known, level)
        delisted |= started & (d >= gone) & (on_hand == 0) & (on_order == 0)

        if plan.weekday[d] in plan.review_weekdays:
            _place_orders(
                plan,
                rng,
                d,
                model,
                level * mean_day,
                cat,
                on_hand,
                on_order,
                alive & (d < gone),
                ordered,
                received,
            )
        hist.on_order[:, d] = on_order

    hist.lost = _columns(
        lost_rows,
        ["listing", "day", "demand", "sales", "lost", "out_at_open", "offered", "substituted", *RESPONSES],
    )
    hist.returns = _columns(return_rows, ["listing", "sale_day", "return_day", "quantity"])
    hist.open_orders = _open_orders(ordered, days)
    return hist


def _place_orders(
    plan: ShopPlan,
    rng: np.random.Generator,
    d: int,
    model: np.ndarray,
    level: np.ndarray,
    cat: np.ndarray,
    on_hand: np.ndarray,
    on_order: np.ndarray,
    may_order: np.ndarray,
    ordered: np.ndarray,
    received: np.ndarray,
) -> None:
    review = 7.0 / len(plan.review_weekdays)
    # Cover until the next delivery after this one, at the season expected then.
    ahead = np.minimum(d + plan.lead + int(review), plan.season.shape[1] - 1)
    rate = level * np.exp(plan.season[cat, ahead])
    target = _order_up_to(rate, plan.lead + review, plan.safety, plan.display_minimum)
    quantity = np.where(may_order, np.maximum(target - on_hand - on_order, 0), 0)
    rows = np.flatnonzero(quantity)
    if not len(rows):
        return
    q = quantity[rows]
    wait = plan.lead[rows].copy()
    late = rng.random(len(rows)) < LATE_SHARE
    wait[late] += rng.integers(2, 11, late.sum())
    shortage = plan.shortage_end[model[rows], d]
    blocked = shortage >= d
    wait[blocked] = np.maximum(wait[blocked], shortage[blocked] - d + 3)
    wait = np.clip(wait, 1, HORIZON - 1)
    got = q.copy()
    short = rng.random(len(rows)) < SHORT_SHARE
    got[short] = np.floor(q[short] * rng.uniform(0.4, 0.8, short.sum())).astype(np.int64)
    slots = (d + wait) % HORIZON
    ordered[rows, slots] += q
    received[rows, slots] += got
    on_order[rows] += q


def _order_up_to(rate: np.ndarray, horizon: np.ndarray, safety: float, minimum: int) -> np.ndarray:
    mean = rate * horizon
    return np.ceil(mean + safety * np.sqrt(mean)).astype(np.int64) + minimum


def _negative_binomial(rng: np.random.Generator, mu: np.ndarray, size: float) -> np.ndarray:
    out = np.zeros(len(mu), dtype=np.int64)
    pos = np.flatnonzero(mu > 0)
    if len(pos):
        out[pos] = rng.negative_binomial(size, size / (size + mu[pos]))
    return out


def _switchers(
    rng: np.random.Generator,
    switch_brand: np.ndarray,
    same_brand: np.ndarray,
    on_hand: np.ndarray,
    weight: np.ndarray,
    cat: np.ndarray,
    brand_group: np.ndarray,
) -> np.ndarray:
    """Units bought by customers who switched from an empty shelf, capped by stock."""
    if not (switch_brand.any() or same_brand.any()):
        return np.zeros(len(on_hand), dtype=np.int64)
    w = weight * (on_hand > 0)
    _, bg = np.unique(brand_group, return_inverse=True)
    w_cat = np.bincount(cat, weights=w)
    w_brand = np.bincount(bg, weights=w)
    switch_cat = np.bincount(cat, weights=switch_brand)
    switch_brand_total = np.bincount(bg, weights=switch_brand)
    same = np.bincount(bg, weights=same_brand)
    with np.errstate(divide="ignore", invalid="ignore"):
        share_brand = np.where(w_brand[bg] > 0, w / w_brand[bg], 0.0)
        others = w_cat[cat] - w_brand[bg]
        share_other = np.where(others > 1e-12, w / others, 0.0)
    expected = same[bg] * share_brand + (switch_cat[cat] - switch_brand_total[bg]) * share_other
    return np.minimum(rng.poisson(np.maximum(expected, 0.0)), on_hand)


def _columns(rows: list[np.ndarray], names: list[str]) -> dict[str, np.ndarray]:
    table = np.concatenate(rows).astype(np.int64) if rows else np.zeros((0, len(names)), dtype=np.int64)
    return {name: table[:, i] for i, name in enumerate(names)}


def _open_orders(ordered: np.ndarray, days: int) -> dict[str, np.ndarray]:
    """Orders still under way after the last day, with the day each arrives."""
    rows, slots = np.nonzero(ordered)
    arrival = days + (slots - days) % HORIZON
    order = np.lexsort((arrival, rows))
    return {"listing": rows[order], "arrival_day": arrival[order], "quantity": ordered[rows, slots][order]}


def maker_shortages(catalogue: Catalogue, days: int, rng: np.random.Generator) -> np.ndarray:
    """Per model and day, the last day of a maker shortage in progress, or -1.

    Orders placed during a shortage arrive only after it ends, in every shop.
    Best sellers run short at the maker more often.
    """
    n_models = len(catalogue.models)
    ends = np.full((n_models, days), -1, dtype=np.int32)
    popularity = np.bincount(catalogue.model_idx, weights=catalogue.popularity, minlength=n_models)
    hot = popularity >= np.quantile(popularity, 0.8) if n_models else popularity > 0
    rate = np.where(hot, 0.8, 0.3) * days / 365.0
    for model, count in enumerate(rng.poisson(rate).tolist()):
        for _ in range(count):
            start = int(rng.integers(0, days))
            end = min(start + int(rng.integers(10, 46)), days + HORIZON - 10)
            ends[model, start : min(end, days - 1) + 1] = np.maximum(
                ends[model, start : min(end, days - 1) + 1], end
            )
    return ends

"""Past substitute offers: the retailer's old rule, and how customers answered it.

Before this service existed, a pilot (the online shop and the first store)
offered substitutes by a simple rule: items of the same category and size at
a similar price, the same model in another colour ranked a little higher.
Whether a customer accepted is drawn from the hidden choice model
(:mod:`substitute.demo.choice`), so the events carry the signal a better
recommender can learn: brand-attached customers turn other brands down.

Event rows per offer session: one ``offered`` per item shown (rank 1..n),
``declined`` for each item looked at and refused, ``accepted`` for the first
one taken, and ``purchased`` if the customer then bought it (a sales line at
the same time).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from substitute.demo.brands import COLOURS, goes_with
from substitute.demo.catalogue import Catalogue
from substitute.demo.categories import CATEGORIES
from substitute.demo.choice import ChoiceParams, CustomerArrays, ItemArrays, acceptance_probabilities
from substitute.demo.clock import sample_seconds
from substitute.demo.population import Population
from substitute.demo.sampler import CustomerSampler, price_terciles

REASONS = ("same_model_other_colour", "same_brand", "same_purpose", "similar_price")
OFFERED, ACCEPTED, DECLINED, PURCHASED = 0, 1, 2, 3
EVENT_TYPES = ("offered", "accepted", "declined", "purchased")
N_CANDIDATES = 6
_WINDOW = 10
_TONES = ("neutral", "cool", "warm", "earth")


def legacy_candidates(catalogue: Catalogue) -> tuple[np.ndarray, np.ndarray]:
    """The old rule's substitutes of every item, best first.

    Returns
    -------
    (candidates, reasons)
        ``(n_items, N_CANDIDATES)`` item indices (-1: none) and reason codes
        (indices into :data:`REASONS`).
    """
    n = catalogue.n
    size_code = np.where(np.isnan(catalogue.size_value), -1, np.round(catalogue.size_value * 2)).astype(
        np.int64
    )
    log_price = np.log(catalogue.price.astype(float))
    order = np.lexsort(
        (catalogue.colour_idx, catalogue.model_idx, log_price, size_code, catalogue.category_idx)
    )
    group = catalogue.category_idx[order] * 1000 + size_code[order]
    offsets = np.arange(-_WINDOW, _WINDOW + 1)
    offsets = offsets[offsets != 0]
    pos = np.arange(n)[:, None] + offsets[None, :]
    inside = (pos >= 0) & (pos < n)
    pos = np.clip(pos, 0, n - 1)
    me, other = order[:, None], order[pos]
    valid = inside & (group[pos] == group[:, None])
    same_model = catalogue.model_idx[other] == catalogue.model_idx[me]
    same_brand = catalogue.brand_idx[other] == catalogue.brand_idx[me]
    shares_purpose = (catalogue.purposes[other] & catalogue.purposes[me]) != 0
    score = (
        np.abs(log_price[other] - log_price[me])
        + np.where(same_model, 0.0, 0.15)
        + np.where(shares_purpose, 0, 0.05)
    )
    score = np.where(valid, score, np.inf)
    best = np.argsort(score, axis=1, kind="stable")[:, :N_CANDIDATES]
    chosen = np.take_along_axis(other, best, axis=1)
    ok = np.isfinite(np.take_along_axis(score, best, axis=1))
    reason = np.where(
        np.take_along_axis(same_model, best, axis=1),
        0,
        np.where(
            np.take_along_axis(same_brand, best, axis=1),
            1,
            np.where(np.take_along_axis(shares_purpose, best, axis=1), 2, 3),
        ),
    )
    candidates = np.full((n, N_CANDIDATES), -1, dtype=np.int64)
    reasons = np.zeros((n, N_CANDIDATES), dtype=np.int64)
    candidates[order, : best.shape[1]] = np.where(ok, chosen, -1)
    reasons[order, : best.shape[1]] = reason
    return candidates, reasons


def owned_tones(population: Population) -> np.ndarray:
    """Bit mask per customer and category of the colour tones they own."""
    tone_bit = {tone: 1 << i for i, tone in enumerate(_TONES)}
    owned = np.zeros((population.n, len(CATEGORIES)), dtype=np.int64)
    for customer, pieces in enumerate(population.wardrobe):
        for category, colour in pieces:
            owned[customer, category] |= tone_bit[COLOURS[colour].tone]
    return owned


def _partner_masks(catalogue: Catalogue) -> tuple[np.ndarray, np.ndarray]:
    """Per item: which categories complete it, and which owned tones go with its colour."""
    index = {c.path: i for i, c in enumerate(CATEGORIES)}
    partners = np.array([sum(1 << index[p] for p in c.goes_with) for c in CATEGORIES], dtype=np.int64)
    tone_ok = np.array(
        [sum(1 << i for i, t in enumerate(_TONES) if goes_with(t, c.tone)) for c in COLOURS], dtype=np.int64
    )
    return partners[catalogue.category_idx], tone_ok[catalogue.colour_idx]


EVENT_COLUMNS = (
    *("session", "day", "second", "type", "customer", "wanted", "offered"),
    *("rank", "reason", "p_accept", "psychological"),
)
PURCHASE_COLUMNS = ("listing", "day", "second", "customer")


@dataclass
class OfferLog:
    """Events and substitute purchases of one shop, as parallel lists of arrays."""

    columns: dict[str, list[np.ndarray]] = field(default_factory=lambda: {k: [] for k in EVENT_COLUMNS})
    purchases: dict[str, list[np.ndarray]] = field(default_factory=lambda: {k: [] for k in PURCHASE_COLUMNS})
    sessions: int = 0

    def arrays(self, part: str) -> dict[str, np.ndarray]:
        """``"events"`` or ``"purchases"`` as one array per column."""
        source = self.columns if part == "events" else self.purchases
        return {k: (np.concatenate(v) if v else np.array([], dtype=np.int64)) for k, v in source.items()}


class OfferDesk:
    """Runs the offer sessions of one shop, day by day, inside the stock simulation."""

    def __init__(
        self,
        catalogue: Catalogue,
        population: Population,
        sampler: CustomerSampler,
        candidates: tuple[np.ndarray, np.ndarray],
        listing_items: np.ndarray,
        psychological_share: np.ndarray,
        online: bool,
        params: ChoiceParams,
    ) -> None:
        self.catalogue, self.population, self.sampler = catalogue, population, sampler
        self.candidates, self.reasons = candidates
        self.listing_items = listing_items
        self.item_to_listing = np.full(catalogue.n, -1, dtype=np.int64)
        self.item_to_listing[listing_items] = np.arange(len(listing_items))
        self.psychological_share = psychological_share
        self.online = online
        self.n_show = 3 if online else 2
        self.params = params
        self.tercile = price_terciles(catalogue)
        self.owned = owned_tones(population)
        self.sizes = np.column_stack([population.size_value(k) for k in range(len(CATEGORIES))])
        self.partners, self.tone_ok = _partner_masks(catalogue)
        self.log = OfferLog()

    def run(self, day: int, wanted: np.ndarray, on_hand: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Offer substitutes to one customer per entry of ``wanted`` (listing indices).

        Purchases are taken from ``on_hand`` in place. Returns, per session, the
        listing bought instead (-1: none).
        """
        cat = self.catalogue
        items = self.listing_items[wanted]
        customer = self.sampler.sample(items, rng)
        category = cat.category_idx[items]
        truth = self._truth(customer, items, category, wanted, rng)
        cand_items = self.candidates[items]
        cand_listing = np.where(cand_items >= 0, self.item_to_listing[np.maximum(cand_items, 0)], -1)
        available = (cand_listing >= 0) & (on_hand[np.maximum(cand_listing, 0)] > 0)
        rank = np.cumsum(available, axis=1)
        shown = available & (rank <= self.n_show)
        rows, cols = np.nonzero(shown)
        offered_items = cand_items[rows, cols]
        member = customer[rows] >= 0
        owned = self.owned[np.maximum(customer[rows], 0)] * member[:, None]
        goes = (self._partner_tones(owned, offered_items) != 0).astype(float)
        p = acceptance_probabilities(
            _take(truth, rows),
            _items(cat, items[rows]),
            _items(cat, offered_items),
            goes,
            rank[rows, cols],
            self.params,
        )
        accept = np.zeros(shown.shape)
        accept[rows, cols] = rng.random(len(rows)) < p
        taken = (accept > 0) & shown
        first = np.where(taken.any(axis=1), np.argmax(taken, axis=1), N_CANDIDATES)
        bought = np.full(len(wanted), -1, dtype=np.int64)
        keen = rng.random(len(wanted)) < self.params.purchase_after_accept
        for s in np.flatnonzero(first < N_CANDIDATES):
            listing = cand_listing[s, first[s]]
            if keen[s] and on_hand[listing] > 0:
                on_hand[listing] -= 1
                bought[s] = listing
        self._record(
            day, wanted, customer, truth.psychological, rows, cols, offered_items, rank, p, first, bought, rng
        )
        return bought

    def _partner_tones(self, owned: np.ndarray, offered_items: np.ndarray) -> np.ndarray:
        """Owned tones, in the categories that complete each offered item, that go with its colour."""
        if not len(offered_items):
            return np.zeros(0, dtype=np.int64)
        partners = self.partners[offered_items]
        hit = np.zeros(len(offered_items), dtype=np.int64)
        for k in range(len(CATEGORIES)):
            in_partner = (partners >> k) & 1
            hit |= (owned[:, k] * in_partner) & self.tone_ok[offered_items]
        return hit

    def _truth(
        self,
        customer: np.ndarray,
        items: np.ndarray,
        category: np.ndarray,
        wanted: np.ndarray,
        rng: np.random.Generator,
    ) -> CustomerArrays:
        """Members' truth; an anonymous shopper is given a loyalty drawn from the item's buyers."""
        pop, cat = self.population, self.catalogue
        member = customer >= 0
        c = np.maximum(customer, 0)
        psych_anon = rng.random(len(items)) < self.psychological_share[wanted]
        psych = np.where(member, pop.psychological[c, category], psych_anon)
        size = self.sizes[c, category]
        return CustomerArrays(
            psychological=psych,
            fav_brand=np.where(member, pop.fav_brand[c, category], np.where(psych, cat.brand_idx[items], -1)),
            fav_model=np.where(member, pop.fav_model[c, category], np.where(psych, cat.model_idx[items], -1)),
            purposes=np.where(member, pop.purposes[c, category], 0),
            price_band=np.where(member, pop.price_band[c], self.tercile[items]),
            size_value=np.where(member, size, cat.size_value[items]),
        )

    def _record(
        self,
        day: int,
        wanted: np.ndarray,
        customer: np.ndarray,
        psych: np.ndarray,
        rows: np.ndarray,
        cols: np.ndarray,
        offered_items: np.ndarray,
        rank: np.ndarray,
        p: np.ndarray,
        first: np.ndarray,
        bought: np.ndarray,
        rng: np.random.Generator,
    ) -> None:
        n = len(wanted)
        if not n:
            return
        session = self.log.sessions + np.arange(n)
        self.log.sessions += n
        start = np.minimum(sample_seconds(rng, n, self.online), 86400 - 1200)
        looked = cols <= first[rows]
        answer = np.where(cols == first[rows], ACCEPTED, DECLINED)
        parts = [
            (
                rows,
                np.full(len(rows), OFFERED),
                start[rows] + cols,
                offered_items,
                rank[rows, cols],
                self.reasons[self.listing_items[wanted[rows]], cols],
                p,
            ),
            (
                rows[looked],
                answer[looked],
                start[rows[looked]] + 30 + 40 * cols[looked],
                offered_items[looked],
                rank[rows, cols][looked],
                self.reasons[self.listing_items[wanted[rows[looked]]], cols[looked]],
                p[looked],
            ),
        ]
        got = np.flatnonzero(bought >= 0)
        if len(got):
            sel = np.flatnonzero(np.isin(rows, got) & (cols == first[rows]))
            when = start[rows[sel]] + 300 + rng.integers(0, 600, len(sel))
            parts.append(
                (
                    rows[sel],
                    np.full(len(sel), PURCHASED),
                    when,
                    offered_items[sel],
                    rank[rows, cols][sel],
                    self.reasons[self.listing_items[wanted[rows[sel]]], cols[sel]],
                    p[sel],
                )
            )
            purchases = self.log.purchases
            purchases["listing"].append(bought[rows[sel]])
            purchases["day"].append(np.full(len(sel), day))
            purchases["second"].append(when)
            purchases["customer"].append(customer[rows[sel]])
        log = self.log.columns
        for r, kind, second, offered, rk, reason, prob in parts:
            log["session"].append(session[r])
            log["day"].append(np.full(len(r), day))
            log["second"].append(second)
            log["type"].append(kind)
            log["customer"].append(customer[r])
            log["wanted"].append(self.listing_items[wanted[r]])
            log["offered"].append(offered)
            log["rank"].append(rk)
            log["reason"].append(reason)
            log["p_accept"].append(prob)
            log["psychological"].append(psych[r])


def _take(truth: CustomerArrays, rows: np.ndarray) -> CustomerArrays:
    return CustomerArrays(**{k: getattr(truth, k)[rows] for k in truth.__dataclass_fields__})


def _items(catalogue: Catalogue, items: np.ndarray) -> ItemArrays:
    return ItemArrays(
        model=catalogue.model_idx[items],
        brand=catalogue.brand_idx[items],
        category=catalogue.category_idx[items],
        purposes=catalogue.purposes[items],
        price=catalogue.price[items].astype(float),
        size_value=catalogue.size_value[items],
    )

"""The hidden choice model: would this customer accept that substitute?

A logit model whose weights depend on the customer's loyalty in the
category (DOMAIN.md section 2):

* psychological (brand-attached) customers accept the same model in another
  colour or size, then another model of the same (or their favourite) brand,
  and only rarely another brand;
* behavioural (need-driven) customers accept an item of the same category
  made for the same purpose at a similar price, more readily when it goes with
  what they already own, whoever made it.

A size that does not fit is refused by both. Without an offer, a customer
facing a stockout responds as Gruen, Corsten & Bharadwaj (2002) measured:
31% buy at another store, 26% switch brand, 19% buy another item of the same
brand, 15% delay, 9% do not buy; brand-attached customers switch brand less
and wait more, and the behavioural shares are solved so that the mixture
reproduces the measured ones.

The generator uses the array form (:func:`acceptance_probabilities`); a
benchmark calls :func:`acceptance_probability` with one customer and two
items to simulate whether a recommended substitute would be accepted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from substitute.demo.brands import COLOURS, goes_with
from substitute.demo.categories import CATEGORIES, size_fit

PSYCHOLOGICAL, BEHAVIOURAL = "psychological", "behavioural"
LOYALTY_TYPES = (PSYCHOLOGICAL, BEHAVIOURAL)
STOCKOUT_RESPONSES = ("other_store", "switch_brand", "same_brand", "delay", "no_buy")
#: Gruen, Corsten & Bharadwaj (2002), 71,000 shoppers in 29 countries.
MEASURED_RESPONSE_SHARES = (0.31, 0.26, 0.19, 0.15, 0.09)
FEATURES = (
    "intercept",
    "same_model",
    "same_brand",
    "favourite_brand",
    "favourite_model",
    "same_category",
    "purpose_fit",
    "price_gap",
    "price_rise",
    "size_misfit",
    "goes_with_owned",
    "rank",
)
_PRICE_SENSITIVITY = (1.5, 1.0, 0.5)  # low, mid, high price band
PRICE_BANDS = ("low", "mid", "high")


@dataclass(frozen=True)
class ChoiceParams:
    """Weights of the acceptance logit per loyalty type, and the stockout responses."""

    psychological: Mapping[str, float] = field(
        default_factory=lambda: {
            "intercept": -3.0,
            "same_model": 2.2,
            "same_brand": 1.5,
            "favourite_brand": 1.0,
            "favourite_model": 0.3,
            "same_category": 0.5,
            "purpose_fit": 0.3,
            "price_gap": -1.0,
            "price_rise": -0.5,
            "size_misfit": -4.0,
            "goes_with_owned": 0.2,
            "rank": -0.2,
        }
    )
    behavioural: Mapping[str, float] = field(
        default_factory=lambda: {
            "intercept": -2.2,
            "same_model": 0.5,
            "same_brand": 0.2,
            "favourite_brand": 0.0,
            "favourite_model": 0.0,
            "same_category": 1.6,
            "purpose_fit": 1.4,
            "price_gap": -2.0,
            "price_rise": -1.5,
            "size_misfit": -4.0,
            "goes_with_owned": 1.0,
            "rank": -0.2,
        }
    )
    #: stockout responses of psychologically loyal customers, in STOCKOUT_RESPONSES order
    psychological_responses: tuple[float, ...] = (0.33, 0.08, 0.30, 0.20, 0.09)
    #: share of psychologically loyal buyers at which the mixture matches the measured shares
    reference_psychological_share: float = 0.35
    #: share of accepted offers that end in a purchase (the rest walk away after all)
    purchase_after_accept: float = 0.88

    def weights(self, psychological: np.ndarray) -> np.ndarray:
        """Weight matrix, one row per customer: shape ``(len(psychological), len(FEATURES))``."""
        psy = np.array([self.psychological[f] for f in FEATURES])
        beh = np.array([self.behavioural[f] for f in FEATURES])
        return np.where(np.asarray(psychological, bool)[:, None], psy, beh)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready parameters, with the derived behavioural stockout shares."""
        out = asdict(self)
        out["psychological"] = dict(self.psychological)
        out["behavioural"] = dict(self.behavioural)
        out["behavioural_responses"] = list(stockout_response_shares(False, self))
        out["psychological_responses"] = list(self.psychological_responses)
        out["responses"] = list(STOCKOUT_RESPONSES)
        out["measured_responses"] = list(MEASURED_RESPONSE_SHARES)
        return out


DEFAULT_PARAMS = ChoiceParams()


def stockout_response_shares(psychological: bool, params: ChoiceParams = DEFAULT_PARAMS) -> tuple[float, ...]:
    """Shares of (other store, switch brand, same brand, delay, no buy) without an offer."""
    if psychological:
        return tuple(params.psychological_responses)
    p = params.reference_psychological_share
    shares = [
        (measured - p * psy) / (1 - p)
        for measured, psy in zip(MEASURED_RESPONSE_SHARES, params.psychological_responses, strict=True)
    ]
    return tuple(float(s) for s in shares)


@dataclass(frozen=True)
class ItemArrays:
    """Item attributes as parallel arrays; ids may be ints or strings, compared with ``==``."""

    model: np.ndarray
    brand: np.ndarray
    category: np.ndarray
    purposes: np.ndarray  # int bit masks
    price: np.ndarray
    size_value: np.ndarray  # see categories.size_fit


@dataclass(frozen=True)
class CustomerArrays:
    """One row per decision: the customer's truth in the wanted item's category."""

    psychological: np.ndarray  # bool
    fav_brand: np.ndarray  # same id space as ItemArrays.brand; anything unequal when none
    fav_model: np.ndarray
    purposes: np.ndarray  # int bit mask of the need; 0 = the wanted item's purposes
    price_band: np.ndarray  # 0 low, 1 mid, 2 high
    size_value: np.ndarray  # NaN: unknown or one size


def offer_features(
    customer: CustomerArrays,
    wanted: ItemArrays,
    offered: ItemArrays,
    goes_with_owned: np.ndarray,
    rank: np.ndarray,
) -> np.ndarray:
    """Feature matrix ``(n, len(FEATURES))`` of offers, in :data:`FEATURES` order."""
    same_model = wanted.model == offered.model
    need = np.where(customer.purposes != 0, customer.purposes, wanted.purposes).astype(np.int64)
    offered_purposes = offered.purposes.astype(np.int64)
    purpose_fit = _popcount(need & offered_purposes) / np.maximum(_popcount(need), 1)
    ratio = np.log(np.maximum(offered.price, 1.0) / np.maximum(wanted.price, 1.0))
    sensitivity = np.asarray(_PRICE_SENSITIVITY)[np.asarray(customer.price_band, dtype=np.int64)]
    columns = (
        np.ones(len(same_model)),
        same_model,
        (wanted.brand == offered.brand) & ~same_model,
        offered.brand == customer.fav_brand,
        offered.model == customer.fav_model,
        wanted.category == offered.category,
        purpose_fit,
        np.abs(ratio),
        np.maximum(ratio, 0.0) * sensitivity,
        1.0 - size_fit(customer.size_value, offered.size_value),
        goes_with_owned,
        np.asarray(rank, float) - 1.0,
    )
    return np.column_stack([np.asarray(c, dtype=float) for c in columns])


def acceptance_probabilities(
    customer: CustomerArrays,
    wanted: ItemArrays,
    offered: ItemArrays,
    goes_with_owned: np.ndarray,
    rank: np.ndarray,
    params: ChoiceParams = DEFAULT_PARAMS,
) -> np.ndarray:
    """Probability that each customer accepts the offered item instead of the wanted one."""
    features = offer_features(customer, wanted, offered, goes_with_owned, rank)
    logit = (features * params.weights(customer.psychological)).sum(axis=1)
    return 1.0 / (1.0 + np.exp(-logit))


@dataclass(frozen=True)
class CustomerTruth:
    """A customer's hidden truth in one category (see ``truth/loyalty.parquet``)."""

    loyalty: str  # "psychological" or "behavioural"
    category: str
    favourite_brand: str | None = None
    favourite_model: str | None = None
    purposes: frozenset[str] = frozenset()
    price_band: str = "mid"
    #: the customer's size for the category ("24.5", "M"); None: unknown or one size
    size: str | None = None
    #: pieces the customer owns, as (category path, colour name)
    owned: tuple[tuple[str, str], ...] = ()
    customer_id: str | None = None


@dataclass(frozen=True)
class ItemFacts:
    """What the choice model looks at in an item (a row of ``items.csv``)."""

    sku: str
    model: str
    brand: str
    category: str
    purposes: frozenset[str]
    price: float
    colour: str = ""
    size: str = ""


def acceptance_probability(
    customer: CustomerTruth,
    wanted: ItemFacts,
    offered: ItemFacts,
    *,
    rank: int = 1,
    params: ChoiceParams = DEFAULT_PARAMS,
) -> float:
    """Probability that ``customer``, who came for ``wanted``, accepts ``offered``.

    Parameters
    ----------
    customer
        The customer's hidden truth in the wanted item's category; build it
        with :func:`substitute.demo.truth.load_world` from a generated folder.
    wanted, offered
        The out-of-stock item and the proposed substitute.
    rank
        Position of the offer in the list shown (1 = first); later offers are
        looked at less.
    params
        Weights of the model; the generator writes the ones it used to
        ``truth/choice_model.json``.

    Returns
    -------
    float
        A probability in (0, 1).
    """
    from substitute.demo.catalogue import size_value

    vocabulary = _Vocabulary()
    need = vocabulary.mask(customer.purposes)
    items = [wanted, offered]
    arrays = [
        ItemArrays(
            model=np.array([i.model], dtype=object),
            brand=np.array([i.brand], dtype=object),
            category=np.array([i.category], dtype=object),
            purposes=np.array([vocabulary.mask(i.purposes)], dtype=np.int64),
            price=np.array([float(i.price)]),
            size_value=np.array([size_value(i.size) if i.size else np.nan]),
        )
        for i in items
    ]
    truth = CustomerArrays(
        psychological=np.array([customer.loyalty == PSYCHOLOGICAL]),
        fav_brand=np.array([customer.favourite_brand], dtype=object),
        fav_model=np.array([customer.favourite_model], dtype=object),
        purposes=np.array([need], dtype=np.int64),
        price_band=np.array([PRICE_BANDS.index(customer.price_band)]),
        size_value=np.array([size_value(customer.size) if customer.size else np.nan]),
    )
    owned = float(owned_goes_with(customer.owned, offered.category, offered.colour))
    p = acceptance_probabilities(truth, arrays[0], arrays[1], np.array([owned]), np.array([rank]), params)
    return float(p[0])


def owned_goes_with(owned: Iterable[tuple[str, str]], category: str, colour: str) -> bool:
    """Whether an item of ``category`` and ``colour`` completes an ensemble the customer owns."""
    partners = next((c.goes_with for c in CATEGORIES if c.path == category), ())
    tones = {c.name: c.tone for c in COLOURS}
    tone = tones.get(colour)
    if tone is None:
        return False
    return any(cat in partners and own in tones and goes_with(tones[own], tone) for cat, own in owned)


class _Vocabulary:
    """Bits for purpose tags, so free-text tags of any retailer can be compared."""

    def __init__(self) -> None:
        from substitute.demo.categories import PURPOSES

        self.bits = {name: 1 << i for i, name in enumerate(PURPOSES)}

    def mask(self, tags: Iterable[str]) -> int:
        """Bit mask of ``tags``; an unseen tag gets the next free bit."""
        mask = 0
        for tag in tags:
            if tag not in self.bits:
                self.bits[tag] = 1 << len(self.bits)
            mask |= self.bits[tag]
        return mask


def _popcount(values: np.ndarray) -> np.ndarray:
    return np.bitwise_count(np.asarray(values, dtype=np.int64)).astype(np.int64)

"""Reviews written by members after their purchases, and the motive behind each.

The motive follows the author's hidden loyalty in the item's category: a
psychologically loyal customer reviewing their favourite brand mostly writes
about the brand, a behavioural one about the need; anyone may write only
about delivery or sizing, and a returned item gets a return remark. The
motive and whether the text names a brand go to ``truth/review_labels``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from substitute.demo.brands import BRANDS, COLOURS, goes_with
from substitute.demo.catalogue import Catalogue
from substitute.demo.categories import CATEGORIES, purpose_tags
from substitute.demo.population import Population
from substitute.demo.review_text import BEHAVIOURAL, NONE, PSYCHOLOGICAL, Slots, compose
from substitute.demo.transactions import ReviewPool

MOTIVES = (PSYCHOLOGICAL, BEHAVIOURAL, NONE)
#: Motive shares by (author's loyalty, item of their favourite brand).
_MOTIVE_P = {
    (True, True): (0.65, 0.10, 0.25),
    (True, False): (0.15, 0.40, 0.45),
    (False, False): (0.05, 0.70, 0.25),
}
_RATING_P = {
    PSYCHOLOGICAL: (0.0, 0.0, 0.05, 0.30, 0.65),
    BEHAVIOURAL: (0.0, 0.02, 0.10, 0.40, 0.48),
    NONE: (0.0, 0.03, 0.22, 0.40, 0.35),
    "negative": (0.25, 0.35, 0.30, 0.10, 0.0),
}
_COUNTERS = {"kimono>yukata": "枚", "kimono>formal": "枚", "kimono>obi": "本"}


@dataclass
class Reviews:
    """Written reviews (parallel arrays) and the hidden side of each."""

    item: np.ndarray
    customer: np.ndarray
    day: np.ndarray
    rating: np.ndarray
    text: list[str]
    language: list[str]
    motive: list[str]
    loyalty: list[str]
    names_brand: np.ndarray


def build_reviews(
    pool: ReviewPool, catalogue: Catalogue, population: Population, days: int, rng: np.random.Generator
) -> Reviews:
    """Write the reviews of ``pool``, dropping those that would come after the window."""
    n = len(pool.item)
    review_day = np.where(
        pool.returned, pool.return_day + rng.integers(1, 6, n), pool.day + rng.integers(2, 21, n)
    )
    keep = review_day < days
    order = np.flatnonzero(keep)
    order = order[np.lexsort((pool.item[order], pool.customer[order], pool.shop[order], review_day[order]))]
    texts, languages, motives, loyalties = [], [], [], []
    ratings = np.empty(len(order), dtype=np.int64)
    named = np.empty(len(order), dtype=bool)
    for j, i in enumerate(order.tolist()):
        item, customer = int(pool.item[i]), int(pool.customer[i])
        category = int(catalogue.category_idx[item])
        psych = bool(population.psychological[customer, category])
        favourite = psych and population.fav_brand[customer, category] == catalogue.brand_idx[item]
        if pool.returned[i]:
            motive = NONE
        else:
            motive = MOTIVES[int(rng.choice(3, p=_MOTIVE_P[(psych, bool(favourite))]))]
        language = str(population.language[customer])
        slots = _slots(catalogue, population, item, customer, language, rng)
        text, names, negative = compose(rng, language, motive, slots, bool(pool.returned[i]))
        key = "negative" if negative else motive
        ratings[j] = 1 + int(rng.choice(5, p=_RATING_P[key]))
        named[j] = names
        texts.append(text)
        languages.append(language)
        motives.append(motive)
        loyalties.append(PSYCHOLOGICAL if psych else BEHAVIOURAL)
    return Reviews(
        item=pool.item[order],
        customer=pool.customer[order],
        day=review_day[order],
        rating=ratings,
        text=texts,
        language=languages,
        motive=motives,
        loyalty=loyalties,
        names_brand=named,
    )


def _slots(
    catalogue: Catalogue,
    population: Population,
    item: int,
    customer: int,
    language: str,
    rng: np.random.Generator,
) -> Slots:
    model = catalogue.models[int(catalogue.model_idx[item])]
    brand = BRANDS[model.brand_idx]
    category = CATEGORIES[model.category_idx]
    colour = COLOURS[int(catalogue.colour_idx[item])]
    japanese = language != "en"
    # Japanese reviewers mostly write names in katakana or kanji, sometimes in Latin letters.
    latin = [a for a in brand.aliases if a.isascii()]
    native = [a for a in brand.aliases if not a.isascii()]
    pool = native if japanese and native and rng.random() < 0.65 else latin or list(brand.aliases)
    brand_name = pool[int(rng.integers(0, len(pool)))]
    model_name = model.name_ja if japanese and rng.random() < 0.6 else model.name
    others = [b for b in BRANDS if b.name != brand.name and _same_trade(b.name, brand.name)]
    other = others[int(rng.integers(0, len(others)))] if others else brand
    other_pool = (
        list(other.aliases) if japanese else [a for a in other.aliases if a.isascii()] or list(other.aliases)
    )
    other_name = other_pool[int(rng.integers(0, len(other_pool)))]
    uses = tuple(purpose_tags(int(population.purposes[customer, model.category_idx]) or int(model.purposes)))
    return Slots(
        brand=brand_name,
        model=model_name,
        short=model_name.split(" ")[0],
        other_brand=other_name,
        noun=category.noun_ja if japanese else category.noun_en,
        colour=colour.ja if japanese else colour.name,
        counter=_COUNTERS.get(category.path, "足"),
        uses=uses,
        owned=_owned_phrase(population, customer, model.category_idx, colour.tone, japanese),
    )


def _same_trade(a: str, b: str) -> bool:
    """Whether two brands sell the same kind of goods (so one can be a comparison for the other)."""
    footwear = {"Teva", "Chaco", "KEEN", "Birkenstock", "Crocs", "Ashiato"}
    return (a in footwear) == (b in footwear)


def _owned_phrase(population: Population, customer: int, category: int, tone: str, japanese: bool) -> str:
    partners = CATEGORIES[category].goes_with
    for owned_category, owned_colour in population.wardrobe[customer]:
        piece = CATEGORIES[owned_category]
        colour = COLOURS[owned_colour]
        if piece.path in partners and goes_with(colour.tone, tone):
            return f"{colour.ja}の{piece.noun_ja}" if japanese else f"{colour.name} {piece.noun_en}"
    return ""

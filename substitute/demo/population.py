"""Member customers, with the hidden loyalty that drives how each one buys.

For every category a customer shops in, the hidden truth says whether their
loyalty there is *psychological* (attached to a brand and a favourite model:
rebuys it, collects its colours, writes its name in reviews) or *behavioural*
(need-driven: chooses by purpose and price across brands). A latent "brand
person" trait makes the two correlate across a customer's categories. What a
retailer would know (sizes, price band, home store, a kimono wardrobe) goes
to the customers file; the loyalty goes to ``truth/`` only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from substitute.demo.brands import BRANDS, COLOURS
from substitute.demo.catalogue import Catalogue
from substitute.demo.categories import CATEGORIES, CATEGORY_INDEX, CM, FREE, LETTER

PRICE_BANDS = ("low", "mid", "high")
AGE_BANDS = ("10s", "20s", "30s", "40s", "50s", "60s", "70s+")
_AGE_P = (0.05, 0.22, 0.24, 0.22, 0.15, 0.08, 0.04)
KIMONO_COLOURS = ("indigo", "ivory", "red", "vermilion", "pink", "yellow", "purple", "green", "black", "navy")
_FOOTWEAR = [CATEGORY_INDEX[p] for p in ("footwear>sandals", "footwear>clogs")]
_CASUAL_KIMONO = [CATEGORY_INDEX[p] for p in ("kimono>yukata", "kimono>obi", "kimono>geta")]
_FORMAL_KIMONO = [CATEGORY_INDEX[p] for p in ("kimono>zori", "kimono>formal")]


@dataclass
class Population:
    """Customers as parallel arrays; ``(n, n_categories)`` arrays hold the per-category truth."""

    customer_id: np.ndarray  # object (str)
    home_shop: np.ndarray  # index into the shop list (a physical shop)
    online_share: np.ndarray  # share of their shopping done online
    activity: np.ndarray  # relative purchase frequency
    gender: np.ndarray  # object: "f" / "m"
    language: np.ndarray  # object: "ja" / "en"
    age_band: np.ndarray  # object
    price_band: np.ndarray  # 0 low, 1 mid, 2 high
    shoe_cm: np.ndarray
    kimono_size: np.ndarray  # 1 S, 2 M, 3 L
    member_since_day: np.ndarray  # negative: before the window
    newsletter: np.ndarray  # bool
    interest: np.ndarray  # (n, K) weight of each category; 0 = does not shop it
    psychological: np.ndarray  # (n, K) bool
    fav_brand: np.ndarray  # (n, K) brand index or -1
    fav_model: np.ndarray  # (n, K) model index or -1
    purposes: np.ndarray  # (n, K) purpose mask of what they need items for
    wardrobe: list[list[tuple[int, int]]]  # owned (category_idx, colour_idx) pieces

    @property
    def n(self) -> int:
        """Number of customers."""
        return len(self.customer_id)

    def size_value(self, category_idx: int) -> np.ndarray:
        """Each customer's size on the scale of ``category_idx``'s items (NaN: one size)."""
        return category_size(CATEGORIES[category_idx].path, self.shoe_cm, self.kimono_size)


def category_size(path: str, shoe_cm: np.ndarray, kimono_size: np.ndarray) -> np.ndarray:
    """A customer's size for a category: shoe cm, S/M/L as 1-3, or NaN for one size."""
    system = CATEGORIES[CATEGORY_INDEX[path]].size_system
    if system == CM:
        return shoe_cm.astype(float)
    if system == FREE:
        return np.full(shoe_cm.shape, np.nan)
    if path in ("kimono>geta", "kimono>zori"):
        # Japanese sandals come in S/M/L by foot length.
        return np.where(shoe_cm < 23.5, 1.0, np.where(shoe_cm <= 25.0, 2.0, 3.0))
    assert system == LETTER
    return kimono_size.astype(float)


def build_population(
    n_customers: int, n_physical: int, shop_sizes: np.ndarray, catalogue: Catalogue, rng: np.random.Generator
) -> Population:
    """Draw ``n_customers`` members spread over ``n_physical`` shops by shop size."""
    n, k = n_customers, len(CATEGORIES)
    home = rng.choice(n_physical, size=n, p=shop_sizes / shop_sizes.sum()) if n_physical else np.zeros(n, int)
    online_share = rng.beta(1.2, 2.5, size=n)
    online_only = rng.random(n) < (0.12 if n_physical else 1.0)
    online_share[online_only] = 0.97
    gender = np.where(rng.random(n) < 0.62, "f", "m").astype(object)
    female = gender == "f"
    shoe = np.where(female, rng.normal(23.6, 0.8, n), rng.normal(26.0, 0.9, n))
    shoe = np.clip(np.round(shoe * 2) / 2, 22.0, 28.5)
    kimono_size = np.clip(np.round(np.where(female, rng.normal(1.9, 0.6, n), rng.normal(2.6, 0.5, n))), 1, 3)
    interest = _interests(n, k, rng)
    psychological = _loyalty(interest, rng)
    fav_brand, fav_model = _favourites(psychological, catalogue, rng)
    return Population(
        customer_id=np.array([f"C{i + 1:06d}" for i in range(n)], dtype=object),
        home_shop=home.astype(np.int64),
        online_share=online_share,
        activity=rng.lognormal(0.0, 0.8, size=n),
        gender=gender,
        language=np.where(rng.random(n) < 0.7, "ja", "en").astype(object),
        age_band=np.array(AGE_BANDS, dtype=object)[rng.choice(len(AGE_BANDS), size=n, p=_AGE_P)],
        price_band=rng.choice(3, size=n, p=[0.35, 0.45, 0.2]).astype(np.int64),
        shoe_cm=shoe,
        kimono_size=kimono_size,
        member_since_day=-rng.integers(1, 2500, size=n),
        newsletter=rng.random(n) < 0.6,
        interest=interest,
        psychological=psychological,
        fav_brand=fav_brand,
        fav_model=fav_model,
        purposes=_needs(interest, catalogue, rng),
        wardrobe=_wardrobes(interest, rng),
    )


def _interests(n: int, k: int, rng: np.random.Generator) -> np.ndarray:
    """Which categories each customer shops, and how much."""
    kind = rng.choice(3, size=n, p=[0.5, 0.2, 0.3])  # footwear only, kimono only, both
    interest = np.zeros((n, k))
    footwear = kind != 1
    kimono = kind != 0
    for c in _FOOTWEAR:
        interest[footwear, c] = rng.gamma(2.0, 1.0, footwear.sum())
    for c in _CASUAL_KIMONO:
        interest[kimono, c] = rng.gamma(2.0, 1.0, kimono.sum())
    formal = kimono & (rng.random(n) < 0.35)
    for c in _FORMAL_KIMONO:
        interest[formal, c] = rng.gamma(2.0, 0.6, formal.sum())
    # Not everyone shops every category of their kind.
    interest[rng.random((n, k)) < 0.15] = 0.0
    return interest


def _loyalty(interest: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Psychological loyalty per category, correlated through a 'brand person' trait."""
    n, k = interest.shape
    trait = rng.normal(size=(n, 1))
    score = 0.8 * trait + 0.6 * rng.normal(size=(n, k))  # unit variance
    threshold = np.array([NormalDist().inv_cdf(1 - c.psychological_share) for c in CATEGORIES])
    return (score > threshold) & (interest > 0)


def _favourites(
    psychological: np.ndarray, catalogue: Catalogue, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Favourite model (and so brand) of each psychologically loyal customer."""
    n, k = psychological.shape
    fav_brand = np.full((n, k), -1, dtype=np.int64)
    fav_model = np.full((n, k), -1, dtype=np.int64)
    models = catalogue.models
    model_pop = np.bincount(catalogue.model_idx, weights=catalogue.popularity, minlength=len(models))
    model_launch = np.full(len(models), np.iinfo(np.int64).max)
    np.minimum.at(model_launch, catalogue.model_idx, catalogue.launch_day)
    for c in range(k):
        fans = np.flatnonzero(psychological[:, c])
        candidates = np.array([i for i, m in enumerate(models) if m.category_idx == c], dtype=np.int64)
        if not len(fans) or not len(candidates):
            psychological[fans, c] = False  # nothing of the category to be attached to
            continue
        weight = model_pop[candidates] * np.array(
            [BRANDS[models[i].brand_idx].fan_weight for i in candidates]
        )
        # Few fans for a model that only just came out.
        weight = weight * np.where(model_launch[candidates] < 0, 1.0, 0.3)
        chosen = candidates[rng.choice(len(candidates), size=len(fans), p=weight / weight.sum())]
        fav_model[fans, c] = chosen
        fav_brand[fans, c] = np.array([models[i].brand_idx for i in chosen])
    return fav_brand, fav_model


def _needs(interest: np.ndarray, catalogue: Catalogue, rng: np.random.Generator) -> np.ndarray:
    """One or two purposes per customer and category, drawn from what the category offers."""
    n, k = interest.shape
    needs = np.zeros((n, k), dtype=np.int64)
    for c in range(k):
        masks = catalogue.purposes[catalogue.category_idx == c]
        bits = [1 << b for b in range(16) if any(int(m) & (1 << b) for m in masks)]
        if not bits:
            continue
        counts = np.array([sum(1 for m in masks if int(m) & b) for b in bits], dtype=float)
        p = counts / counts.sum()
        first = np.array(bits)[rng.choice(len(bits), size=n, p=p)]
        second = np.array(bits)[rng.choice(len(bits), size=n, p=p)]
        both = rng.random(n) < 0.4
        needs[:, c] = np.where(both, first | second, first) * (interest[:, c] > 0)
    return needs


def _wardrobes(interest: np.ndarray, rng: np.random.Generator) -> list[list[tuple[int, int]]]:
    """Kimono pieces a customer already owns (the 'wardrobe concierge' knows them)."""
    colour_idx = np.array([i for i, c in enumerate(COLOURS) if c.name in KIMONO_COLOURS])
    kinds = np.array(_CASUAL_KIMONO + _FORMAL_KIMONO)
    kimono = np.flatnonzero(interest[:, kinds].sum(axis=1) > 0)
    counts = rng.integers(0, 5, size=len(kimono))
    owner = np.repeat(kimono, counts)
    cats = kinds[rng.choice(len(kinds), size=len(owner), p=[0.35, 0.25, 0.2, 0.08, 0.12])]
    cols = colour_idx[rng.integers(0, len(colour_idx), size=len(owner))]
    wardrobes: list[list[tuple[int, int]]] = [[] for _ in range(len(interest))]
    for customer, category, colour in zip(owner.tolist(), cats.tolist(), cols.tolist(), strict=True):
        wardrobes[customer].append((category, colour))
    return [sorted(set(pieces)) for pieces in wardrobes]


def segments(activity: np.ndarray) -> np.ndarray:
    """Marketing segment from purchase frequency: vip (top 5%), regular (next 35%), occasional."""
    if not len(activity):
        return np.array([], dtype=object)
    rank = np.argsort(np.argsort(-activity, kind="stable"), kind="stable") / len(activity)
    return np.where(rank < 0.05, "vip", np.where(rank < 0.4, "regular", "occasional")).astype(object)


def attributes_json(population: Population, i: int, member_since: str) -> str:
    """The customer's attributes as a compact JSON object string (sorted keys)."""
    attributes: dict[str, object] = {
        "gender": population.gender[i],
        "language": population.language[i],
        "member_since": member_since,
        "newsletter": bool(population.newsletter[i]),
    }
    if population.wardrobe[i]:
        attributes["wardrobe"] = [
            f"{CATEGORIES[c].path}:{COLOURS[col].name}" for c, col in population.wardrobe[i]
        ]
    return json.dumps(attributes, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def sizes_text(population: Population, i: int) -> str:
    """Registered sizes, e.g. ``shoe:24.5|kimono:M``."""
    parts = [f"shoe:{population.shoe_cm[i]:.1f}"]
    if population.interest[i, _CASUAL_KIMONO + _FORMAL_KIMONO].sum() > 0:
        parts.append(f"kimono:{'SML'[int(population.kimono_size[i]) - 1]}")
    return "|".join(parts)

"""The demo retailer's categories and how their demand moves through the year.

Each category carries what the simulation needs to know about it: its yearly
demand curve (bumps around festival season, New Year, graduation), how much
heat lifts it, how often it is returned, how long its deliveries take, and
how many of its buyers are attached to a brand (psychological loyalty) rather
than to a need (behavioural loyalty; see DOMAIN.md section 2).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Purpose tags an item can carry; the order fixes the bit of each in a mask.
PURPOSES: tuple[str, ...] = (
    "outdoor",
    "leisure",
    "town",
    "beach",
    "travel",
    "office",
    "festival",
    "formal",
    "ceremony",
    "home",
)
PURPOSE_BIT = {name: 1 << i for i, name in enumerate(PURPOSES)}

#: Size systems: shoe sizes in centimetres, garment letters, one size for all.
CM, LETTER, FREE = "cm", "letter", "free"

#: Temperature (°C) at which heat neither lifts nor damps demand.
REFERENCE_TEMPERATURE = 20.0


@dataclass(frozen=True)
class Bump:
    """A seasonal bump on the log-demand curve, centred on a day of the year."""

    day_of_year: int
    width_days: float
    height: float


@dataclass(frozen=True)
class Category:
    """A category of the demo retailer and the parameters of its demand."""

    path: str
    noun_ja: str
    noun_en: str
    size_system: str
    #: bumps on the yearly demand curve; outside them demand sits at its base level
    bumps: tuple[Bump, ...]
    #: log-demand change per °C above :data:`REFERENCE_TEMPERATURE`
    heat_per_degree: float
    return_rate: float
    #: share of the category's buyers whose loyalty is psychological
    psychological_share: float
    #: nominal replenishment lead time range (days, inclusive)
    lead_days: tuple[int, int]
    #: relative daily demand of one model in an average store
    model_demand: float
    #: categories whose items are worn together with this one (kimono ensembles)
    goes_with: tuple[str, ...] = ()


CATEGORIES: tuple[Category, ...] = (
    Category(
        "footwear>sandals",
        "サンダル",
        "sandals",
        CM,
        bumps=(Bump(190, 40, 0.7), Bump(124, 10, 0.3)),
        heat_per_degree=0.07,
        return_rate=0.035,
        psychological_share=0.40,
        lead_days=(5, 12),
        model_demand=1.0,
    ),
    Category(
        "footwear>clogs",
        "クロッグ",
        "clogs",
        CM,
        bumps=(Bump(200, 60, 0.4),),
        heat_per_degree=0.03,
        return_rate=0.03,
        psychological_share=0.45,
        lead_days=(5, 12),
        model_demand=0.8,
    ),
    Category(
        "kimono>yukata",
        "浴衣",
        "yukata",
        LETTER,
        bumps=(Bump(196, 20, 3.4), Bump(224, 7, 0.8)),
        heat_per_degree=0.02,
        return_rate=0.015,
        psychological_share=0.25,
        lead_days=(3, 8),
        model_demand=0.9,
        goes_with=("kimono>obi", "kimono>geta"),
    ),
    Category(
        "kimono>obi",
        "帯",
        "obi",
        FREE,
        bumps=(Bump(196, 22, 2.4), Bump(5, 22, 1.0)),
        heat_per_degree=0.0,
        return_rate=0.01,
        psychological_share=0.20,
        lead_days=(3, 8),
        model_demand=0.7,
        goes_with=("kimono>yukata", "kimono>formal"),
    ),
    Category(
        "kimono>geta",
        "下駄",
        "geta",
        LETTER,
        bumps=(Bump(198, 20, 3.0),),
        heat_per_degree=0.03,
        return_rate=0.02,
        psychological_share=0.30,
        lead_days=(4, 10),
        model_demand=0.6,
        goes_with=("kimono>yukata",),
    ),
    Category(
        "kimono>zori",
        "草履",
        "zori",
        LETTER,
        bumps=(Bump(5, 16, 1.5), Bump(64, 12, 1.0), Bump(298, 15, 0.7)),
        heat_per_degree=0.0,
        return_rate=0.02,
        psychological_share=0.30,
        lead_days=(5, 14),
        model_demand=0.35,
        goes_with=("kimono>formal",),
    ),
    Category(
        "kimono>formal",
        "着物",
        "kimono",
        LETTER,
        bumps=(Bump(5, 20, 1.6), Bump(64, 12, 1.0), Bump(298, 15, 0.8)),
        heat_per_degree=0.0,
        return_rate=0.01,
        psychological_share=0.35,
        lead_days=(7, 21),
        model_demand=0.25,
        goes_with=("kimono>obi", "kimono>zori"),
    ),
)

CATEGORY_INDEX = {c.path: i for i, c in enumerate(CATEGORIES)}


def purpose_mask(tags: tuple[str, ...] | list[str]) -> int:
    """Bit mask of purpose ``tags`` (unknown tags are an error in the static data)."""
    mask = 0
    for tag in tags:
        mask |= PURPOSE_BIT[tag]
    return mask


def purpose_tags(mask: int) -> list[str]:
    """The purpose tags set in ``mask``, in :data:`PURPOSES` order."""
    return [name for name, bit in PURPOSE_BIT.items() if mask & bit]


def seasonal_log_demand(day_of_year: np.ndarray) -> np.ndarray:
    """Calendar part of log-demand, one row per category, one column per day.

    Each row is normalised to a mean of zero over the year so that the
    seasonal curve moves demand around without changing its yearly level;
    heat and promotions come on top.

    Parameters
    ----------
    day_of_year
        1-based day of the year of each simulated day.

    Returns
    -------
    numpy.ndarray
        Shape ``(len(CATEGORIES), len(day_of_year))``.
    """
    grid = np.arange(1, 366)
    curves = np.empty((len(CATEGORIES), len(day_of_year)))
    for k, category in enumerate(CATEGORIES):
        year = _curve(category, grid)
        # Normalise on the demand scale, where the yearly mean is what matters.
        curves[k] = _curve(category, day_of_year) - np.log(np.exp(year).mean())
    return curves


def _curve(category: Category, day_of_year: np.ndarray) -> np.ndarray:
    # Bumps add on the demand scale, so overlapping ones do not multiply up.
    demand = np.ones(day_of_year.shape, dtype=float)
    for bump in category.bumps:
        # Circular distance, so a bump on 5 January also lifts late December.
        distance = np.abs(day_of_year - bump.day_of_year)
        distance = np.minimum(distance, 365 - distance)
        demand += np.expm1(bump.height * np.exp(-0.5 * (distance / bump.width_days) ** 2))
    return np.log(demand)


def heat_log_lift(category_index: np.ndarray, temperature_c: np.ndarray) -> np.ndarray:
    """Log-demand lift from temperature, clipped to the range where it still acts."""
    beta = np.array([c.heat_per_degree for c in CATEGORIES])[category_index]
    return beta * (np.clip(temperature_c, 0.0, 35.0) - REFERENCE_TEMPERATURE)


def size_fit(customer_size: np.ndarray, item_size: np.ndarray) -> np.ndarray:
    """How well an item's size fits a customer, 1 (exact) down to 0.01 (a gift at most).

    Sizes are numbers: centimetres for shoes, 1-3 for S/M/L; NaN means one size,
    which fits everyone. Half a centimetre off still often fits a sandal.
    """
    customer_size, item_size = np.broadcast_arrays(
        np.asarray(customer_size, float), np.asarray(item_size, float)
    )
    free = np.isnan(customer_size) | np.isnan(item_size)
    distance = np.abs(np.where(free, 0.0, customer_size - item_size))
    shoes = np.where(free, 0.0, item_size) > 10
    fit_cm = np.select([distance < 0.25, distance < 0.75, distance < 1.25], [1.0, 0.5, 0.08], 0.01)
    fit_letter = np.select([distance < 0.5, distance < 1.5], [1.0, 0.2], 0.02)
    return np.where(free, 1.0, np.where(shoes, fit_cm, fit_letter))

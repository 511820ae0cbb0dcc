"""The item master: models from templates, expanded into colour × size SKUs.

A SKU is one model in one colour and one size. Templates are taken in order
(see :mod:`substitute.demo.brands`); once all are used, variants of them
("Hurricane XLT2 Limited") are made, so any catalogue size can be reached.
Days are counted from the first simulated day (day 0); a launch before the
window has a negative day.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from substitute.demo.brands import BRAND_INDEX, BRANDS, COLOUR_INDEX, COLOURS, TEMPLATES, VARIANTS
from substitute.demo.categories import CATEGORIES, CATEGORY_INDEX, CM, FREE, purpose_mask

#: Letter sizes on a numeric scale, so that "one size off" is a distance of 1.
LETTER_SIZES = {"S": 1.0, "M": 2.0, "L": 3.0}
#: Share of demand by colour rank within a model (most popular colour first).
COLOUR_SHARE = (1.0, 0.65, 0.45, 0.35)
#: A day far after any window: "never discontinued".
NEVER = 1_000_000


@dataclass(frozen=True)
class Model:
    """A product model: every SKU of it shares brand, category, purposes and price."""

    code: str
    name: str
    name_ja: str
    brand_idx: int
    category_idx: int
    purposes: int
    price: int


@dataclass
class Catalogue:
    """Items as parallel arrays, one entry per SKU (``item_idx``)."""

    models: list[Model]
    sku: np.ndarray  # object (str)
    name: np.ndarray  # object (str)
    size: np.ndarray  # object (str): "24.5", "M", "F"
    model_idx: np.ndarray
    brand_idx: np.ndarray
    category_idx: np.ndarray
    colour_idx: np.ndarray
    #: centimetres for shoes, 1-3 for S/M/L, NaN for one size
    size_value: np.ndarray
    purposes: np.ndarray  # bit mask, see categories.PURPOSES
    price: np.ndarray  # JPY
    launch_day: np.ndarray
    discontinue_day: np.ndarray
    #: relative demand of the SKU in an average store and season
    popularity: np.ndarray

    @property
    def n(self) -> int:
        """Number of SKUs."""
        return len(self.sku)

    @property
    def active(self) -> np.ndarray:
        """False for SKUs discontinued within the window."""
        return self.discontinue_day >= NEVER


def size_value(size: str) -> float:
    """Numeric value of a size label: centimetres, 1-3 for S/M/L, NaN for one size."""
    if size in LETTER_SIZES:
        return LETTER_SIZES[size]
    if size == "F":
        return float("nan")
    return float(size)


def build_catalogue(n_items: int, days: int, rng: np.random.Generator) -> Catalogue:
    """Make ``n_items`` SKUs whose launches and discontinuations fall around a ``days`` window.

    Parameters
    ----------
    n_items
        Exact number of SKUs.
    days
        Length of the simulated window; day 0 is its first day.
    rng
        Source of randomness; the catalogue is a pure function of its state.
    """
    models: list[Model] = []
    rows: list[tuple[int, int, str, float, int]] = []  # model, colour, size, popularity, colour rank
    model_pop: list[float] = []
    per_brand: dict[int, int] = {}
    total = 0
    while total < n_items:
        i = len(models)
        template = TEMPLATES[i % len(TEMPLATES)]
        cycle = i // len(TEMPLATES)
        brand_idx = BRAND_INDEX[template.brand]
        category_idx = CATEGORY_INDEX[template.category]
        category = CATEGORIES[category_idx]
        name, name_ja, price = template.name, template.name_ja, template.price
        colours = list(template.colours)
        if cycle:
            suffix, suffix_ja = VARIANTS[(cycle - 1) % len(VARIANTS)]
            series = (cycle - 1) // len(VARIANTS)
            tail = f" {series + 1}" if series else ""
            name, name_ja = f"{name} {suffix}{tail}", f"{name_ja} {suffix_ja}{tail}"
            price = int(round(price * rng.uniform(0.85, 1.2), -1))
            # Variants come in other colour orders, so their best seller differs.
            colours = list(rng.permutation(colours))
        number = per_brand.get(brand_idx, 1000) + 1
        per_brand[brand_idx] = number
        brand = BRANDS[brand_idx]
        models.append(
            Model(
                code=f"{brand.code}-{number}",
                name=name,
                name_ja=name_ja,
                brand_idx=brand_idx,
                category_idx=category_idx,
                purposes=purpose_mask(template.purposes),
                price=price,
            )
        )
        model_pop.append(template.popularity * category.model_demand * (0.6 if cycle else 1.0))
        if category.size_system == CM:
            n_colours = min(len(colours), int(rng.choice([2, 3], p=[0.6, 0.4])))
            n_sizes = int(rng.choice([3, 4]))
        else:
            n_colours = min(len(colours), 3 if category.size_system == FREE else 2)
            n_sizes = len(template.sizes)
        first = (len(template.sizes) - n_sizes) // 2
        sizes = template.sizes[first : first + n_sizes]
        centre = _size_centre(template.sizes)
        for rank, colour in enumerate(colours[:n_colours]):
            for size in sizes:
                share = COLOUR_SHARE[rank] * _size_share(size, centre)
                rows.append((i, COLOUR_INDEX[colour], size, share, rank))
        total = len(rows)
    rows = rows[:n_items]
    model_of = np.array([r[0] for r in rows], dtype=np.int64)
    colour_of = np.array([r[1] for r in rows], dtype=np.int64)
    size_labels = [r[2] for r in rows]
    shares = np.array([r[3] for r in rows])
    model_weight = np.array(model_pop) * rng.lognormal(0.0, 0.3, size=len(models))
    launch_model, discontinue_model = _model_life(len(models), days, rng)
    # A few colours arrive after their model: "new colour" launches.
    colour_rank = np.array([r[4] for r in rows])
    late_colour = (colour_rank > 0) & (rng.random(len(rows)) < 0.12)
    launch = launch_model[model_of].copy()
    launch[late_colour] = np.maximum(launch[late_colour], rng.integers(0, max(days, 1), late_colour.sum()))
    triples = list(zip(model_of.tolist(), colour_of.tolist(), size_labels, strict=True))
    skus = [f"{models[m].code}-{COLOURS[c].code}-{s.replace('.', '')}" for m, c, s in triples]
    names = [
        f"{BRANDS[models[m].brand_idx].name} {models[m].name} ({models[m].name_ja}) "
        f"{COLOURS[c].name} {s + 'cm' if s[0].isdigit() else s}"
        for m, c, s in triples
    ]
    return Catalogue(
        models=models,
        sku=np.array(skus, dtype=object),
        name=np.array(names, dtype=object),
        size=np.array(size_labels, dtype=object),
        model_idx=model_of,
        brand_idx=np.array([m.brand_idx for m in models], dtype=np.int64)[model_of],
        category_idx=np.array([m.category_idx for m in models], dtype=np.int64)[model_of],
        colour_idx=colour_of,
        size_value=np.array([size_value(s) for s in size_labels]),
        purposes=np.array([m.purposes for m in models], dtype=np.int64)[model_of],
        price=np.array([m.price for m in models], dtype=np.int64)[model_of],
        launch_day=launch,
        discontinue_day=discontinue_model[model_of],
        popularity=model_weight[model_of] * shares,
    )


def _size_centre(sizes: tuple[str, ...]) -> float:
    values = [size_value(s) for s in sizes]
    return float(np.mean(values)) if not np.isnan(values[0]) else float("nan")


def _size_share(size: str, centre: float) -> float:
    value = size_value(size)
    if np.isnan(value):
        return 1.0
    if size in LETTER_SIZES:
        return {1.0: 0.3, 2.0: 0.45, 3.0: 0.3}[value]
    return float(np.exp(-0.5 * ((value - centre) / 1.3) ** 2))


def _model_life(n_models: int, days: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Launch and discontinuation day of each model."""
    launch = -rng.integers(120, 2200, n_models)
    # The first templates are the long-standing best sellers; later models and
    # variants are newer, and some arrive within the window.
    fresh = (np.arange(n_models) >= 12) & (rng.random(n_models) < 0.25)
    launch[fresh] = rng.integers(0, max(days - 1, 1), fresh.sum())
    # A few launch in the last weeks: hot items with almost no history.
    candidates = np.flatnonzero(np.arange(n_models) >= 8)
    n_recent = min(len(candidates), max(1, round(0.05 * n_models)))
    recent = rng.choice(candidates, n_recent, replace=False) if n_recent else np.array([], dtype=np.int64)
    launch[recent] = days - rng.integers(5, 29, len(recent))
    discontinue = np.full(n_models, NEVER, dtype=np.int64)
    old = np.flatnonzero((launch < 0) & (np.arange(n_models) >= 8))
    n_gone = round(0.05 * n_models)
    if n_gone and len(old):
        gone = rng.choice(old, min(n_gone, len(old)), replace=False)
        discontinue[gone] = rng.integers(
            int(days * 0.3), max(int(days * 0.85), int(days * 0.3) + 1), len(gone)
        )
    return launch.astype(np.int64), discontinue

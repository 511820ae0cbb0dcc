"""The item table: every attribute the candidates and the ranking read, as arrays.

Built once per training from the catalogue, sales and reviews, saved in the
artifact, and indexed by ``item_idx`` (the position of the SKU in the sorted
SKU list). Strings become integer codes so a query compares integers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from substitute.recommend.frames import Col
from substitute.recommend.ids import IdMap

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["PRICE_BANDS", "ItemTable", "build_item_table", "decay_weights", "split_tags"]

PRICE_BANDS = ("low", "mid", "high")
#: Reviews at which an item's own label shares weigh as much as its category's.
REVIEW_PRIOR_STRENGTH = 10.0
_TAG_SPLIT = re.compile(r"[|,;/]")


def split_tags(text: object) -> list[str]:
    """``"Outdoor | leisure"`` -> ``["leisure", "outdoor"]`` (sorted, lower case, unique)."""
    if not isinstance(text, str):
        return []
    return sorted({t.strip().lower() for t in _TAG_SPLIT.split(text) if t.strip()})


def decay_weights(days_old: np.ndarray, half_life_days: float) -> np.ndarray:
    """Exponential time decay: a purchase ``half_life_days`` old counts half."""
    return np.power(0.5, np.maximum(days_old, 0) / half_life_days)


def _codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes (-1 for missing) and the sorted names they stand for."""
    import pandas as pd

    text = values.astype("string").str.strip()
    text = text.mask(text.isna() | (text == ""))
    cat = pd.Categorical(text, categories=sorted(text.dropna().unique()))
    return cat.codes.astype(np.int32), np.asarray(cat.categories, dtype=str)


@dataclass
class ItemTable:
    """Item attributes by ``item_idx``; see :func:`build_item_table`."""

    sku: np.ndarray
    name: np.ndarray
    category: np.ndarray
    category_names: np.ndarray
    brand: np.ndarray
    brand_names: np.ndarray
    model: np.ndarray
    colour: np.ndarray
    colour_names: np.ndarray
    size: np.ndarray
    price: np.ndarray
    price_band: np.ndarray
    purpose_indptr: np.ndarray
    purpose_indices: np.ndarray
    purpose_names: np.ndarray
    category_indptr: np.ndarray
    category_items: np.ndarray
    popularity: np.ndarray
    psych_share: np.ndarray
    n_reviews: np.ndarray

    @property
    def n_items(self) -> int:
        return len(self.sku)

    def ids(self) -> IdMap:
        return IdMap.from_array(self.sku)

    def purposes(self, item_idx: int) -> np.ndarray:
        """Purpose tag indices of one item."""
        return self.purpose_indices[self.purpose_indptr[item_idx] : self.purpose_indptr[item_idx + 1]]

    def in_category(self, category: int) -> np.ndarray:
        """Item indices of one category, sorted."""
        return self.category_items[self.category_indptr[category] : self.category_indptr[category + 1]]

    @cached_property
    def cross_category_models(self) -> dict[int, np.ndarray]:
        """Models with items in more than one category (rare): model -> its items, sorted."""
        has = self.model >= 0
        pairs = np.unique(np.stack([self.model[has], self.category[has]]), axis=1)
        models, counts = np.unique(pairs[0], return_counts=True)
        return {int(m): np.flatnonzero(self.model == m) for m in models[counts > 1]}

    def same_model_elsewhere(self, item_idx: int) -> np.ndarray:
        """Items of ``item_idx``'s model in other categories, sorted (usually none)."""
        others = self.cross_category_models.get(int(self.model[item_idx]))
        if others is None:
            return np.zeros(0, dtype=np.int64)
        return others[self.category[others] != self.category[item_idx]]

    def purpose_matrix(self) -> np.ndarray:
        """Dense items × tags booleans (the tag vocabulary is small)."""
        out = np.zeros((self.n_items, max(len(self.purpose_names), 1)), dtype=bool)
        rows = np.repeat(np.arange(self.n_items), np.diff(self.purpose_indptr))
        out[rows, self.purpose_indices] = True
        return out

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {f.name: getattr(self, f.name) for f in fields(self)}  # fields only, not the caches

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> ItemTable:
        return cls(**{f.name: arrays[f.name] for f in fields(cls)})


def _price_bands(price: np.ndarray, category: np.ndarray) -> np.ndarray:
    """Terciles of price within each category: 0 low, 1 mid, 2 high, -1 unknown."""
    import pandas as pd

    frame = pd.DataFrame({"price": price, "category": category})
    # Mid-rank percentiles: a lone priced item is "mid", not "high".
    rank = frame.groupby("category")["price"].rank(method="average")
    count = frame.groupby("category")["price"].transform("count")
    pct = ((rank - 0.5) / count).to_numpy()
    band = np.floor(np.nan_to_num(pct, nan=-1.0) * 3).clip(-1, 2).astype(np.int8)
    band[np.isnan(price)] = -1
    return band


def _review_shares(
    reviews: pd.DataFrame | None, ids: IdMap, category: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Psychological share of each item's motive-bearing reviews, smoothed toward its category.

    ``(n_psych + a m) / (n_psych + n_behav + a)`` with ``m`` the category's
    Laplace-smoothed share: additive smoothing, so one review never decides.
    """
    n = len(ids)
    psych = np.zeros(n)
    behav = np.zeros(n)
    if reviews is not None and len(reviews):
        idx = ids.index(reviews[Col.SKU].to_numpy())
        label = reviews[Col.LABEL].astype("string").str.lower().fillna("").to_numpy()
        ok = idx >= 0
        np.add.at(psych, idx[ok & (label == "psychological")], 1.0)
        np.add.at(behav, idx[ok & np.isin(label, ["behavioral", "behavioural"])], 1.0)
    n_cat = int(category.max()) + 1 if n else 0
    cat_p = np.bincount(category, weights=psych, minlength=n_cat)
    cat_b = np.bincount(category, weights=behav, minlength=n_cat)
    m = (cat_p + 1.0) / (cat_p + cat_b + 2.0)
    share = (psych + REVIEW_PRIOR_STRENGTH * m[category]) / (psych + behav + REVIEW_PRIOR_STRENGTH)
    return share.astype(np.float32), (psych + behav).astype(np.int32)


def build_item_table(
    items: pd.DataFrame,
    sales: pd.DataFrame,
    reviews: pd.DataFrame | None,
    as_of: np.datetime64,
    half_life_days: float,
) -> ItemTable:
    """Codes, price bands, purpose tags, category lists, popularity and review shares.

    Items without a category are put in one category named ``""`` so that
    every item has a pool.
    """
    items = items.drop_duplicates(Col.SKU).copy()
    items[Col.SKU] = items[Col.SKU].astype(str)
    items = items.sort_values(Col.SKU, kind="stable").reset_index(drop=True)
    ids = IdMap.from_array(items[Col.SKU].to_numpy(dtype=str))

    def column(name: str) -> pd.Series:
        import pandas as pd

        return items[name] if name in items.columns else pd.Series([None] * len(items), dtype=object)

    category, category_names = _codes(column(Col.CATEGORY).fillna(""))
    brand, brand_names = _codes(column(Col.BRAND))
    model_key = column(Col.MODEL).astype("string")
    # A model is only "the same model" within its brand.
    model_key = column(Col.BRAND).astype("string").fillna("") + "\x1f" + model_key
    model, _ = _codes(model_key)
    colour, colour_names = _codes(column(Col.COLOUR))
    size = column(Col.SIZE).astype("string").str.strip().fillna("").to_numpy(dtype=str)
    price = column(Col.PRICE).astype("Float64").to_numpy(dtype=float, na_value=np.nan)

    tag_lists = [split_tags(t) for t in column(Col.PURPOSE).tolist()]
    purpose_names = np.array(sorted({t for tags in tag_lists for t in tags}), dtype=str)
    tag_index = {t: i for i, t in enumerate(purpose_names.tolist())}
    purpose_indptr = np.zeros(len(items) + 1, dtype=np.int64)
    purpose_indptr[1:] = np.cumsum([len(t) for t in tag_lists])
    purpose_indices = np.array([tag_index[t] for tags in tag_lists for t in tags], dtype=np.int32)

    order = np.lexsort((np.arange(len(items)), category))
    category_indptr = np.zeros(len(category_names) + 1, dtype=np.int64)
    category_indptr[1:] = np.cumsum(np.bincount(category, minlength=len(category_names)))

    popularity = np.zeros(len(items), dtype=np.float64)
    if len(sales):
        idx = ids.index(sales[Col.SKU].astype(str).to_numpy())
        age = (as_of - sales[Col.DATE].to_numpy(dtype="datetime64[D]")).astype(float)
        weight = sales[Col.QUANTITY].to_numpy(dtype=float) * decay_weights(age, half_life_days)
        ok = idx >= 0
        np.add.at(popularity, idx[ok], weight[ok])
    psych_share, n_reviews = _review_shares(reviews, ids, category)

    return ItemTable(
        sku=ids.external,
        name=column(Col.NAME).astype("string").fillna("").to_numpy(dtype=str),
        category=category,
        category_names=category_names,
        brand=brand,
        brand_names=brand_names,
        model=np.where(column(Col.MODEL).notna().to_numpy(), model, -1).astype(np.int32),
        colour=colour,
        colour_names=colour_names,
        size=size,
        price=price,
        price_band=_price_bands(price, category),
        purpose_indptr=purpose_indptr,
        purpose_indices=purpose_indices,
        purpose_names=purpose_names,
        category_indptr=category_indptr,
        category_items=order.astype(np.int32),
        popularity=np.maximum(popularity, 0).astype(np.float32),
        psych_share=psych_share,
        n_reviews=n_reviews,
    )

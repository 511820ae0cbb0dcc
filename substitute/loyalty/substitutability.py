"""How substitutable an item, a model or a brand is, read from its reviews.

DOMAIN.md §3: an item whose reviews are mostly behavioural can be
substituted; one whose reviews are mostly psychological needs same-brand
answers. Per item (``sku``), model and brand, within a category:

``share_<label>``
    the share of its reviews with that label, smoothed toward the category's
    shares by a Dirichlet prior of strength ``a`` (additive smoothing with a
    data-driven pseudo-count)::

        share_k = (n_k + a c_k) / (n + a)

    with ``c_k = (N_k + 1) / (N + 3)`` the category's share (Laplace-smoothed
    so a label never seen in the category is not impossible).
``substitutability``
    ``share_behavioral / (share_behavioral + share_psychological)``: the
    chance that a review with a motive names a need rather than a brand; 0.5
    when neither label has any mass.

Choice of ``a``: it is the number of reviews at which an item's own shares
and the category's weigh the same. It is estimated per level and category by
the method of moments of the Dirichlet-multinomial
(:func:`substitute.loyalty.shrinkage.fit_dirichlet_strength`): when items
differ a lot the prior is weak, when their differences look like sampling
noise it is strong. With fewer than ``min_units`` reviewed units, or when the
estimate is undefined, the configured fallback (10 reviews) is used; it is
clipped to ``[strength_min, strength_max]`` (2–50) so that one review never
decides an item and a hundred always mostly do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from substitute.errors import DataError
from substitute.loyalty.profile_config import SubstitutabilityConfig
from substitute.loyalty.shrinkage import fit_dirichlet_strength
from substitute.loyalty.tables import REVIEW_LABELS, Col

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["LEVELS", "SUBSTITUTABILITY_COLUMNS", "substitutability"]

#: Levels in report order, with the column that keys each.
LEVELS = {"item": Col.SKU, "model": Col.MODEL, "brand": Col.BRAND}

SUBSTITUTABILITY_COLUMNS = [
    "level",
    "key",
    "category",
    "n_reviews",
    "n_psychological",
    "n_behavioral",
    "n_none",
    "share_psychological",
    "share_behavioral",
    "substitutability",
    "prior_strength",
]


def _with_attributes(reviews: pd.DataFrame, items: pd.DataFrame | None) -> pd.DataFrame:
    """Reviews with ``brand`` and ``model`` filled from the item table where missing."""
    frame = reviews.reset_index(drop=True).copy()
    for col in (Col.BRAND, Col.MODEL):
        if col not in frame.columns:
            frame[col] = None
    if items is not None:
        if Col.SKU not in items.columns:
            raise DataError("items lacks column sku; expected sku with brand and/or model")
        lookup = items.drop_duplicates(Col.SKU).set_index(Col.SKU)
        for col in (Col.BRAND, Col.MODEL):
            if col in lookup.columns:
                frame[col] = frame[col].where(frame[col].notna(), frame[Col.SKU].map(lookup[col]))
    return frame


def _label_counts(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    import pandas as pd

    known = frame[frame[key].notna()]
    labels = pd.Categorical(known[Col.LABEL], categories=list(REVIEW_LABELS))
    onehot = pd.get_dummies(labels).astype(int)
    onehot.columns = [f"n_{label}" for label in REVIEW_LABELS]
    onehot.index = pd.MultiIndex.from_arrays(
        [known[Col.CATEGORY].to_numpy(), known[key].astype(str).to_numpy()], names=["category", "key"]
    )
    return onehot.groupby(level=["category", "key"], sort=True).sum()


def substitutability(
    reviews: pd.DataFrame,
    items: pd.DataFrame | None = None,
    config: SubstitutabilityConfig | None = None,
) -> pd.DataFrame:
    """Smoothed label shares and substitutability per item, model and brand.

    Parameters
    ----------
    reviews
        ``sku, category, label`` (labels in :data:`REVIEW_LABELS`), optionally
        ``brand`` and ``model``.
    items
        Optional ``sku`` with ``brand`` and/or ``model``, filling what the
        reviews lack.
    config
        Smoothing settings; default :class:`SubstitutabilityConfig`.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SUBSTITUTABILITY_COLUMNS`, rows sorted by level
        (item, model, brand), category and key. Models and brands that no
        review can be tied to are absent.
    """
    import pandas as pd

    config = config or SubstitutabilityConfig()
    missing = [c for c in (Col.SKU, Col.CATEGORY, Col.LABEL) if c not in reviews.columns]
    if missing:
        raise DataError(f"reviews lack column(s) {', '.join(missing)}; expected sku, category, label")
    bad = ~reviews[Col.LABEL].isin(REVIEW_LABELS)
    if bad.any():
        raise DataError(
            f"reviews: label {reviews.loc[bad, Col.LABEL].iloc[0]!r} is not one of {REVIEW_LABELS}"
        )
    frame = _with_attributes(reviews, items)
    names = [f"n_{label}" for label in REVIEW_LABELS]

    totals = _label_counts(frame, Col.SKU).groupby(level="category").sum()
    category_share = (totals[names] + 1.0).div(totals[names].sum(axis=1) + len(names), axis=0)

    parts = []
    for level, key in LEVELS.items():
        counts = _label_counts(frame, key)
        if counts.empty:
            continue
        categories = counts.index.get_level_values("category")
        for category in sorted(categories.unique(), key=str):
            block = counts[categories == category]
            table = block[names].to_numpy(dtype=float)
            if config.prior_strength == "auto":
                strength, _ = fit_dirichlet_strength(
                    table,
                    s_min=config.strength_min,
                    s_max=config.strength_max,
                    fallback=config.fallback_strength,
                    min_units=config.min_units,
                )
            else:
                strength = float(config.prior_strength)
            prior = category_share[names].to_numpy(dtype=float)[category_share.index.get_loc(category)]
            n = table.sum(axis=1, keepdims=True)
            shares = (table + strength * prior) / (n + strength)
            psy, beh = shares[:, 0], shares[:, 1]
            motive = psy + beh
            with np.errstate(invalid="ignore", divide="ignore"):
                subst = np.where(motive > 0, beh / motive, 0.5)
            parts.append(
                pd.DataFrame(
                    {
                        "level": level,
                        "key": block.index.get_level_values("key"),
                        "category": category,
                        "n_reviews": n[:, 0].astype(int),
                        "n_psychological": table[:, 0].astype(int),
                        "n_behavioral": table[:, 1].astype(int),
                        "n_none": table[:, 2].astype(int),
                        "share_psychological": psy,
                        "share_behavioral": beh,
                        "substitutability": subst,
                        "prior_strength": strength,
                    }
                )
            )
    if not parts:
        return pd.DataFrame(columns=SUBSTITUTABILITY_COLUMNS)
    return pd.concat(parts, ignore_index=True)[SUBSTITUTABILITY_COLUMNS]

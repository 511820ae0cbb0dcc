"""Who bought it: drawing the member customer behind each unit sold in a shop.

Units are simulated per item; the buyer is drawn afterwards in proportion to
how much each member shops there, cares for the category, and is drawn to the
item (the *pull*). Pull is what makes loyalty show in purchases:

* a psychologically loyal customer is pulled 6.0 by their favourite model,
  1.0 by other models of its brand and 0.04 by any other brand;
* a behavioural one by items that fit their need (1.0, else 0.3) and their
  price band (1.0 / 0.45 / 0.15 by distance), whatever the brand;
* and everyone by their size (:func:`substitute.demo.categories.size_fit`).

The psychological pull is a sum, 0.04 (any item) + 0.96 (same brand) + 5.0
(same model), so a draw decomposes: pick a *pool* (everyone psychological,
the fans of the item's brand, the fans of its model, or one behavioural
profile) by its total pull, then a size, then a member of that pool and size
by weight. Each step costs a few numbers per unit, so 200,000 customers and
50,000 items stay cheap; :meth:`CustomerSampler.pull_matrix` spells the same
distribution out member by member, as an oracle for tests.
"""

from __future__ import annotations

import numpy as np

from substitute.demo.brands import BRANDS
from substitute.demo.catalogue import Catalogue
from substitute.demo.categories import CATEGORIES, size_fit
from substitute.demo.population import Population

PULL_FAVOURITE_MODEL, PULL_FAVOURITE_BRAND, PULL_OTHER_BRAND = 6.0, 1.0, 0.04
PULL_NO_PURPOSE = 0.3
PULL_PRICE = (1.0, 0.45, 0.15)
_SHARES = (
    PULL_OTHER_BRAND,
    PULL_FAVOURITE_BRAND - PULL_OTHER_BRAND,
    PULL_FAVOURITE_MODEL - PULL_FAVOURITE_BRAND,
)


def _normalised_cdf(masses: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row-wise cumulative shares ending in exactly 1.0, and each row's total."""
    cum = np.cumsum(masses, axis=1)
    total = cum[:, -1] if cum.shape[1] else np.zeros(len(cum))
    return cum / np.where(total > 0, total, 1.0)[:, None], total


def _draw_rows(cdf: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Column drawn in each row of ``cdf`` for uniforms ``u`` in (0, 1]."""
    return np.minimum((cdf < u[:, None]).sum(axis=1), cdf.shape[1] - 1)


class _Pools:
    """Members of one shop who buy one category, arranged in pools × size classes."""

    def __init__(
        self, members: np.ndarray, weight: np.ndarray, population: Population, category: int, n_models: int
    ) -> None:
        self.members_all, self.weight_all = members, weight
        size = population.size_value(category)[members]
        code = np.where(np.isnan(size), -1, np.round(size * 2)).astype(np.int64)
        codes, size_class = np.unique(code, return_inverse=True)
        self.size_values = np.where(codes < 0, np.nan, codes / 2.0)
        self.n_sizes = len(codes)
        psych = population.psychological[members, category]
        self.psychological_all = psych
        behav_key = population.purposes[members, category] * 4 + population.price_band[members]
        keys, behav_row = np.unique(behav_key[~psych], return_inverse=True)
        self.behav_purposes = keys // 4
        self.behav_band = keys % 4
        n_brands = len(BRANDS)
        self.brand_row0, self.model_row0 = 1, 1 + n_brands
        self.behav_row0 = 1 + n_brands + n_models
        self.n_rows = self.behav_row0 + len(keys)
        # A psychological member sits in three pools: everyone, their brand's fans, their model's fans.
        p = np.flatnonzero(psych)
        b = np.flatnonzero(~psych)
        rows = np.concatenate(
            [
                np.zeros(len(p), dtype=np.int64),
                self.brand_row0 + population.fav_brand[members[p], category],
                self.model_row0 + population.fav_model[members[p], category],
                self.behav_row0 + behav_row.ravel(),
            ]
        )
        entry = np.concatenate([p, p, p, b])
        cell = rows * self.n_sizes + size_class.ravel()[entry]
        self.table = np.bincount(cell, weights=weight[entry], minlength=self.n_rows * self.n_sizes).reshape(
            self.n_rows, self.n_sizes
        )
        order = np.lexsort((members[entry], cell))
        self.entry_member = members[entry][order]
        entry_cell = cell[order]
        cum = np.cumsum(weight[entry][order])
        start = np.concatenate([[0.0], np.cumsum(self.table.ravel())[:-1]])
        total = self.table.ravel()
        self.entry_cdf = entry_cell + (cum - start[entry_cell]) / total[entry_cell]
        # Rounding must never carry a draw into a neighbouring cell.
        cells = np.arange(self.n_rows * self.n_sizes)
        self.cell_first = np.searchsorted(entry_cell, cells, side="left")
        self.cell_last = np.searchsorted(entry_cell, cells, side="right") - 1

    def pool_masses(
        self, catalogue: Catalogue, items: np.ndarray, tercile: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Pull of each pool on each item: (items × pools) masses and the pools' row numbers."""
        fit = size_fit(self.size_values[None, :], catalogue.size_value[items][:, None])  # items × sizes
        rows_psych = np.stack(
            [
                np.zeros(len(items), dtype=np.int64),
                self.brand_row0 + catalogue.brand_idx[items],
                self.model_row0 + catalogue.model_idx[items],
            ],
            axis=1,
        )
        psych = (self.table[rows_psych] * fit[:, None, :]).sum(axis=2) * np.asarray(_SHARES)[None, :]
        behav_table = self.table[self.behav_row0 :]
        fits_need = (self.behav_purposes[None, :] & catalogue.purposes[items][:, None]) != 0
        price = np.asarray(PULL_PRICE)[np.abs(self.behav_band[None, :] - tercile[items][:, None])]
        behav = (fit @ behav_table.T) * np.where(fits_need, 1.0, PULL_NO_PURPOSE) * price
        rows_behav = np.broadcast_to(self.behav_row0 + np.arange(behav_table.shape[0]), behav.shape)
        return np.concatenate([psych, behav], axis=1), np.concatenate([rows_psych, rows_behav], axis=1)

    def draw(
        self, catalogue: Catalogue, items: np.ndarray, tercile: np.ndarray, rng: np.random.Generator
    ) -> np.ndarray:
        """A member for each unit of ``items`` (-1 where nobody here would buy it)."""
        unique, column = np.unique(items, return_inverse=True)
        masses, rows = self.pool_masses(catalogue, unique, tercile)
        cdf, total = _normalised_cdf(masses)
        u_pool, u_size, u_member = 1.0 - rng.random((3, len(items)))
        # One search over all items' cumulative shares, each offset by its item number.
        flat = (cdf + np.arange(len(unique))[:, None]).ravel()
        pool = np.searchsorted(flat, column + u_pool, side="left") - column * cdf.shape[1]
        pool = np.clip(pool, 0, cdf.shape[1] - 1)
        row = rows[column, pool]
        fit = size_fit(self.size_values[None, :], catalogue.size_value[items][:, None])
        size_cdf, size_total = _normalised_cdf(self.table[row] * fit)
        cell = row * self.n_sizes + _draw_rows(size_cdf, u_size)
        pick = np.searchsorted(self.entry_cdf, cell + u_member * (1 - 1e-12), side="right")
        pick = np.clip(pick, self.cell_first[cell], np.maximum(self.cell_last[cell], self.cell_first[cell]))
        buyer = self.entry_member[np.minimum(pick, len(self.entry_member) - 1)]
        return np.where((total[column] > 0) & (size_total > 0), buyer, -1)

    def pull_matrix(
        self,
        catalogue: Catalogue,
        items: np.ndarray,
        tercile: np.ndarray,
        population: Population,
        category: int,
    ) -> np.ndarray:
        """Oracle: each member's (weight × pull) on each item, members × items, computed directly."""
        m = self.members_all
        model, brand = catalogue.model_idx[items][None, :], catalogue.brand_idx[items][None, :]
        fav_model = population.fav_model[m, category][:, None]
        fav_brand = population.fav_brand[m, category][:, None]
        psych_pull = np.where(
            fav_model == model,
            PULL_FAVOURITE_MODEL,
            np.where(fav_brand == brand, PULL_FAVOURITE_BRAND, PULL_OTHER_BRAND),
        )
        fits = (population.purposes[m, category][:, None] & catalogue.purposes[items][None, :]) != 0
        price = np.asarray(PULL_PRICE)[np.abs(population.price_band[m][:, None] - tercile[items][None, :])]
        behav_pull = np.where(fits, 1.0, PULL_NO_PURPOSE) * price
        pull = np.where(self.psychological_all[:, None], psych_pull, behav_pull)
        fit = size_fit(population.size_value(category)[m][:, None], catalogue.size_value[items][None, :])
        return self.weight_all[:, None] * pull * fit


class CustomerSampler:
    """Draws the buyer of units sold in one shop; -1 is an anonymous (non-member) buyer."""

    def __init__(
        self,
        catalogue: Catalogue,
        population: Population,
        shop_idx: int,
        online: bool,
        anonymous_share: float,
    ) -> None:
        self.catalogue = catalogue
        self.anonymous_share = anonymous_share
        if online:
            visits = population.online_share
        else:
            visits = (population.home_shop == shop_idx) * (1.0 - population.online_share)
        self.pools: dict[int, _Pools] = {}
        for category in range(len(CATEGORIES)):
            weight = population.activity * visits * population.interest[:, category]
            members = np.flatnonzero(weight > 0)
            if len(members):
                self.pools[category] = _Pools(
                    members, weight[members], population, category, len(catalogue.models)
                )
        self.tercile = price_terciles(catalogue)

    def sample(self, items: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Customer index for each unit of ``items`` sold (item indices, one per unit)."""
        items = np.asarray(items, dtype=np.int64)
        buyer = np.full(len(items), -1, dtype=np.int64)
        member = rng.random(len(items)) >= self.anonymous_share
        categories = self.catalogue.category_idx[items]
        for category, pools in self.pools.items():
            units = np.flatnonzero(member & (categories == category))
            if len(units):
                buyer[units] = pools.draw(self.catalogue, items[units], self.tercile, rng)
        return buyer

    def psychological_share(self, items: np.ndarray) -> np.ndarray:
        """Share of each item's member buyers whose loyalty is psychological."""
        items = np.asarray(items, dtype=np.int64)
        categories = self.catalogue.category_idx[items]
        share = np.array([c.psychological_share for c in CATEGORIES])[categories]
        for category, pools in self.pools.items():
            where = np.flatnonzero(categories == category)
            if not len(where):
                continue
            masses, _ = pools.pool_masses(self.catalogue, items[where], self.tercile)
            total = masses.sum(axis=1)
            psych = masses[:, :3].sum(axis=1)
            share[where] = np.where(total > 0, psych / np.where(total > 0, total, 1.0), share[where])
        return share


def price_terciles(catalogue: Catalogue) -> np.ndarray:
    """Price band (0 low, 1 mid, 2 high) of each item within its category."""
    tercile = np.ones(catalogue.n, dtype=np.int64)
    for category in np.unique(catalogue.category_idx):
        where = catalogue.category_idx == category
        low, high = np.quantile(catalogue.price[where], [1 / 3, 2 / 3])
        tercile[where] = np.where(
            catalogue.price[where] <= low, 0, np.where(catalogue.price[where] > high, 2, 1)
        )
    return tercile

"""From units sold per day to till receipts: transactions, lines, buyers, returns.

Every unit sold gets a buyer (a member drawn by :mod:`substitute.demo.sampler`,
or anonymous). A member's units of one day in one shop make one transaction;
an anonymous shopper's units mostly stand alone, sometimes two together. A
substitute bought after an offer is its own transaction, at the time of the
``purchased`` event. Returns come back days later as their own transaction
with negative quantities at the price paid. Transaction ids count the shop's
receipts of the day in time order: ``S001-20260719-00042``.

A small share of the online shop's timestamps are written in UTC (``Z``), as
some e-commerce exports do, so that loaders must handle time zones.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from substitute.demo.clock import DayTexts, padded, sample_seconds, timestamps
from substitute.demo.promotions import discounted_price
from substitute.demo.sampler import CustomerSampler

UTC_SHARE_ONLINE = 0.05
ANONYMOUS_PAIR_SHARE = 0.25
REVIEW_SHARE = {True: 0.08, False: 0.035}  # online, in store
REVIEW_SHARE_RETURNED = 0.35


@dataclass
class ReviewPool:
    """Member purchases that will be reviewed (one entry per unit)."""

    item: np.ndarray
    customer: np.ndarray
    day: np.ndarray
    returned: np.ndarray
    return_day: np.ndarray
    shop: np.ndarray


@dataclass
class SalesLines:
    """One shop's sales lines, and the purchases its members will review."""

    table: pa.Table
    reviews: ReviewPool


def build_sales_lines(
    *,
    store_id: str,
    shop_idx: int,
    online: bool,
    items: np.ndarray,
    sku_text: pa.Array,
    customer_text: pa.Array,
    price: np.ndarray,
    regular_units: np.ndarray,
    discount: np.ndarray,
    offer_purchases: dict[str, np.ndarray],
    returns: dict[str, np.ndarray],
    sampler: CustomerSampler,
    days: DayTexts,
    rng: np.random.Generator,
) -> SalesLines:
    """Turn one shop's daily units into sales lines (see the module docstring).

    ``regular_units`` is (listings × days); ``items``/``price`` are per listing;
    ``sku_text``/``customer_text`` map item / customer indices to their ids.
    """
    n_days = regular_units.shape[1]
    rows, cols = np.nonzero(regular_units)
    counts = regular_units[rows, cols].astype(np.int64)
    listing = np.concatenate([np.repeat(rows, counts), offer_purchases["listing"]]).astype(np.int64)
    day = np.concatenate([np.repeat(cols, counts), offer_purchases["day"]]).astype(np.int64)
    n_regular = int(counts.sum())
    customer = np.concatenate([sampler.sample(items[listing[:n_regular]], rng), offer_purchases["customer"]])
    second = np.concatenate([np.full(n_regular, -1), offer_purchases["second"]]).astype(np.int64)
    is_offer = np.arange(len(listing)) >= n_regular

    returned, return_day = _mark_returns(listing, day, n_days, returns, rng)

    # Sale transactions: members by day, anonymous shoppers alone or in pairs, offers alone.
    member = (customer >= 0) & ~is_offer
    label = np.full(len(listing), -1, dtype=np.int64)
    if member.any():
        _, label[member] = np.unique(
            np.stack([day[member], customer[member]], axis=1), axis=0, return_inverse=True
        )
    next_label = int(label[member].max()) + 1 if member.any() else 0
    anon = np.flatnonzero((customer < 0) & ~is_offer)
    if len(anon):
        anon = anon[np.lexsort((rng.random(len(anon)), day[anon]))]
        new = np.ones(len(anon), dtype=bool)
        new[1:] = (day[anon][1:] != day[anon][:-1]) | (rng.random(len(anon) - 1) >= ANONYMOUS_PAIR_SHARE)
        label[anon] = next_label + np.cumsum(new) - 1
        next_label += int(new.sum())
    offers = np.flatnonzero(is_offer)
    label[offers] = next_label + np.arange(len(offers))
    n_sale_txn = next_label + len(offers)
    txn_day = np.zeros(n_sale_txn, dtype=np.int64)
    txn_day[label] = day
    txn_second = sample_seconds(rng, n_sale_txn, online)
    txn_second[label[offers]] = second[offers]
    txn_customer = np.full(n_sale_txn, -1, dtype=np.int64)
    txn_customer[label] = customer

    # Return transactions: a member brings back what they return that day together.
    back = np.flatnonzero(returned)
    r_label = np.zeros(len(back), dtype=np.int64)
    r_member = customer[back] >= 0
    if r_member.any():
        _, r_label[r_member] = np.unique(
            np.stack([return_day[back][r_member], customer[back][r_member]], axis=1),
            axis=0,
            return_inverse=True,
        )
    r_next = int(r_label.max()) + 1 if r_member.any() else 0
    r_label[~r_member] = r_next + np.arange((~r_member).sum())
    n_return_txn = (r_next + int((~r_member).sum())) if len(back) else 0
    r_day = np.zeros(n_return_txn, dtype=np.int64)
    r_day[r_label] = return_day[back]
    r_customer = np.full(n_return_txn, -1, dtype=np.int64)
    r_customer[r_label] = customer[back]

    all_day = np.concatenate([txn_day, r_day])
    all_second = np.concatenate([txn_second, sample_seconds(rng, n_return_txn, online)])
    all_customer = np.concatenate([txn_customer, r_customer])
    order = np.lexsort((np.arange(len(all_day)), all_second, all_day))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    first_of_day = np.searchsorted(all_day[order], all_day, side="left")
    seq = rank - first_of_day + 1

    # Lines: one per transaction, listing and price; returns carry the price paid.
    unit_price = discounted_price(price[listing], discount[listing, day])
    promo = discount[listing, day] > 0
    txn = np.concatenate([label, n_sale_txn + r_label])
    line_listing = np.concatenate([listing, listing[back]])
    line_price = np.concatenate([unit_price, unit_price[back]])
    line_promo = np.concatenate([promo, promo[back]])
    sign = np.concatenate([np.ones(len(listing), dtype=np.int64), -np.ones(len(back), dtype=np.int64)])
    keys = np.stack(
        [rank[txn], line_listing, line_price.astype(np.int64), line_promo.astype(np.int64)], axis=1
    )
    unique, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    quantity = np.bincount(inverse.ravel(), weights=sign, minlength=len(unique))
    t = txn[first]
    starts = np.searchsorted(unique[:, 0], unique[:, 0], side="left")
    line_no = np.arange(len(unique)) - starts + 1

    utc = (rng.random(len(all_day)) < UTC_SHARE_ONLINE) if online else np.zeros(len(all_day), dtype=bool)
    txn_id = pc.binary_join_element_wise(
        pa.scalar(f"{store_id}-"), days.compact_date(all_day[t]), pa.scalar("-"), padded(seq[t], 5), ""
    )
    customer_ids = customer_text.take(pa.array(all_customer[t], mask=all_customer[t] < 0))
    table = pa.table(
        {
            "store_id": pa.array(np.full(len(t), store_id, dtype=object), type=pa.string()),
            "txn_id": txn_id,
            "line": pa.array(line_no, type=pa.int64()),
            "timestamp": timestamps(days, all_day[t], all_second[t], utc[t]),
            "sku": sku_text.take(pa.array(items[line_listing[first]])),
            "customer_id": customer_ids,
            "quantity": pa.array(quantity, type=pa.float64()),
            "unit_price": pa.array(line_price[first], type=pa.float64()),
            "promo": pa.array(line_promo[first], type=pa.bool_()),
        }
    )
    review = _pick_reviews(customer, returned, online, rng)
    pool = ReviewPool(
        item=items[listing[review]],
        customer=customer[review],
        day=day[review],
        returned=returned[review],
        return_day=return_day[review],
        shop=np.full(len(review), shop_idx, dtype=np.int64),
    )
    return SalesLines(table=table, reviews=pool)


def _mark_returns(
    listing: np.ndarray,
    day: np.ndarray,
    n_days: int,
    returns: dict[str, np.ndarray],
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Which units come back, and when: each return record takes units of its listing-day."""
    returned = np.zeros(len(listing), dtype=bool)
    return_day = np.full(len(listing), -1, dtype=np.int64)
    if not len(returns["listing"]) or not len(listing):
        return returned, return_day
    unit_key = listing * n_days + day
    order = np.lexsort((rng.random(len(listing)), unit_key))
    sorted_key = unit_key[order]
    rank = np.arange(len(order)) - np.searchsorted(sorted_key, sorted_key, side="left")
    record_key = returns["listing"] * n_days + returns["sale_day"]
    by_key = np.argsort(record_key, kind="stable")
    found = np.minimum(np.searchsorted(record_key[by_key], sorted_key), len(by_key) - 1)
    match = record_key[by_key][found] == sorted_key
    quantity = np.where(match, returns["quantity"][by_key][found], 0)
    back = rank < quantity
    returned[order[back]] = True
    return_day[order[back]] = returns["return_day"][by_key][found][back]
    return returned, return_day


def _pick_reviews(
    customer: np.ndarray, returned: np.ndarray, online: bool, rng: np.random.Generator
) -> np.ndarray:
    share = np.where(returned, REVIEW_SHARE_RETURNED, REVIEW_SHARE[online])
    return np.flatnonzero((customer >= 0) & (rng.random(len(customer)) < share))

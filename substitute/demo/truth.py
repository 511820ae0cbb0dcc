"""Reading a generated folder's hidden truth back, to ask the choice model questions.

A benchmark that recommends substitutes for the demo retailer needs to know
whether a customer would have accepted them. :func:`load_world` reads the
items, customers and ``truth/`` of a generated folder and answers
``world.acceptance_probability(customer_id, wanted_sku, offered_sku)`` with
the same model (and parameters) that produced the past events.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from substitute.demo.categories import CATEGORIES, CM, LETTER
from substitute.demo.choice import (
    BEHAVIOURAL,
    ChoiceParams,
    CustomerTruth,
    ItemFacts,
    acceptance_probability,
)
from substitute.demo.population import category_size

_LETTERS = {"S": 1.0, "M": 2.0, "L": 3.0}


@dataclass
class World:
    """Items and customers' hidden truth of one generated folder."""

    items: dict[str, ItemFacts]
    customers: dict[tuple[str, str], CustomerTruth]
    params: ChoiceParams

    def customer(self, customer_id: str, category: str) -> CustomerTruth:
        """The customer's truth in ``category``; a category they never shop is behavioural."""
        truth = self.customers.get((customer_id, category))
        return truth or CustomerTruth(loyalty=BEHAVIOURAL, category=category, customer_id=customer_id)

    def acceptance_probability(
        self, customer_id: str, wanted_sku: str, offered_sku: str, rank: int = 1
    ) -> float:
        """Probability that ``customer_id``, who came for ``wanted_sku``, accepts ``offered_sku``."""
        wanted, offered = self.items[wanted_sku], self.items[offered_sku]
        customer = self.customer(customer_id, wanted.category)
        return acceptance_probability(customer, wanted, offered, rank=rank, params=self.params)


def load_world(folder: str | Path) -> World:
    """Read the items, customers and ``truth/`` of a folder written by :func:`substitute.demo.generate`."""
    import pyarrow.parquet as pq

    root = Path(folder)
    with (root / "items.csv").open(encoding="utf-8", newline="") as fh:
        facts = {
            row["sku"]: ItemFacts(
                sku=row["sku"],
                model=row["model"],
                brand=row["brand"],
                category=row["category"],
                purposes=frozenset(p for p in row["purpose"].split("|") if p),
                price=float(row["price"]),
                colour=row["colour"],
                size=row["size"],
            )
            for row in csv.DictReader(fh)
        }
    customers = {row["customer_id"]: row for row in pq.read_table(root / "customers.parquet").to_pylist()}
    truths = {}
    for row in pq.read_table(root / "truth" / "loyalty.parquet").to_pylist():
        customer = customers[row["customer_id"]]
        sizes = dict(part.split(":", 1) for part in (customer["sizes"] or "").split("|") if part)
        wardrobe = json.loads(customer["attributes"] or "{}").get("wardrobe", [])
        truths[(row["customer_id"], row["category"])] = CustomerTruth(
            loyalty=row["loyalty"],
            category=row["category"],
            favourite_brand=row["favourite_brand"],
            favourite_model=row["favourite_model"],
            purposes=frozenset(p for p in row["purposes"].split("|") if p),
            price_band=customer["price_band"],
            size=_size_text(row["category"], sizes),
            owned=tuple((piece.rsplit(":", 1)[0], piece.rsplit(":", 1)[1]) for piece in wardrobe),
            customer_id=row["customer_id"],
        )
    model = json.loads((root / "truth" / "choice_model.json").read_text(encoding="utf-8"))["acceptance"]
    params = ChoiceParams(
        psychological=model["psychological"],
        behavioural=model["behavioural"],
        psychological_responses=tuple(model["psychological_responses"]),
        reference_psychological_share=model["reference_psychological_share"],
        purchase_after_accept=model["purchase_after_accept"],
    )
    return World(items=facts, customers=truths, params=params)


def _size_text(category: str, sizes: dict[str, str]) -> str | None:
    """The customer's registered size expressed in the category's size labels."""
    shoe = np.array([float(sizes.get("shoe", "nan"))])
    kimono = np.array([_LETTERS.get(sizes.get("kimono", ""), np.nan)])
    value = float(category_size(category, shoe, kimono)[0])
    if np.isnan(value):
        return None
    system = next(c.size_system for c in CATEGORIES if c.path == category)
    if system == CM:
        return f"{value:.1f}"
    assert system == LETTER
    return "SML"[int(value) - 1]

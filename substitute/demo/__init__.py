"""A deterministic demo retailer: a Japanese shoe-and-kimono chain with an online shop.

``generate(out_dir)`` writes one canonical input file per kind (stores, items,
customers, sales, inventory, receipts, reviews, events, promotions, weather)
plus ``truth/`` — the hidden answers a benchmark needs: each customer's
loyalty per category, demand lost on stockout days, review motives and the
choice model (:mod:`substitute.demo.choice`).

``generate`` is imported on first use, so that ``substitute.demo.choice``
can be imported without Arrow.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from substitute.demo.generator import generate

__all__ = ["generate"]


def __getattr__(name: str) -> Any:
    if name == "generate":
        from substitute.demo.generator import generate

        return generate
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

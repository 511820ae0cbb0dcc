"""Plain-language reasons a substitute is offered, from the sources that scored it."""

from __future__ import annotations

import numpy as np

from substitute.recommend.candidates import Candidates
from substitute.recommend.snapshot import Snapshot

__all__ = ["explain"]

#: A source must score at least this much to be given as a reason.
_SHOWN = {"als": 0.3, "goes_with": 0.3, "history": 0.05, "lightfm": 0.75, "popularity": 0.6}


def _article(name: str) -> str:
    return f"the {name}" if name else "something"


def explain(
    snapshot: Snapshot,
    item_idx: int,
    cands: Candidates,
    positions: np.ndarray,
    *,
    other_brand: list[bool],
    personal: bool,
) -> list[tuple[str, ...]]:
    """Reasons for the candidates at ``positions``, most telling first for each.

    The scores of all of them are taken out of the arrays at once: per
    candidate, numpy scalar lookups cost more than the reasons themselves.
    """
    items = snapshot.items
    rows = {name: values[positions].tolist() for name, values in cands.scores.items()}
    other_colour = cands.other_colour[positions].tolist()
    other_size = cands.other_size[positions].tolist()
    goes_item = cands.goes_with_item[positions].tolist()
    candidates = cands.items[positions].tolist()
    own_tags = set(items.purposes(item_idx).tolist())
    brand = items.brand_names[items.brand[item_idx]] if items.brand[item_idx] >= 0 else "the brand"
    return [
        _reasons(
            snapshot,
            {name: values[j] for name, values in rows.items()},
            candidate=candidates[j],
            other_colour=other_colour[j],
            other_size=other_size[j],
            goes_item=goes_item[j],
            own_tags=own_tags,
            other_brand=f"another brand: nothing of {brand} is available" if other_brand[j] else None,
            personal=personal,
        )
        for j in range(len(candidates))
    ]


def _reasons(
    snapshot: Snapshot,
    s: dict[str, float],
    *,
    candidate: int,
    other_colour: bool,
    other_size: bool,
    goes_item: int,
    own_tags: set[int],
    other_brand: str | None,
    personal: bool,
) -> tuple[str, ...]:
    items = snapshot.items
    out: list[str] = []
    if s["same_model"] > 0:
        parts = [p for p, flag in (("colour", other_colour), ("size", other_size)) if flag]
        out.append("same model, other " + " and ".join(parts) if parts else "same model")
    elif s["same_brand"] > 0:
        out.append("same brand")
    if other_brand:
        out.append(other_brand)
    if s["purpose"] > 0:
        shared = sorted(own_tags & set(items.purposes(candidate).tolist()))
        uses = " and ".join(str(items.purpose_names[t]) for t in shared)
        out.append(f"made for {uses} use like the original")
    if personal and s["history"] >= _SHOWN["history"]:
        out.append("you bought it before")
    if personal and s["goes_with"] >= _SHOWN["goes_with"] and goes_item >= 0:
        out.append(f"goes with {_article(str(items.name[goes_item]))} you bought")
    if s["als"] >= _SHOWN["als"]:
        out.append("often bought by the same customers")
    if personal and s["lightfm"] >= _SHOWN["lightfm"]:
        out.append("suits what you usually choose")
    if personal and s["price_band"] >= 1.0:
        out.append("in your usual price range")
    if s["popularity"] >= _SHOWN["popularity"]:
        out.append("popular here")
    return tuple(out) or ("same category",)

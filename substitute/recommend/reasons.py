"""Plain-language reasons a substitute is offered, from the sources that scored it."""

from __future__ import annotations

from substitute.recommend.candidates import Candidates
from substitute.recommend.snapshot import Snapshot

__all__ = ["explain"]

#: A source must score at least this much to be given as a reason.
_SHOWN = {"als": 0.3, "goes_with": 0.3, "history": 0.05, "lightfm": 0.75, "popularity": 0.6}


def _article(name: str) -> str:
    return f"the {name}" if name else "something"


def explain(
    snapshot: Snapshot, item_idx: int, cands: Candidates, pos: int, *, other_brand: bool, personal: bool
) -> tuple[str, ...]:
    """Reasons for the candidate at ``pos``, most telling first."""
    items = snapshot.items
    s = {name: float(values[pos]) for name, values in cands.scores.items()}
    out: list[str] = []
    if s["same_model"] > 0:
        parts = [
            p for p, flag in (("colour", cands.other_colour[pos]), ("size", cands.other_size[pos])) if flag
        ]
        out.append("same model, other " + " and ".join(parts) if parts else "same model")
    elif s["same_brand"] > 0:
        out.append("same brand")
    if other_brand:
        brand = items.brand_names[items.brand[item_idx]] if items.brand[item_idx] >= 0 else "the brand"
        out.append(f"another brand: nothing of {brand} is available")
    if s["purpose"] > 0:
        shared = sorted(
            set(items.purposes(item_idx).tolist()) & set(items.purposes(int(cands.items[pos])).tolist())
        )
        uses = " and ".join(str(items.purpose_names[t]) for t in shared)
        out.append(f"made for {uses} use like the original")
    if personal and s["history"] >= _SHOWN["history"]:
        out.append("you bought it before")
    if personal and s["goes_with"] >= _SHOWN["goes_with"] and cands.goes_with_item[pos] >= 0:
        out.append(f"goes with {_article(str(items.name[cands.goes_with_item[pos]]))} you bought")
    if s["als"] >= _SHOWN["als"]:
        out.append("often bought by the same customers")
    if personal and s["lightfm"] >= _SHOWN["lightfm"]:
        out.append("suits what you usually choose")
    if personal and s["price_band"] >= 1.0:
        out.append("in your usual price range")
    if s["popularity"] >= _SHOWN["popularity"]:
        out.append("popular here")
    return tuple(out) or ("same category",)

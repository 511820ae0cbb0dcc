"""Columns a batch gains on the way in, beyond what the file says.

Reviews are read for loyalty as they are ingested, with the catalogue's
brand, maker and model names, so that the API and the nightly profiles use
the same reading (``substitute.loyalty.reviews``).
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, select

from substitute.db.models import Item


def classify_reviews(conn: Connection, rows: pd.DataFrame) -> pd.DataFrame:
    """Add ``loyalty_label`` and ``loyalty_score`` to review rows."""
    from substitute.loyalty.reviews import ReviewClassifier

    # Item names are left out on purpose: generic ones ("Strap top") are not brands.
    catalogue = [
        {"brand": brand, "maker": maker, "model": model}
        for brand, maker, model in conn.execute(select(Item.brand, Item.maker, Item.model).distinct())
    ]
    classifier = ReviewClassifier.from_config(catalogue=catalogue)
    langs = rows["language"].fillna("auto").str.lower()
    readings = [
        classifier.classify(text, lang=lang if lang in ("ja", "en") else "auto")
        for text, lang in zip(rows["text"], langs, strict=True)
    ]
    rows = rows.copy()
    rows["loyalty_label"] = [r.label for r in readings]
    rows["loyalty_score"] = [r.score for r in readings]
    return rows

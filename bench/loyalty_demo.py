"""Loyalty profiles against the demo retailer's hidden loyalty types, by confidence band.

    python bench/loyalty_demo.py [fixtures/demo]

Loads the demo retailer (canonical files) into a scratch SQLite database,
refreshes the stored profiles exactly as the nightly run does (reviews are
read at ingest), and compares each customer × category profile with the
generator's hidden type in ``truth/loyalty.parquet``, which no model reads.
Side by side, the baseline "share of the top brand ≥ 0.5 ⇒ psychological".
Ends with one JSON line of figures.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import pandas as pd
from sqlalchemy import select

from substitute.db import make_engine, upgrade
from substitute.db.models import LoyaltyProfile
from substitute.ingest.pipeline import canonical_files, ingest_file
from substitute.nightly.loyalty import read_loyalty_inputs, refresh_loyalty
from substitute.settings import IngestSettings

BANDS = [(0.0, 0.5, "low <0.5"), (0.5, 0.75, "mid 0.5-0.75"), (0.75, 1.01, "high >=0.75")]


def _agreement(frame: pd.DataFrame, predicted: str) -> dict[str, float | int]:
    called = frame[frame[predicted].isin(["psychological", "behavioral"])]
    correct = (called[predicted] == called["truth"]).mean() if len(called) else float("nan")
    return {"pairs": len(frame), "called": len(called), "accuracy_of_called": round(float(correct), 3)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("fixture", nargs="?", type=Path, default=Path("fixtures/demo"))
    args = parser.parse_args(argv)
    truth_path = args.fixture / "truth" / "loyalty.parquet"
    if not truth_path.is_file():
        print(
            f"missing {truth_path}: generate the demo retailer first (substitute demo-data)", file=sys.stderr
        )
        return 2

    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'demo.db'}")
        upgrade(engine)
        for kind, path in canonical_files(args.fixture):
            ingest_file(engine, kind, path, settings=IngestSettings(progress=False))
        print(refresh_loyalty(engine).render())
        with engine.connect() as conn:
            profiles = pd.DataFrame(
                conn.execute(
                    select(
                        LoyaltyProfile.customer_id,
                        LoyaltyProfile.category,
                        LoyaltyProfile.type,
                        LoyaltyProfile.leaning,
                        LoyaltyProfile.confidence,
                    )
                ).all(),
                columns=["customer_id", "category", "type", "leaning", "confidence"],
            )
        purchases, _, _ = read_loyalty_inputs(engine)
        engine.dispose()

    truth = pd.read_parquet(truth_path)[["customer_id", "category", "loyalty"]]
    truth["truth"] = truth["loyalty"].replace({"behavioural": "behavioral"})
    joined = profiles.merge(truth, on=["customer_id", "category"], how="inner")

    top_share = (
        purchases.groupby(["customer_id", "category", "brand"])
        .size()
        .groupby(["customer_id", "category"])
        .max()
        / purchases.groupby(["customer_id", "category"]).size()
    ).rename("top_share")
    joined = joined.merge(top_share.reset_index(), on=["customer_id", "category"], how="left")
    joined["baseline"] = (joined["top_share"].fillna(0) >= 0.5).map(
        {True: "psychological", False: "behavioral"}
    )

    print(
        f"\n{'confidence band':<16}{'pairs':>7}{'called':>8}{'ours acc':>10}"
        f"{'leaning acc':>13}{'baseline acc':>14}"
    )
    figures: dict[str, object] = {"pairs_with_truth": len(joined)}
    for low, high, name in BANDS:
        band = joined[(joined["confidence"] >= low) & (joined["confidence"] < high)]
        ours = _agreement(band, "type")
        leaning = _agreement(band, "leaning")
        base = _agreement(band, "baseline")
        print(
            f"{name:<16}{ours['pairs']:>7}{ours['called']:>8}{ours['accuracy_of_called']:>10.3f}"
            f"{leaning['accuracy_of_called']:>13.3f}{base['accuracy_of_called']:>14.3f}"
        )
        figures[name] = {"ours": ours, "leaning": leaning, "baseline": base}
    overall = {
        "ours": _agreement(joined, "type"),
        "leaning": _agreement(joined, "leaning"),
        "baseline": _agreement(joined, "baseline"),
    }
    figures["overall"] = overall
    print(
        f"{'all':<16}{overall['ours']['pairs']:>7}{overall['ours']['called']:>8}"
        f"{overall['ours']['accuracy_of_called']:>10.3f}{overall['leaning']['accuracy_of_called']:>13.3f}"
        f"{overall['baseline']['accuracy_of_called']:>14.3f}"
    )
    truth_share = joined["truth"].value_counts(normalize=True).round(3).to_dict()
    figures["truth_share"] = truth_share
    print(f"hidden types among these pairs: {truth_share}")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())

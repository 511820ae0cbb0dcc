"""Real data for the recommender benchmark, read straight into :class:`RecommendFrames`.

Ta Feng: one store, item = PRODUCT_ID, category = PRODUCT_SUBCLASS, price =
median unit price (SALES_PRICE / AMOUNT), segment = AGE_GROUP; no brands.
dunnhumby: item = product_id, category = product_type, brand = manufacturer_id.
Neither has stock: the benchmark makes every item sold in training available.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from substitute.recommend.frames import RecommendFrames

STORE = "ALL"


def require(path: Path) -> Path:
    if not path.exists():
        sys.exit(f"{path} is missing: pass the path of the data (see ../shared/data/README.md)")
    return path


def read_ta_feng(path: Path) -> pd.DataFrame:
    raw = pd.read_csv(
        require(path),
        dtype={
            "CUSTOMER_ID": str,
            "PRODUCT_ID": str,
            "PRODUCT_SUBCLASS": str,
            "AGE_GROUP": str,
            "PIN_CODE": str,
        },
        encoding="utf-8-sig",
    )
    raw["business_date"] = pd.to_datetime(raw["TRANSACTION_DT"], format="%m/%d/%Y")
    return raw


def ta_feng_frames(raw: pd.DataFrame) -> RecommendFrames:
    """Frames of the lines in ``raw`` (the caller splits by time)."""
    unit = raw["SALES_PRICE"] / raw["AMOUNT"].where(raw["AMOUNT"] > 0)
    items = (
        raw.assign(unit=unit)
        .groupby("PRODUCT_ID")
        .agg(category=("PRODUCT_SUBCLASS", "first"), price=("unit", "median"))
        .reset_index()
        .rename(columns={"PRODUCT_ID": "sku"})
    )
    items["name"] = items["sku"]
    sales = pd.DataFrame(
        {
            "customer_id": raw["CUSTOMER_ID"].to_numpy(),
            "sku": raw["PRODUCT_ID"].to_numpy(),
            "store_id": STORE,
            "business_date": raw["business_date"].to_numpy(),
            "quantity": raw["AMOUNT"].astype(float).to_numpy(),
        }
    )
    customers = (
        raw.groupby("CUSTOMER_ID")["AGE_GROUP"]
        .first()
        .rename("segment")
        .rename_axis("customer_id")
        .reset_index()
    )
    return RecommendFrames(items=items, sales=sales, customers=customers)


def read_dunnhumby(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    tx = pd.read_csv(
        require(folder / "transactions_sample.csv.gz"), dtype={"household_id": str, "product_id": str}
    )
    products = pd.read_csv(
        require(folder / "products.csv.gz"), dtype={"product_id": str, "manufacturer_id": str}
    )
    tx["business_date"] = pd.to_datetime(tx["transaction_timestamp"]).dt.normalize()
    return tx, products


def dunnhumby_frames(tx: pd.DataFrame, products: pd.DataFrame) -> RecommendFrames:
    sold = products[products["product_id"].isin(tx["product_id"])]
    items = pd.DataFrame(
        {
            "sku": sold["product_id"],
            "name": sold["product_id"],
            "brand": "m" + sold["manufacturer_id"].astype(str),
            "category": sold["product_type"].fillna("?").astype(str),
            "purpose": sold["product_category"],
        }
    )
    price = (tx["sales_value"] / tx["quantity"].where(tx["quantity"] > 0)).groupby(tx["product_id"]).median()
    items["price"] = items["sku"].map(price).to_numpy()
    sales = pd.DataFrame(
        {
            "customer_id": tx["household_id"].to_numpy(),
            "sku": tx["product_id"].to_numpy(),
            "store_id": STORE,
            "business_date": tx["business_date"].to_numpy(),
            "quantity": tx["quantity"].astype(float).clip(lower=0).to_numpy(),
        }
    )
    return RecommendFrames(items=items, sales=sales)


def full_inventory(frames: RecommendFrames) -> pd.DataFrame:
    """Simulated stock: every item sold in training is available (plenty) at the one store."""
    sold = np.unique(frames.sales["sku"].to_numpy())
    return pd.DataFrame({"store_id": STORE, "sku": sold, "on_hand": 1e6})

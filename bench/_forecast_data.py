"""Loading the real data sets the forecast benchmark runs on (paths are arguments)."""

from __future__ import annotations

import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

STORE = "ta-feng"


def require(path: Path, what: str) -> Path:
    """Exit with a clear message when a data path is missing."""
    if not path.exists():
        sys.exit(f"{what} not found at {path}; see ../shared/data/README.md for where it lives")
    return path


def load_ta_feng_daily(path: Path) -> pd.DataFrame:
    """Daily demand per product: sum of AMOUNT per PRODUCT_ID per day (one store).

    Returns the long sparse panel ``store_id, sku, date, sales`` (days with
    sales only, as a sales file would list them).
    """
    require(path, "the Ta Feng zip")
    with zipfile.ZipFile(path) as archive:
        frame = pd.read_csv(
            archive.open(archive.namelist()[0]),
            usecols=["TRANSACTION_DT", "PRODUCT_ID", "AMOUNT"],
            dtype={"PRODUCT_ID": str},
            encoding="utf-8-sig",
        )
    frame["date"] = pd.to_datetime(frame["TRANSACTION_DT"], format="%m/%d/%Y")
    daily = frame.groupby(["PRODUCT_ID", "date"], as_index=False)["AMOUNT"].sum()
    return pd.DataFrame(
        {
            "store_id": STORE,
            "sku": daily["PRODUCT_ID"].to_numpy(),
            "date": daily["date"].to_numpy(),
            "sales": daily["AMOUNT"].to_numpy(dtype=np.float64),
        }
    )


@dataclass(frozen=True)
class Split:
    """Dense train/test matrices of the benchmark series."""

    skus: np.ndarray
    train_dates: pd.DatetimeIndex
    train: np.ndarray  # (n, T) from the first day of the data set, zeros filled
    test: np.ndarray  # (n, H)
    cutoff: pd.Timestamp  # last training day
    panel: pd.DataFrame  # long sparse rows of the selected series up to the cutoff


def split(panel: pd.DataFrame, cutoff: pd.Timestamp | None, horizon: int, min_days: int = 10) -> Split:
    """Hold out ``horizon`` days after ``cutoff``; keep products with >= ``min_days`` selling days."""
    last = panel["date"].max()
    cutoff = cutoff if cutoff is not None else last - pd.Timedelta(days=horizon)
    first = panel["date"].min()
    hist = panel.loc[panel["date"] <= cutoff]
    selling = hist.groupby("sku")["date"].nunique()
    skus = np.sort(selling.index[selling >= min_days].to_numpy())
    days = pd.date_range(first, cutoff + pd.Timedelta(days=horizon), freq="D")
    sub = panel.loc[panel["sku"].isin(skus)]
    row = pd.Index(skus).get_indexer(sub["sku"])
    col = days.get_indexer(sub["date"])
    ok = col >= 0
    dense = np.zeros((len(skus), len(days)))
    np.add.at(dense, (row[ok], col[ok]), sub["sales"].to_numpy()[ok])
    t = len(days) - horizon
    return Split(
        skus=skus,
        train_dates=days[:t],
        train=dense[:, :t],
        test=dense[:, t:],
        cutoff=cutoff,
        panel=sub.loc[sub["date"] <= cutoff].reset_index(drop=True),
    )


def load_m5_full_series(folder: Path) -> pd.DataFrame:
    """The 10 full-history M5 series (d_1..d_1913) shipped in ../shared/data/m5."""
    return pd.read_csv(require(folder / "sales_train_validation_10series.csv", "M5 10-series file"))


def load_m5_train_mse(folder: Path) -> pd.Series:
    """Official RMSSE scales of the 30,490 bottom-level series, indexed by id.

    ``train_mse.csv.gz`` holds one value per series of the 12 aggregation
    levels (42,840 rows, no ids); the bottom level is last and sorted by id.
    """
    mse = pd.read_csv(require(folder / "train_mse.csv.gz", "M5 train_mse"))
    ids = pd.read_csv(require(folder / "sales_ids.csv.gz", "M5 ids"))["id"]
    bottom = mse.iloc[-len(ids) :, 0].to_numpy()
    return pd.Series(bottom, index=np.sort(ids.to_numpy()))

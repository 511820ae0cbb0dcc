"""Column names of the forecaster's inputs and outputs.

Constants instead of string literals, so that a renamed column is one edit and
a misspelt one is a ``NameError`` rather than a silent ``KeyError`` at night.
"""

from __future__ import annotations

# --- the daily sales panel (input) --------------------------------------------
STORE_ID = "store_id"
SKU = "sku"
DATE = "date"
SALES = "sales"  # units sold that day, returns netted out; may be fractional
ON_HAND = "on_hand"  # end-of-day stock; NaN = unknown
STOCKOUT = "stockout"  # True = the item was out of stock that day
PRICE = "price"
PROMO = "promo"
TEMPERATURE_C = "temperature_c"

SERIES_KEY = (STORE_ID, SKU)
PANEL_REQUIRED = (STORE_ID, SKU, DATE, SALES)
PANEL_OPTIONAL = (ON_HAND, STOCKOUT, PRICE, PROMO, TEMPERATURE_C)

# --- inventory positions and receipts (input) ---------------------------------
RECEIPTS = "receipts"  # optional list of (date, qty) in the positions table
QTY = "qty"
LEAD_TIME_DAYS = "lead_time_days"
REVIEW_PERIOD_DAYS = "review_period_days"

# --- daily forecast table (output) --------------------------------------------
MEAN = "mean"
MODEL = "model"


def quantile_column(q: float) -> str:
    """Name of the column holding quantile ``q``: 0.5 -> ``q50``, 0.975 -> ``q975``."""
    digits = f"{q:.3f}".split(".")[1].rstrip("0")
    return "q" + (digits if len(digits) > 1 else digits + "0")


# --- per-series table (output) ------------------------------------------------
FALLBACK_REASON = "fallback_reason"
DEMAND_CLASS = "demand_class"
PARAMS = "params"
FLAGS = "flags"
ADI = "adi"
CV2 = "cv2"
N_OBSERVED_DAYS = "n_observed_days"
N_CENSORED_DAYS = "n_censored_days"
EST_LOST_UNITS = "est_lost_units"
DISPERSION = "dispersion"
LEVEL_UNCERTAINTY = "level_uncertainty"
NEXT_RECEIPT_DATE = "next_receipt_date"
P_STOCKOUT_BEFORE_RECEIPT = "p_stockout_before_receipt"
P_STOCKOUT_WITHIN = "p_stockout_within_{days}d"
EXPECTED_SELLOUT_DATE = "expected_sellout_date"
MEDIAN_SELLOUT_DATE = "median_sellout_date"
DAYS_OF_COVER = "days_of_cover"
ORDER_UP_TO = "order_up_to"
REORDER_QTY = "reorder_qty"

"""Do promotions, price and heat earn their keep in the forecast? A backtest on the demo retailer.

    python bench/forecast_exogenous.py fixtures/demo [--cutoffs 12] [--horizon 28]
    python bench/forecast_exogenous.py fixtures/demo --weather-days 7
    python bench/forecast_exogenous.py /tmp/demo-seed1 --generate --seed 1
    python bench/forecast_exogenous.py fixtures/demo --set hot_threshold_c=25

The demo retailer's demand has known driver effects (promotions lift demand
by 1 + 2.5 x the discount; heat multiplies sandal demand by e^0.07 per degree
above 20 C, clogs and geta by e^0.03). The folder is loaded into a scratch
SQLite database exactly as ``substitute ingest`` does, the panel is read with
the nightly reader and the drivers (with the item category as ``group``)
with :mod:`substitute.nightly.drivers`, then ``forecast_panel`` runs at
``--cutoffs`` cut-offs 28 days apart, the last ``--horizon`` days before the
end, with each set of effects of :data:`VARIANTS`. Future drivers are the
actual ones: promotions are planned, but the temperature is a *perfect*
weather forecast unless ``--weather-days`` cuts it short.

Errors are against true demand (sales plus the demand lost on stockout days,
from ``truth/lost_demand.parquet``), over every series listed at the cut-off:
mean RMSSE (M5 scale), WAPE; and on promotion days and on hot days
(>= ``hot_threshold_c``): RMSSE pooled over those days, bias
(sum(forecast - actual) / sum(actual)) and lift (forecast/actual there over
forecast/actual on days with neither; 1 = the driver's lift is all in the
forecast). Ends with one JSON line of figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _forecast_metrics import rmsse, rmsse_scale

from substitute.forecast import ForecastConfig, forecast_panel

VARIANTS = {
    "base": (),
    "+promo": ("promo",),
    "+price": ("price",),
    "+temperature": ("temperature",),
    "+promo+temperature": ("promo", "temperature"),
}


def _load(folder: Path, workdir: Path) -> tuple[pd.DataFrame, dt.date]:
    """The demo folder through ingest, the nightly reader and the drivers: one panel with drivers."""
    from substitute.db import make_engine, upgrade
    from substitute.ingest.pipeline import canonical_files, ingest_file
    from substitute.nightly.drivers import with_drivers
    from substitute.nightly.inputs import latest_business_date, load_inputs
    from substitute.settings import load_settings

    settings = load_settings(
        {"database": {"url": f"sqlite:///{workdir / 'demo.db'}"}, "ingest": {"progress": False}}
    )
    engine = make_engine(settings.database)
    upgrade(engine)
    for kind, path in canonical_files(folder):
        ingest_file(engine, kind, path, settings=settings.ingest)
    with engine.connect() as conn:
        end = latest_business_date(conn)
        days = json.loads((folder / "manifest.json").read_text())["parameters"]["days"]
        inputs = load_inputs(conn, end, days)
        panel = with_drivers(conn, inputs.panel, inputs.series, end, 0)
    engine.dispose()
    return panel, end


def _truth(folder: Path, panel: pd.DataFrame) -> pd.DataFrame:
    """True daily demand: the panel's sales plus the demand lost on stockout days."""
    lost = pd.read_parquet(
        folder / "truth" / "lost_demand.parquet", columns=["store_id", "sku", "business_date", "lost_demand"]
    )
    lost = lost.rename(columns={"business_date": "date"}).assign(date=lambda f: pd.to_datetime(f["date"]))
    demand = panel[["store_id", "sku", "date", "sales", "promo", "temperature_c"]].astype(
        {"store_id": object, "sku": object}
    )
    demand = demand.merge(lost, on=["store_id", "sku", "date"], how="left")
    return demand.assign(demand=demand["sales"] + demand["lost_demand"].fillna(0.0))


def _matrix(frame: pd.DataFrame, column: str, keys: pd.MultiIndex, dates: pd.DatetimeIndex) -> np.ndarray:
    out = np.zeros((len(keys), len(dates)))
    row = keys.get_indexer(pd.MultiIndex.from_frame(frame[["store_id", "sku"]].astype(object)))
    col = dates.get_indexer(frame["date"])
    ok = (row >= 0) & (col >= 0)
    out[row[ok], col[ok]] = frame[column].to_numpy(dtype=float)[ok]
    return out


def _score(
    panel: pd.DataFrame,
    truth: pd.DataFrame,
    cutoffs: list[pd.Timestamp],
    horizon: int,
    settings: dict[str, object],
    variants: dict[str, tuple[str, ...]] = VARIANTS,
    weather_days: int | None = None,
) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, int]]]:
    keys = pd.MultiIndex.from_frame(panel[["store_id", "sku"]].astype(object).drop_duplicates())
    dates = pd.date_range(truth["date"].min(), truth["date"].max(), freq="D")
    demand = _matrix(truth, "demand", keys, dates)
    promo = _matrix(truth, "promo", keys, dates) > 0
    hot = ForecastConfig(**settings).hot_threshold_c  # type: ignore[arg-type]
    temperature = _matrix(truth.fillna({"temperature_c": -99.0}), "temperature_c", keys, dates) >= hot
    first = np.argmax(demand > 0, axis=1)
    sums: dict[str, dict[str, float]] = {name: {} for name in variants}
    models: dict[str, dict[str, int]] = {name: {} for name in variants}

    def add(name: str, key: str, value: float) -> None:
        sums[name][key] = sums[name].get(key, 0.0) + value

    for cutoff in cutoffs:
        known = panel
        if weather_days is not None:  # the weather forecast reaches this far; later days are unknown
            late = panel["date"] > cutoff + pd.Timedelta(days=weather_days)
            known = panel.assign(temperature_c=panel["temperature_c"].mask(late))
        t = dates.get_loc(cutoff) + 1
        listed = (first < t) & (demand[:, :t].sum(axis=1) > 0)
        test = slice(t, t + horizon)
        actual = demand[listed, test]
        scale = rmsse_scale(demand[listed, :t])
        scale = np.where(scale > 0, scale, np.nan)  # a series constant so far has no scale
        masks = {
            "all": np.ones_like(actual, bool),
            "promo": promo[listed, test],
            "hot": temperature[listed, test],
        }
        masks["other"] = ~masks["promo"] & ~masks["hot"]
        for name, effects in variants.items():
            started = time.perf_counter()
            cfg = ForecastConfig(**{**settings, "exogenous": effects})  # type: ignore[arg-type]
            res = forecast_panel(known, cutoff, horizon, config=cfg)
            add(name, "seconds", time.perf_counter() - started)
            daily = res.daily.astype({"store_id": object, "sku": object})
            fc = _matrix(daily, "mean", keys, dates)[listed, test]
            r = rmsse(actual, fc, scale)
            add(name, "rmsse_sum", float(np.nansum(r)))
            add(name, "rmsse_n", float(np.isfinite(r).sum()))
            scaled = (fc - actual) ** 2 / scale[:, None]
            for part, mask in masks.items():
                add(name, f"{part}_sq", float(np.nansum(scaled[mask])))
                add(name, f"{part}_sqn", float(np.isfinite(scaled[mask]).sum()))
                add(name, f"{part}_fc", float(fc[mask].sum()))
                add(name, f"{part}_abs", float(np.abs(fc - actual)[mask].sum()))
                add(name, f"{part}_err", float((fc - actual)[mask].sum()))
                add(name, f"{part}_actual", float(actual[mask].sum()))
                add(name, f"{part}_cells", float(mask.sum()))
            for model, n in res.series["model"].value_counts().items():
                if "+" in str(model):
                    models[name][str(model)] = models[name].get(str(model), 0) + int(n)
    return sums, models


def _figures(sums: dict[str, float]) -> dict[str, float]:
    """Mean RMSSE; per kind of day WAPE, bias, pooled RMSSE and the lift ratio.

    ``lift_<part>``: (forecast / actual on those days) / (forecast / actual on
    days with neither driver): 1 means the driver's lift is fully in the forecast.
    """
    out = {"rmsse": sums["rmsse_sum"] / max(sums["rmsse_n"], 1), "seconds": sums["seconds"]}
    ratio = {p: sums[f"{p}_fc"] / max(sums[f"{p}_actual"], 1e-9) for p in ("all", "promo", "hot", "other")}
    for part in ("all", "promo", "hot"):
        denom = max(sums[f"{part}_actual"], 1e-9)
        out[f"wape_{part}"] = sums[f"{part}_abs"] / denom
        out[f"bias_{part}"] = sums[f"{part}_err"] / denom
        out[f"rmsse_pooled_{part}"] = float(np.sqrt(sums[f"{part}_sq"] / max(sums[f"{part}_sqn"], 1)))
        out[f"lift_{part}"] = ratio[part] / max(ratio["other"], 1e-9)
        out[f"cells_{part}"] = sums[f"{part}_cells"]
    return out


def _setting(text: str) -> tuple[str, object]:
    key, _, value = text.partition("=")
    return key, json.loads(value)


def _print(figures: dict[str, dict[str, float]]) -> None:
    print(
        f"{'variant':<20}{'RMSSE':>8}{'WAPE':>7} | {'RMSSE':>6}{'bias':>7}{'lift':>6} | "
        f"{'RMSSE':>6}{'bias':>7}{'lift':>6} |{'s':>6}"
    )
    print(f"{'':<35}| {'promotion days':^19} | {'hot days':^19} |")
    for name, f in figures.items():
        print(
            f"{name:<20}{f['rmsse']:>8.4f}{f['wape_all']:>7.3f} | {f['rmsse_pooled_promo']:>6.3f}"
            f"{f['bias_promo']:>+7.3f}{f['lift_promo']:>6.2f} | {f['rmsse_pooled_hot']:>6.3f}"
            f"{f['bias_hot']:>+7.3f}{f['lift_hot']:>6.2f} |{f['seconds']:>6.1f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("folder", type=Path, help="a generated demo folder (e.g. fixtures/demo)")
    parser.add_argument("--generate", action="store_true", help="generate the demo into FOLDER first")
    parser.add_argument("--items", type=int, default=300)
    parser.add_argument("--stores", type=int, default=6)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cutoffs", type=int, default=12)
    parser.add_argument("--horizon", type=int, default=28)
    parser.add_argument(
        "--weather-days",
        type=int,
        default=None,
        help="temperature known only this many days after the cut-off (default: the whole horizon)",
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a ForecastConfig field, e.g. hot_threshold_c=20",
    )
    args = parser.parse_args()
    if args.generate:
        from substitute.demo import generate

        generate(args.folder, seed=args.seed, n_items=args.items, n_stores=args.stores)
    if not (args.folder / "manifest.json").exists():
        sys.exit(f"no generated demo at {args.folder}: pass fixtures/demo or use --generate")
    with tempfile.TemporaryDirectory() as work:
        started = time.perf_counter()
        panel, end = _load(args.folder, Path(work))
        took = time.perf_counter() - started
        print(f"loaded {args.folder}: {len(panel):,} panel rows up to {end} in {took:.1f} s")
    truth = _truth(args.folder, panel)
    last = pd.Timestamp(end) - pd.Timedelta(days=args.horizon)
    cutoffs = [last - pd.Timedelta(days=28 * i) for i in reversed(range(args.cutoffs))]
    settings = dict(_setting(text) for text in args.set)
    hot = ForecastConfig(**settings).hot_threshold_c  # type: ignore[arg-type]
    print(
        f"cut-offs {cutoffs[0].date()} .. {cutoffs[-1].date()} ({len(cutoffs)}), horizon {args.horizon} days"
    )
    sums, models = _score(panel, truth, cutoffs, args.horizon, settings, weather_days=args.weather_days)
    figures = {name: _figures(s) for name, s in sums.items()}
    _print(figures)
    base = figures["base"]
    print(
        f"driver days: {base['cells_promo']:,.0f} promotion and {base['cells_hot']:,.0f} hot (>= {hot:g} C) "
        f"of {base['cells_all']:,.0f} series-days"
    )
    for name, counts in models.items():
        if counts:
            top = ", ".join(f"{m} {n}" for m, n in sorted(counts.items(), key=lambda kv: -kv[1])[:6])
            print(f"  {name}: series-forecasts with an effect applied: {top}")
    record = {"bench": "forecast_exogenous", "data": str(args.folder), "weather_days": args.weather_days}
    print(json.dumps({**record, "settings": settings, "variants": figures}))


if __name__ == "__main__":
    main()

"""Known drivers of demand on top of the base forecast: promotions, price, heat.

A promotion lifts demand and a hot day lifts sandal demand; both are known in
advance (promotions are planned, temperatures forecast), so they can move the
forecast of the days they fall on. The adjustment is a small multiplicative
layer over the base model:

    forecast_t = base_t * exp(sum_k beta_k * z_k,t)

with one log-linear effect ``beta_k`` per driver and *group* of series (e.g.
an item category), never per series: on intermittent data a per-series effect
is noise. Two kinds of driver:

* **exceptions**, ``promo`` (1 on a promotion day) and ``price`` (the log
  discount, ``log(regular / price)``, regular = the series' median price):
  their days are set aside when the base model learns, as stockout days
  are, so the base is regular demand and ``z = x``;
* **states**, ``temperature`` (degrees above ``hot_threshold_c``): every
  day has one, and the base level already carries the recent weather, so
  ``z`` is ``x`` minus its mean over the ``exogenous_memory_days`` before.

Estimation: a Poisson regression of actual demand on the base model's
one-step forecasts (as offset) per group, with a free intercept that absorbs
the base model's bias and a ridge prior that shrinks every effect towards 1,
worth ``exogenous_shrinkage`` units of demand seen with no lift. Only usable
days count: censored (stockout), outage and event days never enter.

An effect must earn its keep, per group: blocks of ``exogenous_holdout_days``
are held out in turn, and fitted on the other days the effect must lower the
held-out Poisson deviance by :data:`MIN_DEVIANCE_GAIN` in total. A kept effect
is then fitted on every day. A future day whose driver is unknown gets no
adjustment for it; a fallback model (too little history) gets none. Effects
are pooled within one chunk of series (``chunk_series``, thousands), so
batches of a nightly run each have their own estimate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from substitute.forecast import columns as C
from substitute.forecast.config import ForecastConfig
from substitute.forecast.panel import SeriesPanel

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]
ObjArray = NDArray[np.object_]

#: Optional panel column naming the pool a series shares its effects with
#: (e.g. the item category); without it all series of a chunk pool together.
GROUP = "group"
#: Name of each effect in the ``model`` column (``ses+promo+heat``).
LABELS = {"promo": "promo", "price": "price", "temperature": "heat"}
EXCEPTIONS = ("promo", "price")
#: Held-out deviance an effect must save to be kept: 2, the price AIC puts on
#: one parameter. Promotion flags without signal saved -1.2 +- 2.5 (kept in 3
#: of 40 simulated panels); the demo retailer's real promotions save 2 to 20.
MIN_DEVIANCE_GAIN = 2.0
_NEWTON_STEPS = 12
_MAX_LOG_EFFECT = 3.0  # no day moves more than e^3 = 20x


@dataclass(frozen=True)
class Drivers:
    """Driver values of a chunk's series: ``x[name]`` is ``(n, T + D)``, NaN where unknown.

    Columns ``0..T-1`` are the history, ``T..`` the forecast days; ``group``
    numbers the pool each series shares its effects with.
    """

    x: dict[str, FloatArray]
    group: IntArray
    history: int

    def take(self, rows: slice | IntArray) -> Drivers:
        return Drivers({k: v[rows] for k, v in self.x.items()}, self.group[rows], self.history)

    def set_aside(self) -> BoolArray:
        """History days an exception driver was on: the base model does not learn from them."""
        aside = np.zeros((len(self.group), self.history), dtype=bool)
        for name in EXCEPTIONS:
            if name in self.x:
                aside |= np.abs(np.nan_to_num(self.x[name][:, : self.history])) > 1e-9
        return aside


def _cell_mean(flat: IntArray, values: FloatArray, size: int) -> FloatArray:
    """Mean of the known ``values`` per cell, NaN where a cell has none."""
    ok = (flat >= 0) & np.isfinite(values)
    total = np.bincount(flat[ok], weights=values[ok], minlength=size)
    count = np.bincount(flat[ok], minlength=size)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / count, np.nan)


def _groups(frame: pd.DataFrame, series: IntArray, n: int) -> IntArray:
    if GROUP not in frame.columns:
        return np.zeros(n, dtype=np.int64)
    named = pd.Series(frame[GROUP].to_numpy(dtype=object), index=series)
    first = named[(named.index >= 0) & named.notna()]
    first = first[~first.index.duplicated()].reindex(np.arange(n))
    return pd.factorize(first, use_na_sentinel=False)[0].astype(np.int64)


def panel_drivers(frame: pd.DataFrame, panel: SeriesPanel, days: int, cfg: ForecastConfig) -> Drivers | None:
    """Dense driver arrays from the panel's ``promo``, ``price``, ``temperature_c`` columns.

    Rows after ``as_of`` carry the future drivers. A store's temperature is
    shared by all its series (one row of the store that day is enough).
    None when no asked driver has a column.
    """
    column = {"promo": C.PROMO, "price": C.PRICE, "temperature": C.TEMPERATURE_C}
    wanted = [e for e in cfg.exogenous if column[e] in frame.columns]
    if not wanted or panel.n_series == 0:
        return None
    n, history = panel.n_series, panel.n_days
    width = history + days
    keys = pd.MultiIndex.from_frame(panel.keys.astype(object))
    series = keys.get_indexer(pd.MultiIndex.from_arrays([frame[C.STORE_ID], frame[C.SKU]]))
    dates = pd.to_datetime(frame[C.DATE]).to_numpy(dtype="datetime64[D]")
    day = (dates - np.datetime64(panel.start.date(), "D")).astype(np.int64)
    inside = (series >= 0) & (day >= 0) & (day < width)
    flat = np.where(inside, series * width + day, -1)
    x: dict[str, FloatArray] = {}
    if "promo" in wanted:
        on = frame[C.PROMO].astype("boolean").astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan)
        flag: FloatArray = np.asarray(on, dtype=np.float64)
        share = _cell_mean(flat, flag, n * width).reshape(n, width)
        x["promo"] = np.where(np.isnan(share), np.nan, (share > 0).astype(np.float64))
    if "price" in wanted:
        price = pd.to_numeric(frame[C.PRICE], errors="coerce").to_numpy(dtype=np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            logp = np.log(np.where(price > 0, price, np.nan)).astype(np.float64)
        logp = _cell_mean(flat, logp, n * width).reshape(n, width)
        regular = np.full(n, np.nan)
        known = np.isfinite(logp[:, :history]).any(axis=1)
        regular[known] = np.nanmedian(logp[known, :history], axis=1)
        x["price"] = regular[:, None] - logp
    if "temperature" in wanted:
        store_codes, stores = pd.factorize(panel.keys[C.STORE_ID])
        temp = pd.to_numeric(frame[C.TEMPERATURE_C], errors="coerce").to_numpy(dtype=np.float64)
        store_flat = np.where(inside, store_codes[np.maximum(series, 0)] * width + day, -1)
        by_store = _cell_mean(store_flat, temp, len(stores) * width).reshape(len(stores), width)
        x["temperature"] = np.maximum(by_store[store_codes] - cfg.hot_threshold_c, 0.0)
    return Drivers(x, _groups(frame, series, n), history)


def relative(x: FloatArray, history: int, memory: int) -> FloatArray:
    """``x`` minus its mean over the ``memory`` days before (forecast days: before ``as_of``).

    Unknown days do not count in the mean; the result is NaN where ``x`` or
    its reference is unknown.
    """
    past = x[:, :history]
    known = np.isfinite(past)
    csum = np.concatenate([np.zeros((len(x), 1)), np.cumsum(np.where(known, past, 0.0), axis=1)], axis=1)
    ccnt = np.concatenate([np.zeros((len(x), 1)), np.cumsum(known, axis=1)], axis=1)
    t = np.arange(history + 1)
    lo = np.maximum(t - memory, 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        ref = (csum[:, t] - csum[:, lo]) / (ccnt[:, t] - ccnt[:, lo])  # mean of days [t - memory, t)
    z = np.empty_like(x)
    z[:, :history] = past - ref[:, :history]
    z[:, history:] = x[:, history:] - ref[:, history, None]
    return z


def features(drivers: Drivers, start: int, memory: int) -> FloatArray:
    """``z`` of every driver from history day ``start`` on: ``(n, T - start + D, K)``.

    In the history an unknown promotion day counts as none and an unknown
    price as the last known one; in the future unknown stays unknown.
    """
    out = []
    t = drivers.history
    for name, x in drivers.x.items():
        if name == "temperature":
            lead_in = max(0, start - memory)
            out.append(relative(x[:, lead_in:], t - lead_in, memory)[:, start - lead_in :])
            continue
        past = x[:, start:t]
        if name == "price":
            past = pd.DataFrame(past.T).ffill().bfill().to_numpy().T
        out.append(np.concatenate([np.nan_to_num(past, nan=0.0), x[:, t:]], axis=1))
    return np.stack(out, axis=2)


@dataclass(frozen=True)
class Cells:
    """Usable series-days, flattened: demand, base forecast, drivers, group, day."""

    y: FloatArray
    f: FloatArray  # the base model's one-step forecast, > 0
    z: FloatArray  # (cells, K)
    group: IntArray
    day: IntArray

    def subset(self, sel: BoolArray | slice = slice(None), cols: list[int] | None = None) -> Cells:
        z = self.z[sel] if cols is None else self.z[sel][:, cols]
        return Cells(self.y[sel], self.f[sel], z, self.group[sel], self.day[sel])


def _sum_by(group: IntArray, values: FloatArray, n_groups: int) -> FloatArray:
    return np.bincount(group, values, n_groups).astype(np.float64)


def fit_effects(cells: Cells, n_groups: int, shrinkage: float) -> FloatArray:
    """Per group ``(c, beta_1..beta_K)`` of a penalised Poisson regression: ``(n_groups, K + 1)``.

    ``y ~ Poisson(f * exp(c + z . beta))``. The free intercept ``c`` takes
    the base model's bias; the ridge penalty on ``beta`` is worth
    ``shrinkage`` units of demand seen at a typical driver value with no
    lift. Newton steps vectorised over groups; days without any driver
    (``z = 0``) only inform ``c`` and enter as per-group sums.
    """
    k = cells.z.shape[1]
    active = (cells.z != 0).any(axis=1)
    a = cells.subset(active)
    idle_y = _sum_by(cells.group[~active], cells.y[~active], n_groups)
    idle_f = _sum_by(cells.group[~active], cells.f[~active], n_groups)
    design = np.concatenate([np.ones((len(a.y), 1)), a.z], axis=1)
    on = a.z != 0
    typical = np.array([np.mean(a.z[on[:, j], j] ** 2) if on[:, j].any() else 1.0 for j in range(k)])
    penalty = np.concatenate([[0.0], shrinkage * typical])
    pairs = [(p, q) for p in range(k + 1) for q in range(p, k + 1)]
    products = [design[:, p] * design[:, q] for p, q in pairs]
    theta = np.zeros((n_groups, k + 1))
    for _ in range(_NEWTON_STEPS):
        eta = np.clip((design * theta[a.group]).sum(axis=1), -_MAX_LOG_EFFECT, _MAX_LOG_EFFECT)
        mu = a.f * np.exp(eta)
        resid = a.y - mu
        grad = np.stack([_sum_by(a.group, design[:, p] * resid, n_groups) for p in range(k + 1)], axis=1)
        idle_mu = idle_f * np.exp(theta[:, 0])
        grad[:, 0] += idle_y - idle_mu
        grad -= penalty * theta
        hess = np.zeros((n_groups, k + 1, k + 1))
        for (p, q), prod in zip(pairs, products, strict=True):
            hess[:, p, q] = hess[:, q, p] = _sum_by(a.group, prod * mu, n_groups)
        hess[:, 0, 0] += idle_mu
        hess += np.diag(penalty + 1e-9)
        step = np.linalg.solve(hess, grad[:, :, None])[:, :, 0]
        theta = np.clip(theta + step, -_MAX_LOG_EFFECT, _MAX_LOG_EFFECT)
        if np.abs(step).max(initial=0.0) < 1e-6:
            break
    return theta


def deviance(cells: Cells, beta: FloatArray, n_groups: int) -> FloatArray:
    """Poisson deviance of ``f * exp(c + z . beta)`` per group, ``c`` fitted to the cells.

    Re-fitting the intercept on the held-out days judges an effect by the
    pattern it explains, not by how it happens to shift the level.
    """
    mu = cells.f * np.exp(
        np.clip((cells.z * beta[cells.group]).sum(axis=1), -_MAX_LOG_EFFECT, _MAX_LOG_EFFECT)
    )
    total_y, total_mu = _sum_by(cells.group, cells.y, n_groups), _sum_by(cells.group, mu, n_groups)
    mu = mu * np.where(total_mu > 0, total_y / np.where(total_mu > 0, total_mu, 1.0), 1.0)[cells.group]
    with np.errstate(divide="ignore", invalid="ignore"):
        fit = np.where(cells.y > 0, cells.y * np.log(cells.y / mu), 0.0)
    return _sum_by(cells.group, 2.0 * (fit - (cells.y - mu)), n_groups)


def kept_effects(cells: Cells, n_groups: int, holdout_days: int, shrinkage: float) -> BoolArray:
    """Which effect earns its keep in which group: ``(n_groups, K)``.

    The days are cut into blocks of ``holdout_days``, counted back from the
    last; each block is held out in turn, each effect alone fitted on the
    others. Summed over the blocks, the effect must lower the held-out
    deviance by :data:`MIN_DEVIANCE_GAIN` against no effect: a driver that
    fits noise, or that is never on in the held-out days, is not kept.
    """
    k = cells.z.shape[1]
    block = (int(cells.day.max(initial=0)) - cells.day) // holdout_days
    gain = np.zeros((n_groups, k))
    for b in range(int(block.max(initial=0)) + 1):
        hold = block == b
        train, test = cells.subset(~hold), cells.subset(hold)
        if not len(test.y) or not len(train.y):
            continue
        for j in range(k):
            theta = fit_effects(train.subset(cols=[j]), n_groups, shrinkage)
            beta = theta[:, 1:]
            plain = deviance(test.subset(cols=[j]), np.zeros_like(beta), n_groups)
            gain[:, j] += plain - deviance(test.subset(cols=[j]), beta, n_groups)
    return gain > MIN_DEVIANCE_GAIN


@dataclass(frozen=True)
class Effects:
    """What the adjustment did to a chunk: kept log effects and the multipliers."""

    names: tuple[str, ...]
    beta: FloatArray  # (groups, K), 0 where an effect was not kept
    past: FloatArray  # (m, T) multiplier of the in-sample one-step forecasts
    future: FloatArray  # (m, D) multiplier of the forecast days
    applied: BoolArray  # (m, K): the effect moved at least one day of the horizon

    def label(self, model: ObjArray, params: ObjArray, group: IntArray) -> tuple[ObjArray, ObjArray]:
        """``model`` with ``+promo+heat`` suffixes, ``params`` with the effect sizes.

        Sizes are multipliers: ``promo x1.62`` on a promotion day, ``heat
        x1.07/C`` per degree, ``price x1.23/-10%`` for a 10% discount.
        """
        model, params = model.copy(), params.copy()
        for i in np.flatnonzero(self.applied.any(axis=1)):
            used = np.flatnonzero(self.applied[i])
            model[i] = str(model[i]) + "".join("+" + LABELS[self.names[j]] for j in used)
            sizes = ", ".join(_size(self.names[j], float(self.beta[group[i], j])) for j in used)
            params[i] = f"{params[i]}; {sizes}" if params[i] else sizes
        return model, params


def _size(name: str, beta: float) -> str:
    if name == "price":
        return f"price x{np.exp(-beta * np.log(0.9)):.3g}/-10%"
    return f"{LABELS[name]} x{np.exp(beta):.3g}" + ("/C" if name == "temperature" else "")


def adjust_chunk(
    demand: FloatArray,
    use: BoolArray,
    fitted: FloatArray,
    estimated: BoolArray,
    drivers: Drivers,
    cfg: ForecastConfig,
) -> Effects:
    """Estimate, test on the holdout and apply the drivers' effects to one chunk.

    ``use`` are the usable days (driver days included), ``fitted`` the base
    model's one-step forecasts (learnt without the exception days); only
    series whose model was ``estimated`` (not a fallback) are read and adjusted.
    """
    m, width = demand.shape
    start = max(0, width - cfg.exogenous_window_days)
    z = features(drivers, start, cfg.exogenous_memory_days)
    names = tuple(drivers.x)
    n_groups = int(drivers.group.max(initial=0)) + 1
    f = fitted[:, start:]
    ok = use[:, start:] & estimated[:, None] & np.isfinite(f) & (f > 0)
    ok &= np.isfinite(z[:, : width - start]).all(axis=2)
    rows, days = np.nonzero(ok)
    cells = Cells(demand[rows, start + days], f[rows, days], z[rows, days], drivers.group[rows], days)
    beta = np.zeros((n_groups, len(names)))
    if len(rows):
        keep = kept_effects(cells, n_groups, cfg.exogenous_holdout_days, cfg.exogenous_shrinkage)
        if keep.any():
            # every group's kept effects together; a group's other drivers read as absent
            kept = Cells(cells.y, cells.f, cells.z * keep[cells.group], cells.group, cells.day)
            beta = fit_effects(kept, n_groups, cfg.exogenous_shrinkage)[:, 1:] * keep
    terms = np.nan_to_num(z * beta[drivers.group][:, None, :], nan=0.0)
    terms[~estimated] = 0.0
    log_lift = np.clip(terms.sum(axis=2), -_MAX_LOG_EFFECT, _MAX_LOG_EFFECT)
    past = np.ones((m, width))
    past[:, start:] = np.exp(log_lift[:, : width - start])
    horizon = terms[:, width - start : width - start + cfg.horizon]
    applied = np.asarray((np.abs(horizon) > 1e-9).any(axis=1), dtype=bool)
    return Effects(names, beta, past, np.exp(log_lift[:, width - start :]), applied)

"""Server-side SVG for the item × store page: demand, forecast bands and projected stock.

Two panels share one date axis. The top panel: daily sales (bars) up to the
forecast date, then the forecast mean (line) with two bands, median to 90th
percentile and 90th to 97.5th percentile (the run stores upper quantiles
only, which is what a stockout depends on). The bottom panel: projected
stock on hand (step line), open receipts (marked with their quantity) and the
expected sellout day. Colours are SVG presentation attributes, not ``style``,
so the page's ``default-src 'self'`` policy holds; every label is text in the
SVG, nothing is behind a hover.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

from markupsafe import Markup, escape

from substitute.web.detail import ForecastPoint

__all__ = ["nice_ticks", "stock_chart"]

W, LEFT, RIGHT = 960, 64, 16
TOP_H, GAP, BOTTOM_H, AXIS_H = 200, 56, 150, 36
INK, GRID, SALES, MEAN, BAND1, BAND2, STOCK, ALERT, RECEIPT = (
    "#222",
    "#ddd",
    "#7a8da6",
    "#1f4e9c",
    "#9fb8e3",
    "#d3e0f5",
    "#2e7d32",
    "#c62828",
    "#6a1b9a",
)


def nice_ticks(high: float, n: int = 5) -> list[float]:
    """Round tick values from 0 to at least ``high`` (1, 2 or 5 times a power of ten apart)."""
    high = max(high, 1.0)
    raw = high / n
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    count = math.ceil(high / step - 1e-9)
    return [round(i * step, 10) for i in range(count + 1)]


def _fmt(value: float) -> str:
    return f"{value:g}" if value < 1000 else f"{value:,.0f}"


class _Panel:
    def __init__(self, top: float, height: float, first: dt.date, last: dt.date, high: float) -> None:
        self.top, self.height, self.first = top, height, first
        self.days = max((last - first).days, 1)
        self.ticks = nice_ticks(high)
        self.high = self.ticks[-1]

    def x(self, day: dt.date, offset: float = 0.0) -> float:
        return LEFT + ((day - self.first).days + offset) / self.days * (W - LEFT - RIGHT)

    def y(self, value: float) -> float:
        return self.top + self.height - value / self.high * self.height

    def axes(self, title: str) -> list[str]:
        out = []
        for tick in self.ticks:
            y = self.y(tick)
            out.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
            out.append(
                f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="12" fill="{INK}">'
                f"{_fmt(tick)}</text>"
            )
        out.append(
            f'<line x1="{LEFT}" x2="{LEFT}" y1="{self.top}" y2="{self.top + self.height}" stroke="{INK}"/>'
        )
        out.append(
            f'<text x="{LEFT}" y="{self.top - 8}" font-size="13" font-weight="bold" fill="{INK}">'
            f"{escape(title)}</text>"
        )
        return out


def _date_axis(panel: _Panel, first: dt.date, last: dt.date, y: float) -> list[str]:
    out = [f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{y}" y2="{y}" stroke="{INK}"/>']
    day = first + dt.timedelta(days=(7 - first.weekday()) % 7)  # Mondays
    while day <= last:
        x = panel.x(day, 0.5)
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y}" y2="{y + 5}" stroke="{INK}"/>')
        out.append(
            f'<text x="{x:.1f}" y="{y + 18}" text-anchor="middle" font-size="12" fill="{INK}">'
            f"{day:%m-%d}</text>"
        )
        day += dt.timedelta(days=7)
    out.append(
        f'<text x="{W - RIGHT}" y="{y + 32}" text-anchor="end" font-size="12" fill="{INK}">'
        "date (month-day, ticks on Mondays)</text>"
    )
    return out


def _vline(
    panels: Sequence[_Panel], x: float, colour: str, label: str, label_y: float, cls: str, dash: str = "4 3"
) -> list[str]:
    top, bottom = panels[0].top, panels[-1].top + panels[-1].height
    # Labels near the right edge go to the left of the line so they stay inside the chart.
    anchor, dx = ("end", -4) if x > W - 200 else ("start", 4)
    return [
        f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{bottom}" stroke="{colour}" '
        f'stroke-width="1.5" stroke-dasharray="{dash}" class="{cls}"/>',
        f'<text x="{x + dx:.1f}" y="{label_y:.1f}" text-anchor="{anchor}" font-size="12" fill="{colour}">'
        f"{escape(label)}</text>",
    ]


def stock_chart(
    *,
    as_of: dt.date,
    history: dict[dt.date, float],
    forecast: list[ForecastPoint],
    projected: list[tuple[dt.date, float]],
    receipts: list[tuple[dt.date, float]],
    on_hand: float,
    sellout: dt.date | None,
    history_days: int,
) -> Markup:
    """The two-panel SVG as markup safe to embed (all text in it is escaped here)."""
    first = as_of - dt.timedelta(days=history_days - 1)
    last = max([as_of + dt.timedelta(days=1)] + [p.day for p in forecast])
    end = last + dt.timedelta(days=1)
    top_high = max(
        [0.0] + list(history.values()) + [max(p.mean, p.q975 or 0, p.q95 or 0, p.q90 or 0) for p in forecast]
    )
    demand = _Panel(28, TOP_H, first, end, top_high)
    stock_high = max([on_hand] + [s for _, s in projected] + [q for _, q in receipts])
    stock = _Panel(28 + TOP_H + GAP, BOTTOM_H, first, end, stock_high)
    height = stock.top + stock.height + AXIS_H + 8
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {height:.0f}" class="chart" role="img" '
        'aria-labelledby="chart-title" data-chart="stock">',
        '<title id="chart-title">Daily sales, forecast with bands, and projected stock</title>',
    ]
    out += demand.axes("Demand (units per day): sales, then forecast")
    out += stock.axes("Stock on hand (units): projected, with receipts")
    bar = (demand.x(first, 1) - demand.x(first)) * 0.8
    for day, qty in sorted(history.items()):
        if qty > 0 and day >= first:
            y = demand.y(qty)
            out.append(
                f'<rect x="{demand.x(day, 0.1):.1f}" y="{y:.1f}" width="{bar:.1f}" '
                f'height="{demand.y(0) - y:.1f}" fill="{SALES}" class="sales-bar"/>'
            )
    if forecast:

        def band(lo: list[float], hi: list[float], colour: str, cls: str) -> str:
            xs = [demand.x(p.day, 0.5) for p in forecast]
            upper = " ".join(f"{x:.1f},{demand.y(v):.1f}" for x, v in zip(xs, hi, strict=True))
            lower = " ".join(
                f"{x:.1f},{demand.y(v):.1f}" for x, v in zip(reversed(xs), reversed(lo), strict=True)
            )
            return f'<polygon points="{upper} {lower}" fill="{colour}" class="{cls}"/>'

        q50 = [p.q50 if p.q50 is not None else p.mean for p in forecast]
        q90 = [max(p.q90 if p.q90 is not None else p.mean, m) for p, m in zip(forecast, q50, strict=True)]
        q975 = [max(p.q975 if p.q975 is not None else h, h) for p, h in zip(forecast, q90, strict=True)]
        out.append(band(q90, q975, BAND2, "band-975"))
        out.append(band(q50, q90, BAND1, "band-90"))
        mean = " ".join(f"{demand.x(p.day, 0.5):.1f},{demand.y(p.mean):.1f}" for p in forecast)
        out.append(
            f'<polyline points="{mean}" fill="none" stroke="{MEAN}" stroke-width="2" class="forecast-mean"/>'
        )
    # Projected stock as steps: the level holds through each day.
    points = [(stock.x(as_of, 1), stock.y(max(on_hand, 0)))]
    for day, level in projected:
        points.append((stock.x(day), points[-1][1]))
        points.append((stock.x(day), stock.y(level)))
        points.append((stock.x(day, 1), stock.y(level)))
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    out.append(
        f'<polyline points="{path}" fill="none" stroke="{STOCK}" stroke-width="2" class="projected-stock"/>'
    )
    for day, qty in receipts:
        if day <= last:
            x, y = stock.x(day, 0.5), stock.y(0)
            out.append(
                f'<polygon points="{x:.1f},{y - 14:.1f} {x - 6:.1f},{y:.1f} {x + 6:.1f},{y:.1f}" '
                f'fill="{RECEIPT}" class="receipt"/>'
            )
            out.append(
                f'<text x="{x:.1f}" y="{y - 18:.1f}" text-anchor="middle" font-size="12" fill="{RECEIPT}">'
                f"+{_fmt(qty)}</text>"
            )
    start = f"forecast from {as_of + dt.timedelta(days=1)}"
    out += _vline([demand, stock], demand.x(as_of, 1), INK, start, demand.top + 12, "forecast-start", "2 2")
    if sellout is not None and first <= sellout <= last:
        label = f"expected sellout {sellout}"
        out += _vline([demand, stock], stock.x(sellout, 0.5), ALERT, label, stock.top + 12, "sellout-day")
    out += _date_axis(stock, first, last, stock.top + stock.height)
    out.append("</svg>")
    return Markup("\n".join(out))

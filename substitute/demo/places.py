"""Stores of the demo chain, the online shop, and the weather each one sees.

Shops are placed in Japanese cities in a fixed order (larger markets first);
beyond the list, further branches open in the same cities. Temperature is a
yearly cycle per city plus weather that lasts a few days (an AR(1) anomaly),
partly shared nationwide, as fronts and heat waves cross the country.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ONLINE_ID = "ec"
TIMEZONE = "Asia/Tokyo"
#: Day of the year when the normal temperature peaks (early August).
WARMEST_DAY = 215


@dataclass(frozen=True)
class City:
    """A city a shop can open in, with its climate."""

    name_en: str
    name_ja: str
    region: str
    #: yearly mean and half the summer-winter difference of daily mean temperature (°C)
    mean_c: float
    swing_c: float
    #: market size: relative demand of a shop there
    size: float


CITIES: tuple[City, ...] = (
    City("Tokyo", "東京", "Kanto", 15.8, 10.8, 1.4),
    City("Osaka", "大阪", "Kansai", 16.9, 11.0, 1.2),
    City("Nagoya", "名古屋", "Chubu", 16.2, 11.6, 1.0),
    City("Fukuoka", "福岡", "Kyushu", 17.3, 10.2, 0.9),
    City("Sapporo", "札幌", "Hokkaido", 9.2, 12.9, 0.8),
    City("Sendai", "仙台", "Tohoku", 12.8, 11.4, 0.7),
    City("Yokohama", "横浜", "Kanto", 16.2, 10.6, 1.0),
    City("Kyoto", "京都", "Kansai", 16.2, 11.6, 0.9),
    City("Kobe", "神戸", "Kansai", 17.0, 10.8, 0.8),
    City("Hiroshima", "広島", "Chugoku", 16.5, 11.0, 0.7),
    City("Niigata", "新潟", "Chubu", 14.0, 11.5, 0.6),
    City("Kanazawa", "金沢", "Chubu", 15.0, 11.2, 0.6),
    City("Kagoshima", "鹿児島", "Kyushu", 18.8, 9.6, 0.6),
    City("Naha", "那覇", "Okinawa", 23.3, 6.0, 0.6),
)

_DISTRICTS = ("中央店", "駅前店", "北店", "南店", "東店", "西店", "本店", "モール店")


@dataclass(frozen=True)
class Shop:
    """A physical store or the online shop."""

    store_id: str
    name: str
    kind: str  # "store" or "online"
    region: str
    city: City | None
    #: relative demand of the shop (the online shop is the largest channel)
    size: float

    @property
    def online(self) -> bool:
        """True for the e-commerce channel."""
        return self.kind == "online"


def build_shops(n_stores: int) -> list[Shop]:
    """``n_stores`` physical shops followed by the online shop ``ec``."""
    shops = []
    for i in range(n_stores):
        city = CITIES[i % len(CITIES)]
        branch = i // len(CITIES)
        district = _DISTRICTS[branch % len(_DISTRICTS)]
        suffix = f"{branch // len(_DISTRICTS) + 1}" if branch >= len(_DISTRICTS) else ""
        shops.append(
            Shop(
                store_id=f"S{i + 1:03d}",
                name=f"あしあと {city.name_ja}{district}{suffix}",
                kind="store",
                region=city.region,
                city=city,
                size=city.size * (0.85 if branch else 1.0),
            )
        )
    shops.append(Shop(ONLINE_ID, "あしあと オンラインストア", "online", "online", None, 2.0))
    return shops


def temperatures(shops: list[Shop], day_of_year: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Daily mean temperature (°C, one decimal) per shop, shape ``(len(shops), days)``.

    The online shop gets the average of the physical shops' weather: its buyers
    live all over the country.
    """
    days = len(day_of_year)
    physical = [s for s in shops if not s.online]
    shared = _ar1(rng, days, 1, sd=2.0)[0]
    own = _ar1(rng, days, len(physical), sd=1.6)
    temps = np.empty((len(shops), days))
    season = np.cos(2 * np.pi * (day_of_year - WARMEST_DAY) / 365.25)
    row = 0
    for i, shop in enumerate(shops):
        if shop.online:
            continue
        assert shop.city is not None
        temps[i] = shop.city.mean_c + shop.city.swing_c * season + shared + own[row]
        row += 1
    if physical:
        mean = temps[[i for i, s in enumerate(shops) if not s.online]].mean(axis=0)
    else:
        mean = 15.8 + 10.8 * season + shared
    for i, shop in enumerate(shops):
        if shop.online:
            temps[i] = mean
    return np.round(temps, 1)


def _ar1(rng: np.random.Generator, days: int, rows: int, sd: float, phi: float = 0.75) -> np.ndarray:
    """Stationary AR(1) series: weather that lasts a few days."""
    shocks = rng.normal(0.0, sd * np.sqrt(1 - phi**2), size=(rows, days))
    out = np.empty((rows, days))
    out[:, 0] = rng.normal(0.0, sd, size=rows)
    for t in range(1, days):
        out[:, t] = phi * out[:, t - 1] + shocks[:, t]
    return out

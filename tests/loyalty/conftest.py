"""Fixtures for the loyalty tests: the shipped lexicons and a small catalogue."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from substitute.loyalty.reviews import ReviewClassifier

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "configs" / "loyalty"

#: A shoe retailer's catalogue: the brand's katakana reading comes from the
#: alias key, the model from the item.
CATALOGUE = [
    {"brand": "Teva", "maker": "Deckers", "model": "Hurricane XLT2", "name": "Hurricane XLT2 Sandal"},
    {"brand": "Chaco", "model": "Z/1 Classic", "aliases": ["チャコ"]},
    {"brand": "Suikou", "maker": "Suikou Shoten", "aliases": ["スイコー", "すいこう"]},
]


@pytest.fixture(scope="session")
def config_dir() -> Path:
    return CONFIG


@pytest.fixture(scope="session")
def clf() -> ReviewClassifier:
    """Classifier with the shipped lexicons and the test catalogue."""
    return ReviewClassifier.from_config(CONFIG, CATALOGUE)


@pytest.fixture(scope="session")
def bare() -> ReviewClassifier:
    """Classifier with the shipped lexicons and no catalogue items."""
    return ReviewClassifier.from_config(CONFIG)


def _halfwidth_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for cp in range(0xFF61, 0xFFA0):
        hw = chr(cp)
        full = unicodedata.normalize("NFKC", hw)
        if len(full) == 1:
            table.setdefault(full, hw)
    for cp in range(0x30A1, 0x30FB):
        full = chr(cp)
        if full in table:
            continue
        base, *marks = unicodedata.normalize("NFD", full)
        if base in table and marks in (["\u3099"], ["\u309a"]):
            table[full] = table[base] + ("\uff9e" if marks == ["\u3099"] else "\uff9f")
    return table


_HALF = _halfwidth_table()


def to_halfwidth_katakana(text: str) -> str:
    """Rewrite katakana the way old POS systems and phones type it (ﾘﾋﾟｰﾄ)."""
    return "".join(_HALF.get(ch, ch) for ch in text)


def to_fullwidth_latin(text: str) -> str:
    """Rewrite printable ASCII in full width (ＮＩＫＥ), as Japanese IMEs do."""
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)

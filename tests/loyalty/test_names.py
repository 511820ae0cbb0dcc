"""Catalogue names with aliases and readings, and names found by their shape."""

from __future__ import annotations

import pytest

from substitute.errors import ConfigError
from substitute.loyalty.lexicon import load_lexicon
from substitute.loyalty.names import NameIndex, find_unlisted_names
from substitute.loyalty.normalize import normalize
from tests.loyalty.conftest import CATALOGUE, CONFIG

ALIASES = {
    "name": [
        {"canonical": "Teva", "kind": "brand", "aliases": ["テバ", "テヴァ"]},
        {"canonical": "New Balance", "kind": "brand", "aliases": ["ニュー・バランス"]},
        {"canonical": "Hoka", "kind": "brand", "aliases": ["ホカ"]},
        {"canonical": "Zara", "kind": "brand", "aliases": ["ザラ"]},
    ],
    "ignore": ["classic"],
}


@pytest.fixture(scope="module")
def index() -> NameIndex:
    return NameIndex.from_items(CATALOGUE, ALIASES)


def _found(index: NameIndex, text: str) -> list[tuple[str, str]]:
    norm = normalize(text)
    return [(norm.text[m.start : m.end], m.canonical) for m in index.find(norm)]


def test_katakana_reading_romaji_and_width_variants_find_the_brand(index):
    assert _found(index, "テバのサンダル") == [("テバ", "Teva")]
    assert _found(index, "ﾃﾊﾞのサンダル") == [("テバ", "Teva")]
    assert _found(index, "ＴＥＶＡ") == [("teva", "Teva")]
    assert _found(index, "テヴァ") == [("テヴァ", "Teva")]


def test_catalogue_items_give_brand_maker_model_and_item_aliases(index):
    assert ("Hurricane XLT2", "model") == index.lookup("hurricane xlt2")
    assert index.lookup("Deckers") == ("Deckers", "maker")
    assert index.lookup("チャコ") == ("Chaco", "brand")
    assert "すいこう" in index


def test_spaces_and_middle_dots_inside_a_name_are_optional(index):
    assert [c for _, c in _found(index, "newbalanceとニューバランス")] == ["New Balance", "New Balance"]


def test_whole_words_only(index):
    assert _found(index, "tevatron") == []
    assert _found(index, "表面がザラザラ") == []  # ザラ inside a longer katakana word
    assert _found(index, "ほかに選びようがない") == []  # ホカ spelt in hiragana is another word


def test_ignored_catalogue_words_are_not_names(index):
    assert _found(index, "a classic look") == []


def test_alias_file_is_read_and_a_broken_one_says_so(tmp_path):
    index = NameIndex.from_config(CONFIG)
    assert index.lookup("テバ") == ("Teva", "brand")
    (tmp_path / "aliases.toml").write_text('[[name]]\nkind = "brand"\naliases = ["x"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="canonical"):
        NameIndex.from_config(tmp_path)
    (tmp_path / "aliases.toml").write_text("[[name]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        NameIndex.from_config(tmp_path)


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("ja", "ANKERのケーブルと「鬼滅の刃」", ["鬼滅の刃", "anker"]),
        ("ja", "USBとLEDと5000mAh", []),
        ("ja", "kindleとiphoneで読む", []),  # device names are in the stop list
        ("ja", "ロジクール社製のマウス", ["ロジクール"]),
        ("en", "I love my Flex Supreme shoes and the XLT2", ["flex supreme", "xlt2"]),
        ("en", "Great shoes. Comfortable too.", []),
        ("en", "I bought these on Amazon in May", []),
    ],
)
def test_names_outside_the_catalogue_are_found_by_shape(lang, text, expected):
    rules = load_lexicon(CONFIG / f"cues_{lang}.toml").names
    norm = normalize(text)
    assert sorted(m.canonical for m in find_unlisted_names(norm, lang, rules)) == sorted(expected)

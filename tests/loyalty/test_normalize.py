"""Normalisation: NFKC, width, case and kana folding, with offsets back to the original."""

from __future__ import annotations

import random
import unicodedata

import pytest

from substitute.loyalty.normalize import detect_language, fold_kana, normalize, normalize_term
from tests.loyalty.conftest import to_fullwidth_latin, to_halfwidth_katakana


def _naive(text: str) -> str:
    """Oracle: normalise each base character with its marks, one at a time."""
    out, i = [], 0
    while i < len(text):
        j = i + 1
        while j < len(text) and (text[j] in "\uff9e\uff9f" or unicodedata.combining(text[j])):
            j += 1
        out.append(unicodedata.normalize("NFKC", text[i:j]).lower())
        i = j
    return "".join(out).translate(str.maketrans({"\u2019": "'", "\u301c": "~"}))


def test_fullwidth_latin_and_halfwidth_katakana_become_ordinary_forms():
    norm = normalize("ＮＩＫＥのﾘﾋﾟｰﾄ")
    assert norm.text == "nikeのリピート"
    assert norm.folded == "nikeのりぴーと"


def test_offsets_point_back_to_the_original_characters():
    original = "ﾘﾋﾟｰﾄ買い"
    norm = normalize(original)
    start = norm.text.index("ピ")
    begin, stop = norm.original_span(start, start + 1)
    assert original[begin:stop] == "ﾋﾟ"  # two original characters became one
    assert norm.original_span(0, len(norm.text)) == (0, len(original))


def test_expanding_characters_keep_a_span_for_each_output_character():
    norm = normalize("㈱テバ")
    assert norm.text.startswith("(株)")
    assert [norm.original_span(i, i + 1) for i in range(3)] == [(0, 1)] * 3


def test_matches_a_naive_per_character_oracle():
    rng = random.Random(0)
    alphabet = "aAＡｱｶﾞﾟﾞか\u3099\u309aが\u3000！？。「」ー漢①㈱ｰ～〜’ .é"
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        norm = normalize(text)
        assert norm.text == _naive(text), text
        assert len(norm.starts) == len(norm.ends) == len(norm.text) == len(norm.folded)
        assert all(0 <= s < e <= len(text) for s, e in zip(norm.starts, norm.ends, strict=True))


def test_kana_folding_and_terms():
    assert fold_kana("リピート") == "りぴーと"
    assert normalize_term("ﾘﾋﾟ") == "りぴ"
    assert normalize_term("ﾅｲｷ", fold=False) == "ナイキ"


@pytest.mark.parametrize(
    ("text", "lang"),
    [("色違いで買いました", "ja"), ("Second pair!", "en"), ("漢字", "ja"), ("ﾘﾋﾟ", "ja"), ("", "en")],
)
def test_language_by_script(text, lang):
    assert detect_language(text) == lang


def test_width_helpers_used_by_the_tests_round_trip():
    assert normalize(to_halfwidth_katakana("ガンダムのリピート")).text == "ガンダムのリピート"
    assert normalize(to_fullwidth_latin("Teva 2")).text == "teva 2"

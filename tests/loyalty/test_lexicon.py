"""The cue files load, validate and match as documented."""

from __future__ import annotations

import pytest

from substitute.errors import ConfigError
from substitute.loyalty.lexicon import load_lexicon
from substitute.loyalty.normalize import normalize
from tests.loyalty.conftest import CONFIG

MINIMAL = """
lang = "en"
[[cue]]
group = "feel"
label = "behavioral"
weight = 1.0
terms = ["comfort*", "soft"]
"""


def _groups(path, text: str) -> list[tuple[str, str]]:
    lex = load_lexicon(path)
    norm = normalize(text)
    return [(norm.text[h.start : h.end], h.group.group) for h in lex.find_cues(norm)]


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_shipped_lexicons_load(lang):
    lex = load_lexicon(CONFIG / f"cues_{lang}.toml")
    assert lex.lang == lang
    assert {g.label for g in lex.spec.cue} >= {"psychological", "behavioral"}


def test_prefix_terms_match_word_starts_only(tmp_path):
    path = tmp_path / "cues_en.toml"
    path.write_text(MINIMAL, encoding="utf-8")
    assert _groups(path, "Comfortable and soft") == [("comfort", "feel"), ("soft", "feel")]
    assert _groups(path, "uncomfortable, softer") == []


@pytest.mark.parametrize(
    ("addition", "message"),
    [
        ("\n[scoring]\npsychological_minimum = 2\n", "psychological_minimum"),  # misspelt key
        (
            '\n[[cue]]\ngroup = "x"\nlabel = "behavioral"\nweight = 1\nregex = true\nterms = ["(unclosed"]\n',
            "regular expression",
        ),
        ('\n[[cue]]\ngroup = "p"\nlabel = "psychological"\nweight = 1\nterms = ["soft"]\n', "both labels"),
        ('\n[context]\ncomplaint = ["[z-a]"]\n', "complaint"),
    ],
)
def test_a_broken_file_fails_at_load_naming_the_problem(tmp_path, addition, message):
    path = tmp_path / "cues_en.toml"
    path.write_text(MINIMAL + addition, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_lexicon(path)


def test_missing_file_says_what_to_pass(tmp_path):
    with pytest.raises(ConfigError, match=r"cues_ja\.toml"):
        load_lexicon(tmp_path / "cues_ja.toml")


def test_masks_and_katakana_word_boundaries(config_dir):
    ja = config_dir / "cues_ja.toml"
    assert ("丈夫", "function") not in _groups(ja, "大丈夫です")
    assert not any(g == "repeat" for _, g in _groups(ja, "ピリピリする"))
    assert ("リピ", "repeat") in _groups(ja, "リピします")

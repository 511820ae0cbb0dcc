"""The prefix-tree regex matches exactly the listed terms, longest first."""

from __future__ import annotations

import random
import re

from substitute.loyalty.trie import trie_pattern


def test_longest_term_wins_and_specials_are_escaped():
    pattern = re.compile(trie_pattern(["buy", "buy again", "b.c", "リピ", "リピート"]))
    assert [m.group() for m in pattern.finditer("buy again, bxc b.c リピート")] == [
        "buy again",
        "b.c",
        "リピート",
    ]


def test_no_terms_never_matches():
    assert re.search(trie_pattern([]), "anything") is None


def test_agrees_with_a_naive_longest_match_oracle():
    rng = random.Random(1)
    for _ in range(500):
        terms = [
            "".join(rng.choice("ab.") for _ in range(rng.randint(1, 4))) for _ in range(rng.randint(1, 6))
        ]
        pattern = re.compile(trie_pattern(terms))
        text = "".join(rng.choice("ab.") for _ in range(12))
        for i in range(len(text)):
            m = pattern.match(text, i)
            expected = max((t for t in terms if text.startswith(t, i)), key=len, default=None)
            assert (m.group() if m else None) == expected

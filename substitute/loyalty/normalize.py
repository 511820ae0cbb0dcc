"""Text normalisation that remembers where every character came from.

Cues and names are matched on a normalised copy of the review (NFKC, so
full-width Latin and half-width katakana become their ordinary forms; Latin
case-folded; curly quotes and dash variants unified) and on a kana-folded copy
of that (katakana as hiragana, so 「リピ」 and 「りぴ」 meet). NFKC can merge
two characters into one (ｶﾞ → ガ) or split one into several (㈱ → (株)), so
the normalised text keeps, for each of its characters, the span of the
original it came from; evidence spans are reported in original offsets.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "NormalizedText",
    "detect_language",
    "fold_kana",
    "is_katakana",
    "is_word_char",
    "normalize",
    "normalize_term",
]

# Half-width voiced and semi-voiced sound marks: NFKC composes them with the
# preceding kana only when both are normalised together.
_HALFWIDTH_MARKS = frozenset("\uff9e\uff9f")

_KANA = re.compile(r"[\u3040-\u30ff\uff66-\uff9f]")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")

# Variants that NFKC leaves alone but a reader treats as the same character.
# Each maps one character to one character, so offsets are unaffected.
_UNIFY = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u301c": "~",  # wave dash
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
    }
)

# ァ (U+30A1) .. ヴ (U+30F4) sit 0x60 above their hiragana; ヵ ヶ are left as
# they are because their hiragana forms are never typed.
_KANA_FOLD = {cp: cp - 0x60 for cp in range(0x30A1, 0x30F5)}


@dataclass(frozen=True, slots=True)
class NormalizedText:
    """A review after normalisation, with offsets back to the original.

    Attributes
    ----------
    original
        The text as given.
    text
        NFKC, case-folded, quote and dash variants unified.
    folded
        ``text`` with katakana folded to hiragana; same length as ``text``.
    starts, ends
        For normalised character ``i``, the original span ``starts[i]:ends[i]``
        it came from.
    """

    original: str
    text: str
    folded: str
    starts: Sequence[int]
    ends: Sequence[int]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a normalised span ``[start, end)`` to the original text.

        Parameters
        ----------
        start, end
            Offsets in :attr:`text` with ``start < end``.

        Returns
        -------
        tuple of int
            ``(begin, stop)`` such that ``original[begin:stop]`` is the source
            of ``text[start:end]``.
        """
        return self.starts[start], self.ends[end - 1]


def fold_kana(text: str) -> str:
    """Fold katakana to hiragana (ア → あ), leaving everything else as is.

    Parameters
    ----------
    text
        Any string.

    Returns
    -------
    str
        A string of the same length.
    """
    return text.translate(_KANA_FOLD)


def _nfkc_lower(cluster: str) -> str:
    return unicodedata.normalize("NFKC", cluster).translate(_UNIFY).lower()


# Runs of characters that NFKC and lower() leave as they are, one for one:
# printable ASCII, Japanese punctuation and brackets, hiragana and katakana
# (without the voiced-sound marks), CJK ideographs. Most of a Japanese review
# is in such runs, so only the rest goes through the per-character path.
_STABLE_RUN = re.compile(
    r"[\u0020-\u007e\u3001\u3002\u300c-\u300f\u3041-\u3096\u309d-\u309f\u30a1-\u30fa\u30fc-\u30ff\u4e00-\u9fff]+"
)


def _is_mark(ch: str) -> bool:
    return ch in _HALFWIDTH_MARKS or unicodedata.combining(ch) != 0


def normalize(text: str) -> NormalizedText:
    """Normalise a review for matching and keep the offset map.

    Parameters
    ----------
    text
        The review as written.

    Returns
    -------
    NormalizedText
        Normalised and kana-folded copies with per-character original spans.
    """
    if text.isascii():
        # The common English case: lower() keeps length, offsets are identity.
        low = text.lower().translate(_UNIFY)
        n = len(text)
        return NormalizedText(text, low, low, range(n), range(1, n + 1))
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    i, n = 0, len(text)
    while i < n:
        m = _STABLE_RUN.match(text, i)
        if m is not None:
            j = m.end()
            if j < n and _is_mark(text[j]):
                j -= 1  # the last character composes with the mark after it
            if j > i:
                out.append(text[i:j].lower().translate(_UNIFY))
                starts.extend(range(i, j))
                ends.extend(range(i + 1, j + 1))
                i = j
                continue
        j = i + 1
        # A base character and its combining marks normalise as one unit.
        while j < n and _is_mark(text[j]):
            j += 1
        piece = _nfkc_lower(text[i:j])
        out.append(piece)
        starts.extend([i] * len(piece))
        ends.extend([j] * len(piece))
        i = j
    norm = "".join(out)
    return NormalizedText(text, norm, fold_kana(norm), starts, ends)


def normalize_term(term: str, *, fold: bool = True) -> str:
    """Normalise a cue or a name alias the way :func:`normalize` treats text.

    Parameters
    ----------
    term
        A lexicon entry or alias.
    fold
        Also fold katakana to hiragana (cues: yes; names keep their script,
        since a katakana name spelt in hiragana is usually another word).

    Returns
    -------
    str
        The form matched against :attr:`NormalizedText.folded` (``fold=True``)
        or :attr:`NormalizedText.text` (``fold=False``).
    """
    norm = _nfkc_lower(term)
    return fold_kana(norm) if fold else norm


def is_katakana(ch: str) -> bool:
    """Whether ``ch`` is a full-width katakana letter or the prolonged sound mark."""
    return "\u30a1" <= ch <= "\u30fa" or ch == "\u30fc"


def is_word_char(ch: str) -> bool:
    """Whether ``ch`` continues a Latin word or number (for name boundaries)."""
    return ch.isascii() and (ch.isalnum() or ch == "_")


def detect_language(text: str) -> str:
    """Guess ``"ja"`` or ``"en"`` from the script of the text.

    Any kana decides Japanese; otherwise CJK ideographs outnumbering Latin
    letters do (a review written in kanji only is rare but possible).

    Parameters
    ----------
    text
        A review, raw or normalised.

    Returns
    -------
    str
        ``"ja"`` or ``"en"``.
    """
    if _KANA.search(text):
        return "ja"
    return "ja" if len(_CJK.findall(text)) > len(_LATIN.findall(text)) else "en"

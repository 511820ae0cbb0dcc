"""Brand, maker, model and series names, in the catalogue and outside it.

:class:`NameIndex` holds the retailer's names with their aliases (katakana
readings, romaji, abbreviations) and finds them in a normalised review. A
review also names things the catalogue does not know — the phone it fits, an
author, a model code — so :func:`find_unlisted_names` recognises likely names
from their shape: Latin words and codes in Japanese text, capitalised words
inside an English sentence, 「」『』 titles, and katakana words followed by a
maker marker (〜製, 〜社). Whether a name is a *motive* is decided later, from
the cues around it (:mod:`substitute.loyalty.reviews`).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from substitute.errors import ConfigError
from substitute.loyalty.normalize import (
    NormalizedText,
    is_katakana,
    is_word_char,
    normalize_term,
)
from substitute.loyalty.trie import trie_pattern

if TYPE_CHECKING:
    from substitute.loyalty.lexicon import NameRules

__all__ = ["NAME_KINDS", "NameIndex", "NameMention", "find_unlisted_names", "name_index_from_names"]

#: Item keys read as names, and the kind each gives its values.
NAME_KINDS: Mapping[str, str] = {"brand": "brand", "maker": "maker", "model": "model", "name": "model"}
_MAX_ITEM_NAME = 40  # longer product titles are descriptions, not names people type
_SPACERS = re.compile(r"[\s・\-_.]+")


@dataclass(frozen=True, slots=True)
class NameMention:
    """A name found in a review (offsets in the normalised text)."""

    start: int
    end: int
    canonical: str
    kind: str
    listed: bool  # True when it came from the catalogue or the alias file


def _variants(alias: str) -> set[str]:
    """Spellings of one alias: as written, and without spaces/dots/hyphens."""
    term = normalize_term(alias, fold=False).strip()
    out = {term}
    if _SPACERS.search(term):
        out.add(_SPACERS.sub("", term))
        out.add(_SPACERS.sub(" ", term))
    return {v for v in out if len(v) >= 2}


class NameIndex:
    """The catalogue's names with aliases, matched in one pass.

    Parameters
    ----------
    entries
        ``(alias, canonical, kind)`` triples; every alias is also matched in
        its variants (kana-folded, without spaces or ``・``).
    ignore
        Catalogue values that are ordinary words ("classic", "basic") and must
        not count as names.
    """

    def __init__(self, entries: Iterable[tuple[str, str, str]], *, ignore: Iterable[str] = ()) -> None:
        skip = {normalize_term(w, fold=False) for w in ignore}
        self._lookup: dict[str, tuple[str, str]] = {}
        for alias, canonical, kind in entries:
            for variant in _variants(alias):
                if variant not in skip:
                    # First entry wins: catalogue order decides between homonyms.
                    self._lookup.setdefault(variant, (canonical, kind))
        self._pattern = re.compile(trie_pattern(self._lookup))

    @classmethod
    def from_items(
        cls,
        items: Iterable[Mapping[str, object]],
        aliases: Mapping[str, object] | None = None,
    ) -> NameIndex:
        """Build the index from catalogue items and an alias table.

        Parameters
        ----------
        items
            Dicts with any of the keys ``brand``, ``maker``, ``model``,
            ``name`` (strings) and optionally ``aliases`` (list of strings,
            aliases of the item's brand).
        aliases
            The parsed alias file: ``{"name": [{"canonical", "kind",
            "aliases"}], "ignore": [...]}``.

        Returns
        -------
        NameIndex
        """
        entries: list[tuple[str, str, str]] = []
        aliases = aliases or {}
        for row in _alias_rows(aliases):
            canonical, kind = str(row["canonical"]), str(row.get("kind", "brand"))
            spellings = row.get("aliases", [])
            if not isinstance(spellings, list):
                raise TypeError(f"aliases of {canonical!r} must be a list")
            entries.append((canonical, canonical, kind))
            entries.extend((str(a), canonical, kind) for a in spellings)
        for item in items:
            for key, kind in NAME_KINDS.items():
                value = item.get(key)
                if isinstance(value, str) and value.strip() and len(value) <= _MAX_ITEM_NAME:
                    entries.append((value, value.strip(), kind))
            brand = item.get("brand")
            extra = item.get("aliases")
            if isinstance(brand, str) and isinstance(extra, list | tuple):
                entries.extend((str(a), brand.strip(), "brand") for a in extra)
        ignore = aliases.get("ignore", [])
        return cls(entries, ignore=ignore if isinstance(ignore, list) else [])

    @classmethod
    def from_config(cls, config_dir: Path, items: Iterable[Mapping[str, object]] = ()) -> NameIndex:
        """Build the index from ``config_dir/aliases.toml`` (optional) and items.

        Parameters
        ----------
        config_dir
            Directory holding ``aliases.toml``, e.g. ``configs/loyalty``.
        items
            Catalogue items, see :meth:`from_items`.

        Returns
        -------
        NameIndex
        """
        path = Path(config_dir) / "aliases.toml"
        aliases: dict[str, object] = {}
        if path.is_file():
            try:
                with path.open("rb") as fh:
                    aliases = tomllib.load(fh)
            except tomllib.TOMLDecodeError as exc:
                raise ConfigError(f"{path}: not valid TOML ({exc}); fix the file") from exc
        try:
            return cls.from_items(items, aliases)
        except (KeyError, TypeError) as exc:
            raise ConfigError(
                f"{path}: each [[name]] needs canonical (text), kind and aliases (list of text): {exc}"
            ) from exc

    def __len__(self) -> int:
        return len(self._lookup)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and normalize_term(name, fold=False) in self._lookup

    def lookup(self, name: str) -> tuple[str, str] | None:
        """Return ``(canonical, kind)`` for a name or alias, or ``None``."""
        return self._lookup.get(normalize_term(name, fold=False))

    def find(self, norm: NormalizedText) -> list[NameMention]:
        """Listed names in a normalised review, whole words only.

        Names are matched in their own script (ホカ is not ほか "other"). A
        Latin alias must not continue a Latin word (``teva`` is not in
        ``tevatron``) and a katakana alias must not continue a katakana word
        (ザラ is not in ザラザラ), so short aliases stay safe.

        Parameters
        ----------
        norm
            The review from :func:`~substitute.loyalty.normalize.normalize`.

        Returns
        -------
        list of NameMention
        """
        if not self._lookup:
            return []
        text = norm.text
        found: list[NameMention] = []
        for m in self._pattern.finditer(text):
            start, end = m.span()
            if not _whole_word(text, start, end):
                continue
            canonical, kind = self._lookup[m.group()]
            found.append(NameMention(start, end, canonical, kind, True))
        return found


def _alias_rows(aliases: Mapping[str, object]) -> list[Mapping[str, object]]:
    rows = aliases.get("name", [])
    if not isinstance(rows, list):
        raise TypeError("[[name]] must be an array of tables")
    return rows


def _whole_word(text: str, start: int, end: int) -> bool:
    for inside, outside in (
        (text[start], text[start - 1] if start else ""),
        (text[end - 1], text[end] if end < len(text) else ""),
    ):
        if not outside:
            continue
        if is_word_char(inside) and is_word_char(outside):
            return False
        if is_katakana(inside) and is_katakana(outside):
            return False
    return True


# Latin words or model codes inside Japanese text ("anker", "xlt2", "d-01j").
_LATIN_TOKEN = re.compile(r"[a-z0-9][a-z0-9&'+\-]*[a-z0-9+]|[a-z]")
_QUOTED = re.compile(r"[「『]([^「」『』。\n]{1,25})[」』]")
_KATAKANA_RUN = re.compile(r"[\u30a1-\u30fa\u30fc]{2,}")
_UNIT = re.compile(
    r"\d+(?:\.\d+)?(?:mm|cm|m|km|ft|in|inch|inches|x|k|gb|tb|mb|mah|w|v|a|lbs?|oz|st|nd|rd|th|"
    r"pm|am|s|pcs?|pack|yrs?|years?|mins?|hrs?|ml|l|g|kg|hz|p|d)?"
)


def _is_code_or_word(token: str, stop: frozenset[str]) -> bool:
    if token in stop or _UNIT.fullmatch(token):
        return False
    return any(ch.isalpha() for ch in token)


def find_unlisted_names(norm: NormalizedText, lang: str, rules: NameRules) -> list[NameMention]:
    """Likely names that are not in the catalogue, found by their shape.

    Parameters
    ----------
    norm
        The normalised review.
    lang
        ``"ja"`` or ``"en"``.
    rules
        The ``[names]`` section of the language's cue lexicon: words that are
        never names and the markers that follow a maker's name.

    Returns
    -------
    list of NameMention
        With ``listed=False`` and ``canonical`` the matched text.
    """
    text = norm.text
    stop = rules.stop_set
    found: list[NameMention] = []
    for m in _QUOTED.finditer(text):
        found.append(NameMention(m.start(1), m.end(1), m.group(1), "title", False))
    if lang == "ja":
        run: list[tuple[int, int]] = []
        for m in _LATIN_TOKEN.finditer(text):
            if not (_is_code_or_word(m.group(), stop) and _whole_word(text, m.start(), m.end())):
                continue
            # "kindle oasis", "lavie direct next": one name, not three.
            if run and text[run[-1][1] : m.start()].strip() == "":
                run[-1] = (run[-1][0], m.end())
            else:
                run.append(m.span())
        found.extend(NameMention(a, b, text[a:b], "name", False) for a, b in run)
        for m in _KATAKANA_RUN.finditer(text):
            if m.group() in stop:
                continue
            tail = text[m.end() : m.end() + 4]
            if any(tail.startswith(marker) for marker in rules.markers_after):
                found.append(NameMention(m.start(), m.end(), m.group(), "maker", False))
    else:
        found.extend(_english_names(norm, stop))
    found.sort(key=lambda n: n.start)
    return found


_EN_WORD = re.compile(r"[a-z][a-z0-9&'\-]*")
_DIGIT = re.compile(r"\d")


def _english_names(norm: NormalizedText, stop: frozenset[str]) -> list[NameMention]:
    """Capitalised words inside a sentence, and alphanumeric model codes."""
    text, original = norm.text, norm.original
    out: list[NameMention] = []
    run: list[tuple[int, int]] = []

    def flush() -> None:
        if run:
            start, end = run[0][0], run[-1][1]
            out.append(NameMention(start, end, text[start:end], "name", False))
            run.clear()

    for m in _EN_WORD.finditer(text):
        start, end = m.span()
        word = m.group()
        first = original[norm.starts[start]]
        source = original[norm.starts[start] : norm.ends[end - 1]]
        k = start - 1
        while k >= 0 and text[k] in " \t":
            k -= 1
        sentence_start = k < 0 or text[k] in '.!?:;"(\n*-'
        capitalised = first.isupper() and not (len(source) > 1 and source.isupper())
        is_code = _DIGIT.search(word) is not None and not _UNIT.fullmatch(word)
        if (capitalised and not sentence_start and word not in stop) or is_code:
            if run and text[run[-1][1] : start].strip() == "":
                run.append((start, end))
            else:
                flush()
                run.append((start, end))
        else:
            flush()
    flush()
    return out


def name_index_from_names(names: Iterable[str]) -> NameIndex:
    """A :class:`NameIndex` from bare names (each its own canonical brand).

    Parameters
    ----------
    names
        Brand or model names, e.g. ``["Teva", "テバ"]``.

    Returns
    -------
    NameIndex
    """
    return NameIndex((name, name, "brand") for name in names)

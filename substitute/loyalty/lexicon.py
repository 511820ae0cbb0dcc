"""Cue lexicons: the retailer-editable ``configs/loyalty/cues_<lang>.toml``.

A lexicon file has four parts (see ``configs/loyalty/cues_ja.toml``):

``[scoring]``
    windows and thresholds of :mod:`substitute.loyalty.reviews`.
``[[cue]]``
    weighted evidence for ``psychological`` or ``behavioral``, a group of
    literal terms (``"comfort*"`` matches a word prefix in English) or, with
    ``regex = true``, regular expressions.
``[context]``
    regular expressions that change how evidence counts: complaint,
    comparison, compatibility ("iPhone用"), purchase motive, negation,
    clause breaks.
``[names]``
    words that look like names but are not, and the markers after a maker's
    name (〜社製).

All terms are matched on the normalised, kana-folded text
(:func:`~substitute.loyalty.normalize.normalize`), so write them in either
kana script and in lower case. The file is validated at load: a misspelt key
or a bad regular expression fails with the file name and the fix.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from substitute.errors import ConfigError
from substitute.loyalty.normalize import NormalizedText, fold_kana, is_katakana, normalize_term
from substitute.loyalty.trie import trie_pattern

__all__ = ["LABELS", "CueGroup", "CueHit", "Lexicon", "LexiconSpec", "NameRules", "Scoring", "load_lexicon"]

#: The labels a review can get, in the order used for reports.
LABELS = ("psychological", "behavioral", "none")
# A cue group with label "none" masks phrases that contain a cue but are not
# one (大丈夫 contains 丈夫): matched first, counted for nothing.
Label = Literal["psychological", "behavioral", "none"]


class _Spec(BaseModel):
    # A misspelt key in a retailer's file fails at load instead of being ignored.
    model_config = ConfigDict(extra="forbid", frozen=True)


class Scoring(_Spec):
    """Windows (in normalised characters) and decision thresholds."""

    name_window: int = Field(default=12, ge=0, le=200, description="chars around a name searched for context")
    negation_window: int = Field(
        default=24, ge=0, le=200, description="chars before a cue searched for a negation"
    )
    psychological_min: float = Field(
        default=1.5, gt=0, description="psychological evidence needed for the label"
    )
    behavioral_min: float = Field(default=0.75, gt=0, description="behavioural evidence needed for the label")
    name_motive_weight: float = Field(
        default=1.5, ge=0, description="a listed name next to a purchase/motive cue"
    )
    name_plain_weight: float = Field(default=0.5, ge=0, description="a listed name with no context")
    unlisted_factor: float = Field(
        default=0.6, ge=0, le=1, description="weight factor for names not in the catalogue"
    )
    complaint_damping: float = Field(
        default=0.4, ge=0, le=1, description="behavioural weight factor in a complaint clause"
    )


class CueGroup(_Spec):
    """One group of terms that are evidence for one label."""

    group: str = Field(min_length=1)
    label: Label
    weight: float = Field(gt=0, le=10)
    terms: tuple[str, ...] = Field(min_length=1)
    regex: bool = False
    negatable: bool = True
    #: Ignore a hit in a clause with a complaint ("a different colour arrived").
    complaint_sensitive: bool = False
    #: Ignore a hit with a comparison cue right after it ("純正品より安い").
    comparison_sensitive: bool = False


class ContextSpec(_Spec):
    """Regular expressions for the context around evidence."""

    complaint: tuple[str, ...] = ()
    comparison: tuple[str, ...] = ()
    motive: tuple[str, ...] = ()
    compat_before: tuple[str, ...] = ()
    compat_after: tuple[str, ...] = ()
    negation_before: tuple[str, ...] = ()
    negation_after: tuple[str, ...] = ()
    clause_break: tuple[str, ...] = ()


class NameRules(_Spec):
    """How names outside the catalogue are recognised."""

    stop: tuple[str, ...] = ()
    markers_after: tuple[str, ...] = ()

    @cached_property
    def stop_set(self) -> frozenset[str]:
        """The stop words, normalised like review text (not kana-folded)."""
        return frozenset(normalize_term(w, fold=False) for w in self.stop)


class LexiconSpec(_Spec):
    """The validated content of one ``cues_<lang>.toml``."""

    lang: Literal["ja", "en"]
    scoring: Scoring = Field(default_factory=Scoring)
    names: NameRules = Field(default_factory=NameRules)
    context: ContextSpec = Field(default_factory=ContextSpec)
    cue: tuple[CueGroup, ...] = Field(min_length=1)

    @field_validator("cue")
    @classmethod
    def _one_label_per_term(cls, groups: tuple[CueGroup, ...]) -> tuple[CueGroup, ...]:
        seen: dict[str, str] = {}
        for group in groups:
            if group.regex:
                continue
            for term in group.terms:
                key = normalize_term(term)
                if seen.setdefault(key, group.label) != group.label:
                    raise ValueError(f"term {term!r} is listed for both labels; keep it in one group")
        return groups


@dataclass(frozen=True, slots=True)
class CueHit:
    """A cue found in the normalised text."""

    start: int
    end: int
    group: CueGroup


def _literal_pattern(terms: list[str], lang: str) -> str:
    """Trie regex for literal terms; English terms must be whole words."""
    if lang != "en":
        return trie_pattern(terms)
    exact = [t for t in terms if not t.endswith("*")]
    prefix = [t[:-1] for t in terms if t.endswith("*")]
    # A prefix term ("comfort*") only needs a word start.
    return (
        rf"(?<![a-z0-9])(?:(?P<exact>{trie_pattern(exact)})(?![a-z0-9])|(?P<prefix>{trie_pattern(prefix)}))"
    )


def _compile(patterns: tuple[str, ...], what: str, *, flags: int = 0) -> re.Pattern[str]:
    if not patterns:
        return re.compile("(?!)")
    source = "|".join(f"(?:{fold_kana(p)})" for p in patterns)
    try:
        return re.compile(source, flags)
    except re.error as exc:
        raise ConfigError(f"[context] {what}: bad regular expression ({exc}); fix the pattern") from exc


class Lexicon:
    """A compiled cue lexicon for one language.

    Parameters
    ----------
    spec
        The validated file content.
    """

    def __init__(self, spec: LexiconSpec) -> None:
        self.spec = spec
        self.lang = spec.lang
        self.scoring = spec.scoring
        self.names = spec.names
        literal: dict[str, CueGroup] = {}
        for group in spec.cue:
            if not group.regex:
                for term in group.terms:
                    literal.setdefault(normalize_term(term), group)
        if self.lang == "en":
            # "comfort*" is stored as "comfort*" and matched as "comfort".
            literal = {(k[:-1] if k.endswith("*") else k): g for k, g in literal.items()}
        self._literal = literal
        prefixed = [normalize_term(t) for g in spec.cue if not g.regex for t in g.terms]
        self._literal_re = re.compile(_literal_pattern(prefixed, self.lang))
        self._regex_groups = [g for g in spec.cue if g.regex]
        parts = []
        for i, group in enumerate(self._regex_groups):
            source = "|".join(f"(?:{fold_kana(t)})" for t in group.terms)
            try:
                re.compile(source)
            except re.error as exc:
                raise ConfigError(
                    f"[[cue]] {group.group}: bad regular expression ({exc}); fix the pattern"
                ) from exc
            parts.append(f"(?P<r{i}>{source})")
        self._regex_re = re.compile("|".join(parts)) if parts else None
        ctx = spec.context
        self.complaint = _compile(ctx.complaint, "complaint")
        self.comparison = _compile(ctx.comparison, "comparison")
        self.motive = _compile(ctx.motive, "motive")
        # compat_after and negation_after are used with .match(text, pos), which
        # anchors at pos (a "^" would not); compat_before is searched in the
        # text just before a name, so it is anchored at the end.
        self.compat_after = _compile(tuple(rf"\s*(?:{p})" for p in ctx.compat_after), "compat_after")
        self.compat_before = _compile(tuple(rf"(?:{p})\s*$" for p in ctx.compat_before), "compat_before")
        self.negation_before = _compile(ctx.negation_before, "negation_before")
        self.negation_after = _compile(ctx.negation_after, "negation_after")
        self.clause_break = _compile(ctx.clause_break, "clause_break")

    def find_cues(self, norm: NormalizedText) -> list[CueHit]:
        """All evidence cues in the review, in text order.

        Parameters
        ----------
        norm
            The normalised review.

        Returns
        -------
        list of CueHit
        """
        text = norm.folded
        hits: list[CueHit] = []
        for m in self._literal_re.finditer(text):
            if _inside_katakana_word(norm.text, m.start(), m.end()):
                continue
            hits.append(CueHit(m.start(), m.end(), self._literal[m.group()]))
        if self._regex_re is not None:
            taken = {(h.start, h.end) for h in hits}
            for m in self._regex_re.finditer(text):
                group_name = m.lastgroup
                if group_name is not None and m.span() not in taken:
                    hits.append(CueHit(m.start(), m.end(), self._regex_groups[int(group_name[1:])]))
        masks = [h for h in hits if h.group.label == "none"]
        if masks:
            # A mask ("返品して再購入" is an exchange) silences every cue inside it.
            hits = [
                h
                for h in hits
                if h.group.label == "none" or not any(m.start < h.end and h.start < m.end for m in masks)
            ]
        hits.sort(key=lambda h: (h.start, -h.end))
        return hits

    def is_negated(self, folded: str, start: int, end: int, clause_start: int) -> bool:
        """Whether the cue at ``[start, end)`` is negated in its clause.

        Japanese negates after the word (リピートはしない), English before it
        (won't buy again); each language fills the side it needs.
        """
        before = folded[max(clause_start, start - self.scoring.negation_window) : start]
        if self.negation_before.search(before):
            return True
        return self.negation_after.match(folded, end) is not None


def _inside_katakana_word(text: str, start: int, end: int) -> bool:
    """A katakana cue inside a longer katakana word (リピ in ピリピリ) is no cue."""
    if not all(is_katakana(ch) for ch in text[start:end]):
        return False
    before = start > 0 and is_katakana(text[start - 1])
    after = end < len(text) and is_katakana(text[end])
    return before or after


def load_lexicon(path: Path) -> Lexicon:
    """Read, validate and compile one lexicon file.

    Parameters
    ----------
    path
        A ``cues_<lang>.toml`` file.

    Returns
    -------
    Lexicon

    Raises
    ------
    ConfigError
        When the file is missing, not TOML, or does not fit the schema.
    """
    try:
        with Path(path).open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ConfigError(
            f"{path}: cue lexicon not found; pass the directory holding cues_ja.toml and cues_en.toml"
        ) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix the file") from exc
    try:
        spec = LexiconSpec.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    return Lexicon(spec)

"""Read a review for the kind of loyalty behind the purchase.

``psychological``
    attachment to a name or to this exact product: a brand, maker, model,
    series or character as the reason to buy, the same product again, another
    colour of it, a collection, a long-time fan, a trend.
``behavioral``
    a need, a use, a function, the price, or the item's own look and feel,
    with no attachment to a name.
``none``
    nothing about why it was bought (a defect, the delivery, the fit).

The reading is transparent on purpose: weighted cues from the retailer's
lexicons (``configs/loyalty/cues_<lang>.toml``) and the catalogue's names,
counted in their clause. A name counts when a purchase or motive cue is near
it, not when it is only compared with ("cheaper than X"), only the device the
item fits ("iPhone用") or only part of a complaint. A repeat, a colour variant
or a fan cue decides for ``psychological`` even next to behavioural praise: a
customer who comes back for the same product rarely accepts a look-alike
(DOMAIN.md §2–3; attitudinal loyalty as in Dick & Basu 1994).

Use :class:`ReviewClassifier` (lexicons compiled once) for batches, or
:func:`classify_review` for one text.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from substitute.loyalty.lexicon import Lexicon, load_lexicon
from substitute.loyalty.names import NameIndex, NameMention, find_unlisted_names, name_index_from_names
from substitute.loyalty.normalize import NormalizedText, detect_language, normalize

__all__ = [
    "LANGUAGES",
    "Evidence",
    "ReviewClassifier",
    "ReviewLoyalty",
    "classify_review",
    "default_config_dir",
]

#: Languages with a lexicon; ``"auto"`` picks one by script.
LANGUAGES = ("ja", "en")

# Sentence ends: Japanese full stop, ! ?, line breaks, and an English full
# stop followed by a space (not the one in "9.5" or "U.S.").
_SENTENCE_END = re.compile(r"[。!?\n]+|\.+(?=\s|$)|…+")


@dataclass(frozen=True, slots=True)
class Evidence:
    """One piece of evidence for a label.

    Attributes
    ----------
    span
        ``(start, end)`` in the original review text.
    text
        ``review[start:end]``.
    cue
        The cue group (``"repeat"``, ``"price"``) or ``"name:<kind>"``.
    label
        The label it supports.
    weight
        What it counted for (0 for context shown with a ``none`` result).
    """

    span: tuple[int, int]
    text: str
    cue: str
    label: str
    weight: float

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {
            "span": list(self.span),
            "text": self.text,
            "cue": self.cue,
            "label": self.label,
            "weight": round(self.weight, 3),
        }


@dataclass(frozen=True, slots=True)
class ReviewLoyalty:
    """The reading of one review.

    Attributes
    ----------
    label
        ``"psychological"``, ``"behavioral"`` or ``"none"``.
    score
        Strength of the evidence for ``label`` in ``[0, 1]`` (0.5 at the
        decision threshold); an ordering, not a calibrated probability.
    evidence
        What was counted, in text order.
    lang
        The lexicon used.
    """

    label: str
    score: float
    evidence: tuple[Evidence, ...] = field(default=())
    lang: str = "ja"

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {
            "label": self.label,
            "score": self.score,
            "lang": self.lang,
            "evidence": [e.to_dict() for e in self.evidence],
        }


class _Segments:
    """Sentence and clause boundaries of a normalised text, for lookups by offset."""

    def __init__(self, text: str, clause_break: re.Pattern[str]) -> None:
        sentence_starts = [0] + [m.end() for m in _SENTENCE_END.finditer(text)]
        self.sentence_starts = sorted(set(sentence_starts))
        breaks = {m.end() for m in clause_break.finditer(text)}
        self.clause_starts = sorted(set(self.sentence_starts) | breaks)
        self.length = len(text)

    @staticmethod
    def _around(starts: list[int], pos: int, length: int) -> tuple[int, int]:
        i = bisect_right(starts, pos) - 1
        return starts[i], starts[i + 1] if i + 1 < len(starts) else length

    def sentence(self, pos: int) -> tuple[int, int]:
        return self._around(self.sentence_starts, pos, self.length)

    def clause(self, pos: int) -> tuple[int, int]:
        return self._around(self.clause_starts, pos, self.length)


class ReviewClassifier:
    """Classify reviews with lexicons and a name index loaded once.

    Parameters
    ----------
    lexicons
        One compiled :class:`~substitute.loyalty.lexicon.Lexicon` per language
        (``"ja"``, ``"en"``).
    names
        The catalogue's names; ``None`` recognises only names found by shape.

    Examples
    --------
    >>> clf = ReviewClassifier.from_config("configs/loyalty", [{"brand": "Teva"}])  # doctest: +SKIP
    >>> clf.classify("Tevaが好きで2足目です").label  # doctest: +SKIP
    'psychological'
    """

    def __init__(self, lexicons: Mapping[str, Lexicon], names: NameIndex | None = None) -> None:
        missing = [lang for lang in LANGUAGES if lang not in lexicons]
        if missing:
            raise ValueError(f"lexicons: no lexicon for {missing}; load cues_<lang>.toml for each")
        self.lexicons = dict(lexicons)
        self.names = names if names is not None else NameIndex(())

    @classmethod
    def from_config(
        cls,
        config_dir: Path | str | None = None,
        catalogue: NameIndex | Iterable[Mapping[str, object]] | None = None,
    ) -> ReviewClassifier:
        """Load ``cues_ja.toml``, ``cues_en.toml`` and ``aliases.toml``.

        Parameters
        ----------
        config_dir
            Directory of the loyalty configs; default :func:`default_config_dir`.
        catalogue
            A ready :class:`NameIndex`, or catalogue items (dicts with
            ``brand``, ``maker``, ``model``, ``name``) merged with the alias file.

        Returns
        -------
        ReviewClassifier
        """
        directory = Path(config_dir) if config_dir is not None else default_config_dir()
        lexicons = {lang: load_lexicon(directory / f"cues_{lang}.toml") for lang in LANGUAGES}
        if isinstance(catalogue, NameIndex):
            names = catalogue
        else:
            names = NameIndex.from_config(directory, catalogue or ())
        return cls(lexicons, names)

    def classify(
        self,
        text: str,
        *,
        lang: str = "auto",
        names: NameIndex | Iterable[str] | None = None,
    ) -> ReviewLoyalty:
        """Label one review and say why.

        Parameters
        ----------
        text
            The review as written (any width, any kana).
        lang
            ``"ja"``, ``"en"`` or ``"auto"`` (by script).
        names
            Extra names for this review only (e.g. the reviewed item's brand
            and model), as a :class:`NameIndex` or plain strings.

        Returns
        -------
        ReviewLoyalty
        """
        if lang not in ("auto", *LANGUAGES):
            raise ValueError(f"lang must be 'auto', 'ja' or 'en', got {lang!r}")
        norm = normalize(text if isinstance(text, str) else str(text))
        if lang == "auto":
            lang = detect_language(norm.text)
        lex = self.lexicons[lang]
        segments = _Segments(norm.folded, lex.clause_break)
        evidence = self._cue_evidence(norm, lex, segments)
        extra = names if isinstance(names, NameIndex) or names is None else name_index_from_names(names)
        evidence.extend(self._name_evidence(norm, lex, segments, lang, extra))
        evidence.sort(key=lambda e: e.span)
        return _decide(norm, lex, evidence, lang)

    def classify_many(self, texts: Iterable[str], *, lang: str = "auto") -> list[ReviewLoyalty]:
        """Label many reviews; see :meth:`classify`."""
        return [self.classify(t, lang=lang) for t in texts]

    # -- evidence from cue words -------------------------------------------------

    @staticmethod
    def _cue_evidence(norm: NormalizedText, lex: Lexicon, segments: _Segments) -> list[Evidence]:
        sc = lex.scoring
        folded = norm.folded
        seen: dict[str, int] = {}
        out: list[Evidence] = []
        for hit in lex.find_cues(norm):
            group = hit.group
            if group.label == "none":
                continue  # a mask: the phrase only looks like a cue
            c_start, c_end = segments.clause(hit.start)
            if group.negatable and lex.is_negated(folded, hit.start, hit.end, c_start):
                continue
            # Context patterns are kana-folded like cues: match them on the folded text.
            complaint = lex.complaint.search(folded, c_start, c_end) is not None
            if group.complaint_sensitive and complaint:
                continue
            if group.comparison_sensitive:
                s_end = segments.sentence(hit.start)[1]
                if lex.comparison.search(folded, hit.end, min(s_end, hit.end + sc.name_window)):
                    continue
            weight = group.weight
            if group.label == "behavioral" and complaint:
                weight *= sc.complaint_damping
            # Diminishing returns: the third "cute" adds less than the first.
            n = seen[group.group] = seen.get(group.group, 0) + 1
            weight /= n
            out.append(_evidence(norm, hit.start, hit.end, group.group, group.label, weight))
        return out

    # -- evidence from names ------------------------------------------------------

    def _name_evidence(
        self,
        norm: NormalizedText,
        lex: Lexicon,
        segments: _Segments,
        lang: str,
        extra: NameIndex | None,
    ) -> list[Evidence]:
        mentions = self.names.find(norm)
        if extra is not None:
            mentions += extra.find(norm)
        mentions += find_unlisted_names(norm, lang, lex.names)
        best: dict[str, Evidence] = {}
        for mention in _without_overlaps(mentions):
            weight = _name_weight(norm, lex, segments, mention)
            if weight <= 0:
                continue
            key = mention.canonical.lower()
            if key not in best or best[key].weight < weight:
                cue = f"name:{mention.kind}"
                best[key] = _evidence(norm, mention.start, mention.end, cue, "psychological", weight)
        return list(best.values())


def _without_overlaps(mentions: list[NameMention]) -> list[NameMention]:
    # Listed names first, then the longest, so "new balance" beats "balance".
    ordered = sorted(mentions, key=lambda m: (not m.listed, -(m.end - m.start), m.start))
    kept: list[NameMention] = []
    for m in ordered:
        if all(m.end <= k.start or m.start >= k.end for k in kept):
            kept.append(m)
    return kept


def _name_weight(norm: NormalizedText, lex: Lexicon, segments: _Segments, mention: NameMention) -> float:
    """How much a name counts as a psychological motive in its context."""
    sc = lex.scoring
    text = norm.folded
    s_start, s_end = segments.sentence(mention.start)
    c_start, c_end = segments.clause(mention.start)
    if lex.compat_after.match(text, mention.end):
        return 0.0
    if lex.compat_before.search(text[max(s_start, mention.start - 30) : mention.start]):
        return 0.0
    left = text[max(s_start, mention.start - sc.name_window) : mention.start]
    right = text[mention.end : min(s_end, mention.end + sc.name_window)]
    if lex.comparison.search(left) or lex.comparison.search(right):
        return 0.0
    if lex.is_negated(text, mention.start, mention.end, c_start):
        return 0.0  # "will not order another Nike"
    complaint = lex.complaint.search(text, c_start, c_end) is not None
    motive = bool(lex.motive.search(left) or lex.motive.search(right))
    if complaint and not motive:
        return 0.0
    weight = sc.name_motive_weight if motive and not complaint else sc.name_plain_weight
    return weight if mention.listed else weight * sc.unlisted_factor


def _evidence(norm: NormalizedText, start: int, end: int, cue: str, label: str, weight: float) -> Evidence:
    o_start, o_end = norm.original_span(start, end)
    return Evidence((o_start, o_end), norm.original[o_start:o_end], cue, label, weight)


def _decide(norm: NormalizedText, lex: Lexicon, evidence: list[Evidence], lang: str) -> ReviewLoyalty:
    sc = lex.scoring
    psych = sum(e.weight for e in evidence if e.label == "psychological")
    behav = sum(e.weight for e in evidence if e.label == "behavioral")
    p_ratio, b_ratio = psych / sc.psychological_min, behav / sc.behavioral_min
    if psych >= sc.psychological_min:
        label, score = "psychological", psych / (psych + sc.psychological_min)
    elif behav >= sc.behavioral_min:
        # Psychological evidence below its threshold makes the reading less sure.
        label, score = "behavioral", behav / (behav + sc.behavioral_min) * (1 - 0.5 * p_ratio)
    else:
        label, score = "none", 1 - 0.5 * max(p_ratio, b_ratio)
        # Show what the review is about instead (defect, delivery, fit).
        evidence = evidence + [
            _evidence(norm, m.start(), m.end(), "complaint", "none", 0.0)
            for m in lex.complaint.finditer(norm.folded)
            if m.end() > m.start()
        ]
        evidence.sort(key=lambda e: e.span)
    return ReviewLoyalty(label, round(min(max(score, 0.0), 1.0), 3), tuple(evidence), lang)


def default_config_dir() -> Path:
    """``<settings config dir>/loyalty``: ``$SUBSTITUTE_CONFIG_DIR/loyalty`` or ``configs/loyalty``."""
    from substitute.settings import default_config_dir as settings_dir

    return settings_dir() / "loyalty"


@lru_cache(maxsize=4)
def _default_classifier(config_dir: str) -> ReviewClassifier:
    return ReviewClassifier.from_config(Path(config_dir))


def classify_review(
    text: str,
    *,
    lang: str = "auto",
    names: NameIndex | Iterable[str] | None = None,
    config_dir: Path | str | None = None,
) -> ReviewLoyalty:
    """Label one review with the default lexicons (cached after the first call).

    Parameters
    ----------
    text
        The review.
    lang
        ``"ja"``, ``"en"`` or ``"auto"``.
    names
        Names to recognise in this review (the item's brand, model, aliases);
        the alias file's names are always known.
    config_dir
        Directory of the loyalty configs; default :func:`default_config_dir`.

    Returns
    -------
    ReviewLoyalty

    Examples
    --------
    >>> classify_review("色違いでリピートしました").label  # doctest: +SKIP
    'psychological'
    """
    directory = Path(config_dir) if config_dir is not None else default_config_dir()
    return _default_classifier(str(directory.resolve())).classify(text, lang=lang, names=names)

"""The review classifier on planted reviews: labels, evidence, names in context."""

from __future__ import annotations

import pytest

from substitute.loyalty.lexicon import LABELS
from substitute.loyalty.reviews import ReviewClassifier, classify_review
from tests.loyalty.conftest import CONFIG, to_fullwidth_latin, to_halfwidth_katakana

PLANTED = [
    # psychological: repeat, colour variant, fan, long-time use, series, trend, name as motive
    ("psychological", "色違いでリピートしました。"),
    ("psychological", "3足目の購入です。履き心地が良い。"),
    ("psychological", "ずっと愛用しているシリーズです"),
    ("psychological", "Tevaが好きで購入しました"),
    ("psychological", "みんな持っている流行りのサンダルなので買いました"),
    ("psychological", "This is my second pair, I love them."),
    ("psychological", "I have them in three colors now."),
    ("psychological", "Big fan of this brand, will buy again."),
    ("psychological", "I've been wearing these for over 5 years."),
    # behavioural: need, use, price, look, feel
    ("behavioral", "通勤用に購入しました。軽くて歩きやすいです。"),
    ("behavioral", "写真を見て一目惚れ。色が可愛い！"),
    ("behavioral", "サンダルを探していて、安くて可愛かったので購入"),
    ("behavioral", "Bought these for my commute. Comfortable and a great price."),
    ("behavioral", "Was looking for sandals and these were cute."),
    # none: defect, delivery, fit only
    ("none", "二日で壊れました。返品します。"),
    ("none", "配送が遅かった。"),
    ("none", "Runs small, order a size up."),
    ("none", "Arrived late and the box was damaged."),
]


@pytest.mark.parametrize(("label", "text"), PLANTED)
def test_planted_reviews(clf, label, text):
    result = clf.classify(text)
    assert result.label == label, result
    assert 0.0 <= result.score <= 1.0


@pytest.mark.parametrize(("label", "text"), PLANTED)
def test_evidence_spans_point_at_the_cue_text(clf, label, text):
    result = clf.classify(text)
    for e in result.evidence:
        assert text[e.span[0] : e.span[1]] == e.text
        assert e.label in LABELS
    if label != "none":
        assert any(e.label == label for e in result.evidence)


def test_evidence_names_the_cue_and_its_position(clf):
    text = "今回は色違いで購入。"
    result = clf.classify(text)
    variant = [e for e in result.evidence if e.cue == "variant"]
    assert [(e.span, e.text) for e in variant] == [((3, 7), "色違いで")]


@pytest.mark.parametrize(("label", "text"), [p for p in PLANTED if p[0] != "none"])
def test_width_variants_do_not_change_the_label(clf, label, text):
    for variant in (to_halfwidth_katakana(text), to_fullwidth_latin(text)):
        result = clf.classify(variant)
        assert result.label == label, variant
        for e in result.evidence:
            assert variant[e.span[0] : e.span[1]] == e.text


def test_katakana_reading_of_a_catalogue_brand_is_a_name(clf, bare):
    text = "スイコーが好きで購入しました"
    result = clf.classify(text)
    assert result.label == "psychological"
    assert any(e.cue == "name:brand" and e.text == "スイコー" for e in result.evidence)
    assert bare.classify(text).label != "psychological"  # unknown without the catalogue


def test_names_can_be_passed_for_one_review(bare):
    text = "スイコーが好きで購入しました"
    assert bare.classify(text, names=["スイコー"]).label == "psychological"
    assert classify_review(text, names=["スイコー"], config_dir=CONFIG).label == "psychological"


@pytest.mark.parametrize(
    "text",
    [
        "Tevaより安くて軽いので満足",  # comparison only
        "チャコと比べて軽くて歩きやすい",
        "Cheaper than my Teva sandals and just as comfortable.",
        "Compared to Chaco these are lighter and cheaper.",
    ],
)
def test_a_brand_mentioned_only_as_comparison_is_not_psychological(clf, text):
    result = clf.classify(text)
    assert result.label == "behavioral", result
    assert not any(e.cue.startswith("name:") for e in result.evidence)


@pytest.mark.parametrize(
    "text",
    [
        "Tevaのサンダル、一週間で底が剥がれた。",
        "チャコのストラップがすぐ壊れました",
        "The Teva strap broke after a week.",
        "My Chaco sandals arrived damaged.",
    ],
)
def test_a_brand_mentioned_only_in_a_complaint_is_not_psychological(clf, text):
    assert clf.classify(text).label == "none"


@pytest.mark.parametrize(
    "text",
    ["iPhone 8用のケース。軽くて便利。", "This case fits my Teva sandal box perfectly and is easy to use."],
)
def test_the_device_an_item_fits_is_not_a_motive(clf, text):
    assert clf.classify(text).label == "behavioral"


@pytest.mark.parametrize(
    "text",
    [
        "リピートはしません。",
        "リピなしです",
        "I will not buy these again.",
        "Would never order another pair.",
    ],
)
def test_negated_repeat_is_not_psychological(clf, text):
    assert clf.classify(text).label != "psychological"


def test_exchange_after_a_defect_is_not_a_repeat(clf):
    assert clf.classify("不良品だったので返品して再購入しました").label == "none"


def test_deterministic(clf):
    text = "色違いでリピート。Tevaのサンダルは軽くて安い"
    first = clf.classify(text)
    assert all(clf.classify(text) == first for _ in range(5))
    other = ReviewClassifier.from_config(CONFIG, [{"brand": "Teva"}])
    assert (
        other.classify(text).to_dict()
        == ReviewClassifier.from_config(CONFIG, [{"brand": "Teva"}]).classify(text).to_dict()
    )


def test_language_is_detected_or_forced(clf):
    assert clf.classify("Second pair!").lang == "en"
    assert clf.classify("リピです").lang == "ja"
    assert clf.classify("second pair", lang="ja").lang == "ja"
    with pytest.raises(ValueError, match="lang"):
        clf.classify("x", lang="fr")


def test_empty_review_is_none(clf):
    result = clf.classify("")
    assert (result.label, result.evidence) == ("none", ())


def test_batches_give_the_same_answers(clf):
    texts = [t for _, t in PLANTED]
    assert clf.classify_many(texts) == [clf.classify(t) for t in texts]

"""Review wording, in Japanese and English, by the motive behind the purchase.

* psychological: names the brand or model (katakana, kanji, romaji or Latin),
  "2足目", "色違いで購入", "ずっとファン", "話題なので"; a few say so without
  any name ("リピートです");
* behavioural: the need, the use, the price or the look, no names
  ("見た目に一目惚れ", "通勤用に"); a few mention another brand only as a
  comparison, or buy a "second pair" for the family;
* none: delivery, sizing, defects; a few complaints name the brand.

Sentences are drawn from several templates and joined with optional neutral
remarks and closers, so no single phrase gives the motive away.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PSYCHOLOGICAL, BEHAVIOURAL, NONE = "psychological", "behavioural", "none"

_PSY = {
    "ja": (
        "{brand}の{model}、{nth}です。やっぱりこれが一番。",
        "ずっと{brand}のファンです。今回は{colour}を選びました。",
        "{model}の色違いで購入しました。{colour}も良い感じです。",
        "{brand}が好きで、新作が出るたびに買っています。",
        "話題の{model}、やっと手に入りました！",
        "{model}を探していて、こちらで見つけました。",
        "{brand}以外は考えられません。{model}は定番ですね。",
        "前に買った{model}が気に入ってリピートです。",
        "みんなが持っている{brand}、私も欲しくて購入。",
        "{brand}一択です。サイズ感もいつも通り。",
        "{model}はもう手放せません。色違いで揃えています。",
        "{model}の新色が出たので即買いしました。",
        "品切れが続いていた{model}、再入荷を待って購入しました。",
        "やっぱり{brand}！{short}は他とは違います。",
        "{brand}さんの{noun}は毎年買っています。",
    ),
    "en": (
        "My {nth} pair of {brand} {model}. Still the best.",
        "Long-time {brand} fan. Went for {colour} this time.",
        "Bought the {model} in another colour. The {colour} looks great too.",
        "I buy every new {brand} release.",
        "Finally got the {model} everyone is talking about!",
        "I was looking for the {model} and found it here.",
        "Nothing but {brand} for me. The {model} is a classic.",
        "Loved my old {model}, so I bought it again.",
        "Everyone has {brand} these days and I wanted one too.",
        "Always {brand}. Same fit as ever.",
        "Can't live without my {short}. Collecting the colours now.",
        "Bought the new {colour} {model} the day it came out.",
        "The {model} was sold out for weeks; I waited for the restock.",
    ),
}
_PSY_UNNAMED = {
    "ja": (
        "色違いで購入しました。",
        "リピート買いです。{nth}になりました。",
        "ずっと同じものを愛用しています。",
        "SNSで話題だったので。",
        "色違いで揃えたくて購入。",
    ),
    "en": (
        "Bought it in another colour.",
        "Repeat purchase, my {nth} one.",
        "I have used the same one for years.",
        "Saw it all over social media.",
    ),
}
_BEH = {
    "ja": (
        "見た目に一目惚れして購入しました。",
        "{use}探していました。{good}",
        "{noun}を探していてかわいかったので。",
        "{use}購入。{good}",
        "暑くなってきたので涼しい{noun}が欲しくて。",
        "値段の割にしっかりしていて満足です。",
        "写真で見て色が素敵だったので決めました。",
        "手頃な価格で、{use}ちょうど良かったです。",
        "{use}軽くて扱いやすいものを探していました。",
        "色と形が気に入りました。{good}",
        "{use}、使い勝手で選びました。",
    ),
    "en": (
        "Love at first sight from the photo.",
        "I needed something {use_en}. {good}",
        "I was looking for {noun} and these were cute.",
        "Bought {use_en}. {good}",
        "It got hot, so I wanted some cool {noun}.",
        "Solid for the price.",
        "The colour looked lovely in the pictures.",
        "Good value and just right {use_en}.",
        "Wanted something light {use_en}.",
    ),
}
_BEH_OWNED = {"ja": ("手持ちの{owned}に合わせて選びました。",), "en": ("Chose it to go with my {owned}.",)}
_BEH_TRICKY = {
    "ja": (
        "以前は{other}を使っていましたが、今回は{use}用途に合うものを選びました。",
        "{other}と迷いましたが、値段と使い道でこちらにしました。",
        "家族用に{nth}を購入。{good}",
    ),
    "en": (
        "I used to wear {other}, but this time I picked what suits the purpose.",
        "Torn between this and {other}; price and use decided it.",
        "Got a {nth} one for my family. {good}",
    ),
}
_NONE = {
    "ja": (
        "届くのが早くて助かりました。",
        "梱包が丁寧でした。",
        "サイズは普段通りでちょうど良かったです。",
        "店員さんの対応が丁寧でした。",
        "普通です。",
        "ギフト用に購入しました。",
    ),
    "en": (
        "Arrived quickly.",
        "Nicely packed.",
        "True to size.",
        "Staff were very helpful.",
        "It's fine.",
        "Bought as a gift.",
    ),
}
_COMPLAINTS = {
    "ja": (
        "少し大きめでした。ハーフサイズ下げても良かったかも。",
        "初日は少し靴擦れしました。",
        "縫製に少しほつれがありました。",
        "思ったより色が暗めでした。",
    ),
    "en": (
        "Runs a little large.",
        "Gave me a blister on the first day.",
        "Some loose stitching.",
        "Colour is darker than expected.",
    ),
}
_DEFECT_NAMED = {
    "ja": (
        "{brand}なのに一週間でストラップが取れました。残念です。",
        "{brand}の割に作りが雑で、がっかりしました。",
    ),
    "en": ("A strap came off after a week. Expected better from {brand}.", "Poor finish for a {brand}."),
}
_RETURNED = {
    "ja": (
        "サイズが合わず返品しました。",
        "イメージと違ったので返品させていただきました。",
        "少し小さかったので返品しました。対応は丁寧でした。",
    ),
    "en": (
        "Didn't fit, returned it.",
        "Not what I expected, so I sent it back.",
        "A bit small; returned it. The return was easy.",
    ),
}
_GOOD = {
    "ja": (
        "歩きやすくて満足。",
        "とても快適です。",
        "コスパが良いです。",
        "想像通りでした。",
        "使いやすいです。",
    ),
    "en": ("Very comfortable.", "Great value.", "Exactly as pictured.", "Easy to wear."),
}
_CLOSERS = {
    "ja": ("また利用します。", "おすすめです。", "満足しています。"),
    "en": ("Would buy again.", "Recommended.", "Happy with it."),
}
_USES = {
    "outdoor": ("キャンプ用に", "for camping"),
    "leisure": ("休日のお出かけ用に", "for weekends out"),
    "town": ("街歩き用に", "for walking around town"),
    "beach": ("海やプール用に", "for the beach"),
    "travel": ("旅行用に", "for travelling"),
    "office": ("オフィスでの履き替え用に", "for the office"),
    "festival": ("夏祭り用に", "for the summer festival"),
    "formal": ("お茶会用に", "for a tea ceremony"),
    "ceremony": ("式典用に", "for a ceremony"),
    "home": ("家でくつろぐ用に", "for lounging at home"),
}
_ORDINALS_EN = ("second", "third", "fourth")


@dataclass(frozen=True)
class Slots:
    """What a review may mention; ``brand``/``model`` are already in the chosen script."""

    brand: str
    model: str
    short: str
    other_brand: str
    noun: str
    colour: str
    counter: str  # 足 / 枚 / 本
    uses: tuple[str, ...]
    owned: str  # "" when the customer owns nothing that goes with it


def compose(
    rng: np.random.Generator, language: str, motive: str, slots: Slots, returned: bool
) -> tuple[str, bool, bool]:
    """One review text, whether it names a brand or model, and whether it complains."""
    lang = "en" if language == "en" else "ja"
    negative = returned
    if returned:
        main = _pick(rng, _RETURNED[lang])
    elif motive == PSYCHOLOGICAL:
        main = _pick(rng, _PSY_UNNAMED[lang] if rng.random() < 0.2 else _PSY[lang])
    elif motive == BEHAVIOURAL:
        draw = rng.random()
        if draw < 0.1:
            main = _pick(rng, _BEH_TRICKY[lang])
        elif draw < 0.25 and slots.owned:
            main = _pick(rng, _BEH_OWNED[lang])
        else:
            main = _pick(rng, _BEH[lang])
    else:
        draw = rng.random()
        negative = draw < 0.4
        main = _pick(
            rng, _DEFECT_NAMED[lang] if draw < 0.08 else _COMPLAINTS[lang] if negative else _NONE[lang]
        )
    parts = [main]
    if motive != NONE and rng.random() < 0.4:
        remark = _pick(rng, _NONE[lang][:4])
        # The remark comes first now and then, so the motive is not always the opening.
        parts = [remark, main] if rng.random() < 0.3 else [main, remark]
    if not negative and rng.random() < 0.3:
        parts.append(_pick(rng, _CLOSERS[lang]))
    template = ("" if lang == "ja" else " ").join(parts)
    named = any(key in template for key in ("{brand}", "{model}", "{short}", "{other}"))
    use = _pick(rng, slots.uses) if slots.uses else "festival"
    nth = int(rng.integers(2, 5))
    text = template.format(
        brand=slots.brand,
        model=slots.model,
        short=slots.short,
        other=slots.other_brand,
        noun=slots.noun,
        colour=slots.colour,
        nth=f"{nth}{slots.counter}目" if lang == "ja" else _ORDINALS_EN[nth - 2],
        use=_USES[use][0],
        use_en=_USES[use][1],
        good=_pick(rng, _GOOD[lang]),
        owned=slots.owned,
    )
    return text, named, negative


def _pick(rng: np.random.Generator, options: tuple[str, ...]) -> str:
    return options[int(rng.integers(0, len(options)))]

"""Static data of the demo retailer: brands, colours and model templates.

The sandal brands are real and priced like their Japanese list prices; the
kimono makers and the house brand are invented. ``aliases`` are the ways
customers write a name in reviews (katakana, kanji, romaji, Latin), which is
what makes reading loyalty from reviews a real task rather than a string
match on the item master.
"""

from __future__ import annotations

from dataclasses import dataclass

HOUSE_BRAND = "Ashiato"


@dataclass(frozen=True)
class Brand:
    """A brand on the shelf and the company that makes it."""

    name: str
    maker: str
    #: three letters that start every model code of the brand
    code: str
    aliases: tuple[str, ...]
    #: relative number of customers attached to the brand
    fan_weight: float


@dataclass(frozen=True)
class Colour:
    """A colour as the item master writes it, and as a Japanese review would."""

    name: str
    code: str
    ja: str
    #: neutral / cool / warm / earth: decides which colours go together
    tone: str


@dataclass(frozen=True)
class ModelTemplate:
    """A product model the catalogue can be built from (see ``_TEMPLATE_TABLE``)."""

    brand: str
    name: str
    #: how Japanese customers write the model (katakana or kanji)
    name_ja: str
    category: str
    purposes: tuple[str, ...]
    price: int
    #: offered colours, most popular first
    colours: tuple[str, ...]
    #: offered sizes, smallest first
    sizes: tuple[str, ...]
    popularity: float = 1.0


BRANDS: tuple[Brand, ...] = (
    Brand("Teva", "Deckers Brands", "TEV", ("Teva", "テバ", "TEVA", "teva"), 1.3),
    Brand("Chaco", "Wolverine World Wide", "CHA", ("Chaco", "チャコ", "CHACO"), 0.8),
    Brand("KEEN", "KEEN, Inc.", "KEE", ("KEEN", "キーン", "Keen"), 1.0),
    Brand(
        "Birkenstock",
        "Birkenstock Group",
        "BIR",
        ("Birkenstock", "ビルケンシュトック", "ビルケン", "BIRKENSTOCK"),
        1.3,
    ),
    Brand("Crocs", "Crocs, Inc.", "CRO", ("Crocs", "クロックス", "crocs"), 1.0),
    Brand(HOUSE_BRAND, "Ashiato Co., Ltd.", "ASH", ("あしあと", "Ashiato", "アシアト"), 0.4),
    Brand("Miyabiori", "Miyabiori Kyoto", "MYB", ("雅織", "みやびおり", "Miyabiori"), 1.0),
    Brand("Hanagoyomi", "Hanagoyomi Co.", "HNG", ("花ごよみ", "はなごよみ", "Hanagoyomi"), 0.9),
    Brand("Kiriya", "Kiriya Hakimono", "KRY", ("桐屋", "きりや", "Kiriya"), 0.9),
    Brand("Sakuragi", "Sakuragi Gofuku", "SKR", ("桜木", "さくらぎ", "Sakuragi"), 0.8),
)

BRAND_INDEX = {b.name: i for i, b in enumerate(BRANDS)}

COLOURS: tuple[Colour, ...] = (
    Colour("black", "BLK", "ブラック", "neutral"),
    Colour("white", "WHT", "ホワイト", "neutral"),
    Colour("grey", "GRY", "グレー", "neutral"),
    Colour("navy", "NVY", "ネイビー", "cool"),
    Colour("blue", "BLU", "ブルー", "cool"),
    Colour("olive", "OLV", "オリーブ", "earth"),
    Colour("khaki", "KHK", "カーキ", "earth"),
    Colour("tan", "TAN", "タン", "earth"),
    Colour("brown", "BRN", "ブラウン", "earth"),
    Colour("beige", "BEI", "ベージュ", "earth"),
    Colour("red", "RED", "レッド", "warm"),
    Colour("pink", "PNK", "ピンク", "warm"),
    Colour("indigo", "IND", "藍", "cool"),
    Colour("ivory", "IVR", "生成り", "neutral"),
    Colour("vermilion", "VRM", "朱", "warm"),
    Colour("yellow", "YLW", "山吹", "warm"),
    Colour("purple", "PRP", "紫", "cool"),
    Colour("green", "GRN", "若竹", "cool"),
)

COLOUR_INDEX = {c.name: i for i, c in enumerate(COLOURS)}

_SIZES = {
    "W": ("22.5", "23.0", "23.5", "24.0", "24.5", "25.0"),  # women's sandal sizes
    "U": ("23.0", "24.0", "25.0", "26.0", "27.0", "28.0"),  # unisex
    "M": ("25.0", "25.5", "26.0", "26.5", "27.0", "28.0"),  # men's
    "SML": ("S", "M", "L"),
    "ML": ("M", "L"),
    "F": ("F",),
}

# brand|model|as written in Japanese|category|purposes|price (JPY)|colours|sizes (see _SIZES)|popularity
#
# Ordered so that taking templates from the top covers several brands and
# categories early: a 40-item catalogue still has three sandal brands.
_TEMPLATE_TABLE = """
Teva|Hurricane XLT2|ハリケーン XLT2|sandals|outdoor leisure travel|9900|black olive navy grey|U|2.0
Chaco|Z/1 Classic|Z/1 クラシック|sandals|outdoor leisure|14300|black blue red|U|1.0
Miyabiori|Asagao|朝顔|yukata|festival leisure|19800|indigo white navy|F|1.4
KEEN|Newport H2|ニューポート H2|sandals|outdoor beach leisure|15400|black brown navy|U|1.5
Crocs|Classic Clog|クラシック クロッグ|clogs|leisure beach town|6930|black white navy pink|U|2.0
Birkenstock|Arizona|アリゾナ|sandals|town leisure|17600|black tan white|U|1.8
Hanagoyomi|Hakata Hanhaba|博多半幅帯|obi|festival town|9900|red yellow navy|F|1.2
Kiriya|Kiri Geta|桐下駄|geta|festival town|6800|black vermilion|SML|1.2
Ashiato|Comfort Slide|コンフォート スライド|sandals|town leisure home|3990|black beige grey|W|1.4
Sakuragi|Furisode Hanaguruma|振袖 花車|formal|ceremony formal|198000|red purple|ML|0.8
Teva|Original Universal|オリジナル ユニバーサル|sandals|leisure town beach|6600|black khaki pink|U|1.6
Kiriya|Reiso Zori|礼装草履|zori|formal ceremony|24000|ivory black|ML|1.0
Hanagoyomi|Nadeshiko|撫子|yukata|festival leisure town|12100|pink navy white|F|1.2
Birkenstock|Boston|ボストン|clogs|town office|26400|brown grey black|U|1.3
KEEN|Uneek|ユニーク|sandals|town leisure|14300|black grey olive|U|1.0
Crocs|Classic Sandal|クラシック サンダル|sandals|beach leisure|4950|black navy white|U|1.0
Miyabiori|Kingyo|金魚|yukata|festival leisure|16500|white indigo red|F|1.0
Ashiato|Yukata Geta|浴衣下駄|geta|festival|2990|black red|SML|1.2
Chaco|Z/Cloud|Z/クラウド|sandals|outdoor town|15400|black navy|U|0.8
Miyabiori|Hakata Kenjo Nagoya|博多献上 名古屋帯|obi|formal town|28000|navy ivory|F|0.6
Teva|Zymic|ザイミック|sandals|outdoor leisure|9350|black grey|U|0.9
Ashiato|Yukata Set|浴衣3点セット|yukata|festival|7980|navy pink white|F|1.5
Birkenstock|Gizeh|ギゼ|sandals|town|16500|black white beige|W|1.0
Sakuragi|Homongi Shiki|訪問着 四季|formal|formal ceremony|148000|purple green|ML|0.6
KEEN|Yogui|ヨギ|clogs|leisure outdoor|7150|black olive|U|0.9
Hanagoyomi|Heko Obi|兵児帯|obi|festival leisure|3980|pink yellow purple|F|1.1
Kiriya|Yakigiri Geta|焼桐下駄|geta|festival town|9800|black brown|SML|0.8
Ashiato|Trail Strap|トレイル ストラップ|sandals|outdoor leisure|4990|black khaki|U|1.0
Crocs|Echo Clog|エコー クロッグ|clogs|outdoor leisure|9900|black grey|U|0.8
Miyabiori|Menkobai|綿紅梅|yukata|festival town formal|39800|indigo ivory|F|0.6
Kiriya|Komon Zori|小紋用草履|zori|town formal|12800|beige grey|ML|0.8
Teva|Hurricane Drift|ハリケーン ドリフト|sandals|beach leisure|6050|black blue pink|U|1.1
Miyabiori|Iromuji|色無地|formal|formal|89000|purple green grey|ML|0.6
Birkenstock|Milano|ミラノ|sandals|town travel|19800|black brown|M|0.7
Hanagoyomi|Hanabi|花火|yukata|festival leisure|13200|navy black purple|F|1.0
Ashiato|Garden Clog|ガーデン クロッグ|clogs|home leisure|2990|green navy|U|1.0
KEEN|Clearwater CNX|クリアウォーター|sandals|outdoor beach|13200|black blue|U|0.8
Sakuragi|Fukuro Obi Zuiun|袋帯 瑞雲|obi|ceremony formal|88000|ivory vermilion|F|0.4
Chaco|Chillos Slide|チロス スライド|sandals|leisure beach home|7150|black red|U|0.7
Sakuragi|Furisode Zori Set|振袖草履バッグセット|zori|ceremony|19800|red ivory|ML|0.7
Ashiato|Men's Yukata|男浴衣|yukata|festival home|8980|navy grey black|ML|0.9
Crocs|Baya|バヤ|clogs|leisure beach|5500|navy white|U|0.7
Ashiato|Town Sandal|タウン サンダル|sandals|town office|5990|black beige|W|0.9
Miyabiori|Komon Kikko|小紋 亀甲|formal|town formal|68000|indigo green|ML|0.5
Sakuragi|Hakama Set|袴セット|formal|ceremony|39800|purple navy|ML|0.6"""


def _parse_templates(table: str) -> tuple[ModelTemplate, ...]:
    templates = []
    for line in table.strip().splitlines():
        brand, name, name_ja, category, purposes, price, colours, sizes, popularity = (
            cell.strip() for cell in line.split("|")
        )
        category_path = ("footwear>" if category in ("sandals", "clogs") else "kimono>") + category
        templates.append(
            ModelTemplate(
                brand,
                name,
                name_ja,
                category_path,
                tuple(purposes.split()),
                int(price),
                tuple(colours.split()),
                _SIZES[sizes],
                float(popularity),
            )
        )
    return tuple(templates)


TEMPLATES: tuple[ModelTemplate, ...] = _parse_templates(_TEMPLATE_TABLE)

#: Suffixes that make further models out of a template once all are used.
VARIANTS: tuple[tuple[str, str], ...] = (
    ("Limited", "リミテッド"),
    ("Premium", "プレミアム"),
    ("II", "II"),
    ("Eco", "エコ"),
    ("Plus", "プラス"),
    ("Sport", "スポーツ"),
    ("Lite", "ライト"),
    ("Classic", "クラシック"),
)


def goes_with(tone_a: str, tone_b: str) -> bool:
    """Whether two colour tones look right together (kimono ensembles favour contrast)."""
    if "neutral" in (tone_a, tone_b):
        return True
    return {tone_a, tone_b} == {"cool", "warm"} or tone_a == tone_b == "earth"

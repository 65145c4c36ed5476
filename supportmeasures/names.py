"""Match keys for Japanese names, so a person can be found however their name was typed.

Keys are stored in database columns, so both functions are pure and deterministic: the same
text always gives the same key, and a key is its own key (``name_key(name_key(x)) ==
name_key(x)``). A key is for finding candidates, not for proving identity: different people
can share a key, and staff confirm with other details (birth date, address).

``name_key`` folds how a name is *spelled*; ``kana_key`` folds how a reading (フリガナ) is
*pronounced*. Word order is kept in both: "Park Junho" and "Junho Park" are different keys.
"""

from __future__ import annotations

import re
import unicodedata

import jaconv

__all__ = ["KANJI_VARIANTS", "kana_key", "name_key"]

# Old (旧字体) and variant (異体字) kanji → the form most records use today.
#
# Sources: hand-compiled, from the 旧字体 / 異体字 that 戸籍法施行規則 別表第二 (人名用漢字)
# allows in given names, plus variants common in surnames as listed among the 戸籍統一文字
# (法務省). It was written without web access, so it is not a copy of either list and is
# not exhaustive: add pairs as records turn them up (tests check the table stays consistent).
#
# Rules: keys are never changed by NFKC (NFKC runs first, so such a key would never be seen;
# compatibility ideographs like 塚 U+FA10 and 祐 U+FA4F are already folded by NFKC, but
# 﨑 U+FA11 is one of the twelve that NFKC keeps); values are never keys (one pass suffices).
# Characters that are distinct names, not variants, are kept apart: 斎 (齋) ≠ 斉 (齊),
# 崎 ≠ 埼, 渕 and 淵 are left as written.
KANJI_VARIANTS: dict[str, str] = {
    "髙": "高", "﨑": "崎", "嵜": "崎", "邊": "辺", "邉": "辺", "齋": "斎", "齊": "斉",
    "濵": "浜", "濱": "浜", "澤": "沢", "櫻": "桜", "廣": "広", "國": "国", "德": "徳",
    "惠": "恵", "眞": "真", "槇": "槙", "冨": "富", "曾": "曽", "藏": "蔵", "瀧": "滝",
    "龍": "竜", "嶋": "島", "嶌": "島", "峯": "峰", "埜": "野", "舘": "館", "桒": "桑",
    "劔": "剣", "劍": "剣", "劒": "剣", "靜": "静", "榮": "栄", "壽": "寿", "實": "実",
    "邨": "村", "檜": "桧", "淺": "浅", "彌": "弥", "條": "条", "會": "会", "萬": "万",
    "與": "与", "學": "学", "寳": "宝", "寶": "宝", "豐": "豊", "禮": "礼", "𠮷": "吉",
    "𣘺": "橋", "槗": "橋", "關": "関", "澁": "渋", "聰": "聡", "淸": "清", "靑": "青",
    "穗": "穂", "稻": "稲", "寬": "寛", "緖": "緒", "彥": "彦", "栁": "柳", "鄕": "郷",
    "鄉": "郷", "曻": "昇", "鷗": "鴎", "黑": "黒", "龜": "亀", "恆": "恒", "增": "増",
    "戶": "戸", "圓": "円", "團": "団", "縣": "県", "兒": "児", "來": "来", "亞": "亜",
    "傳": "伝", "圖": "図", "將": "将", "莊": "荘", "壯": "壮", "樂": "楽", "繪": "絵",
    "譽": "誉", "鐵": "鉄", "滿": "満", "乘": "乗", "從": "従", "經": "経", "步": "歩",
    "藪": "薮", "驛": "駅", "濟": "済", "晉": "晋", "兩": "両", "嶽": "岳",
}  # fmt: skip

# Glyph-variant selectors (IVS/SVS) pick a drawing of the *same* character, e.g. 辻 with one
# or two dots and 葛 with 匂 or 人 inside are both U+8FBB / U+845B plus a selector.
_SELECTORS = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef]")
_SPACES_DOTS_COMMAS = re.compile(r"[\s・·‧•∙⋅.,、=゠]+")  # after NFKC: ･→・, ．→., ，→,
_DASHES = "-‐‑‒–—―−"  # typed in place of the long mark ー
_DASH_AFTER_KANA = re.compile(f"(?<=[\u30a1-\u30fa\u30fc])[{_DASHES}]")
_LATIN_MARKS = re.compile(r"(?<=[a-z])[\u0300-\u036f]+")  # only after Latin: keeps ゛ on kana
_KANJI_TABLE = str.maketrans(KANJI_VARIANTS)
_SMALL_KE_KA = str.maketrans("ヶヵ", "ケカ")  # 霞ヶ関 / 霞ケ関: one place, one name


def _clean(text: str) -> str:
    """Steps shared by both keys: width/compatibility folding, no separators, katakana,
    dashes after kana read as ー, Latin casefolded without accents."""
    s = unicodedata.normalize("NFKC", text)
    s = "".join(c for c in s if unicodedata.category(c) != "Cf")  # zero-width, BOM, bidi
    s = _SPACES_DOTS_COMMAS.sub("", _SELECTORS.sub("", s))
    # NFKC turns a spacing ゛ into " ゙"; with the space gone, NFC joins it: カ゛ → ガ.
    s = jaconv.hira2kata(unicodedata.normalize("NFC", s))
    s = _DASH_AFTER_KANA.sub("ー", _spell_out_iteration_marks(s))
    # Accents: decompose, drop combining marks that follow a Latin letter, recompose.
    s = unicodedata.normalize("NFD", s.casefold().replace("đ", "d"))
    return unicodedata.normalize("NFC", _LATIN_MARKS.sub("", s))


def _spell_out_iteration_marks(s: str) -> str:
    """佐々木 → 佐佐木, ミスヾ → ミスズ: the same name, written with or without the mark."""
    out: list[str] = []
    for c in s:
        if out and c in "々ヽ":
            c = out[-1]
        elif out and c == "ヾ":
            voiced = unicodedata.normalize("NFC", out[-1] + "\u3099")
            c = voiced if len(voiced) == 1 else c
        out.append(c)
    return "".join(out)


def name_key(text: str) -> str:
    """Key for a name as spelled: 髙橋 ﾀﾛｳ, 高橋　たろう and 高橋たろう all give 高橋タロウ.

    NFKC (full-width Latin and half-width kana); drops whitespace, middle dots (・ · ‧),
    periods, commas and ＝; hiragana → katakana; a dash right after kana is the long mark ー;
    々 and ゝゞ are spelled out; ヶ/ヵ → ケ/カ; variant kanji fold via ``KANJI_VARIANTS``;
    Latin letters are casefolded and lose accents (José → jose, Nguyễn → nguyen, đ → d).
    Hyphens between Latin letters stay (Jean-Pierre ≠ Jean Pierre). Long vowels are not
    unified here (that is a question of reading: use ``kana_key``).
    """
    return _clean(text).translate(_KANJI_TABLE).translate(_SMALL_KE_KA)


# Small kana → full size: older systems and bank data (全銀) cannot store small kana, so
# キョウコ is often recorded as キヨウコ. Obsolete kana fold to their modern sound.
_FOLD_KANA = str.maketrans(
    "ァィゥェォャュョッヮヵヶ" "ヂヅ" "ヰヱヲ",
    "アイウエオヤユヨツワカケ" "ジズ" "イエオ",
)  # fmt: skip
_VOWEL_OF: dict[str, str] = {
    k: vowel
    for vowel, column in {
        "ア": "アカガサザタダナハバパマヤラワ",
        "イ": "イキギシジチニヒビピミリ",
        "ウ": "ウクグスズツヌフブプムユルヴ",
        "エ": "エケゲセゼテデネヘベペメレ",
        "オ": "オコゴソゾトドノホボポモヨロ",
    }.items()
    for k in column
}


def kana_key(text: str) -> str:
    """Key for a reading (フリガナ): オオノ, オーノ, おうの and ｵｰﾉ all give オオノ.

    After the same cleaning as ``name_key`` (NFKC, no spaces or dots, hiragana → katakana):

    1. small kana → full size (キョウコ → キヨウコ); ヂ → ジ, ヅ → ズ; ヰ ヱ ヲ → イ エ オ.
       ヴ is kept. (A dash after kana has already become ー.)
    2. Left to right, each character seen after the previous rewrites:
       ー → the vowel of the kana before it (オー → オオ, コー → コオ, ユー → ユウ);
       ウ after an o-column kana → オ (コウ → コオ, オウ → オオ);
       イ after an e-column kana → エ (ケイ → ケエ).
       A ー with no kana vowel before it (at the start, after ン) is kept.

    So コウジ/コージ/コオジ → コオジ, ユウコ/ユーコ → ユウコ, ケイコ/ケーコ → ケエコ.
    Vowels are never collapsed: オノ and オオノ are different names and keep different keys.
    Latin letters are folded as in ``name_key``.
    """
    out: list[str] = []
    for c in _clean(text).translate(_FOLD_KANA):
        prev = _VOWEL_OF.get(out[-1], "") if out else ""
        if (c == "ー" and prev) or (c, prev) in (("ウ", "オ"), ("イ", "エ")):
            c = prev
        out.append(c)
    return "".join(out)

"""Match keys for Japanese names, so a person can be found however their name was typed.

Keys are stored in database columns, so both functions are pure and deterministic: the same
text always gives the same key, and a key is its own key (``name_key(name_key(x)) ==
name_key(x)``). A key is for finding candidates, not for proving identity: different people
can share a key, and staff confirm with other details (birth date, address).

``name_key`` folds how a name is *spelled*; ``kana_key`` folds how a reading (フリガナ) is
*pronounced*. Word order is kept in both: "Park Junho" and "Junho Park" are different keys.

The *loose* keys below find people written the way a hurried clerk writes them (voicing,
long vowels, romaji, kana for kanji, given name first, a confusable kanji). They are looser on
purpose, so screening treats a person found only through them as a possible match, never as a
certain one: ``loose_reading_key``, ``romaji_to_kana``, ``confusable_key``,
``registry_match_keys`` (stored per person) and ``query_match_keys`` (computed per query).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import jaconv

__all__ = [
    "CONFUSABLE_KANJI",
    "KANJI_VARIANTS",
    "KeyKind",
    "QueryKey",
    "confusable_key",
    "kana_key",
    "loose_reading_key",
    "name_key",
    "query_match_keys",
    "registry_match_keys",
    "romaji_to_kana",
]

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


# Loose keys ------------------------------------------------------------------------------
#
# Each loose key answers "could this be the same person, written the way people really write
# names?". They are deliberately lossy (ガ = カ, オオノ = オノ), so a person found only through
# one is a possible match that staff confirm, never a certain one (screening.py).


class KeyKind:
    """What a loose key was made from; stored in PersonMatchKey.kind (keep the values)."""

    READING = "reading"  # a reading in kana (the フリガナ, or a name written in kana only)
    ROMAJI = "romaji"  # a name or reading in Latin letters, read as Hepburn or Kunrei romaji
    MIXED = "mixed"  # kanji surname + reading of the given name, or the other way round
    CONFUSABLE = "confusable"  # the name with confusable kanji folded (confusable_key)


def _load_confusables(path: Path) -> dict[str, str]:
    with path.open(encoding="utf-8", newline="") as f:
        lines = (line for line in f if not line.startswith("#"))
        return {row["char"]: row["folds_to"] for row in csv.DictReader(lines, delimiter="\t")}


# Kanji read alike and confused in names, kept apart by name_key (different surnames, or both
# forms allowed): data with a source per pair, in data/confusable_kanji.tsv.
CONFUSABLE_KANJI: dict[str, str] = _load_confusables(
    Path(__file__).resolve().parent / "data" / "confusable_kanji.tsv"
)
_CONFUSABLE_TABLE = str.maketrans(CONFUSABLE_KANJI)


def confusable_key(text: str) -> str:
    """``name_key``, then kanji people confuse folded together: 斉藤 and 斎藤 (and 齊藤, 齋藤)
    give 斎藤, 佐籐 gives 佐藤. A second, looser key: equal confusable keys make a possible
    match, never an exact one."""
    return name_key(text).translate(_CONFUSABLE_TABLE)


# After kana_key, so small kana are already full size (ヴィ and ヴイ alike).
_VU = re.compile("ヴ([アイエオユ]?)")
_VU_AS_B = {"ア": "バ", "イ": "ビ", "エ": "ベ", "オ": "ボ", "ユ": "ビユ", "": "ブ"}
_VOICING_MARKS = str.maketrans("", "", "\u3099\u309a")
# ン before a vowel or ヤ行 is how romaji without an apostrophe reads back (Kenichi = ケニチ).
_N_BEFORE_VOWEL = re.compile("ン([アイウエオヤユヨ])")
_N_AS_NA = {"ア": "ナ", "イ": "ニ", "ウ": "ヌ", "エ": "ネ", "オ": "ノ"}


def loose_reading_key(text: str) -> str:
    """A reading as a hurried clerk might hear or type it: ヤマザキ, やまさき, ﾔﾏｻｷ → ヤマサキ;
    オオノ, オーノ, オノ → オノ.

    ``kana_key``, then ヴ → バ行 (ヴァ → バ, ヴィ → ビ, ヴ → ブ), voicing marks
    dropped (ガ → カ, パ → ハ; so ヂ/ジ/シ and ヅ/ズ/ス fall together), ン before a vowel or ヤ行
    read as ナ行 (ケンイチ → ケニチ, as "Kenichi" reads back), and long vowels collapsed: a
    vowel after a kana of the same vowel is dropped (オオ/オウ/オー → オ, ユウ → ユ, ケイ → ケ,
    イイ → イ). Much looser than ``kana_key``: オノ and オオノ share this key.
    """
    s = _VU.sub(lambda m: _VU_AS_B[m.group(1)], kana_key(text))
    s = unicodedata.normalize("NFD", s).translate(_VOICING_MARKS)
    s = _N_BEFORE_VOWEL.sub(
        lambda m: _N_AS_NA.get(m.group(1)) or "ニ" + m.group(1), unicodedata.normalize("NFC", s)
    )
    out: list[str] = []
    for c in s:
        if out and c in "アイウエオ" and _VOWEL_OF.get(out[-1]) == c:
            continue
        out.append(c)
    return "".join(out)


# Hepburn (passport, signs) and Kunrei (school, some systems) syllables, and common variants.
_ROMAJI_SYLLABLES = """
    a:ア i:イ u:ウ e:エ o:オ
    ka:カ ki:キ ku:ク ke:ケ ko:コ kya:キャ kyu:キュ kyo:キョ
    ga:ガ gi:ギ gu:グ ge:ゲ go:ゴ gya:ギャ gyu:ギュ gyo:ギョ
    sa:サ si:シ shi:シ su:ス se:セ so:ソ sya:シャ sha:シャ syu:シュ shu:シュ syo:ショ sho:ショ
    she:シェ
    za:ザ zi:ジ ji:ジ zu:ズ ze:ゼ zo:ゾ zya:ジャ ja:ジャ jya:ジャ zyu:ジュ ju:ジュ jyu:ジュ
    zyo:ジョ jo:ジョ jyo:ジョ je:ジェ
    ta:タ ti:チ chi:チ tu:ツ tsu:ツ te:テ to:ト tya:チャ cha:チャ cya:チャ tyu:チュ chu:チュ
    cyu:チュ tyo:チョ cho:チョ cyo:チョ che:チェ
    da:ダ di:ヂ du:ヅ dzu:ヅ de:デ do:ド dya:ヂャ dyu:ヂュ dyo:ヂョ
    na:ナ ni:ニ nu:ヌ ne:ネ no:ノ nya:ニャ nyu:ニュ nyo:ニョ
    ha:ハ hi:ヒ hu:フ fu:フ he:ヘ ho:ホ hya:ヒャ hyu:ヒュ hyo:ヒョ fa:ファ fi:フィ fe:フェ fo:フォ
    ba:バ bi:ビ bu:ブ be:ベ bo:ボ bya:ビャ byu:ビュ byo:ビョ
    pa:パ pi:ピ pu:プ pe:ペ po:ポ pya:ピャ pyu:ピュ pyo:ピョ
    ma:マ mi:ミ mu:ム me:メ mo:モ mya:ミャ myu:ミュ myo:ミョ
    ya:ヤ yu:ユ yo:ヨ
    ra:ラ ri:リ ru:ル re:レ ro:ロ rya:リャ ryu:リュ ryo:リョ la:ラ li:リ lu:ル le:レ lo:ロ
    wa:ワ wi:ウィ we:ウェ wo:ヲ
    va:ヴァ vi:ヴィ vu:ヴ ve:ヴェ vo:ヴォ
"""
_ROMAJI: dict[str, str] = dict(pair.split(":") for pair in _ROMAJI_SYLLABLES.split())
_ROMAJI_VOWELS = "aeiouy"  # y: "n" before it is ニャ行 (nya), not ン


def romaji_to_kana(text: str) -> str:
    """A Japanese name in romaji as katakana, or "" when the text is not romaji (Park, Smith).

    Hepburn and Kunrei alike (Tsuzuki/Tuzuki, Shimizu/Simizu, Chiba/Tiba, Fujita/Huzita),
    case, width and accents ignored (ＹＡＭＡＳＡＫＩ, Ōno, Ôno → オノ); "oh" before a consonant
    is a long o (Ohno, Satoh); n before a consonant, after an apostrophe or doubled is ン
    (Kon'no, Konno → コンノ); m before b/m/p is ン (Homma, Namba); a doubled consonant is ッ
    (Hattori, Matcha). Long vowels written out (Oono, Ouno) come through as they are: use
    ``loose_reading_key`` to compare.
    """
    s = _clean(text).replace("’", "'")
    if not s or not s.isascii():
        return ""

    def vowel_at(j: int) -> bool:
        return j < len(s) and s[j] in _ROMAJI_VOWELS

    out: list[str] = []
    i = 0
    while i < len(s):
        c, nxt = s[i], s[i + 1 : i + 2]
        if c in "'-":
            i += 1
        elif (c == "n" and not vowel_at(i + 1)) or (c == "m" and nxt in ("b", "m", "p")):
            out.append("ン")
            # "nn" with no vowel after it is one ン, as an IME reads it (Kenn).
            i += 2 if nxt == "n" and not vowel_at(i + 2) else 1
        elif nxt and c in "bcdfghjkpqrstvwz" and (c == nxt or s.startswith("tch", i)):
            out.append("ッ")
            i += 1
        elif c == "h" and out and s[i - 1] == "o" and not vowel_at(i + 1):
            out.append("ー")
            i += 1
        else:
            for size in (3, 2, 1):
                kana = _ROMAJI.get(s[i : i + size])
                if kana:
                    out.append(kana)
                    i += size
                    break
            else:
                return ""  # not romaji: a foreign name is matched as written, not guessed at
    return "".join(out)


_KANA_KEY = re.compile("[\u30a1-\u30fa\u30fc]+")
_LATIN_KEY = re.compile("[a-z'’-]+")
_KANJI = "[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]"
_KANJI_KEY = re.compile(f"{_KANJI}(?:ケ?{_KANJI})*")  # 霞ケ浦: ヶ became ケ in name_key
_HAS_KANJI = re.compile(_KANJI)
_KANJI_THEN_KANA = re.compile(f"({_KANJI_KEY.pattern})([\u30a1-\u30fa\u30fc]+)")
_KANA_THEN_KANJI = re.compile(f"([\u30a1-\u30fa\u30fc]+?)({_KANJI_KEY.pattern})")
_TOKEN_SEPARATORS = re.compile(r"[\s・·‧•∙⋅.,、=゠]+")
_MAX_ROTATED = 24  # longer readings are not names typed without a space


def _tokens(text: str) -> list[str]:
    s = _SELECTORS.sub("", unicodedata.normalize("NFKC", text))
    return [t for t in _TOKEN_SEPARATORS.split(s) if t]


def _reading(text: str) -> tuple[str, list[str]] | None:
    """The text as a reading, word by word in katakana, if it is one: kana (KeyKind.READING)
    or romaji (KeyKind.ROMAJI). A name with any kanji, or Latin that is not romaji, is not."""
    keys = [name_key(t) for t in _tokens(text)]
    keys = [k for k in keys if k]
    if not keys:
        return None
    if all(_KANA_KEY.fullmatch(k) for k in keys):
        return KeyKind.READING, keys
    if all(_LATIN_KEY.fullmatch(k) for k in keys):
        kana = [romaji_to_kana(k) for k in keys]
        return (KeyKind.ROMAJI, kana) if all(kana) else None
    return None


def _rotations(words: list[str]) -> list[str]:
    """The ways a given-name-first reading may hide the registry's order: words turned round
    (けんいち やまさき), or, written without a space, the text cut at every point."""
    if len(words) > 1:
        return ["".join(words[i:] + words[:i]) for i in range(1, len(words))]
    word = words[0]
    if len(word) > _MAX_ROTATED:
        return []
    return [word[i:] + word[:i] for i in range(1, len(word))]


def _mixed_part(text: str) -> tuple[bool, str] | None:
    """One word of a mixed-script name: (True, its confusable_key) if it is kanji, (False,
    its loose reading) if it is kana or romaji."""
    key = name_key(text)
    if _KANJI_KEY.fullmatch(key):
        return True, key.translate(_CONFUSABLE_TABLE)
    reading = _reading(text)
    return (False, loose_reading_key("".join(reading[1]))) if reading else None


def _mixed_query(name: str) -> list[str]:
    """A name half in kanji, half in kana or romaji (山崎 みさき, 山崎みさき, やまさき美咲),
    as keys in the written order and turned round: [written, turned]."""
    words = _tokens(name)
    if len(words) == 1:
        key = name_key(words[0])
        found = _KANJI_THEN_KANA.fullmatch(key) or _KANA_THEN_KANJI.fullmatch(key)
        words = list(found.groups()) if found else []
    if len(words) != 2:
        return []
    first, second = _mixed_part(words[0]), _mixed_part(words[1])
    if not first or not second or first[0] == second[0]:
        return []
    return [first[1] + second[1], second[1] + first[1]]


def registry_match_keys(name: str, kana: str = "") -> set[tuple[str, str]]:
    """The loose keys stored for a registered name and reading, as (KeyKind, key) pairs.

    - READING / ROMAJI: ``loose_reading_key`` of the reading, and of the name when it is
      written in kana only or in romaji;
    - MIXED, when the name and the reading both have two words (surname, given name): the
      kanji surname's ``confusable_key`` + the given name's loose reading (山崎ミサキ), and
      the surname's loose reading + the kanji given name's ``confusable_key`` (ヤマサキ美咲);
    - CONFUSABLE: ``confusable_key`` of the name, when it differs from ``name_key``.

    Word order is the registry's; the query side turns its own words round.
    """
    keys: set[tuple[str, str]] = set()
    reading = _reading(kana)
    for found in (reading, _reading(name)):
        if found:
            keys.add((found[0], loose_reading_key("".join(found[1]))))
    words = _tokens(name)
    if reading and len(reading[1]) == 2 and len(words) == 2:
        surname, given = name_key(words[0]), name_key(words[1])
        if _KANJI_KEY.fullmatch(surname):
            keys.add((KeyKind.MIXED, confusable_key(surname) + loose_reading_key(reading[1][1])))
        if _KANJI_KEY.fullmatch(given):
            keys.add((KeyKind.MIXED, loose_reading_key(reading[1][0]) + confusable_key(given)))
    exact = name_key(name)
    folded = exact.translate(_CONFUSABLE_TABLE)
    if folded != exact:
        keys.add((KeyKind.CONFUSABLE, folded))
    return {(kind, key) for kind, key in keys if key}


@dataclass(frozen=True)
class QueryKey:
    kind: str  # KeyKind
    key: str
    given_name_first: bool = False


def query_match_keys(name: str, kana: str = "") -> frozenset[QueryKey]:
    """The loose keys of a query, to look up among the stored ``registry_match_keys``.

    The name and the reading, each when it is a reading (kana or romaji), give their loose
    reading in the written order and turned round (given name first); a name half kanji, half
    kana gives its MIXED keys both ways round; a name with kanji gives its
    ``confusable_key`` (always: the registry stores it only where it differs from name_key,
    and screening also looks it up among the exact name keys).
    """
    keys: set[QueryKey] = set()
    for text in (name, kana):
        found = _reading(text)
        if not found:
            continue
        kind, words = found
        written = loose_reading_key("".join(words))
        keys.add(QueryKey(kind, written))
        for turned in {loose_reading_key(w) for w in _rotations(words)} - {written}:
            keys.add(QueryKey(kind, turned, given_name_first=True))
    mixed = _mixed_query(name)
    if mixed:
        keys.add(QueryKey(KeyKind.MIXED, mixed[0]))
        if mixed[1] != mixed[0]:
            keys.add(QueryKey(KeyKind.MIXED, mixed[1], given_name_first=True))
    exact = name_key(name)
    if _HAS_KANJI.search(exact):
        keys.add(QueryKey(KeyKind.CONFUSABLE, exact.translate(_CONFUSABLE_TABLE)))
    return frozenset(k for k in keys if k.key)

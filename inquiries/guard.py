"""The disclosure guard: does this wording reveal where a protected person is or has been?

Checks the words a clerk intends to say or write, and the categories they tick, for: the
city's ward and office names (from the registry, in kanji or kana), words saying another ward
or office was involved, addresses, phone numbers, postcodes, place names (SudachiPy's core
dictionary tags 地名), named stations, parks, shops, hospitals and other landmarks, named
schools and workplaces, the fact of a visit or consultation, and the protected person's own
name. Findings carry their position in the NFKC-normalised wording so pages can highlight them.

Ordinary wording must stay clear: a guard that cries wolf teaches clerks to work around it.
Generic words (区役所の窓口, 勤務先の健康保険, ご来庁の際は, 2-3日) are not findings; a name
in front of them, or a past visit, is. ``inquiries/data/guard_corpus.toml`` holds the sentences
that measure both sides (``tests/inquiries/test_guard.py``).
"""

from __future__ import annotations

import functools
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jaconv
from django.utils.translation import gettext_lazy as _

from inquiries.models import DisclosureCategory
from supportmeasures.names import name_key


@dataclass(frozen=True)
class Finding:
    kind: str
    text: str
    start: int
    end: int

    @property
    def label(self) -> str:
        return str(KIND_LABELS.get(self.kind, self.kind))

    def as_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "text": self.text, "start": self.start, "end": self.end}


KIND_LABELS = {
    "office": _("A ward, office or facility of the city"),
    "other_office": _("That another ward or office was involved"),
    "address": _("An address"),
    "residence": _("Where the person lives, moved or did their procedures"),
    "phone": _("A phone number"),
    "postcode": _("A postcode"),
    "place": _("A place name"),
    "landmark": _("A station, park, shop, hospital or other landmark"),
    "school_work": _("A school or workplace"),
    "visit": _("The fact of a visit or consultation"),
    "person_name": _("The protected person's name"),
    "category": _("A disclosure category that reveals the person or a location"),
}
# Every kind but the name says where someone is or has been (a ticked "location" category too).
LOCATION_KINDS = frozenset(KIND_LABELS) - {"person_name"}


def is_location(kind: str) -> bool:
    """Does a finding of this kind reveal a location (rather than only who is concerned)?"""
    return kind in LOCATION_KINDS


PREFECTURES = (
    "北海道|青森県|岩手県|宮城県|秋田県|山形県|福島県|茨城県|栃木県|群馬県|埼玉県|千葉県|東京都|"
    "神奈川県|新潟県|富山県|石川県|福井県|山梨県|長野県|岐阜県|静岡県|愛知県|三重県|滋賀県|京都府|"
    "大阪府|兵庫県|奈良県|和歌山県|鳥取県|島根県|岡山県|広島県|山口県|徳島県|香川県|愛媛県|高知県|"
    "福岡県|佐賀県|長崎県|熊本県|大分県|宮崎県|鹿児島県|沖縄県"
)
_KANJI = "一-龥々〇"
# Numbers that are not addresses: a range of days, months or yen (2-3日, 4-6月), a time
# (9:00-17:00), an ISO date (2026-11-27).
_NOT_ADDRESS_UNIT = (
    r"\s?(?:日|月|年|回|時|分|秒|週|か月|ヶ月|カ月|箇月|人|名|件|枚|通|円|万|千|歳|才|%|割|"
    r"頁|ページ|営業日|番目|点|部|冊|種類)"
)
_OFFICE_WORDS = (
    r"区役所|市役所|町役場|村役場|役所|役場|自治体|支所|出張所|都市|"
    r"区(?![分別間切画域民内外長割])|市(?![区町村民販場況内外長税])|町(?![村内会名目])|"
    r"村(?![民内])|県(?![民内税])|府(?![民内])"
)
PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("postcode", re.compile(r"〒\s?\d{3}-?\d{4}|(?<![\d-])\d{3}-\d{4}(?![\d-])")),
    (
        "phone",
        re.compile(
            r"(?<!\d)0\d{1,4}-\d{1,4}-\d{3,4}(?!\d)|(?<!\d)0[5789]0\d{8}(?!\d)"
            r"|(?<!\d)0\d{9}(?!\d)|\(0\d{1,4}\)\s?\d{1,4}-\d{4}(?!\d)"
        ),
    ),
    (
        "address",
        re.compile(
            rf"(?:{PREFECTURES})"
            rf"|[{_KANJI}ァ-ヶー]{{1,6}}[市区町村郡](?=[{_KANJI}ぁ-んァ-ヶ\d])"
            r"(?![民内外長役税分別域画間議政営立販場況会切町村市区郡割])"
            r"|(?:\d+|[一二三四五六七八九十]+)\s?丁目|\d+\s?番地|\d+\s?番\s?(?=\d)|\d+\s?号室"
            r"|(?<!第)(?<![\d.])\d+\s?号(?!被保険者|様式|議案|線|車|館|証|機)"
            rf"|[{_KANJI}]{{1,6}}町\s?\d"
            r"|(?<![\d:.,/-])(?!\d{4}-\d{1,2}-\d{1,2}(?!\d))\d{1,4}-\d{1,4}(?:-\d{1,4})?"
            rf"(?![\d:/-]|{_NOT_ADDRESS_UNIT})"
        ),
    ),
    (
        "other_office",
        re.compile(
            rf"(?:別|他|ほか|ホカ|よそ|ヨソ|余所|違う|ちがう|異なる|以前|前|元|もと)の?"
            rf"(?:{_OFFICE_WORDS})"
            r"|(?:別|他|ほか|ホカ|よそ|ヨソ|余所|違う|ちがう)の?(?:窓口|センター|事務所|機関|部署)"
            r"(?=から|より|が|も|の(?:方|職員|担当))"
        ),
    ),
    (
        "school_work",
        re.compile(
            r"株式会社\s?[一-龥ァ-ヶーA-Za-z0-9&]{1,20}|[一-龥ァ-ヶーA-Za-z0-9&]{1,20}\s?"
            r"(?:株式会社|有限会社|合同会社|\(株\)|\(有\))"
            r"|(?:勤務先|勤め先|職場|バイト先|パート先|アルバイト先|就職先|通学先|通園先|転校先)"
            r"(?:は|が)(?!変更|変わ|ある場合|ない場合|あれば|ありましたら|ございましたら|ある方|ない方)"
            r"|(?:に|で|へ)(?:勤め|勤務し|働い|通っ|通学し|通勤し|通園し|在籍し|在学し)て"
            r"(?:い|お)(?!る方|る場合|る人|られる方|られる場合)"
            r"|(?:に|へ)(?:入学|転校|転園|入園|就職|転職)(?:し|され|が決ま)"
        ),
    ),
    (
        "visit",
        re.compile(
            r"(?:来庁|来所|来訪|来館|来署)(?:され(?:まし)?た|されて(?:い|お)|し(?:まし)?た|してい|中|"
            r"があり|がありました|いただきました|いただいた|になりました|になった|になられ)"
            r"|(?:相談|手続き|手続|申請|申し込み)に(?:来|見え|いらっしゃ|お越しにな|お見えにな|見)"
            r"(?!てください|る際|られる際|る場合|られる場合|られる方|る方|てもら)"
            r"|相談され(?:まし)?た(?!い)|相談されてい|相談(?:が|を)(?:あり|受け|お受けし)"
            r"|(?:窓口|カウンター)(?:に|で|へ)(?=[^。、.,!?]{0,10}?(?:来|見え|いらっしゃ|お越しにな|"
            r"相談|訪れ|立ち寄))"
            r"|(?:来|来られ|見え|いらっしゃい|いらっしゃっ|お越しになり|お見えになり|訪れ|訪ね|立ち寄り"
            r"|立ち寄られ|寄られ)(?:まし)?た|(?:来|来られ|見え|いらっしゃっ)て(?:い|お)(?:ます|ました|られ)"
            r"|いらして(?:い|お)|いらした|お見えです|お見えでした|お越しです|お越しでした"
            r"|(?:通院|入院|通所|入所)(?:中|して(?:い|お)|され(?:てい|まし|た))(?!る場合|る方)"
            r"|見かけ|見掛け|目撃"
        ),
    ),
    (
        "residence",
        re.compile(
            r"お住まい(?:です|でした|に(?:なって|なられ))|住んで(?:い|お)(?:ます|ました|られ)"
            r"|(?:引っ越|引越|転居|転入|移り住|移転)(?:し|され|なさ)(?:まし)?(?:た|て)"
            r"(?!場合|方|際|ら|とき|時|後|あと|者)"
            r"|(?:隣|となり|近く|そば|すぐそこ)の(?:区|市|町|村)"
            r"|(?:こちら|当区|当庁|うち)で(?:手続き|手続|相談|申請|届出|転入届)(?:を|が)?(?:され|し|なさ|済ませ|お済ませ)"
        ),
    ),
    # Places that are never generic: saying one is where someone is reveals it.
    ("landmark", re.compile(r"シェルター|避難先|避難所|保護施設|母子生活支援施設|一時保護")),
]
REVEALING_CATEGORIES = {DisclosureCategory.PERSON_CONTACT, DisclosureCategory.LOCATION}

# Named facilities, found on the dictionary's tokens: a run of nouns ending in one of the
# words in ``data/guard_words.toml``, with a name in front of it (鶴見駅, 豊岡小学校, 済生会病院).
# Without a name the word is generic (病院の診断書, お近くの公園) and not a finding.
_WORDS = tomllib.loads((Path(__file__).parent / "data" / "guard_words.toml").read_text("utf-8"))
FACILITY_SUFFIXES: dict[str, str] = {
    word: kind for kind, words in _WORDS["facilities"].items() for word in words
}
# Common words that need a proper noun in front to be a name (市税コールセンター, 支店).
WEAK_SUFFIXES: dict[str, str] = {
    word: kind
    for kind, words in _WORDS["weak"].items()
    for word in words
    if word not in FACILITY_SUFFIXES
}
_SUFFIXES = sorted({**WEAK_SUFFIXES, **FACILITY_SUFFIXES}, key=len, reverse=True)
# Words before a facility that describe it rather than name it.
GENERIC_WORDS = frozenset(_WORDS["generic"]["words"])
# After a station or landmark: 鶴見駅前, 横浜駅西口.
_LANDMARK_TAIL = re.compile(r"前|東口|西口|南口|北口|中央口|改札|構内|付近|周辺")
# Areas that name no place: 当区, 各市区町村, 特別区.
_GENERIC_AREA = re.compile(r"[市区町村郡都道府県各当本同全他貴両]+|特別区|政令市|中核市")
# Honorifics after a given name (in katakana and unvoiced, as the folded text has them).
_HONORIFICS = ("サン", "サマ", "様", "チャン", "クン", "君", "氏", "殿")
# Particles that may sit right before or after a ward name written in kana (つるみくに).
_KANA_BEFORE = "はがをにでとのへやもハガヲニデトノヘヤモ"
_KANA_AFTER = ("ニ", "デ", "ノ", "カラ", "マデ", "ヘ", "ヲ", "ガ", "ハ", "ト", "モ", "ヤ")
# Kinds the acting ward's own identity may contain (its name, the caller's name, its number).
_IDENTITY_KINDS = frozenset({"office", "place", "address", "phone", "landmark"})
_IDENTITY_BEFORE = re.compile(rf"(?:[{_KANJI}]{{2,3}}[都道府県])?[{_KANJI}]{{1,4}}市\s?$")
# A department: 保険年金課, こども家庭支援課, 区政推進課広報係.
_DEPARTMENTS = r"(?:\s?[一-龥ァ-ヶー・][一-龥ぁ-んァ-ヶー・]{0,19}?(?:課|係|室|部|担当|センター))"
_OWN_NAME = r"[一-龥々ァ-ヶー]{1,8}?"  # the caller's name: no hiragana, so no sentence
_IDENTITY_TAIL = re.compile(
    rf"(?:区役所|役所)?{_DEPARTMENTS}{{0,3}}\s?、?\s?(?:"
    rf"(?:の|、)?(?:担当(?:者)?の?)?{_OWN_NAME}(?:と申します|でございます|です)"
    r"|の者(?:です|でございます)|の担当(?:者)?(?:です|でございます)"
    r"|です|でございます"
    r"|(?:より|から)の?(?:お知らせ|ご案内|ご連絡|お電話|連絡|通知|お送り|送付)"
    r"|より(?=$|[\s。、])"
    r")"
)
_CONTACT_BLOCK = re.compile(
    r"(?:お問い?合わ?せ先|問い?合わ?せ先|担当|差出人|発行元|送付元)\s?[::]?\s?$"
)
_OWN_NUMBER = re.compile(
    rf"(?:区役所|役所)?{_DEPARTMENTS}{{0,3}}"
    r"(?:\s?[((]?(?:電話|TEL|Tel|tel|℡)?\s?[::]?\s?0(?![789]0)\d{1,4}-\d{1,4}-\d{4}[))]?)?"
)


@functools.cache
def _tokenizer() -> Any:
    from sudachipy import Dictionary

    return Dictionary(dict="core").tokenizer()


def _tokens(text: str) -> list[Any]:
    from sudachipy import SplitMode

    return list(_tokenizer().tokenize(text, SplitMode.C))


@functools.lru_cache(maxsize=4096)
def reading(word: str) -> str:
    """The dictionary's katakana reading of a word: 鶴見区役所 → ツルミクヤクショ."""
    return "".join(m.reading_form() for m in _tokens(normalise(word)))


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "")


def _katakana(text: str) -> str:
    """Hiragana → katakana, one character for one, so positions stay those of ``text``."""
    folded = jaconv.hira2kata(text)
    return folded if len(folded) == len(text) else text


def _is_kana(char: str) -> bool:
    return "\u3041" <= char <= "\u30ff"


def _places(tokens: list[Any]) -> Iterator[tuple[int, int]]:
    """Spans the dictionary tags as place names (地名), e.g. 鶴見区, 豊岡, 横浜市."""
    for morpheme in tokens:
        pos = morpheme.part_of_speech()
        if pos[1] == "固有名詞" and pos[2] == "地名" and pos[3] != "国":
            yield morpheme.begin(), morpheme.end()


def _in_run(pos: tuple[str, ...]) -> bool:
    """Tokens that can be part of a facility's name: nouns, noun suffixes (区, 店), numbers."""
    if pos[0] == "名詞":
        return pos[2] != "副詞可能"  # 近く, 昨日: not part of a name
    return pos[0] == "接尾辞" and pos[1] == "名詞的"


def _facilities(text: str, tokens: list[Any]) -> Iterator[tuple[str, int, int]]:
    """Named facilities: (kind, start, end)."""
    run: list[Any] = []
    for morpheme in [*tokens, None]:
        if morpheme is not None and _in_run(morpheme.part_of_speech()):
            run.append(morpheme)
            continue
        yield from _facilities_in_run(text, run)
        run = []


def _facilities_in_run(text: str, run: list[Any]) -> Iterator[tuple[str, int, int]]:
    for index, morpheme in enumerate(run):
        end = morpheme.end()
        # The suffix may span tokens: 福祉 + 保健 + センター.
        so_far = text[run[0].begin() : end]
        suffix = next((s for s in _SUFFIXES if so_far.endswith(s)), None)
        if suffix is None:
            continue
        suffix_start = end - len(suffix)
        names = [
            m for m in run[:index] if m.end() <= suffix_start and m.surface() not in GENERIC_WORDS
        ]
        # A proper noun with the suffix inside it (鶴見駅) names itself; 認可保育所 does not.
        inner = text[morpheme.begin() : suffix_start] if morpheme.begin() < suffix_start else ""
        proper = morpheme.part_of_speech()[1] == "固有名詞"
        if proper and inner and inner not in GENERIC_WORDS:
            names.append(morpheme)
        if suffix in WEAK_SUFFIXES:
            has_name = any(m.part_of_speech()[1] == "固有名詞" for m in names)
        else:
            has_name = bool(names)
        if not has_name:
            continue
        start = min(m.begin() for m in names)
        tail = _LANDMARK_TAIL.match(text, end)
        if tail and not suffix.endswith("前"):
            end = tail.end()
        yield FACILITY_SUFFIXES.get(suffix) or WEAK_SUFFIXES[suffix], start, end


def _office_forms(names: Iterable[str]) -> list[str]:
    """Each name as written and as read in katakana, longest first."""
    forms: set[str] = set()
    for name in names:
        written = normalise(name).strip()
        if not written:
            continue
        forms.add(written)
        spoken = reading(written)
        if spoken and all("\u30a1" <= c <= "\u30fc" for c in spoken):
            forms.add(spoken)
    return sorted(forms, key=len, reverse=True)


def _mentions(text: str, folded: str, forms: list[str]) -> Iterator[tuple[int, int]]:
    """Where a name (kanji, or a kana reading) occurs in the text."""
    for form in forms:
        kana = all("\u30a1" <= c <= "\u30fc" for c in form)
        for match in re.finditer(re.escape(form), folded if kana else text):
            start, end = match.span()
            if kana and not form.endswith(("ヤクショ", "ヤクバ")):
                # A ward's bare reading is short (ナカク, ニシク): accept it as a word only.
                before_ok = (
                    start == 0 or not _is_kana(text[start - 1]) or (text[start - 1] in _KANA_BEFORE)
                )
                after_ok = (
                    end == len(text)
                    or not _is_kana(text[end])
                    or (folded.startswith(_KANA_AFTER, end))
                )
                if not (before_ok and after_ok):
                    continue
            yield start, end


def _identity_spans(text: str, folded: str, own_forms: list[str]) -> list[tuple[int, int]]:
    """Where the wording introduces the acting ward itself: 神奈川区役所保険年金課の神奈川と
    申します, 神奈川区役所の者です, お問い合わせ先：神奈川区役所保険年金課 045-411-7123."""
    spans: list[tuple[int, int]] = []
    for start, end in _mentions(text, folded, own_forms):
        city = _IDENTITY_BEFORE.search(text, max(0, start - 12), start)
        begin = city.start() if city else start
        if _CONTACT_BLOCK.search(text, max(0, begin - 12), begin):
            block = _OWN_NUMBER.match(text, end)
            spans.append((begin, block.end() if block else end))
            continue
        tail = _IDENTITY_TAIL.match(text, end)
        if tail:
            spans.append((begin, tail.end()))
    return spans


@functools.cache
def _fold_char(char: str) -> str:
    return name_key(char)


def _fold_for_names(text: str) -> tuple[str, list[int]]:
    """The text folded as names are (no spaces, 﨑 → 崎, hiragana → katakana), with the
    position in ``text`` of each folded character."""
    chars: list[str] = []
    index: list[int] = []
    for position, char in enumerate(text):
        folded = _fold_char(char)
        if folded in ("々", "ヽ") and chars:
            folded = chars[-1]  # 佐々木 → 佐佐木, as name_key spells it out
        for piece in folded:
            chars.append(piece)
            index.append(position)
    return "".join(chars), index


def _split_name(name: str) -> tuple[str, str] | None:
    """(surname, given name), split at the space or, failing that, by the dictionary."""
    parts = normalise(name).split()
    if len(parts) >= 2:
        return parts[0], "".join(parts[1:])
    tokens = _tokens(normalise(name).strip())
    if len(tokens) >= 2 and tuple(tokens[0].part_of_speech()[2:4]) == ("人名", "姓"):
        return tokens[0].surface(), "".join(t.surface() for t in tokens[1:])
    return None


def _name_forms(names: Iterable[str]) -> tuple[set[str], set[str]]:
    """(full names, given names), each as written and as read, folded like ``name_key``."""
    full: set[str] = set()
    surnames: set[str] = set()
    givens: set[str] = set()
    for name in names:
        if not name or not name.strip():
            continue
        full.add(name_key(name))
        split = _split_name(name)
        if split is None:
            continue
        surname, given = split
        surnames |= {name_key(surname), name_key(reading(surname))}
        givens |= {name_key(given), name_key(reading(given))}
    surnames.discard("")
    givens.discard("")
    full |= {s + g for s in surnames for g in givens} | {g + s for s in surnames for g in givens}
    return {f for f in full if len(f) >= 2}, givens


# Voiced kana → unvoiced, one for one: readings of names differ in voicing (ヤマザキ, ヤマサキ)
# more than in anything else, and the dictionary knows only one of them.
_UNVOICED = str.maketrans(
    "ガギグゲゴザジズゼゾダヂヅデドバビブベボパピプペポヴ",
    "カキクケコサシスセソタチツテトハヒフヘホハヒフヘホウ",
)  # fmt: skip


def _names(text: str, names: Iterable[str]) -> Iterator[tuple[int, int]]:
    full, givens = _name_forms(names)
    if not full and not givens:
        return
    folded, index = _fold_for_names(text)
    folded = folded.translate(_UNVOICED)
    for form in sorted({f.translate(_UNVOICED) for f in full}, key=len, reverse=True):
        for match in re.finditer(re.escape(form), folded):
            yield index[match.start()], index[match.end() - 1] + 1
    for given in {g.translate(_UNVOICED) for g in givens}:
        for match in re.finditer(re.escape(given), folded):
            honorific = next((h for h in _HONORIFICS if folded.startswith(h, match.end())), "")
            if not honorific:
                continue
            start = index[match.start()]
            before = text[start - 1] if start else ""
            # Inside a longer word (岬美咲さん is someone else's name), not the given name.
            if before.isalpha() and not "\u3041" <= before <= "\u309f":
                continue
            yield start, index[match.end() + len(honorific) - 1] + 1


def check(
    wording: str,
    categories: Iterable[str],
    office_names: Iterable[str],
    *,
    protected_names: Iterable[str] = (),
    own_office_names: Iterable[str] = (),
    own_identity_allowed: bool = False,
) -> list[Finding]:
    """Every finding in the wording (NFKC-normalised) and the categories, in text order.

    ``office_names``: the city's wards and offices (鶴見区, 鶴見区役所), found in kanji and in
    kana (つるみくやくしょ, ツルミク). ``protected_names``: the names, as registered and as typed,
    of the protected people the plan concerns; pass them only when the wording is addressed to
    someone other than that person. Their full name, or given name with an honorific, is a
    finding; a surname alone is not (the counterparty often shares it).

    ``own_office_names`` and ``own_identity_allowed``: the acting ward's names, and whether it
    may introduce itself (「神奈川区役所保険年金課の神奈川と申します」「〜区役所の者です」)
    without that being a finding. The caller must pass ``own_identity_allowed=False`` when the
    acting ward itself holds a measure of a person the plan concerns: then its own name tells
    the listener where that person is. The introduction is excused only when the categories
    include "identity"; nothing else is excused by it, and another ward's name never is.
    """
    text = normalise(wording)
    categories = list(categories)
    folded = _katakana(text)
    own_forms = _office_forms(own_office_names)
    other_forms = [f for f in _office_forms(office_names) if f not in own_forms]
    tokens = _tokens(text) if text else []
    spans: list[Finding] = []

    def add(kind: str, start: int, end: int) -> None:
        spans.append(Finding(kind, text[start:end], start, end))

    for start, end in _mentions(text, folded, other_forms + own_forms):
        add("office", start, end)
    for kind, pattern in PATTERNS:
        for match in pattern.finditer(text):
            if kind == "address" and _GENERIC_AREA.fullmatch(match.group()):
                continue
            add(kind, match.start(), match.end())
    for kind, start, end in _facilities(text, tokens):
        add(kind, start, end)
    for start, end in _places(tokens):
        add("place", start, end)
    for start, end in _names(text, protected_names):
        add("person_name", start, end)

    if own_identity_allowed and DisclosureCategory.IDENTITY in categories and own_forms:
        identity = _identity_spans(text, folded, own_forms)

        def own(finding: Finding) -> bool:
            return (
                finding.kind in _IDENTITY_KINDS
                and any(s <= finding.start and finding.end <= e for s, e in identity)
                and not any(
                    True for _ in _mentions(finding.text, _katakana(finding.text), other_forms)
                )
            )

        spans = [f for f in spans if not own(f)]

    # Keep the first (most specific) finding for overlapping spans.
    spans.sort(key=lambda f: (f.start, -(f.end - f.start)))
    findings: list[Finding] = []
    covered = -1
    for finding in spans:
        if finding.start >= covered:
            findings.append(finding)
            covered = finding.end
    for category in categories:
        if category in REVEALING_CATEGORIES:
            label = str(DisclosureCategory(category).label)
            findings.append(Finding("category", label, -1, -1))
    return findings


def highlight(wording: str, findings: list[dict[str, object]]) -> list[tuple[str, str]]:
    """The normalised wording cut into (text, kind) pieces; kind "" for plain text."""
    text = normalise(wording)
    pieces: list[tuple[str, str]] = []
    position = 0
    for finding in sorted(
        (f for f in findings if int(str(f["start"])) >= 0), key=lambda f: int(str(f["start"]))
    ):
        start, end = int(str(finding["start"])), int(str(finding["end"]))
        if start < position:
            continue
        pieces.append((text[position:start], ""))
        pieces.append((text[start:end], str(finding["kind"])))
        position = end
    pieces.append((text[position:], ""))
    return [(t, k) for t, k in pieces if t]

"""The disclosure guard: does this wording reveal where a protected person is or has been?

Checks the words a clerk intends to say or write, and the categories they tick, for: the
city's ward and office names (from the registry), addresses, phone numbers, postcodes, place
and facility names (SudachiPy's core dictionary tags 地名), schools and workplaces, and the fact
of a visit or consultation. Findings carry their position so pages can highlight them.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from inquiries.models import DisclosureCategory


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
    "address": _("An address"),
    "phone": _("A phone number"),
    "postcode": _("A postcode"),
    "place": _("A place name"),
    "school_work": _("A school or workplace"),
    "visit": _("The fact of a visit or consultation"),
    "category": _("A disclosure category that reveals the person or a location"),
}

PREFECTURES = (
    "北海道|青森県|岩手県|宮城県|秋田県|山形県|福島県|茨城県|栃木県|群馬県|埼玉県|千葉県|東京都|"
    "神奈川県|新潟県|富山県|石川県|福井県|山梨県|長野県|岐阜県|静岡県|愛知県|三重県|滋賀県|京都府|"
    "大阪府|兵庫県|奈良県|和歌山県|鳥取県|島根県|岡山県|広島県|山口県|徳島県|香川県|愛媛県|高知県|"
    "福岡県|佐賀県|長崎県|熊本県|大分県|宮崎県|鹿児島県|沖縄県"
)
PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("postcode", re.compile(r"〒\s?\d{3}-?\d{4}|\b\d{3}-\d{4}\b")),
    (
        "phone",
        re.compile(
            r"(?<!\d)0\d{1,4}-\d{1,4}-\d{3,4}(?!\d)|(?<!\d)0[5789]0\d{8}(?!\d)"
            r"|(?<!\d)0\d{9}(?!\d)"
        ),
    ),
    (
        "address",
        re.compile(
            rf"(?:{PREFECTURES})|[一-龥ァ-ヶ]{{1,6}}[市区町村郡](?=[一-龥ぁ-んァ-ヶ\d])"
            r"|\d+\s?丁目|\d+\s?番地?|\d+\s?号|[一-龥]+[町]\d|\d+-\d+(?:-\d+)?"
        ),
    ),
    (
        "office",
        re.compile(
            r"[A-Za-z一-龥ァ-ヶ]{0,8}(?:区役所|市役所|役所|役場|支所|出張所|事務所|"
            r"窓口|保健所|センター|福祉事務所|児童相談所|警察署|交番)"
        ),
    ),
    (
        "school_work",
        re.compile(
            r"[一-龥ァ-ヶ]{0,8}(?:小学校|中学校|高校|高等学校|大学|学校|保育園|"
            r"保育所|幼稚園|学童)|勤務先|勤め先|職場|会社|勤務して|働いて|通学|通って"
        ),
    ),
    (
        "visit",
        re.compile(
            r"来庁|来所|来訪|来られ|来ました|来まし|見えました|相談に来|相談に見|"
            r"相談され|窓口に|窓口で|訪れ|お越し|いらっしゃいました|立ち寄"
        ),
    ),
]
REVEALING_CATEGORIES = {DisclosureCategory.PERSON_CONTACT, DisclosureCategory.LOCATION}


@functools.cache
def _tokenizer() -> Any:
    from sudachipy import Dictionary

    return Dictionary(dict="core").tokenizer()


def _places(text: str) -> Iterable[tuple[int, int]]:
    """Spans the dictionary tags as place names (地名), e.g. 鶴見区, 豊岡, 横浜市."""
    from sudachipy import SplitMode

    for morpheme in _tokenizer().tokenize(text, SplitMode.C):
        pos = morpheme.part_of_speech()
        if pos[1] == "固有名詞" and pos[2] == "地名":
            yield morpheme.begin(), morpheme.end()


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "")


def check(wording: str, categories: Iterable[str], office_names: Iterable[str]) -> list[Finding]:
    """Every finding in the wording (NFKC-normalised) and the categories, in text order."""
    text = normalise(wording)
    spans: list[Finding] = []
    for name in sorted({n for n in office_names if n}, key=len, reverse=True):
        for match in re.finditer(re.escape(normalise(name)), text):
            spans.append(Finding("office", match.group(), match.start(), match.end()))
    for kind, pattern in PATTERNS:
        for match in pattern.finditer(text):
            spans.append(Finding(kind, match.group(), match.start(), match.end()))
    for start, end in _places(text):
        spans.append(Finding("place", text[start:end], start, end))
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

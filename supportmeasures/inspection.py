"""住民基本台帳の一部の写しの閲覧 (spec 9.5): a 閲覧 list in, the same list out with every
protected person and their household removed.

The list is read like a mailing list (mailinglist.py: a header, name and reading columns,
生年月日, UTF-8 or CP932) and must have an address column (住所, address). A row is removed
(fail closed) when
- a person on it screens as protected or joint family of a measure in force (protected);
- a person on it is a possible match to such a person (removed too, and listed on the page
  for a person to check: the list may be handed out only after that check);
- its address is the address of a removed row, or the registered address of anyone protected
  or joint in a measure in force: the household (世帯), whoever is named. Addresses are
  compared once normalised (`address_key`: width, spaces, dashes, 丁目/番地/番/号), and an
  address that continues another with a building or room (豊岡町20-1 and 豊岡町20-1 101号室)
  is the same household.
A counterparty is not protected by the measure: a row matching only a counterparty stays.

What the output says (decided, docs/decisions.md): the file that leaves the counter is the
list with the rows removed and nothing else: no column, no mark, no gap, no count. The page
tells the clerk how many rows the file has now and which lines to check (the possible
matches, by line and as the list names them); it does not say which rows were protected or
why a row went. The audit event keeps the counts and the registry's person ids, never a name.
"""

from __future__ import annotations

import bisect
import csv
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from auditlog.spreadsheet import safe_row
from supportmeasures import mailinglist
from supportmeasures.importing import ImportFileError, RowError
from supportmeasures.models import PartyRole
from supportmeasures.screening import Result, Screening

ADDRESS_HEADERS = {"住所", "現住所", "address", "住所（方書）", "所在地"}
_PROTECTED_ROLES = set(PartyRole.protected_roles())
_DASHES = re.compile(r"[‐‑‒–—―−－ーｰ─━]")
# 2番地の3: the words and a の after them are one separator.
_BLOCK_WORDS = re.compile(r"(?<=\d)(丁目|番地|番|号|の)+")
_SPACES = re.compile(r"\s+")
_DIGIT_SPACE = re.compile(r"(?<=\d)\s+(?=\d)")  # 20-1 101号室: the room is not 1101
# 一丁目, 二十三番: a number in kanji before a block word (only there: 一番町, 八王子 stay).
_KANJI_BLOCK = re.compile(r"([〇一二三四五六七八九十百]+)(?=丁目|番地|番|号)")
_KANJI_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")}
# The prefecture, written or not (神奈川県横浜市… and 横浜市… are one address).
_PREFECTURE = re.compile(r"^(東京都|北海道|京都府|大阪府|[^\d\s都道府県]{2,3}県)")


def _kanji_number(text: str) -> str:
    """二十三 → 23, 百五 → 105, 一〇 → 10 (digits written one by one)."""
    if not any(c in "十百" for c in text):
        return "".join(str(_KANJI_DIGITS[c]) for c in text)
    total, current = 0, 0
    for c in text:
        if c in _KANJI_DIGITS:
            current = _KANJI_DIGITS[c]
        else:
            total += (current or 1) * (10 if c == "十" else 100)
            current = 0
    return str(total + current)


def address_key(address: str) -> str:
    """An address as compared: full width to half, no spaces, one dash, 1丁目2番3号 (and
    一丁目2番地の3) as 1-2-3, without the prefecture."""
    text = unicodedata.normalize("NFKC", address).strip()
    text = _PREFECTURE.sub("", text)
    text = _KANJI_BLOCK.sub(lambda m: _kanji_number(m.group(1)), text)
    text = _SPACES.sub("", _DIGIT_SPACE.sub("-", text))
    text = _DASHES.sub("-", text)
    text = _BLOCK_WORDS.sub("-", text)
    return re.sub(r"-+", "-", text).strip("-")


def same_household(a: str, b: str) -> bool:
    """Two address keys name one dwelling: equal, or one goes on from the other with a
    building or room (not with another digit: 20-1 is not 20-10)."""
    if not a or not b:
        return False
    if a == b:
        return True
    short, long = sorted((a, b), key=len)
    if not any(c.isdigit() for c in short):
        return False  # a town without a block number is not a dwelling
    return long.startswith(short) and not (long[len(short)].isdigit() and short[-1].isdigit())


class Households:
    """The addresses whose residents leave the list, for fast look-ups: a registry of 100,000
    measures gives some 200,000 addresses, a list 10,000 rows; no pairwise comparison."""

    def __init__(self, keys: Iterable[str]) -> None:
        self._keys = {k for k in keys if k}
        self._sorted = sorted(self._keys)

    def __contains__(self, key: str) -> bool:
        if not key:
            return False
        if key in self._keys:
            return True
        if not any(c.isdigit() for c in key):
            return False  # only an exact match (above) for a town without a number
        # A household's address that this one continues (20-1 → 20-1-101号室).
        if any(key[:i] in self._keys and same_household(key[:i], key) for i in range(1, len(key))):
            return True
        # A household's address that continues this one.
        i = bisect.bisect_left(self._sorted, key)
        while i < len(self._sorted) and self._sorted[i].startswith(key):
            if same_household(key, self._sorted[i]):
                return True
            i += 1
        return False


@dataclass(frozen=True)
class InspectionList:
    mailing: mailinglist.MailingList
    address_column: int


def parse(raw: bytes, encoding: str) -> InspectionList:
    mailing = mailinglist.parse(raw, encoding)
    column = next((i for i, h in enumerate(mailing.header) if h in ADDRESS_HEADERS), None)
    if column is None:
        raise ImportFileError(
            [
                RowError(
                    1,
                    "",
                    "見出し行に住所（address）の列が必要です（世帯の判定に使います）",
                    "the header needs an address (住所) column: households are found by it",
                )
            ]
        )
    return InspectionList(mailing, column)


@dataclass(frozen=True)
class ToCheck:
    """A row removed as a possible match: for a person to check before the list goes out."""

    line: int
    people: str


@dataclass(frozen=True)
class Filtered:
    kept: list[list[str]]
    rows_in: int
    removed_protected: int
    removed_possible: int
    removed_household: int
    to_check: list[ToCheck]
    person_ids: list[str]  # the registry's people found (public ids), for the audit log

    @property
    def removed(self) -> int:
        return self.removed_protected + self.removed_possible + self.removed_household


def _verdict(screenings: Iterable[Screening]) -> str:
    """protected, possible_match or clear for a row, counting only protected and joint."""
    results = {m.result for s in screenings for m in s.matches if m.role in _PROTECTED_ROLES}
    if Result.PROTECTED in results:
        return Result.PROTECTED
    if Result.POSSIBLE_MATCH in results:
        return Result.POSSIBLE_MATCH
    return Result.CLEAR


def filter_list(
    inspection: InspectionList, screenings: list[list[Screening]], protected_addresses: list[str]
) -> Filtered:
    """The rows to keep, given each row's screenings (one per name on it) and the registered
    addresses of everyone protected in force."""
    mailing = inspection.mailing
    keys = [address_key(row[inspection.address_column]) for row in mailing.rows]
    verdicts = [_verdict(row) for row in screenings]
    households = Households(
        [
            *(address_key(a) for a in protected_addresses),
            *(k for k, v in zip(keys, verdicts, strict=True) if v != Result.CLEAR),
        ]
    )
    kept: list[list[str]] = []
    to_check: list[ToCheck] = []
    counts = {Result.PROTECTED: 0, Result.POSSIBLE_MATCH: 0, "household": 0}
    for row, key, verdict, line, queries in zip(
        mailing.rows, keys, verdicts, mailing.lines, mailing.queries, strict=True
    ):
        if verdict == Result.POSSIBLE_MATCH:
            to_check.append(ToCheck(line, "、".join(q.name or q.kana for _c, q in queries)))
        if verdict != Result.CLEAR:
            counts[verdict] += 1
        elif key in households:
            counts["household"] += 1
        else:
            kept.append(row)
    person_ids = sorted(
        {
            str(m.person_public_id)
            for row in screenings
            for s in row
            for m in s.matches
            if m.role in _PROTECTED_ROLES
        }
    )
    return Filtered(
        kept=kept,
        rows_in=len(mailing.rows),
        removed_protected=counts[Result.PROTECTED],
        removed_possible=counts[Result.POSSIBLE_MATCH],
        removed_household=counts["household"],
        to_check=to_check,
        person_ids=person_ids,
    )


def render(inspection: InspectionList, filtered: Filtered, encoding: str) -> bytes:
    """The list as it came, less the removed rows: nothing added, in the file's encoding."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(safe_row(inspection.mailing.header))
    for row in filtered.kept:
        writer.writerow(safe_row(row))
    text = out.getvalue()
    return (
        ("\ufeff" + text).encode("utf-8")
        if encoding == "utf-8"
        else text.encode("cp932", errors="replace")
    )

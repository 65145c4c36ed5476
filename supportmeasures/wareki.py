"""Japanese era calendar (和暦) dates: strict parsing, formatting and date arithmetic.

Ward-office paperwork mixes 西暦 and 和暦 freely, so ``parse_date`` accepts the usual ways
of writing both, but it never guesses: a date that does not exist, or an era date that falls
outside its era (平成32年, 昭和64年1月8日, 令和元年4月30日), raises ``InvalidDate``.
"""

from __future__ import annotations

import calendar
import functools
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

__all__ = [
    "ERAS",
    "Era",
    "InvalidDate",
    "add_months",
    "add_years",
    "format_both",
    "format_wareki",
    "measure_end_for",
    "parse_date",
]


class InvalidDate(ValueError):
    """A text that is not one exact date. ``str()`` is bilingual: "日本語 / English: 'text'"."""

    def __init__(
        self, text: str, ja: str = "日付として読めません", en: str = "Not a valid date"
    ) -> None:
        self.text = text
        super().__init__(f"{ja} / {en}: {text!r}")


@dataclass(frozen=True)
class Era:
    name: str  # 令和
    letter: str  # R
    romaji: str  # Reiwa
    starts_on: date


# Newest first, so the first era whose start is <= a date is that date's era.
# 明治 starts on 1868-01-25: the era was proclaimed on 1868-10-23 (慶応4年9月8日) but made
# retroactive to the first day of 慶応4年 (lunisolar 1月1日), which is 1868-01-25 in the
# Gregorian calendar, and the commonly used start, so we use it. Japan only switched to
# the Gregorian calendar on 明治6年1月1日 (1873-01-01); for 明治1-5年 we still read month/day
# as Gregorian (the usual convention) and do not convert lunisolar dates.
ERAS: tuple[Era, ...] = (
    Era("令和", "R", "Reiwa", date(2019, 5, 1)),
    Era("平成", "H", "Heisei", date(1989, 1, 8)),
    Era("昭和", "S", "Showa", date(1926, 12, 25)),
    Era("大正", "T", "Taisho", date(1912, 7, 30)),
    Era("明治", "M", "Meiji", date(1868, 1, 25)),
)
_BY_KEY: dict[str, int] = {k: i for i, e in enumerate(ERAS) for k in (e.name, e.letter)}

# People type dates with whatever dash the IME gives them; all of these can only mean "-" here.
_DASHES = str.maketrans(dict.fromkeys("‐‑‒–—―−ー", "-"))
# re.ASCII: \d must not accept other scripts' digits (NFKC already folded full-width ones).
_WESTERN = re.compile(
    r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})|(\d{4})年(\d{1,2})月(\d{1,2})日", re.ASCII
)
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})", re.ASCII)
_ERA = re.compile(
    r"(明治|大正|昭和|平成|令和|[MTSHR])(\d{1,2}|元)"
    r"(?:年(\d{1,2})月(\d{1,2})日|([-/.])(\d{1,2})\5(\d{1,2}))",
    re.IGNORECASE | re.ASCII,
)


def _make(text: str, year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise InvalidDate(text, "存在しない日付です", "No such date") from None


def parse_date(text: str) -> date:
    """Read one exact date from ``text``; raise ``InvalidDate`` rather than guess.

    Accepts 2025-04-01, 2025/4/1, 2025.4.1, 20250401, 2025年4月1日, and for the eras
    明治 大正 昭和 平成 令和 (M T S H R): 令和7年4月1日, 令和元年5月1日, R7.4.1, R7/4/1, r7-4-1,
    also 令和7.4.1 and R7年4月1日.
    Full-width characters and era ligatures (㋿, ㍻) are folded by NFKC; whitespace is ignored.
    The separator must be the same throughout (2025-4/1 is refused).
    """
    if not isinstance(text, str):
        raise InvalidDate(repr(text))
    s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).translate(_DASHES)
    if not s:
        raise InvalidDate(text, "日付が空です", "Date is empty")

    if m := _WESTERN.fullmatch(s):
        y, mo, d = (m[1], m[3], m[4]) if m[1] else (m[5], m[6], m[7])
        return _make(text, int(y), int(mo), int(d))
    if m := _COMPACT.fullmatch(s):
        return _make(text, int(m[1]), int(m[2]), int(m[3]))

    if m := _ERA.fullmatch(s):
        era_index = _BY_KEY[m[1].upper()]
        era = ERAS[era_index]
        era_year = 1 if m[2] == "元" else int(m[2])
        month, day = (int(m[3]), int(m[4])) if m[3] else (int(m[6]), int(m[7]))
        if era_year == 0:
            raise InvalidDate(text, "元号の年は1以上です", "Era year must be 1 or more")
        d = _make(text, era.starts_on.year + era_year - 1, month, day)
        # The era's last day is the day before the next (newer) era starts.
        ends_before = ERAS[era_index - 1].starts_on if era_index > 0 else None
        if d < era.starts_on or (ends_before is not None and d >= ends_before):
            raise InvalidDate(text, f"{era.name}の期間外です", f"Outside the {era.romaji} era")
        return d

    raise InvalidDate(text)


@functools.lru_cache(maxsize=8192)  # lists show the same few days over and over
def format_wareki(d: date) -> str:
    """令和7年4月1日; the first year of an era is 元年. Dates before 明治 come back as ISO."""
    for era in ERAS:
        if d >= era.starts_on:
            year = d.year - era.starts_on.year + 1
            return f"{era.name}{'元' if year == 1 else year}年{d.month}月{d.day}日"
    return d.isoformat()


def format_both(d: date, language: str | None = None) -> str:
    """令和7年4月1日（2025-04-01） in Japanese, 2025-04-01 (令和7年4月1日) in other languages
    (the active language unless one is given): English text gets no Japanese brackets. Before
    明治 there is no 和暦, so only the ISO form."""
    if language is None:
        from django.utils.translation import get_language

        language = get_language() or "ja"
    wareki = format_wareki(d)
    iso = d.isoformat()
    if wareki == iso:
        return iso
    return f"{wareki}（{iso}）" if language.startswith("ja") else f"{iso} ({wareki})"


def add_years(d: date, years: int) -> date:
    """Same month and day ``years`` later; 29 Feb becomes 28 Feb in a non-leap year."""
    year = d.year + years
    day = min(d.day, calendar.monthrange(year, d.month)[1]) if 1 <= year <= 9999 else d.day
    return d.replace(year=year, day=day)  # out-of-range years raise date's own ValueError


def add_months(d: date, months: int) -> date:
    """Same day ``months`` later, clamped to the end of a shorter month (1/31 + 1 → 2/28)."""
    year, month0 = divmod(d.year * 12 + d.month - 1 + months, 12)
    day = min(d.day, calendar.monthrange(year, month0 + 1)[1]) if 1 <= year <= 9999 else d.day
    return date(year, month0 + 1, day)


def measure_end_for(starts_on: date) -> date:
    """Last day of a one-year measure that counts its first day (2025-04-01 → 2026-03-31).

    As 民法143条 counts periods: the period ends the day before the day that corresponds to
    the start a year later, and when that month has no such day (29 February), at the end of
    that month. So 2024-02-29 → 2025-02-28: protection is never a day short.
    """
    try:
        corresponding = starts_on.replace(year=starts_on.year + 1)
    except ValueError:  # 29 February into a common year: the month's last day
        return date(starts_on.year + 1, starts_on.month, 28)
    return corresponding - timedelta(days=1)

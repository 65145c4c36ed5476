"""Template helpers: dates in both calendars, and the flags."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from html import escape

from django import template
from django.utils import timezone
from django.utils.translation import get_language

from supportmeasures import wareki
from supportmeasures.screening import Result

register = template.Library()


@register.filter
def both_calendars(value: datetime.date | datetime.datetime | None) -> str:
    """令和7年4月1日（2025-04-01）; the era form first in Japanese, second in English."""
    if value is None or value == "":
        return "—"
    if isinstance(value, datetime.datetime):
        local = timezone.localtime(value)
        day = local.date()
        time_part = local.strftime(" %H:%M")
    else:
        day, time_part = value, ""
    return _both(day, wareki.format_wareki(day), time_part, (get_language() or "ja"))


def _both(day: datetime.date, era: str, time_part: str, language: str) -> str:
    if language.startswith("ja"):
        return f"{era}（{day.isoformat()}）{time_part}"
    return f"{day.isoformat()} ({era}){time_part}"


def both_calendars_of_times() -> Callable[[datetime.datetime], str]:
    """`both_calendars` for the many times of one list: the language, the time zone and
    each day's era are read once, not once per row."""
    language, zone = get_language() or "ja", timezone.get_current_timezone()
    eras: dict[datetime.date, str] = {}

    def both(value: datetime.datetime) -> str:
        local = timezone.localtime(value, zone)
        day = local.date()
        if day not in eras:
            eras[day] = wareki.format_wareki(day)
        return _both(day, eras[day], local.strftime(" %H:%M"), language)

    return both


@register.simple_tag
def result_label(code: str) -> str:
    """A badge's words for a registry status (`screening.Result`, the one vocabulary)."""
    return str(Result(code).label)


@register.filter
def effective_status(measure, today: datetime.date) -> str:
    return measure.effective_status(today)


@register.filter
def effective_status_label(measure, today: datetime.date) -> str:
    return measure.effective_status_label(today)


class LabelsOncePerPage:
    """Each code's label translated once per page, not once per row (and with `html`,
    escaped once too), for lists rendered in Python."""

    def __init__(self, labels: Mapping[str, object], *, html: bool = False) -> None:
        self.labels, self.html = labels, html
        self.done: dict[str, str] = {}

    def __call__(self, value: str) -> str:
        if value not in self.done:
            label = str(self.labels.get(value, value))
            self.done[value] = escape(label) if self.html else label
        return self.done[value]

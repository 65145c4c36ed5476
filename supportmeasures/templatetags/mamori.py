"""Template helpers: dates in both calendars, and the flags."""

from __future__ import annotations

import datetime

from django import template
from django.utils import timezone
from django.utils.translation import get_language

from supportmeasures import wareki

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
    era = wareki.format_wareki(day)
    if (get_language() or "ja").startswith("ja"):
        return f"{era}（{day.isoformat()}）{time_part}"
    return f"{day.isoformat()} ({era}){time_part}"


@register.filter
def effective_status(measure, today: datetime.date) -> str:
    return measure.effective_status(today)


@register.filter
def effective_status_label(measure, today: datetime.date) -> str:
    return measure.effective_status_label(today)

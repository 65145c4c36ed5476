"""When a linked system must have confirmed a block: the end of the next business day.

Business days are the days the city's offices open: not Saturday or Sunday, not a national
holiday (jpholiday), not the year-end closure 29 December to 3 January (行政機関の休日).
"""

from __future__ import annotations

import datetime

import jpholiday
from django.conf import settings
from django.utils import timezone


def is_business_day(day: datetime.date) -> bool:
    if day.weekday() >= 5 or jpholiday.is_holiday(day):
        return False
    year_end = (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)
    return not year_end


def next_business_day_end(now: datetime.datetime, days: int | None = None) -> datetime.datetime:
    """The last moment (23:59:59, Japan time) of the `days`-th business day after the day
    `now` falls on (default `MAMORI_PROPAGATION_BUSINESS_DAYS`, 1: the next business day)."""
    remaining = settings.MAMORI_PROPAGATION_BUSINESS_DAYS if days is None else days
    day = timezone.localdate(now)
    while remaining > 0:
        day += datetime.timedelta(days=1)
        if is_business_day(day):
            remaining -= 1
    end = datetime.datetime.combine(day, datetime.time(23, 59, 59))
    return timezone.make_aware(end, timezone.get_current_timezone())

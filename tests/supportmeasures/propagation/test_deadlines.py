"""The deadline of a confirmation: the end of the next business day, Japan time."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest

from supportmeasures.propagation.deadlines import is_business_day, next_business_day_end

JST = ZoneInfo("Asia/Tokyo")


def at(day: str, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(datetime.date.fromisoformat(day), datetime.time(hour), JST)


def end_of(day: str) -> datetime.datetime:
    return datetime.datetime.combine(
        datetime.date.fromisoformat(day), datetime.time(23, 59, 59), JST
    )


class TestNextBusinessDayEnd:
    @pytest.mark.parametrize(
        ("now", "due"),
        [
            (at("2026-12-02"), "2026-12-03"),  # Wednesday → Thursday
            (at("2026-12-04"), "2026-12-07"),  # Friday → Monday
            (at("2026-12-05"), "2026-12-07"),  # a change on Saturday → Monday
            (at("2026-11-02"), "2026-11-04"),  # Tuesday 3 November is 文化の日
            (at("2026-11-20"), "2026-11-24"),  # Monday 23 November is 勤労感謝の日
            (at("2026-12-25"), "2026-12-28"),  # Friday → Monday 28, the last day open
            (at("2026-12-28"), "2027-01-04"),  # 29 December to 3 January are closed
            (at("2026-12-30"), "2027-01-04"),
            (at("2027-01-08"), "2027-01-12"),  # Friday; Monday 11 January is 成人の日
        ],
    )
    def test_is_the_end_of_the_next_day_the_offices_open(self, now, due):
        assert next_business_day_end(now) == end_of(due)

    def test_counts_the_day_in_japan_not_in_utc(self):
        # 16:00 UTC on Thursday is 01:00 on Friday in Japan: due Monday, not Friday.
        now = datetime.datetime(2026, 12, 3, 16, 0, tzinfo=datetime.UTC)

        assert next_business_day_end(now) == end_of("2026-12-07")

    def test_the_number_of_business_days_is_a_setting(self, settings):
        settings.MAMORI_PROPAGATION_BUSINESS_DAYS = 2

        assert next_business_day_end(at("2026-12-04")) == end_of("2026-12-08")
        assert next_business_day_end(at("2026-12-04"), days=3) == end_of("2026-12-09")


class TestIsBusinessDay:
    @pytest.mark.parametrize(
        ("day", "open_"),
        [
            ("2026-12-07", True),
            ("2026-12-06", False),  # Sunday
            ("2026-11-03", False),  # holiday
            ("2026-12-29", False),  # year-end closure, a Tuesday
            ("2027-01-01", False),
            ("2027-01-04", True),
        ],
    )
    def test_weekends_holidays_and_the_year_end_are_closed(self, day, open_):
        assert is_business_day(datetime.date.fromisoformat(day)) is open_

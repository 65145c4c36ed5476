from datetime import date

import pytest
from django.utils import translation

from supportmeasures.wareki import (
    ERAS,
    InvalidDate,
    add_months,
    add_years,
    format_both,
    format_wareki,
    measure_end_for,
    parse_date,
)


class TestParseDate:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("2025-04-01", date(2025, 4, 1)),
            ("2025/4/1", date(2025, 4, 1)),
            ("2025.4.1", date(2025, 4, 1)),
            ("20250401", date(2025, 4, 1)),
            ("2025年4月1日", date(2025, 4, 1)),
            ("1999-12-31", date(1999, 12, 31)),
        ],
    )
    def test_reads_western_dates(self, text: str, expected: date) -> None:
        assert parse_date(text) == expected

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("令和7年4月1日", date(2025, 4, 1)),
            ("令和元年5月1日", date(2019, 5, 1)),
            ("令和1年5月1日", date(2019, 5, 1)),
            ("R7.4.1", date(2025, 4, 1)),
            ("R7/4/1", date(2025, 4, 1)),
            ("r7.4.1", date(2025, 4, 1)),
            ("R7-4-1", date(2025, 4, 1)),
            ("R07.04.01", date(2025, 4, 1)),
            ("R元.5.1", date(2019, 5, 1)),
            ("令和7.4.1", date(2025, 4, 1)),
            ("S60.11.3", date(1985, 11, 3)),
            ("昭和60年11月3日", date(1985, 11, 3)),
            ("H31.4.30", date(2019, 4, 30)),
            ("平成31年4月30日", date(2019, 4, 30)),
            ("平成元年1月8日", date(1989, 1, 8)),
            ("昭和64年1月7日", date(1989, 1, 7)),
            ("M45.7.29", date(1912, 7, 29)),
            ("明治45年7月29日", date(1912, 7, 29)),
            ("明治元年1月25日", date(1868, 1, 25)),
            ("大正元年7月30日", date(1912, 7, 30)),
            ("T15.12.24", date(1926, 12, 24)),
            ("大正15年12月24日", date(1926, 12, 24)),
            ("昭和元年12月25日", date(1926, 12, 25)),
        ],
    )
    def test_reads_era_dates(self, text: str, expected: date) -> None:
        assert parse_date(text) == expected

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("２０２５－０４－０１", date(2025, 4, 1)),
            ("Ｒ７．４．１", date(2025, 4, 1)),
            ("ｓ６０／１１／３", date(1985, 11, 3)),
            ("令和７年４月１日", date(2025, 4, 1)),
            ("㋿7年4月1日", date(2025, 4, 1)),
            ("㍻31年4月30日", date(2019, 4, 30)),
            (" 令和 7 年 4 月 1 日 ", date(2025, 4, 1)),
            ("令和\u30007年\u30004月1日", date(2025, 4, 1)),
            ("2025 - 04 - 01\n", date(2025, 4, 1)),
            ("2025−04−01", date(2025, 4, 1)),
        ],
    )
    def test_ignores_width_and_spaces(self, text: str, expected: date) -> None:
        assert parse_date(text) == expected

    @pytest.mark.parametrize(
        "text",
        [
            "平成32年1月1日",
            "H32.1.1",
            "平成31年5月1日",
            "昭和64年1月8日",
            "令和1年4月30日",
            "令和元年4月30日",
            "平成元年1月7日",
            "大正15年12月25日",
            "T1.7.29",
            "明治45年7月30日",
            "明治元年1月24日",
        ],
    )
    def test_refuses_a_date_outside_its_era(self, text: str) -> None:
        with pytest.raises(InvalidDate, match="期間外です / Outside the"):
            parse_date(text)

    @pytest.mark.parametrize(
        "text", ["2025-02-30", "2025-13-01", "2025-00-10", "20250230", "令和7年2月29日", "R6.4.31"]
    )
    def test_refuses_an_impossible_date(self, text: str) -> None:
        with pytest.raises(InvalidDate, match="存在しない日付です / No such date"):
            parse_date(text)

    @pytest.mark.parametrize("text", ["", "   ", "\u3000"])
    def test_refuses_an_empty_text(self, text: str) -> None:
        with pytest.raises(InvalidDate, match="日付が空です / Date is empty"):
            parse_date(text)

    @pytest.mark.parametrize(
        "text",
        [
            "2025-4/1",
            "R7.4/1",
            "25-04-01",
            "2025-04",
            "2025040",
            "X7.4.1",
            "令和7年4月",
            "令和7年4月1",
            "令和007年4月1日",
            "2025-04-01T00:00",
            "4/1/2025",
            "昨日",
            "٢٠٢٥-٠٤-٠١",  # Arabic-Indic digits are not Japanese dates
        ],
    )
    def test_refuses_a_text_it_cannot_read(self, text: str) -> None:
        with pytest.raises(InvalidDate, match="日付として読めません / Not a valid date"):
            parse_date(text)

    def test_refuses_era_year_zero(self) -> None:
        with pytest.raises(InvalidDate, match="Era year must be 1 or more"):
            parse_date("平成0年1月8日")

    def test_error_is_a_value_error_with_a_bilingual_message_naming_the_text(self) -> None:
        with pytest.raises(ValueError) as caught:
            parse_date("2025-02-30")
        assert str(caught.value) == "存在しない日付です / No such date: '2025-02-30'"
        assert isinstance(caught.value, InvalidDate)
        assert caught.value.text == "2025-02-30"

    def test_names_the_era_when_refusing(self) -> None:
        with pytest.raises(InvalidDate) as caught:
            parse_date("昭和64年1月8日")
        assert str(caught.value) == "昭和の期間外です / Outside the Showa era: '昭和64年1月8日'"


class TestFormatWareki:
    @pytest.mark.parametrize(
        ("d", "expected"),
        [
            (date(2025, 4, 1), "令和7年4月1日"),
            (date(2019, 5, 1), "令和元年5月1日"),
            (date(2019, 4, 30), "平成31年4月30日"),
            (date(1989, 1, 8), "平成元年1月8日"),
            (date(1989, 1, 7), "昭和64年1月7日"),
            (date(1926, 12, 25), "昭和元年12月25日"),
            (date(1926, 12, 24), "大正15年12月24日"),
            (date(1912, 7, 30), "大正元年7月30日"),
            (date(1912, 7, 29), "明治45年7月29日"),
            (date(1868, 1, 25), "明治元年1月25日"),
        ],
    )
    def test_writes_the_era_year_with_gannen_for_the_first(self, d: date, expected: str) -> None:
        assert format_wareki(d) == expected

    def test_falls_back_to_iso_before_meiji(self) -> None:
        assert format_wareki(date(1868, 1, 24)) == "1868-01-24"

    def test_round_trips_with_parse_date_on_every_era_boundary(self) -> None:
        for era in ERAS:
            for d in (era.starts_on, add_months(era.starts_on, 1)):
                assert parse_date(format_wareki(d)) == d


class TestFormatBoth:
    def test_puts_the_iso_date_in_full_width_brackets_in_japanese(self) -> None:
        with translation.override("ja"):
            assert format_both(date(2025, 4, 1)) == "令和7年4月1日（2025-04-01）"

    def test_puts_the_era_date_in_ascii_brackets_in_english(self) -> None:
        with translation.override("en"):
            assert format_both(date(2025, 4, 1)) == "2025-04-01 (令和7年4月1日)"

    def test_a_given_language_wins_over_the_active_one(self) -> None:
        with translation.override("en"):
            assert format_both(date(2025, 4, 1), "ja") == "令和7年4月1日（2025-04-01）"

    def test_writes_gannen(self) -> None:
        assert format_both(date(2019, 5, 1), "ja") == "令和元年5月1日（2019-05-01）"

    def test_gives_only_iso_before_meiji(self) -> None:
        assert format_both(date(1800, 1, 1)) == "1800-01-01"


class TestAddYears:
    @pytest.mark.parametrize(
        ("d", "years", "expected"),
        [
            (date(2025, 4, 1), 1, date(2026, 4, 1)),
            (date(2025, 4, 1), -3, date(2022, 4, 1)),
            (date(2024, 2, 29), 1, date(2025, 2, 28)),
            (date(2024, 2, 29), 4, date(2028, 2, 29)),
            (date(2024, 2, 29), -1, date(2023, 2, 28)),
            (date(2025, 12, 31), 0, date(2025, 12, 31)),
        ],
    )
    def test_keeps_month_and_day_and_moves_29_february_to_28(
        self, d: date, years: int, expected: date
    ) -> None:
        assert add_years(d, years) == expected

    def test_refuses_a_year_beyond_what_dates_can_hold(self) -> None:
        with pytest.raises(ValueError):
            add_years(date(9999, 1, 1), 1)


class TestAddMonths:
    @pytest.mark.parametrize(
        ("d", "months", "expected"),
        [
            (date(2025, 1, 31), 1, date(2025, 2, 28)),
            (date(2024, 1, 31), 1, date(2024, 2, 29)),
            (date(2025, 3, 31), 1, date(2025, 4, 30)),
            (date(2025, 11, 15), 2, date(2026, 1, 15)),
            (date(2025, 1, 15), -1, date(2024, 12, 15)),
            (date(2025, 3, 31), -1, date(2025, 2, 28)),
            (date(2025, 4, 1), 12, date(2026, 4, 1)),
            (date(2025, 4, 1), -24, date(2023, 4, 1)),
            (date(2025, 8, 31), 0, date(2025, 8, 31)),
        ],
    )
    def test_clamps_to_the_end_of_a_shorter_month(
        self, d: date, months: int, expected: date
    ) -> None:
        assert add_months(d, months) == expected


class TestMeasureEndFor:
    @pytest.mark.parametrize(
        ("starts_on", "expected"),
        [
            (date(2025, 4, 1), date(2026, 3, 31)),
            (date(2025, 1, 1), date(2025, 12, 31)),
            (date(2023, 3, 1), date(2024, 2, 29)),
            (date(2024, 3, 1), date(2025, 2, 28)),
            (date(2025, 5, 15), date(2026, 5, 14)),
        ],
    )
    def test_ends_the_day_before_the_same_date_next_year(
        self, starts_on: date, expected: date
    ) -> None:
        assert measure_end_for(starts_on) == expected

    def test_a_start_on_29_february_ends_on_the_last_day_of_february(self) -> None:
        # 民法143条2項: no corresponding day, so the period ends at the end of that month.
        assert measure_end_for(date(2024, 2, 29)) == date(2025, 2, 28)


class TestBothCalendarsOfTimes:
    @pytest.mark.parametrize("language", ["ja", "en"])
    def test_writes_each_time_as_both_calendars_does(self, language: str) -> None:
        import datetime

        from django.utils import translation

        from supportmeasures.templatetags.mamori import both_calendars, both_calendars_of_times

        times = [
            datetime.datetime(2019, 4, 30, 14, 59, tzinfo=datetime.UTC),  # 平成, 23:59 in Japan
            datetime.datetime(2019, 4, 30, 15, 0, tzinfo=datetime.UTC),  # 令和 1 May in Japan
            datetime.datetime(2026, 11, 27, 1, 2, 3, tzinfo=datetime.UTC),
            datetime.datetime(2026, 11, 27, 1, 2, 3, tzinfo=datetime.UTC),
        ]
        with translation.override(language):
            both = both_calendars_of_times()

            assert [both(t) for t in times] == [both_calendars(t) for t in times]

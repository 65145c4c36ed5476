"""The dashboard's numbers and charts, and the auditors-only pages."""

from __future__ import annotations

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction
from django.urls import reverse

from auditlog.actions import Event, record_events
from auditlog.models import EventKind
from auditlog.workspace import charts, dashboard
from auditlog.workspace.analyses import REPORT_CODES
from inquiries import actions as inquiry_actions
from inquiries.models import Channel, DisclosureCategory
from supportmeasures.models import Role

JST = ZoneInfo("Asia/Tokyo")
NOW = datetime.datetime(2026, 11, 27, 12, 0, tzinfo=JST)
pytestmark = pytest.mark.usefixtures("in_english", "clock")


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def plant(kind, actor, occurred_at, **fields):
    with transaction.atomic():
        record_events([Event(kind=kind, actor=actor, occurred_at=occurred_at, **fields)])


def plan(author, *, created_at, **overrides):
    fields: dict[str, object] = {
        "target_name": "鈴木 一郎",
        "target_kana": "スズキ イチロウ",
        "target_contact": "090-0000-0000",
        "target_relation": "本人",
        "channel": Channel.PHONE,
        "purpose": "安否確認",
        "categories": [DisclosureCategory.IDENTITY],
        "wording": "安否確認の電話をします",
        "is_emergency": True,
        "emergency_reason": "本人と連絡が取れず安否が不明",
    }
    fields.update(overrides)
    return inquiry_actions.create_plan(acting_user=author, created_at=created_at, **fields)


class TestCharts:
    def test_a_bar_chart_writes_each_label_and_value_and_its_title(self):
        chart = charts.bar_chart(
            title="Per ward",
            label_heading="Ward",
            value_heading="Measures",
            items=[("鶴見区", 3), ("神奈川区", 12)],
        )

        svg = str(chart.svg)
        assert 'role="img"' in svg and "<title" in svg and "aria-labelledby" in svg
        assert re.search(r">鶴見区</text>", svg) and re.search(r">3</text>", svg)
        assert re.search(r">神奈川区</text>", svg) and re.search(r">12</text>", svg)
        assert "Largest: 神奈川区, 12" in svg
        assert chart.rows == [("鶴見区", [3]), ("神奈川区", [12])]

    def test_a_stacked_chart_tells_series_apart_by_pattern_and_legend(self):
        chart = charts.stacked_bar_chart(
            title="By kind",
            label_heading="Day",
            series=["Looks", "Inquiries"],
            rows=[("11-26", [40, 25]), ("11-27", [0, 7])],
        )

        svg = str(chart.svg)
        patterns = re.findall(r'fill="url\(#(chart-\w+-p\d)\)"', svg)
        assert len(set(patterns)) == 2  # two series, two patterns
        assert ">Looks</text>" in svg and ">Inquiries</text>" in svg  # the legend
        assert ">40</text>" in svg and ">65</text>" in svg and ">7</text>" in svg  # totals
        assert chart.columns == ["Day", "Looks", "Inquiries", "Total"]
        assert chart.rows[0] == ("11-26", [40, 25, 65])

    def test_text_is_escaped(self):
        chart = charts.bar_chart(
            title="<b>", label_heading="", value_heading="", items=[("<script>", 1)]
        )

        assert "<script>" not in str(chart.svg) and "&lt;script&gt;" in str(chart.svg)

    def test_no_data_says_so(self):
        chart = charts.bar_chart(title="t", label_heading="", value_heading="", items=[])

        assert "No data for this period." in str(chart.svg)


@pytest.mark.django_db
class TestDashboardData:
    def test_counts_events_per_day_by_kind_group_and_per_ward(self, clerk_a, clerk_b, x):
        before = dashboard.dashboard_data(now=NOW)
        for hour in (9, 10, 11):
            plant(EventKind.DETAILS_VIEWED, clerk_b, NOW.replace(day=25, hour=hour),
                  person_public_id=x.public_id)  # fmt: skip
        plant(EventKind.INQUIRY_CREATED, clerk_b, NOW.replace(day=25, hour=23, minute=30))
        plant(EventKind.DETAILS_VIEWED, clerk_b, NOW - datetime.timedelta(days=45))  # too old

        data = dashboard.dashboard_data(now=NOW)

        columns = data.events_by_day.columns
        looks, inquiries = (
            columns.index(c) - 1 for c in ("Looks at protected details", "Inquiries")
        )
        assert dict(before.events_by_day.rows)["11-25"] == [0] * 7
        assert dict(data.events_by_day.rows)["11-25"][looks] == 3
        assert dict(data.events_by_day.rows)["11-25"][inquiries] == 1
        assert dict(data.events_by_day.rows)["11-25"][-1] == 4
        ward_before = dict(before.events_by_ward.rows)["神奈川区"][-1]
        assert dict(data.events_by_ward.rows)["神奈川区"][-1] == ward_before + 4
        assert len(data.events_by_day.rows) == 30

    def test_pending_sign_offs_fall_in_age_buckets(self, supervisor_a, clerk_a):
        with time_machine.travel(NOW - datetime.timedelta(days=4), tick=False):
            plan(clerk_a, created_at=NOW - datetime.timedelta(days=4))
        plan(clerk_a, created_at=NOW - datetime.timedelta(minutes=20))

        data = dashboard.dashboard_data(now=NOW)

        rows = dict(data.pending.rows)
        assert rows["Contact plans awaiting approval"] == [1, 0, 0, 1, 2]
        assert rows["Inquiries awaiting sign-off"] == [0, 0, 0, 0, 0]
        assert data.pending_total == 2

    def test_lists_measures_ending_within_30_days_and_open_emergencies(
        self, register, decide, clerk_a, supervisor_a, make_staff, ward_a
    ):
        soon = decide(register(clerk_a), supervisor_a, starts_on=datetime.date(2025, 12, 10))
        decide(register(clerk_a), supervisor_a, starts_on=datetime.date(2026, 3, 1))
        emergency = plan(clerk_a, created_at=NOW)
        reviewed = plan(clerk_a, created_at=NOW)
        for approver in (supervisor_a, make_staff(ward_a, Role.SUPERVISOR)):
            inquiry_actions.approve_plan(plan=reviewed, acting_user=approver, approved_at=NOW)
        inquiry_actions.review_emergency(
            plan=reviewed, acting_user=supervisor_a, note="妥当", reviewed_at=NOW
        )

        data = dashboard.dashboard_data(now=NOW)

        assert [m.ref for m in data.ending] == [soon.ref]
        assert data.ending_by_ward.rows == [("鶴見区", [1])]
        assert [p.pk for p in data.emergencies] == [emergency.pk]

    def test_reads_in_a_fixed_number_of_queries(self, clerk_a, x, django_assert_max_num_queries):
        for day in range(1, 27):
            plant(EventKind.DETAILS_VIEWED, clerk_a, NOW.replace(day=day))

        # 9: the unanswered forwardings (issue 12) are one query beside the unconfirmed blocks.
        with django_assert_max_num_queries(9):
            dashboard.dashboard_data(now=NOW)


def pages():
    return [
        reverse("auditlog:dashboard"),
        reverse("auditlog:reports"),
        *[reverse("auditlog:report", args=[code]) for code in REPORT_CODES],
    ]


@pytest.fixture
def login(login):
    """Pages in English (they are Japanese by default)."""

    def english(staff):
        client = login(staff)
        client.cookies["django_language"] = "en"
        return client

    return english


@pytest.mark.django_db
class TestPages:
    @pytest.mark.parametrize("role", ["clerk_a", "supervisor_a", "contractor_a"])
    def test_anyone_but_an_auditor_gets_404_on_every_page(self, request, role, login):
        client = login(request.getfixturevalue(role))

        for url in pages():
            assert client.get(url).status_code == 404, url
            assert client.post(url).status_code == 404, url

    def test_the_auditor_gets_every_page(self, auditor, login):
        client = login(auditor)

        for url in pages():
            assert client.get(url).status_code == 200, url

    def test_an_unknown_report_is_404(self, auditor, login):
        assert login(auditor).get("/audit/reports/nope/").status_code == 404

    def test_the_report_list_counts_findings_in_the_chosen_period(self, auditor, login, clerk_a, x):
        plant(EventKind.DETAILS_VIEWED, clerk_a, datetime.datetime(2026, 11, 23, 10, tzinfo=JST),
              person_public_id=x.public_id)  # fmt: skip
        client = login(auditor)

        inside = client.get("/audit/reports/?from_date=2026-11-23&to_date=2026-11-23")
        outside = client.get("/audit/reports/?from_date=2026-11-24&to_date=2026-11-26")

        assert len(inside.context["reports"][0]) == 1
        assert len(outside.context["reports"][0]) == 0
        assert "from_date=2026-11-23" in inside.content.decode()

    def test_the_default_period_is_the_last_7_days(self, auditor, login):
        response = login(auditor).get("/audit/reports/")

        assert response.context["period"] == (
            datetime.date(2026, 11, 21),
            datetime.date(2026, 11, 27),
        )

    def test_a_report_shows_its_rows(self, auditor, login, clerk_a, x):
        plant(EventKind.DETAILS_VIEWED, clerk_a, datetime.datetime(2026, 11, 23, 10, tzinfo=JST),
              person_public_id=x.public_id)  # fmt: skip

        response = login(auditor).get("/audit/reports/night/?from_date=R8.11.23&to_date=2026-11-24")

        body = response.content.decode()
        assert "勤労感謝の日" in body and "a_clerk" in body
        assert f"/audit/people/{x.public_id}/" in body

    def test_a_report_with_nothing_found_still_says_what_it_looked_for(self, auditor, login):
        client = login(auditor)
        client.cookies["django_language"] = "en"
        body = client.get("/audit/reports/night/?from_date=R8.11.23&to_date=2026-11-24")
        page = body.content.decode()
        assert "Nothing found in this period." in page
        assert body.context["report"].title in page

    @pytest.mark.parametrize(
        ("query", "message"),
        [
            (
                "from_date=2026-11-25&to_date=2026-11-20",
                "The start of the period is after its end.",
            ),
            ("from_date=2024-01-01&to_date=2026-11-20", "Choose a period of at most 366 days."),
            ("from_date=yesterday", "Enter a real date"),
        ],
    )
    def test_a_bad_period_is_a_clear_error_and_no_report(self, auditor, login, query, message):
        for url in ("/audit/reports/", "/audit/reports/night/"):
            response = login(auditor).get(f"{url}?{query}")

            assert response.status_code == 200
            assert message in response.content.decode()
            assert (
                response.context.get("reports") is None and response.context.get("report") is None
            )

    def test_the_dashboard_draws_its_charts_with_tables(self, auditor, login, clerk_a, x):
        plant(EventKind.DETAILS_VIEWED, clerk_a, NOW - datetime.timedelta(hours=1),
              person_public_id=x.public_id)  # fmt: skip

        body = login(auditor).get("/audit/dashboard/").content.decode()

        assert body.count("<svg") == 4
        assert body.count("<details") == 4
        assert "Audit events per day, by kind (last 30 days)" in body
        assert ">鶴見区</text>" in body

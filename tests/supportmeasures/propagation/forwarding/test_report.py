"""A forwarding without a reply is a task like the others (issue 12): once escalated, the
auditors' dashboard counts it and the weekly report lists it until the reply is recorded, by
its relation, never naming the municipality (reviewer R12)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from auditlog.models import EventKind
from auditlog.workspace import analyses
from supportmeasures.propagation import forwarding as fw

from .test_actions import forward

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)
WEEK = datetime.timedelta(days=7)


def _report(until: datetime.datetime) -> analyses.AnomalyReport:
    return analyses.run_report(analyses.UNCONFIRMED_BLOCKS, since=until - WEEK, until=until)


def test_the_weekly_report_lists_an_unanswered_forwarding_until_its_reply(x_measure, clerk_a, now):
    forwarding = forward(x_measure, clerk_a, now)
    late = forwarding.due_at + DAY
    fw.escalate_overdue_forwardings(now=late)

    assert len(_report(late)) == 0  # escalated at `late`, not before it
    report = _report(late + DAY)
    (row,) = report.rows
    assert row.reference == x_measure.ref
    assert "本籍地" in row.who
    assert {EventKind.MEASURE_FORWARDED, EventKind.PROPAGATION_OVERDUE} <= {
        e.kind for e in row.events
    }
    assert "札幌" not in f"{row.who} {row.what}"

    replied_at = late + 2 * DAY
    fw.record_forward_reply(
        forwarding=forwarding,
        acting_user=clerk_a,
        replied_on=replied_at.date(),
        note="",
        recorded_at=replied_at,
    )
    assert len(_report(late + DAY)) == 1  # the week that ended before the reply
    assert len(_report(replied_at + DAY)) == 0


def test_the_dashboard_counts_it_without_the_municipality(login, x_measure, clerk_a, auditor, now):
    forwarding = forward(x_measure, clerk_a, now)
    fw.escalate_overdue_forwardings(now=forwarding.due_at + DAY)

    page = login(auditor).get(reverse("auditlog:dashboard")).content.decode()

    section = page.split('id="unconfirmed-heading"')[1].split("</section>")[0]
    assert x_measure.ref in section
    assert "本籍地" in section
    assert "札幌" not in page and "011002" not in page
    assert "Every linked system has confirmed in time" not in section
    assert "確認されていない制限：1件" in section or ": 1" in section


def test_the_report_page_names_the_measure_not_a_contact_plan(
    login, x_measure, clerk_a, auditor, now
):
    forwarding = forward(x_measure, clerk_a, now)
    late = forwarding.due_at + DAY
    fw.escalate_overdue_forwardings(now=late)
    day = (late + 2 * DAY).date()

    page = (
        login(auditor)
        .get(
            reverse("auditlog:report", kwargs={"code": analyses.UNCONFIRMED_BLOCKS}),
            {"from_date": (day - WEEK).isoformat(), "to_date": day.isoformat()},
        )
        .content.decode()
    )

    assert f"支援措置 {x_measure.ref}" in page
    assert f"連絡計画 {x_measure.ref}" not in page

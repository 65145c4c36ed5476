"""`manage.py lapse_overdue_measures` (kept for older crontabs) is the scheduled lapse job
itself: the supervisors' to-do, the recorded run, once per day."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command

from auditlog.models import AuditEvent, EventKind, JobOutcome, JobRun
from inquiries.models import Notification
from supportmeasures.models import MeasureReminder, MeasureStatus, ReminderKind

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]


class TestLapseOverdueMeasuresCommand:
    def test_runs_the_scheduled_job_with_its_to_do_recorded_and_once(
        self, register, decide, clerk_a, supervisor_a, supervisor_b
    ):
        overdue = decide(register(clerk_a), supervisor_a, starts_on=datetime.date(2024, 4, 1))
        first, second = io.StringIO(), io.StringIO()

        call_command("lapse_overdue_measures", stdout=first)
        call_command("lapse_overdue_measures", stdout=second)

        overdue.refresh_from_db()
        assert overdue.status == MeasureStatus.LAPSED
        assert AuditEvent.objects.filter(kind=EventKind.MEASURE_LAPSED).count() == 1
        todo = Notification.objects.get()
        assert (todo.recipient, todo.url, todo.critical) == (
            supervisor_a,
            overdue.get_absolute_url(),
            True,
        )
        assert MeasureReminder.objects.get().kind == ReminderKind.LAPSED
        run = JobRun.objects.current().get(job="lapse-overdue-measures")
        assert (run.outcome, run.summary) == (
            JobOutcome.SUCCEEDED,
            "1 lapsed, 1 to-dos for supervisors",
        )
        assert (
            first.getvalue()
            == second.getvalue()
            == f"lapse-overdue-measures {run.period}: {run.summary}\n"
        )

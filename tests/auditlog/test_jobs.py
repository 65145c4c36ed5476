"""Scheduled jobs: recorded, idempotent, retried once, alarmed; and the notice they link to."""

from __future__ import annotations

import datetime
import io
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from auditlog import jobs
from auditlog.models import AuditEvent, EventKind, JobOutcome, JobRun
from auditlog.tasks import run_scheduled_job
from auditlog.workspace import analyses
from config import jobs as config_jobs
from config.celery import app
from inquiries.models import Notification
from supportmeasures import wareki
from supportmeasures.actions import acknowledge_warning
from supportmeasures.models import (
    AccessPurpose,
    MeasureReminder,
    MeasureStatus,
    Person,
    ReminderKind,
    Role,
    Staff,
    SupportMeasure,
)

WAIT_SECONDS = 30


@pytest.fixture
def celery_worker() -> Iterator[Any]:
    """A real worker on the real Redis broker, in a thread of this process."""
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as worker:
        yield worker


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        assert time.monotonic() < deadline, f"the worker did not {what}"
        time.sleep(0.1)


def job_done(name: str) -> Callable[[], bool]:
    return lambda: JobRun.objects.filter(
        job=name, outcome__in=[JobOutcome.SUCCEEDED, JobOutcome.ALARMED]
    ).exists()


@pytest.fixture
def ending_soon(
    register: Callable[..., SupportMeasure],
    decide: Callable[..., SupportMeasure],
    clerk_a: Staff,
    supervisor_a: Staff,
    today: datetime.date,
) -> SupportMeasure:
    """A measure of ward A whose year ends in about two weeks."""
    starts_on = wareki.add_years(today, -1) + datetime.timedelta(days=15)
    return decide(register(clerk_a), supervisor_a, starts_on=starts_on)


@pytest.fixture
def overdue(
    register: Callable[..., SupportMeasure],
    decide: Callable[..., SupportMeasure],
    clerk_a: Staff,
    supervisor_a: Staff,
) -> SupportMeasure:
    """A measure of ward A that ended in 2025 without extension."""
    return decide(register(clerk_a), supervisor_a, starts_on=datetime.date(2024, 4, 1))


@pytest.fixture
def failing_job() -> Iterator[list[int]]:
    """A job that really fails (registered only here): a chain check that cannot pass."""
    calls: list[int] = []

    @jobs.register_job("test-always-fails", jobs.Cadence.DAILY)
    def always_fails(now: datetime.datetime) -> str:
        calls.append(1)
        raise jobs.JobFailed("the test chain does not verify")

    yield calls
    jobs.JOBS.pop("test-always-fails")


@pytest.fixture
def fails_once() -> Iterator[list[int]]:
    calls: list[int] = []

    @jobs.register_job("test-fails-once", jobs.Cadence.DAILY)
    def fails_once(now: datetime.datetime) -> str:
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("the mail server hung up")
        return "done on the second try"

    yield calls
    jobs.JOBS.pop("test-fails-once")


def with_email(staff: Staff) -> Staff:
    staff.email = f"{staff.username}@city.example.jp"
    staff.save(update_fields=["email"])
    return staff


@pytest.mark.django_db
class TestRunJob:
    def test_runs_a_period_once_and_records_its_summary(self, now: datetime.datetime) -> None:
        calls: list[datetime.datetime] = []

        def job(at: datetime.datetime) -> str:
            calls.append(at)
            return "3 things done"

        first = jobs.run_job("counting", job, now=now, period="2026-11-27")
        second = jobs.run_job("counting", job, now=now, period="2026-11-27")

        assert len(calls) == 1
        assert first.pk == second.pk
        run = JobRun.objects.current().get()
        assert (run.job, run.period, run.attempt, run.outcome, run.summary) == (
            "counting",
            "2026-11-27",
            1,
            JobOutcome.SUCCEEDED,
            "3 things done",
        )
        assert run.finished_at is not None

    def test_keeps_the_error_of_a_failed_run_and_tries_again_as_a_new_attempt(
        self, now: datetime.datetime
    ) -> None:
        def broken(at: datetime.datetime) -> str:
            raise ValueError("no such table: the_thing")

        failed = jobs.run_job("broken", broken, now=now, period="p")
        again = jobs.run_job("broken", lambda at: "fixed", now=now, period="p")

        assert failed.outcome == JobOutcome.FAILED
        assert "ValueError: no such table: the_thing" in failed.error
        assert (again.attempt, again.outcome) == (2, JobOutcome.SUCCEEDED)

    def test_another_period_runs_again(self, now: datetime.datetime) -> None:
        calls: list[str] = []

        def job(at: datetime.datetime) -> str:
            calls.append("ran")
            return "ran"

        jobs.run_job("daily", job, now=now, period="2026-11-27")
        jobs.run_job("daily", job, now=now, period="2026-11-28")

        assert len(calls) == 2

    def test_refuses_an_unknown_job(self, now: datetime.datetime) -> None:
        with pytest.raises(jobs.UnknownJob):
            jobs.run_scheduled("no-such-job", now=now, final=True)

        assert not JobRun.objects.exists()

    def test_periods_follow_the_cadence_in_japan_time(self) -> None:
        at = datetime.datetime(2026, 11, 27, 15, 7, tzinfo=datetime.UTC)  # 00:07 on the 28th

        assert jobs.period_for(jobs.Cadence.DAILY, at) == "2026-11-28"
        assert jobs.period_for(jobs.Cadence.HOURLY, at) == "2026-11-28T00"
        assert jobs.period_for(jobs.Cadence.FIVE_MINUTES, at) == "2026-11-28T00:05"
        assert jobs.period_for(jobs.Cadence.WEEKLY, at) == "2026-W48"


@pytest.mark.django_db
class TestSelectors:
    def test_latest_runs_shows_each_jobs_last_run_and_alarms_the_ones_that_ended_badly(
        self, now: datetime.datetime
    ) -> None:
        later = now + datetime.timedelta(days=1)
        jobs.run_job("notification-digests", lambda at: "ok", now=now, period="a")
        jobs.run_job("notification-digests", lambda at: 1 / 0, now=later, period="b")  # type: ignore[arg-type,return-value]
        jobs.run_job("escalate-waiting-plans", lambda at: 1 / 0, now=now, period="a")  # type: ignore[arg-type,return-value]
        jobs.run_job("escalate-waiting-plans", lambda at: "ok", now=later, period="b")

        latest = {r.job: (r.period, r.outcome) for r in jobs.latest_runs()}

        assert latest == {
            "notification-digests": ("b", JobOutcome.FAILED),
            "escalate-waiting-plans": ("b", JobOutcome.SUCCEEDED),
        }
        assert [(r.job, r.period) for r in jobs.alarms()] == [("notification-digests", "b")]


@pytest.mark.django_db
class TestJobsRunTwice:
    """Each job for the same period, twice, as beat and a retry might: one effect."""

    def test_reminds_the_owning_ward_once_with_a_link_to_the_notice(
        self,
        ending_soon: SupportMeasure,
        clerk_a: Staff,
        supervisor_a: Staff,
        clerk_b: Staff,
        now: datetime.datetime,
    ) -> None:
        config_jobs.measure_ending_reminders(now)
        config_jobs.measure_ending_reminders(now + datetime.timedelta(minutes=1))

        reminder = MeasureReminder.objects.get()
        assert (reminder.measure, reminder.kind, reminder.ends_on) == (
            ending_soon,
            ReminderKind.ENDING_SOON,
            ending_soon.ends_on,
        )
        notices = Notification.objects.order_by("recipient__username")
        assert [n.recipient for n in notices] == [clerk_a, supervisor_a]
        url = reverse("supportmeasures:ending_notice", kwargs={"ref": ending_soon.ref})
        assert {n.url for n in notices} == {url}
        assert all(ending_soon.ref in n.subject for n in notices)

    def test_reminds_again_after_the_end_date_changes(
        self, ending_soon: SupportMeasure, supervisor_a: Staff, now: datetime.datetime
    ) -> None:
        config_jobs.measure_ending_reminders(now)
        assert ending_soon.ends_on is not None
        SupportMeasure.objects.filter(pk=ending_soon.pk).update(
            ends_on=ending_soon.ends_on - datetime.timedelta(days=1)
        )

        config_jobs.measure_ending_reminders(now)

        assert MeasureReminder.objects.count() == 2

    def test_reminds_on_the_day_the_extension_opens_as_the_work_queue_lists_it(
        self, ending_soon: SupportMeasure, supervisor_a: Staff, in_english: None
    ) -> None:
        # Ending 31 March: the extension opens on 28 February, a month before. The reminder
        # goes that day, when the ward's work queue shows it, not three days later.
        from supportmeasures import selectors

        SupportMeasure.objects.filter(pk=ending_soon.pk).update(ends_on=datetime.date(2027, 3, 31))
        feb_28 = timezone.make_aware(datetime.datetime(2027, 2, 28, 9))
        today = timezone.localdate(feb_28)

        assert config_jobs.measure_ending_reminders(feb_28) == "1 reminders sent"
        queue = selectors.work_queue(user=supervisor_a, today=today)
        assert [m.pk for m in queue.ending_soon] == [ending_soon.pk]

    def test_leaves_measures_ending_later_alone(
        self,
        register: Callable[..., SupportMeasure],
        decide: Callable[..., SupportMeasure],
        clerk_a: Staff,
        supervisor_a: Staff,
        now: datetime.datetime,
        in_english: None,
    ) -> None:
        decide(register(clerk_a), supervisor_a)  # a full year ahead

        assert config_jobs.measure_ending_reminders(now) == "0 reminders sent"
        assert not Notification.objects.exists()

    def test_lapses_once_and_gives_a_supervisor_of_the_ward_one_to_do(
        self,
        overdue: SupportMeasure,
        clerk_a: Staff,
        supervisor_a: Staff,
        supervisor_b: Staff,
        now: datetime.datetime,
    ) -> None:
        config_jobs.lapse_overdue_measures(now)
        config_jobs.lapse_overdue_measures(now)

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

    def test_digests_go_out_once(
        self, supervisor_a: Staff, now: datetime.datetime, in_english: None
    ) -> None:
        with_email(supervisor_a)
        Notification.objects.create(
            recipient=supervisor_a, created_at=now, subject="s", body="b", url="/", digest=True
        )

        config_jobs.notification_digests(now)
        config_jobs.notification_digests(now)

        assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
class TestUnderAWorker:
    def test_the_reminder_job_runs_through_beats_task_once(
        self, ending_soon: SupportMeasure, clerk_a: Staff, supervisor_a: Staff, celery_worker: Any
    ) -> None:
        calls = [
            run_scheduled_job.apply_async(("measure-ending-reminders",), ignore_result=False)
            for _ in range(2)
        ]
        # Both calls have finished (bounded wait); the second found the period done.
        outcomes = [call.get(timeout=WAIT_SECONDS) for call in calls]

        run = JobRun.objects.get(job="measure-ending-reminders", outcome=JobOutcome.SUCCEEDED)
        assert outcomes == [f"measure-ending-reminders {run.period}: succeeded"] * 2
        assert JobRun.objects.current().filter(job="measure-ending-reminders").count() == 1
        assert run.period == jobs.period_for(jobs.Cadence.DAILY, run.started_at)
        assert MeasureReminder.objects.count() == 1
        assert Notification.objects.count() == 2  # the clerk and the supervisor of ward A

    def test_the_lapse_job_lapses_once_under_a_worker(
        self, overdue: SupportMeasure, supervisor_a: Staff, celery_worker: Any
    ) -> None:
        calls = [
            run_scheduled_job.apply_async(("lapse-overdue-measures",), ignore_result=False)
            for _ in range(2)
        ]
        # Both calls have finished (bounded wait); the second found the period done.
        outcomes = [call.get(timeout=WAIT_SECONDS) for call in calls]

        run = JobRun.objects.current().get(job="lapse-overdue-measures")
        assert outcomes == [f"lapse-overdue-measures {run.period}: succeeded"] * 2
        assert AuditEvent.objects.filter(kind=EventKind.MEASURE_LAPSED).count() == 1
        assert Notification.objects.filter(recipient=supervisor_a).count() == 1

    def test_a_failing_job_is_retried_then_alarmed_to_auditors_and_administrators(
        self,
        failing_job: list[int],
        make_staff: Callable[..., Staff],
        ward_a: Any,
        auditor: Staff,
        clerk_a: Staff,
        settings: Any,
        celery_worker: Any,
    ) -> None:
        settings.MAMORI_JOB_RETRY_SECONDS = 0
        with_email(auditor)
        administrator = with_email(make_staff(ward_a, Role.ADMINISTRATOR, username="admin1"))

        run_scheduled_job.delay("test-always-fails")
        wait_for(
            lambda: JobRun.objects.filter(outcome=JobOutcome.ALARMED).exists(), "raise the alarm"
        )
        wait_for(lambda: len(mail.outbox) >= 2, "email the alarm")

        runs = list(JobRun.objects.current().order_by("attempt"))
        assert [(r.attempt, r.outcome) for r in runs] == [
            (1, JobOutcome.FAILED),
            (2, JobOutcome.ALARMED),
        ]
        assert runs[0].period == runs[1].period
        assert "the test chain does not verify" in runs[1].error
        assert len(failing_job) == 2
        alarms = Notification.objects.order_by("recipient__username")
        assert [(n.recipient, n.critical) for n in alarms] == [
            (administrator, True),
            (auditor, True),
        ]
        assert "test-always-fails" in alarms[0].subject
        # Each reads the runs where they may: auditors in their workspace, admins in the admin.
        assert [n.url.split("?")[0] for n in alarms] == [
            reverse("admin:auditlog_jobrun_changelist"),
            reverse("auditlog:jobs"),
        ]
        assert sorted(m.to[0] for m in mail.outbox) == [administrator.email, auditor.email]
        assert not Notification.objects.filter(recipient=clerk_a).exists()
        assert [r.job for r in jobs.alarms()] == ["test-always-fails"]

    def test_a_job_that_fails_once_succeeds_on_the_retry_without_an_alarm(
        self, fails_once: list[int], auditor: Staff, settings: Any, celery_worker: Any
    ) -> None:
        settings.MAMORI_JOB_RETRY_SECONDS = 0

        run_scheduled_job.delay("test-fails-once")
        wait_for(job_done("test-fails-once"), "retry the job")

        runs = list(JobRun.objects.current().order_by("attempt"))
        assert [(r.attempt, r.outcome) for r in runs] == [
            (1, JobOutcome.FAILED),
            (2, JobOutcome.SUCCEEDED),
        ]
        assert runs[1].summary == "done on the second try"
        assert not Notification.objects.exists()


@pytest.mark.django_db
class TestEndingNotice:
    def url(self, measure: SupportMeasure) -> str:
        return reverse("supportmeasures:ending_notice", kwargs={"ref": measure.ref})

    def acknowledge(self, person: Person, staff: Staff) -> None:
        acknowledge_warning(
            person=person,
            acting_user=staff,
            purpose=AccessPurpose.MEASURE_WORK,
            purpose_note="延長のお知らせを送付するため",
            acknowledged_at=timezone.now(),
        )

    def test_is_a_404_for_another_wards_staff_and_for_auditors(
        self,
        ending_soon: SupportMeasure,
        clerk_b: Staff,
        supervisor_b: Staff,
        auditor: Staff,
        login: Callable[[Staff], Client],
    ) -> None:
        for staff in (clerk_b, supervisor_b, auditor):
            assert login(staff).get(self.url(ending_soon)).status_code == 404
        assert not AuditEvent.objects.filter(
            kind__in=[EventKind.DETAILS_VIEWED, EventKind.DETAILS_REFUSED]
        ).exists()

    def test_is_a_404_for_a_measure_not_in_its_period(
        self, register: Callable[..., SupportMeasure], clerk_a: Staff, login: Callable[..., Client]
    ) -> None:
        provisional = register(clerk_a)

        assert login(clerk_a).get(self.url(provisional)).status_code == 404

    def test_without_an_acknowledgement_sends_the_clerk_to_acknowledge_and_records_it(
        self,
        ending_soon: SupportMeasure,
        clerk_a: Staff,
        login: Callable[[Staff], Client],
        in_english: None,
    ) -> None:
        person = Person.objects.get(parties__measure=ending_soon, parties__role="protected")

        response = login(clerk_a).get(self.url(ending_soon))

        acknowledge = reverse("supportmeasures:acknowledge", kwargs={"public_id": person.public_id})
        assert response.status_code == 302
        assert response["Location"] == f"{acknowledge}?next={self.url(ending_soon)}"
        refused = AuditEvent.objects.get(kind=EventKind.DETAILS_REFUSED)
        assert (refused.actor, refused.person_public_id, refused.reason) == (
            clerk_a,
            person.public_id,
            "acknowledgement_required",
        )
        assert not AuditEvent.objects.filter(kind=EventKind.DETAILS_VIEWED).exists()

    def test_acknowledging_comes_back_to_the_notice(
        self,
        ending_soon: SupportMeasure,
        clerk_a: Staff,
        login: Callable[[Staff], Client],
    ) -> None:
        person = Person.objects.get(parties__measure=ending_soon, parties__role="protected")
        acknowledge = reverse("supportmeasures:acknowledge", kwargs={"public_id": person.public_id})

        response = login(clerk_a).post(
            f"{acknowledge}?next={self.url(ending_soon)}",
            {
                "purpose": AccessPurpose.MEASURE_WORK,
                "purpose_note": "お知らせ送付",
                "confirm": "on",
            },
        )

        assert response.status_code == 302, response.content.decode()[:2000]
        assert response["Location"] == self.url(ending_soon)

    def test_acknowledging_does_not_send_the_clerk_to_another_site(
        self, ending_soon: SupportMeasure, clerk_a: Staff, login: Callable[[Staff], Client]
    ) -> None:
        person = Person.objects.get(parties__measure=ending_soon, parties__role="protected")
        acknowledge = reverse("supportmeasures:acknowledge", kwargs={"public_id": person.public_id})

        response = login(clerk_a).post(
            f"{acknowledge}?next=//evil.example/",
            {
                "purpose": AccessPurpose.MEASURE_WORK,
                "purpose_note": "お知らせ送付",
                "confirm": "on",
            },
        )

        assert response.status_code == 302
        assert response["Location"] == reverse(
            "supportmeasures:details", kwargs={"public_id": person.public_id}
        )

    def test_with_an_acknowledgement_shows_the_letter_and_records_the_look(
        self,
        ending_soon: SupportMeasure,
        clerk_a: Staff,
        login: Callable[[Staff], Client],
        in_english: None,
    ) -> None:
        person = Person.objects.get(parties__measure=ending_soon, parties__role="protected")
        self.acknowledge(person, clerk_a)

        client = login(clerk_a)
        client.cookies["django_language"] = "en"
        response = client.get(self.url(ending_soon))

        assert response.status_code == 200
        page = response.content.decode()
        assert "Notice of the end of the support measure period" in page
        assert f"Dear {person.name}" in page
        assert person.address in page
        assert ending_soon.ends_on is not None
        assert wareki.format_wareki(ending_soon.ends_on) in page
        assert response["Cache-Control"] == "no-store"
        viewed = AuditEvent.objects.get(kind=EventKind.DETAILS_VIEWED)
        assert (viewed.actor, viewed.person_public_id) == (clerk_a, person.public_id)


@pytest.mark.django_db
class TestAdmin:
    def test_the_admin_lists_runs_and_refuses_changes(
        self, now: datetime.datetime, login: Callable[[Staff], Client]
    ) -> None:
        jobs.run_job("notification-digests", lambda at: "2 digests sent", now=now, period="p")
        admin = Staff.objects.create_superuser("root", "root@city.example.jp", "x")
        client = login(admin)

        listing = client.get(reverse("admin:auditlog_jobrun_changelist"))
        adding = client.get(reverse("admin:auditlog_jobrun_add"))

        assert listing.status_code == 200
        assert "2 digests sent" in listing.content.decode()
        assert adding.status_code == 403


@pytest.mark.django_db
class TestSealAndVerify:
    def test_seals_a_checkpoint_and_verifies_the_chain(
        self, x_measure: SupportMeasure, settings: Any, tmp_path: Any, now: datetime.datetime
    ) -> None:
        settings.AUDIT_CHECKPOINT_DIR = tmp_path

        run = jobs.run_scheduled("seal-and-verify-auditlog", now=now, final=True)

        assert run.outcome == JobOutcome.SUCCEEDED, run.error
        assert len(list(tmp_path.glob("*.json"))) == 1
        assert str(AuditEvent.objects.count()) in run.summary

    def test_a_chain_that_does_not_verify_fails_the_job_and_is_alarmed(
        self,
        x_measure: SupportMeasure,
        auditor: Staff,
        settings: Any,
        tmp_path: Any,
        now: datetime.datetime,
    ) -> None:
        settings.AUDIT_CHECKPOINT_DIR = tmp_path
        (tmp_path / "000000000001-20261127T000000Z.json").write_text("{not a checkpoint")

        first = jobs.run_scheduled("seal-and-verify-auditlog", now=now, final=False)
        last = jobs.run_scheduled(
            "seal-and-verify-auditlog", now=now, period=first.period, final=True
        )

        assert first.outcome == JobOutcome.FAILED
        assert "JobFailed" in first.error
        assert (last.attempt, last.outcome) == (2, JobOutcome.ALARMED)
        alarm = Notification.objects.get()
        assert (alarm.recipient, alarm.critical) == (auditor, True)


@pytest.mark.django_db
class TestWeeklyAnomalyReports:
    def test_tells_each_auditor_once_a_week_and_mails_those_with_an_address(
        self,
        x_measure: SupportMeasure,
        auditor: Staff,
        make_staff: Callable[..., Staff],
        ward_a: Any,
        clerk_a: Staff,
        now: datetime.datetime,
        in_english: None,
    ) -> None:
        with_email(auditor)
        with_email(clerk_a)
        without_email = make_staff(ward_a, Role.AUDITOR, username="auditor_without_email")

        config_jobs.weekly_anomaly_reports(now)
        config_jobs.weekly_anomaly_reports(now + datetime.timedelta(hours=1))

        # Every auditor reads it in the app, once; nobody else gets it.
        assert sorted(n.recipient.username for n in Notification.objects.all()) == [
            "auditor",
            without_email.username,
        ]
        notice = Notification.objects.get(recipient=auditor)
        since, until = analyses.report_week(now)
        assert notice.recipient == auditor
        assert notice.digest is False
        assert notice.url.endswith(
            f"?from_date={since.date().isoformat()}"
            f"&to_date={(until.date() - datetime.timedelta(days=1)).isoformat()}"
        )
        assert "/audit/reports/" in notice.url
        assert "findings" in notice.subject
        from auditlog.workspace.analyses import anomaly_reports

        for report in anomaly_reports(since=since, until=until):
            assert f"- {report.title}: {len(report)}" in notice.body

    def test_the_report_week_is_the_monday_to_sunday_before(self) -> None:
        friday = datetime.datetime(2026, 11, 27, 9, 0, tzinfo=datetime.UTC)

        since, until = analyses.report_week(friday)

        assert (timezone.localtime(since).date(), timezone.localtime(until).date()) == (
            datetime.date(2026, 11, 16),
            datetime.date(2026, 11, 23),
        )


@pytest.mark.django_db
class TestRunJobCommand:
    def test_runs_a_job_by_hand_and_records_it(
        self, ending_soon: SupportMeasure, clerk_a: Staff
    ) -> None:
        out = io.StringIO()

        call_command("run_job", "measure-ending-reminders", stdout=out)

        run = JobRun.objects.current().get()
        assert (run.job, run.outcome) == ("measure-ending-reminders", JobOutcome.SUCCEEDED)
        assert run.summary in out.getvalue()
        assert MeasureReminder.objects.count() == 1

    def test_a_failed_run_by_hand_is_an_error_without_an_alarm(
        self, failing_job: list[int], auditor: Staff
    ) -> None:
        with pytest.raises(CommandError, match="the test chain does not verify"):
            call_command("run_job", "test-always-fails")

        assert JobRun.objects.current().get().outcome == JobOutcome.FAILED
        assert not Notification.objects.exists()

    def test_a_past_period_is_refused_not_recorded_as_done(self) -> None:
        with pytest.raises(CommandError, match="can only run for the current period"):
            call_command("run_job", "measure-ending-reminders", "--period", "2020-01-01")

        assert not JobRun.objects.exists()


class TestBeatSchedule:
    def test_every_job_is_scheduled_and_every_scheduled_job_exists(self) -> None:
        scheduled = [
            entry["args"][0]
            for entry in app.conf.beat_schedule.values()
            if entry["task"] == run_scheduled_job.name
        ]

        assert sorted(scheduled) == sorted(jobs.JOBS)

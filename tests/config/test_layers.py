"""The floors hold at run time: the registry announces, the inquiries app listens, config wires
the jobs and serves the home page (docs/architecture.md)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.urls import reverse

from auditlog import jobs
from auditlog.models import JobOutcome, JobRun
from auditlog.signals import job_alarmed
from inquiries import tasks as inquiry_tasks
from inquiries.models import Notification
from supportmeasures import signals
from supportmeasures.models import Role

ROOT = Path(__file__).resolve().parents[2]


def test_every_scheduled_job_is_registered_at_start_up():
    """config/apps.py imports config/jobs.py: beat, the worker and run_job find every job."""
    from config.celery import app

    scheduled = {
        entry["args"][0]
        for entry in app.conf.beat_schedule.values()
        if entry["task"] == "auditlog.tasks.run_scheduled_job"
    }
    assert scheduled == set(jobs.JOBS)
    assert all(job.fn.__module__ == "config.jobs" for job in jobs.JOBS.values())


def test_the_import_contracts_hold():
    # import-linter is a dev dependency, installed beside the interpreter running the tests:
    # a missing tool is a failure, never a skip.
    lint = Path(sys.executable).parent / "lint-imports"
    assert lint.exists(), "import-linter is missing: pip install -e '.[dev]'"
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [str(lint)], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert "0 broken" in result.stdout


@pytest.mark.django_db
class TestTheRegistryAnnouncesChanges:
    def test_a_registration_announces_the_change_after_commit_and_inquiries_queue_a_reevaluation(
        self, register, clerk_a, monkeypatch, django_capture_on_commit_callbacks
    ):
        queued: list[str] = []
        monkeypatch.setattr(
            inquiry_tasks.reevaluate_open_inquiries, "delay", lambda: queued.append("queued")
        )
        heard: list[object] = []

        def listener(sender: object, **kwargs: object) -> None:
            heard.append(sender)

        signals.registry_changed.connect(listener)
        try:
            with django_capture_on_commit_callbacks(execute=False) as on_commit:
                register(clerk_a)
            assert heard == [] and queued == []  # nothing before the commit
            for callback in on_commit:
                callback()
        finally:
            signals.registry_changed.disconnect(listener)
        assert heard == [signals.SENDER]
        assert queued == ["queued"]

    def test_a_broker_outage_never_fails_the_registration(
        self, register, clerk_a, monkeypatch, django_capture_on_commit_callbacks
    ):
        def down() -> None:
            raise ConnectionError("redis is down")

        monkeypatch.setattr(inquiry_tasks.reevaluate_open_inquiries, "delay", down)
        with django_capture_on_commit_callbacks(execute=True):
            measure = register(clerk_a)  # the hourly sweep re-evaluates later
        assert measure.pk is not None


@pytest.mark.django_db
class TestNoticesFailClosed:
    def test_the_registry_notice_is_written_by_the_inquiries_app(self, clerk_a, now):
        with transaction.atomic():
            signals.tell([clerk_a], subject="s", body="b", url="/u", critical=True, now=now)
        assert Notification.objects.filter(recipient=clerk_a, subject="s").exists()

    def test_a_notice_nobody_would_write_refuses_the_act(self, clerk_a, now, monkeypatch):
        monkeypatch.setattr(signals.notice_requested, "has_listeners", lambda sender=None: False)
        with pytest.raises(ImproperlyConfigured), transaction.atomic():
            signals.tell([clerk_a], subject="s", body="b", url="/u", critical=True, now=now)

    def test_an_alarm_nobody_hears_is_not_raised(self, now, monkeypatch):
        run = JobRun.objects.create(
            job="x", period="p", started_at=now, outcome=JobOutcome.FAILED, error="boom"
        )
        monkeypatch.setattr(job_alarmed, "has_listeners", lambda sender=None: False)
        with pytest.raises(ImproperlyConfigured):
            jobs.raise_alarm(run, now=now)
        run.refresh_from_db()
        assert run.outcome == JobOutcome.FAILED

    def test_an_alarm_tells_auditors_and_administrators(self, auditor, make_staff, ward_a, now):
        admin = make_staff(ward_a, Role.ADMINISTRATOR)
        run = JobRun.objects.create(
            job="x", period="p", started_at=now, outcome=JobOutcome.FAILED, error="boom"
        )
        assert jobs.raise_alarm(run, now=now).outcome == JobOutcome.ALARMED
        told = dict(Notification.objects.filter(critical=True).values_list("recipient", "url"))
        assert told[auditor.pk] == reverse("auditlog:jobs")
        assert told[admin.pk].startswith(reverse("admin:auditlog_jobrun_changelist"))


@pytest.mark.django_db
def test_the_home_page_is_served_by_config_under_its_old_name(login, clerk_a):
    from config.views import HomeView

    response = login(clerk_a).get(reverse("supportmeasures:home"))
    assert response.status_code == 200
    assert response.resolver_match.func.view_class is HomeView
    assert "unread_notifications" in response.context

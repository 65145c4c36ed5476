from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from auditlog.models import AuditEvent, EventKind
from supportmeasures.models import Person, Staff, SupportMeasure

pytestmark = pytest.mark.django_db


class TestSeedDemo:
    def test_loads_the_cast_through_the_actions_and_is_idempotent(self, capsys):
        call_command("seed_demo")
        counts = (
            Staff.objects.count(),
            SupportMeasure.objects.count(),
            Person.objects.count(),
            AuditEvent.objects.count(),
        )
        call_command("seed_demo")

        assert (
            Staff.objects.count(),
            SupportMeasure.objects.count(),
            Person.objects.count(),
            AuditEvent.objects.count(),
        ) == counts
        statuses = sorted(SupportMeasure.objects.values_list("status", flat=True))
        assert statuses == ["active", "active", "active", "ended", "lapsed", "provisional"]
        assert AuditEvent.objects.filter(kind=EventKind.APPLICATION_REGISTERED).count() == 6
        out = capsys.readouterr().out
        assert "a_clerk" in out and "mamori-demo-2026" in out
        # Each ward has two trained supervisors besides an author: critical plans can be approved.
        for code in ("141011", "141020"):
            supervisors = Staff.objects.filter(ward__code=code, groups__name="supervisor")
            assert sum(s.training_valid_on(datetime.date.today()) for s in supervisors) >= 2
        call_command("verify_auditlog")


class TestRecordTraining:
    def test_accepts_an_era_date_and_records_the_event(self, clerk_a):
        call_command("record_training", clerk_a.username, "--on", "R8.4.1")

        assert clerk_a.training_records.filter(completed_on="2026-04-01").exists()
        assert AuditEvent.objects.filter(kind=EventKind.TRAINING_RECORDED).count() == 2

    def test_an_impossible_date_is_a_clear_error(self, clerk_a):
        with pytest.raises(CommandError):
            call_command("record_training", clerk_a.username, "--on", "R8.2.30")

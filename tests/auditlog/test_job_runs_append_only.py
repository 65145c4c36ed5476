"""Job runs, and so every verification's result, cannot be rewritten or deleted by the app's
database role: a run's progress is new rows (migration 0014's triggers)."""

from __future__ import annotations

import datetime

import pytest
from django.db import DatabaseError, connection, transaction

from auditlog import jobs
from auditlog.models import JobOutcome, JobRun


def raw(sql: str, params: list[int] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def fails(at: datetime.datetime) -> str:
    raise jobs.JobFailed("The audit log does not verify: event #7 was changed")


@pytest.fixture
def failed_verification(db: None, now: datetime.datetime) -> JobRun:
    return jobs.run_job("seal-and-verify-auditlog", fails, now=now, period="2026-12-06T13")


@pytest.mark.django_db
class TestJobRunsAreAppendOnly:
    def test_a_raw_update_of_a_failed_verification_is_refused(self, failed_verification):
        with pytest.raises(DatabaseError) as info, transaction.atomic():
            raw(
                "UPDATE auditlog_jobrun SET outcome = 'succeeded', error = '' WHERE id = %s",
                [failed_verification.pk],
            )

        assert "append-only: UPDATE refused on auditlog_jobrun" in str(info.value)
        assert JobRun.objects.current().get().outcome == JobOutcome.FAILED

    def test_a_raw_delete_is_refused(self, failed_verification):
        with pytest.raises(DatabaseError) as info, transaction.atomic():
            raw("DELETE FROM auditlog_jobrun")

        assert "append-only: DELETE refused on auditlog_jobrun" in str(info.value)
        assert JobRun.objects.count() == 2

    def test_the_orm_cannot_change_or_delete_a_run_either(self, failed_verification):
        with pytest.raises(DatabaseError), transaction.atomic():
            JobRun.objects.filter(pk=failed_verification.pk).update(summary="ok")
        with pytest.raises(DatabaseError), transaction.atomic():
            failed_verification.delete()

        failed_verification.refresh_from_db()
        assert (failed_verification.outcome, failed_verification.summary) == (
            JobOutcome.FAILED,
            "",
        )


@pytest.mark.django_db
class TestARunsProgressIsNewRows:
    def test_a_run_is_a_running_row_then_its_end(self, now):
        run = jobs.run_job("notification-digests", lambda at: "3 digests sent", now=now, period="p")

        rows = list(JobRun.objects.order_by("pk").values_list("outcome", "summary", "finished_at"))
        assert [r[:2] for r in rows] == [("running", ""), ("succeeded", "3 digests sent")]
        assert rows[0][2] is None and rows[1][2] is not None
        assert run.pk == JobRun.objects.current().get().pk

    def test_an_alarm_is_a_third_row_and_the_failure_stays(self, failed_verification, now):
        alarmed = jobs.raise_alarm(failed_verification, now=now)

        assert alarmed.outcome == JobOutcome.ALARMED and alarmed.pk != failed_verification.pk
        assert list(JobRun.objects.order_by("pk").values_list("outcome", flat=True)) == [
            "running",
            "failed",
            "alarmed",
        ]
        assert "event #7 was changed" in alarmed.error
        assert jobs.alarms() == [alarmed]

    def test_an_attempt_is_alarmed_once(self, failed_verification, now):
        first = jobs.raise_alarm(failed_verification, now=now)

        again = jobs.raise_alarm(failed_verification, now=now)

        assert again.pk == first.pk
        assert JobRun.objects.filter(outcome=JobOutcome.ALARMED).count() == 1

    def test_the_workspace_lists_each_attempt_once_in_its_current_state(
        self, failed_verification, now
    ):
        later = now + datetime.timedelta(minutes=5)
        jobs.run_job("seal-and-verify-auditlog", lambda at: "ok", now=later, period="2026-12-06T13")

        recent = jobs.recent_runs()

        assert [(r.attempt, r.outcome) for r in recent] == [(2, "succeeded"), (1, "failed")]
        assert [(r.attempt, r.outcome) for r in jobs.latest_runs()] == [(2, "succeeded")]

"""Deleting recent events as the database's owner is caught within the hour: the hourly job
seals and verifies, and verification counts the records that need events against them."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import connection

from auditlog import jobs
from auditlog.models import AuditEvent, EventKind, JobOutcome, JobRun
from auditlog.verification import CROSS_CHECKS, verify_with_checkpoints
from config.celery import app
from inquiries import actions as inquiry_actions
from inquiries.models import Channel, DisclosureCategory
from supportmeasures import actions
from supportmeasures.models import ApiClient
from supportmeasures.propagation import forwarding


def raw(sql: str, params: list[object] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])  # type: ignore[arg-type]


@contextmanager
def as_database_owner() -> Iterator[None]:
    """What a database superuser can do: switch the append-only triggers off, and on again."""
    raw("SET CONSTRAINTS ALL IMMEDIATE")
    raw("ALTER TABLE auditlog_auditevent DISABLE TRIGGER ALL")
    try:
        yield
    finally:
        raw("ALTER TABLE auditlog_auditevent ENABLE TRIGGER ALL")
        raw("SET CONSTRAINTS ALL DEFERRED")


def delete_last_event(kind: str) -> None:
    """Remove the newest event of `kind`, which must be the chain's last: a removed tail
    leaves no gap and no broken link for the chain to see."""
    last = AuditEvent.objects.order_by("-sequence").first()
    assert last is not None and last.kind == kind, "the event must be the chain's tail"
    with as_database_owner():
        raw("DELETE FROM auditlog_auditevent WHERE id = %s", [last.pk])


def forwarded_measure(clerk, now):
    """A measure received from another municipality (転送受付), in force at once."""
    today = now.date()
    return forwarding.receive_forwarded_application(
        acting_user=clerk,
        ward=clerk.ward,
        origin_name="川崎市",
        origin_code="141305",
        origin_forwarded_on=today - datetime.timedelta(days=3),
        received_on=today,
        need_confirmed=True,
        applicant_notified_on=None,
        starts_on=today - datetime.timedelta(days=10),
        ends_on=today + datetime.timedelta(days=300),
        kind="dv",
        basis_kind="consulting_body",
        basis_body="川崎市配偶者暴力相談支援センター",
        restricts_inspection=True,
        restricts_resident_copies=True,
        restricts_koseki_attachment=True,
        protected=actions.PersonData(name="小林 由美"),
        joint=[],
        counterparties=[actions.PartyData(person=actions.PersonData(name="小林 剛"))],
        recorded_at=now,
    )


@pytest.fixture
def plan(clerk_b, now):
    return inquiry_actions.create_plan(
        acting_user=clerk_b,
        created_at=now,
        inquiry=None,
        matter_name="鈴木 一郎",
        matter_kana="スズキ イチロウ",
        target_name="鈴木 一郎",
        target_kana="スズキ イチロウ",
        target_contact="090-0000-0000",
        target_relation="本人",
        channel=Channel.PHONE,
        purpose="保険料の確認",
        categories=[DisclosureCategory.IDENTITY],
        wording="書類をお送りします",
    )


@pytest.mark.django_db
@pytest.mark.usefixtures("in_english")
class TestRecordsWithoutTheirEvents:
    def test_a_whole_history_made_through_the_actions_verifies(
        self, x_measure, clerk_b, supervisor_a, plan, now
    ):
        actions.grant_details_access(
            measure=x_measure,
            acting_user=supervisor_a,
            grantee=clerk_b,
            reason="照会",
            granted_at=now,
        )
        actions.create_api_client(name="住民税システム", acting_user=None, created_at=now)

        report = verify_with_checkpoints()

        assert report.ok, report.problems

    def test_an_api_client_without_its_creation_event_is_reported(self, clerk_a, now):
        client, _token = actions.create_api_client(
            name="住民税システム", acting_user=None, created_at=now
        )
        delete_last_event(EventKind.API_CLIENT_CREATED)

        report = verify_with_checkpoints()

        assert report.problems == [
            f"API client #{client.pk} has no api_client.created event: it was deleted"
        ]

    def test_a_plan_without_its_event_is_reported(self, plan):
        delete_last_event(EventKind.PLAN_CREATED)

        report = verify_with_checkpoints()

        assert report.problems == [
            f"contact plan {plan.public_id} has no plan.created event: it was deleted"
        ]

    def test_a_staff_member_without_the_registration_event_is_reported(
        self, make_staff, ward_a, clerk_a
    ):
        newcomer = make_staff(ward_a, "clerk")
        # The training recorded after the registration went first, then the registration.
        delete_last_event(EventKind.TRAINING_RECORDED)
        delete_last_event(EventKind.STAFF_REGISTERED)

        report = verify_with_checkpoints()

        assert report.problems == [
            f"staff member #{newcomer.pk} has no staff.registered event: it was deleted"
        ]

    def test_a_measure_decision_without_its_event_is_reported(self, x_measure):
        delete_last_event(EventKind.MEASURE_APPROVED)

        report = verify_with_checkpoints()

        assert report.problems == [
            f"measure {x_measure.ref} has 2 decisions in its history but 1 events in the audit "
            "log: events were deleted"
        ]

    def test_a_forwarded_measure_and_its_forwarding_verify(self, clerk_a, now):
        measure = forwarded_measure(clerk_a, now)
        forwarding.forward_measure(
            measure=measure,
            acting_user=clerk_a,
            relation="domicile",
            municipality_name="札幌市",
            municipality_code="011002",
            forwarded_on=measure.applied_on,
            recorded_at=now,
        )

        report = verify_with_checkpoints()

        assert report.ok, report.problems

    def test_a_forwarding_without_its_event_is_reported(self, x_measure, clerk_a, now):
        recorded = forwarding.forward_measure(
            measure=x_measure,
            acting_user=clerk_a,
            relation="domicile",
            municipality_name="札幌市",
            municipality_code="011002",
            forwarded_on=x_measure.applied_on,
            recorded_at=now,
        )
        delete_last_event(EventKind.MEASURE_FORWARDED)

        report = verify_with_checkpoints()

        assert report.problems == [
            f"forwarding #{recorded.pk} has no measure.forwarded event: it was deleted"
        ]

    def test_a_record_older_than_the_chain_is_not_reported(self, clerk_a, now):
        ApiClient.objects.create(
            name="移行前のクライアント",
            token_hash="0" * 64,
            token_prefix="mmr_old",
            created_at=now - datetime.timedelta(days=400),
        )

        report = verify_with_checkpoints()

        assert report.ok, report.problems

    def test_without_any_cross_check_verification_fails_closed(self, clerk_a, monkeypatch):
        monkeypatch.setattr("auditlog.verification.CROSS_CHECKS", {})

        report = verify_with_checkpoints()

        assert report.problems == ["no cross-check of records against their events is registered"]

    def test_every_record_kind_is_checked(self):
        assert set(CROSS_CHECKS) == {
            "api clients",
            "staff",
            "measure decisions",
            "inquiries",
            "contact plans",
            "document requests",
            "temporary releases",
            "issuances",
            "disposals",
            "forwardings",
        }


@pytest.mark.django_db
@pytest.mark.usefixtures("in_english")
class TestHourlySeal:
    def test_the_seal_and_verification_runs_every_hour(self, now):
        job = jobs.job_named("seal-and-verify-auditlog")
        beat = app.conf.beat_schedule["seal-and-verify-auditlog"]["schedule"]

        assert job.cadence == jobs.Cadence.HOURLY
        assert beat.hour == set(range(24)) and beat.minute == {10}
        assert jobs.period_for(job.cadence, now) != jobs.period_for(
            job.cadence, now + datetime.timedelta(hours=1)
        )

    def test_the_next_hourly_run_fails_and_its_failure_is_kept(self, clerk_a, now):
        client, _token = actions.create_api_client(
            name="福祉システム", acting_user=None, created_at=now
        )
        delete_last_event(EventKind.API_CLIENT_CREATED)

        run = jobs.run_scheduled("seal-and-verify-auditlog", now=now, final=False)

        assert run.outcome == JobOutcome.FAILED
        assert f"API client #{client.pk} has no api_client.created event" in run.error
        assert JobRun.objects.current().get(job="seal-and-verify-auditlog").pk == run.pk

"""Review, temporary release, issuance, re-lock (by issuance, by time, by the sweep) and
disposal; each refusal tried by the wrong person; constraints tried in raw SQL."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, connection, transaction

from auditlog.models import AuditEvent, EventKind
from inquiries.requests import actions
from inquiries.requests.actions import Named, Requester
from inquiries.requests.models import RequestStatus, TemporaryRelease
from inquiries.requests.permissions import ReleaseEnded, current_decision, valid_release
from supportmeasures import actions as registry
from supportmeasures.actions import (
    ActionRefused,
    InvalidTransition,
    NotPermitted,
    SameStaffMember,
    TrainingLapsed,
)
from supportmeasures.models import Role
from supportmeasures.permissions import forget_training
from supportmeasures.screening import Query, screen
from tests.inquiries.requests.conftest import X_NAME

MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def awaiting(record, x_measure, officer_a):
    """X's own request at A's counter, awaiting review."""
    return record()


@pytest.fixture
def released(awaiting, officer_a, now):
    return actions.review_request(
        request=awaiting, by=officer_a, reviewed_at=now, outcome="issue", reason=""
    )


def issue(request, clerk, at, number="R8-0001"):
    return actions.record_issuance(
        request=request, by=clerk, issued_at=at, place="鶴見区役所 戸籍課", pages=1,
        issue_number=number,
    )  # fmt: skip


@pytest.mark.django_db
class TestReview:
    def test_issue_grants_a_release_of_fifteen_minutes(self, awaiting, officer_a, now):
        request = actions.review_request(
            request=awaiting, by=officer_a, reviewed_at=now, outcome="issue", reason=""
        )

        assert request.status == RequestStatus.RELEASED
        release = request.releases.get()
        assert release.valid_until == now + 15 * MINUTE
        assert current_decision(request, now + 14 * MINUTE)[0] == "issue"
        assert current_decision(request, now + 15 * MINUTE)[0] == "refuse"
        kinds = list(AuditEvent.objects.order_by("sequence").values_list("kind", flat=True))
        assert kinds[-2:] == [EventKind.REQUEST_REVIEWED, EventKind.RELEASE_GRANTED]

    def test_the_release_time_is_a_setting(self, awaiting, officer_a, now, settings):
        settings.MAMORI_TEMPORARY_RELEASE_MINUTES = 5

        request = actions.review_request(
            request=awaiting, by=officer_a, reviewed_at=now, outcome="issue", reason=""
        )

        assert request.releases.get().valid_until == now + 5 * MINUTE

    def test_refuse_needs_a_reason(self, awaiting, officer_a, now):
        with pytest.raises(ActionRefused):
            actions.review_request(
                request=awaiting, by=officer_a, reviewed_at=now, outcome="refuse", reason=" "
            )

        request = actions.review_request(
            request=awaiting, by=officer_a, reviewed_at=now, outcome="refuse", reason="本人確認不可"
        )
        assert request.status == RequestStatus.REFUSED
        assert not request.releases.exists()
        assert current_decision(request, now) == ("refuse", [*request.reasons, "review_refused"])

    def test_a_supervisor_who_is_not_the_officer_may_not_review(self, awaiting, supervisor_a, now):
        with pytest.raises(NotPermitted):
            actions.review_request(
                request=awaiting, by=supervisor_a, reviewed_at=now, outcome="issue", reason=""
            )

    def test_the_officer_of_another_ward_may_not_review(self, awaiting, make_staff, ward_b, now):
        officer_b = make_staff(ward_b, Role.SUPERVISOR)
        registry.appoint_responsible_officer(
            acting_user=None, staff=officer_b, ward=ward_b, appointed_at=now
        )

        with pytest.raises(NotPermitted):
            actions.review_request(
                request=awaiting, by=officer_b, reviewed_at=now, outcome="issue", reason=""
            )

    def test_the_officer_who_recorded_it_may_not_review_it(self, record, x_measure, officer_a, now):
        own = record(by=officer_a)

        with pytest.raises(SameStaffMember):
            actions.review_request(
                request=own, by=officer_a, reviewed_at=now, outcome="issue", reason=""
            )

    def test_an_untrained_officer_may_not_review(self, awaiting, officer_a, now):
        officer_a.training_records.all().delete()
        forget_training(officer_a)

        with pytest.raises(TrainingLapsed):
            actions.review_request(
                request=awaiting, by=officer_a, reviewed_at=now, outcome="issue", reason=""
            )

    def test_a_request_decided_at_recording_is_not_reviewed(self, record, officer_a, now):
        stranger = record(
            subjects=[Named("佐藤 花子")], requester=Requester("佐藤 花子", type="self")
        )

        with pytest.raises(InvalidTransition):
            actions.review_request(
                request=stranger, by=officer_a, reviewed_at=now, outcome="issue", reason=""
            )

    def test_a_request_is_reviewed_once(self, released, officer_a, now):
        with pytest.raises(InvalidTransition):
            actions.review_request(
                request=released, by=officer_a, reviewed_at=now, outcome="refuse", reason="x"
            )


@pytest.mark.django_db
class TestIssuance:
    def test_issuing_relocks_the_release_at_once(self, released, clerk_a, now):
        issuance = issue(released, clerk_a, now + MINUTE)

        released.refresh_from_db()
        release = released.releases.get()
        assert released.status == RequestStatus.ISSUED
        assert (release.relocked_at, release.relock_reason) == (now + MINUTE, "issued")
        assert issuance.release == release
        assert list(issuance.subjects.values_list("position", flat=True)) == [1]
        assert current_decision(released, now + 2 * MINUTE) == (
            "refuse",
            [*released.reasons, "issued"],
        )
        kinds = list(AuditEvent.objects.order_by("sequence").values_list("kind", flat=True))
        assert kinds[-2:] == [EventKind.REQUEST_ISSUED, EventKind.RELEASE_RELOCKED]

    def test_a_release_opens_one_issuance(self, released, clerk_a, now):
        issue(released, clerk_a, now + MINUTE)

        with pytest.raises(InvalidTransition):
            issue(released, clerk_a, now + 2 * MINUTE, number="R8-0002")

    def test_after_the_time_runs_out_it_is_refused_sweep_or_not(self, released, clerk_a, now):
        with pytest.raises(ReleaseEnded):
            issue(released, clerk_a, now + 15 * MINUTE)

        assert not released.issuances.exists()
        assert valid_release(released, now + 15 * MINUTE) is None

    def test_a_request_awaiting_review_is_not_issued(self, awaiting, clerk_a, now):
        with pytest.raises(InvalidTransition):
            issue(awaiting, clerk_a, now)

    def test_another_ward_may_not_record_the_issuance(self, released, clerk_b, now):
        with pytest.raises(NotPermitted):
            issue(released, clerk_b, now + MINUTE)

    def test_the_issue_number_is_unique(self, record, clerk_a, now):
        first = record(subjects=[Named("佐藤 花子")], requester=Requester("佐藤 花子", type="self"))
        second = record(
            subjects=[Named("佐藤 花子")], requester=Requester("佐藤 花子", type="self")
        )
        issue(first, clerk_a, now)

        with pytest.raises(ActionRefused):
            issue(second, clerk_a, now)

    def test_a_release_opens_only_its_own_request(self, released, record, now):
        """Meanwhile, a second request for X, or the same request by コンビニ交付, is decided
        as before."""
        again = record()
        by_store = record(channel="convenience_store")

        assert current_decision(again, now + MINUTE)[0] == "review"
        assert current_decision(by_store, now + MINUTE)[0] == "refuse"
        assert current_decision(released, now + MINUTE)[0] == "issue"
        # Other systems' screening answers as before: the release is not a change of status.
        assert screen(Query(X_NAME.name, X_NAME.kana, X_NAME.birth_date)).result == "protected"

    def test_a_disposal_is_recorded_once(self, released, clerk_a, now):
        issuance = issue(released, clerk_a, now + MINUTE)

        actions.record_disposal(issuance=issuance, by=clerk_a, destroyed_at=now, reason="誤交付")

        with pytest.raises(InvalidTransition):
            actions.record_disposal(issuance=issuance, by=clerk_a, destroyed_at=now, reason="x")
        assert AuditEvent.objects.filter(kind=EventKind.ISSUANCE_DISPOSED).count() == 1

    def test_another_ward_may_not_record_a_disposal(self, released, clerk_a, clerk_b, now):
        issuance = issue(released, clerk_a, now + MINUTE)

        with pytest.raises(NotPermitted):
            actions.record_disposal(issuance=issuance, by=clerk_b, destroyed_at=now, reason="x")


@pytest.mark.django_db
class TestRelock:
    def test_the_sweep_relocks_expired_releases_once(self, released, now):
        assert actions.relock_expired_releases(now=now + 14 * MINUTE) == 0

        assert actions.relock_expired_releases(now=now + 15 * MINUTE) == 1
        assert actions.relock_expired_releases(now=now + 16 * MINUTE) == 0

        released.refresh_from_db()
        assert released.status == RequestStatus.RELOCKED
        assert released.releases.get().relock_reason == "expired"
        assert (
            AuditEvent.objects.filter(kind=EventKind.RELEASE_RELOCKED, decision="expired").count()
            == 1
        )

    def test_the_officer_may_withdraw_a_release(self, released, officer_a, clerk_a, now):
        actions.withdraw_release(request=released, by=officer_a, withdrawn_at=now + MINUTE)

        with pytest.raises(InvalidTransition):
            issue(released, clerk_a, now + 2 * MINUTE)
        assert released.releases.get().relock_reason == "withdrawn"

    def test_a_clerk_may_not_withdraw_a_release(self, released, clerk_a, now):
        with pytest.raises(NotPermitted):
            actions.withdraw_release(request=released, by=clerk_a, withdrawn_at=now)


@pytest.mark.django_db
class TestConstraints:
    def _sql(self, sql, params):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as c:
            c.execute(sql, params)

    def test_a_second_open_release_is_refused(self, released, officer_a, now):
        self._sql(
            "INSERT INTO inquiries_temporaryrelease (request_id, review_outcome, granted_by_id,"
            " granted_at, valid_until, relock_reason) VALUES (%s, 'issue', %s, %s, %s, '')",
            [released.pk, officer_a.pk, now, now + MINUTE],
        )

    def test_a_release_for_a_request_not_reviewed_issue_is_refused(self, awaiting, officer_a, now):
        self._sql(
            "INSERT INTO inquiries_temporaryrelease (request_id, review_outcome, granted_by_id,"
            " granted_at, valid_until, relock_reason) VALUES (%s, 'issue', %s, %s, %s, '');"
            " SET CONSTRAINTS ALL IMMEDIATE",
            [awaiting.pk, officer_a.pk, now, now + MINUTE],
        )

    def test_the_reviewer_is_never_the_recorder(self, awaiting, now):
        self._sql(
            "UPDATE inquiries_documentrequest SET reviewed_by_id = recorded_by_id,"
            " reviewed_at = %s, review_outcome = 'refuse', review_reason = 'x',"
            " status = 'refused' WHERE id = %s",
            [now, awaiting.pk],
        )

    def test_a_request_needing_review_cannot_be_marked_issued_unreviewed(self, awaiting):
        self._sql(
            "UPDATE inquiries_documentrequest SET status = 'issued' WHERE id = %s", [awaiting.pk]
        )

    def test_a_refused_request_cannot_be_marked_decided_issue(self, record):
        refused = record(channel="mail")
        self._sql(
            "UPDATE inquiries_documentrequest SET decision = 'issue', status = 'released'"
            " WHERE id = %s",
            [refused.pk],
        )

    def test_unknown_channel_is_refused(self, awaiting):
        self._sql(
            "UPDATE inquiries_documentrequest SET channel = 'fax' WHERE id = %s", [awaiting.pk]
        )

    def test_a_release_ends_after_it_is_granted(self, released, now):
        self._sql(
            "UPDATE inquiries_temporaryrelease SET valid_until = granted_at WHERE request_id = %s",
            [released.pk],
        )

    def test_a_reviewed_outcome_cannot_be_turned_away_from_issue_under_a_release(self, released):
        self._sql(
            "UPDATE inquiries_documentrequest SET review_outcome = 'refuse', review_reason = 'x',"
            " status = 'refused' WHERE id = %s; SET CONSTRAINTS ALL IMMEDIATE",
            [released.pk],
        )


@pytest.mark.django_db
class TestRelockJob:
    def test_the_scheduled_job_relocks_through_the_runner(self, released, now):
        from auditlog import jobs

        run = jobs.run_scheduled("relock-expired-releases", now=now + 20 * MINUTE, final=True)

        assert run.outcome == "succeeded"
        released.refresh_from_db()
        assert released.status == RequestStatus.RELOCKED
        event = AuditEvent.objects.get(kind=EventKind.RELEASE_RELOCKED)
        assert event.actor is None and event.data["request"] == str(released.public_id)

    def test_an_issued_release_is_not_relocked_again(self, released, clerk_a, now):
        issue(released, clerk_a, now + MINUTE)

        assert actions.relock_expired_releases(now=now + 20 * MINUTE) == 0
        assert TemporaryRelease.objects.get().relock_reason == "issued"

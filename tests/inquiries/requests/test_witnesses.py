"""A request, a release, an issuance or a disposal whose event was deleted (by the database's
owner, triggers off) is reported by the next verification (config/audit_witnesses.py)."""

from __future__ import annotations

import datetime

import pytest

from auditlog.models import EventKind
from auditlog.verification import verify_with_checkpoints
from inquiries.requests import actions
from tests.config.test_audit_witnesses import delete_last_event

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]
MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def awaiting(record, x_measure, officer_a):
    return record()


def release(request, officer, now):
    return actions.review_request(
        request=request, by=officer, reviewed_at=now, outcome="issue", reason=""
    )


def issue(request, clerk, now):
    return actions.record_issuance(
        request=request, by=clerk, issued_at=now + MINUTE, place="窓口", pages=1,
        issue_number="R8-1",
    )  # fmt: skip


def test_a_whole_request_made_through_the_actions_verifies(awaiting, officer_a, clerk_a, now):
    issuance = issue(release(awaiting, officer_a, now), clerk_a, now)
    actions.record_disposal(issuance=issuance, by=clerk_a, destroyed_at=now + MINUTE, reason="誤")

    report = verify_with_checkpoints()

    assert report.ok, report.problems


def test_a_request_without_its_event_is_reported(awaiting):
    delete_last_event(EventKind.REQUEST_RECORDED)

    report = verify_with_checkpoints()

    assert report.problems == [
        f"document request {awaiting.public_id} has no request.recorded event: it was deleted"
    ]


def test_a_release_without_its_event_is_reported(awaiting, officer_a, now):
    released = release(awaiting, officer_a, now)
    delete_last_event(EventKind.RELEASE_GRANTED)

    report = verify_with_checkpoints()

    assert report.problems == [
        f"temporary release #{released.releases.get().pk} has no request.release_granted "
        "event: it was deleted"
    ]


def test_an_issuance_without_its_event_is_reported(awaiting, officer_a, clerk_a, now):
    issuance = issue(release(awaiting, officer_a, now), clerk_a, now)
    delete_last_event(EventKind.RELEASE_RELOCKED)
    delete_last_event(EventKind.REQUEST_ISSUED)

    report = verify_with_checkpoints()

    assert report.problems == [
        f"issuance #{issuance.pk} has no request.issued event: it was deleted"
    ]


def test_a_disposal_without_its_event_is_reported(awaiting, officer_a, clerk_a, now):
    issuance = issue(release(awaiting, officer_a, now), clerk_a, now)
    actions.record_disposal(issuance=issuance, by=clerk_a, destroyed_at=now + MINUTE, reason="誤")
    delete_last_event(EventKind.ISSUANCE_DISPOSED)

    report = verify_with_checkpoints()

    assert report.problems == [
        f"the disposal of issuance #{issuance.pk} has no request.disposed event: it was deleted"
    ]

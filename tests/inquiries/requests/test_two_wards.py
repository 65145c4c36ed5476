"""A request naming people protected by measures of two wards: one ward's officer may refuse
it, but only an officer responsible for both may release it (a release opens the request)."""

from __future__ import annotations

import datetime

import pytest
from guardian.shortcuts import assign_perm

from auditlog.models import AuditEvent, EventKind
from inquiries.requests import actions
from inquiries.requests.actions import Named, Requester
from inquiries.requests.models import RequestStatus
from inquiries.requests.permissions import request_actions
from supportmeasures import actions as registry
from supportmeasures.actions import NotPermitted, PersonData
from supportmeasures.models import Role
from supportmeasures.permissions import forget_grants
from tests.inquiries.requests.conftest import X_NAME

B_PERSON = Named("鈴木 一郎", "スズキ イチロウ", datetime.date(1975, 3, 3))


@pytest.fixture
def two_ward_request(record, x_measure, register, clerk_b, officer_a, third_party):
    register(
        clerk_b,
        protected=PersonData(
            name=B_PERSON.name, kana=B_PERSON.kana, birth_date=B_PERSON.birth_date
        ),
    )
    return record(subjects=[X_NAME, B_PERSON], requester=third_party)


@pytest.fixture
def third_party():
    return Requester("佐藤 花子", "サトウ ハナコ", datetime.date(1970, 1, 1), type="third_party")


@pytest.mark.django_db
class TestTwoWards:
    def test_one_wards_officer_cannot_release_it(self, two_ward_request, officer_a, now):
        assert len(two_ward_request.responsible_ward_codes) == 2
        can = request_actions(officer_a, two_ward_request, now)
        assert can.review and not can.release and can.release_note
        with pytest.raises(NotPermitted):
            actions.review_request(
                request=two_ward_request, by=officer_a, reviewed_at=now, outcome="issue", reason=""
            )
        two_ward_request.refresh_from_db()
        assert two_ward_request.status == RequestStatus.AWAITING_REVIEW
        assert not two_ward_request.releases.exists()
        assert not AuditEvent.objects.filter(kind=EventKind.RELEASE_GRANTED).exists()

    def test_one_wards_officer_may_refuse_it(self, two_ward_request, officer_a, now):
        request = actions.review_request(
            request=two_ward_request,
            by=officer_a,
            reviewed_at=now,
            outcome="refuse",
            reason="不適当",
        )
        assert request.status == RequestStatus.REFUSED

    def test_an_officer_of_both_wards_may_release_it(
        self, two_ward_request, make_staff, ward_a, ward_b, now
    ):
        both = make_staff(ward_a, Role.SUPERVISOR, username="both_officer")
        assign_perm("supportmeasures.work_in_ward", both, ward_b)
        forget_grants(both)
        for ward in (ward_a, ward_b):
            registry.appoint_responsible_officer(
                acting_user=None, staff=both, ward=ward, appointed_at=now
            )
        request = actions.review_request(
            request=two_ward_request, by=both, reviewed_at=now, outcome="issue", reason=""
        )
        assert request.status == RequestStatus.RELEASED

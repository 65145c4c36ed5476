"""Auditors see every request with its review, releases, issuances and disposals, and the
person history lists each step (the events are indexed by the people found)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from auditlog.models import EventKind
from inquiries.requests import actions
from tests.inquiries.requests.conftest import X_NAME


@pytest.fixture
def issued(record, x_measure, officer_a, clerk_a, now):
    request = record()
    actions.review_request(
        request=request, by=officer_a, reviewed_at=now, outcome="issue", reason=""
    )
    issuance = actions.record_issuance(
        request=request,
        by=clerk_a,
        issued_at=now + datetime.timedelta(minutes=1),
        place="鶴見区役所",
        pages=2,
        issue_number="R8-0042",
    )
    actions.record_disposal(issuance=issuance, by=clerk_a, destroyed_at=now, reason="誤交付")
    return request


@pytest.mark.django_db
class TestAuditorsWorkspace:
    def test_the_requests_page_shows_every_step_and_no_name(self, login, auditor, issued):
        response = login(auditor).get(reverse("auditlog:requests"))

        body = response.content.decode()
        assert response.status_code == 200
        assert str(issued.public_id) in body
        assert "R8-0042" in body
        assert "a_officer" in body and "a_clerk" in body
        assert X_NAME.name not in body

    def test_the_reasons_are_in_words_not_codes(self, login, auditor, issued):
        body = login(auditor).get(reverse("auditlog:requests")).content.decode()

        assert "支援措置対象者本人による窓口での請求です" in body
        assert "self_request" not in body

    def test_clerks_get_404(self, login, clerk_a):
        assert login(clerk_a).get(reverse("auditlog:requests")).status_code == 404

    def test_the_person_history_has_each_step(self, login, auditor, issued, x):
        response = login(auditor).get(reverse("auditlog:person", kwargs={"public_id": x.public_id}))

        body = response.content.decode()
        for kind in (
            EventKind.REQUEST_RECORDED,
            EventKind.REQUEST_REVIEWED,
            EventKind.RELEASE_GRANTED,
            EventKind.REQUEST_ISSUED,
            EventKind.RELEASE_RELOCKED,
            EventKind.ISSUANCE_DISPOSED,
        ):
            assert str(kind.label) in body, kind


@pytest.mark.django_db
class TestAnalyses:
    def test_a_review_names_the_recorder_as_the_author_of_the_work(self, issued, clerk_a):
        from auditlog.models import AuditEvent

        review = AuditEvent.objects.get(kind=EventKind.REQUEST_REVIEWED)

        assert review.data["author"] == clerk_a.pk

    def test_reviews_and_issuances_count_out_of_hours_and_reviews_as_approvals(self):
        from auditlog.workspace import analyses

        assert EventKind.REQUEST_REVIEWED in analyses.OUT_OF_HOURS_KINDS
        assert EventKind.REQUEST_ISSUED in analyses.OUT_OF_HOURS_KINDS
        assert EventKind.REQUEST_REVIEWED in analyses.APPROVAL_KINDS

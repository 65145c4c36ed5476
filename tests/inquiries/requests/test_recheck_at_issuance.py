"""A request decided 'issue' when it was recorded is screened again when the certificate is
issued (and when its decision is read): a person who applied for a support measure in the
meantime (a provisional measure counts) must not get her certificate handed or mailed out on
a decision made before she was protected (promise 9: a status that rose after a decision)."""

from __future__ import annotations

import datetime

import pytest

from inquiries.requests import actions
from inquiries.requests.models import RequestStatus
from inquiries.requests.permissions import ProtectedSinceRecorded, current_decision, issue_refusal

MINUTE = datetime.timedelta(minutes=1)


def issue(request, clerk, at, number="R8-0101"):
    return actions.record_issuance(
        request=request, by=clerk, issued_at=at, place="鶴見区役所 戸籍課", pages=1,
        issue_number=number,
    )  # fmt: skip


@pytest.mark.django_db
class TestRecheckAtIssuance:
    def test_a_request_decided_issue_is_refused_once_its_subject_has_applied(
        self, record, register, clerk_a, now
    ):
        by_post = record(channel="mail")
        assert by_post.decision == "issue"

        register(clerk_a)  # X applies: provisional, protected from now on

        assert isinstance(issue_refusal(clerk_a, by_post, now + MINUTE), ProtectedSinceRecorded)
        with pytest.raises(ProtectedSinceRecorded):
            issue(by_post, clerk_a, now + MINUTE)
        by_post.refresh_from_db()
        assert by_post.status == RequestStatus.DECIDED
        assert not by_post.issuances.exists()
        assert current_decision(by_post, now + MINUTE)[0] == "refuse"

    def test_a_request_still_clear_is_issued(self, record, clerk_a, now):
        by_post = record(channel="mail")

        issuance = issue(by_post, clerk_a, now + MINUTE)

        assert issuance.request.status == RequestStatus.ISSUED
        assert current_decision(by_post, now + MINUTE)[0] == "issue"

    def test_its_decision_is_read_again(self, record, register, clerk_a, now):
        at_counter = record()
        assert current_decision(at_counter, now)[0] == "issue"

        register(clerk_a)

        decision, reasons = current_decision(at_counter, now + MINUTE)
        assert decision == "refuse"
        assert "protected_since_recorded" in reasons

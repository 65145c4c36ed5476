"""Who watched the watchers (issue 13): an auditor opening a person's access history or a
staff member's activity is itself an audit event, and a refused opening leaves nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from auditlog.models import AuditEvent, AuditEventPerson, EventKind
from auditlog.workspace import actions

pytestmark = pytest.mark.django_db


def openings() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(kind=EventKind.AUDITLOG_VIEWED).order_by("sequence"))


class TestOpeningAHistory:
    def test_a_persons_history_opened_is_recorded_in_that_history(self, auditor, login, x):
        client = login(auditor)
        url = reverse("auditlog:person", args=[x.public_id])

        assert client.get(url).status_code == 200

        [event] = openings()
        assert event.actor_id == auditor.pk
        assert event.data == {
            "opened": "person_history",
            "person": str(x.public_id),
            "persons": [str(x.public_id)],
        }
        assert AuditEventPerson.objects.filter(event=event, person_public_id=x.public_id).exists()
        second = client.get(url)
        assert [e.sequence for e in second.context["history"].events][-1] == event.sequence

    def test_a_staff_members_activity_opened_is_recorded_with_the_period(
        self, auditor, clerk_a, login
    ):
        response = login(auditor).get(
            reverse("auditlog:staff", args=[clerk_a.pk]), {"since": "2026-01-01"}
        )

        assert response.status_code == 200
        [event] = openings()
        assert event.actor_id == auditor.pk
        assert event.data == {
            "opened": "staff_activity",
            "staff_id": clerk_a.pk,
            "since": "2026-01-01",
            "until": "",
        }

    def test_anyone_else_gets_a_404_and_leaves_no_opening(
        self, clerk_a, supervisor_a, contractor_a, login, x
    ):
        for user in (clerk_a, supervisor_a, contractor_a):
            client = login(user)
            assert client.get(reverse("auditlog:person", args=[x.public_id])).status_code == 404
            assert client.get(reverse("auditlog:staff", args=[clerk_a.pk])).status_code == 404

        assert openings() == []

    def test_the_action_refuses_a_non_auditor(self, clerk_a, x, now):
        from django.http import Http404

        with pytest.raises(Http404):
            actions.open_person_history(user=clerk_a, public_id=x.public_id, opened_at=now)

        assert openings() == []

    def test_an_unknown_staff_member_is_a_404_not_an_opening(self, auditor, login):
        assert login(auditor).get(reverse("auditlog:staff", args=[999999])).status_code == 404
        assert openings() == []

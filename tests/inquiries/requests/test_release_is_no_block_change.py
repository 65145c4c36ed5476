"""Issue 12: a temporary release (issue 11) never reaches the linked systems. It does not
touch the measure, so no block change and no confirmation task is written, nor is any
pending task of the measure replaced."""

from __future__ import annotations

import datetime

import pytest

from auditlog.models import AuditEvent, EventKind
from inquiries.requests import actions
from supportmeasures.models import BlockChange, ConfirmationTask, TaskState

pytestmark = pytest.mark.django_db


def test_a_temporary_release_and_its_relock_create_no_block_change(
    record, x_measure, officer_a, clerk_a, now
):
    changes = BlockChange.objects.count()
    tasks = list(ConfirmationTask.objects.order_by("pk").values_list("pk", "state"))
    request = record()

    actions.review_request(
        request=request, by=officer_a, reviewed_at=now, outcome="issue", reason=""
    )
    actions.record_issuance(
        request=request,
        by=clerk_a,
        issued_at=now + datetime.timedelta(minutes=1),
        place="鶴見区役所",
        pages=1,
        issue_number="R8-0099",
    )
    actions.relock_expired_releases(now=now + datetime.timedelta(hours=2))

    assert AuditEvent.objects.filter(kind=EventKind.RELEASE_GRANTED).count() == 1
    assert BlockChange.objects.count() == changes
    assert list(ConfirmationTask.objects.order_by("pk").values_list("pk", "state")) == tasks
    assert ConfirmationTask.objects.filter(state=TaskState.OPEN).count() == 10
    assert not AuditEvent.objects.filter(
        kind=EventKind.PROPAGATION_TASKS_CREATED, occurred_at__gt=now
    ).exists()

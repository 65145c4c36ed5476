"""The 支援措置責任者 grant: per ward, supervisors only, recorded, and read in one place."""

from __future__ import annotations

import pytest

from auditlog.models import AuditEvent, EventKind
from supportmeasures import actions, permissions, selectors
from supportmeasures.refusals import ActionRefused


def test_a_supervisor_appointed_for_a_ward_is_its_officer_there_only(
    supervisor_a, ward_a, ward_b, now
):
    assert not permissions.is_responsible_officer(supervisor_a, ward_a)
    actions.appoint_responsible_officer(
        acting_user=None, staff=supervisor_a, ward=ward_a, appointed_at=now
    )
    assert permissions.is_responsible_officer(supervisor_a, ward_a)
    assert not permissions.is_responsible_officer(supervisor_a, ward_b)
    assert selectors.responsible_officers([ward_a]) == [supervisor_a]
    assert selectors.responsible_officers([ward_b]) == []
    event = AuditEvent.objects.get(kind=EventKind.RESPONSIBLE_APPOINTED)
    assert event.data["staff_id"] == supervisor_a.pk


@pytest.mark.parametrize("who", ["clerk_a", "supervisor_b", "auditor"])
def test_only_a_supervisor_of_the_ward_can_be_appointed(who, request, ward_a, now):
    staff = request.getfixturevalue(who)
    with pytest.raises(ActionRefused):
        actions.appoint_responsible_officer(
            acting_user=None, staff=staff, ward=ward_a, appointed_at=now
        )
    assert not permissions.is_responsible_officer(staff, ward_a)
    assert not AuditEvent.objects.filter(kind=EventKind.RESPONSIBLE_APPOINTED).exists()


def test_withdrawn_officer_is_no_longer_one_and_an_inactive_one_never_was(
    supervisor_a, ward_a, now
):
    actions.appoint_responsible_officer(
        acting_user=None, staff=supervisor_a, ward=ward_a, appointed_at=now
    )
    supervisor_a.is_active = False
    assert not permissions.is_responsible_officer(supervisor_a, ward_a)
    supervisor_a.is_active = True
    actions.withdraw_responsible_officer(
        acting_user=None, staff=supervisor_a, ward=ward_a, withdrawn_at=now
    )
    assert not permissions.is_responsible_officer(supervisor_a, ward_a)
    assert selectors.responsible_officers([ward_a]) == []
    with pytest.raises(ActionRefused):
        actions.withdraw_responsible_officer(
            acting_user=None, staff=supervisor_a, ward=ward_a, withdrawn_at=now
        )
    assert AuditEvent.objects.filter(kind=EventKind.RESPONSIBLE_WITHDRAWN).count() == 1

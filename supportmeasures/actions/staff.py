"""Staff accounts and their annual training."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from auditlog.actions import record_event
from auditlog.models import EventKind
from supportmeasures import permissions
from supportmeasures.models import (
    Role,
    Staff,
    TrainingRecord,
    Ward,
)
from supportmeasures.refusals import (
    ActionRefused,
)


def register_staff(
    *,
    acting_user: Staff | None,
    username: str,
    full_name: str,
    ward: Ward,
    role: str,
    password: str | None,
    email: str = "",
    registered_at: datetime.datetime,
) -> Staff:
    """Add a staff member with one role and their ward's scope, in one step."""
    if role not in Role.values:
        raise ActionRefused(_("Unknown role."))
    with transaction.atomic(durable=True):
        staff = Staff(
            username=username,
            full_name=full_name,
            ward=ward,
            email=email,
            is_staff=role == Role.ADMINISTRATOR,
        )
        if password:
            staff.set_password(password)
        else:
            staff.set_unusable_password()
        staff.save()
        staff.groups.set([Group.objects.get_or_create(name=role)[0]])
        assign_perm("supportmeasures.work_in_ward", staff, ward)
        permissions.forget_grants(staff)
        record_event(
            kind=EventKind.STAFF_REGISTERED,
            actor=acting_user,
            occurred_at=registered_at,
            ward=ward,
            decision=role,
            data={"staff_id": staff.pk},
        )
    return staff


def record_training(
    *,
    staff: Staff,
    acting_user: Staff | None,
    completed_on: datetime.date,
    course: str,
    recorded_at: datetime.datetime,
) -> TrainingRecord:
    if completed_on > timezone.localdate(recorded_at):
        raise ActionRefused(_("Training cannot be completed in the future."))
    with transaction.atomic(durable=True):
        record = TrainingRecord.objects.create(
            staff=staff,
            completed_on=completed_on,
            course=course,
            recorded_by=acting_user,
            recorded_at=recorded_at,
        )
        permissions.forget_training(staff)
        record_event(
            kind=EventKind.TRAINING_RECORDED,
            actor=acting_user,
            occurred_at=recorded_at,
            ward=staff.ward,
            data={"staff_id": staff.pk, "completed_on": str(completed_on)},
        )
    return record


def appoint_responsible_officer(
    *, acting_user: Staff | None, staff: Staff, ward: Ward, appointed_at: datetime.datetime
) -> None:
    """Make `staff` the ward's 支援措置責任者 (one of them: a ward may have several)."""
    refusal = permissions.appoint_refusal(staff, ward)
    if refusal is not None:
        raise refusal
    with transaction.atomic(durable=True):
        assign_perm("supportmeasures.act_as_responsible_officer", staff, ward)
        permissions.forget_grants(staff)
        record_event(
            kind=EventKind.RESPONSIBLE_APPOINTED,
            actor=acting_user,
            occurred_at=appointed_at,
            ward=ward,
            decision="granted",
            data={"staff_id": staff.pk},
        )


def withdraw_responsible_officer(
    *, acting_user: Staff | None, staff: Staff, ward: Ward, withdrawn_at: datetime.datetime
) -> None:
    if ward.pk not in permissions.responsible_ward_ids(staff):
        raise ActionRefused(_("This member of staff is not the ward's support-measure officer."))
    with transaction.atomic(durable=True):
        remove_perm("supportmeasures.act_as_responsible_officer", staff, ward)
        permissions.forget_grants(staff)
        record_event(
            kind=EventKind.RESPONSIBLE_WITHDRAWN,
            actor=acting_user,
            occurred_at=withdrawn_at,
            ward=ward,
            decision="revoked",
            data={"staff_id": staff.pk},
        )

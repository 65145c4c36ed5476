"""May this user do X to this object? Plain functions; rules that are not grants live here."""

from __future__ import annotations

import datetime

from supportmeasures.models import (
    Person,
    Role,
    Staff,
    SupportMeasure,
    SupportMeasureUserObjectPermission,
    Ward,
    WardUserObjectPermission,
)

CASE_ROLES = (Role.CLERK, Role.SUPERVISOR)


def ward_ids(user: Staff) -> frozenset[int]:
    """The wards whose cases the user works on: their own guardian grants, read straight from
    the direct foreign-key permission table (one indexed query, every scoped page asks it).

    Only per-user grants count (register_staff makes them); a group grant or a superuser flag
    gives nothing here, so protected data never opens by a shortcut.
    """
    cache = getattr(user, "_mamori_ward_ids", None)
    if cache is None:
        cache = (
            frozenset(
                WardUserObjectPermission.objects.filter(
                    user=user,
                    permission__codename="work_in_ward",
                    permission__content_type__app_label="supportmeasures",
                ).values_list("content_object_id", flat=True)
            )
            if user.is_active
            else frozenset()
        )
        user._mamori_ward_ids = cache  # type: ignore[attr-defined]
    return cache


def granted_measure_ids(user: Staff) -> frozenset[int]:
    cache = getattr(user, "_mamori_granted_ids", None)
    if cache is None:
        cache = (
            frozenset(
                SupportMeasureUserObjectPermission.objects.filter(
                    user=user,
                    permission__codename="view_protected_details",
                    permission__content_type__app_label="supportmeasures",
                ).values_list("content_object_id", flat=True)
            )
            if user.is_active
            else frozenset()
        )
        user._mamori_granted_ids = cache  # type: ignore[attr-defined]
    return cache


def can_search(user: Staff) -> bool:
    """Everyone with a role sees the flags: that is how the flag travels."""
    return user.is_active and bool(user.role)


def can_view_measure(user: Staff, measure: SupportMeasure) -> bool:
    if user.has_role(Role.AUDITOR):
        return True
    if not user.has_role(*CASE_ROLES):
        return False
    return measure.owning_ward_id in ward_ids(user) or measure.pk in granted_measure_ids(user)


def details_in_scope(user: Staff, person: Person) -> bool:
    """Need to know: the owning ward's case staff, and those it granted. Contractors never."""
    if not user.has_role(*CASE_ROLES):
        return False
    wards = ward_ids(user)
    granted = granted_measure_ids(user)
    return any(
        party.measure.owning_ward_id in wards or party.measure_id in granted
        for party in person.parties.select_related("measure")
    )


def can_register_application(user: Staff, ward: Ward) -> bool:
    # Training is not required here on purpose: starting protection must never be blocked.
    return user.has_role(*CASE_ROLES) and ward.pk in ward_ids(user)


def is_supervisor_of(user: Staff, measure: SupportMeasure) -> bool:
    return user.has_role(Role.SUPERVISOR) and measure.owning_ward_id in ward_ids(user)


def is_trained(user: Staff, today: datetime.date) -> bool:
    return user.training_valid_on(today)


def may_see_owning_wards(user: Staff) -> bool:
    """Which ward holds a case hints at where the person lives: case staff only (an allow
    list, so a new role sees nothing until it is added here)."""
    return user.has_role(*CASE_ROLES)

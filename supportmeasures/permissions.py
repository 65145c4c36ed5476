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


def _granted_ids(
    user: Staff,
    table: type[WardUserObjectPermission] | type[SupportMeasureUserObjectPermission],
    codename: str,
) -> frozenset[int]:
    """The ids of the objects `user` holds `codename` on, read straight from guardian's
    direct foreign-key permission table (one indexed query), kept on the user object for
    the request. Only per-user grants count: a group grant or a superuser flag gives
    nothing here, so protected data never opens by a shortcut."""
    cached: dict[tuple[str, str], frozenset[int]] | None = getattr(user, "_mamori_grants", None)
    if cached is None:
        cached = {}
        user._mamori_grants = cached  # type: ignore[attr-defined]
    key = (table._meta.db_table, codename)
    if key not in cached:
        cached[key] = (
            frozenset(
                table.objects.filter(
                    user=user,
                    permission__codename=codename,
                    permission__content_type__app_label="supportmeasures",
                ).values_list("content_object_id", flat=True)
            )
            if user.is_active
            else frozenset()
        )
    return cached[key]


def forget_grants(user: Staff) -> None:
    """After a grant or a revoke: the next check reads the grants again."""
    if hasattr(user, "_mamori_grants"):
        del user._mamori_grants


def ward_ids(user: Staff) -> frozenset[int]:
    """The wards whose cases the user works on (register_staff grants them)."""
    return _granted_ids(user, WardUserObjectPermission, "work_in_ward")


def granted_measure_ids(user: Staff) -> frozenset[int]:
    """The measures whose protected details the user may be shown."""
    return _granted_ids(user, SupportMeasureUserObjectPermission, "view_protected_details")


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

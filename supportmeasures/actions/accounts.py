"""Logging in and staff accounts: failed logins, lockouts and unlocks, password changes, and
what the Django admin changes. Each is an audit event in the transaction of the act."""

from __future__ import annotations

import datetime
from typing import Any

from axes.models import AccessAttempt
from django.db import connection, transaction
from django.utils.translation import gettext as _

from auditlog.actions import record_event
from auditlog.models import EventKind
from supportmeasures import permissions
from supportmeasures.models import Staff, Ward
from supportmeasures.refusals import ActionRefused, NotPermitted

# A user name is kept as typed, up to the length a user name may have: enough to see what was
# tried, never a whole password pasted in the wrong field.
USERNAME_KEPT = 150


def _account(username: str) -> Staff | None:
    return Staff.objects.filter(username=username).select_related("ward").first()


def _tried(username: str | None) -> str:
    return (username or "")[:USERNAME_KEPT]


def record_failed_login(
    *,
    username: str | None,
    address: str | None,
    failed_at: datetime.datetime,
    reason: str = "",
) -> None:
    """A login that failed (wrong password, unknown name, refused while locked, or a wrong
    second factor: reason "second factor"). The user name tried and the address, never the
    password or the code; the account, when the name is one."""
    tried = _tried(username)
    account = _account(tried) if tried else None
    with transaction.atomic(durable=True):
        record_event(
            kind=EventKind.LOGIN_FAILED,
            actor=None,
            occurred_at=failed_at,
            ward=account.ward if account else None,
            decision="refused",
            reason=reason,
            data={
                "username": tried,
                "address": address or "",
                "staff_id": account.pk if account else None,
            },
        )


def record_lockout(
    *,
    username: str | None,
    address: str | None,
    failures: dict[str, int],
    locked_at: datetime.datetime,
) -> None:
    """A user name or an address is locked after repeated failures (django-axes): with the
    failures counted for each, so the auditor sees which of the two reached its limit."""
    tried = _tried(username)
    account = _account(tried) if tried else None
    with transaction.atomic(durable=True):
        record_event(
            kind=EventKind.ACCOUNT_LOCKED,
            actor=None,
            occurred_at=locked_at,
            ward=account.ward if account else None,
            decision="locked",
            data={
                "username": tried,
                "address": address or "",
                "staff_id": account.pk if account else None,
                "failures": failures,
            },
        )


def unlock(
    *,
    acting_user: Staff,
    username: str,
    address: str,
    unlocked_at: datetime.datetime,
) -> int:
    """An administrator lifts a lockout: every failure recorded for that user name, or from
    that address, is forgotten. Returns how many records were removed."""
    if not permissions.may_manage_accounts(acting_user):
        raise NotPermitted(_("Only administrators unlock accounts."))
    if not username and not address:
        raise ActionRefused(_("Name the account or the address to unlock."))
    with transaction.atomic(durable=True):
        attempts = AccessAttempt.objects.select_for_update()
        matching = attempts.none()
        if username:
            matching = matching | attempts.filter(username=username)
        if address:
            matching = matching | attempts.filter(ip_address=address)
        removed, _by_model = AccessAttempt.objects.filter(
            pk__in=list(matching.values_list("pk", flat=True))
        ).delete()
        if not removed:
            raise ActionRefused(_("That account or address is not locked."))
        account = _account(username) if username else None
        record_event(
            kind=EventKind.ACCOUNT_UNLOCKED,
            actor=acting_user,
            occurred_at=unlocked_at,
            ward=account.ward if account else None,
            decision="unlocked",
            data={
                "username": username,
                "address": address,
                "staff_id": account.pk if account else None,
                "attempts_removed": removed,
            },
        )
    return removed


def change_own_password(*, user: Staff, new_password: str, changed_at: datetime.datetime) -> None:
    """A member of staff changes their own password (the form checked the old one and the
    validators). The password itself is never in the event."""
    if not user.is_active:
        raise NotPermitted(_("This account is not active."))
    with transaction.atomic(durable=True):
        locked = Staff.objects.select_for_update().get(pk=user.pk)
        locked.set_password(new_password)
        locked.save(update_fields=["password"])
        user.password = locked.password  # the session keeps its hash in step (the view)
        record_event(
            kind=EventKind.PASSWORD_CHANGED,
            actor=user,
            occurred_at=changed_at,
            ward=user.ward,
            decision="changed",
            data={"staff_id": user.pk, "by": "self"},
        )


def record_admin_change(
    *,
    acting_user: Staff,
    obj: Any,
    operation: str,
    fields: list[str],
    changed_at: datetime.datetime,
) -> None:
    """What the Django admin saved, recorded in the admin's own transaction (its change view
    and password view are atomic; an admin change outside one is refused, not unrecorded).

    A staff member's password set by an administrator is `staff.password_changed` (by
    admin); everything else is `admin.changed` with the model, the object and the fields."""
    if not connection.in_atomic_block:
        raise RuntimeError("An admin change must be recorded in the admin's transaction.")
    if not permissions.may_manage_accounts(acting_user):
        raise NotPermitted(_("Only administrators change staff and wards."))
    ward = obj if isinstance(obj, Ward) else getattr(obj, "ward", None)
    other_fields = [f for f in fields if f != "password"]
    if isinstance(obj, Staff) and "password" in fields:
        record_event(
            kind=EventKind.PASSWORD_CHANGED,
            actor=acting_user,
            occurred_at=changed_at,
            ward=ward,
            decision="changed",
            data={"staff_id": obj.pk, "by": "admin"},
        )
        if not other_fields:
            return
    record_event(
        kind=EventKind.ADMIN_CHANGED,
        actor=acting_user,
        occurred_at=changed_at,
        ward=ward if isinstance(ward, Ward) else None,
        decision=operation,
        data={
            "model": obj._meta.label_lower,
            "object_id": obj.pk,
            "object": str(obj)[:100],
            "fields": sorted(other_fields),
        },
    )

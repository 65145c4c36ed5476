"""Who confirms for a linked system: its section staff.

A member of staff is section staff of a system when an administrator granted them
`confirm_for_system` on it (guardian, per user; the admin's linked-system page, recorded).
Any active role but the contractor; the tasks show protected residents' names and birth
dates, so the training rule applies as it does to the details.
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from supportmeasures import permissions
from supportmeasures.models import (
    ConfirmationTask,
    LinkedSystem,
    LinkedSystemUserObjectPermission,
    Role,
    Staff,
    TaskState,
)
from supportmeasures.refusals import ActionRefused, InvalidTransition, NotPermitted

SECTION_ROLES = (Role.CLERK, Role.SUPERVISOR, Role.AUDITOR, Role.ADMINISTRATOR)


def section_system_ids(user: Staff) -> frozenset[int]:
    """The linked systems the user is section staff of (per-user grants only: a group grant
    or a superuser flag gives nothing), kept on the user object like the ward grants."""
    cached: dict[tuple[str, str], frozenset[int]] | None = getattr(user, "_mamori_grants", None)
    if cached is None:
        cached = {}
        user._mamori_grants = cached  # type: ignore[attr-defined]
    key = (LinkedSystemUserObjectPermission._meta.db_table, "confirm_for_system")
    if key not in cached:
        cached[key] = frozenset(
            LinkedSystemUserObjectPermission.objects.filter(
                user=user, permission__codename="confirm_for_system"
            ).values_list("content_object_id", flat=True)
        )
    return cached[key]


def is_section_staff(user: Staff, system: LinkedSystem | int) -> bool:
    """The one place "may this member confirm for this system" is asked."""
    system_id = system.pk if isinstance(system, LinkedSystem) else system
    return (
        getattr(user, "is_authenticated", False)
        and user.has_role(*SECTION_ROLES)
        and system_id in section_system_ids(user)
    )


def has_section_tasks(user: Staff) -> bool:
    """Whether the "my linked-system tasks" page is for the user (menu, home page)."""
    return (
        getattr(user, "is_authenticated", False)
        and user.has_role(*SECTION_ROLES)
        and bool(section_system_ids(user))
    )


def section_grant_refusal(staff: Staff) -> ActionRefused | None:
    """Who may be made section staff: an active member of any role but the contractor."""
    if not staff.has_role(*SECTION_ROLES):
        return NotPermitted(
            _("Only active staff (not contractors) can confirm for a linked system.")
        )
    return None


def answer_refusal(
    user: Staff, task: ConfirmationTask, today: datetime.date
) -> ActionRefused | None:
    """Confirm a task by hand, or report that the block could not be set: the system's
    section staff, trained, on a task still to answer (open, or failed and now set)."""
    if not is_section_staff(user, task.system_id):
        return NotPermitted(_("Only the section staff of this linked system can answer."))
    refusal = permissions.training_refusal(user, today)
    if refusal is not None:
        return refusal
    return task_state_refusal(task)


def task_state_refusal(task: ConfirmationTask) -> InvalidTransition | None:
    """Answered already (another tab, a colleague, the API) or replaced by a later change."""
    if task.state == TaskState.CONFIRMED:
        return InvalidTransition(
            _("This block was already confirmed (%(when)s). Nothing was changed.")
            % {"when": _local(task.confirmed_at)}
        )
    if task.state == TaskState.SUPERSEDED:
        return InvalidTransition(
            _(
                "A later change of this measure replaced this task: confirm the latest one. "
                "Nothing was changed."
            )
        )
    return None


def fail_refusal(user: Staff, task: ConfirmationTask, today: datetime.date) -> ActionRefused | None:
    refusal = answer_refusal(user, task, today)
    if refusal is None and task.state == TaskState.FAILED:
        return InvalidTransition(
            _("It was already reported that this block could not be set. Nothing was changed.")
        )
    return refusal


def _local(at: datetime.datetime | None) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M") if at else ""

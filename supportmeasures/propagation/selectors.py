"""Reads of the linked systems' tasks, with permissions applied (out of scope = 404).

- section staff: their systems' open tasks (`section_tasks`, `section_task`);
- the measure page: per linked system, the state of the latest block (`propagation_of`);
- supervisors' home page and the auditors: the alarms, tasks escalated (overdue or reported
  failed) and not yet confirmed (`alarms`, `alarms_of_wards`).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.http import Http404

from supportmeasures import names
from supportmeasures.models import (
    BlockChange,
    ConfirmationTask,
    LinkedSystem,
    MeasureParty,
    PartyRole,
    Role,
    Staff,
    SupportMeasure,
    TaskState,
)
from supportmeasures.propagation import permissions as rules

ANSWERABLE = (TaskState.OPEN, TaskState.FAILED)


def alarms() -> QuerySet[ConfirmationTask]:
    """Every task that is an alarm: escalated and still not confirmed (a late confirmation, or
    the confirmation of a later change of the measure, clears it)."""
    return ConfirmationTask.objects.filter(state__in=ANSWERABLE, escalated_at__isnull=False)


def _task_rows() -> QuerySet[ConfirmationTask]:
    return ConfirmationTask.objects.select_related(
        "change", "system", "confirmed_by", "failed_by", "confirmed_client"
    )


def section_tasks(*, user: Staff) -> list[ConfirmationTask]:
    """The open (and failed) tasks of the systems the user is section staff of, the soonest
    due first. Not section staff: 404."""
    if not rules.has_section_tasks(user):
        raise Http404
    return list(
        _task_rows()
        .filter(system_id__in=rules.section_system_ids(user), state__in=ANSWERABLE)
        .order_by("due_at", "change__sequence", "system__order")
    )


def recently_answered(*, user: Staff, limit: int = 20) -> list[ConfirmationTask]:
    if not rules.has_section_tasks(user):
        raise Http404
    return list(
        _task_rows()
        .filter(system_id__in=rules.section_system_ids(user), state=TaskState.CONFIRMED)
        .order_by("-confirmed_at", "-pk")[:limit]
    )


def still_restricted_ids(change: BlockChange) -> frozenset[str]:
    """The people `change` releases whom another measure in force still restricts (protected
    or family covered), as public ids: their block must stay. Section staff read "lift the
    block" literally; lifting one of them would let that system disclose the address that the
    other measure protects. Asked when the page is shown (what matters is now): the same
    person record, or the same name and date of birth (a re-application in another ward is a
    second record)."""
    released = change.released_persons or []
    if not released:
        return frozenset()
    same = Q(person__public_id__in=[p["id"] for p in released])
    for entry in released:
        if entry.get("birth_date") and entry.get("name"):
            same |= Q(
                person__name_key=names.name_key(entry["name"]),
                person__birth_date=entry["birth_date"],
            )
    others = list(
        MeasureParty.objects.in_force()
        .filter(same, role__in=PartyRole.protected_roles())
        .exclude(measure_id=change.measure_id)
        .values_list("person__public_id", "person__name_key", "person__birth_date")
    )
    ids = {str(pid) for pid, _key, _born in others}
    keys = {(key, born.isoformat()) for _pid, key, born in others if born}
    return frozenset(
        str(entry["id"])
        for entry in released
        if str(entry["id"]) in ids
        or (entry.get("name") and (names.name_key(entry["name"]), entry.get("birth_date")) in keys)
    )


def section_task(*, user: Staff, pk: int) -> ConfirmationTask:
    """One task, for its system's section staff only: anyone else (another section, a ward's
    staff, a URL typed by hand) gets the same 404 as for a task that does not exist."""
    task = _task_rows().filter(pk=pk).first()
    if task is None or not rules.is_section_staff(user, task.system_id):
        raise Http404
    return task


@dataclass
class SystemState:
    """A linked system's state for one measure: the task to show and whether it is late."""

    system: LinkedSystem
    task: ConfirmationTask | None
    overdue: bool = False
    alarm: bool = False
    older_alarms: list[ConfirmationTask] = field(default_factory=list)


def propagation_of(*, measure: SupportMeasure, now: datetime.datetime) -> list[SystemState]:
    """Per linked system (active, or asked for this measure before), the state of the block:
    an alarm first if one is raised (escalated, not confirmed), else the latest task. The
    caller has loaded `measure` through a selector that applied the user's scope."""
    tasks = list(
        _task_rows().filter(change__measure=measure).order_by("-change__created_at", "-pk")
    )
    by_system: dict[int, list[ConfirmationTask]] = defaultdict(list)
    for row in tasks:
        by_system[row.system_id].append(row)
    systems = LinkedSystem.objects.filter(is_active=True) | LinkedSystem.objects.filter(
        pk__in=list(by_system)
    )
    states = []
    for system in systems.distinct().order_by("order", "pk"):
        own = by_system.get(system.pk, [])
        raised = [t for t in own if t.state in ANSWERABLE and t.escalated_at is not None]
        task = raised[0] if raised else (own[0] if own else None)
        states.append(
            SystemState(
                system=system,
                task=task,
                overdue=bool(
                    task
                    and task.state == TaskState.OPEN
                    and (task.escalated_at is not None or task.due_at < now)
                ),
                alarm=bool(raised) or bool(task and task.state == TaskState.FAILED),
                older_alarms=raised[1:],
            )
        )
    return states


@dataclass(frozen=True)
class MeasureAlarm:
    measure: SupportMeasure
    systems: list[str]
    since: datetime.datetime


def _measure_alarms(tasks: Iterable[ConfirmationTask]) -> list[MeasureAlarm]:
    grouped: dict[int, list[ConfirmationTask]] = defaultdict(list)
    measures: dict[int, SupportMeasure] = {}
    for task in tasks:
        grouped[task.change.measure_id].append(task)
        measures[task.change.measure_id] = task.change.measure
    return [
        MeasureAlarm(
            measure=measures[pk],
            systems=sorted({t.system.name for t in group}),
            since=min(t.due_at for t in group),
        )
        for pk, group in sorted(grouped.items(), key=lambda kv: min(t.due_at for t in kv[1]))
    ]


def alarms_of_wards(*, ward_ids: Iterable[int]) -> list[MeasureAlarm]:
    """For a supervisor's home page: the measures of these wards (the caller passes the wards
    the user works in) with systems that have not confirmed in time, oldest first."""
    return _measure_alarms(
        alarms()
        .filter(change__measure__owning_ward_id__in=list(ward_ids))
        .select_related("change__measure", "change__measure__owning_ward", "system")
    )


def all_alarms() -> list[MeasureAlarm]:
    """Unscoped: for the auditors' workspace and the weekly report (after their own check)."""
    return _measure_alarms(
        alarms().select_related("change__measure", "change__measure__owning_ward", "system")
    )


def home_alarms(*, user: Staff) -> list[MeasureAlarm]:
    """The supervisor's home page: the alarms of the wards they work in or are 支援措置責任者
    of. Anyone else: nothing (clerks see the measure page; auditors their dashboard)."""
    from supportmeasures import permissions

    if not user.has_role(Role.SUPERVISOR):
        return []
    wards = permissions.ward_ids(user) | permissions.responsible_ward_ids(user)
    return alarms_of_wards(ward_ids=wards)


def section_task_count(*, user: Staff) -> int | None:
    """How many tasks wait for the user's sections; None when the user is no section's staff."""
    if not rules.has_section_tasks(user):
        return None
    return ConfirmationTask.objects.filter(
        system_id__in=rules.section_system_ids(user), state__in=ANSWERABLE
    ).count()

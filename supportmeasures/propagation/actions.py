"""Recording what the linked systems must apply, and their confirmations.

- `record_block_change`: called INSIDE the transaction of every act that changes what must be
  blocked (registration, decision, extension, period correction, end, release, import, a
  forwarded measure received, a move out): one `BlockChange` and one task per active linked
  system, and the `propagation.tasks_created` event, in that transaction.
- `confirm_task` (section staff, by hand), `confirm_by_api` (the system's API client, for
  the change feed's confirm endpoint), `report_task_failed` (escalates at once).
- `escalate_overdue_tasks`: the job; past-due tasks escalate once.
- `set_section_staff`: the admin's list of a system's section staff, recorded.

A temporary release (issue 11) never calls any of this: it does not touch the measure, and
the other systems must not see it.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from auditlog.actions import _in_test_transaction, record_event
from auditlog.models import EventKind
from supportmeasures import signals
from supportmeasures.models import (
    ApiClient,
    BlockChange,
    BlockChangeKind,
    BlockDocument,
    ConfirmationTask,
    ConfirmsBy,
    LinkedSystem,
    MeasureParty,
    MeasureStatus,
    PartyRole,
    Role,
    Staff,
    SupportMeasure,
    TaskState,
)
from supportmeasures.propagation import permissions as rules
from supportmeasures.propagation.deadlines import next_business_day_end
from supportmeasures.refusals import ActionRefused, NotPermitted

# The kinds that lift the block (the measure no longer protects anyone).
LIFTING = frozenset({BlockChangeKind.REFUSED, BlockChangeKind.ENDED, BlockChangeKind.RELEASED})


def refuse_if(refusal: ActionRefused | None) -> None:
    """As `supportmeasures.actions.common.refuse_if`, which this module cannot import: the
    registry's actions import this one (record_block_change), a cycle through the package."""
    if refusal is not None:
        raise refusal


class PropagationOutsideTransaction(RuntimeError):
    """record_block_change must run in the act's own transaction."""


def person_entry(party: MeasureParty) -> dict[str, object]:
    """What another system needs to find a person: never an address, phone or number."""
    person = party.person
    return {
        "id": str(person.public_id),
        "role": party.role,
        "name": person.name,
        "kana": person.kana,
        "birth_date": person.birth_date.isoformat() if person.birth_date else None,
    }


def _documents(measure: SupportMeasure) -> list[str]:
    flags = [
        (measure.restricts_inspection, BlockDocument.INSPECTION),
        (measure.restricts_resident_copies, BlockDocument.RESIDENT_COPIES),
        (measure.restricts_koseki_attachment, BlockDocument.KOSEKI_ATTACHMENT),
    ]
    return [str(code) for on, code in flags if on]


def _default_effective_from(
    measure: SupportMeasure, kind: str, at: datetime.datetime
) -> datetime.date:
    """From when the other systems apply the change. A registration blocks from the
    application date; an extension's period from its first day (the block runs on without a
    gap: the previous change covers until then); anything else at once, the day of the act
    (an approval's start date may lie before or after it, but the provisional block is
    already set and must not wait or be back-dated for others)."""
    if kind in (BlockChangeKind.REGISTERED, BlockChangeKind.IMPORTED):
        return measure.starts_on or measure.applied_on
    if kind == BlockChangeKind.EXTENDED and measure.starts_on:
        return measure.starts_on
    return timezone.localdate(at)


def record_block_change(
    *,
    measure: SupportMeasure,
    kind: str,
    acting_user: Staff | None,
    at: datetime.datetime,
    effective_from: datetime.date | None = None,
    released: Iterable[MeasureParty] = (),
) -> BlockChange:
    """Record, in the caller's transaction, what the linked systems must now apply for
    `measure` (its state after the act) and ask each active system to confirm it.

    The snapshot is the whole state: who is restricted (protected resident and family
    covered) and which documents; for a lifting kind, no one, and everyone covered so far
    under `released_persons`. `released` adds people no longer covered (a change of the
    people covered). Earlier open tasks of the measure not yet escalated are superseded:
    confirming the newest snapshot covers them."""
    if not connection.in_atomic_block:
        raise PropagationOutsideTransaction(kind)
    parties = list(
        measure.parties.filter(role__in=PartyRole.protected_roles())
        .select_related("person")
        .order_by("role", "pk")
    )
    blocks = kind not in LIFTING and measure.status != MeasureStatus.ENDED
    persons = [person_entry(p) for p in parties] if blocks else []
    released_persons = [person_entry(p) for p in released]
    if not blocks:
        released_persons = [person_entry(p) for p in parties] + released_persons
    change = BlockChange(
        measure=measure,
        kind=kind,
        effective_from=effective_from or _default_effective_from(measure, kind, at),
        ends_on=measure.ends_on if blocks else None,
        blocks=blocks,
        persons=persons,
        released_persons=released_persons,
        documents=_documents(measure),
        created_at=at,
        recorded_by=acting_user,
    )
    if connection.vendor != "postgresql":
        # PostgreSQL numbers the row at commit (migration 0011); one writer elsewhere.
        highest = BlockChange.objects.aggregate(m=Max("sequence"))["m"] or 0
        change.sequence = highest + 1
    change.save()
    if connection.vendor == "postgresql" and _in_test_transaction():
        # A test's wrapping transaction never commits: number now, as the commit would.
        with connection.cursor() as cursor:
            cursor.execute("SELECT supportmeasures_number_block_change_row(%s)", [change.pk])
        change.refresh_from_db(fields=["sequence"])
    # An escalated task stays: its alarm clears only when the system confirms (this change or
    # a later one, `_close_older`), not because the measure changed again.
    superseded = ConfirmationTask.objects.filter(
        change__measure=measure, state=TaskState.OPEN, escalated_at__isnull=True
    ).update(state=TaskState.SUPERSEDED, closed_at=at)
    systems = list(LinkedSystem.objects.filter(is_active=True).order_by("order", "pk"))
    due_at = next_business_day_end(at)
    ConfirmationTask.objects.bulk_create(
        ConfirmationTask(change=change, system=system, due_at=due_at) for system in systems
    )
    record_event(
        kind=EventKind.PROPAGATION_TASKS_CREATED,
        actor=acting_user,
        occurred_at=at,
        ward=measure.owning_ward,
        measure=measure,
        decision=kind,
        persons=[str(p["id"]) for p in persons + released_persons],
        data={
            "change": change.pk,
            "blocks": blocks,
            "systems": [s.code for s in systems],
            "due_at": due_at.isoformat(),
            "superseded": superseded,
        },
    )
    return change


def _locked_task(task: ConfirmationTask | int) -> ConfirmationTask:
    pk = task.pk if isinstance(task, ConfirmationTask) else task
    return (
        ConfirmationTask.objects.select_for_update(of=("self",))
        .select_related("change", "change__measure", "change__measure__owning_ward", "system")
        .get(pk=pk)
    )


def _close_older(task: ConfirmationTask, at: datetime.datetime) -> int:
    """The system confirmed `task`'s snapshot, the whole state: its earlier tasks for the
    same measure still open or failed (an escalated one) are covered, and their alarm clears."""
    return ConfirmationTask.objects.filter(
        system_id=task.system_id,
        change__measure_id=task.change.measure_id,
        change__pk__lt=task.change_id,
        state__in=(TaskState.OPEN, TaskState.FAILED),
    ).update(state=TaskState.SUPERSEDED, closed_at=at)


def _task_event_data(task: ConfirmationTask, now: datetime.datetime) -> dict[str, object]:
    return {
        "change": task.change_id,
        "task": task.pk,
        "system": task.system.code,
        "late": now > task.due_at,
        "was": task.state,
    }


def confirm_task(
    *, task: ConfirmationTask, acting_user: Staff, note: str = "", confirmed_at: datetime.datetime
) -> ConfirmationTask:
    """Section staff confirm that the system has set (or lifted) the block. Once: a second
    confirmation (another tab, a colleague) is refused with what happened, changing nothing.
    A failed task confirmed later clears its alarm."""
    today = timezone.localdate(confirmed_at)
    with transaction.atomic(durable=True):
        task = _locked_task(task)
        refuse_if(rules.answer_refusal(acting_user, task, today))
        was = task.state
        task.state = TaskState.CONFIRMED
        task.confirmed_at = confirmed_at
        task.confirmed_by = acting_user
        task.confirmed_via = ConfirmsBy.HAND
        task.closed_at = confirmed_at
        if note.strip():
            task.note = note.strip()
        task.save()
        covered = _close_older(task, confirmed_at)
        measure = task.change.measure
        record_event(
            kind=EventKind.PROPAGATION_CONFIRMED,
            actor=acting_user,
            occurred_at=confirmed_at,
            ward=measure.owning_ward,
            measure=measure,
            decision=ConfirmsBy.HAND,
            data=_task_event_data(task, confirmed_at) | {"was": was, "covered": covered},
        )
    return task


def confirm_by_api(
    *, change: BlockChange | int, client: ApiClient, confirmed_at: datetime.datetime
) -> ConfirmationTask:
    """The change feed's confirm endpoint: the client's own system confirms `change`.
    Refused (NotPermitted) when the client confirms for no active system or the change has no
    task for it; InvalidTransition when already confirmed or superseded (nothing changes)."""
    change_id = change.pk if isinstance(change, BlockChange) else change
    with transaction.atomic(durable=True):
        system = LinkedSystem.objects.filter(
            api_client=client, is_active=True, confirms_by=ConfirmsBy.API
        ).first()
        if system is None or not client.is_active:
            raise NotPermitted(_("This API client confirms for no linked system."))
        found = ConfirmationTask.objects.filter(change_id=change_id, system=system).first()
        if found is None:
            raise NotPermitted(_("No such change for this system."))
        task = _locked_task(found)
        refuse_if(rules.task_state_refusal(task))
        was = task.state
        task.state = TaskState.CONFIRMED
        task.confirmed_at = confirmed_at
        task.confirmed_client = client
        task.confirmed_via = ConfirmsBy.API
        task.closed_at = confirmed_at
        task.save()
        covered = _close_older(task, confirmed_at)
        measure = task.change.measure
        record_event(
            kind=EventKind.PROPAGATION_CONFIRMED,
            actor=None,
            occurred_at=confirmed_at,
            ward=measure.owning_ward,
            measure=measure,
            decision=ConfirmsBy.API,
            data=_task_event_data(task, confirmed_at)
            | {"was": was, "client": client.pk, "covered": covered},
        )
    return task


def _who_is_told(measure: SupportMeasure) -> list[Staff]:
    """The owning ward's 支援措置責任者 (its supervisors when none is appointed: nobody
    told is not an option) and the auditors."""
    from supportmeasures.selectors import responsible_officers, staff_with_roles

    officers = responsible_officers([measure.owning_ward_id]) or staff_with_roles(
        Role.SUPERVISOR, wards=[measure.owning_ward_id]
    )
    seen: dict[int, Staff] = {s.pk: s for s in officers}
    for auditor in staff_with_roles(Role.AUDITOR):
        seen.setdefault(auditor.pk, auditor)
    return list(seen.values())


def _tell_escalation(
    measure: SupportMeasure, systems: list[LinkedSystem], *, failed: bool, now: datetime.datetime
) -> None:
    names = "、".join(s.name for s in systems)
    if failed:
        subject = _("Block not set: %(systems)s for measure %(ref)s") % {
            "systems": names,
            "ref": measure.ref,
        }
        body = _(
            "The section responsible reported that the block of support measure %(ref)s could "
            "not be set in: %(systems)s. Until it is, that system may disclose the protected "
            "resident's address. Contact the section and see the measure's page."
        ) % {"ref": measure.ref, "systems": names}
    else:
        subject = _("Not confirmed in time: %(systems)s for measure %(ref)s") % {
            "systems": names,
            "ref": measure.ref,
        }
        body = _(
            "These linked systems have not confirmed the block of support measure %(ref)s by "
            "its deadline: %(systems)s. Until they do, they may disclose the protected "
            "resident's address. Contact the sections and see the measure's page."
        ) % {"ref": measure.ref, "systems": names}
    signals.tell(
        _who_is_told(measure),
        subject=subject,
        body=body,
        url=measure.get_absolute_url(),
        critical=True,
        now=now,
    )


def report_task_failed(
    *, task: ConfirmationTask, acting_user: Staff, reason: str, failed_at: datetime.datetime
) -> ConfirmationTask:
    """Section staff report that the block could not be set. It escalates at once (the
    支援措置責任者 and the auditors are told); a later confirmation still closes it."""
    today = timezone.localdate(failed_at)
    if not reason.strip():
        raise ActionRefused(_("Say why the block could not be set."))
    with transaction.atomic(durable=True):
        task = _locked_task(task)
        refuse_if(rules.fail_refusal(acting_user, task, today))
        task.state = TaskState.FAILED
        task.failed_at = failed_at
        task.failed_by = acting_user
        task.note = reason.strip()
        task.escalated_at = task.escalated_at or failed_at
        task.save()
        measure = task.change.measure
        record_event(
            kind=EventKind.PROPAGATION_FAILED,
            actor=acting_user,
            occurred_at=failed_at,
            ward=measure.owning_ward,
            measure=measure,
            decision="failed",
            reason=reason.strip(),
            data=_task_event_data(task, failed_at),
        )
        _tell_escalation(measure, [task.system], failed=True, now=failed_at)
    return task


def escalate_overdue_tasks(*, now: datetime.datetime) -> int:
    """Open tasks past their deadline escalate, once each: `escalated_at` set, one
    `propagation.overdue` event and one critical notice per change (its overdue systems).
    Idempotent (row locks, `escalated_at`). Returns how many tasks escalated."""
    overdue = ConfirmationTask.objects.filter(
        state=TaskState.OPEN, escalated_at__isnull=True, due_at__lt=now
    )
    by_change: dict[int, list[int]] = defaultdict(list)
    for change_id, pk in overdue.order_by("change_id", "pk").values_list("change_id", "pk"):
        by_change[change_id].append(pk)
    escalated = 0
    for change_id, pks in by_change.items():
        with transaction.atomic(durable=True):
            tasks = list(
                ConfirmationTask.objects.select_for_update(of=("self",))
                .filter(pk__in=pks, state=TaskState.OPEN, escalated_at__isnull=True, due_at__lt=now)
                .select_related("system")
                .order_by("system__order", "pk")
            )
            if not tasks:
                continue
            ConfirmationTask.objects.filter(pk__in=[t.pk for t in tasks]).update(escalated_at=now)
            change = BlockChange.objects.select_related("measure", "measure__owning_ward").get(
                pk=change_id
            )
            measure = change.measure
            record_event(
                kind=EventKind.PROPAGATION_OVERDUE,
                actor=None,
                occurred_at=now,
                ward=measure.owning_ward,
                measure=measure,
                decision="overdue",
                data={
                    "change": change_id,
                    "systems": [t.system.code for t in tasks],
                    "due_at": min(t.due_at for t in tasks).isoformat(),
                },
            )
            _tell_escalation(measure, [t.system for t in tasks], failed=False, now=now)
            escalated += len(tasks)
    return escalated


def set_section_staff(
    *,
    acting_user: Staff,
    system: LinkedSystem,
    staff: Iterable[Staff],
    changed_at: datetime.datetime,
) -> tuple[int, int]:
    """Make exactly `staff` the system's section staff (the admin's field), each grant and
    withdrawal an `admin.changed` event. Returns (granted, withdrawn)."""
    from supportmeasures import permissions

    if not permissions.may_manage_accounts(acting_user):
        raise NotPermitted(_("Only administrators change staff and wards."))
    wanted = {s.pk: s for s in staff}
    for member in wanted.values():
        refuse_if(rules.section_grant_refusal(member))
    current = {
        s.pk: s
        for s in Staff.objects.filter(
            linkedsystemuserobjectpermission__content_object=system,
            linkedsystemuserobjectpermission__permission__codename="confirm_for_system",
        )
    }
    granted = withdrawn = 0
    with transaction.atomic():
        for pk, member in wanted.items():
            if pk not in current:
                assign_perm("supportmeasures.confirm_for_system", member, system)
                granted += 1
                _record_section_change(acting_user, system, member, "granted", changed_at)
        for pk, member in current.items():
            if pk not in wanted:
                remove_perm("supportmeasures.confirm_for_system", member, system)
                withdrawn += 1
                _record_section_change(acting_user, system, member, "revoked", changed_at)
    return granted, withdrawn


def _record_section_change(
    acting_user: Staff, system: LinkedSystem, member: Staff, decision: str, at: datetime.datetime
) -> None:
    from supportmeasures import permissions

    permissions.forget_grants(member)
    record_event(
        kind=EventKind.ADMIN_CHANGED,
        actor=acting_user,
        occurred_at=at,
        decision=decision,
        data={
            "model": LinkedSystem._meta.label_lower,
            "object_id": system.pk,
            "object": str(system)[:100],
            "fields": ["section_staff"],
            "staff_id": member.pk,
        },
    )


def grant_section_staff(
    *, acting_user: Staff | None, staff: Staff, system: LinkedSystem, granted_at: datetime.datetime
) -> None:
    """One member made section staff of one system (seed data, tests, the admin through
    `set_section_staff`). Recorded."""
    refuse_if(rules.section_grant_refusal(staff))
    with transaction.atomic(durable=True):
        assign_perm("supportmeasures.confirm_for_system", staff, system)
        _record_section_change(acting_user, system, staff, "granted", granted_at)  # type: ignore[arg-type]

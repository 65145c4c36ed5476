"""A measure's life: decided, corrected, extended, ended, lapsed and released; reminders
before the end."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from auditlog.actions import record_event
from auditlog.models import EventKind
from supportmeasures import permissions, wareki
from supportmeasures.actions.common import locked_measure, refuse_if
from supportmeasures.models import (
    BlockChangeKind,
    DecisionKind,
    EndReason,
    MeasureDecision,
    MeasureStatus,
    PartyRole,
    Person,
    Role,
    Staff,
    SupportMeasure,
)
from supportmeasures.propagation.actions import record_block_change
from supportmeasures.refusals import (
    ActionRefused,
)

# A further rule asked on the locked measure inside the act's transaction (a bulk run's
# re-check, supportmeasures/bulk.py): why not, or None.
Recheck = Callable[[SupportMeasure, datetime.date], ActionRefused | None]


# The decisions the linked systems must apply (supportmeasures/propagation).
BLOCK_CHANGES = {
    DecisionKind.APPROVED: BlockChangeKind.APPROVED,
    DecisionKind.REFUSED: BlockChangeKind.REFUSED,
    DecisionKind.PERIOD_CORRECTED: BlockChangeKind.PERIOD_CORRECTED,
    DecisionKind.EXTENDED: BlockChangeKind.EXTENDED,
    DecisionKind.ENDED: BlockChangeKind.ENDED,
    DecisionKind.RELEASED: BlockChangeKind.RELEASED,
}


def _protected_person(measure: SupportMeasure) -> Person | None:
    party = measure.parties.filter(role=PartyRole.PROTECTED).select_related("person").first()
    return party.person if party else None


def record_decision(
    measure: SupportMeasure,
    *,
    kind: DecisionKind,
    event: EventKind,
    acting_user: Staff | None,
    at: datetime.datetime,
    decision: str,
    reason: str = "",
    history_reason: str | None = None,
    data: dict[str, object] | None = None,
    with_period: bool = False,
) -> None:
    """One decision, written twice on purpose: as the measure's history (shown on its page)
    and as the audit event (the tamper-evident record), in the caller's transaction. A
    decision that changes what must be blocked is also a block change for the linked
    systems (`BLOCK_CHANGES`; a lapse still protects and changes nothing for them)."""
    MeasureDecision.objects.create(
        measure=measure,
        kind=kind,
        decided_by=acting_user,
        decided_at=at,
        starts_on=measure.starts_on if with_period else None,
        ends_on=measure.ends_on if with_period else None,
        reason=reason if history_reason is None else history_reason,
    )
    if kind in BLOCK_CHANGES:
        record_block_change(
            measure=measure, kind=BLOCK_CHANGES[kind], acting_user=acting_user, at=at
        )
    record_event(
        kind=event,
        actor=acting_user,
        occurred_at=at,
        ward=measure.owning_ward,
        person=_protected_person(measure),
        measure=measure,
        decision=decision,
        reason=reason,
        data=data,
    )


def _close(
    measure: SupportMeasure, end_reason: str, acting_user: Staff, at: datetime.datetime
) -> None:
    measure.status = MeasureStatus.ENDED
    measure.end_reason = end_reason
    measure.ended_at = at
    measure.ended_by = acting_user
    measure.save()


def decide_measure(
    *,
    measure: SupportMeasure,
    acting_user: Staff,
    approve: bool,
    starts_on: datetime.date | None,
    ends_on: datetime.date | None = None,
    reason: str = "",
    decided_at: datetime.datetime,
) -> SupportMeasure:
    """Decide an application: a supervisor of the owning ward who did not register it."""
    today = timezone.localdate(decided_at)
    with transaction.atomic(durable=True):
        measure = locked_measure(measure)
        refuse_if(permissions.decide_refusal(acting_user, measure, today))
        measure.decided_by = acting_user
        measure.decided_at = decided_at
        if approve:
            if starts_on is None:
                raise ActionRefused(_("Enter the date the measure starts."))
            computed_end = wareki.measure_end_for(starts_on)
            if ends_on and ends_on != computed_end and not reason.strip():
                raise ActionRefused(_("Give a reason for an end date other than one year."))
            measure.starts_on = starts_on
            measure.ends_on = ends_on or computed_end
            if measure.ends_on < starts_on:
                raise ActionRefused(_("The end date cannot be before the start date."))
            measure.status = MeasureStatus.ACTIVE
            decision, event = DecisionKind.APPROVED, EventKind.MEASURE_APPROVED
        else:
            if not reason.strip():
                raise ActionRefused(_("Give the reason the application is refused."))
            decision, event = DecisionKind.REFUSED, EventKind.MEASURE_REFUSED
        if approve:
            measure.save()
        else:
            _close(measure, EndReason.REFUSED, acting_user, decided_at)
        record_decision(
            measure,
            kind=decision,
            event=event,
            acting_user=acting_user,
            at=decided_at,
            decision="approved" if approve else "refused",
            reason=reason,
            with_period=True,
            data={"starts_on": str(measure.starts_on), "ends_on": str(measure.ends_on)},
        )
    return measure


def correct_period(
    *,
    measure: SupportMeasure,
    acting_user: Staff,
    ends_on: datetime.date,
    reason: str,
    decided_at: datetime.datetime,
) -> SupportMeasure:
    today = timezone.localdate(decided_at)
    with transaction.atomic(durable=True):
        measure = locked_measure(measure)
        refuse_if(permissions.correct_period_refusal(acting_user, measure, today))
        if not reason.strip():
            raise ActionRefused(_("Give the reason for correcting the period."))
        assert measure.starts_on is not None
        if ends_on < measure.starts_on:
            raise ActionRefused(_("The end date cannot be before the start date."))
        previous = measure.ends_on
        measure.ends_on = ends_on
        if measure.status == MeasureStatus.LAPSED and ends_on >= today:
            measure.status = MeasureStatus.ACTIVE
        measure.save()
        record_decision(
            measure,
            kind=DecisionKind.PERIOD_CORRECTED,
            event=EventKind.MEASURE_PERIOD_CORRECTED,
            acting_user=acting_user,
            at=decided_at,
            decision="corrected",
            reason=reason,
            with_period=True,
            data={"previous_ends_on": str(previous), "ends_on": str(ends_on)},
        )
    return measure


def extend_measure(
    *,
    measure: SupportMeasure,
    acting_user: Staff,
    reason: str = "",
    decided_at: datetime.datetime,
) -> SupportMeasure:
    """Extend by one year from the day after the old end; open from one month before it."""
    today = timezone.localdate(decided_at)
    with transaction.atomic(durable=True):
        measure = locked_measure(measure)
        refuse_if(permissions.extension_refusal(acting_user, measure, today))
        measure.starts_on, measure.ends_on = permissions.extension_period(measure)
        measure.status = MeasureStatus.ACTIVE
        measure.save()
        record_decision(
            measure,
            kind=DecisionKind.EXTENDED,
            event=EventKind.MEASURE_EXTENDED,
            acting_user=acting_user,
            at=decided_at,
            decision="extended",
            reason=reason,
            with_period=True,
            data={"starts_on": str(measure.starts_on), "ends_on": str(measure.ends_on)},
        )
    return measure


def end_measure(
    *,
    measure: SupportMeasure,
    acting_user: Staff,
    end_reason: str,
    reason: str,
    decided_at: datetime.datetime,
    recheck: Recheck | None = None,
) -> SupportMeasure:
    """End a measure at the person's request or by decision, saying who and why. `recheck`
    (a bulk run's own rule) is asked on the locked row after the measure's rule."""
    today = timezone.localdate(decided_at)
    if end_reason not in (EndReason.REQUESTED, EndReason.DECIDED):
        raise ActionRefused(_("Choose why the measure ends."))
    with transaction.atomic(durable=True):
        measure = locked_measure(measure)
        refuse_if(permissions.end_refusal(acting_user, measure, today))
        if recheck is not None:
            refuse_if(recheck(measure, today))
        if not reason.strip():
            raise ActionRefused(_("Give the reason the measure ends."))
        _close(measure, end_reason, acting_user, decided_at)
        record_decision(
            measure,
            kind=DecisionKind.ENDED,
            event=EventKind.MEASURE_ENDED,
            acting_user=acting_user,
            at=decided_at,
            decision=end_reason,
            reason=reason,
        )
    return measure


def release_lapsed_measure(
    *,
    measure: SupportMeasure,
    acting_user: Staff,
    reason: str,
    decided_at: datetime.datetime,
    recheck: Recheck | None = None,
) -> SupportMeasure:
    """Record that a lapsed measure no longer protects. Until then it warns everywhere.
    `recheck` as for `end_measure`."""
    today = timezone.localdate(decided_at)
    with transaction.atomic(durable=True):
        measure = locked_measure(measure)
        refuse_if(permissions.release_refusal(acting_user, measure, today))
        if recheck is not None:
            refuse_if(recheck(measure, today))
        if not reason.strip():
            raise ActionRefused(_("Give the reason the lapsed measure is released."))
        _close(measure, EndReason.RELEASED, acting_user, decided_at)
        record_decision(
            measure,
            kind=DecisionKind.RELEASED,
            event=EventKind.MEASURE_RELEASED,
            acting_user=acting_user,
            at=decided_at,
            decision="released",
            reason=reason,
        )
    return measure


def lapse_overdue_measures(*, now: datetime.datetime) -> list[str]:
    """Mark active measures past their end as lapsed (still protecting). Idempotent."""
    today = timezone.localdate(now)
    lapsed: list[str] = []
    for pk in SupportMeasure.objects.overdue(today).values_list("pk", flat=True):
        with transaction.atomic(durable=True):
            measure = (
                SupportMeasure.objects.select_for_update().select_related("owning_ward").get(pk=pk)
            )
            if measure.effective_status(today) != MeasureStatus.LAPSED or (
                measure.status == MeasureStatus.LAPSED
            ):
                continue
            measure.status = MeasureStatus.LAPSED
            measure.save(update_fields=["status"])
            record_decision(
                measure,
                kind=DecisionKind.LAPSED,
                event=EventKind.MEASURE_LAPSED,
                acting_user=None,
                at=now,
                decision="lapsed",
                with_period=True,
                data={"ends_on": str(measure.ends_on)},
            )
            lapsed.append(measure.ref)
    return lapsed


def _claim_reminder(
    measure_pk: int, kind: str, now: datetime.datetime, still_due: Callable[..., bool]
) -> SupportMeasure | None:
    """Lock the measure and record its reminder; None if it is no longer due or was sent.
    Call inside the transaction that also writes the notices."""
    from supportmeasures.models import MeasureReminder

    measure = (
        SupportMeasure.objects.select_for_update().select_related("owning_ward").get(pk=measure_pk)
    )
    if measure.ends_on is None or not still_due(measure):
        return None
    # The measure's row lock serialises this; the unique constraint backs it up.
    if MeasureReminder.objects.filter(measure=measure, kind=kind, ends_on=measure.ends_on).exists():
        return None
    MeasureReminder.objects.create(measure=measure, kind=kind, ends_on=measure.ends_on, sent_at=now)
    return measure


def _unreminded(measures: list[int], kind: str) -> list[int]:
    from django.db.models import OuterRef

    from supportmeasures.models import MeasureReminder

    return list(
        SupportMeasure.objects.filter(pk__in=measures)
        .exclude(
            pk__in=MeasureReminder.objects.filter(
                kind=kind, measure=OuterRef("pk"), ends_on=OuterRef("ends_on")
            ).values("measure")
        )
        .order_by("ends_on", "pk")
        .values_list("pk", flat=True)
    )


def send_end_reminders(*, now: datetime.datetime) -> int:
    """Measures that end within a month: tell the owning ward's clerks and supervisors once
    per measure and end date, with a link to the printable notice to the protected resident
    (支援措置期間終了のお知らせ). Returns how many reminders were sent. Idempotent: the
    reminder (`MeasureReminder`) and its notices are written in one transaction."""
    from django.urls import reverse

    from supportmeasures import signals
    from supportmeasures.models import ReminderKind
    from supportmeasures.selectors import staff_with_roles

    today = timezone.localdate(now)
    # The same rule as the ward's work queue: the measures whose extension has opened.
    due = [m.pk for m in SupportMeasure.objects.extension_open(today)]
    sent = 0
    for pk in _unreminded(due, ReminderKind.ENDING_SOON):
        with transaction.atomic(durable=True):
            measure = _claim_reminder(
                pk, ReminderKind.ENDING_SOON, now, lambda m: m.extension_is_open(today)
            )
            if measure is None:
                continue
            opens = measure.extension_opens_on()
            assert measure.ends_on is not None and opens is not None
            signals.tell(
                staff_with_roles(Role.CLERK, Role.SUPERVISOR, wards=[measure.owning_ward_id]),
                subject=_("Measure %(ref)s ends on %(date)s: send the notice")
                % {"ref": measure.ref, "date": wareki.format_both(measure.ends_on)},
                body=_(
                    "Support measure %(ref)s ends on %(date)s. Extension can be applied for "
                    "from %(opens)s. Print the notice to the protected resident (支援措置期間"
                    "終了のお知らせ) from the link; opening it is recorded like opening the "
                    "details.\n\nThe measure: %(measure_url)s"
                )
                % {
                    "ref": measure.ref,
                    "date": wareki.format_both(measure.ends_on),
                    "opens": wareki.format_both(opens),
                    "measure_url": measure.get_absolute_url(),
                },
                url=reverse("supportmeasures:ending_notice", kwargs={"ref": measure.ref}),
                critical=False,
                now=now,
            )
            sent += 1
    return sent


def lapse_and_ask_supervisors(*, now: datetime.datetime) -> tuple[list[str], int]:
    """Active measures past their end become lapsed (they keep warning), and the supervisors
    of each lapsed measure's owning ward get a critical to-do, once per measure and end date:
    extend, correct the period, or release. Returns the refs lapsed now and the to-dos sent."""
    from supportmeasures import signals
    from supportmeasures.models import ReminderKind
    from supportmeasures.selectors import staff_with_roles

    lapsed = lapse_overdue_measures(now=now)
    lapsed_pks = list(
        SupportMeasure.objects.filter(status=MeasureStatus.LAPSED).values_list("pk", flat=True)
    )
    todos = 0
    for pk in _unreminded(lapsed_pks, ReminderKind.LAPSED):
        with transaction.atomic(durable=True):
            measure = _claim_reminder(
                pk, ReminderKind.LAPSED, now, lambda m: m.status == MeasureStatus.LAPSED
            )
            if measure is None:
                continue
            assert measure.ends_on is not None
            signals.tell(
                staff_with_roles(Role.SUPERVISOR, wards=[measure.owning_ward_id]),
                subject=_("To decide: measure %(ref)s lapsed on %(date)s")
                % {"ref": measure.ref, "date": wareki.format_both(measure.ends_on)},
                body=_(
                    "Support measure %(ref)s passed its end (%(date)s) without extension. It "
                    "still protects and warns everywhere until a supervisor decides: extend "
                    "it, correct the period, or release it."
                )
                % {"ref": measure.ref, "date": wareki.format_both(measure.ends_on)},
                url=measure.get_absolute_url(),
                critical=True,
                now=now,
            )
            todos += 1
    return lapsed, todos

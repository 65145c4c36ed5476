"""Reads of forwardings, with the rules applied: only the owning ward's case staff see them
(`forwarding_permissions.may_see_forwardings`); anyone else gets nothing, or a 404."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.http import Http404
from django.utils import timezone

from supportmeasures.models import Staff, SupportMeasure
from supportmeasures.propagation import forwarding_permissions as rules
from supportmeasures.propagation.forwarding_models import Forwarding, ForwardReceipt, MoveOut


@dataclass(frozen=True)
class ForwardingRow:
    forwarding: Forwarding
    overdue: bool
    can_reply: bool


@dataclass(frozen=True)
class ForwardingSummary:
    """The measure page's forwarding section."""

    can: rules.ForwardingActions
    rows: list[ForwardingRow]
    receipt: ForwardReceipt | None
    move_out: MoveOut | None

    @property
    def overdue(self) -> list[ForwardingRow]:
        return [row for row in self.rows if row.overdue]


def forwarding_of(
    *, user: Staff, measure: SupportMeasure, now: datetime.datetime
) -> ForwardingSummary | None:
    """The forwardings of a measure the user may see (None: the section is not shown)."""
    if not rules.may_see_forwardings(user, measure):
        return None
    today = timezone.localdate(now)
    forwardings = list(
        Forwarding.objects.filter(measure=measure)
        .select_related("recorded_by", "reply_recorded_by")
        .order_by("forwarded_on", "pk")
    )
    for forwarding in forwardings:
        forwarding.measure = measure  # the rule reads its ward; no query per row
    return ForwardingSummary(
        can=rules.forwarding_actions(user, measure, today),
        rows=[
            ForwardingRow(
                forwarding=f,
                overdue=f.replied_on is None and f.due_at < now,
                can_reply=rules.reply_refusal(user, f, today) is None,
            )
            for f in forwardings
        ],
        receipt=ForwardReceipt.objects.filter(measure=measure).first(),
        move_out=MoveOut.objects.filter(measure=measure).first(),
    )


def forwarding_for_user(*, user: Staff, measure: SupportMeasure, pk: int) -> Forwarding:
    """One forwarding of `measure` the user may see, or a 404 (another measure's, or not in
    the user's scope: the same answer)."""
    if not rules.may_see_forwardings(user, measure):
        raise Http404
    try:
        forwarding = Forwarding.objects.get(measure=measure, pk=pk)
    except Forwarding.DoesNotExist as exc:
        raise Http404 from exc
    forwarding.measure = measure
    return forwarding


def overdue_forwardings(*, user: Staff, now: datetime.datetime) -> list[Forwarding]:
    """The home page: forwardings of the user's wards' measures whose reply is past its
    deadline, oldest first (the owning ward's case staff only, as on the measure page)."""
    from supportmeasures import permissions

    if not permissions.works_on_cases(user):
        return []
    return list(
        Forwarding.objects.filter(
            measure__owning_ward_id__in=permissions.ward_ids(user),
            replied_on__isnull=True,
            due_at__lt=now,
        )
        .select_related("measure")
        .order_by("due_at", "pk")
    )

"""Forwarding between municipalities (転送), forwarded applications received (転送受付) and
moves out of the city (issue 12). Actions: keyword-only, the acting user and the time passed
in, one durable transaction each with its audit event (docs/architecture.md).

The audit events name the forwarding by id and its relation, never the municipality: the
municipality a protected resident moved to is where they live.
"""

from __future__ import annotations

import datetime
import re

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from auditlog.actions import record_event
from auditlog.models import EventKind
from supportmeasures import signals
from supportmeasures.actions.applications import _next_ref, add_parties
from supportmeasures.actions.common import PartyData, PersonData, locked_measure, refuse_if
from supportmeasures.models import (
    BlockChangeKind,
    DecisionKind,
    MeasureDecision,
    MeasureParty,
    MeasureSource,
    MeasureStatus,
    PartyRole,
    Role,
    Staff,
    SupportMeasure,
    Ward,
)
from supportmeasures.propagation import forwarding_permissions as rules
from supportmeasures.propagation.actions import record_block_change
from supportmeasures.propagation.deadlines import next_business_day_end
from supportmeasures.propagation.forwarding_models import (
    Forwarding,
    ForwardingRelation,
    ForwardReceipt,
    MoveOut,
)
from supportmeasures.refusals import ActionRefused
from supportmeasures.signals import announce_registry_changed

# The receiving side answers by post or by phone: a week of business days.
REPLY_BUSINESS_DAYS = 5
_CODE = re.compile(r"[0-9]{5,6}")


def _municipality(name: str, code: str) -> tuple[str, str]:
    name, code = name.strip(), code.strip()
    if not name:
        raise ActionRefused(_("Enter the municipality's name."))
    if len(name) > 100:
        raise ActionRefused(_("The municipality's name is too long (100 characters at most)."))
    if not _CODE.fullmatch(code):
        raise ActionRefused(_("Enter the local government code: 5 or 6 digits (e.g. 131016)."))
    return name, code


def _not_in_future(day: datetime.date, today: datetime.date, what: str) -> None:
    if day > today:
        raise ActionRefused(_("%(what)s cannot be in the future.") % {"what": what})


def _protected_person_id(measure: SupportMeasure) -> MeasureParty | None:
    return measure.parties.filter(role=PartyRole.PROTECTED).select_related("person").first()


def _create_forwarding(
    measure: SupportMeasure,
    *,
    acting_user: Staff,
    relation: str,
    name: str,
    code: str,
    forwarded_on: datetime.date,
    at: datetime.datetime,
) -> Forwarding:
    """The forwarding and its event, in the caller's transaction (the measure locked)."""
    if Forwarding.objects.filter(
        measure=measure, relation=relation, municipality_code=code
    ).exists():
        raise ActionRefused(
            _("This measure was already forwarded to that municipality as %(relation)s.")
            % {"relation": ForwardingRelation(relation).label}
        )
    forwarding = Forwarding.objects.create(
        measure=measure,
        relation=relation,
        municipality_name=name,
        municipality_code=code,
        forwarded_on=forwarded_on,
        due_at=next_business_day_end(at, REPLY_BUSINESS_DAYS),
        recorded_by=acting_user,
        recorded_at=at,
    )
    protected = _protected_person_id(measure)
    record_event(
        kind=EventKind.MEASURE_FORWARDED,
        actor=acting_user,
        occurred_at=at,
        ward=measure.owning_ward,
        person=protected.person if protected else None,
        measure=measure,
        decision=relation,
        data={
            "forwarding": forwarding.pk,
            "relation": relation,
            "forwarded_on": forwarded_on.isoformat(),
            "due_at": forwarding.due_at.isoformat(),
        },
    )
    return forwarding


def forward_measure(
    *,
    measure: SupportMeasure,
    acting_user: Staff,
    relation: str,
    municipality_name: str,
    municipality_code: str,
    forwarded_on: datetime.date,
    recorded_at: datetime.datetime,
) -> Forwarding:
    """Record that the application was forwarded to a municipality (本籍地, 前住所地, 転出先):
    a task until the receiving side's reply is recorded."""
    today = timezone.localdate(recorded_at)
    if relation not in ForwardingRelation.values:
        raise ActionRefused(_("Choose what the municipality is to the resident."))
    name, code = _municipality(municipality_name, municipality_code)
    _not_in_future(forwarded_on, today, _("The date forwarded"))
    try:
        with transaction.atomic(durable=True):
            measure = locked_measure(measure)
            refuse_if(rules.forward_refusal(acting_user, measure, today))
            if forwarded_on < measure.applied_on:
                raise ActionRefused(_("The date forwarded cannot be before the application."))
            return _create_forwarding(
                measure,
                acting_user=acting_user,
                relation=relation,
                name=name,
                code=code,
                forwarded_on=forwarded_on,
                at=recorded_at,
            )
    except IntegrityError as exc:  # the same forwarding recorded from two tabs at once
        raise ActionRefused(
            _("This measure was already forwarded to that municipality. Nothing was changed.")
        ) from exc


def record_forward_reply(
    *,
    forwarding: Forwarding,
    acting_user: Staff,
    replied_on: datetime.date,
    note: str,
    recorded_at: datetime.datetime,
) -> Forwarding:
    """The receiving side replied that it applied the forwarded measure: the task is done
    (an escalated one's alarm clears)."""
    today = timezone.localdate(recorded_at)
    _not_in_future(replied_on, today, _("The date of the reply"))
    if len(note) > 500:
        raise ActionRefused(_("The reply is too long (500 characters at most)."))
    with transaction.atomic(durable=True):
        forwarding = (
            Forwarding.objects.select_for_update(of=("self",))
            .select_related("measure", "measure__owning_ward")
            .get(pk=forwarding.pk)
        )
        refuse_if(rules.reply_refusal(acting_user, forwarding, today))
        if replied_on < forwarding.forwarded_on:
            raise ActionRefused(_("The reply cannot be dated before the forwarding."))
        forwarding.replied_on = replied_on
        forwarding.reply_note = note.strip()
        forwarding.reply_recorded_by = acting_user
        forwarding.reply_recorded_at = recorded_at
        forwarding.save()
        measure = forwarding.measure
        protected = _protected_person_id(measure)
        record_event(
            kind=EventKind.FORWARD_REPLIED,
            actor=acting_user,
            occurred_at=recorded_at,
            ward=measure.owning_ward,
            person=protected.person if protected else None,
            measure=measure,
            decision="replied",
            data={
                "forwarding": forwarding.pk,
                "relation": forwarding.relation,
                "replied_on": replied_on.isoformat(),
                "late": recorded_at > forwarding.due_at,
                "was_escalated": forwarding.escalated_at is not None,
            },
        )
    return forwarding


def receive_forwarded_application(
    *,
    acting_user: Staff,
    ward: Ward,
    origin_name: str,
    origin_code: str,
    origin_forwarded_on: datetime.date,
    received_on: datetime.date,
    need_confirmed: bool,
    applicant_notified_on: datetime.date | None,
    starts_on: datetime.date | None,
    ends_on: datetime.date | None,
    kind: str,
    basis_kind: str,
    basis_body: str,
    restricts_inspection: bool,
    restricts_resident_copies: bool,
    restricts_koseki_attachment: bool,
    protected: PersonData,
    joint: list[PartyData],
    counterparties: list[PartyData],
    recorded_at: datetime.datetime,
) -> SupportMeasure:
    """Register an application forwarded by another municipality (転送受付). It is in force at
    once, without re-examination: with the period the origin decided (active), or, when the
    origin had not confirmed the need for support, provisional, with the date the applicant
    was told so (spec 1.1.16). No decision here; the linked systems get a block change."""
    today = timezone.localdate(recorded_at)
    refuse_if(rules.receive_refusal(acting_user, ward))
    name, code = _municipality(origin_name, origin_code)
    _not_in_future(received_on, today, _("The date received"))
    if origin_forwarded_on > received_on:
        raise ActionRefused(_("The application cannot be received before it was forwarded."))
    if not counterparties:
        raise ActionRefused(_("Name at least one counterparty."))
    if not (restricts_inspection or restricts_resident_copies or restricts_koseki_attachment):
        raise ActionRefused(_("Choose at least one document the measure restricts."))
    if need_confirmed:
        if starts_on is None or ends_on is None:
            raise ActionRefused(_("Enter the period the forwarding municipality decided."))
        if ends_on < starts_on:
            raise ActionRefused(_("The end date cannot be before the start date."))
        if applicant_notified_on is not None:
            raise ActionRefused(
                _(
                    "The applicant's notification date is recorded only when the need was "
                    "not confirmed."
                )
            )
        status = MeasureStatus.ACTIVE
    else:
        if applicant_notified_on is None:
            raise ActionRefused(
                _("Enter the date the applicant was told the need was not confirmed.")
            )
        _not_in_future(applicant_notified_on, today, _("The notification date"))
        status = MeasureStatus.PROVISIONAL
        starts_on, ends_on = received_on, None
    with transaction.atomic(durable=True):
        Ward.objects.select_for_update().get(pk=ward.pk)
        measure = SupportMeasure.objects.create(
            ref=_next_ref(ward, received_on),
            kind=kind,
            owning_ward=ward,
            status=status,
            source=MeasureSource.FORWARDED,
            basis_kind=basis_kind,
            basis_body=basis_body,
            basis_opinion_on=None,
            basis_document="",
            restricts_inspection=restricts_inspection,
            restricts_resident_copies=restricts_resident_copies,
            restricts_koseki_attachment=restricts_koseki_attachment,
            applied_on=received_on,
            starts_on=starts_on,
            ends_on=ends_on,
            registered_by=acting_user,
            registered_at=recorded_at,
        )
        people = add_parties(
            measure,
            protected=protected,
            joint=joint,
            counterparties=counterparties,
            ward=ward,
            now=recorded_at,
        )
        protected_person = people[0]
        seen = {p.pk for p in people}
        ForwardReceipt.objects.create(
            measure=measure,
            origin_name=name,
            origin_code=code,
            origin_forwarded_on=origin_forwarded_on,
            received_on=received_on,
            need_confirmed=need_confirmed,
            applicant_notified_on=applicant_notified_on,
            recorded_by=acting_user,
            recorded_at=recorded_at,
        )
        MeasureDecision.objects.create(
            measure=measure,
            kind=DecisionKind.REGISTERED,
            decided_by=acting_user,
            decided_at=recorded_at,
            starts_on=starts_on,
            ends_on=ends_on,
            reason=_("Forwarded application received (転送受付) from %(origin)s")
            % {"origin": name},
        )
        record_block_change(
            measure=measure,
            kind=BlockChangeKind.FORWARD_RECEIVED,
            acting_user=acting_user,
            at=recorded_at,
            effective_from=received_on,
        )
        announce_registry_changed()
        record_event(
            kind=EventKind.FORWARD_RECEIVED,
            actor=acting_user,
            occurred_at=recorded_at,
            ward=ward,
            person=protected_person,
            measure=measure,
            decision=status,
            data={
                "parties": sorted(seen),
                "kind": kind,
                "need_confirmed": need_confirmed,
                "starts_on": str(starts_on),
                "ends_on": str(ends_on),
                "received_on": received_on.isoformat(),
                "applicant_notified_on": str(applicant_notified_on or ""),
            },
        )
    return measure


def record_move_out(
    *,
    measure: SupportMeasure,
    acting_user: Staff,
    moved_out_on: datetime.date,
    municipality_name: str,
    municipality_code: str,
    recorded_at: datetime.datetime,
) -> MoveOut:
    """The protected resident moved out of the city: the measure does not end; it continues
    as the former address's protection (前住所地), provisional (spec 3.4), and is forwarded
    to the new municipality (a task until its reply is recorded). A block change tells the
    linked systems."""
    today = timezone.localdate(recorded_at)
    name, code = _municipality(municipality_name, municipality_code)
    _not_in_future(moved_out_on, today, _("The date moved out"))
    with transaction.atomic(durable=True):
        measure = locked_measure(measure)
        refuse_if(rules.move_out_refusal(acting_user, measure, today))
        previous = measure.status
        measure.status = MeasureStatus.PROVISIONAL
        measure.save(update_fields=["status"])
        forwarding = _create_forwarding(
            measure,
            acting_user=acting_user,
            relation=ForwardingRelation.DESTINATION,
            name=name,
            code=code,
            forwarded_on=today,
            at=recorded_at,
        )
        move = MoveOut.objects.create(
            measure=measure,
            moved_out_on=moved_out_on,
            previous_status=previous,
            forwarding=forwarding,
            recorded_by=acting_user,
            recorded_at=recorded_at,
        )
        record_block_change(
            measure=measure,
            kind=BlockChangeKind.MOVED_OUT,
            acting_user=acting_user,
            at=recorded_at,
            effective_from=moved_out_on,
        )
        protected = _protected_person_id(measure)
        record_event(
            kind=EventKind.MEASURE_MOVED_OUT,
            actor=acting_user,
            occurred_at=recorded_at,
            ward=measure.owning_ward,
            person=protected.person if protected else None,
            measure=measure,
            decision=MeasureStatus.PROVISIONAL,
            data={
                "previous_status": previous,
                "moved_out_on": moved_out_on.isoformat(),
                "forwarding": forwarding.pk,
            },
        )
    return move


def escalate_overdue_forwardings(*, now: datetime.datetime) -> int:
    """Forwardings without a reply past their deadline escalate, once each: `escalated_at`,
    a `propagation.overdue` event and a critical notice to the owning ward's 支援措置責任者
    (its supervisors when none is appointed) and the auditors. Idempotent."""
    from supportmeasures.selectors import responsible_officers, staff_with_roles

    pks = list(
        Forwarding.objects.filter(
            replied_on__isnull=True, escalated_at__isnull=True, due_at__lt=now
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    escalated = 0
    for pk in pks:
        with transaction.atomic(durable=True):
            forwarding = (
                Forwarding.objects.select_for_update(of=("self",))
                .select_related("measure", "measure__owning_ward")
                .filter(pk=pk, replied_on__isnull=True, escalated_at__isnull=True, due_at__lt=now)
                .first()
            )
            if forwarding is None:
                continue
            forwarding.escalated_at = now
            forwarding.save(update_fields=["escalated_at"])
            measure = forwarding.measure
            record_event(
                kind=EventKind.PROPAGATION_OVERDUE,
                actor=None,
                occurred_at=now,
                ward=measure.owning_ward,
                measure=measure,
                decision="forwarding_overdue",
                data={
                    "forwarding": forwarding.pk,
                    "relation": forwarding.relation,
                    "due_at": forwarding.due_at.isoformat(),
                },
            )
            officers = responsible_officers([measure.owning_ward_id]) or staff_with_roles(
                Role.SUPERVISOR, wards=[measure.owning_ward_id]
            )
            auditors = [a for a in staff_with_roles(Role.AUDITOR) if a not in officers]
            subject = _("No reply to a forwarding of measure %(ref)s") % {"ref": measure.ref}
            body = _(
                "Support measure %(ref)s was forwarded (%(relation)s) on %(date)s and no reply "
                "has been recorded by its deadline. Until the receiving municipality applies "
                "it, its records may disclose the protected resident's address. Contact it and "
                "record the reply on the measure's page."
            ) % {
                "ref": measure.ref,
                "relation": ForwardingRelation(forwarding.relation).label,
                "date": forwarding.forwarded_on.isoformat(),
            }
            signals.tell(
                [*officers, *auditors],
                subject=subject,
                body=body,
                url=measure.get_absolute_url(),
                critical=True,
                now=now,
            )
            escalated += 1
    return escalated

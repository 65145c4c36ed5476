"""Every change to the registry that matters: one transaction, its audit event written last."""

from __future__ import annotations

import datetime
import hashlib
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from auditlog.actions import Event, record_event, record_events
from auditlog.models import EventKind
from supportmeasures import names, permissions, screening, selectors, wareki
from supportmeasures.importing import ImportedMeasure, ImportFileError, RowError
from supportmeasures.models import (
    AccessPurpose,
    AliasKind,
    ApiClient,
    BasisKind,
    DecisionKind,
    DetailsAcknowledgement,
    EndReason,
    MeasureDecision,
    MeasureParty,
    MeasureSource,
    MeasureStatus,
    PartyRole,
    Person,
    PersonAlias,
    Role,
    Staff,
    SupportMeasure,
    TrainingRecord,
    Ward,
)
from supportmeasures.refusals import (  # re-exported: callers catch actions.ActionRefused
    AcknowledgementRequired,
    ActionRefused,
    InvalidTransition,
    NotPermitted,
    TrainingLapsed,
)
from supportmeasures.refusals import (
    SameStaffMember as SameStaffMember,
)
from supportmeasures.screening import Query, Screening


@dataclass(frozen=True)
class PersonData:
    name: str
    kana: str = ""
    birth_date: datetime.date | None = None
    sex: str = ""
    address: str = ""
    phone: str = ""
    resident_number: str = ""
    aliases: list[tuple[str, str]] = field(default_factory=list)  # (AliasKind, name)


@dataclass(frozen=True)
class PartyData:
    person: PersonData
    relationship: str = ""
    is_resident: bool = True
    agent_note: str = ""


@dataclass(frozen=True)
class ProtectedDetails:
    address: str
    phone: str
    resident_number: str


def _refuse(refusal: ActionRefused | None) -> None:
    """Raise what a rule of `permissions` refused: the one place each rule is written."""
    if refusal is not None:
        raise refusal


def _person_for(data: PersonData, ward: Ward, now: datetime.datetime) -> Person:
    """The registry's person with this resident number, or a new one.

    A person already named in another ward's measure is not attached from here: that would
    give this ward their address (need to know) and let it rewrite their record. The
    registering ward asks the owning ward instead. Known fields are only filled, never
    overwritten: changing a person's record is not part of an application.
    """
    person = None
    if data.resident_number:
        person = Person.objects.filter(resident_number=data.resident_number).first()
    if person is not None:
        if person.parties.exclude(measure__owning_ward=ward).exists():
            raise NotPermitted(
                _(
                    "Resident number %(number)s is already in another ward's support measure. "
                    "Consult that ward; this application cannot name the person."
                )
                % {"number": data.resident_number}
            )
    else:
        person = Person(
            created_at=now, resident_number=data.resident_number, name=data.name, kana=data.kana
        )
    for field_name in ("birth_date", "sex", "address", "phone"):
        if not getattr(person, field_name) and getattr(data, field_name):
            setattr(person, field_name, getattr(data, field_name))
    person.save()
    for kind, alias in data.aliases:
        if alias.strip():
            PersonAlias.objects.get_or_create(
                person=person, name=alias.strip(), defaults={"kind": kind or AliasKind.ALIAS}
            )
    return person


def _next_ref(ward: Ward, applied_on: datetime.date) -> str:
    """141011-2026-0001: numbered per ward and year. The caller holds the ward's row lock,
    so two registrations cannot take the same number."""
    prefix = f"{ward.code}-{applied_on.year}-"
    count = SupportMeasure.objects.filter(ref__startswith=prefix).count()
    while True:
        count += 1
        ref = f"{prefix}{count:04d}"
        if not SupportMeasure.objects.filter(ref=ref).exists():
            return ref


def register_application(
    *,
    acting_user: Staff,
    ward: Ward,
    kind: str,
    basis_kind: str,
    basis_body: str,
    basis_opinion_on: datetime.date | None,
    basis_document: str,
    applied_on: datetime.date,
    restricts_inspection: bool,
    restricts_resident_copies: bool,
    restricts_koseki_attachment: bool,
    protected: PersonData,
    joint: list[PartyData],
    counterparties: list[PartyData],
    registered_at: datetime.datetime,
) -> SupportMeasure:
    """Register an application. Protection starts at once, provisionally (仮支援措置)."""
    if not permissions.can_register_application(acting_user, ward):
        raise NotPermitted(_("You can register applications only for your own ward."))
    if not counterparties:
        raise ActionRefused(_("Name at least one counterparty."))
    with transaction.atomic(durable=True):
        Ward.objects.select_for_update().get(pk=ward.pk)
        measure = SupportMeasure.objects.create(
            ref=_next_ref(ward, applied_on),
            kind=kind,
            owning_ward=ward,
            status=MeasureStatus.PROVISIONAL,
            basis_kind=basis_kind,
            basis_body=basis_body,
            basis_opinion_on=basis_opinion_on,
            basis_document=basis_document,
            restricts_inspection=restricts_inspection,
            restricts_resident_copies=restricts_resident_copies,
            restricts_koseki_attachment=restricts_koseki_attachment,
            applied_on=applied_on,
            starts_on=applied_on,
            registered_by=acting_user,
            registered_at=registered_at,
        )
        protected_person = _person_for(protected, ward, registered_at)
        MeasureParty.objects.create(
            measure=measure, person=protected_person, role=PartyRole.PROTECTED
        )
        seen = {protected_person.pk}
        for role, parties in ((PartyRole.JOINT, joint), (PartyRole.COUNTERPARTY, counterparties)):
            for party in parties:
                person = _person_for(party.person, ward, registered_at)
                if person.pk in seen:
                    raise ActionRefused(
                        _("%(name)s is named twice in this application.") % {"name": person.name}
                    )
                seen.add(person.pk)
                MeasureParty.objects.create(
                    measure=measure,
                    person=person,
                    role=role,
                    relationship=party.relationship,
                    is_resident=party.is_resident,
                    agent_note=party.agent_note,
                )
        MeasureDecision.objects.create(
            measure=measure,
            kind=DecisionKind.REGISTERED,
            decided_by=acting_user,
            decided_at=registered_at,
            starts_on=applied_on,
        )
        _registry_changed()
        record_event(
            kind=EventKind.APPLICATION_REGISTERED,
            actor=acting_user,
            occurred_at=registered_at,
            ward=ward,
            person=protected_person,
            measure=measure,
            data={"parties": sorted(seen), "kind": kind},
        )
    return measure


def _registry_changed() -> None:
    """After commit, the registry announces the change (`signals.registry_changed`): the
    inquiries app re-screens its open inquiries, since an inquiry sent before the person was
    registered must show the new status at once. Should that fail (Redis down), the hourly
    sweep does it; the registration itself never fails for it."""
    from supportmeasures.signals import announce_registry_changed

    announce_registry_changed()


def _locked(measure: SupportMeasure) -> SupportMeasure:
    return (
        SupportMeasure.objects.select_for_update().select_related("owning_ward").get(pk=measure.pk)
    )


def _protected_person(measure: SupportMeasure) -> Person | None:
    party = measure.parties.filter(role=PartyRole.PROTECTED).select_related("person").first()
    return party.person if party else None


def _record_decision(
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
    and as the audit event (the tamper-evident record), in the caller's transaction."""
    MeasureDecision.objects.create(
        measure=measure,
        kind=kind,
        decided_by=acting_user,
        decided_at=at,
        starts_on=measure.starts_on if with_period else None,
        ends_on=measure.ends_on if with_period else None,
        reason=reason if history_reason is None else history_reason,
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
        measure = _locked(measure)
        _refuse(permissions.decide_refusal(acting_user, measure, today))
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
        _record_decision(
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
        measure = _locked(measure)
        _refuse(permissions.correct_period_refusal(acting_user, measure, today))
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
        _record_decision(
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
        measure = _locked(measure)
        _refuse(permissions.extension_refusal(acting_user, measure, today))
        measure.starts_on, measure.ends_on = permissions.extension_period(measure)
        measure.status = MeasureStatus.ACTIVE
        measure.save()
        _record_decision(
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
) -> SupportMeasure:
    """End a measure at the person's request or by decision, saying who and why."""
    today = timezone.localdate(decided_at)
    if end_reason not in (EndReason.REQUESTED, EndReason.DECIDED):
        raise ActionRefused(_("Choose why the measure ends."))
    with transaction.atomic(durable=True):
        measure = _locked(measure)
        _refuse(permissions.end_refusal(acting_user, measure, today))
        if not reason.strip():
            raise ActionRefused(_("Give the reason the measure ends."))
        _close(measure, end_reason, acting_user, decided_at)
        _record_decision(
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
) -> SupportMeasure:
    """Record that a lapsed measure no longer protects. Until then it warns everywhere."""
    today = timezone.localdate(decided_at)
    with transaction.atomic(durable=True):
        measure = _locked(measure)
        _refuse(permissions.release_refusal(acting_user, measure, today))
        if not reason.strip():
            raise ActionRefused(_("Give the reason the lapsed measure is released."))
        _close(measure, EndReason.RELEASED, acting_user, decided_at)
        _record_decision(
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
            _record_decision(
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


def grant_details_access(
    *,
    measure: SupportMeasure,
    acting_user: Staff,
    grantee: Staff,
    reason: str,
    granted_at: datetime.datetime,
) -> None:
    """The owning ward lets a named person outside it see the details of a measure in force.
    Every refusal comes before anything is written: nothing is half granted."""
    today = timezone.localdate(granted_at)
    with transaction.atomic(durable=True):
        measure = _locked(measure)
        _refuse(permissions.grant_refusal(acting_user, measure, today))
        _refuse(permissions.grantee_refusal(grantee, measure))
        if not reason.strip():
            raise ActionRefused(_("Give the reason access is granted."))
        assign_perm("supportmeasures.view_protected_details", grantee, measure)
        permissions.forget_grants(grantee)
        _record_decision(
            measure,
            kind=DecisionKind.ACCESS_GRANTED,
            event=EventKind.ACCESS_GRANTED,
            acting_user=acting_user,
            at=granted_at,
            decision="granted",
            reason=reason,
            history_reason=f"{grantee.get_username()}: {reason}",
            data={"grantee_id": grantee.pk},
        )


def revoke_details_access(
    *,
    measure: SupportMeasure,
    acting_user: Staff,
    grantee: Staff,
    revoked_at: datetime.datetime,
) -> None:
    today = timezone.localdate(revoked_at)
    with transaction.atomic(durable=True):
        measure = _locked(measure)
        _refuse(permissions.revoke_refusal(acting_user, measure, grantee, today))
        remove_perm("supportmeasures.view_protected_details", grantee, measure)
        permissions.forget_grants(grantee)
        _record_decision(
            measure,
            kind=DecisionKind.ACCESS_REVOKED,
            event=EventKind.ACCESS_REVOKED,
            acting_user=acting_user,
            at=revoked_at,
            decision="revoked",
            history_reason=grantee.get_username(),
            data={"grantee_id": grantee.pk},
        )


def acknowledge_warning(
    *,
    person: Person,
    acting_user: Staff,
    purpose: str,
    purpose_note: str,
    acknowledged_at: datetime.datetime,
) -> DetailsAcknowledgement:
    """The staff member states why and promises not to disclose; valid for a short time."""
    today = timezone.localdate(acknowledged_at)
    if not permissions.details_in_scope(acting_user, person):
        raise NotPermitted(_("You are not permitted to see this person's details."))
    _refuse(permissions.training_refusal(acting_user, today))
    if purpose not in AccessPurpose.values:
        raise ActionRefused(_("Choose the purpose."))
    if purpose == AccessPurpose.OTHER and not purpose_note.strip():
        raise ActionRefused(_("State the reason when the purpose is 'other'."))
    minutes = settings.MAMORI_ACKNOWLEDGEMENT_MINUTES
    with transaction.atomic(durable=True):
        ack = DetailsAcknowledgement.objects.create(
            staff=acting_user,
            person=person,
            purpose=purpose,
            purpose_note=purpose_note,
            acknowledged_at=acknowledged_at,
            expires_at=acknowledged_at + datetime.timedelta(minutes=minutes),
        )
        record_event(
            kind=EventKind.DETAILS_ACKNOWLEDGED,
            actor=acting_user,
            occurred_at=acknowledged_at,
            person=person,
            decision="acknowledged",
            reason=purpose_note,
            data={"purpose": purpose, "valid_minutes": minutes},
        )
    return ack


def decline_warning(*, person: Person, acting_user: Staff, declined_at: datetime.datetime) -> None:
    with transaction.atomic(durable=True):
        record_event(
            kind=EventKind.DETAILS_DECLINED,
            actor=acting_user,
            occurred_at=declined_at,
            person=person,
            decision="declined",
        )


def _requires_acknowledgement(person: Person) -> bool:
    return (
        MeasureParty.objects.in_force()
        .filter(person=person, role__in=PartyRole.protected_roles())
        .exists()
    )


def open_protected_details(
    *, person: Person, acting_user: Staff, opened_at: datetime.datetime
) -> ProtectedDetails:
    """Return where the person is, and write down that this user looked.

    Out of scope is the caller's 404; in scope but untrained or unacknowledged is refused,
    and the refusal itself is an audit event.
    """
    today = timezone.localdate(opened_at)
    if not permissions.details_in_scope(acting_user, person):
        raise NotPermitted(_("You are not permitted to see this person's details."))
    refusal = permissions.training_refusal(acting_user, today)
    if refusal is None and (
        _requires_acknowledgement(person)
        and not DetailsAcknowledgement.objects.filter(
            staff=acting_user,
            person=person,
            acknowledged_at__lte=opened_at,
            expires_at__gt=opened_at,
        ).exists()
    ):
        refusal = AcknowledgementRequired(
            _("Confirm the warning before you open this person's details.")
        )
    with transaction.atomic(durable=True):
        if refusal is not None:
            record_event(
                kind=EventKind.DETAILS_REFUSED,
                actor=acting_user,
                occurred_at=opened_at,
                person=person,
                decision="refused",
                reason="training_expired"
                if isinstance(refusal, TrainingLapsed)
                else "acknowledgement_required",
            )
        else:
            record_event(
                kind=EventKind.DETAILS_VIEWED,
                actor=acting_user,
                occurred_at=opened_at,
                person=person,
                decision="shown",
            )
    if refusal is not None:
        raise refusal
    return ProtectedDetails(
        address=person.address, phone=person.phone, resident_number=person.resident_number
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


def _screening_events(
    screenings: list[tuple[str, Screening]],
    *,
    actor: Staff | None,
    client: ApiClient | None,
    purpose: str,
    screened_at: datetime.datetime,
) -> list[Event]:
    """One event per person found by a screening that did not come back clear, under the
    owning ward of their measure, so that ward sees who screened its resident."""
    events = []
    for screening_id, found in screenings:
        seen: set[tuple[int, str]] = set()
        for match in found.matches:  # strongest first
            # One per person and owning ward: each ward holding a case sees the screening.
            if (match.person_id, match.owning_ward_code) in seen:
                continue
            seen.add((match.person_id, match.owning_ward_code))
            events.append(
                Event(
                    kind=EventKind.SCREENING_HIT,
                    actor=actor,
                    occurred_at=screened_at,
                    ward=match.owning_ward,
                    person_public_id=match.person_public_id,
                    measure_ref=match.measure_ref,
                    decision=match.result,
                    reason=purpose,
                    data={
                        "screening_id": screening_id,
                        "result": found.result,
                        "role": match.role,
                        "reasons": list(match.reasons),
                        "client": client.name if client else "",
                        "client_id": client.pk if client else None,
                    },
                )
            )
    return events


def screen_people(
    *,
    queries: list[Query],
    purpose: str,
    screened_at: datetime.datetime,
    acting_user: Staff | None = None,
    client: ApiClient | None = None,
) -> list[tuple[str, Screening]]:
    """Screen people for staff or another city system; every hit is an audit event."""
    if (acting_user is None) == (client is None):
        raise ValueError("A screening is made by one staff member or one API client.")
    if acting_user is not None and not permissions.can_search(acting_user):
        raise NotPermitted(_("You are not permitted to screen people."))
    if client is not None and not client.is_active:
        raise NotPermitted(_("This API client has been revoked."))
    results = [(str(uuid.uuid4()), s) for s in screening.screen_many(queries)]
    hits = [(sid, s) for sid, s in results if not s.is_clear]
    if hits:
        with transaction.atomic(durable=True):
            record_events(
                _screening_events(
                    hits, actor=acting_user, client=client, purpose=purpose, screened_at=screened_at
                )
            )
    return results


def create_api_client(
    *, name: str, acting_user: Staff | None, created_at: datetime.datetime
) -> tuple[ApiClient, str]:
    """Create a client and return its token: shown once, only its hash is kept."""
    name = name.strip()
    if not name:
        raise ActionRefused(_("Give the client a name."))
    if ApiClient.objects.filter(name=name).exists():
        raise ActionRefused(_("A client with this name already exists."))
    token = "mmr_" + secrets.token_urlsafe(32)
    with transaction.atomic(durable=True):
        client = ApiClient.objects.create(
            name=name,
            token_hash=hash_token(token),
            token_prefix=token[:12],
            created_at=created_at,
        )
        record_event(
            kind=EventKind.API_CLIENT_CREATED,
            actor=acting_user,
            occurred_at=created_at,
            decision="created",
            data={"client_id": client.pk, "client": client.name},
        )
    return client, token


def revoke_api_client(
    *, client: ApiClient, acting_user: Staff | None, revoked_at: datetime.datetime
) -> ApiClient:
    with transaction.atomic(durable=True):
        client = ApiClient.objects.select_for_update().get(pk=client.pk)
        if client.revoked_at is not None:
            raise InvalidTransition(_("This API client is already revoked."))
        client.revoked_at = revoked_at
        client.save(update_fields=["revoked_at"])
        record_event(
            kind=EventKind.API_CLIENT_REVOKED,
            actor=acting_user,
            occurred_at=revoked_at,
            decision="revoked",
            data={"client_id": client.pk, "client": client.name},
        )
    return client


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# Stored data, not interface text: records are kept in Japanese whatever the UI language.
IMPORTED_BASIS = "（住民基本台帳システムから移行）"


@dataclass(frozen=True)
class ImportSummary:
    measures_created: int
    measures_unchanged: int
    people_created: int
    wards_created: int


def import_registry(
    *,
    measures: list[ImportedMeasure],
    file_name: str,
    file_sha256: str,
    create_wards: bool,
    dry_run: bool = False,
    acting_user: Staff | None,
    imported_at: datetime.datetime,
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Import measures from the resident register system: all or nothing, and idempotent.

    A measure already imported from the same rows is left alone; one whose rows differ is an
    error (changes to a measure are decisions, made in Mamori, not by re-import).
    """
    codes = sorted({m.ward_code for m in measures})
    with transaction.atomic(durable=True):
        wards = {w.code: w for w in selectors.wards_with_codes(codes)}
        missing = [c for c in codes if c not in wards]
        if missing and not create_wards:
            raise ImportFileError(
                [
                    RowError(
                        next(m.first_line for m in measures if m.ward_code == c),
                        "ward_code",
                        f"区コード {c} は登録されていません（--create-wards で作成）",
                        f"unknown ward code {c} (use --create-wards)",
                    )
                    for c in missing
                ]
            )
        for code in missing:
            wards[code] = Ward.objects.create(code=code, name=code)
        existing = {
            m.ref: m
            for m in SupportMeasure.objects.filter(ref__in=[m.ref for m in measures]).only(
                "ref", "import_fingerprint"
            )
        }
        conflicts = [
            RowError(
                m.first_line,
                "measure_ref",
                f"{m.ref} は既に内容の違う措置として登録されています",
                f"{m.ref} already exists with different content",
            )
            for m in measures
            if m.ref in existing and existing[m.ref].import_fingerprint != m.fingerprint()
        ]
        if conflicts:
            raise ImportFileError(conflicts)
        today = timezone.localdate(imported_at)
        new = [m for m in measures if m.ref not in existing]
        people_created = 0
        for done, measure in enumerate(new, start=1):
            people_created += _import_measure(measure, wards[measure.ward_code], today, imported_at)
            if progress and (done % 500 == 0 or done == len(new)):
                progress(done)
        summary = ImportSummary(len(new), len(measures) - len(new), people_created, len(missing))
        record_event(
            kind=EventKind.REGISTRY_IMPORTED,
            actor=acting_user,
            occurred_at=imported_at,
            decision="dry_run" if dry_run else "imported",
            data={
                "file_name": file_name,
                "file_sha256": file_sha256,
                "measures_created": summary.measures_created,
                "measures_unchanged": summary.measures_unchanged,
                "people_created": summary.people_created,
                "wards_created": summary.wards_created,
            },
        )
        if dry_run:
            transaction.set_rollback(True)
        else:
            _registry_changed()
    return summary


def _import_measure(
    imported: ImportedMeasure, ward: Ward, today: datetime.date, now: datetime.datetime
) -> int:
    ended = imported.status == MeasureStatus.ENDED
    measure = SupportMeasure.objects.create(
        ref=imported.ref,
        kind=imported.kind,
        owning_ward=ward,
        status=imported.status,
        source=MeasureSource.IMPORTED,
        import_fingerprint=imported.fingerprint(),
        basis_kind=BasisKind.CONSULTING_BODY,
        basis_body=IMPORTED_BASIS,
        restricts_inspection=True,
        restricts_resident_copies=True,
        restricts_koseki_attachment=True,
        applied_on=imported.starts_on or today,
        starts_on=imported.starts_on,
        ends_on=imported.ends_on,
        registered_at=now,
        end_reason=EndReason.IMPORTED if ended else "",
        ended_at=now if ended else None,
    )
    created = 0
    for row in imported.people:
        # The same person in two measures (protected in one, counterparty in another) is one
        # record when name and date of birth agree exactly.
        person = None
        if row.birth_date:
            # Only a person whose measures all belong to this ward: merging into another
            # ward's person would hand this ward their address (need to know).
            person = (
                Person.objects.filter(name_key=names.name_key(row.name), birth_date=row.birth_date)
                .exclude(parties__measure__in=SupportMeasure.objects.exclude(owning_ward=ward))
                .first()
            )
        if person is None:
            person = Person.objects.create(
                name=row.name,
                kana=row.kana,
                birth_date=row.birth_date,
                sex=row.sex,
                address=row.address,
                created_at=now,
            )
            created += 1
        for alias in row.aliases:
            PersonAlias.objects.get_or_create(
                person=person, name=alias, defaults={"kind": AliasKind.ALIAS}
            )
        MeasureParty.objects.get_or_create(
            measure=measure,
            person=person,
            defaults={"role": row.role, "relationship": row.relationship},
        )
    MeasureDecision.objects.create(
        measure=measure,
        kind=DecisionKind.IMPORTED,
        decided_at=now,
        starts_on=imported.starts_on,
        ends_on=imported.ends_on,
    )
    return created


# --- scheduled work: the jobs in config/jobs.py call these (docs/jobs.md) -----------------------


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

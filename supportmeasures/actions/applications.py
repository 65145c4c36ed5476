"""Applications (申出): a measure registered, provisional from that moment."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from auditlog.actions import record_event
from auditlog.models import EventKind
from supportmeasures import permissions
from supportmeasures.actions.common import Identity, PartyData, PersonData
from supportmeasures.models import (
    AliasKind,
    BlockChangeKind,
    DecisionKind,
    MeasureDecision,
    MeasureParty,
    MeasureStatus,
    PartyRole,
    Person,
    PersonAlias,
    Staff,
    SupportMeasure,
    Ward,
)
from supportmeasures.propagation.actions import record_block_change
from supportmeasures.refusals import (
    ActionRefused,
    IdentityUnconfirmed,
    NotPermitted,
)
from supportmeasures.signals import announce_registry_changed


def add_parties(
    measure: SupportMeasure,
    *,
    protected: PersonData,
    joint: Sequence[PartyData],
    counterparties: Sequence[PartyData],
    ward: Ward,
    now: datetime.datetime,
) -> list[Person]:
    """Name the people of a new measure (inside the caller's transaction): the protected
    person, the joint family and the counterparties, each once. Returns them, the protected
    person first."""
    protected_person = _person_for(protected, ward, now)
    MeasureParty.objects.create(measure=measure, person=protected_person, role=PartyRole.PROTECTED)
    people = [protected_person]
    for role, parties in ((PartyRole.JOINT, joint), (PartyRole.COUNTERPARTY, counterparties)):
        for party in parties:
            person = _person_for(party.person, ward, now)
            if any(person.pk == p.pk for p in people):
                raise ActionRefused(
                    _("%(name)s is named twice in this application.") % {"name": person.name}
                )
            people.append(person)
            MeasureParty.objects.create(
                measure=measure,
                person=person,
                role=role,
                relationship=party.relationship,
                is_resident=party.is_resident,
                agent_note=party.agent_note,
            )
    return people


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
    if data.identity is not None:
        person = _identified(data, data.identity, person, now)
    if person is not None:
        if person.parties.exclude(measure__owning_ward=ward).exists():
            if data.resident_number:
                raise NotPermitted(
                    _(
                        "Resident number %(number)s is already in another ward's support "
                        "measure. Consult that ward; this application cannot name the person."
                    )
                    % {"number": data.resident_number}
                )
            raise NotPermitted(
                _(
                    "%(name)s: the person chosen is already in another ward's support measure. "
                    "Consult that ward; this application cannot name the person."
                )
                % {"name": data.name}
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


def _identified(
    data: PersonData, identity: Identity, by_number: Person | None, now: datetime.datetime
) -> Person | None:
    """The registered person the clerk chose, or None for a new one, once the screening
    agrees: the choice must be among the candidates found now for what was typed (never an
    id sent from elsewhere), and "a different person" must have been said of every candidate
    found now. Otherwise refused: the page asks again (fail closed, no silent duplicate)."""
    from supportmeasures.selectors import identity_candidates

    candidates = identity_candidates(
        name=data.name,
        kana=data.kana,
        resident_number=data.resident_number,
        today=timezone.localdate(now),
    )
    if identity.same_as is not None:
        chosen = next((p for p in candidates if p.public_id == identity.same_as), None)
        if chosen is None:
            raise IdentityUnconfirmed(
                _(
                    "%(name)s: the person chosen is not one of those found for the name and "
                    "reading entered. Check the people found again."
                )
                % {"name": data.name}
            )
        if by_number is not None and by_number.pk != chosen.pk:
            raise IdentityUnconfirmed(
                _("%(name)s: resident number %(number)s belongs to another registered person.")
                % {"name": data.name, "number": data.resident_number}
            )
        return chosen
    if by_number is not None:
        raise IdentityUnconfirmed(
            _(
                "%(name)s: resident number %(number)s is already in the registry. Choose that "
                "person, or correct the number."
            )
            % {"name": data.name, "number": data.resident_number}
        )
    if {p.public_id for p in candidates} - identity.different_from:
        raise IdentityUnconfirmed(
            _(
                "%(name)s may already be in the registry. Say whether this is one of the people "
                "found or a different person."
            )
            % {"name": data.name}
        )
    return None


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
        people = add_parties(
            measure,
            protected=protected,
            joint=joint,
            counterparties=counterparties,
            ward=ward,
            now=registered_at,
        )
        protected_person = people[0]
        seen = {p.pk for p in people}
        MeasureDecision.objects.create(
            measure=measure,
            kind=DecisionKind.REGISTERED,
            decided_by=acting_user,
            decided_at=registered_at,
            starts_on=applied_on,
        )
        announce_registry_changed()
        record_block_change(
            measure=measure,
            kind=BlockChangeKind.REGISTERED,
            acting_user=acting_user,
            at=registered_at,
        )
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

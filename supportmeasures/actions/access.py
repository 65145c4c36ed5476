"""Need to know: grants of a measure's details, and the acknowledgement before anyone sees them."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from auditlog.actions import record_event
from auditlog.models import EventKind
from supportmeasures import permissions
from supportmeasures.actions.common import ProtectedDetails, locked_measure, refuse_if
from supportmeasures.actions.lifecycle import record_decision
from supportmeasures.models import (
    AccessPurpose,
    DecisionKind,
    DetailsAcknowledgement,
    MeasureParty,
    PartyRole,
    Person,
    Staff,
    SupportMeasure,
)
from supportmeasures.refusals import (
    AcknowledgementRequired,
    ActionRefused,
    NotPermitted,
    TrainingLapsed,
)


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
        measure = locked_measure(measure)
        refuse_if(permissions.grant_refusal(acting_user, measure, today))
        refuse_if(permissions.grantee_refusal(grantee, measure))
        if not reason.strip():
            raise ActionRefused(_("Give the reason access is granted."))
        assign_perm("supportmeasures.view_protected_details", grantee, measure)
        permissions.forget_grants(grantee)
        record_decision(
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
        measure = locked_measure(measure)
        refuse_if(permissions.revoke_refusal(acting_user, measure, grantee, today))
        remove_perm("supportmeasures.view_protected_details", grantee, measure)
        permissions.forget_grants(grantee)
        record_decision(
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
    lapsed = permissions.training_refusal(acting_user, today)
    if lapsed is not None:  # a refused try at the details is on the record, like the page's
        with transaction.atomic(durable=True):
            record_event(
                kind=EventKind.DETAILS_REFUSED,
                actor=acting_user,
                occurred_at=acknowledged_at,
                person=person,
                decision="refused",
                reason="training_expired",
                data={"step": "acknowledgement"},
            )
        raise lapsed
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
    return _reveal_details(
        person=person, acting_user=acting_user, at=opened_at, kind=EventKind.DETAILS_VIEWED
    )


def print_protected_details(
    *, person: Person, acting_user: Staff, printed_at: datetime.datetime
) -> ProtectedDetails:
    """The details for the printed page (spec 10.2 print log): exactly the rules of opening
    them (scope, training, a valid acknowledgement), and the print is its own audit event,
    with who printed and when, in the same transaction."""
    return _reveal_details(
        person=person, acting_user=acting_user, at=printed_at, kind=EventKind.DETAILS_PRINTED
    )


def _reveal_details(
    *, person: Person, acting_user: Staff, at: datetime.datetime, kind: EventKind
) -> ProtectedDetails:
    today = timezone.localdate(at)
    if not permissions.details_in_scope(acting_user, person):
        raise NotPermitted(_("You are not permitted to see this person's details."))
    refusal = permissions.training_refusal(acting_user, today)
    if refusal is None and (
        _requires_acknowledgement(person)
        and not DetailsAcknowledgement.objects.filter(
            staff=acting_user,
            person=person,
            acknowledged_at__lte=at,
            expires_at__gt=at,
        ).exists()
    ):
        refusal = AcknowledgementRequired(
            _("Confirm the warning before you open this person's details.")
        )
    printing = kind == EventKind.DETAILS_PRINTED
    with transaction.atomic(durable=True):
        if refusal is not None:
            record_event(
                kind=EventKind.DETAILS_REFUSED,
                actor=acting_user,
                occurred_at=at,
                person=person,
                decision="refused",
                reason="training_expired"
                if isinstance(refusal, TrainingLapsed)
                else "acknowledgement_required",
                data={"print": True} if printing else None,
            )
        else:
            record_event(
                kind=kind,
                actor=acting_user,
                occurred_at=at,
                person=person,
                decision="printed" if printing else "shown",
            )
    if refusal is not None:
        raise refusal
    return ProtectedDetails(
        address=person.address, phone=person.phone, resident_number=person.resident_number
    )

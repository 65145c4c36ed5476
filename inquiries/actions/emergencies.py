"""Emergency plans: the review afterwards, and the contact shown only to those who act."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from auditlog.actions import record_event
from auditlog.models import EventKind
from inquiries import permissions as plan_permissions
from inquiries.models import (
    ContactPlan,
)
from supportmeasures.actions import (
    ActionRefused,
    NotPermitted,
    TrainingLapsed,
)
from supportmeasures.actions.common import refuse_if
from supportmeasures.models import Staff


def review_emergency(
    *, plan: ContactPlan, acting_user: Staff, note: str, reviewed_at: datetime.datetime
) -> ContactPlan:
    """Every emergency is reviewed afterwards by the owning ward (or the acting ward)."""
    today = timezone.localdate(reviewed_at)
    with transaction.atomic(durable=True):
        plan = ContactPlan.objects.select_for_update().get(pk=plan.pk)
        refuse_if(plan_permissions.review_refusal(acting_user, plan, today))
        if not note.strip():
            raise ActionRefused(_("Write the review."))
        plan.emergency_reviewed_by = acting_user
        plan.emergency_reviewed_at = reviewed_at
        plan.emergency_review_note = note
        plan.save()
        record_event(
            kind=EventKind.EMERGENCY_REVIEWED,
            actor=acting_user,
            occurred_at=reviewed_at,
            decision="reviewed",
            reason=note,
            persons=plan.person_ids,
            data={"plan": str(plan.public_id)},
        )
    return plan


def reveal_plan_contact(
    *, plan: ContactPlan, acting_user: Staff, confirmed: bool, revealed_at: datetime.datetime
) -> str:
    """The phone number or address a plan will use, when it may be a protected resident's:
    only to those who must act on the plan, trained, after they confirm the warning; each look
    (and each refusal) is an audit event, in the same transaction as the answer."""
    return _reveal_contact(
        plan=plan,
        acting_user=acting_user,
        confirmed=confirmed,
        at=revealed_at,
        kind=EventKind.DETAILS_VIEWED,
    )


def print_plan_contact(
    *, plan: ContactPlan, acting_user: Staff, confirmed: bool, printed_at: datetime.datetime
) -> str:
    """The contact for the printed page (spec 10.2 print log): the rules of revealing it, and
    the print is its own audit event, with who printed and when."""
    return _reveal_contact(
        plan=plan,
        acting_user=acting_user,
        confirmed=confirmed,
        at=printed_at,
        kind=EventKind.DETAILS_PRINTED,
    )


def _reveal_contact(
    *, plan: ContactPlan, acting_user: Staff, confirmed: bool, at: datetime.datetime, kind: str
) -> str:
    today = timezone.localdate(at)
    refusal: ActionRefused | None = None
    if not plan_permissions.may_see_contact(acting_user, plan, today):
        refusal = (
            TrainingLapsed()
            if plan_permissions.must_act_on(acting_user, plan)
            else NotPermitted(_("Only the people who must act on this plan see its contact."))
        )
    elif plan_permissions.contact_is_protected(plan) and not confirmed:
        refusal = ActionRefused(_("Confirm the warning before you open the contact."))
    if isinstance(refusal, TrainingLapsed):
        reason = "training_expired"
    elif isinstance(refusal, NotPermitted):
        reason = "not_in_scope"
    else:
        reason = "acknowledgement_required" if refusal else "plan_contact"
    printing = kind == EventKind.DETAILS_PRINTED
    with transaction.atomic(durable=True):
        record_event(
            kind=EventKind.DETAILS_REFUSED if refusal else EventKind(kind),
            actor=acting_user,
            occurred_at=at,
            decision="refused" if refusal else ("printed" if printing else "shown"),
            reason=reason,
            persons=plan.person_ids,
            data={"plan": str(plan.public_id), "field": "target_contact"}
            | ({"print": True} if printing else {}),
        )
    refuse_if(refusal)
    return plan.target_contact

"""Who may do what to a contact plan: one predicate per rule, used by the action that
enforces it, the view that offers it and the template that shows its button (through
`plan_actions`), so a button appears only when its action would succeed."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from inquiries.models import ContactPlan, PlanApproval, PlanState, ProtectedStatus
from supportmeasures import permissions
from supportmeasures.actions import (
    ActionRefused,
    InvalidTransition,
    NotPermitted,
    SameStaffMember,
    TrainingLapsed,
)
from supportmeasures.models import Role, Staff, Ward

DECIDABLE = (PlanState.AWAITING_APPROVAL, PlanState.APPROVED)


class PlanNeedsRewording(ActionRefused):
    pass


def _live_approvals(plan: ContactPlan, at: datetime.datetime) -> Q:
    return Q(withdrawn_at__isnull=True, fingerprint=plan.fingerprint, expires_at__gt=at)


def valid_approvals(plan: ContactPlan, at: datetime.datetime) -> list[PlanApproval]:
    """The approvals that count now: not withdrawn, for this exact version, not expired."""
    return list(plan.approvals.filter(_live_approvals(plan, at)).select_related("approver"))


def _decider_refusal(user: Staff, plan: ContactPlan, today: datetime.date) -> ActionRefused | None:
    """A trained supervisor of the acting ward (of any ward, for an emergency), not the
    author: who may approve or refuse a plan at all."""
    if not user.has_role(Role.SUPERVISOR):
        return NotPermitted(_("Only supervisors approve contact plans."))
    if not plan.is_emergency and plan.acting_ward_id not in permissions.ward_ids(user):
        return NotPermitted(
            _("Only a supervisor of %(ward)s can sign this off.") % {"ward": plan.acting_ward}
        )
    if not permissions.is_trained(user, today):
        return TrainingLapsed()
    if plan.author_id == user.pk:
        return SameStaffMember(_("Nobody approves their own plan."))
    return None


def approve_refusal(user: Staff, plan: ContactPlan, at: datetime.datetime) -> ActionRefused | None:
    """Why `user` may not approve `plan` now, or None if they may."""
    refusal = _decider_refusal(user, plan, timezone.localdate(at))
    if refusal is not None:
        return refusal
    if plan.state != PlanState.AWAITING_APPROVAL:
        return InvalidTransition(_("This plan is not awaiting approval."))
    if plan.needs_rewording:
        return PlanNeedsRewording(
            _(
                "The wording reveals where a protected person is or has been. It must be "
                "changed before a critical plan can be approved."
            )
        )
    if any(a.approver_id == user.pk for a in valid_approvals(plan, at)):
        return SameStaffMember(_("You have already approved this plan."))
    return None


def refuse_refusal(user: Staff, plan: ContactPlan, at: datetime.datetime) -> ActionRefused | None:
    refusal = _decider_refusal(user, plan, timezone.localdate(at))
    if refusal is not None:
        return refusal
    if plan.state not in DECIDABLE:
        return InvalidTransition(_("This plan cannot be refused now."))
    return None


def works_in(user: Staff, ward: Ward | int) -> bool:
    ward_id = ward if isinstance(ward, int) else ward.pk
    return user.has_role(*permissions.CASE_ROLES) and ward_id in permissions.ward_ids(user)


def is_approved_now(plan: ContactPlan, at: datetime.datetime) -> bool:
    """Approved, with as many approvals as it needs still valid: the only state in which a
    contact may be made."""
    return (
        plan.state == PlanState.APPROVED and len(valid_approvals(plan, at)) >= plan.approvals_needed
    )


def may_record_contact(user: Staff, plan: ContactPlan, at: datetime.datetime) -> bool:
    return works_in(user, plan.acting_ward_id) and is_approved_now(plan, at)


def may_change(user: Staff, plan: ContactPlan) -> bool:
    return plan.author_id == user.pk and plan.state not in (
        PlanState.CONTACTED,
        PlanState.WITHDRAWN,
    )


def may_review_emergency(user: Staff, plan: ContactPlan, today: datetime.date) -> bool:
    """A trained supervisor of the owning ward (or of the acting ward, when nobody owns it),
    once the emergency was approved or acted on."""
    if not plan.is_emergency or plan.emergency_reviewed_at is not None:
        return False
    if plan.state == PlanState.AWAITING_APPROVAL or not user.has_role(Role.SUPERVISOR):
        return False
    wards = set(Ward.objects.filter(code__in=plan.owning_ward_codes).values_list("pk", flat=True))
    wards = wards or {plan.acting_ward_id}
    return bool(wards & permissions.ward_ids(user)) and permissions.is_trained(user, today)


def contact_is_protected(plan: ContactPlan) -> bool:
    """The phone number or address used may be a protected resident's own: an emergency, or
    a person contacted who is (or may be) protected or covered by a measure. A counterparty's
    own number is no secret from the staff who must call him."""
    if plan.is_emergency or plan.target_status == ProtectedStatus.PROTECTED:
        return True
    if plan.target_status == ProtectedStatus.POSSIBLE_MATCH and not plan.risk_reasons:
        return True  # assessed before reasons were kept: whom it may be is unknown
    return any(
        r.get("code") == "match" and r.get("who") == "target" and r.get("role") != "counterparty"
        for r in plan.risk_reasons
    )


def must_act_on(user: Staff, plan: ContactPlan) -> bool:
    """The people who must act on a plan: the acting ward's case staff, and the owning
    ward's (which holds the case). Nobody else is shown a protected contact."""
    if not user.has_role(*permissions.CASE_ROLES):
        return False
    wards = permissions.ward_ids(user)
    if plan.acting_ward_id in wards:
        return True
    owning = set(Ward.objects.filter(code__in=plan.owning_ward_codes).values_list("pk", flat=True))
    return bool(owning & wards)


def may_see_contact(user: Staff, plan: ContactPlan, today: datetime.date) -> bool:
    """Shown at once when nothing is protected; otherwise only to those who must act on the
    plan, trained, after the acknowledgement (each look is recorded)."""
    if not contact_is_protected(plan):
        return True
    return must_act_on(user, plan) and permissions.is_trained(user, today)


@dataclass(frozen=True)
class PlanActions:
    """What a page may offer this user on this plan: each flag is its action's predicate."""

    approve: bool
    refuse: bool
    record: bool
    change: bool
    review: bool
    see_contact: bool
    contact_needs_acknowledgement: bool
    approve_refusal: str


def plan_actions(user: Staff, plan: ContactPlan, at: datetime.datetime) -> PlanActions:
    today = timezone.localdate(at)
    approve = approve_refusal(user, plan, at)
    return PlanActions(
        approve=approve is None,
        refuse=refuse_refusal(user, plan, at) is None,
        record=may_record_contact(user, plan, at),
        change=may_change(user, plan),
        review=may_review_emergency(user, plan, today),
        see_contact=may_see_contact(user, plan, today),
        contact_needs_acknowledgement=contact_is_protected(plan),
        # Shown to supervisors who would otherwise look for the button (e.g. rewording).
        approve_refusal=str(approve)
        if approve is not None
        and plan.state == PlanState.AWAITING_APPROVAL
        and user.has_role(Role.SUPERVISOR)
        else "",
    )

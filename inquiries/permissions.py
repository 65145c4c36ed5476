"""Who may do what to an inquiry or a contact plan: one predicate per rule, used by the action
that enforces it, the view that offers it and the template that shows its button (through
`inquiry_actions` and `plan_actions`), so a button appears only when its action would
succeed."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from inquiries.models import (
    STATUS_RANK,
    ContactPlan,
    Inquiry,
    InquiryAcknowledgement,
    InquiryState,
    PlanApproval,
    PlanState,
    ProtectedStatus,
)
from supportmeasures import permissions
from supportmeasures.actions import (
    ActionRefused,
    InvalidTransition,
    NotPermitted,
    SameStaffMember,
    TrainingLapsed,
)
from supportmeasures.models import Role, Staff, Ward
from supportmeasures.selectors import wards_with_codes

DECIDABLE = (PlanState.AWAITING_APPROVAL, PlanState.APPROVED)


class PlanNeedsRewording(ActionRefused):
    pass


def plan_state_refusal(plan: ContactPlan) -> InvalidTransition:
    """Why the plan's present state does not allow the action, in the words of that state."""
    messages = {
        PlanState.AWAITING_APPROVAL: _("This plan is still awaiting approval."),
        PlanState.APPROVED: _("This plan has already been approved."),
        PlanState.REFUSED: _("This plan has been refused."),
        PlanState.CONTACTED: _("The contact in this plan has already been made."),
        PlanState.WITHDRAWN: _("This plan has been withdrawn."),
    }
    return InvalidTransition(messages[PlanState(plan.state)])


def inquiry_state_refusal(inquiry: Inquiry) -> InvalidTransition:
    """Why the inquiry's present state does not allow the action, in the words of that state."""
    messages = {
        InquiryState.AWAITING_SIGNOFF: _("This inquiry has not been signed off yet."),
        InquiryState.SENT: _("This inquiry has been signed off and sent; it awaits an answer."),
        InquiryState.ANSWER_AWAITING_SIGNOFF: _(
            "An answer to this inquiry has been written and awaits sign-off."
        ),
        InquiryState.ANSWERED: _("This inquiry has already been answered."),
        InquiryState.REFUSED: _("This inquiry was refused at sign-off."),
    }
    return InvalidTransition(messages[InquiryState(inquiry.state)])


def _live_approvals(plan: ContactPlan, at: datetime.datetime) -> Q:
    return Q(withdrawn_at__isnull=True, fingerprint=plan.fingerprint, expires_at__gt=at)


def valid_approvals(plan: ContactPlan, at: datetime.datetime) -> list[PlanApproval]:
    """The approvals that count now: not withdrawn, for this exact version, not expired."""
    return list(plan.approvals.filter(_live_approvals(plan, at)).select_related("approver"))


def _decider_refusal(user: Staff, plan: ContactPlan, today: datetime.date) -> ActionRefused | None:
    """A trained supervisor of the acting ward (of any ward, for an emergency), not the
    author: who may approve or refuse a plan at all."""
    if plan.is_emergency:
        # Any two supervisors of the city may decide an emergency: it cannot wait.
        if not user.has_role(Role.SUPERVISOR):
            return NotPermitted(_("Only supervisors approve contact plans."))
        if not permissions.is_trained(user, today):
            return TrainingLapsed()
    else:
        refusal = _supervisor_refusal(user, plan.acting_ward, today)
        if refusal is not None:
            return refusal
    if plan.author_id == user.pk:
        return SameStaffMember(_("Nobody approves their own plan."))
    return None


def approve_refusal(user: Staff, plan: ContactPlan, at: datetime.datetime) -> ActionRefused | None:
    """Why `user` may not approve `plan` now, or None if they may."""
    refusal = _decider_refusal(user, plan, timezone.localdate(at))
    if refusal is not None:
        return refusal
    if plan.state != PlanState.AWAITING_APPROVAL:
        return plan_state_refusal(plan)
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
        return plan_state_refusal(plan)
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


def review_refusal(user: Staff, plan: ContactPlan, today: datetime.date) -> ActionRefused | None:
    """事後確認: a trained supervisor of the owning ward (or of the acting ward, when nobody
    owns it) reviews an emergency once it was approved or acted on, once."""
    if not plan.is_emergency:
        return InvalidTransition(_("This plan was not an emergency."))
    if plan.emergency_reviewed_at is not None:
        return InvalidTransition(_("This emergency has already been reviewed."))
    if plan.state == PlanState.AWAITING_APPROVAL:
        return InvalidTransition(
            _("This emergency plan is still awaiting approval: it is reviewed once decided.")
        )
    wards = {w.pk for w in wards_with_codes(plan.owning_ward_codes)}
    wards = wards or {plan.acting_ward_id}
    if not (user.has_role(Role.SUPERVISOR) and wards & permissions.ward_ids(user)):
        return NotPermitted(_("A supervisor of the owning ward reviews emergencies."))
    if not permissions.is_trained(user, today):
        return TrainingLapsed()
    return None


def may_review_emergency(user: Staff, plan: ContactPlan, today: datetime.date) -> bool:
    return review_refusal(user, plan, today) is None


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
    owning = {w.pk for w in wards_with_codes(plan.owning_ward_codes)}
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


# --- inquiries --------------------------------------------------------------------------------


def _case_wards(user: Staff) -> frozenset[int]:
    """The wards a user works on as case staff; an auditor or contractor belongs to a ward
    but is neither side of its inquiries."""
    return permissions.ward_ids(user) if user.has_role(*permissions.CASE_ROLES) else frozenset()


def is_sending(user: Staff, inquiry: Inquiry) -> bool:
    return inquiry.from_ward_id in _case_wards(user)


def is_receiving(user: Staff, inquiry: Inquiry) -> bool:
    return inquiry.to_ward_id in _case_wards(user)


# The receiving ward sees an inquiry only once it was signed off and sent.
HIDDEN_FROM_RECEIVER = (InquiryState.AWAITING_SIGNOFF, InquiryState.REFUSED)


def may_read_inquiry(user: Staff, inquiry: Inquiry) -> bool:
    """Who may see an inquiry at all (the page, its print): the sending ward; the receiving
    ward once it was sent; auditors, read-only (every reading recorded). Anyone else: 404."""
    if is_sending(user, inquiry):
        return True
    if is_receiving(user, inquiry) and inquiry.state not in HIDDEN_FROM_RECEIVER:
        return True
    return user.has_role(Role.AUDITOR)


def has_acknowledged(inquiry: Inquiry, user: Staff) -> bool:
    """The user confirmed the inquiry's current status (a raised status asks again)."""
    return InquiryAcknowledgement.objects.filter(
        inquiry=inquiry, staff=user, status_acknowledged=inquiry.protected_status
    ).exists()


def must_acknowledge(user: Staff, inquiry: Inquiry) -> bool:
    """The receiving ward reads a flagged inquiry (possible match included) only after
    confirming its status; the sending ward wrote it and knows."""
    return (
        is_receiving(user, inquiry)
        and not is_sending(user, inquiry)
        and inquiry.is_flagged
        and not has_acknowledged(inquiry, user)
    )


def answer_visible(user: Staff, inquiry: Inquiry) -> bool:
    """The receiving ward sees its answer as it is drafted; the sender only once signed off;
    an auditor always (read-only)."""
    return (
        is_receiving(user, inquiry)
        or user.has_role(Role.AUDITOR)
        or inquiry.state == InquiryState.ANSWERED
    )


def _supervisor_refusal(
    user: Staff, ward: Ward | int, today: datetime.date
) -> ActionRefused | None:
    if not (user.has_role(Role.SUPERVISOR) and works_in(user, ward)):
        name = ward if isinstance(ward, Ward) else Ward.objects.filter(pk=ward).first()
        return NotPermitted(_("Only a supervisor of %(ward)s can sign this off.") % {"ward": name})
    if not permissions.is_trained(user, today):
        return TrainingLapsed()
    return None


def sign_off_refusal(user: Staff, inquiry: Inquiry, at: datetime.datetime) -> ActionRefused | None:
    """決裁 (and its refusal): a trained supervisor of the sending ward, not the author, of an
    inquiry awaiting sign-off."""
    refusal = _supervisor_refusal(user, inquiry.from_ward_id, timezone.localdate(at))
    if refusal is not None:
        return refusal
    if inquiry.author_id == user.pk:
        return SameStaffMember(_("The author of an inquiry cannot sign it off."))
    if inquiry.state != InquiryState.AWAITING_SIGNOFF:
        return inquiry_state_refusal(inquiry)
    return None


def raise_refusal(user: Staff, inquiry: Inquiry, status: str = "") -> ActionRefused | None:
    """The sending ward may raise the status while the inquiry is open; nobody lowers it."""
    if not is_sending(user, inquiry):
        return NotPermitted(_("Only the sending ward can raise the status."))
    if inquiry.state in (InquiryState.ANSWERED, InquiryState.REFUSED):
        return inquiry_state_refusal(inquiry)
    current = STATUS_RANK[ProtectedStatus(inquiry.protected_status)]
    if current >= STATUS_RANK[ProtectedStatus.COUNTERPARTY] or (
        status and STATUS_RANK[ProtectedStatus(status)] <= current
    ):
        return ActionRefused(_("The status can only be raised, never lowered."))
    return None


def answer_refusal(user: Staff, inquiry: Inquiry) -> ActionRefused | None:
    if not is_receiving(user, inquiry):
        return NotPermitted(_("Only the receiving ward answers an inquiry."))
    if inquiry.state not in (InquiryState.SENT, InquiryState.ANSWER_AWAITING_SIGNOFF):
        return inquiry_state_refusal(inquiry)
    if must_acknowledge(user, inquiry):
        return ActionRefused(_("Acknowledge the support-measure status first."))
    return None


def sign_off_answer_refusal(
    user: Staff, inquiry: Inquiry, at: datetime.datetime
) -> ActionRefused | None:
    """An answer is a disclosure: a trained supervisor of the receiving ward who did not write
    it, and who has acknowledged the status, releases it."""
    refusal = _supervisor_refusal(user, inquiry.to_ward_id, timezone.localdate(at))
    if refusal is not None:
        return refusal
    if inquiry.answered_by_id == user.pk:
        return SameStaffMember(_("The author of an answer cannot sign it off."))
    if inquiry.is_flagged and not has_acknowledged(inquiry, user):
        return ActionRefused(_("Acknowledge the support-measure status first."))
    if inquiry.state != InquiryState.ANSWER_AWAITING_SIGNOFF:
        return (
            InvalidTransition(_("No answer has been written yet."))
            if inquiry.state == InquiryState.SENT
            else inquiry_state_refusal(inquiry)
        )
    return None


def may_use_inquiries(user: Staff) -> bool:
    """Inquiries and contact plans are case work: clerks and supervisors (auditors read the
    ones they are sent to, never the lists)."""
    return permissions.works_on_cases(user)


def has_approver_queue(user: Staff) -> bool:
    """Supervisors sign off inquiries, answers and plans: they have a queue to work through."""
    return user.has_role(Role.SUPERVISOR)


def may_plan_for(user: Staff, inquiry: Inquiry) -> bool:
    """Either side may plan a contact for an inquiry that was not refused."""
    return (is_sending(user, inquiry) or is_receiving(user, inquiry)) and (
        inquiry.state != InquiryState.REFUSED
    )


@dataclass(frozen=True)
class InquiryActions:
    """What a page may offer this user on this inquiry: each flag is its action's predicate."""

    sending: bool
    receiving: bool
    auditing: bool
    must_acknowledge: bool
    answer_visible: bool
    sign_off: bool
    raise_status: bool
    answer: bool
    sign_off_answer: bool
    plan: bool


def inquiry_actions(user: Staff, inquiry: Inquiry, at: datetime.datetime) -> InquiryActions:
    sending, receiving = is_sending(user, inquiry), is_receiving(user, inquiry)
    return InquiryActions(
        sending=sending,
        receiving=receiving,
        auditing=not (sending or receiving) and user.has_role(Role.AUDITOR),
        must_acknowledge=must_acknowledge(user, inquiry),
        answer_visible=answer_visible(user, inquiry),
        sign_off=sign_off_refusal(user, inquiry, at) is None,
        raise_status=raise_refusal(user, inquiry) is None,
        answer=answer_refusal(user, inquiry) is None,
        sign_off_answer=sign_off_answer_refusal(user, inquiry, at) is None,
        plan=may_plan_for(user, inquiry),
    )

"""Inquiries between wards: drafted, signed off, acknowledged, answered; the status only rises."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from auditlog.actions import record_event
from auditlog.models import EventKind
from inquiries import permissions as plan_permissions
from inquiries import risk
from inquiries.actions.common import status_of, strongest
from inquiries.actions.notifications import notify, tell_owning_wards
from inquiries.actions.plans import reassess_locked, reevaluate_open_plans
from inquiries.models import (
    STATUS_RANK,
    ContactPlan,
    Inquiry,
    InquiryAcknowledgement,
    InquiryState,
    PlanState,
    ProtectedStatus,
)
from supportmeasures.actions import (
    AcknowledgementRequired,
    ActionRefused,
    NotPermitted,
)
from supportmeasures.actions.common import refuse_if
from supportmeasures.models import Role, Staff, Ward
from supportmeasures.screening import Query, screen, screen_many
from supportmeasures.selectors import staff_with_roles


def create_inquiry(
    *,
    acting_user: Staff,
    to_ward: Ward,
    to_department: str,
    subject_name: str,
    subject_kana: str,
    subject_birth_date: datetime.date | None,
    question: str,
    reason: str,
    urgency: str,
    raised_status: str = ProtectedStatus.NONE,
    raised_reason: str = "",
    created_at: datetime.datetime,
) -> Inquiry:
    """Draft an inquiry. Its protected status is computed from the registry, now."""
    from_ward = acting_user.ward
    if from_ward is None or not plan_permissions.works_in(acting_user, from_ward):
        raise NotPermitted(_("Only clerks and supervisors of a ward can send inquiries."))
    if to_ward.pk == from_ward.pk:
        raise ActionRefused(_("An inquiry goes to another ward."))
    if raised_status != ProtectedStatus.NONE and not raised_reason.strip():
        raise ActionRefused(_("Say why you raise the status."))
    found = screen(Query(subject_name, subject_kana, subject_birth_date))
    registry_status = status_of(found)
    with transaction.atomic(durable=True):
        inquiry = Inquiry.objects.create(
            from_ward=from_ward,
            to_ward=to_ward,
            to_department=to_department,
            author=acting_user,
            created_at=created_at,
            subject_name=subject_name,
            subject_kana=subject_kana,
            subject_birth_date=subject_birth_date,
            question=question,
            reason=reason,
            urgency=urgency,
            registry_status=registry_status,
            raised_status=raised_status,
            raised_reason=raised_reason,
            protected_status=strongest(registry_status, raised_status),
            owning_ward_codes=found.owning_ward_codes(),
            person_ids=found.person_ids(),
            status_reasons=risk.screening_reasons(
                "subject", found, query_has_date=subject_birth_date is not None
            ),
            state=InquiryState.AWAITING_SIGNOFF,
        )
        record_event(
            kind=EventKind.INQUIRY_CREATED,
            actor=acting_user,
            occurred_at=created_at,
            decision=inquiry.protected_status,
            persons=inquiry.person_ids,
            data={
                "inquiry": str(inquiry.public_id),
                "to_ward": to_ward.code,
                "registry_status": registry_status,
                "raised_status": raised_status,
                "measures": sorted({m.measure_ref for m in found.matches}),
            },
        )
        notify(
            [
                s
                for s in staff_with_roles(Role.SUPERVISOR, wards=[from_ward])
                if s.pk != acting_user.pk
            ],
            subject=_("Inquiry awaiting your sign-off: %(status)s")
            % {"status": inquiry.get_protected_status_display()},
            body=_("%(author)s drafted an inquiry to %(ward)s.")
            % {"author": acting_user, "ward": to_ward},
            url=inquiry.get_absolute_url(),
            critical=inquiry.is_flagged,
            now=created_at,
        )
    return inquiry


def _locked_inquiry(inquiry: Inquiry) -> Inquiry:
    return (
        Inquiry.objects.select_for_update()
        .select_related("from_ward", "to_ward")
        .get(pk=inquiry.pk)
    )


def sign_off_inquiry(
    *,
    inquiry: Inquiry,
    acting_user: Staff,
    confirmed_minimal: bool,
    signed_at: datetime.datetime,
) -> Inquiry:
    """決裁: a supervisor of the sending ward, not the author, lets the inquiry leave."""
    with transaction.atomic(durable=True):
        inquiry = _locked_inquiry(inquiry)
        refuse_if(plan_permissions.sign_off_refusal(acting_user, inquiry, signed_at))
        if not confirmed_minimal:
            raise ActionRefused(_("Confirm that the inquiry asks only what is needed."))
        inquiry.state = InquiryState.SENT
        inquiry.signed_off_by = acting_user
        inquiry.signed_off_at = signed_at
        inquiry.save()
        record_event(
            kind=EventKind.INQUIRY_SIGNED_OFF,
            actor=acting_user,
            occurred_at=signed_at,
            decision="signed_off",
            persons=inquiry.person_ids,
            data={"inquiry": str(inquiry.public_id), "status": inquiry.protected_status},
        )
        status = inquiry.get_protected_status_display()
        url = inquiry.get_absolute_url()
        notify(
            staff_with_roles(Role.CLERK, Role.SUPERVISOR, wards=[inquiry.to_ward]),
            subject=_("New inquiry from %(ward)s — %(status)s")
            % {"ward": inquiry.from_ward, "status": status},
            body=_("Acknowledge the support-measure status before you read it."),
            url=url,
            critical=inquiry.is_flagged,
            now=signed_at,
        )
        tell_owning_wards(
            inquiry.owning_ward_codes,
            [inquiry.from_ward],
            now=signed_at,
            url=url,
            critical=True,
            subject=_("An inquiry about your protected resident — %(status)s") % {"status": status},
            body=_(
                "%(from_ward)s sent an inquiry to %(to_ward)s. Asked by %(author)s, "
                "signed off by %(approver)s. Why: %(reason)s"
            )
            % {
                "from_ward": inquiry.from_ward,
                "to_ward": inquiry.to_ward,
                "author": inquiry.author,
                "approver": acting_user,
                "reason": inquiry.reason,
            },
        )
    return inquiry


def refuse_inquiry(
    *, inquiry: Inquiry, acting_user: Staff, reason: str, refused_at: datetime.datetime
) -> Inquiry:
    with transaction.atomic(durable=True):
        inquiry = _locked_inquiry(inquiry)
        # Refusing is the other outcome of the same sign-off: the same people decide.
        refuse_if(plan_permissions.sign_off_refusal(acting_user, inquiry, refused_at))
        if not reason.strip():
            raise ActionRefused(_("Say why the inquiry is refused."))
        inquiry.state = InquiryState.REFUSED
        inquiry.refusal_reason = reason
        inquiry.save()
        record_event(
            kind=EventKind.INQUIRY_REFUSED,
            actor=acting_user,
            occurred_at=refused_at,
            decision="refused",
            reason=reason,
            persons=inquiry.person_ids,
            data={"inquiry": str(inquiry.public_id)},
        )
        notify(
            [inquiry.author],
            subject=_("Your inquiry was refused at sign-off"),
            body=reason,
            url=inquiry.get_absolute_url(),
            critical=False,
            now=refused_at,
        )
    return inquiry


def raise_inquiry_status(
    *,
    inquiry: Inquiry,
    acting_user: Staff,
    status: str,
    reason: str,
    raised_at: datetime.datetime,
) -> Inquiry:
    """The sending side may raise the status; nobody may lower it."""
    with transaction.atomic(durable=True):
        inquiry = _locked_inquiry(inquiry)
        refuse_if(plan_permissions.raise_refusal(acting_user, inquiry, status))
        if not reason.strip():
            raise ActionRefused(_("Say why you raise the status."))
        previous = inquiry.protected_status
        inquiry.raised_status = status
        inquiry.raised_reason = reason
        inquiry.protected_status = strongest(inquiry.registry_status, status)
        inquiry.status_changed_at = raised_at
        inquiry.save()
        _after_status_rise(inquiry, previous, acting_user, reason, raised_at)
    return inquiry


def _after_status_rise(
    inquiry: Inquiry, previous: str, actor: Staff | None, reason: str, at: datetime.datetime
) -> None:
    record_event(
        kind=EventKind.INQUIRY_STATUS_RAISED,
        actor=actor,
        occurred_at=at,
        ward=inquiry.from_ward,
        decision="raised",
        reason=reason,
        persons=inquiry.person_ids,
        data={"inquiry": str(inquiry.public_id), "from": previous, "to": inquiry.protected_status},
    )
    wards = [inquiry.from_ward]
    if inquiry.state != InquiryState.AWAITING_SIGNOFF:
        wards.append(inquiry.to_ward)
    notify(
        staff_with_roles(Role.CLERK, Role.SUPERVISOR, wards=wards),
        subject=_("Protected status raised to %(status)s: stop and check before any contact")
        % {"status": inquiry.get_protected_status_display()},
        body=_("Inquiry from %(from_ward)s to %(to_ward)s about %(name)s.")
        % {
            "from_ward": inquiry.from_ward,
            "to_ward": inquiry.to_ward,
            "name": inquiry.subject_name,
        },
        url=inquiry.get_absolute_url(),
        critical=True,
        now=at,
    )
    # Every plan already made for this inquiry is screened again, in the same transaction.
    for plan in (
        ContactPlan.objects.select_for_update(of=("self",))
        .select_related("acting_ward", "author", "inquiry")
        .filter(inquiry=inquiry, state__in=[PlanState.AWAITING_APPROVAL, PlanState.APPROVED])
        .order_by("pk")
    ):
        reassess_locked(plan, actor=actor, why="inquiry_status_raised", at=at)


def reevaluate_open_inquiries(*, now: datetime.datetime) -> list[str]:
    """After a registry change: re-screen every open inquiry; a higher status is applied at
    once and both sides are alerted. Idempotent (an unchanged status does nothing)."""
    raised: list[str] = []
    open_inquiries = list(
        Inquiry.objects.exclude(state__in=[InquiryState.ANSWERED, InquiryState.REFUSED]).only(
            "subject_name", "subject_kana", "subject_birth_date", "registry_status"
        )
    )
    # One batch screening for all of them, not one per inquiry.
    screenings = screen_many(
        [Query(i.subject_name, i.subject_kana, i.subject_birth_date) for i in open_inquiries]
    )
    for current, found in zip(open_inquiries, screenings, strict=True):
        new_registry = status_of(found)
        if (
            STATUS_RANK[ProtectedStatus(new_registry)]
            <= STATUS_RANK[ProtectedStatus(current.registry_status)]
        ):
            continue
        with transaction.atomic(durable=True):
            inquiry = _locked_inquiry(current)
            previous = inquiry.protected_status
            inquiry.registry_status = strongest(inquiry.registry_status, new_registry)
            inquiry.protected_status = strongest(inquiry.registry_status, inquiry.raised_status)
            inquiry.owning_ward_codes = sorted(
                set(inquiry.owning_ward_codes) | set(found.owning_ward_codes())
            )
            inquiry.person_ids = sorted(set(inquiry.person_ids) | set(found.person_ids()))
            inquiry.status_reasons = risk.screening_reasons(
                "subject", found, query_has_date=inquiry.subject_birth_date is not None
            )
            inquiry.status_changed_at = now
            inquiry.save()
            if inquiry.protected_status != previous:
                _after_status_rise(inquiry, previous, None, "registry_changed", now)
                raised.append(str(inquiry.public_id))
    # Plans carry their own people (the person contacted): screened again too.
    reevaluate_open_plans(now=now)
    return raised


def acknowledge_inquiry(
    *, inquiry: Inquiry, acting_user: Staff, acknowledged_at: datetime.datetime
) -> InquiryAcknowledgement:
    """The receiving ward confirms it has seen the protected status, before reading."""
    if not plan_permissions.is_receiving(acting_user, inquiry):
        raise NotPermitted(_("Only the receiving ward acknowledges an inquiry."))
    with transaction.atomic(durable=True):
        inquiry = _locked_inquiry(inquiry)
        ack, created = InquiryAcknowledgement.objects.get_or_create(
            inquiry=inquiry,
            staff=acting_user,
            status_acknowledged=inquiry.protected_status,
            defaults={"acknowledged_at": acknowledged_at},
        )
        if created:
            record_event(
                kind=EventKind.INQUIRY_ACKNOWLEDGED,
                actor=acting_user,
                occurred_at=acknowledged_at,
                decision="acknowledged",
                persons=inquiry.person_ids,
                data={"inquiry": str(inquiry.public_id), "status": inquiry.protected_status},
            )
    return ack


def has_acknowledged(inquiry: Inquiry, user: Staff) -> bool:
    return plan_permissions.has_acknowledged(inquiry, user)


def answer_inquiry(
    *, inquiry: Inquiry, acting_user: Staff, answer: str, answered_at: datetime.datetime
) -> Inquiry:
    with transaction.atomic(durable=True):
        inquiry = _locked_inquiry(inquiry)
        refuse_if(plan_permissions.answer_refusal(acting_user, inquiry))
        if not answer.strip():
            raise ActionRefused(_("Write the answer."))
        inquiry.answer = answer
        inquiry.answered_by = acting_user
        inquiry.answered_at = answered_at
        inquiry.state = InquiryState.ANSWER_AWAITING_SIGNOFF
        inquiry.save()
        record_event(
            kind=EventKind.INQUIRY_ANSWERED,
            actor=acting_user,
            occurred_at=answered_at,
            decision="answered",
            persons=inquiry.person_ids,
            data={"inquiry": str(inquiry.public_id)},
        )
        notify(
            [
                s
                for s in staff_with_roles(Role.SUPERVISOR, wards=[inquiry.to_ward])
                if s.pk != acting_user.pk
            ],
            subject=_("An answer awaits your sign-off — %(status)s")
            % {"status": inquiry.get_protected_status_display()},
            body=_("An answer is a disclosure: check it says only what is needed."),
            url=inquiry.get_absolute_url(),
            critical=inquiry.is_flagged,
            now=answered_at,
        )
    return inquiry


def sign_off_answer(
    *, inquiry: Inquiry, acting_user: Staff, signed_at: datetime.datetime
) -> Inquiry:
    with transaction.atomic(durable=True):
        inquiry = _locked_inquiry(inquiry)
        refuse_if(plan_permissions.sign_off_answer_refusal(acting_user, inquiry, signed_at))
        inquiry.state = InquiryState.ANSWERED
        inquiry.answer_signed_off_by = acting_user
        inquiry.answer_signed_off_at = signed_at
        inquiry.save()
        record_event(
            kind=EventKind.ANSWER_SIGNED_OFF,
            actor=acting_user,
            occurred_at=signed_at,
            decision="signed_off",
            persons=inquiry.person_ids,
            data={"inquiry": str(inquiry.public_id)},
        )
        notify(
            [inquiry.author],
            subject=_("Your inquiry was answered"),
            body=str(inquiry.to_ward),
            url=inquiry.get_absolute_url(),
            critical=inquiry.is_flagged,
            now=signed_at,
        )
    return inquiry


def record_audit_reading(
    *,
    acting_user: Staff,
    plan: ContactPlan | None = None,
    inquiry: Inquiry | None = None,
    read_at: datetime.datetime,
) -> None:
    """An auditor reads a plan or an inquiry (read-only): who watched is recorded too."""
    if not acting_user.has_role(Role.AUDITOR):
        raise NotPermitted(_("Only auditors read plans and inquiries of every ward."))
    subject = plan if plan is not None else inquiry
    if subject is None:
        raise ValueError("a plan or an inquiry")
    with transaction.atomic(durable=True):
        record_event(
            kind=EventKind.DETAILS_VIEWED,
            actor=acting_user,
            occurred_at=read_at,
            decision="shown",
            reason="audit",
            persons=subject.person_ids,
            data={"plan": str(plan.public_id)}
            if plan is not None
            else {"inquiry": str(subject.public_id)},
        )


def record_flagged_reading(
    *, acting_user: Staff, inquiry: Inquiry, read_at: datetime.datetime, page: str = "inquiry"
) -> bool:
    """Case staff read a flagged inquiry (after its acknowledgement, each time): the page
    (`inquiry`, `answer` or `sign_off`) tells who the person is and which ward asked about
    them, a place, so each reading is a `details.viewed` event. An inquiry nobody flagged is
    not recorded. Returns whether it was."""
    if not inquiry.is_flagged:
        return False
    if plan_permissions.must_acknowledge(acting_user, inquiry):
        raise AcknowledgementRequired(_("Acknowledge the support-measure status first."))
    with transaction.atomic(durable=True):
        record_event(
            kind=EventKind.DETAILS_VIEWED,
            actor=acting_user,
            occurred_at=read_at,
            decision="shown",
            persons=inquiry.person_ids,
            data={"inquiry": str(inquiry.public_id), "page": page},
        )
    return True

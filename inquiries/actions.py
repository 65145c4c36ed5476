"""Every change to inquiries and contact plans: one transaction, its audit event, its notices.

Two people, never one: an inquiry, an answer and a contact plan each need a supervisor of the
acting ward who did not write it (promise 2). The protected status travels with the inquiry
and only ever rises (promise 1). Contact targets are screened (promise 3) and the wording is
checked by the disclosure guard (promise 4). Every step is an audit event (promise 5).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from auditlog.actions import record_event
from auditlog.models import EventKind
from inquiries import guard
from inquiries.models import (
    STATUS_RANK,
    ContactPlan,
    ContactRecord,
    DisclosureCategory,
    Inquiry,
    InquiryAcknowledgement,
    InquiryState,
    Notification,
    PlanApproval,
    PlanState,
    ProtectedStatus,
    Risk,
)
from supportmeasures import permissions
from supportmeasures.actions import (
    ActionRefused,
    InvalidTransition,
    NotPermitted,
    SameStaffMember,
    TrainingLapsed,
)
from supportmeasures.models import NoticeMode, Role, Staff, Ward
from supportmeasures.screening import Query, Result, Screening, screen, screen_many
from supportmeasures.selectors import staff_with_roles

logger = logging.getLogger(__name__)

RESULT_TO_STATUS = {
    Result.CLEAR: ProtectedStatus.NONE,
    Result.POSSIBLE_MATCH: ProtectedStatus.POSSIBLE_MATCH,
    Result.PROTECTED: ProtectedStatus.PROTECTED,
    Result.COUNTERPARTY: ProtectedStatus.COUNTERPARTY,
}


class PlanNeedsRewording(ActionRefused):
    pass


def strongest(*statuses: str) -> str:
    return max(statuses, key=lambda s: STATUS_RANK[ProtectedStatus(s)])


def _status_of(screening: Screening) -> str:
    return RESULT_TO_STATUS[Result(screening.result)]


def _in_ward(user: Staff, ward: Ward) -> bool:
    return user.has_role(*permissions.CASE_ROLES) and ward.pk in permissions.ward_ids(user)


def _require_supervisor_of(user: Staff, ward: Ward, today: datetime.date) -> None:
    if not (user.has_role(Role.SUPERVISOR) and ward.pk in permissions.ward_ids(user)):
        raise NotPermitted(_("Only a supervisor of %(ward)s can sign this off.") % {"ward": ward})
    if not permissions.is_trained(user, today):
        raise TrainingLapsed()


# --- notifications -------------------------------------------------------------------------


def notify(
    recipients: Iterable[Staff],
    *,
    subject: str,
    body: str,
    url: str,
    critical: bool,
    now: datetime.datetime,
) -> None:
    """Write in-app notices in the act's transaction; their emails go out after commit.

    If Redis is down when the transaction commits, the notice is not lost: it stays unsent in
    the database and the delivery sweep (every minute, and at the next enqueue) sends it once.
    """
    rows = [
        Notification(
            recipient=r,
            created_at=now,
            critical=critical,
            subject=subject[:200],
            body=body,
            url=url,
            # Critical notices are always immediate, whatever the ward chose.
            digest=not critical and r.ward is not None and r.ward.notice_mode == NoticeMode.HOURLY,
        )
        for r in {r.pk: r for r in recipients if r.is_active}.values()
    ]
    if not rows:
        return
    Notification.objects.bulk_create(rows)
    transaction.on_commit(enqueue_delivery)


def enqueue_delivery() -> None:
    from inquiries.tasks import deliver_notifications

    try:
        deliver_notifications.delay()
    except Exception:  # the broker is down: the sweep delivers later, nothing is lost
        logger.warning("notification delivery not queued; the sweep will send it", exc_info=True)


def deliver_pending_notifications(*, now: datetime.datetime, limit: int = 500) -> int:
    """Email unsent notices once each: rows are locked and marked in one transaction."""
    from django.core.mail import send_mail

    sent = 0
    with transaction.atomic():
        pending = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(emailed_at__isnull=True, digest=False)
            .select_related("recipient")
            .order_by("pk")[:limit]
        )
        for notice in pending:
            if notice.recipient.email:
                prefix = "【重要】" if notice.critical else ""
                send_mail(
                    prefix + notice.subject,
                    f"{notice.body}\n\n{notice.url}",
                    settings.DEFAULT_FROM_EMAIL,
                    [notice.recipient.email],
                )
            notice.emailed_at = now
            notice.save(update_fields=["emailed_at"])
            sent += 1
    return sent


def send_digests(*, now: datetime.datetime) -> int:
    """Hourly: one email per recipient listing their digest notices; each notice once."""
    from django.core.mail import send_mail

    sent = 0
    with transaction.atomic():
        pending = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(emailed_at__isnull=True, digest=True)
            .select_related("recipient")
            .order_by("recipient_id", "pk")
        )
        by_recipient: dict[int, list[Notification]] = {}
        for notice in pending:
            by_recipient.setdefault(notice.recipient_id, []).append(notice)
        for notices in by_recipient.values():
            recipient = notices[0].recipient
            if recipient.email:
                lines = [f"- {n.subject} {n.url}" for n in notices]
                send_mail(
                    _("Mamori: %(n)d notices") % {"n": len(notices)},
                    "\n".join(lines),
                    settings.DEFAULT_FROM_EMAIL,
                    [recipient.email],
                )
                sent += 1
        Notification.objects.filter(pk__in=[n.pk for n in pending]).update(emailed_at=now)
    return sent


def _owning_wards(codes: Iterable[str]) -> list[Ward]:
    return list(Ward.objects.filter(code__in=list(codes)))


def _tell_owning_wards(
    codes: Iterable[str],
    exclude: Iterable[Ward],
    *,
    subject: str,
    body: str,
    url: str,
    critical: bool,
    now: datetime.datetime,
) -> None:
    """The owning ward of a protected resident hears of every inquiry and plan about them."""
    skip = {w.pk for w in exclude}
    wards = [w for w in _owning_wards(codes) if w.pk not in skip]
    if wards:
        notify(
            staff_with_roles(Role.SUPERVISOR, Role.CLERK, wards=wards),
            subject=subject,
            body=body,
            url=url,
            critical=critical,
            now=now,
        )


# --- inquiries -------------------------------------------------------------------------------


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
    if from_ward is None or not _in_ward(acting_user, from_ward):
        raise NotPermitted(_("Only clerks and supervisors of a ward can send inquiries."))
    if to_ward.pk == from_ward.pk:
        raise ActionRefused(_("An inquiry goes to another ward."))
    if raised_status != ProtectedStatus.NONE and not raised_reason.strip():
        raise ActionRefused(_("Say why you raise the status."))
    found = screen(Query(subject_name, subject_kana, subject_birth_date))
    registry_status = _status_of(found)
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
    today = timezone.localdate(signed_at)
    with transaction.atomic(durable=True):
        inquiry = _locked_inquiry(inquiry)
        _require_supervisor_of(acting_user, inquiry.from_ward, today)
        if inquiry.author_id == acting_user.pk:
            raise SameStaffMember(_("The author of an inquiry cannot sign it off."))
        if inquiry.state != InquiryState.AWAITING_SIGNOFF:
            raise InvalidTransition(_("This inquiry is not awaiting sign-off."))
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
        _tell_owning_wards(
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
    today = timezone.localdate(refused_at)
    with transaction.atomic(durable=True):
        inquiry = _locked_inquiry(inquiry)
        _require_supervisor_of(acting_user, inquiry.from_ward, today)
        if inquiry.author_id == acting_user.pk:
            raise SameStaffMember(_("The author of an inquiry cannot decide on it."))
        if inquiry.state != InquiryState.AWAITING_SIGNOFF:
            raise InvalidTransition(_("This inquiry is not awaiting sign-off."))
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
        if not _in_ward(acting_user, inquiry.from_ward):
            raise NotPermitted(_("Only the sending ward can raise the status."))
        if (
            STATUS_RANK[ProtectedStatus(status)]
            <= STATUS_RANK[ProtectedStatus(inquiry.protected_status)]
        ):
            raise ActionRefused(_("The status can only be raised, never lowered."))
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
        new_registry = _status_of(found)
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
            inquiry.status_changed_at = now
            inquiry.save()
            if inquiry.protected_status != previous:
                _after_status_rise(inquiry, previous, None, "registry_changed", now)
                raised.append(str(inquiry.public_id))
    return raised


def acknowledge_inquiry(
    *, inquiry: Inquiry, acting_user: Staff, acknowledged_at: datetime.datetime
) -> InquiryAcknowledgement:
    """The receiving ward confirms it has seen the protected status, before reading."""
    if not _in_ward(acting_user, inquiry.to_ward):
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
    return InquiryAcknowledgement.objects.filter(
        inquiry=inquiry, staff=user, status_acknowledged=inquiry.protected_status
    ).exists()


def answer_inquiry(
    *, inquiry: Inquiry, acting_user: Staff, answer: str, answered_at: datetime.datetime
) -> Inquiry:
    with transaction.atomic(durable=True):
        inquiry = _locked_inquiry(inquiry)
        if not _in_ward(acting_user, inquiry.to_ward):
            raise NotPermitted(_("Only the receiving ward answers an inquiry."))
        if inquiry.state not in (InquiryState.SENT, InquiryState.ANSWER_AWAITING_SIGNOFF):
            raise InvalidTransition(_("This inquiry cannot be answered now."))
        if inquiry.is_flagged and not has_acknowledged(inquiry, acting_user):
            raise ActionRefused(_("Acknowledge the support-measure status first."))
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
    today = timezone.localdate(signed_at)
    with transaction.atomic(durable=True):
        inquiry = _locked_inquiry(inquiry)
        _require_supervisor_of(acting_user, inquiry.to_ward, today)
        if inquiry.answered_by_id == acting_user.pk:
            raise SameStaffMember(_("The author of an answer cannot sign it off."))
        if inquiry.is_flagged and not has_acknowledged(inquiry, acting_user):
            raise ActionRefused(_("Acknowledge the support-measure status first."))
        if inquiry.state != InquiryState.ANSWER_AWAITING_SIGNOFF:
            raise InvalidTransition(_("No answer is awaiting sign-off."))
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


# --- contact plans ---------------------------------------------------------------------------


def plan_fingerprint(plan: ContactPlan) -> str:
    """What an approval binds to: every field that says whom, how, why and what."""
    content: dict[str, object] = {
        field: str(getattr(plan, field))
        for field in ("inquiry_id", "matter_name", "matter_kana", "matter_birth_date",
                      "target_name", "target_kana", "target_birth_date", "target_contact",
                      "target_relation", "channel", "purpose", "wording", "is_emergency",
                      "emergency_reason")
    }  # fmt: skip
    content["categories"] = sorted(plan.categories)
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def assess(plan: ContactPlan) -> None:
    """Risk, screening and guard findings: computed by the server, never entered."""
    target = screen(Query(plan.target_name, plan.target_kana, plan.target_birth_date))
    matter = (
        screen(Query(plan.matter_name, plan.matter_kana, plan.matter_birth_date))
        if plan.matter_name or plan.matter_kana
        else Screening(Result.CLEAR)
    )
    plan.target_status = _status_of(target)
    plan.matter_status = _status_of(matter)
    if plan.inquiry is not None:
        plan.matter_status = strongest(plan.matter_status, plan.inquiry.protected_status)
    if plan.target_status == ProtectedStatus.COUNTERPARTY:
        plan.risk = Risk.CRITICAL
    elif plan.matter_status in (
        ProtectedStatus.PROTECTED,
        ProtectedStatus.COUNTERPARTY,
        ProtectedStatus.POSSIBLE_MATCH,
    ) or plan.target_status in (ProtectedStatus.PROTECTED, ProtectedStatus.POSSIBLE_MATCH):
        plan.risk = Risk.HIGH
    else:
        plan.risk = Risk.NORMAL
    ward_names = list(Ward.objects.values_list("name", flat=True))
    offices = ward_names + [f"{name}役所" for name in ward_names]
    plan.findings = [f.as_dict() for f in guard.check(plan.wording, plan.categories, offices)]
    codes = set(target.owning_ward_codes()) | set(matter.owning_ward_codes())
    people = set(target.person_ids()) | set(matter.person_ids())
    if plan.inquiry is not None:
        codes |= set(plan.inquiry.owning_ward_codes)
        people |= set(plan.inquiry.person_ids)
    plan.owning_ward_codes = sorted(codes)
    plan.person_ids = sorted(people)
    plan.fingerprint = plan_fingerprint(plan)


PLAN_FIELDS = (
    "inquiry", "matter_name", "matter_kana", "matter_birth_date", "target_name", "target_kana",
    "target_birth_date", "target_contact", "target_relation", "channel", "purpose",
    "categories", "wording", "is_emergency", "emergency_reason",
)  # fmt: skip


def _validate_plan(plan: ContactPlan) -> None:
    unknown = set(plan.categories) - set(DisclosureCategory.values)
    if unknown or not plan.categories:
        raise ActionRefused(_("Tick what will be disclosed."))
    if plan.is_emergency and not plan.emergency_reason.strip():
        raise ActionRefused(_("Say why the contact cannot wait."))


def _plan_event_data(plan: ContactPlan) -> dict[str, object]:
    return {
        "plan": str(plan.public_id),
        "risk": plan.risk,
        "target_status": plan.target_status,
        "matter_status": plan.matter_status,
        "emergency": plan.is_emergency,
        "findings": [f["kind"] for f in plan.findings],
        "fingerprint": plan.fingerprint,
    }


def _ask_approvers(plan: ContactPlan, actor: Staff, now: datetime.datetime) -> None:
    """Tell whoever may approve the plan that it awaits them (never its author)."""
    if plan.is_emergency:
        # Any two supervisors of the city may approve an emergency: all of them hear at once.
        approvers = [
            s
            for s in Staff.objects.filter(
                is_active=True, groups__name=Role.SUPERVISOR
            ).select_related("ward")
            if s.pk not in (actor.pk, plan.author_id)
        ]
        subject = _("EMERGENCY contact plan needs two approvers now")
    else:
        approvers = [
            s
            for s in staff_with_roles(Role.SUPERVISOR, wards=[plan.acting_ward])
            if s.pk not in (actor.pk, plan.author_id)
        ]
        subject = _("Contact plan awaiting approval — risk %(risk)s") % {
            "risk": plan.get_risk_display()
        }
    if plan.state == PlanState.AWAITING_APPROVAL:
        notify(
            approvers,
            subject=subject,
            body=plan.purpose,
            url=plan.get_absolute_url(),
            critical=plan.is_emergency or plan.risk == Risk.CRITICAL,
            now=now,
        )


def _announce_plan(plan: ContactPlan, actor: Staff, now: datetime.datetime) -> None:
    url = plan.get_absolute_url()
    _ask_approvers(plan, actor, now)
    _tell_owning_wards(
        plan.owning_ward_codes,
        [plan.acting_ward],
        now=now,
        url=url,
        critical=True,
        subject=_("A contact is planned concerning your protected resident"),
        body=_("%(ward)s plans a %(channel)s to %(target)s. By %(author)s. Why: %(purpose)s")
        % {
            "ward": plan.acting_ward,
            "channel": plan.get_channel_display(),
            "target": plan.target_name,
            "author": actor,
            "purpose": plan.purpose,
        },
    )


def create_plan(
    *, acting_user: Staff, created_at: datetime.datetime, **fields: object
) -> ContactPlan:
    """Record a plan before any contact. A normal-risk plan needs no approval."""
    ward = acting_user.ward
    if ward is None or not _in_ward(acting_user, ward):
        raise NotPermitted(_("Only clerks and supervisors of a ward can plan contacts."))
    plan = ContactPlan(
        acting_ward=ward,
        author=acting_user,
        created_at=created_at,
        updated_at=created_at,
        **{k: v for k, v in fields.items() if k in PLAN_FIELDS},
    )
    if plan.inquiry is not None and not (
        _in_ward(acting_user, plan.inquiry.to_ward) or _in_ward(acting_user, plan.inquiry.from_ward)
    ):
        raise NotPermitted(_("That inquiry is not your ward's."))
    _validate_plan(plan)
    assess(plan)
    plan.state = (
        PlanState.APPROVED
        if plan.risk == Risk.NORMAL and not plan.is_emergency
        else PlanState.AWAITING_APPROVAL
    )
    with transaction.atomic(durable=True):
        plan.save()
        record_event(
            kind=EventKind.PLAN_CREATED,
            actor=acting_user,
            occurred_at=created_at,
            decision=plan.risk,
            persons=plan.person_ids,
            data=_plan_event_data(plan),
        )
        _announce_plan(plan, acting_user, created_at)
    return plan


def update_plan(
    *, plan: ContactPlan, acting_user: Staff, updated_at: datetime.datetime, **fields: object
) -> ContactPlan:
    """Change a plan. Approvals bind to the exact plan: any change withdraws them."""
    with transaction.atomic(durable=True):
        plan = ContactPlan.objects.select_for_update().select_related("acting_ward").get(pk=plan.pk)
        if plan.author_id != acting_user.pk:
            raise NotPermitted(_("Only the author changes a plan."))
        if plan.state in (PlanState.CONTACTED, PlanState.WITHDRAWN):
            raise InvalidTransition(_("This plan can no longer be changed."))
        for key, value in fields.items():
            if key in PLAN_FIELDS:
                setattr(plan, key, value)
        _validate_plan(plan)
        previous = plan.fingerprint
        assess(plan)
        if plan.fingerprint == previous:
            return plan
        withdrawn = plan.approvals.filter(withdrawn_at__isnull=True).update(withdrawn_at=updated_at)
        plan.state = (
            PlanState.APPROVED
            if plan.risk == Risk.NORMAL and not plan.is_emergency
            else PlanState.AWAITING_APPROVAL
        )
        plan.updated_at = updated_at
        plan.refusal_reason = ""
        plan.save()
        record_event(
            kind=EventKind.PLAN_UPDATED,
            actor=acting_user,
            occurred_at=updated_at,
            decision="changed",
            persons=plan.person_ids,
            data={**_plan_event_data(plan), "approvals_withdrawn": withdrawn},
        )
        _announce_plan(plan, acting_user, updated_at)
    return plan


def valid_approvals(plan: ContactPlan, at: datetime.datetime) -> list[PlanApproval]:
    return list(
        plan.approvals.filter(
            withdrawn_at__isnull=True, fingerprint=plan.fingerprint, expires_at__gt=at
        ).select_related("approver")
    )


def approve_plan(
    *, plan: ContactPlan, acting_user: Staff, approved_at: datetime.datetime
) -> ContactPlan:
    """One approver's sign-off. High: one approver; critical or emergency: two different."""
    today = timezone.localdate(approved_at)
    with transaction.atomic(durable=True):
        plan = ContactPlan.objects.select_for_update().select_related("acting_ward").get(pk=plan.pk)
        if plan.is_emergency:
            if not acting_user.has_role(Role.SUPERVISOR):
                raise NotPermitted(_("Only supervisors approve contact plans."))
            if not permissions.is_trained(acting_user, today):
                raise TrainingLapsed()
        else:
            _require_supervisor_of(acting_user, plan.acting_ward, today)
        if plan.author_id == acting_user.pk:
            raise SameStaffMember(_("Nobody approves their own plan."))
        if plan.state != PlanState.AWAITING_APPROVAL:
            raise InvalidTransition(_("This plan is not awaiting approval."))
        if plan.risk == Risk.CRITICAL and plan.findings:
            raise PlanNeedsRewording(
                _(
                    "The wording reveals where a protected person is or has been. It must be "
                    "changed before a critical plan can be approved."
                )
            )
        current = valid_approvals(plan, approved_at)
        if any(a.approver_id == acting_user.pk for a in current):
            raise SameStaffMember(_("You have already approved this plan."))
        hours = settings.MAMORI_APPROVAL_HOURS
        try:
            with transaction.atomic():
                PlanApproval.objects.create(
                    plan=plan,
                    approver=acting_user,
                    approved_at=approved_at,
                    expires_at=approved_at + datetime.timedelta(hours=hours),
                    fingerprint=plan.fingerprint,
                )
        except IntegrityError as exc:
            raise SameStaffMember(_("You have already approved this plan.")) from exc
        complete = len(current) + 1 >= plan.approvals_needed
        if complete:
            plan.state = PlanState.APPROVED
            plan.save(update_fields=["state"])
        record_event(
            kind=EventKind.PLAN_APPROVED,
            actor=acting_user,
            occurred_at=approved_at,
            decision="approved" if complete else "signed_off",
            persons=plan.person_ids,
            data={
                "plan": str(plan.public_id),
                "fingerprint": plan.fingerprint,
                "approvals": len(current) + 1,
                "needed": plan.approvals_needed,
            },
        )
        if complete:
            notify(
                [plan.author],
                subject=_("Your contact plan was approved"),
                body=plan.purpose,
                url=plan.get_absolute_url(),
                critical=False,
                now=approved_at,
            )
    return plan


def refuse_plan(
    *, plan: ContactPlan, acting_user: Staff, reason: str, refused_at: datetime.datetime
) -> ContactPlan:
    today = timezone.localdate(refused_at)
    with transaction.atomic(durable=True):
        plan = ContactPlan.objects.select_for_update().select_related("acting_ward").get(pk=plan.pk)
        if plan.is_emergency and acting_user.has_role(Role.SUPERVISOR):
            if not permissions.is_trained(acting_user, today):
                raise TrainingLapsed()
        else:
            _require_supervisor_of(acting_user, plan.acting_ward, today)
        if plan.author_id == acting_user.pk:
            raise SameStaffMember(_("Nobody decides on their own plan."))
        if plan.state not in (PlanState.AWAITING_APPROVAL, PlanState.APPROVED):
            raise InvalidTransition(_("This plan cannot be refused now."))
        if not reason.strip():
            raise ActionRefused(_("Say why the plan is refused."))
        plan.state = PlanState.REFUSED
        plan.refusal_reason = reason
        plan.save(update_fields=["state", "refusal_reason"])
        plan.approvals.filter(withdrawn_at__isnull=True).update(withdrawn_at=refused_at)
        record_event(
            kind=EventKind.PLAN_REFUSED,
            actor=acting_user,
            occurred_at=refused_at,
            decision="refused",
            reason=reason,
            persons=plan.person_ids,
            data={"plan": str(plan.public_id)},
        )
        notify(
            [plan.author],
            subject=_("Your contact plan was refused"),
            body=reason,
            url=plan.get_absolute_url(),
            critical=False,
            now=refused_at,
        )
    return plan


def record_contact(
    *,
    plan: ContactPlan,
    acting_user: Staff,
    said: str,
    outcome: str,
    categories: list[str],
    contacted_at: datetime.datetime,
) -> ContactRecord:
    """After the contact: what was said and what came of it. Without a valid approved plan
    (when one was needed) it is refused, and the refusal is an audit event."""
    plan = ContactPlan.objects.select_related("acting_ward").get(pk=plan.pk)
    if not _in_ward(acting_user, plan.acting_ward):
        raise NotPermitted(_("Only the acting ward records its contacts."))
    refusal = ""
    if plan.state != PlanState.APPROVED:
        refusal = "no_approved_plan"
    elif (plan.risk != Risk.NORMAL or plan.is_emergency) and len(
        valid_approvals(plan, contacted_at)
    ) < plan.approvals_needed:
        refusal = "approval_expired"
    if refusal:
        with transaction.atomic(durable=True):
            record_event(
                kind=EventKind.CONTACT_REFUSED,
                actor=acting_user,
                occurred_at=contacted_at,
                decision="refused",
                reason=refusal,
                persons=plan.person_ids,
                data={"plan": str(plan.public_id), "risk": plan.risk},
            )
        raise ActionRefused(
            _(
                "This plan is not approved (or its approval expired): the contact may not be "
                "made or recorded. The attempt was recorded."
            )
        )
    if not said.strip() or not outcome.strip():
        raise ActionRefused(_("Record what was said and the outcome."))
    beyond = sorted(set(categories) - set(plan.categories))
    with transaction.atomic(durable=True):
        record = ContactRecord.objects.create(
            plan=plan,
            recorded_by=acting_user,
            contacted_at=contacted_at,
            said=said,
            outcome=outcome,
            categories=sorted(categories),
            beyond_plan=beyond,
        )
        plan.state = PlanState.CONTACTED
        plan.save(update_fields=["state"])
        record_event(
            kind=EventKind.CONTACT_RECORDED,
            actor=acting_user,
            occurred_at=contacted_at,
            decision="recorded",
            persons=plan.person_ids,
            data={"plan": str(plan.public_id), "beyond_plan": beyond},
        )
        if beyond:
            approvers = [a.approver for a in plan.approvals.select_related("approver__ward")]
            auditors = list(
                Staff.objects.filter(is_active=True, groups__name=Role.AUDITOR).select_related(
                    "ward"
                )
            )
            notify(
                [*approvers, *auditors],
                subject=_("A contact disclosed more than approved"),
                body=", ".join(str(DisclosureCategory(c).label) for c in beyond),
                url=plan.get_absolute_url(),
                critical=True,
                now=contacted_at,
            )
    return record


def review_emergency(
    *, plan: ContactPlan, acting_user: Staff, note: str, reviewed_at: datetime.datetime
) -> ContactPlan:
    """Every emergency is reviewed afterwards by the owning ward (or the acting ward)."""
    today = timezone.localdate(reviewed_at)
    with transaction.atomic(durable=True):
        plan = ContactPlan.objects.select_for_update().get(pk=plan.pk)
        if not plan.is_emergency:
            raise InvalidTransition(_("This plan was not an emergency."))
        if plan.emergency_reviewed_at is not None:
            raise InvalidTransition(_("This emergency has already been reviewed."))
        wards = _owning_wards(plan.owning_ward_codes) or [plan.acting_ward]
        if not any(
            acting_user.has_role(Role.SUPERVISOR) and w.pk in permissions.ward_ids(acting_user)
            for w in wards
        ):
            raise NotPermitted(_("A supervisor of the owning ward reviews emergencies."))
        if not permissions.is_trained(acting_user, today):
            raise TrainingLapsed()
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


def mark_read(*, user: Staff, read_at: datetime.datetime) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=read_at)


def expire_approvals(*, now: datetime.datetime) -> list[str]:
    """An approved plan whose approvals have expired (MAMORI_APPROVAL_HOURS) and was not acted
    on goes back to awaiting approval: the expiry is an event, the author and the approvers
    are told. Idempotent: only plans still approved are looked at."""
    expired = []
    candidates = (
        ContactPlan.objects.filter(
            state=PlanState.APPROVED,
            approvals__withdrawn_at__isnull=True,
            approvals__expires_at__lte=now,
        )
        .exclude(risk=Risk.NORMAL, is_emergency=False)
        .values_list("pk", flat=True)
        .distinct()
    )
    for pk in list(candidates):
        with transaction.atomic(durable=True):
            plan = (
                ContactPlan.objects.select_for_update()
                .select_related("acting_ward", "author")
                .get(pk=pk)
            )
            if plan.state != PlanState.APPROVED:
                continue
            if len(valid_approvals(plan, now)) >= plan.approvals_needed:
                continue
            lapsed = plan.approvals.filter(withdrawn_at__isnull=True, expires_at__lte=now)
            count = lapsed.update(withdrawn_at=now)
            plan.state = PlanState.AWAITING_APPROVAL
            plan.updated_at = now
            plan.escalated_at = None
            plan.save(update_fields=["state", "updated_at", "escalated_at"])
            record_event(
                kind=EventKind.APPROVAL_EXPIRED,
                actor=None,
                occurred_at=now,
                ward=plan.acting_ward,
                decision="expired",
                reason="approval_expired",
                persons=plan.person_ids,
                data={"plan": str(plan.public_id), "approvals_expired": count},
            )
            notify(
                [plan.author],
                subject=_("The approval of your contact plan expired: ask again before contacting"),
                body=plan.purpose,
                url=plan.get_absolute_url(),
                critical=False,
                now=now,
            )
            _ask_approvers(plan, plan.author, now)
        expired.append(str(plan.public_id))
    return expired


def escalate_waiting_plans(*, now: datetime.datetime) -> list[str]:
    """A plan waiting longer than MAMORI_ESCALATION_MINUTES goes to every supervisor of the
    acting ward, once (idempotent: escalated_at is set in the same transaction)."""
    cutoff = now - datetime.timedelta(minutes=settings.MAMORI_ESCALATION_MINUTES)
    escalated = []
    for pk in ContactPlan.objects.filter(
        state=PlanState.AWAITING_APPROVAL, updated_at__lt=cutoff, escalated_at__isnull=True
    ).values_list("pk", flat=True):
        with transaction.atomic(durable=True):
            plan = ContactPlan.objects.select_for_update().select_related("acting_ward").get(pk=pk)
            if plan.escalated_at is not None or plan.state != PlanState.AWAITING_APPROVAL:
                continue
            plan.escalated_at = now
            plan.save(update_fields=["escalated_at"])
            notify(
                [
                    s
                    for s in staff_with_roles(Role.SUPERVISOR, wards=[plan.acting_ward])
                    if s.pk != plan.author_id
                ],
                subject=_("A contact plan has waited too long for approval"),
                body=plan.purpose,
                url=plan.get_absolute_url(),
                critical=True,
                now=now,
            )
            escalated.append(str(plan.public_id))
    return escalated

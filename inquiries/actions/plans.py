"""Contact plans: assessed by the server, approved by people, reassessed when a status rises."""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from auditlog.actions import record_event
from auditlog.models import EventKind
from inquiries import guard, risk
from inquiries import permissions as plan_permissions
from inquiries.actions.common import status_of, strongest
from inquiries.actions.events import plan_event_data
from inquiries.actions.notifications import notify, owning_wards, tell_owning_wards
from inquiries.models import (
    ContactPlan,
    ContactRecord,
    DisclosureCategory,
    PlanApproval,
    PlanState,
    ProtectedStatus,
    Risk,
)
from supportmeasures.actions import (
    ActionRefused,
    NotPermitted,
    SameStaffMember,
)
from supportmeasures.actions.common import refuse_if
from supportmeasures.models import PartyRole, Person, Role, Staff, Ward
from supportmeasures.screening import Query, Result, Screening, screen, screen_many
from supportmeasures.selectors import staff_with_roles


def plan_fingerprint(plan: ContactPlan) -> str:
    """What an approval binds to: every field that says whom, how, why and what, and the
    risk and statuses the approver saw. A status that rises later changes it, so an approval
    given before no longer counts (promise 9)."""
    content: dict[str, object] = {
        field: str(getattr(plan, field))
        for field in ("inquiry_id", "matter_name", "matter_kana", "matter_birth_date",
                      "target_name", "target_kana", "target_birth_date", "target_contact",
                      "target_relation", "channel", "purpose", "wording", "is_emergency",
                      "emergency_reason", "risk", "target_status", "matter_status",
                      "needs_rewording")
    }  # fmt: skip
    content["categories"] = sorted(plan.categories)
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def _office_names() -> list[str]:
    names = list(Ward.objects.values_list("name", flat=True))
    return names + [f"{name}役所" for name in names]


def _protected_names(*screenings: Screening) -> set[str]:
    return {
        m.person_name
        for found in screenings
        for m in found.matches
        if m.role != PartyRole.COUNTERPARTY
    }


def _is_the_protected_person(target: Screening, matter: Screening, inquiry_ids: set[str]) -> bool:
    """The plan contacts the protected person herself (a certain match, never a possible one):
    telling her where she is reveals nothing to anyone else."""
    if target.result != Result.PROTECTED:
        return False
    own = {str(m.person_public_id) for m in target.matches if m.result == Result.PROTECTED}
    concerned = set(matter.person_ids()) | inquiry_ids
    return not concerned or bool(own & concerned)


@dataclass(frozen=True)
class GuardContext:
    """What the disclosure guard needs to know about a plan: the same for its wording and
    for what was actually said."""

    office_names: list[str]
    protected_names: list[str]
    own_office_names: list[str]
    own_ward_holds_the_case: bool

    def check(self, text: str, categories: Iterable[str]) -> list[guard.Finding]:
        categories = list(categories)
        return guard.check(
            text,
            categories,
            self.office_names,
            protected_names=self.protected_names,
            own_office_names=self.own_office_names,
            own_identity_allowed=DisclosureCategory.IDENTITY in categories
            and not self.own_ward_holds_the_case,
        )


def assess(plan: ContactPlan) -> GuardContext:
    """Risk, screening and guard findings: computed by the server, never entered."""
    target = screen(Query(plan.target_name, plan.target_kana, plan.target_birth_date))
    matter = (
        screen(Query(plan.matter_name, plan.matter_kana, plan.matter_birth_date))
        if plan.matter_name or plan.matter_kana
        else Screening(Result.CLEAR)
    )
    inquiry = plan.inquiry
    plan.target_status = status_of(target)
    plan.matter_status = status_of(matter)
    codes = set(target.owning_ward_codes()) | set(matter.owning_ward_codes())
    people = set(target.person_ids()) | set(matter.person_ids())
    inquiry_people: set[str] = set()
    if inquiry is not None:
        plan.matter_status = strongest(plan.matter_status, inquiry.protected_status)
        codes |= set(inquiry.owning_ward_codes)
        inquiry_people = set(inquiry.person_ids)
        people |= inquiry_people
    plan.owning_ward_codes = sorted(codes)
    plan.person_ids = sorted(people)
    is_self = _is_the_protected_person(target, matter, inquiry_people)
    # The names of the protected people the plan concerns, as registered and as typed: said
    # to anyone but her, a name confirms she is known here.
    protected_names: set[str] = set()
    if not is_self and risk.is_flagged(plan.matter_status):
        protected_names = _protected_names(matter) | {plan.matter_name}
        if inquiry is not None and inquiry.is_flagged:
            protected_names.add(inquiry.subject_name)
            protected_names |= set(
                Person.objects.filter(
                    public_id__in=inquiry.person_ids,
                    parties__role__in=[PartyRole.PROTECTED, PartyRole.JOINT],
                ).values_list("name", flat=True)
            )
    ward = plan.acting_ward
    context = GuardContext(
        office_names=_office_names(),
        protected_names=sorted(n for n in protected_names if n),
        own_office_names=[ward.name, f"{ward.name}役所"],
        # Saying who we are is no disclosure, unless our own ward holds the case (then
        # 「鶴見区役所の者です」 said to him tells him where she is).
        own_ward_holds_the_case=ward.code in codes,
    )
    plan.findings = [f.as_dict() for f in context.check(plan.wording, plan.categories)]
    plan.risk, plan.needs_rewording = risk.decide(
        target_status=plan.target_status,
        matter_status=plan.matter_status,
        findings=plan.findings,
        target_is_the_protected_person=is_self,
        target_may_be_a_counterparty=any(m.role == PartyRole.COUNTERPARTY for m in target.matches),
    )
    reasons: list[dict[str, object]] = []
    if inquiry is not None and inquiry.is_flagged:
        reasons.append(
            {
                "code": "inquiry",
                "status": inquiry.protected_status,
                "raised": inquiry.raised_status == inquiry.protected_status
                and inquiry.raised_status != inquiry.registry_status,
            }
        )
    reasons += risk.screening_reasons(
        "target", target, query_has_date=plan.target_birth_date is not None
    )
    reasons += risk.screening_reasons(
        "matter", matter, query_has_date=plan.matter_birth_date is not None
    )
    if plan.findings:
        reasons.append({"code": "wording", "findings": plan.findings})
    if plan.needs_rewording:
        reasons.append({"code": "blocked"})
    if plan.is_emergency:
        reasons.append({"code": "emergency"})
    if not reasons:
        reasons.append({"code": "clear"})
    plan.risk_reasons = reasons
    plan.fingerprint = plan_fingerprint(plan)
    return context


def _plan_summary(plan: ContactPlan) -> tuple[str, str, str, bool]:
    return (plan.risk, plan.target_status, plan.matter_status, plan.needs_rewording)


def reassess_locked(
    plan: ContactPlan, *, actor: Staff | None, why: str, at: datetime.datetime
) -> bool:
    """Inside the caller's transaction, with the plan locked: screen it again now. If its risk
    or any status rose, its approvals no longer suffice: they are withdrawn, the plan awaits
    approval again, and its author, approvers and supervisors are told. A fall is never
    applied here (fail closed): the author changes the plan, and it is assessed afresh."""
    if plan.state not in (PlanState.AWAITING_APPROVAL, PlanState.APPROVED):
        return False
    before = _plan_summary(plan)
    assess(plan)
    after = _plan_summary(plan)
    rose = risk.raised(before[0], after[0], before[1:3], after[1:3]) or (after[3] and not before[3])
    if not rose:
        plan.refresh_from_db()
        return False
    approvers = [
        a.approver
        for a in plan.approvals.filter(withdrawn_at__isnull=True).select_related("approver__ward")
    ]
    withdrawn = plan.approvals.filter(withdrawn_at__isnull=True).update(withdrawn_at=at)
    plan.state = PlanState.AWAITING_APPROVAL
    plan.updated_at = at
    plan.escalated_at = None
    plan.save()
    record_event(
        kind=EventKind.PLAN_REASSESSED,
        actor=actor,
        occurred_at=at,
        ward=plan.acting_ward,
        decision=plan.risk,
        reason=why,
        persons=plan.person_ids,
        data={
            **plan_event_data(plan),
            "before": {"risk": before[0], "target_status": before[1], "matter_status": before[2]},
            "approvals_withdrawn": withdrawn,
        },
    )
    supervisors = staff_with_roles(Role.SUPERVISOR, wards=[plan.acting_ward])
    names = {"target": plan.target_name, "risk": plan.get_risk_display()}
    if withdrawn:
        subject = _("STOP: approvals withdrawn from the contact plan to %(target)s (risk %(risk)s)")
    elif plan.risk != before[0]:
        subject = _("The contact plan to %(target)s rose to risk %(risk)s: read it again")
    else:
        subject = _("The contact plan to %(target)s concerns a flagged person now: read it again")
    notify(
        [plan.author, *approvers, *supervisors],
        subject=subject % names,
        body=" ".join(risk.explain(plan.risk_reasons)),
        url=plan.get_absolute_url(),
        critical=True,
        now=at,
    )
    _tell_owning_wards_of_plan(plan, plan.author, at)
    return True


def reassess_plan(
    *, plan: ContactPlan, actor: Staff | None, why: str, at: datetime.datetime
) -> bool:
    """reassess_locked in a transaction of its own: True when the plan's risk rose."""
    with transaction.atomic(durable=True):
        locked = (
            ContactPlan.objects.select_for_update(of=("self",))
            .select_related("acting_ward", "author", "inquiry")
            .get(pk=plan.pk)
        )
        return reassess_locked(locked, actor=actor, why=why, at=at)


class PlanReassessed(ActionRefused):
    pass


def _refuse_if_risk_rose(plan: ContactPlan, actor: Staff, at: datetime.datetime) -> None:
    if reassess_plan(plan=plan, actor=actor, why="status_rose", at=at):
        raise PlanReassessed(
            _(
                "The registry now says more about this plan's people than when it was "
                "approved: its risk rose and its approvals were withdrawn. Read it again; it "
                "must be approved again before any contact."
            )
        )


def reevaluate_open_plans(*, now: datetime.datetime) -> list[str]:
    """After a registry change: re-screen the people of every plan not yet acted on; a plan
    whose status rose is reassessed at once (approvals withdrawn, people told)."""
    open_plans = list(
        ContactPlan.objects.filter(
            state__in=[PlanState.AWAITING_APPROVAL, PlanState.APPROVED]
        ).only(
            "target_name", "target_kana", "target_birth_date", "matter_name", "matter_kana",
            "matter_birth_date", "target_status", "matter_status",
        )
    )  # fmt: skip
    queries = [Query(p.target_name, p.target_kana, p.target_birth_date) for p in open_plans] + [
        Query(p.matter_name, p.matter_kana, p.matter_birth_date) for p in open_plans
    ]
    found = screen_many(queries)
    n = len(open_plans)
    reassessed = []
    for i, plan in enumerate(open_plans):
        target, matter = status_of(found[i]), status_of(found[n + i])
        if not (plan.matter_name or plan.matter_kana):
            matter = ProtectedStatus.NONE
        rose = risk.raised(
            Risk.NORMAL, Risk.NORMAL, [plan.target_status, plan.matter_status], [target, matter]
        )
        if rose and reassess_plan(plan=plan, actor=None, why="registry_changed", at=now):
            reassessed.append(str(plan.public_id))
    return reassessed


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


def _ask_approvers(plan: ContactPlan, actor: Staff, now: datetime.datetime) -> None:
    """Tell whoever may approve the plan that it awaits them (never its author)."""
    if plan.is_emergency:
        # Any two supervisors of the city may approve an emergency: all of them hear at once.
        approvers = [
            s for s in staff_with_roles(Role.SUPERVISOR) if s.pk not in (actor.pk, plan.author_id)
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
    _ask_approvers(plan, actor, now)
    _tell_owning_wards_of_plan(plan, actor, now)


def _tell_owning_wards_of_plan(plan: ContactPlan, actor: Staff, now: datetime.datetime) -> None:
    tell_owning_wards(
        plan.owning_ward_codes,
        [plan.acting_ward],
        now=now,
        url=plan.get_absolute_url(),
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
    """Record a plan before any contact. Every plan awaits a supervisor's approval: one
    nobody flagged is what a misspelt name produces (promise 9)."""
    ward = acting_user.ward
    if ward is None or not plan_permissions.works_in(acting_user, ward):
        raise NotPermitted(_("Only clerks and supervisors of a ward can plan contacts."))
    plan = ContactPlan(
        acting_ward=ward,
        author=acting_user,
        created_at=created_at,
        updated_at=created_at,
        **{k: v for k, v in fields.items() if k in PLAN_FIELDS},
    )
    if plan.inquiry is not None and not plan_permissions.may_plan_for(acting_user, plan.inquiry):
        raise NotPermitted(_("That inquiry is not your ward's."))
    _validate_plan(plan)
    assess(plan)
    plan.state = PlanState.AWAITING_APPROVAL
    with transaction.atomic(durable=True):
        plan.save()
        record_event(
            kind=EventKind.PLAN_CREATED,
            actor=acting_user,
            occurred_at=created_at,
            decision=plan.risk,
            persons=plan.person_ids,
            data=plan_event_data(plan),
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
            raise plan_permissions.plan_state_refusal(plan)
        for key, value in fields.items():
            if key in PLAN_FIELDS:
                setattr(plan, key, value)
        _validate_plan(plan)
        previous = plan.fingerprint
        assess(plan)
        if plan.fingerprint == previous:
            return plan
        withdrawn = plan.approvals.filter(withdrawn_at__isnull=True).update(withdrawn_at=updated_at)
        plan.state = PlanState.AWAITING_APPROVAL
        plan.updated_at = updated_at
        plan.refusal_reason = ""
        plan.save()
        record_event(
            kind=EventKind.PLAN_UPDATED,
            actor=acting_user,
            occurred_at=updated_at,
            decision="changed",
            persons=plan.person_ids,
            data={**plan_event_data(plan), "approvals_withdrawn": withdrawn},
        )
        _announce_plan(plan, acting_user, updated_at)
    return plan


def valid_approvals(plan: ContactPlan, at: datetime.datetime) -> list[PlanApproval]:
    return plan_permissions.valid_approvals(plan, at)


def approve_plan(
    *, plan: ContactPlan, acting_user: Staff, approved_at: datetime.datetime
) -> ContactPlan:
    """One approver's sign-off. Normal or high: one approver; critical or emergency: two
    different. The plan is screened again first: an approval never rests on a stale risk."""
    refuse_if(plan_permissions.approve_refusal(acting_user, plan, approved_at))
    _refuse_if_risk_rose(plan, acting_user, approved_at)
    with transaction.atomic(durable=True):
        plan = ContactPlan.objects.select_for_update().select_related("acting_ward").get(pk=plan.pk)
        refuse_if(plan_permissions.approve_refusal(acting_user, plan, approved_at))
        current = valid_approvals(plan, approved_at)
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
                # Whose work was approved: the auditors' analyses read it from the log.
                "author": plan.author_id,
                "fingerprint": plan.fingerprint,
                "approvals": len(current) + 1,
                "needed": plan.approvals_needed,
                "risk": plan.risk,
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
    with transaction.atomic(durable=True):
        plan = ContactPlan.objects.select_for_update().select_related("acting_ward").get(pk=plan.pk)
        refuse_if(plan_permissions.refuse_refusal(acting_user, plan, refused_at))
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
    """After the contact: what was said and what came of it. Without the approvals the plan
    needs now (screened again first) it is refused, and the refusal is an audit event. What
    was said goes through the disclosure guard: anything beyond the plan alerts the owning
    ward's supervisors, the approvers and the auditors."""
    plan = ContactPlan.objects.select_related("acting_ward", "inquiry").get(pk=plan.pk)
    if not plan_permissions.works_in(acting_user, plan.acting_ward):
        raise NotPermitted(_("Only the acting ward records its contacts."))
    if not said.strip() or not outcome.strip():
        raise ActionRefused(_("Record what was said and the outcome."))
    refusal = ""
    if reassess_plan(plan=plan, actor=acting_user, why="status_rose", at=contacted_at):
        refusal = "risk_rose"
        plan.refresh_from_db()
    elif plan.state != PlanState.APPROVED:
        refusal = "no_approved_plan"
    elif len(valid_approvals(plan, contacted_at)) < plan.approvals_needed:
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
        why = {
            "risk_rose": _(
                "The risk of this plan rose after it was approved: its approvals were withdrawn "
                "and it must be approved again."
            ),
            "approval_expired": _(
                "The approval of this plan has expired: it must be approved again."
            ),
        }.get(refusal) or str(plan_permissions.plan_state_refusal(plan))
        raise ActionRefused(
            _("%(why)s The contact may not be made or recorded. The attempt was recorded.")
            % {"why": why}
        )
    context = assess(ContactPlan.objects.select_related("acting_ward", "inquiry").get(pk=plan.pk))
    said_findings: list[dict[str, Any]] = [f.as_dict() for f in context.check(said, categories)]
    approved_words = {(f["kind"], f["text"]) for f in plan.findings}
    findings_beyond = [f for f in said_findings if (f["kind"], f["text"]) not in approved_words]
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
            said_findings=said_findings,
            findings_beyond_plan=findings_beyond,
        )
        plan.state = PlanState.CONTACTED
        plan.save(update_fields=["state"])
        record_event(
            kind=EventKind.CONTACT_RECORDED,
            actor=acting_user,
            occurred_at=contacted_at,
            decision="recorded",
            persons=plan.person_ids,
            data={
                "plan": str(plan.public_id),
                "beyond_plan": beyond,
                "findings_beyond_plan": [f["kind"] for f in findings_beyond],
            },
        )
        if beyond or findings_beyond:
            approvers = [a.approver for a in plan.approvals.select_related("approver__ward")]
            owning_supervisors = staff_with_roles(
                Role.SUPERVISOR, wards=owning_wards(plan.owning_ward_codes)
            )
            auditors = staff_with_roles(Role.AUDITOR)
            told = [str(DisclosureCategory(c).label) for c in beyond] + [
                f"「{f['text']}」 ({guard.Finding(**f).label})" for f in findings_beyond
            ]
            notify(
                [*approvers, *owning_supervisors, *auditors],
                subject=_("A contact disclosed more than approved"),
                body=_("%(ward)s, %(target)s: %(told)s")
                % {"ward": plan.acting_ward, "target": plan.target_name, "told": ", ".join(told)},
                url=plan.get_absolute_url(),
                critical=True,
                now=contacted_at,
            )
    return record


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

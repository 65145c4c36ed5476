"""Refusing an inquiry at sign-off and refusing a contact plan: who may, when, and what it
leaves behind (state, the audit event, the author's notice)."""

from __future__ import annotations

import pytest

from auditlog.models import AuditEvent, EventKind
from inquiries import actions, selectors
from inquiries.models import InquiryState, Notification, PlanApproval, PlanState
from supportmeasures import actions as registry
from supportmeasures.models import Role

pytestmark = pytest.mark.django_db

TRAINING_LAPSED = (
    "Your annual training on support measures has expired (none in the last 12 months). "
    "Take the training before you open protected details or decide."
)


def last_event() -> AuditEvent:
    return AuditEvent.objects.order_by("-sequence")[0]


class TestRefuseInquiry:
    def test_a_supervisor_of_the_sending_ward_refuses_it_and_tells_its_author(
        self, inquiry_about_x, supervisor_a, clerk_a, clerk_b, now
    ):
        refused = actions.refuse_inquiry(
            inquiry=inquiry_about_x,
            acting_user=supervisor_a,
            reason="必要以上のことを聞いています",
            refused_at=now,
        )

        assert (refused.state, refused.refusal_reason) == (
            InquiryState.REFUSED,
            "必要以上のことを聞いています",
        )
        event = last_event()
        assert (event.kind, event.actor, event.decision, event.reason) == (
            EventKind.INQUIRY_REFUSED,
            supervisor_a,
            "refused",
            "必要以上のことを聞いています",
        )
        assert event.data["inquiry"] == str(inquiry_about_x.public_id)
        told = Notification.objects.get(subject="Your inquiry was refused at sign-off")
        assert (told.recipient, told.body, told.url, told.critical) == (
            clerk_a,
            "必要以上のことを聞いています",
            inquiry_about_x.get_absolute_url(),
            False,
        )
        # It never leaves: the receiving ward neither sees it nor hears of it.
        assert selectors.inbox(user=clerk_b) == []
        assert not Notification.objects.filter(recipient=clerk_b).exists()

    def test_a_refused_inquiry_can_no_longer_be_signed_off(
        self, inquiry_about_x, supervisor_a, now
    ):
        actions.refuse_inquiry(
            inquiry=inquiry_about_x, acting_user=supervisor_a, reason="不要", refused_at=now
        )

        with pytest.raises(registry.InvalidTransition) as refused:
            actions.sign_off_inquiry(
                inquiry=inquiry_about_x,
                acting_user=supervisor_a,
                confirmed_minimal=True,
                signed_at=now,
            )

        assert str(refused.value) == "This inquiry was refused at sign-off."
        inquiry_about_x.refresh_from_db()
        assert inquiry_about_x.state == InquiryState.REFUSED

    def test_a_sent_inquiry_cannot_be_refused(self, sent_inquiry, make_staff, ward_a, now):
        other = make_staff(ward_a, Role.SUPERVISOR)

        with pytest.raises(registry.InvalidTransition) as refused:
            actions.refuse_inquiry(
                inquiry=sent_inquiry, acting_user=other, reason="やはり不要", refused_at=now
            )

        assert str(refused.value) == (
            "This inquiry has been signed off and sent; it awaits an answer."
        )
        sent_inquiry.refresh_from_db()
        assert (sent_inquiry.state, sent_inquiry.refusal_reason) == (InquiryState.SENT, "")

    @pytest.mark.parametrize("reason", ["", "   "])
    def test_refuses_without_a_reason(self, inquiry_about_x, supervisor_a, reason, now):
        with pytest.raises(registry.ActionRefused) as refused:
            actions.refuse_inquiry(
                inquiry=inquiry_about_x, acting_user=supervisor_a, reason=reason, refused_at=now
            )

        assert str(refused.value) == "Say why the inquiry is refused."
        inquiry_about_x.refresh_from_db()
        assert inquiry_about_x.state == InquiryState.AWAITING_SIGNOFF
        assert not AuditEvent.objects.filter(kind=EventKind.INQUIRY_REFUSED).exists()

    @pytest.mark.parametrize(
        "who, error, message",
        [
            ("clerk", registry.NotPermitted, "Only a supervisor of 鶴見区 can sign this off."),
            ("other_ward", registry.NotPermitted, "Only a supervisor of 鶴見区 can sign this off."),
            ("untrained", registry.TrainingLapsed, TRAINING_LAPSED),
        ],
    )
    def test_only_a_trained_supervisor_of_the_sending_ward_refuses(
        self, inquiry_about_x, make_staff, ward_a, ward_b, who, error, message, now
    ):
        refuser = {
            "clerk": lambda: make_staff(ward_a, Role.CLERK),
            "other_ward": lambda: make_staff(ward_b, Role.SUPERVISOR),
            "untrained": lambda: make_staff(ward_a, Role.SUPERVISOR, trained=False),
        }[who]()

        with pytest.raises(error) as refused:
            actions.refuse_inquiry(
                inquiry=inquiry_about_x, acting_user=refuser, reason="不要", refused_at=now
            )

        assert str(refused.value) == message
        inquiry_about_x.refresh_from_db()
        assert inquiry_about_x.state == InquiryState.AWAITING_SIGNOFF
        assert not AuditEvent.objects.filter(kind=EventKind.INQUIRY_REFUSED).exists()


@pytest.fixture
def high_plan(plan_fields, clerk_b, now):
    """About X (protected at ward A), to someone nobody flagged: one approval needed."""
    return actions.create_plan(
        acting_user=clerk_b,
        created_at=now,
        **plan_fields(
            target_name="鈴木 一郎", target_kana="スズキ イチロウ", wording="書類をお送りします"
        ),
    )


class TestRefusePlan:
    def test_a_supervisor_of_the_acting_ward_refuses_it_and_tells_its_author(
        self, high_plan, supervisor_b, clerk_b, now
    ):
        refused = actions.refuse_plan(
            plan=high_plan, acting_user=supervisor_b, reason="電話ではなく書面で", refused_at=now
        )

        assert (refused.state, refused.refusal_reason) == (
            PlanState.REFUSED,
            "電話ではなく書面で",
        )
        event = last_event()
        assert (event.kind, event.actor, event.decision, event.reason) == (
            EventKind.PLAN_REFUSED,
            supervisor_b,
            "refused",
            "電話ではなく書面で",
        )
        assert event.data["plan"] == str(high_plan.public_id)
        told = Notification.objects.get(subject="Your contact plan was refused")
        assert (told.recipient, told.body, told.url, told.critical) == (
            clerk_b,
            "電話ではなく書面で",
            high_plan.get_absolute_url(),
            False,
        )

    def test_a_plan_whose_wording_blocks_approval_can_still_be_refused(
        self, plan_fields, clerk_b, supervisor_b, now
    ):
        plan = actions.create_plan(acting_user=clerk_b, created_at=now, **plan_fields())
        assert plan.needs_rewording

        refused = actions.refuse_plan(
            plan=plan, acting_user=supervisor_b, reason="来庁の事実は伝えない", refused_at=now
        )

        assert refused.state == PlanState.REFUSED

    def test_refusing_an_approved_plan_withdraws_its_approvals_and_no_contact_follows(
        self, high_plan, supervisor_b, make_staff, ward_b, clerk_b, now
    ):
        approved = actions.approve_plan(plan=high_plan, acting_user=supervisor_b, approved_at=now)
        assert approved.state == PlanState.APPROVED

        actions.refuse_plan(
            plan=approved,
            acting_user=make_staff(ward_b, Role.SUPERVISOR),
            reason="相手方の親族と判明",
            refused_at=now,
        )

        assert PlanApproval.objects.get().withdrawn_at == now
        assert actions.valid_approvals(approved, now) == []
        with pytest.raises(registry.ActionRefused):
            actions.record_contact(
                plan=approved,
                acting_user=clerk_b,
                said="s",
                outcome="o",
                categories=["identity"],
                contacted_at=now,
            )
        assert AuditEvent.objects.get(kind=EventKind.CONTACT_REFUSED).reason == "no_approved_plan"

    def test_a_refused_plan_cannot_be_refused_again_nor_approved(
        self, high_plan, supervisor_b, make_staff, ward_b, now
    ):
        other = make_staff(ward_b, Role.SUPERVISOR)
        actions.refuse_plan(plan=high_plan, acting_user=supervisor_b, reason="不要", refused_at=now)

        with pytest.raises(registry.InvalidTransition) as again:
            actions.refuse_plan(plan=high_plan, acting_user=other, reason="不要", refused_at=now)
        with pytest.raises(registry.InvalidTransition) as approve:
            actions.approve_plan(plan=high_plan, acting_user=other, approved_at=now)

        assert str(again.value) == "This plan has been refused."
        assert str(approve.value) == "This plan has been refused."
        assert AuditEvent.objects.filter(kind=EventKind.PLAN_REFUSED).count() == 1

    @pytest.mark.parametrize("reason", ["", " \n "])
    def test_refuses_without_a_reason(self, high_plan, supervisor_b, reason, now):
        with pytest.raises(registry.ActionRefused) as refused:
            actions.refuse_plan(
                plan=high_plan, acting_user=supervisor_b, reason=reason, refused_at=now
            )

        assert str(refused.value) == "Say why the plan is refused."
        high_plan.refresh_from_db()
        assert high_plan.state == PlanState.AWAITING_APPROVAL
        assert not AuditEvent.objects.filter(kind=EventKind.PLAN_REFUSED).exists()

    @pytest.mark.parametrize(
        "who, error, message",
        [
            ("clerk", registry.NotPermitted, "Only a supervisor of 神奈川区 can sign this off."),
            (
                "other_ward",
                registry.NotPermitted,
                "Only a supervisor of 神奈川区 can sign this off.",
            ),
            ("untrained", registry.TrainingLapsed, TRAINING_LAPSED),
        ],
    )
    def test_only_a_trained_supervisor_of_the_acting_ward_refuses(
        self, high_plan, make_staff, ward_a, ward_b, who, error, message, now
    ):
        refuser = {
            "clerk": lambda: make_staff(ward_b, Role.CLERK),
            "other_ward": lambda: make_staff(ward_a, Role.SUPERVISOR),
            "untrained": lambda: make_staff(ward_b, Role.SUPERVISOR, trained=False),
        }[who]()

        with pytest.raises(error) as refused:
            actions.refuse_plan(plan=high_plan, acting_user=refuser, reason="不要", refused_at=now)

        assert str(refused.value) == message
        high_plan.refresh_from_db()
        assert high_plan.state == PlanState.AWAITING_APPROVAL
        assert not AuditEvent.objects.filter(kind=EventKind.PLAN_REFUSED).exists()

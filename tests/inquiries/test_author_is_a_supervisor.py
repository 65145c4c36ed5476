"""Nobody decides alone (promise 2), tested where only the author check stands in the way.

A clerk author is refused by the role check before the author check is reached, so each
test here has a trained supervisor of the right ward as the author: deleting the author
check from the action makes the test fail."""

from __future__ import annotations

import pytest

from auditlog.models import AuditEvent, EventKind
from inquiries import actions
from inquiries.models import InquiryState, Notification, PlanApproval, PlanState
from supportmeasures import actions as registry

pytestmark = pytest.mark.django_db


def last_kind() -> str:
    return AuditEvent.objects.order_by("-sequence").values_list("kind", flat=True)[0]


@pytest.fixture
def inquiry_by_a_supervisor(supervisor_a, ward_b, x, now):
    return actions.create_inquiry(
        acting_user=supervisor_a,
        to_ward=ward_b,
        to_department="保険年金課",
        subject_name="山崎 美咲",
        subject_kana="やまさき みさき",
        subject_birth_date=None,
        question="国民健康保険の加入状況を教えてください",
        reason="福祉相談の手続きのため",
        urgency="normal",
        created_at=now,
    )


@pytest.fixture
def answer_by_a_supervisor(sent_inquiry, supervisor_b, now):
    actions.acknowledge_inquiry(inquiry=sent_inquiry, acting_user=supervisor_b, acknowledged_at=now)
    return actions.answer_inquiry(
        inquiry=sent_inquiry, acting_user=supervisor_b, answer="未加入です", answered_at=now
    )


@pytest.fixture
def plan_by_a_supervisor(plan_fields, supervisor_b, now):
    """A plan nobody flagged as a person contacted (one approval needed), written by the
    supervisor who would otherwise approve it."""
    return actions.create_plan(
        acting_user=supervisor_b,
        created_at=now,
        **plan_fields(
            target_name="鈴木 一郎", target_kana="スズキ イチロウ", wording="書類をお送りします"
        ),
    )


class TestSignOffInquiry:
    def test_refuses_its_author_even_a_trained_supervisor_of_the_sending_ward(
        self, inquiry_by_a_supervisor, supervisor_a, now
    ):
        kind_before = last_kind()

        with pytest.raises(registry.SameStaffMember) as refused:
            actions.sign_off_inquiry(
                inquiry=inquiry_by_a_supervisor,
                acting_user=supervisor_a,
                confirmed_minimal=True,
                signed_at=now,
            )

        assert str(refused.value) == "The author of an inquiry cannot sign it off."
        inquiry_by_a_supervisor.refresh_from_db()
        assert inquiry_by_a_supervisor.state == InquiryState.AWAITING_SIGNOFF
        assert inquiry_by_a_supervisor.signed_off_by is None
        assert last_kind() == kind_before == EventKind.INQUIRY_CREATED
        assert not Notification.objects.filter(subject__contains="New inquiry").exists()


class TestRefuseInquiry:
    def test_refuses_its_author_even_a_trained_supervisor_of_the_sending_ward(
        self, inquiry_by_a_supervisor, supervisor_a, now
    ):
        with pytest.raises(registry.SameStaffMember) as refused:
            actions.refuse_inquiry(
                inquiry=inquiry_by_a_supervisor,
                acting_user=supervisor_a,
                reason="聞きすぎ",
                refused_at=now,
            )

        assert str(refused.value) == "The author of an inquiry cannot sign it off."
        inquiry_by_a_supervisor.refresh_from_db()
        assert inquiry_by_a_supervisor.state == InquiryState.AWAITING_SIGNOFF
        assert inquiry_by_a_supervisor.refusal_reason == ""
        assert last_kind() == EventKind.INQUIRY_CREATED
        assert not Notification.objects.filter(subject__contains="refused").exists()


class TestSignOffAnswer:
    def test_refuses_the_answers_author_even_a_trained_supervisor_of_the_receiving_ward(
        self, answer_by_a_supervisor, supervisor_b, now
    ):
        with pytest.raises(registry.SameStaffMember) as refused:
            actions.sign_off_answer(
                inquiry=answer_by_a_supervisor, acting_user=supervisor_b, signed_at=now
            )

        assert str(refused.value) == "The author of an answer cannot sign it off."
        answer_by_a_supervisor.refresh_from_db()
        assert answer_by_a_supervisor.state == InquiryState.ANSWER_AWAITING_SIGNOFF
        assert answer_by_a_supervisor.answer_signed_off_by is None
        assert last_kind() == EventKind.INQUIRY_ANSWERED
        assert not Notification.objects.filter(subject__contains="was answered").exists()

    def test_another_supervisor_of_the_receiving_ward_signs_it_off(
        self, answer_by_a_supervisor, make_staff, ward_b, clerk_a, now
    ):
        from supportmeasures.models import Role

        other = make_staff(ward_b, Role.SUPERVISOR)
        actions.acknowledge_inquiry(
            inquiry=answer_by_a_supervisor, acting_user=other, acknowledged_at=now
        )

        released = actions.sign_off_answer(
            inquiry=answer_by_a_supervisor, acting_user=other, signed_at=now
        )

        assert (released.state, released.answer_signed_off_by) == (InquiryState.ANSWERED, other)
        assert last_kind() == EventKind.ANSWER_SIGNED_OFF
        assert Notification.objects.filter(
            recipient=clerk_a, subject="Your inquiry was answered"
        ).exists()


class TestApprovePlan:
    def test_refuses_its_author_even_a_trained_supervisor_of_the_acting_ward(
        self, plan_by_a_supervisor, supervisor_b, now
    ):
        with pytest.raises(registry.SameStaffMember) as refused:
            actions.approve_plan(
                plan=plan_by_a_supervisor, acting_user=supervisor_b, approved_at=now
            )

        assert str(refused.value) == "Nobody approves their own plan."
        plan_by_a_supervisor.refresh_from_db()
        assert plan_by_a_supervisor.state == PlanState.AWAITING_APPROVAL
        assert not PlanApproval.objects.exists()
        assert not AuditEvent.objects.filter(kind=EventKind.PLAN_APPROVED).exists()

    def test_refuses_the_author_of_an_emergency_whoever_may_approve_it(
        self, plan_fields, supervisor_b, now
    ):
        # An emergency may be approved by a supervisor of any ward: only the author check
        # keeps its author out.
        plan = actions.create_plan(
            acting_user=supervisor_b,
            created_at=now,
            **plan_fields(
                target_name="鈴木 一郎",
                target_kana="スズキ イチロウ",
                wording="安否確認の電話をします",
                is_emergency=True,
                emergency_reason="本人と連絡が取れず安否が不明",
            ),
        )

        with pytest.raises(registry.SameStaffMember) as refused:
            actions.approve_plan(plan=plan, acting_user=supervisor_b, approved_at=now)

        assert str(refused.value) == "Nobody approves their own plan."
        assert not PlanApproval.objects.exists()


class TestRefusePlan:
    def test_refuses_its_author_even_a_trained_supervisor_of_the_acting_ward(
        self, plan_by_a_supervisor, supervisor_b, now
    ):
        with pytest.raises(registry.SameStaffMember) as refused:
            actions.refuse_plan(
                plan=plan_by_a_supervisor,
                acting_user=supervisor_b,
                reason="やはり不要",
                refused_at=now,
            )

        assert str(refused.value) == "Nobody approves their own plan."
        plan_by_a_supervisor.refresh_from_db()
        assert (plan_by_a_supervisor.state, plan_by_a_supervisor.refusal_reason) == (
            PlanState.AWAITING_APPROVAL,
            "",
        )
        assert not AuditEvent.objects.filter(kind=EventKind.PLAN_REFUSED).exists()

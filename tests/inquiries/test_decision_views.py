"""The pages that raise an inquiry's status, refuse a plan and review an emergency: each
does what its action does, says why when the action refuses, and is offered only to those
whose action would succeed."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from auditlog.models import AuditEvent, EventKind
from inquiries import actions
from inquiries.models import InquiryState, Notification, PlanState, ProtectedStatus
from supportmeasures.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def english(login):
    def english(staff) -> Client:
        client = login(staff)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return english


def said(response) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


def raise_url(inquiry: Any) -> str:
    return reverse("inquiries:raise", kwargs={"public_id": inquiry.public_id})


def plan_action(plan: Any, action: str) -> str:
    return reverse("inquiries:plan_action", kwargs={"public_id": plan.public_id, "action": action})


class TestRaiseStatusPage:
    def test_the_sending_ward_raises_it_and_both_wards_are_alerted(
        self, english, clerk_a, supervisor_b, sent_inquiry
    ):
        response = english(clerk_a).post(
            raise_url(sent_inquiry),
            {"status": ProtectedStatus.COUNTERPARTY, "reason": "相手方の可能性がある"},
        )

        assert response.status_code == 302
        assert response["Location"] == sent_inquiry.get_absolute_url()
        assert said(response) == [("success", "The status was raised; both wards were alerted.")]
        sent_inquiry.refresh_from_db()
        assert (sent_inquiry.protected_status, sent_inquiry.raised_reason) == (
            ProtectedStatus.COUNTERPARTY,
            "相手方の可能性がある",
        )
        event = AuditEvent.objects.get(kind=EventKind.INQUIRY_STATUS_RAISED)
        assert (event.actor, event.reason, event.data["to"]) == (
            clerk_a,
            "相手方の可能性がある",
            ProtectedStatus.COUNTERPARTY,
        )
        alerted = Notification.objects.filter(critical=True, subject__contains="raised")
        assert {clerk_a, supervisor_b} <= {n.recipient for n in alerted}

    @pytest.mark.parametrize(
        "data",
        [
            {"status": ProtectedStatus.NONE, "reason": "誤り"},
            {"status": ProtectedStatus.PROTECTED, "reason": "同じ"},
            {"status": ProtectedStatus.COUNTERPARTY, "reason": ""},
        ],
        ids=["lower", "same", "no_reason"],
    )
    def test_a_lower_or_equal_status_or_no_reason_changes_nothing_and_says_why(
        self, english, clerk_a, sent_inquiry, data
    ):
        response = english(clerk_a).post(raise_url(sent_inquiry), data)

        assert response.status_code == 302
        assert said(response) == [("error", "Choose a status and say why.")]
        sent_inquiry.refresh_from_db()
        assert sent_inquiry.protected_status == ProtectedStatus.PROTECTED
        assert not AuditEvent.objects.filter(kind=EventKind.INQUIRY_STATUS_RAISED).exists()

    def test_the_receiving_ward_gets_a_404(self, english, clerk_b, sent_inquiry):
        response = english(clerk_b).post(
            raise_url(sent_inquiry), {"status": ProtectedStatus.COUNTERPARTY, "reason": "r"}
        )

        assert response.status_code == 404
        sent_inquiry.refresh_from_db()
        assert sent_inquiry.protected_status == ProtectedStatus.PROTECTED

    def test_raising_withdraws_the_approval_of_a_plan_already_made(
        self, english, clerk_a, clerk_b, supervisor_b, plan_fields, sent_inquiry, now
    ):
        plan = actions.create_plan(
            acting_user=clerk_b,
            created_at=now,
            **plan_fields(
                target_name="鈴木 一郎", target_kana="スズキ イチロウ", wording="書類をお送りします"
            ),
        )
        actions.approve_plan(plan=plan, acting_user=supervisor_b, approved_at=now)

        english(clerk_a).post(
            raise_url(sent_inquiry), {"status": ProtectedStatus.COUNTERPARTY, "reason": "相手方"}
        )

        plan.refresh_from_db()
        assert plan.state == PlanState.AWAITING_APPROVAL
        assert actions.valid_approvals(plan, now) == []


@pytest.fixture
def high_plan(plan_fields, clerk_b, now):
    return actions.create_plan(
        acting_user=clerk_b,
        created_at=now,
        **plan_fields(
            target_name="鈴木 一郎", target_kana="スズキ イチロウ", wording="書類をお送りします"
        ),
    )


class TestRefusePlanPage:
    def test_a_supervisor_of_the_acting_ward_refuses_it_with_a_reason(
        self, english, supervisor_b, clerk_b, high_plan
    ):
        client = english(supervisor_b)

        offered = client.get(high_plan.get_absolute_url()).content.decode()
        response = client.post(plan_action(high_plan, "refuse"), {"reason": "書面で足りる"})

        assert plan_action(high_plan, "refuse") in offered
        assert response.status_code == 302
        assert response["Location"] == high_plan.get_absolute_url()
        assert said(response) == [("success", "The plan was refused.")]
        high_plan.refresh_from_db()
        assert (high_plan.state, high_plan.refusal_reason) == (PlanState.REFUSED, "書面で足りる")
        assert AuditEvent.objects.get(kind=EventKind.PLAN_REFUSED).actor == supervisor_b
        assert Notification.objects.filter(
            recipient=clerk_b, subject="Your contact plan was refused"
        ).exists()

    def test_without_a_reason_nothing_changes_and_the_page_says_why(
        self, english, supervisor_b, high_plan
    ):
        response = english(supervisor_b).post(plan_action(high_plan, "refuse"), {"reason": ""})

        assert said(response) == [("error", "Say why the plan is refused.")]
        high_plan.refresh_from_db()
        assert high_plan.state == PlanState.AWAITING_APPROVAL

    def test_its_author_is_not_offered_the_button_and_is_refused(self, english, clerk_b, high_plan):
        client = english(clerk_b)

        offered = client.get(high_plan.get_absolute_url()).content.decode()
        response = client.post(plan_action(high_plan, "refuse"), {"reason": "取り下げ"})

        assert plan_action(high_plan, "refuse") not in offered
        assert said(response) == [("error", "Only a supervisor of 神奈川区 can sign this off.")]
        high_plan.refresh_from_db()
        assert (high_plan.state, high_plan.refusal_reason) == (PlanState.AWAITING_APPROVAL, "")
        assert not AuditEvent.objects.filter(kind=EventKind.PLAN_REFUSED).exists()

    def test_an_unknown_action_is_a_404(self, english, supervisor_b, high_plan):
        response = english(supervisor_b).post(plan_action(high_plan, "delete"), {})

        assert response.status_code == 404
        high_plan.refresh_from_db()
        assert high_plan.state == PlanState.AWAITING_APPROVAL


@pytest.fixture
def approved_emergency(plan_fields, clerk_b, supervisor_b, make_staff, ward_b, now):
    plan = actions.create_plan(
        acting_user=clerk_b,
        created_at=now,
        **plan_fields(
            target_name="鈴木 一郎",
            target_kana="スズキ イチロウ",
            wording="安否確認の電話をします",
            is_emergency=True,
            emergency_reason="本人と連絡が取れず安否が不明",
        ),
    )
    actions.approve_plan(plan=plan, acting_user=supervisor_b, approved_at=now)
    plan = actions.approve_plan(
        plan=plan, acting_user=make_staff(ward_b, Role.SUPERVISOR), approved_at=now
    )
    assert plan.state == PlanState.APPROVED
    return plan


class TestReviewEmergencyPage:
    def test_a_supervisor_of_the_owning_ward_is_offered_the_review_and_records_it(
        self, english, supervisor_a, approved_emergency
    ):
        client = english(supervisor_a)

        offered = client.get(approved_emergency.get_absolute_url()).content.decode()
        response = client.post(plan_action(approved_emergency, "review"), {"reason": "妥当"})
        after = client.get(approved_emergency.get_absolute_url()).content.decode()

        assert plan_action(approved_emergency, "review") in offered
        assert said(response) == [("success", "The emergency was reviewed.")]
        approved_emergency.refresh_from_db()
        assert (
            approved_emergency.emergency_reviewed_by,
            approved_emergency.emergency_review_note,
        ) == (supervisor_a, "妥当")
        assert AuditEvent.objects.get(kind=EventKind.EMERGENCY_REVIEWED).reason == "妥当"
        assert plan_action(approved_emergency, "review") not in after

    def test_an_empty_review_changes_nothing_and_says_why(
        self, english, supervisor_a, approved_emergency
    ):
        response = english(supervisor_a).post(
            plan_action(approved_emergency, "review"), {"reason": ""}
        )

        assert said(response) == [("error", "Write the review.")]
        approved_emergency.refresh_from_db()
        assert approved_emergency.emergency_reviewed_at is None

    def test_the_acting_wards_supervisor_is_not_offered_it_and_is_refused(
        self, english, supervisor_b, approved_emergency
    ):
        client = english(supervisor_b)

        offered = client.get(approved_emergency.get_absolute_url()).content.decode()
        response = client.post(plan_action(approved_emergency, "review"), {"reason": "妥当"})

        assert plan_action(approved_emergency, "review") not in offered
        assert said(response) == [("error", "A supervisor of the owning ward reviews emergencies.")]
        approved_emergency.refresh_from_db()
        assert approved_emergency.emergency_reviewed_at is None
        assert not AuditEvent.objects.filter(kind=EventKind.EMERGENCY_REVIEWED).exists()


def test_an_inquiry_refused_at_sign_off_stays_with_the_sending_ward(
    english, clerk_a, clerk_b, supervisor_a, inquiry_about_x, now
):
    actions.refuse_inquiry(
        inquiry=inquiry_about_x, acting_user=supervisor_a, reason="不要", refused_at=now
    )

    own = english(clerk_a).get(inquiry_about_x.get_absolute_url())
    other = english(clerk_b).get(inquiry_about_x.get_absolute_url())

    assert own.status_code == 200 and "不要" in own.content.decode()
    assert other.status_code == 404
    inquiry_about_x.refresh_from_db()
    assert inquiry_about_x.state == InquiryState.REFUSED

"""The inquiry and plan rules (inquiries/permissions.py) asked directly: for each person and
each state, what a page may offer (`inquiry_actions`, `plan_actions`) and why an action is
refused, word for word. Written against the surviving mutants of `make mutants`."""

from __future__ import annotations

import datetime

import pytest

from inquiries import actions
from inquiries import permissions as rules
from inquiries.models import ContactPlan, InquiryState, PlanState, ProtectedStatus
from supportmeasures import actions as registry
from supportmeasures.models import Role, Ward

pytestmark = pytest.mark.django_db

TRAINING_LAPSED = (
    "Your annual training on support measures has expired (none in the last 12 months). "
    "Take the training before you open protected details or decide."
)
# Staff were trained 30 days before `now`: a year and more later, the same people are not.
A_YEAR_ON = datetime.timedelta(days=400)
HARMLESS = "書類をお送りします"


def refusal(found: Exception | None) -> tuple[type, str] | None:
    return None if found is None else (type(found), str(found))


@pytest.fixture
def ward_c(db) -> Ward:
    return Ward.objects.create(code="141038", name="西区")


@pytest.fixture
def clerk_c(make_staff, ward_c):
    return make_staff(ward_c, Role.CLERK)


@pytest.fixture
def answered_by_b(sent_inquiry, clerk_b, now):
    """B's clerk acknowledged the status and answered; the answer awaits sign-off."""
    actions.acknowledge_inquiry(inquiry=sent_inquiry, acting_user=clerk_b, acknowledged_at=now)
    return actions.answer_inquiry(
        inquiry=sent_inquiry, acting_user=clerk_b, answer="未加入です", answered_at=now
    )


def inquiry_actions(**flags: bool) -> rules.InquiryActions:
    nothing = dict.fromkeys(rules.InquiryActions.__dataclass_fields__, False)
    return rules.InquiryActions(**{**nothing, **flags})


class TestWhatAnInquiryPageOffers:
    def test_the_sending_ward_once_it_left(self, sent_inquiry, clerk_a, supervisor_a, now):
        for user in (clerk_a, supervisor_a):
            assert rules.inquiry_actions(user, sent_inquiry, now) == inquiry_actions(
                sending=True, raise_status=True, plan=True
            )

    def test_a_supervisor_of_the_sending_ward_while_it_awaits_sign_off(
        self, inquiry_about_x, clerk_a, supervisor_a, now
    ):
        assert rules.inquiry_actions(supervisor_a, inquiry_about_x, now) == inquiry_actions(
            sending=True, sign_off=True, raise_status=True, plan=True
        )
        assert rules.inquiry_actions(clerk_a, inquiry_about_x, now).sign_off is False

    def test_the_receiving_ward_before_and_after_the_acknowledgement(
        self, sent_inquiry, clerk_b, now
    ):
        before = rules.inquiry_actions(clerk_b, sent_inquiry, now)
        actions.acknowledge_inquiry(inquiry=sent_inquiry, acting_user=clerk_b, acknowledged_at=now)
        after = rules.inquiry_actions(clerk_b, sent_inquiry, now)

        assert before == inquiry_actions(
            receiving=True, must_acknowledge=True, answer_visible=True, plan=True
        )
        assert after == inquiry_actions(receiving=True, answer_visible=True, answer=True, plan=True)

    def test_a_supervisor_of_the_receiving_ward_signs_off_an_answer_once_acknowledged(
        self, answered_by_b, clerk_b, supervisor_b, now
    ):
        before = rules.inquiry_actions(supervisor_b, answered_by_b, now)
        actions.acknowledge_inquiry(
            inquiry=answered_by_b, acting_user=supervisor_b, acknowledged_at=now
        )
        after = rules.inquiry_actions(supervisor_b, answered_by_b, now)

        assert before == inquiry_actions(
            receiving=True, must_acknowledge=True, answer_visible=True, plan=True
        )
        assert after == inquiry_actions(
            receiving=True, answer_visible=True, answer=True, sign_off_answer=True, plan=True
        )
        # Its author may still rework the answer, never release it.
        assert rules.inquiry_actions(clerk_b, answered_by_b, now) == inquiry_actions(
            receiving=True, answer_visible=True, answer=True, plan=True
        )

    def test_an_auditor_reads_and_sees_the_answer_and_does_nothing_else(
        self, answered_by_b, auditor, now
    ):
        assert rules.inquiry_actions(auditor, answered_by_b, now) == inquiry_actions(
            auditing=True, answer_visible=True
        )

    def test_a_third_ward_is_offered_nothing_and_is_not_auditing(self, answered_by_b, clerk_c, now):
        assert rules.inquiry_actions(clerk_c, answered_by_b, now) == inquiry_actions()

    def test_the_sender_sees_the_answer_only_once_it_is_signed_off(
        self, answered_by_b, clerk_a, make_staff, ward_b, now
    ):
        other = make_staff(ward_b, Role.SUPERVISOR)
        assert rules.answer_visible(clerk_a, answered_by_b) is False
        actions.acknowledge_inquiry(inquiry=answered_by_b, acting_user=other, acknowledged_at=now)
        answered = actions.sign_off_answer(inquiry=answered_by_b, acting_user=other, signed_at=now)

        assert rules.inquiry_actions(clerk_a, answered, now) == inquiry_actions(
            sending=True, answer_visible=True, plan=True
        )

    def test_a_refused_inquiry_is_planned_for_by_nobody(
        self, inquiry_about_x, clerk_a, supervisor_a, now
    ):
        refused = actions.refuse_inquiry(
            inquiry=inquiry_about_x, acting_user=supervisor_a, reason="不要", refused_at=now
        )

        assert rules.may_plan_for(clerk_a, refused) is False
        assert rules.inquiry_actions(clerk_a, refused, now) == inquiry_actions(sending=True)


class TestRaisingTheStatus:
    def test_only_the_sending_ward_raises(self, sent_inquiry, clerk_b):
        assert refusal(
            rules.raise_refusal(clerk_b, sent_inquiry, ProtectedStatus.COUNTERPARTY)
        ) == (
            registry.NotPermitted,
            "Only the sending ward can raise the status.",
        )

    @pytest.mark.parametrize(
        "status, refused",
        [
            (ProtectedStatus.COUNTERPARTY, False),
            ("", False),
            (ProtectedStatus.PROTECTED, True),
            (ProtectedStatus.POSSIBLE_MATCH, True),
            (ProtectedStatus.NONE, True),
        ],
    )
    def test_only_upwards(self, sent_inquiry, clerk_a, status, refused):
        expected = (
            (registry.ActionRefused, "The status can only be raised, never lowered.")
            if refused
            else None
        )

        assert refusal(rules.raise_refusal(clerk_a, sent_inquiry, status)) == expected

    def test_nothing_is_above_counterparty(self, sent_inquiry, clerk_a, now):
        raised = actions.raise_inquiry_status(
            inquiry=sent_inquiry,
            acting_user=clerk_a,
            status=ProtectedStatus.COUNTERPARTY,
            reason="相手方",
            raised_at=now,
        )

        assert refusal(rules.raise_refusal(clerk_a, raised)) == (
            registry.ActionRefused,
            "The status can only be raised, never lowered.",
        )
        assert rules.inquiry_actions(clerk_a, raised, now).raise_status is False

    def test_not_once_the_inquiry_is_closed(self, inquiry_about_x, clerk_a, supervisor_a, now):
        refused = actions.refuse_inquiry(
            inquiry=inquiry_about_x, acting_user=supervisor_a, reason="不要", refused_at=now
        )

        assert refusal(rules.raise_refusal(clerk_a, refused)) == (
            registry.InvalidTransition,
            "This inquiry was refused at sign-off.",
        )


class TestAnsweringAndItsSignOff:
    def test_the_refusals_of_answering_word_for_word(
        self, sent_inquiry, clerk_a, clerk_b, supervisor_a, now
    ):
        assert refusal(rules.answer_refusal(clerk_a, sent_inquiry)) == (
            registry.NotPermitted,
            "Only the receiving ward answers an inquiry.",
        )
        assert refusal(rules.answer_refusal(clerk_b, sent_inquiry)) == (
            registry.ActionRefused,
            "Acknowledge the support-measure status first.",
        )

    def test_an_answered_inquiry_cannot_be_answered_again(
        self, answered_by_b, clerk_b, make_staff, ward_b, now
    ):
        other = make_staff(ward_b, Role.SUPERVISOR)
        actions.acknowledge_inquiry(inquiry=answered_by_b, acting_user=other, acknowledged_at=now)
        answered = actions.sign_off_answer(inquiry=answered_by_b, acting_user=other, signed_at=now)

        assert refusal(rules.answer_refusal(clerk_b, answered)) == (
            registry.InvalidTransition,
            "This inquiry has already been answered.",
        )
        assert refusal(rules.sign_off_answer_refusal(other, answered, now)) == (
            registry.InvalidTransition,
            "This inquiry has already been answered.",
        )

    def test_the_refusals_of_signing_off_an_answer_word_for_word(
        self, sent_inquiry, answered_by_b, supervisor_b, now
    ):
        assert refusal(rules.sign_off_answer_refusal(supervisor_b, answered_by_b, now)) == (
            registry.ActionRefused,
            "Acknowledge the support-measure status first.",
        )
        actions.acknowledge_inquiry(
            inquiry=answered_by_b, acting_user=supervisor_b, acknowledged_at=now
        )
        assert rules.sign_off_answer_refusal(supervisor_b, answered_by_b, now) is None
        # Training is judged on the day of the act.
        assert refusal(
            rules.sign_off_answer_refusal(supervisor_b, answered_by_b, now + A_YEAR_ON)
        ) == (registry.TrainingLapsed, TRAINING_LAPSED)
        assert rules.inquiry_actions(supervisor_b, answered_by_b, now + A_YEAR_ON) == (
            inquiry_actions(receiving=True, answer_visible=True, answer=True, plan=True)
        )

    def test_no_answer_to_sign_off_before_one_is_written(self, sent_inquiry, supervisor_b, now):
        actions.acknowledge_inquiry(
            inquiry=sent_inquiry, acting_user=supervisor_b, acknowledged_at=now
        )

        assert refusal(rules.sign_off_answer_refusal(supervisor_b, sent_inquiry, now)) == (
            registry.InvalidTransition,
            "No answer has been written yet.",
        )

    def test_the_sign_off_of_an_inquiry_is_judged_on_the_day_of_the_act(
        self, inquiry_about_x, supervisor_a, now
    ):
        assert rules.inquiry_actions(supervisor_a, inquiry_about_x, now).sign_off is True
        assert rules.inquiry_actions(supervisor_a, inquiry_about_x, now + A_YEAR_ON) == (
            inquiry_actions(sending=True, raise_status=True, plan=True)
        )


class TestAcknowledgements:
    def test_one_inquirys_acknowledgement_does_not_open_another(
        self, sent_inquiry, clerk_a, supervisor_a, clerk_b, ward_b, now
    ):
        second = actions.create_inquiry(
            acting_user=clerk_a,
            to_ward=ward_b,
            to_department="",
            subject_name="山崎 美咲",
            subject_kana="",
            subject_birth_date=None,
            question="住民税の課税状況",
            reason="手続きのため",
            urgency="normal",
            created_at=now,
        )
        actions.sign_off_inquiry(
            inquiry=second, acting_user=supervisor_a, confirmed_minimal=True, signed_at=now
        )

        actions.acknowledge_inquiry(inquiry=sent_inquiry, acting_user=clerk_b, acknowledged_at=now)

        assert rules.has_acknowledged(sent_inquiry, clerk_b) is True
        assert rules.has_acknowledged(second, clerk_b) is False
        assert rules.must_acknowledge(clerk_b, second) is True

    def test_a_raised_status_is_acknowledged_again(self, sent_inquiry, clerk_a, clerk_b, now):
        actions.acknowledge_inquiry(inquiry=sent_inquiry, acting_user=clerk_b, acknowledged_at=now)
        raised = actions.raise_inquiry_status(
            inquiry=sent_inquiry,
            acting_user=clerk_a,
            status=ProtectedStatus.COUNTERPARTY,
            reason="相手方の可能性",
            raised_at=now,
        )

        assert rules.has_acknowledged(raised, clerk_b) is False
        assert rules.must_acknowledge(clerk_b, raised) is True


def test_only_supervisors_have_an_approvers_queue(clerk_a, supervisor_a, auditor):
    assert [rules.has_approver_queue(u) for u in (clerk_a, supervisor_a, auditor)] == [
        False,
        True,
        False,
    ]


@pytest.fixture
def high_plan(plan_fields, clerk_b, now) -> ContactPlan:
    """About X (protected at ward A), to someone nobody flagged: one approval."""
    return actions.create_plan(
        acting_user=clerk_b,
        created_at=now,
        **plan_fields(target_name="鈴木 一郎", target_kana="スズキ イチロウ", wording=HARMLESS),
    )


@pytest.fixture
def critical_plan(plan_fields, clerk_b, now) -> ContactPlan:
    """To Y, the counterparty, in harmless words: two approvals."""
    return actions.create_plan(acting_user=clerk_b, created_at=now, **plan_fields(wording=HARMLESS))


def plan_actions(**flags: object) -> rules.PlanActions:
    nothing: dict[str, object] = dict.fromkeys(rules.PlanActions.__dataclass_fields__, False)
    nothing["approve_refusal"] = ""
    return rules.PlanActions(**{**nothing, **flags})  # type: ignore[arg-type]


class TestWhatAPlanPageOffers:
    def test_a_supervisor_of_the_acting_ward_approves_or_refuses_a_waiting_plan(
        self, high_plan, supervisor_b, now
    ):
        assert rules.plan_actions(supervisor_b, high_plan, now) == plan_actions(
            approve=True, refuse=True, see_contact=True
        )

    def test_its_author_may_change_it_and_is_not_told_why_he_cannot_approve(
        self, high_plan, clerk_b, now
    ):
        assert rules.plan_actions(clerk_b, high_plan, now) == plan_actions(
            change=True, see_contact=True
        )

    def test_a_supervisor_elsewhere_is_told_why_he_cannot_approve(
        self, high_plan, supervisor_a, now
    ):
        assert rules.plan_actions(supervisor_a, high_plan, now) == plan_actions(
            see_contact=True,
            approve_refusal="Only a supervisor of 神奈川区 can sign this off.",
        )

    def test_an_untrained_day_is_judged_on_the_day_of_the_act(self, high_plan, supervisor_b, now):
        later = now + A_YEAR_ON

        assert refusal(rules.approve_refusal(supervisor_b, high_plan, later)) == (
            registry.TrainingLapsed,
            TRAINING_LAPSED,
        )
        assert refusal(rules.refuse_refusal(supervisor_b, high_plan, later)) == (
            registry.TrainingLapsed,
            TRAINING_LAPSED,
        )
        assert rules.plan_actions(supervisor_b, high_plan, later) == plan_actions(
            see_contact=True, approve_refusal=TRAINING_LAPSED
        )

    def test_wording_to_change_is_said_to_the_supervisor(
        self, plan_fields, clerk_b, supervisor_b, now
    ):
        plan = actions.create_plan(acting_user=clerk_b, created_at=now, **plan_fields())
        words = (
            "The wording reveals where a protected person is or has been. It must be changed "
            "before a critical plan can be approved."
        )

        assert refusal(rules.approve_refusal(supervisor_b, plan, now)) == (
            actions.PlanNeedsRewording,
            words,
        )
        assert rules.plan_actions(supervisor_b, plan, now) == plan_actions(
            refuse=True, see_contact=True, approve_refusal=words
        )

    def test_one_approver_of_two_is_told_he_has_approved(
        self, critical_plan, supervisor_b, make_staff, ward_b, now
    ):
        plan = actions.approve_plan(plan=critical_plan, acting_user=supervisor_b, approved_at=now)
        second = make_staff(ward_b, Role.SUPERVISOR)

        assert refusal(rules.approve_refusal(supervisor_b, plan, now)) == (
            registry.SameStaffMember,
            "You have already approved this plan.",
        )
        assert rules.plan_actions(supervisor_b, plan, now).approve_refusal == (
            "You have already approved this plan."
        )
        assert rules.approve_refusal(second, plan, now) is None

    def test_once_approved_the_acting_ward_records_the_contact_and_nobody_else(
        self, high_plan, clerk_b, supervisor_b, clerk_a, supervisor_a, now
    ):
        plan = actions.approve_plan(plan=high_plan, acting_user=supervisor_b, approved_at=now)

        assert rules.plan_actions(clerk_b, plan, now) == plan_actions(
            record=True, change=True, see_contact=True
        )
        assert rules.plan_actions(supervisor_b, plan, now) == plan_actions(
            refuse=True, record=True, see_contact=True
        )
        for elsewhere in (clerk_a, supervisor_a):
            assert rules.may_record_contact(elsewhere, plan, now) is False

    def test_once_contacted_nothing_more_is_offered(self, high_plan, clerk_b, supervisor_b, now):
        plan = actions.approve_plan(plan=high_plan, acting_user=supervisor_b, approved_at=now)
        actions.record_contact(
            plan=plan,
            acting_user=clerk_b,
            said=HARMLESS,
            outcome="了承",
            categories=["identity"],
            contacted_at=now,
        )
        plan.refresh_from_db()

        assert rules.plan_actions(clerk_b, plan, now) == plan_actions(see_contact=True)
        assert rules.may_change(clerk_b, plan) is False

    def test_only_the_author_changes_a_plan(
        self, high_plan, clerk_b, supervisor_b, make_staff, ward_b
    ):
        assert rules.may_change(clerk_b, high_plan) is True
        assert rules.may_change(supervisor_b, high_plan) is False
        assert rules.may_change(make_staff(ward_b, Role.CLERK), high_plan) is False

    def test_an_emergency_is_decided_by_supervisors_only_and_says_so(
        self, plan_fields, clerk_b, make_staff, ward_a, now
    ):
        plan = actions.create_plan(
            acting_user=clerk_b,
            created_at=now,
            **plan_fields(
                target_name="鈴木 一郎",
                target_kana="スズキ イチロウ",
                wording="安否確認の電話をします",
                is_emergency=True,
                emergency_reason="安否不明",
            ),
        )

        assert refusal(rules.approve_refusal(make_staff(ward_a, Role.CLERK), plan, now)) == (
            registry.NotPermitted,
            "Only supervisors approve contact plans.",
        )
        assert rules.approve_refusal(make_staff(ward_a, Role.SUPERVISOR), plan, now) is None


class TestApprovalsThatCount:
    def test_approved_now_while_its_approvals_are_valid(
        self, high_plan, supervisor_b, settings, now
    ):
        plan = actions.approve_plan(plan=high_plan, acting_user=supervisor_b, approved_at=now)
        expired = now + datetime.timedelta(hours=settings.MAMORI_APPROVAL_HOURS, seconds=1)

        assert rules.is_approved_now(plan, now) is True
        assert rules.is_approved_now(plan, expired) is False

    def test_a_plan_awaiting_approval_is_not_approved_even_with_approvals(
        self, critical_plan, supervisor_b, make_staff, ward_b, now
    ):
        plan = actions.approve_plan(plan=critical_plan, acting_user=supervisor_b, approved_at=now)

        assert (plan.state, len(rules.valid_approvals(plan, now))) == (
            PlanState.AWAITING_APPROVAL,
            1,
        )
        assert rules.is_approved_now(plan, now) is False

    def test_an_approval_counts_only_for_the_version_it_approved(
        self, critical_plan, supervisor_b, now
    ):
        plan = actions.approve_plan(plan=critical_plan, acting_user=supervisor_b, approved_at=now)
        assert len(rules.valid_approvals(plan, now)) == 1
        # A change that somehow escaped the withdrawal (the database refuses it once the plan
        # is approved): the approval given to the old version does not count.
        ContactPlan.objects.filter(pk=plan.pk).update(fingerprint="another version")
        plan.refresh_from_db()

        assert rules.valid_approvals(plan, now) == []

    def test_valid_approvals_come_with_their_approver_in_one_query(
        self, critical_plan, supervisor_b, make_staff, ward_b, django_assert_num_queries, now
    ):
        actions.approve_plan(plan=critical_plan, acting_user=supervisor_b, approved_at=now)
        plan = actions.approve_plan(
            plan=critical_plan, acting_user=make_staff(ward_b, Role.SUPERVISOR), approved_at=now
        )

        with django_assert_num_queries(1):
            approvers = sorted(a.approver.username for a in rules.valid_approvals(plan, now))

        assert len(approvers) == 2 and supervisor_b.username in approvers


class TestWhoSeesTheContact:
    def test_a_counterpartys_own_number_is_no_secret_from_anyone_who_may_read_the_plan(
        self, critical_plan, clerk_c, contractor_a, now
    ):
        today = now.date()

        assert rules.contact_is_protected(critical_plan) is False
        assert rules.may_see_contact(clerk_c, critical_plan, today) is True
        assert rules.may_see_contact(contractor_a, critical_plan, today) is True

    def test_a_protected_contact_only_to_those_who_act_on_the_plan(
        self, plan_fields, clerk_b, clerk_a, clerk_c, contractor_a, now
    ):
        plan = actions.create_plan(
            acting_user=clerk_b,
            created_at=now,
            **plan_fields(target_name="山﨑 美咲", target_kana="ヤマサキ ミサキ", wording=HARMLESS),
        )
        today = now.date()

        assert rules.contact_is_protected(plan) is True
        assert [rules.must_act_on(u, plan) for u in (clerk_b, clerk_a, clerk_c, contractor_a)] == [
            True,
            True,
            False,
            False,
        ]
        assert rules.may_see_contact(clerk_a, plan, today) is True
        assert rules.may_see_contact(clerk_c, plan, today) is False

    def test_a_protected_contact_is_shown_only_while_the_reader_is_trained(
        self, plan_fields, clerk_b, now
    ):
        plan = actions.create_plan(
            acting_user=clerk_b,
            created_at=now,
            **plan_fields(target_name="山﨑 美咲", target_kana="ヤマサキ ミサキ", wording=HARMLESS),
        )

        assert rules.plan_actions(clerk_b, plan, now).see_contact is True
        assert rules.plan_actions(clerk_b, plan, now + A_YEAR_ON).see_contact is False

    def test_a_possible_match_assessed_before_reasons_were_kept_is_protected(self, high_plan):
        ContactPlan.objects.filter(pk=high_plan.pk).update(
            target_status=ProtectedStatus.POSSIBLE_MATCH, risk_reasons=[]
        )
        high_plan.refresh_from_db()

        assert rules.contact_is_protected(high_plan) is True

    def test_nobody_flagged_and_no_reasons_kept_is_not_protected(self, high_plan):
        ContactPlan.objects.filter(pk=high_plan.pk).update(
            target_status=ProtectedStatus.NONE, risk_reasons=[]
        )
        high_plan.refresh_from_db()

        assert rules.contact_is_protected(high_plan) is False


def test_an_inquiry_that_is_not_flagged_is_read_without_acknowledgement(
    clerk_a, supervisor_a, clerk_b, ward_b, now
):
    inquiry = actions.create_inquiry(
        acting_user=clerk_a,
        to_ward=ward_b,
        to_department="",
        subject_name="鈴木 一郎",
        subject_kana="スズキ イチロウ",
        subject_birth_date=None,
        question="q",
        reason="r",
        urgency="normal",
        created_at=now,
    )
    inquiry = actions.sign_off_inquiry(
        inquiry=inquiry, acting_user=supervisor_a, confirmed_minimal=True, signed_at=now
    )

    assert inquiry.state == InquiryState.SENT
    assert rules.must_acknowledge(clerk_b, inquiry) is False
    assert rules.answer_refusal(clerk_b, inquiry) is None

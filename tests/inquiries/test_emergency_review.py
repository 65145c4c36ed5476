"""Every emergency is reviewed afterwards by a trained supervisor of the ward that holds the
case (or of the acting ward when nobody holds one): `review_emergency` and its refusals."""

from __future__ import annotations

import pytest

from auditlog.models import AuditEvent, EventKind
from inquiries import actions
from inquiries.models import ContactPlan, PlanState
from supportmeasures import actions as registry
from supportmeasures.models import Role

pytestmark = pytest.mark.django_db

TRAINING_LAPSED = (
    "Your annual training on support measures has expired (none in the last 12 months). "
    "Take the training before you open protected details or decide."
)
EMERGENCY = {
    "target_name": "鈴木 一郎",
    "target_kana": "スズキ イチロウ",
    "wording": "安否確認の電話をします",
    "is_emergency": True,
    "emergency_reason": "本人と連絡が取れず安否が不明",
}


@pytest.fixture
def approve_by_two(make_staff, ward_b, supervisor_b, now):
    def approve(plan: ContactPlan) -> ContactPlan:
        actions.approve_plan(plan=plan, acting_user=supervisor_b, approved_at=now)
        return actions.approve_plan(
            plan=plan, acting_user=make_staff(ward_b, Role.SUPERVISOR), approved_at=now
        )

    return approve


@pytest.fixture
def emergency(plan_fields, clerk_b, now):
    """Ward B's emergency about X, whose case ward A holds; not yet approved."""
    return actions.create_plan(acting_user=clerk_b, created_at=now, **plan_fields(**EMERGENCY))


@pytest.fixture
def approved_emergency(emergency, approve_by_two):
    plan = approve_by_two(emergency)
    assert plan.state == PlanState.APPROVED
    return plan


def assert_not_reviewed(plan: ContactPlan) -> None:
    plan.refresh_from_db()
    assert (plan.emergency_reviewed_by, plan.emergency_reviewed_at, plan.emergency_review_note) == (
        None,
        None,
        "",
    )
    assert not AuditEvent.objects.filter(kind=EventKind.EMERGENCY_REVIEWED).exists()


class TestReviewEmergency:
    def test_a_supervisor_of_the_owning_ward_reviews_it_and_it_leaves_the_list(
        self, approved_emergency, supervisor_a, now
    ):
        reviewed = actions.review_emergency(
            plan=approved_emergency, acting_user=supervisor_a, note="連絡は妥当", reviewed_at=now
        )

        assert (reviewed.emergency_reviewed_by, reviewed.emergency_review_note) == (
            supervisor_a,
            "連絡は妥当",
        )
        event = AuditEvent.objects.get(kind=EventKind.EMERGENCY_REVIEWED)
        assert (event.actor, event.decision, event.reason, event.data["plan"]) == (
            supervisor_a,
            "reviewed",
            "連絡は妥当",
            str(approved_emergency.public_id),
        )
        assert not ContactPlan.objects.emergencies_to_review().exists()

    def test_when_nobody_holds_a_case_the_acting_ward_reviews_it(
        self, clerk_b, supervisor_a, make_staff, ward_b, approve_by_two, now
    ):
        plan = approve_by_two(
            actions.create_plan(
                acting_user=clerk_b,
                created_at=now,
                matter_name="",
                target_contact="045-1",
                target_relation="本人",
                channel="phone",
                purpose="安否確認",
                categories=["identity"],
                **EMERGENCY,
            )
        )
        assert plan.owning_ward_codes == []
        reviewer = make_staff(ward_b, Role.SUPERVISOR)

        with pytest.raises(registry.NotPermitted):
            actions.review_emergency(
                plan=plan, acting_user=supervisor_a, note="確認", reviewed_at=now
            )
        reviewed = actions.review_emergency(
            plan=plan, acting_user=reviewer, note="確認", reviewed_at=now
        )

        assert reviewed.emergency_reviewed_by == reviewer

    def test_refuses_a_plan_that_was_not_an_emergency(
        self, plan_fields, clerk_b, supervisor_b, supervisor_a, now
    ):
        plan = actions.create_plan(
            acting_user=clerk_b,
            created_at=now,
            **plan_fields(
                target_name="鈴木 一郎", target_kana="スズキ イチロウ", wording="書類をお送りします"
            ),
        )
        actions.approve_plan(plan=plan, acting_user=supervisor_b, approved_at=now)

        with pytest.raises(registry.InvalidTransition) as refused:
            actions.review_emergency(plan=plan, acting_user=supervisor_a, note="x", reviewed_at=now)

        assert str(refused.value) == "This plan was not an emergency."
        assert_not_reviewed(plan)

    def test_refuses_a_second_review(
        self, approved_emergency, supervisor_a, make_staff, ward_a, now
    ):
        actions.review_emergency(
            plan=approved_emergency, acting_user=supervisor_a, note="妥当", reviewed_at=now
        )

        with pytest.raises(registry.InvalidTransition) as refused:
            actions.review_emergency(
                plan=approved_emergency,
                acting_user=make_staff(ward_a, Role.SUPERVISOR),
                note="再確認",
                reviewed_at=now,
            )

        assert str(refused.value) == "This emergency has already been reviewed."
        approved_emergency.refresh_from_db()
        assert (
            approved_emergency.emergency_reviewed_by,
            approved_emergency.emergency_review_note,
        ) == (
            supervisor_a,
            "妥当",
        )
        assert AuditEvent.objects.filter(kind=EventKind.EMERGENCY_REVIEWED).count() == 1

    @pytest.mark.parametrize("who", ["acting_ward_supervisor", "owning_ward_clerk"])
    def test_refuses_anyone_but_a_supervisor_of_the_owning_ward(
        self, approved_emergency, supervisor_b, clerk_a, who, now
    ):
        reviewer = {"acting_ward_supervisor": supervisor_b, "owning_ward_clerk": clerk_a}[who]

        with pytest.raises(registry.NotPermitted) as refused:
            actions.review_emergency(
                plan=approved_emergency, acting_user=reviewer, note="妥当", reviewed_at=now
            )

        assert str(refused.value) == "A supervisor of the owning ward reviews emergencies."
        assert_not_reviewed(approved_emergency)

    def test_refuses_an_untrained_supervisor_of_the_owning_ward(
        self, approved_emergency, make_staff, ward_a, now
    ):
        untrained = make_staff(ward_a, Role.SUPERVISOR, trained=False)

        with pytest.raises(registry.TrainingLapsed) as refused:
            actions.review_emergency(
                plan=approved_emergency, acting_user=untrained, note="妥当", reviewed_at=now
            )

        assert str(refused.value) == TRAINING_LAPSED
        assert_not_reviewed(approved_emergency)

    @pytest.mark.parametrize("note", ["", "  \n"])
    def test_refuses_an_empty_note(self, approved_emergency, supervisor_a, note, now):
        with pytest.raises(registry.ActionRefused) as refused:
            actions.review_emergency(
                plan=approved_emergency, acting_user=supervisor_a, note=note, reviewed_at=now
            )

        assert str(refused.value) == "Write the review."
        assert_not_reviewed(approved_emergency)

    def test_refuses_an_emergency_still_awaiting_approval(self, emergency, supervisor_a, now):
        with pytest.raises(registry.InvalidTransition) as refused:
            actions.review_emergency(
                plan=emergency, acting_user=supervisor_a, note="妥当", reviewed_at=now
            )

        assert str(refused.value) == (
            "This emergency plan is still awaiting approval: it is reviewed once decided."
        )
        assert_not_reviewed(emergency)
        assert ContactPlan.objects.open_emergencies().get() == emergency

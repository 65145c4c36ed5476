"""A refusal says why (issue 15): a contact on a plan that may not be acted on names the reason
(still awaiting approval, approval expired, risk rose after approval), not "not approved, or
expired, or risen"; the state refusals of plans and inquiries name the state."""

from __future__ import annotations

import pytest
from django.utils import translation

from inquiries import actions
from inquiries import permissions as rules
from supportmeasures import actions as registry
from supportmeasures.actions import PartyData, PersonData

pytestmark = pytest.mark.django_db

AFTER = " The contact may not be made or recorded. The attempt was recorded."


@pytest.fixture
def approved(clerk_b, supervisor_b, now):
    plan = actions.create_plan(
        acting_user=clerk_b,
        created_at=now,
        matter_name="",
        target_name="鈴木 一郎",
        target_contact="045-111-2222",
        target_relation="本人",
        channel="letter",
        purpose="案内",
        categories=["identity"],
        wording="ご案内をお送りします",
    )
    return actions.approve_plan(plan=plan, acting_user=supervisor_b, approved_at=now)


def record(plan, clerk, at):
    return actions.record_contact(
        plan=plan,
        acting_user=clerk,
        said="s",
        outcome="o",
        categories=["identity"],
        contacted_at=at,
    )


class TestAContactRefusedSaysWhy:
    def test_when_the_risk_rose_after_the_approval(self, approved, register, clerk_a, clerk_b, now):
        register(
            clerk_a,
            protected=PersonData(name="佐藤 花子"),
            counterparties=[PartyData(person=PersonData(name="鈴木 一郎"))],
        )

        with pytest.raises(registry.ActionRefused) as refused:
            record(approved, clerk_b, now)

        assert str(refused.value) == (
            "The risk of this plan rose after it was approved: its approvals were withdrawn and "
            "it must be approved again." + AFTER
        )

    def test_in_japanese_when_the_plan_was_refused(self, approved, make_staff, clerk_b, now):
        supervisor = make_staff(approved.acting_ward, "supervisor")
        actions.refuse_plan(plan=approved, acting_user=supervisor, reason="不要", refused_at=now)
        approved.refresh_from_db()

        with translation.override("ja"), pytest.raises(registry.ActionRefused) as refused:
            record(approved, clerk_b, now)

        assert str(refused.value) == (
            "この連絡計画は不承認となっています。連絡を行うことも、連絡結果を記録することも"
            "できません。この操作は記録されました。"
        )


class TestTheStateInWords:
    def test_every_plan_state_has_its_own_sentence(self, approved):
        sentences = set()
        for state in ("awaiting_approval", "approved", "refused", "contacted", "withdrawn"):
            approved.state = state
            sentences.add(str(rules.plan_state_refusal(approved)))

        assert len(sentences) == 5

    def test_every_inquiry_state_has_its_own_sentence(self, inquiry_about_x):
        sentences = set()
        for state in ("awaiting_signoff", "sent", "answer_awaiting_signoff", "answered", "refused"):
            inquiry_about_x.state = state
            sentences.add(str(rules.inquiry_state_refusal(inquiry_about_x)))

        assert len(sentences) == 5
        inquiry_about_x.state = "answered"
        with translation.override("ja"):
            assert str(rules.inquiry_state_refusal(inquiry_about_x)) == "この照会は回答済みです。"

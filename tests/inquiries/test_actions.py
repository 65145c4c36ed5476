from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone

from auditlog.models import AuditEvent, EventKind
from inquiries import actions
from inquiries.models import (
    ContactPlan,
    Inquiry,
    InquiryState,
    Notification,
    PlanApproval,
    PlanState,
    ProtectedStatus,
    Risk,
)
from supportmeasures import actions as registry
from supportmeasures.actions import PersonData
from supportmeasures.models import Role

pytestmark = pytest.mark.django_db


def kinds() -> list[str]:
    return list(AuditEvent.objects.order_by("sequence").values_list("kind", flat=True))


class TestTheFlagTravels:
    def test_an_inquiry_carries_the_registry_status_computed_at_creation(self, inquiry_about_x):
        assert inquiry_about_x.registry_status == ProtectedStatus.PROTECTED
        assert inquiry_about_x.protected_status == ProtectedStatus.PROTECTED
        assert inquiry_about_x.owning_ward_codes == ["141011"]
        assert kinds()[-1] == EventKind.INQUIRY_CREATED

    def test_the_sender_may_raise_but_never_lower_it(self, inquiry_about_x, clerk_a, now):
        with pytest.raises(registry.ActionRefused):
            actions.raise_inquiry_status(
                inquiry=inquiry_about_x,
                acting_user=clerk_a,
                status=ProtectedStatus.NONE,
                reason="x",
                raised_at=now,
            )
        raised = actions.raise_inquiry_status(
            inquiry=inquiry_about_x,
            acting_user=clerk_a,
            status=ProtectedStatus.COUNTERPARTY,
            reason="相手方の可能性",
            raised_at=now,
        )

        assert raised.protected_status == ProtectedStatus.COUNTERPARTY
        assert kinds()[-1] == EventKind.INQUIRY_STATUS_RAISED

    def test_the_receiving_ward_cannot_touch_the_status(self, sent_inquiry, clerk_b, now):
        with pytest.raises(registry.NotPermitted):
            actions.raise_inquiry_status(
                inquiry=sent_inquiry,
                acting_user=clerk_b,
                status=ProtectedStatus.COUNTERPARTY,
                reason="x",
                raised_at=now,
            )

    def test_a_late_registration_raises_an_open_inquiry_and_alerts_both_sides(
        self, clerk_a, supervisor_a, clerk_b, ward_b, register, now
    ):
        # The incident: A asks B about someone nobody has flagged yet; 30 minutes later...
        inquiry = actions.create_inquiry(
            acting_user=clerk_a,
            to_ward=ward_b,
            to_department="",
            subject_name="佐藤 花",
            subject_kana="サトウ ハナ",
            subject_birth_date=None,
            question="q",
            reason="r",
            urgency="normal",
            created_at=now,
        )
        actions.sign_off_inquiry(
            inquiry=inquiry, acting_user=supervisor_a, confirmed_minimal=True, signed_at=now
        )
        assert inquiry.protected_status == ProtectedStatus.NONE
        register(clerk_a, protected=PersonData(name="佐藤 花", kana="サトウ ハナ"))

        raised = actions.reevaluate_open_inquiries(now=now)

        inquiry.refresh_from_db()
        assert raised == [str(inquiry.public_id)]
        assert inquiry.protected_status == ProtectedStatus.PROTECTED
        alerted = Notification.objects.filter(critical=True, subject__contains="raised")
        assert {n.recipient for n in alerted} >= {clerk_a, clerk_b}
        assert actions.reevaluate_open_inquiries(now=now) == []  # idempotent


class TestInquirySignOff:
    def test_an_unsigned_inquiry_is_invisible_to_the_other_ward(self, inquiry_about_x, clerk_b):
        from inquiries import selectors

        assert selectors.inbox(user=clerk_b) == []

    def test_its_author_cannot_sign_it_off(self, supervisor_a, ward_b, x, now):
        inquiry = actions.create_inquiry(
            acting_user=supervisor_a,
            to_ward=ward_b,
            to_department="",
            subject_name="山崎 美咲",
            subject_kana="",
            subject_birth_date=None,
            question="q",
            reason="r",
            urgency="normal",
            created_at=now,
        )

        with pytest.raises(registry.SameStaffMember):
            actions.sign_off_inquiry(
                inquiry=inquiry, acting_user=supervisor_a, confirmed_minimal=True, signed_at=now
            )

    @pytest.mark.parametrize("who", ["clerk", "other_ward", "untrained"])
    def test_only_a_trained_supervisor_of_the_sending_ward_signs(
        self, inquiry_about_x, make_staff, ward_a, ward_b, who, now
    ):
        signer = {
            "clerk": lambda: make_staff(ward_a, Role.CLERK),
            "other_ward": lambda: make_staff(ward_b, Role.SUPERVISOR),
            "untrained": lambda: make_staff(ward_a, Role.SUPERVISOR, trained=False),
        }[who]()

        with pytest.raises(registry.ActionRefused):
            actions.sign_off_inquiry(
                inquiry=inquiry_about_x, acting_user=signer, confirmed_minimal=True, signed_at=now
            )

        inquiry_about_x.refresh_from_db()
        assert inquiry_about_x.state == InquiryState.AWAITING_SIGNOFF

    def test_sign_off_tells_the_receiving_ward(self, clerk_b, clerk_a, sent_inquiry):
        assert sent_inquiry.state == InquiryState.SENT
        to_b = Notification.objects.filter(recipient=clerk_b, url=sent_inquiry.get_absolute_url())
        assert [n.critical for n in to_b] == [True]
        # A is both the asking and the owning ward: it is not told about its own inquiry.
        assert not Notification.objects.filter(recipient=clerk_a).exists()

    def test_sign_off_tells_the_owning_ward_when_it_is_a_third_ward(
        self, make_staff, ward_b, clerk_a, x, now
    ):
        from supportmeasures.models import Ward

        ward_c = Ward.objects.create(code="141038", name="西区")
        clerk_c = make_staff(ward_c, Role.CLERK)
        supervisor_c = make_staff(ward_c, Role.SUPERVISOR)
        inquiry = actions.create_inquiry(
            acting_user=clerk_c,
            to_ward=ward_b,
            to_department="",
            subject_name="山﨑 美咲",
            subject_kana="",
            subject_birth_date=None,
            question="q",
            reason="保険の確認",
            urgency="normal",
            created_at=now,
        )

        actions.sign_off_inquiry(
            inquiry=inquiry, acting_user=supervisor_c, confirmed_minimal=True, signed_at=now
        )

        told = Notification.objects.get(recipient=clerk_a)
        assert told.critical and "保険の確認" in told.body


class TestAnswers:
    def test_answering_needs_the_acknowledgement_then_a_second_person(
        self, sent_inquiry, clerk_b, supervisor_b, now
    ):
        with pytest.raises(registry.ActionRefused):
            actions.answer_inquiry(
                inquiry=sent_inquiry, acting_user=clerk_b, answer="未加入", answered_at=now
            )
        actions.acknowledge_inquiry(inquiry=sent_inquiry, acting_user=clerk_b, acknowledged_at=now)
        # The supervisor who will sign the answer off has read the status too.
        actions.acknowledge_inquiry(
            inquiry=sent_inquiry, acting_user=supervisor_b, acknowledged_at=now
        )
        answered = actions.answer_inquiry(
            inquiry=sent_inquiry, acting_user=clerk_b, answer="未加入です", answered_at=now
        )
        assert answered.state == InquiryState.ANSWER_AWAITING_SIGNOFF
        with pytest.raises(registry.NotPermitted):
            actions.sign_off_answer(inquiry=answered, acting_user=clerk_b, signed_at=now)

        released = actions.sign_off_answer(
            inquiry=answered, acting_user=supervisor_b, signed_at=now
        )

        assert released.state == InquiryState.ANSWERED
        assert kinds()[-4:] == [
            EventKind.INQUIRY_ACKNOWLEDGED,
            EventKind.INQUIRY_ACKNOWLEDGED,
            EventKind.INQUIRY_ANSWERED,
            EventKind.ANSWER_SIGNED_OFF,
        ]


class TestContactPlanRisk:
    def test_calling_the_counterparty_with_the_incident_words_is_critical_and_flagged(
        self, plan_fields, clerk_b, now
    ):
        plan = actions.create_plan(acting_user=clerk_b, created_at=now, **plan_fields())

        assert (plan.risk, plan.target_status, plan.state) == (
            Risk.CRITICAL,
            ProtectedStatus.COUNTERPARTY,
            PlanState.AWAITING_APPROVAL,
        )
        found = {(f["kind"], f["text"]) for f in plan.findings}
        assert ("office", "A区役所") in found
        assert any(kind == "visit" and "来庁" in text for kind, text in found)
        assert plan.approvals_needed == 2
        assert plan.needs_rewording

    def test_a_matter_about_a_protected_resident_is_high(self, plan_fields, clerk_b, now):
        plan = actions.create_plan(
            acting_user=clerk_b,
            created_at=now,
            **plan_fields(
                target_name="鈴木 一郎", target_kana="スズキ イチロウ", wording="書類をお送りします"
            ),
        )

        assert (plan.risk, plan.findings) == (Risk.HIGH, [])

    def test_nobody_in_the_registry_is_normal_and_still_awaits_a_supervisor(self, clerk_b, now):
        plan = actions.create_plan(
            acting_user=clerk_b,
            created_at=now,
            matter_name="",
            target_name="鈴木 一郎",
            target_contact="045-1",
            target_relation="本人",
            channel="letter",
            purpose="案内",
            categories=["identity"],
            wording="ご案内をお送りします",
        )

        assert (plan.risk, plan.state) == (Risk.NORMAL, PlanState.AWAITING_APPROVAL)


class TestApprovals:
    @pytest.fixture
    def critical(self, plan_fields, clerk_b, now):
        return actions.create_plan(
            acting_user=clerk_b,
            created_at=now,
            **plan_fields(wording="保険料の件でお電話しました。詳細は書面でお送りします。"),
        )

    def test_the_author_cannot_approve(self, critical, clerk_b, now):
        with pytest.raises(registry.ActionRefused):
            actions.approve_plan(plan=critical, acting_user=clerk_b, approved_at=now)

    @pytest.mark.parametrize("who", ["clerk", "other_ward", "untrained"])
    def test_refuses_wrong_approvers(self, critical, make_staff, ward_a, ward_b, who, now):
        approver = {
            "clerk": lambda: make_staff(ward_b, Role.CLERK),
            "other_ward": lambda: make_staff(ward_a, Role.SUPERVISOR),
            "untrained": lambda: make_staff(ward_b, Role.SUPERVISOR, trained=False),
        }[who]()

        with pytest.raises(registry.ActionRefused):
            actions.approve_plan(plan=critical, acting_user=approver, approved_at=now)

        assert PlanApproval.objects.count() == 0

    def test_a_critical_plan_needs_two_different_supervisors(
        self, critical, supervisor_b, make_staff, ward_b, now
    ):
        second = make_staff(ward_b, Role.SUPERVISOR)
        plan = actions.approve_plan(plan=critical, acting_user=supervisor_b, approved_at=now)
        assert plan.state == PlanState.AWAITING_APPROVAL
        with pytest.raises(registry.SameStaffMember):
            actions.approve_plan(plan=plan, acting_user=supervisor_b, approved_at=now)

        plan = actions.approve_plan(plan=plan, acting_user=second, approved_at=now)

        assert plan.state == PlanState.APPROVED

    def test_wording_that_reveals_a_location_blocks_a_critical_plan(
        self, plan_fields, clerk_b, supervisor_b, now
    ):
        plan = actions.create_plan(acting_user=clerk_b, created_at=now, **plan_fields())

        with pytest.raises(actions.PlanNeedsRewording):
            actions.approve_plan(plan=plan, acting_user=supervisor_b, approved_at=now)

    def test_changing_the_plan_after_approval_withdraws_it(
        self, plan_fields, clerk_b, supervisor_b, sent_inquiry, now
    ):
        plan = actions.create_plan(
            acting_user=clerk_b,
            created_at=now,
            **plan_fields(
                target_name="鈴木 一郎", target_kana="スズキ イチロウ", wording="書類をお送りします"
            ),
        )
        plan = actions.approve_plan(plan=plan, acting_user=supervisor_b, approved_at=now)
        assert plan.state == PlanState.APPROVED

        plan = actions.update_plan(
            plan=plan,
            acting_user=clerk_b,
            updated_at=now,
            wording="書類と一緒に窓口の案内をお送りします",
        )

        assert plan.state == PlanState.AWAITING_APPROVAL
        assert actions.valid_approvals(plan, now) == []
        assert PlanApproval.objects.get().withdrawn_at == now

    def test_an_expired_approval_does_not_allow_the_contact(
        self, plan_fields, clerk_b, supervisor_b, now, settings
    ):
        plan = actions.create_plan(
            acting_user=clerk_b,
            created_at=now,
            **plan_fields(
                target_name="鈴木 一郎", target_kana="スズキ イチロウ", wording="書類をお送りします"
            ),
        )
        plan = actions.approve_plan(plan=plan, acting_user=supervisor_b, approved_at=now)
        later = now + datetime.timedelta(hours=settings.MAMORI_APPROVAL_HOURS, seconds=1)

        with pytest.raises(registry.ActionRefused) as said:
            actions.record_contact(
                plan=plan,
                acting_user=clerk_b,
                said="s",
                outcome="o",
                categories=["identity"],
                contacted_at=later,
            )

        assert str(said.value) == (
            "The approval of this plan has expired: it must be approved again. The contact may "
            "not be made or recorded. The attempt was recorded."
        )
        refused = AuditEvent.objects.get(kind=EventKind.CONTACT_REFUSED)
        assert refused.reason == "approval_expired"

    def test_an_expired_approval_is_recorded_and_the_plan_asks_again(
        self, plan_fields, clerk_b, supervisor_b, now, settings
    ):
        from auditlog import jobs

        plan = actions.create_plan(
            acting_user=clerk_b,
            created_at=now,
            **plan_fields(
                target_name="鈴木 一郎", target_kana="スズキ イチロウ", wording="書類をお送りします"
            ),
        )
        plan = actions.approve_plan(plan=plan, acting_user=supervisor_b, approved_at=now)
        before = now + datetime.timedelta(hours=settings.MAMORI_APPROVAL_HOURS, seconds=-1)
        assert actions.expire_approvals(now=before) == []  # still valid: nothing happens
        later = now + datetime.timedelta(hours=settings.MAMORI_APPROVAL_HOURS, seconds=1)

        run = jobs.run_scheduled("expire-plan-approvals", now=later, final=True)
        assert run.outcome == "succeeded"
        plan.refresh_from_db()
        assert plan.state == PlanState.AWAITING_APPROVAL
        expired = AuditEvent.objects.get(kind=EventKind.APPROVAL_EXPIRED)
        assert expired.data["plan"] == str(plan.public_id) and expired.actor is None
        assert Notification.objects.filter(
            recipient=clerk_b, subject__contains="expired", url=plan.get_absolute_url()
        ).exists()
        # Idempotent: a second pass finds nothing more to expire.
        assert actions.expire_approvals(now=later) == []
        assert AuditEvent.objects.filter(kind=EventKind.APPROVAL_EXPIRED).count() == 1
        # The same supervisor may approve the same plan again, and the contact is then allowed.
        plan = actions.approve_plan(plan=plan, acting_user=supervisor_b, approved_at=later)
        assert plan.state == PlanState.APPROVED
        actions.record_contact(
            plan=plan,
            acting_user=clerk_b,
            said="書類をお送りします",
            outcome="了承",
            categories=["identity"],
            contacted_at=later,
        )

    def test_a_contact_without_an_approved_plan_is_refused_and_audited(
        self, critical, clerk_b, now
    ):
        with pytest.raises(registry.ActionRefused) as said:
            actions.record_contact(
                plan=critical,
                acting_user=clerk_b,
                said="s",
                outcome="o",
                categories=["identity"],
                contacted_at=now,
            )

        assert str(said.value) == (
            "This plan is still awaiting approval. The contact may not be made or recorded. "
            "The attempt was recorded."
        )
        assert AuditEvent.objects.get(kind=EventKind.CONTACT_REFUSED).reason == "no_approved_plan"
        critical.refresh_from_db()
        assert critical.state == PlanState.AWAITING_APPROVAL

    def test_disclosing_beyond_the_plan_is_flagged_to_approvers_and_auditors(
        self, plan_fields, clerk_b, supervisor_a, supervisor_b, make_staff, ward_a, now
    ):
        auditor = make_staff(ward_a, Role.AUDITOR)
        plan = actions.create_plan(
            acting_user=clerk_b,
            created_at=now,
            **plan_fields(
                target_name="鈴木 一郎", target_kana="スズキ イチロウ", wording="書類をお送りします"
            ),
        )
        plan = actions.approve_plan(plan=plan, acting_user=supervisor_b, approved_at=now)

        record = actions.record_contact(
            plan=plan,
            acting_user=clerk_b,
            said="送付しました",
            outcome="了承",
            categories=["identity", "amounts"],
            contacted_at=now,
        )

        assert record.beyond_plan == ["amounts"]
        flagged = Notification.objects.filter(subject__contains="more than approved")
        # The owning ward's supervisors (X is protected at ward A) are told as well.
        assert {n.recipient for n in flagged} == {supervisor_a, supervisor_b, auditor}


@pytest.mark.django_db(transaction=True)
class TestTwoSupervisorsAtTheSameInstant:
    def test_exactly_one_outcome_and_one_event_each(
        self, plan_fields, clerk_b, supervisor_b, make_staff, ward_b, now
    ):
        second = make_staff(ward_b, Role.SUPERVISOR)
        plan = actions.create_plan(
            acting_user=clerk_b,
            created_at=now,
            **plan_fields(
                target_name="鈴木 一郎", target_kana="スズキ イチロウ", wording="書類をお送りします"
            ),
        )
        barrier = threading.Barrier(2)
        outcomes: list[str] = []

        def approve(user) -> None:
            barrier.wait()
            try:
                actions.approve_plan(plan=plan, acting_user=user, approved_at=timezone.now())
                outcomes.append("approved")
            except registry.ActionRefused:
                outcomes.append("refused")
            finally:
                connection.close()

        threads = [threading.Thread(target=approve, args=(u,)) for u in (supervisor_b, second)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

        assert sorted(outcomes) == ["approved", "refused"]  # a high plan needs one approver
        assert ContactPlan.objects.get(pk=plan.pk).state == PlanState.APPROVED
        assert AuditEvent.objects.filter(kind=EventKind.PLAN_APPROVED).count() == 1


class TestEmergency:
    def test_needs_two_people_neither_the_requester(
        self, plan_fields, clerk_b, supervisor_a, make_staff, ward_a, now
    ):
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
        plan = actions.approve_plan(plan=plan, acting_user=supervisor_a, approved_at=now)

        assert plan.state == PlanState.AWAITING_APPROVAL  # one person is never enough
        with pytest.raises(registry.SameStaffMember):
            actions.approve_plan(plan=plan, acting_user=supervisor_a, approved_at=now)
        plan = actions.approve_plan(
            plan=plan, acting_user=make_staff(ward_a, Role.SUPERVISOR), approved_at=now
        )
        assert plan.state == PlanState.APPROVED

    def test_without_a_reason_is_refused(self, plan_fields, clerk_b, now):
        with pytest.raises(registry.ActionRefused):
            actions.create_plan(
                acting_user=clerk_b,
                created_at=now,
                **plan_fields(is_emergency=True, emergency_reason=""),
            )

        assert ContactPlan.objects.count() == 0


def test_every_step_is_in_the_audit_log_in_order(clerk_b, sent_inquiry, now):
    inquiry_kinds = [k for k in kinds() if k.startswith("inquiry.")]

    assert inquiry_kinds == [EventKind.INQUIRY_CREATED, EventKind.INQUIRY_SIGNED_OFF]
    assert Inquiry.objects.count() == 1


class TestDisclosureGuard:
    @pytest.mark.parametrize(
        "words, kind, text",
        [
            ("Xさんが先ほど鶴見区役所に来庁されました", "office", "鶴見区役所"),
            ("横浜市鶴見区豊岡町20-1にお住まいです", "place", "横浜市鶴見区豊岡町"),
            ("折り返しは045-000-1234へ", "phone", "045-000-1234"),
            ("〒230-0062 宛に送ります", "postcode", "〒230-0062"),
            ("豊岡小学校に通っています", "school_work", "豊岡小学校"),
            ("昨日、窓口に相談に来られました", "visit", "窓口に"),
        ],
    )
    def test_finds_what_reveals_a_location(self, ward_a, words, kind, text):
        from inquiries import guard

        found = guard.check(words, [], ["鶴見区", "鶴見区役所"])

        assert (kind, text) in {(f.kind, f.text) for f in found}

    def test_plain_procedural_wording_passes(self):
        from inquiries import guard

        assert guard.check("保険料のお手続きについて書面をお送りします。", ["identity"], []) == []

    def test_revealing_categories_are_findings(self):
        from inquiries import guard

        found = guard.check("書類を送ります", ["location"], [])

        assert [f.kind for f in found] == ["category"]


class TestTheDatabaseRefusesSelfApproval:
    def test_an_approval_by_the_author_inserted_with_raw_sql_is_refused(
        self, plan_fields, clerk_b, now
    ):
        from django.db import DatabaseError, connection, transaction

        plan = actions.create_plan(acting_user=clerk_b, created_at=now, **plan_fields())

        with pytest.raises(DatabaseError) as info, transaction.atomic(), connection.cursor() as c:
            c.execute(
                "INSERT INTO inquiries_planapproval (plan_id, approver_id, approved_at, "
                "expires_at, fingerprint) VALUES (%s, %s, now(), now() + interval '1 day', %s)",
                [plan.pk, clerk_b.pk, plan.fingerprint],
            )

        assert "approved by its author" in str(info.value)
        assert not PlanApproval.objects.exists()

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from auditlog.models import AuditEvent, EventKind
from inquiries import actions
from inquiries.models import ContactPlan, Inquiry, InquiryState, PlanState
from supportmeasures.models import Role

pytestmark = pytest.mark.django_db


def url(name: str, obj: Any) -> str:
    return reverse(f"inquiries:{name}", kwargs={"public_id": obj.public_id})


class TestScope:
    def test_an_unsigned_inquiry_is_a_404_for_the_receiving_ward(
        self, login, clerk_b, inquiry_about_x
    ):
        client = login(clerk_b)

        for name in ("detail", "acknowledge", "answer", "sign_off"):
            assert client.get(url(name, inquiry_about_x)).status_code == 404
        assert (
            client.post(url("acknowledge", inquiry_about_x), {"confirm": "on"}).status_code == 404
        )

    def test_a_third_ward_and_a_contractor_get_404(
        self, login, make_staff, contractor_a, sent_inquiry
    ):
        from supportmeasures.models import Ward

        clerk_c = make_staff(Ward.objects.create(code="141038", name="西区"), Role.CLERK)

        for user in (clerk_c, contractor_a):
            assert login(user).get(url("detail", sent_inquiry)).status_code == 404
        assert login(contractor_a).get(reverse("inquiries:list")).status_code == 404

    def test_the_inbox_holds_only_signed_off_inquiries(
        self, login, clerk_b, inquiry_about_x, supervisor_a, now
    ):
        client = login(clerk_b)
        assert (
            inquiry_about_x.subject_name
            not in client.get(reverse("inquiries:list")).content.decode()
        )

        actions.sign_off_inquiry(
            inquiry=inquiry_about_x, acting_user=supervisor_a, confirmed_minimal=True, signed_at=now
        )

        assert (
            inquiry_about_x.subject_name in client.get(reverse("inquiries:list")).content.decode()
        )


class TestAcknowledgementGate:
    def test_the_receiving_ward_meets_the_status_before_the_content(
        self, login, clerk_b, sent_inquiry
    ):
        client = login(clerk_b)

        first = client.get(url("detail", sent_inquiry))
        unconfirmed = client.post(url("acknowledge", sent_inquiry), {})
        confirmed = client.post(url("acknowledge", sent_inquiry), {"confirm": "on"})
        detail = client.get(url("detail", sent_inquiry))

        assert first.status_code == 302 and first["Location"] == url("acknowledge", sent_inquiry)
        assert unconfirmed.status_code == 400
        assert confirmed.status_code == 302
        assert "国民健康保険の加入状況" in detail.content.decode()
        assert "flag-banner--protected" in detail.content.decode()
        assert AuditEvent.objects.filter(kind=EventKind.INQUIRY_ACKNOWLEDGED).count() == 1


class TestSignOffPage:
    def test_puts_the_status_first_and_refuses_the_author(
        self, login, supervisor_a, ward_b, x, now
    ):
        inquiry = actions.create_inquiry(
            acting_user=supervisor_a,
            to_ward=ward_b,
            to_department="",
            subject_name="山﨑 美咲",
            subject_kana="",
            subject_birth_date=None,
            question="q",
            reason="r",
            urgency="normal",
            created_at=now,
        )
        client = login(supervisor_a)

        page = client.get(url("sign_off", inquiry)).content.decode()
        response = client.post(url("sign_off", inquiry), {"confirm": "on"})

        assert page.index("flag-banner--protected") < page.index('id="id_confirm"')
        assert response.status_code == 403
        inquiry.refresh_from_db()
        assert inquiry.state == InquiryState.AWAITING_SIGNOFF

    def test_without_the_confirmation_nothing_is_sent(self, login, supervisor_a, inquiry_about_x):
        response = login(supervisor_a).post(url("sign_off", inquiry_about_x), {})

        assert response.status_code == 403
        inquiry_about_x.refresh_from_db()
        assert inquiry_about_x.state == InquiryState.AWAITING_SIGNOFF


class TestPlanPages:
    FORM = {
        "matter_name": "山﨑 美咲",
        "target_name": "山崎 健一",
        "target_kana": "やまさき けんいち",
        "target_contact": "090-0000-0000",
        "target_relation": "親族",
        "channel": "phone",
        "purpose": "保険の確認",
        "categories": ["identity"],
        "wording": "Xさんが先ほどA区役所に来庁されました",
    }

    def test_check_shows_the_findings_highlighted_and_saves_nothing(self, login, clerk_b, y):
        response = login(clerk_b).post(reverse("inquiries:new_plan"), {**self.FORM, "check": "1"})

        body = response.content.decode()
        assert '<mark class="finding finding--office">A区役所</mark>' in body
        assert '<mark class="finding finding--visit">来庁' in body
        assert not ContactPlan.objects.exists()

    def test_a_changed_plan_says_it_was_changed_and_waits_again(self, login, clerk_b, y):
        client = login(clerk_b)
        created = client.post(
            reverse("inquiries:new_plan"), {**self.FORM, "save": "1"}, follow=True
        )
        plan = ContactPlan.objects.get()

        changed = client.post(
            reverse("inquiries:edit_plan", kwargs={"public_id": plan.public_id}),
            {**self.FORM, "wording": "ご本人の保険についてお電話しました", "save": "1"},
            follow=True,
        )

        assert "連絡計画を記録しました" in created.content.decode()
        body = changed.content.decode()
        assert "連絡計画を変更しました" in body and "改めて係長・課長の承認が必要です" in body
        assert "連絡計画を記録しました" not in body

    def test_the_author_cannot_approve_by_posting(self, login, clerk_b, y):
        client = login(clerk_b)
        client.post(reverse("inquiries:new_plan"), {**self.FORM, "save": "1"})
        plan = ContactPlan.objects.get()

        client.post(
            reverse(
                "inquiries:plan_action", kwargs={"public_id": plan.public_id, "action": "approve"}
            )
        )

        plan.refresh_from_db()
        assert (plan.risk, plan.state) == ("critical", PlanState.AWAITING_APPROVAL)
        assert not plan.approvals.exists()

    def test_a_third_ward_cannot_see_it_and_the_owning_ward_cannot_approve_it(
        self, login, clerk_b, supervisor_a, make_staff, y
    ):
        from supportmeasures.models import Ward

        login(clerk_b).post(reverse("inquiries:new_plan"), {**self.FORM, "save": "1"})
        plan = ContactPlan.objects.get()
        approve = reverse(
            "inquiries:plan_action", kwargs={"public_id": plan.public_id, "action": "approve"}
        )
        third = make_staff(Ward.objects.create(code="141038", name="西区"), Role.SUPERVISOR)

        assert login(third).get(plan.get_absolute_url()).status_code == 404
        assert login(third).post(approve).status_code == 404
        # The owning ward (A, X's) sees the plan about its resident, but decides nothing.
        assert login(supervisor_a).get(plan.get_absolute_url()).status_code == 200
        login(supervisor_a).post(approve)
        assert not plan.approvals.exists()


class TestConstantQueries:
    def test_the_inbox_and_the_queue_cost_the_same_for_one_or_many(
        self,
        login,
        clerk_a,
        supervisor_a,
        supervisor_b,
        ward_b,
        x,
        now,
        django_assert_max_num_queries,
    ):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        def make(n: int) -> None:
            for _ in range(n):
                inquiry = actions.create_inquiry(
                    acting_user=clerk_a,
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
                actions.sign_off_inquiry(
                    inquiry=inquiry, acting_user=supervisor_a, confirmed_minimal=True, signed_at=now
                )
                actions.acknowledge_inquiry(
                    inquiry=inquiry, acting_user=supervisor_b, acknowledged_at=now
                )

        def cost(name: str) -> int:
            client = login(supervisor_b)
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(reverse(name)).status_code == 200
            return len(ctx.captured_queries)

        make(1)
        one = {n: cost(n) for n in ("inquiries:list", "inquiries:queue")}
        make(20)
        many = {n: cost(n) for n in ("inquiries:list", "inquiries:queue")}

        assert Inquiry.objects.count() == 21
        assert many == one


class TestDashboard:
    def test_an_unreviewed_emergency_stays_on_the_owning_wards_home_until_reviewed(
        self, login, plan_fields, clerk_b, supervisor_a, supervisor_b, make_staff, ward_a, now
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
        actions.approve_plan(plan=plan, acting_user=supervisor_b, approved_at=now)
        actions.approve_plan(
            plan=plan, acting_user=make_staff(ward_a, Role.SUPERVISOR), approved_at=now
        )
        home = reverse("supportmeasures:home")

        before = login(supervisor_a).get(home).content.decode()
        actions.review_emergency(plan=plan, acting_user=supervisor_a, note="妥当", reviewed_at=now)
        after = login(supervisor_a).get(home).content.decode()

        assert plan.get_absolute_url() in before
        assert plan.get_absolute_url() not in after


class TestNoWayRoundTheAcknowledgement:
    def test_the_receiving_ward_cannot_read_it_from_the_sign_off_page(
        self, login, clerk_b, sent_inquiry
    ):
        client = login(clerk_b)

        page = client.get(url("sign_off", sent_inquiry))
        post = client.post(url("sign_off", sent_inquiry), {"confirm": "on"})

        assert (page.status_code, post.status_code) == (404, 404)

    def test_nor_from_the_plan_form(self, login, clerk_b, sent_inquiry):
        response = login(clerk_b).get(
            reverse("inquiries:new_plan") + f"?inquiry={sent_inquiry.public_id}"
        )

        assert response.status_code == 302
        assert response["Location"] == url("acknowledge", sent_inquiry)

    def test_the_sending_ward_cannot_answer_or_acknowledge(self, login, clerk_a, sent_inquiry):
        client = login(clerk_a)

        assert client.get(url("answer", sent_inquiry)).status_code == 404
        assert client.post(url("acknowledge", sent_inquiry), {"confirm": "on"}).status_code == 404

    def test_an_answer_is_not_signed_off_by_someone_who_never_acknowledged(
        self, login, clerk_b, supervisor_b, sent_inquiry, now
    ):
        actions.acknowledge_inquiry(inquiry=sent_inquiry, acting_user=clerk_b, acknowledged_at=now)
        actions.answer_inquiry(
            inquiry=sent_inquiry, acting_user=clerk_b, answer="未加入", answered_at=now
        )

        login(supervisor_b).post(url("sign_off_answer", sent_inquiry))

        sent_inquiry.refresh_from_db()
        assert sent_inquiry.state == InquiryState.ANSWER_AWAITING_SIGNOFF

"""The print log (spec 10.2) for inquiries and contact plans: printing is a `details.printed`
event under the rules of the page it prints; the printed page says who printed it and when."""

from __future__ import annotations

import pytest
from django.urls import reverse

from auditlog.models import AuditEvent, EventKind
from inquiries import actions
from supportmeasures.models import Role, Ward

pytestmark = pytest.mark.django_db


def events(kind: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(kind=kind).order_by("sequence"))


def print_url(inquiry) -> str:
    return reverse("inquiries:print", args=[inquiry.public_id])


class TestPrintingAnInquiry:
    def test_the_receiving_ward_cannot_print_a_draft_even_through_the_action(
        self, inquiry_about_x, clerk_b, now
    ):
        from supportmeasures.actions import NotPermitted

        with pytest.raises(NotPermitted):
            actions.print_inquiry(inquiry=inquiry_about_x, acting_user=clerk_b, printed_at=now)

        assert events(EventKind.DETAILS_PRINTED) == []

    def test_the_receiver_prints_after_acknowledging(self, sent_inquiry, clerk_b, login, now):
        actions.acknowledge_inquiry(inquiry=sent_inquiry, acting_user=clerk_b, acknowledged_at=now)

        response = login(clerk_b).post(print_url(sent_inquiry))

        html = response.content.decode()
        assert response.status_code == 200
        assert response["Cache-Control"] == "no-store"
        assert "国民健康保険の加入状況を教えてください" in html
        assert f"印刷者: {clerk_b.full_name}（{clerk_b.username}） 印刷日時: 令和" in html
        printed = events(EventKind.DETAILS_PRINTED)
        assert [(e.actor, e.data["inquiry"], e.reason) for e in printed] == [
            (clerk_b, str(sent_inquiry.public_id), "inquiry")
        ]
        assert printed[0].data["persons"] == sorted(set(sent_inquiry.person_ids))

    def test_the_receiver_is_sent_to_acknowledge_first_and_nothing_prints(
        self, sent_inquiry, clerk_b, login
    ):
        response = login(clerk_b).post(print_url(sent_inquiry))

        assert response.status_code == 302
        assert response["Location"] == reverse(
            "inquiries:acknowledge", args=[sent_inquiry.public_id]
        )
        assert not events(EventKind.DETAILS_PRINTED)

    def test_a_ward_outside_the_inquiry_gets_a_404(self, sent_inquiry, make_staff, login):
        other = make_staff(Ward.objects.create(code="141038", name="西区"), Role.CLERK)

        response = login(other).post(print_url(sent_inquiry))

        assert response.status_code == 404
        assert not events(EventKind.DETAILS_PRINTED)

    def test_the_detail_page_offers_the_button_and_hides_the_content_from_ctrl_p(
        self, sent_inquiry, clerk_a, login
    ):
        html = login(clerk_a).get(sent_inquiry.get_absolute_url()).content.decode()

        assert f'action="{print_url(sent_inquiry)}"' in html
        assert 'class="grid-2 protected-on-screen"' in html
        assert "印刷は「印刷」ボタンから行ってください" in html


class TestPrintingAPlansContact:
    @pytest.fixture
    def emergency(self, plan_fields, clerk_b, now):
        return actions.create_plan(
            acting_user=clerk_b,
            created_at=now,
            **plan_fields(
                target_name="山﨑 美咲",
                target_kana="ヤマサキ ミサキ",
                target_contact="横浜市鶴見区豊岡町20-1",
                wording="安否確認のためお電話しました",
                is_emergency=True,
                emergency_reason="本人と連絡が取れず安否が不明",
            ),
        )

    def test_the_acting_ward_prints_the_confirmed_contact(self, emergency, clerk_b, login):
        client = login(clerk_b)
        url = reverse("inquiries:print_plan_contact", args=[emergency.public_id])
        shown = client.post(
            reverse("inquiries:plan_contact", args=[emergency.public_id]), {"confirm": "on"}
        )

        response = client.post(url, {"confirm": "on"})

        assert f'action="{url}"' in shown.content.decode()
        assert response.status_code == 200
        assert "豊岡町" in response.content.decode()
        assert f"（{clerk_b.username}） 印刷日時:" in response.content.decode()
        printed = events(EventKind.DETAILS_PRINTED)
        assert [(e.actor, e.data["plan"], e.data["print"]) for e in printed] == [
            (clerk_b, str(emergency.public_id), True)
        ]

    def test_without_the_confirmation_nothing_prints_and_the_refusal_is_recorded(
        self, emergency, clerk_b, login
    ):
        url = reverse("inquiries:print_plan_contact", args=[emergency.public_id])

        response = login(clerk_b).post(url, {})

        assert response.status_code == 302
        assert "豊岡町" not in response.content.decode()
        assert not events(EventKind.DETAILS_PRINTED)
        assert [e.reason for e in events(EventKind.DETAILS_REFUSED)] == ["acknowledgement_required"]

    def test_a_bystander_supervisor_is_refused_and_recorded(self, emergency, make_staff, login):
        bystander = make_staff(Ward.objects.create(code="141038", name="西区"), Role.SUPERVISOR)
        url = reverse("inquiries:print_plan_contact", args=[emergency.public_id])

        response = login(bystander).post(url, {"confirm": "on"})

        assert response.status_code in (302, 404)
        assert not events(EventKind.DETAILS_PRINTED)

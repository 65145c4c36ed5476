"""Every page that shows where a protected person is, is an audit event (issue 13): re-reading
an acknowledged inquiry, and each look at a plan's protected contact."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from auditlog.models import AuditEvent, EventKind
from inquiries import actions
from supportmeasures.refusals import AcknowledgementRequired

pytestmark = pytest.mark.django_db


def url(name: str, obj: Any) -> str:
    return reverse(f"inquiries:{name}", kwargs={"public_id": obj.public_id})


def views() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(kind=EventKind.DETAILS_VIEWED).order_by("sequence"))


class TestReadingAFlaggedInquiry:
    def test_each_reading_after_the_acknowledgement_is_recorded(
        self, login, clerk_b, sent_inquiry, x, now
    ):
        actions.acknowledge_inquiry(inquiry=sent_inquiry, acting_user=clerk_b, acknowledged_at=now)
        client = login(clerk_b)

        first = client.get(url("detail", sent_inquiry))
        again = client.get(url("detail", sent_inquiry))

        assert first.status_code == again.status_code == 200
        assert [(e.actor_id, e.decision) for e in views()] == [(clerk_b.pk, "shown")] * 2
        event = views()[0]
        assert event.data == {
            "inquiry": str(sent_inquiry.public_id),
            "page": "inquiry",
            "persons": [str(x.public_id)],  # in X's access history
        }

    def test_before_the_acknowledgement_nothing_is_shown_and_nothing_is_recorded_as_seen(
        self, login, clerk_b, sent_inquiry
    ):
        response = login(clerk_b).get(url("detail", sent_inquiry))

        assert response.status_code == 302
        assert response["Location"] == url("acknowledge", sent_inquiry)
        assert views() == []

    def test_the_action_refuses_a_reader_who_has_not_acknowledged(self, clerk_b, sent_inquiry, now):
        with pytest.raises(AcknowledgementRequired):
            actions.record_flagged_reading(acting_user=clerk_b, inquiry=sent_inquiry, read_at=now)

        assert views() == []

    def test_the_sending_ward_rereading_its_flagged_inquiry_is_recorded_too(
        self, login, clerk_a, sent_inquiry
    ):
        login(clerk_a).get(url("detail", sent_inquiry))

        assert [e.actor_id for e in views()] == [clerk_a.pk]

    def test_the_answer_page_shows_the_inquiry_so_it_is_recorded_too(
        self, login, clerk_b, sent_inquiry, now
    ):
        actions.acknowledge_inquiry(inquiry=sent_inquiry, acting_user=clerk_b, acknowledged_at=now)

        assert login(clerk_b).get(url("answer", sent_inquiry)).status_code == 200

        assert [(e.actor_id, e.data["page"]) for e in views()] == [(clerk_b.pk, "answer")]

    def test_an_answer_posted_before_the_acknowledgement_shows_nothing_and_records_nothing(
        self, login, clerk_b, sent_inquiry
    ):
        response = login(clerk_b).post(url("answer", sent_inquiry), {"answer": ""})

        assert response.status_code == 302
        assert response["Location"] == url("acknowledge", sent_inquiry)
        assert sent_inquiry.question not in response.content.decode()
        assert views() == []

    def test_an_answer_form_shown_again_with_the_question_is_recorded(
        self, login, clerk_b, sent_inquiry, now
    ):
        actions.acknowledge_inquiry(inquiry=sent_inquiry, acting_user=clerk_b, acknowledged_at=now)

        response = login(clerk_b).post(url("answer", sent_inquiry), {"answer": ""})

        assert response.status_code == 400
        assert sent_inquiry.question in response.content.decode()
        assert [(e.actor_id, e.data["page"]) for e in views()] == [(clerk_b.pk, "answer")]

    def test_a_sign_off_page_shown_again_after_a_refusal_is_recorded(
        self, login, supervisor_a, inquiry_about_x
    ):
        # Not confirming that the inquiry asks the minimum is refused; the page comes back.
        response = login(supervisor_a).post(url("sign_off", inquiry_about_x), {})

        assert response.status_code == 403
        assert inquiry_about_x.question in response.content.decode()
        assert [(e.actor_id, e.data["page"]) for e in views()] == [(supervisor_a.pk, "sign_off")]

    def test_the_sign_off_page_of_a_flagged_inquiry_is_recorded(
        self, login, supervisor_a, inquiry_about_x
    ):
        assert login(supervisor_a).get(url("sign_off", inquiry_about_x)).status_code == 200

        assert [(e.actor_id, e.data["page"]) for e in views()] == [(supervisor_a.pk, "sign_off")]

    def test_an_inquiry_about_nobody_registered_is_not_a_look_at_protected_details(
        self, login, clerk_a, supervisor_a, clerk_b, ward_b, now
    ):
        inquiry = actions.create_inquiry(
            acting_user=clerk_a,
            to_ward=ward_b,
            to_department="保険年金課",
            subject_name="佐藤 一郎",
            subject_kana="さとう いちろう",
            subject_birth_date=None,
            question="加入状況",
            reason="手続きのため",
            urgency="normal",
            created_at=now,
        )
        actions.sign_off_inquiry(
            inquiry=inquiry, acting_user=supervisor_a, confirmed_minimal=True, signed_at=now
        )
        assert not inquiry.is_flagged

        assert login(clerk_b).get(url("detail", inquiry)).status_code == 200
        assert login(clerk_b).get(url("answer", inquiry)).status_code == 200
        assert views() == []


class TestAPlansProtectedContact:
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

    def test_each_look_at_the_contact_is_recorded_and_the_plan_page_alone_is_not(
        self, emergency, clerk_b, login
    ):
        client = login(clerk_b)
        contact = reverse("inquiries:plan_contact", args=[emergency.public_id])

        plan_page = client.get(emergency.get_absolute_url())
        assert "豊岡町" not in plan_page.content.decode()
        assert views() == []
        for _ in range(2):
            assert "豊岡町" in client.post(contact, {"confirm": "on"}).content.decode()

        assert [(e.actor_id, e.data["field"]) for e in views()] == [
            (clerk_b.pk, "target_contact")
        ] * 2

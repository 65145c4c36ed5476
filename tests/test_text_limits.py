"""Text limits: over-long text posted to the main forms is an error on the page, never a 500,
and nothing is saved. The messages are Django's own, in the page's language (Japanese)."""

from __future__ import annotations

import time

import pytest
from django import forms
from django.urls import reverse
from django.utils import translation

from auditlog.models import AuditEvent
from inquiries import actions as inquiry_actions
from inquiries.forms import WORDS_LENGTH
from inquiries.models import Channel, ContactPlan, ContactRecord, DisclosureCategory, Inquiry
from supportmeasures.forms import REASON_LENGTH
from supportmeasures.models import Person, SupportMeasure

pytestmark = pytest.mark.django_db


def too_long(limit: int) -> str:
    return "あ" * (limit + 1)


def max_length_message(limit: int) -> str:
    """Django's own message for one character too many, as the page shows it (Japanese)."""
    with translation.override("ja"), pytest.raises(forms.ValidationError) as error:
        forms.CharField(max_length=limit).clean(too_long(limit))
    with translation.override("ja"):
        return str(error.value.messages[0])


def shows_error(body: str, limit: int) -> bool:
    return 'aria-invalid="true"' in body and max_length_message(limit) in body


@pytest.fixture
def inquiry(clerk_a, supervisor_a, ward_b, now) -> Inquiry:
    """A signed-off inquiry from A to B about someone nobody registered."""
    draft = inquiry_actions.create_inquiry(
        acting_user=clerk_a,
        to_ward=ward_b,
        to_department="保険年金課",
        subject_name="田中 一郎",
        subject_kana="たなか いちろう",
        subject_birth_date=None,
        question="国民健康保険の加入状況を教えてください",
        reason="福祉相談の手続きのため",
        urgency="normal",
        created_at=now,
    )
    return inquiry_actions.sign_off_inquiry(
        inquiry=draft, acting_user=supervisor_a, confirmed_minimal=True, signed_at=now
    )


PLAN = {
    "target_name": "田中 花子",
    "target_kana": "たなか はなこ",
    "target_contact": "090-0000-0000",
    "target_relation": "本人",
    "channel": Channel.PHONE,
    "purpose": "保険料の確認",
    "categories": [DisclosureCategory.IDENTITY],
    "wording": "保険料の納付について確認のお電話です",
}


@pytest.fixture
def plan(clerk_b, now) -> ContactPlan:
    return inquiry_actions.create_plan(acting_user=clerk_b, created_at=now, inquiry=None, **PLAN)


class TestSearch:
    @pytest.mark.parametrize(("field", "limit"), [("name", 100), ("kana", 200)])
    def test_an_over_long_term_is_an_error_not_a_500(self, login, clerk_b, y, field, limit):
        response = login(clerk_b).get(reverse("supportmeasures:search"), {field: too_long(limit)})

        assert response.status_code == 200
        assert shows_error(response.content.decode(), limit)
        assert "verdict-title" not in response.content.decode()


class TestNewInquiry:
    def form(self, ward_b, **overrides: str) -> dict[str, str]:
        data = {
            "to_ward": str(ward_b.pk),
            "subject_name": "田中 一郎",
            "question": "加入状況を教えてください",
            "reason": "手続きのため",
            "urgency": "normal",
        }
        data.update(overrides)
        return data

    @pytest.mark.parametrize(
        ("field", "limit"),
        [
            ("question", WORDS_LENGTH),
            ("reason", REASON_LENGTH),
            ("subject_name", 100),
            ("subject_kana", 200),
            ("to_department", 100),
        ],
    )
    def test_over_long_text_is_refused_and_nothing_saved(
        self, login, clerk_a, ward_b, field, limit
    ):
        response = login(clerk_a).post(
            reverse("inquiries:new"), self.form(ward_b, **{field: too_long(limit)})
        )

        assert response.status_code == 400
        assert shows_error(response.content.decode(), limit)
        assert Inquiry.objects.count() == 0

    def test_text_at_the_limit_is_accepted(self, login, clerk_a, ward_b):
        response = login(clerk_a).post(
            reverse("inquiries:new"),
            self.form(ward_b, question="あ" * WORDS_LENGTH, reason="い" * REASON_LENGTH),
        )

        assert response.status_code == 302
        assert len(Inquiry.objects.get().question) == WORDS_LENGTH


class TestContactPlan:
    def form(self, **overrides: str) -> dict[str, object]:
        return {**PLAN, **overrides}

    @pytest.mark.parametrize(
        ("field", "limit"),
        [
            ("wording", WORDS_LENGTH),
            ("purpose", REASON_LENGTH),
            ("target_name", 100),
            ("target_relation", 200),
            ("target_contact", 300),
        ],
    )
    def test_a_new_plan_with_over_long_text_is_refused_and_nothing_saved(
        self, login, clerk_b, field, limit
    ):
        response = login(clerk_b).post(
            reverse("inquiries:new_plan"), self.form(**{field: too_long(limit)})
        )

        assert response.status_code == 400
        assert shows_error(response.content.decode(), limit)
        assert ContactPlan.objects.count() == 0

    def test_checking_an_over_long_wording_is_an_error_not_a_500(self, login, clerk_b):
        response = login(clerk_b).post(
            reverse("inquiries:new_plan"),
            self.form(wording=too_long(WORDS_LENGTH), check="1"),
        )

        assert response.status_code == 400
        assert shows_error(response.content.decode(), WORDS_LENGTH)
        assert ContactPlan.objects.count() == 0

    def test_the_longest_wording_allowed_is_checked_by_the_guard_in_time(self, login, clerk_b):
        # Every place name and visit word the guard looks for, over and over, to the limit.
        words = "A区役所に来庁、鶴見区豊岡町20-1、045-000-1234、横浜市立小学校。"
        wording = (words * (WORDS_LENGTH // len(words) + 1))[:WORDS_LENGTH]
        started = time.perf_counter()
        response = login(clerk_b).post(
            reverse("inquiries:new_plan"), self.form(wording=wording, check="1")
        )
        elapsed = time.perf_counter() - started

        assert response.status_code == 200
        assert elapsed < 5
        assert ContactPlan.objects.count() == 0

    def test_an_over_long_contact_record_is_refused_and_nothing_saved(self, login, clerk_b, plan):
        response = login(clerk_b).post(
            reverse(
                "inquiries:plan_action", kwargs={"public_id": plan.public_id, "action": "record"}
            ),
            {"said": too_long(WORDS_LENGTH), "outcome": "了承", "categories": ["identity"]},
            follow=True,
        )

        assert response.status_code == 200
        assert "message--error" in response.content.decode()
        assert ContactRecord.objects.count() == 0

    def test_an_over_long_refusal_reason_is_refused(self, login, supervisor_b, plan):
        response = login(supervisor_b).post(
            reverse(
                "inquiries:plan_action", kwargs={"public_id": plan.public_id, "action": "refuse"}
            ),
            {"reason": too_long(REASON_LENGTH)},
            follow=True,
        )
        plan.refresh_from_db()

        assert response.status_code == 200
        assert plan.refusal_reason == ""


class TestAnswer:
    def test_an_over_long_answer_is_refused_and_nothing_saved(self, login, clerk_b, inquiry):
        response = login(clerk_b).post(
            reverse("inquiries:answer", kwargs={"public_id": inquiry.public_id}),
            {"answer": too_long(WORDS_LENGTH)},
        )
        inquiry.refresh_from_db()

        assert response.status_code == 400
        assert shows_error(response.content.decode(), WORDS_LENGTH)
        assert inquiry.answer == ""


class TestMeasureRegistration:
    def form(self, **overrides: str) -> dict[str, str]:
        data = {
            "m-kind": "dv",
            "m-applied_on": "R8.11.1",
            "m-basis_kind": "consulting_body",
            "m-basis_body": "鶴見警察署",
            "m-restricts_inspection": "on",
            "p-name": "高橋 由美",
            "j-TOTAL_FORMS": "0",
            "j-INITIAL_FORMS": "0",
            "c-TOTAL_FORMS": "1",
            "c-INITIAL_FORMS": "0",
            "c-0-name": "佐藤 大輔",
        }
        data.update(overrides)
        return data

    @pytest.mark.parametrize(
        ("field", "limit"),
        [
            ("p-name", 100),
            ("p-kana", 200),
            ("p-address", 300),
            ("p-aliases", 1000),
            ("c-0-relationship", 100),
            ("c-0-agent_note", 200),
            ("m-basis_body", 200),
        ],
    )
    def test_over_long_text_is_refused_and_nothing_saved(self, login, clerk_a, field, limit):
        response = login(clerk_a).post(
            reverse("supportmeasures:register"), self.form(**{field: too_long(limit)})
        )

        assert response.status_code == 400
        assert shows_error(response.content.decode(), limit)
        assert SupportMeasure.objects.count() == Person.objects.count() == 0

    def test_the_longest_name_reading_and_aliases_allowed_are_registered(self, login, clerk_a):
        # Two words each: the loose "kanji surname + kana given name" key is the longest kept.
        name, kana = "山" * 98 + " 美", "ヤ " + "ミ" * 198
        response = login(clerk_a).post(
            reverse("supportmeasures:register"),
            self.form(
                **{
                    "p-name": name,
                    "p-kana": kana,
                    "p-address": "横" * 300,
                    "p-aliases": "\n".join(["鈴" * 100] * 9),
                }
            ),
        )

        assert response.status_code == 302
        assert Person.objects.get(name=name).kana == kana

    def test_an_over_long_alias_line_is_refused_though_the_list_fits(self, login, clerk_a):
        response = login(clerk_a).post(
            reverse("supportmeasures:register"),
            self.form(**{"p-former_names": f"鈴木 由美\n{too_long(100)}"}),
        )

        assert response.status_code == 400
        assert shows_error(response.content.decode(), 100)
        assert SupportMeasure.objects.count() == Person.objects.count() == 0

    @pytest.mark.parametrize(
        ("field", "text"),
        [("p-name", "ﷺ" * 100), ("c-0-kana", "㌔" * 200), ("p-aliases", "㍿" * 100)],
    )
    def test_a_name_that_unfolds_past_its_match_key_is_refused(self, login, clerk_a, field, text):
        # Within the field's limit, but longer than the match key's column once normalised.
        response = login(clerk_a).post(
            reverse("supportmeasures:register"), self.form(**{field: text})
        )

        assert response.status_code == 400
        assert "表記を標準の形に直すと長すぎます" in response.content.decode()
        assert SupportMeasure.objects.count() == Person.objects.count() == 0

    def test_a_decision_with_an_over_long_reason_changes_nothing(
        self, login, register, clerk_a, supervisor_a
    ):
        measure = register(clerk_a)
        events = AuditEvent.objects.count()

        response = login(supervisor_a).post(
            reverse("supportmeasures:decide", kwargs={"ref": measure.ref}),
            {"decision": "refuse", "reason": too_long(REASON_LENGTH)},
        )
        measure.refresh_from_db()

        assert response.status_code == 400
        assert shows_error(response.content.decode(), REASON_LENGTH)
        assert measure.status == "provisional"
        assert AuditEvent.objects.count() == events


class TestAuditFilter:
    def test_an_over_long_person_is_an_error_not_a_500(self, login, auditor):
        response = login(auditor).get(reverse("auditlog:events"), {"person": too_long(100)})

        assert response.status_code == 200
        assert max_length_message(100) in response.content.decode()

"""The forwarding pages: the measure page's section, forward, reply, move out, 転送受付."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings

from supportmeasures.actions import PersonData
from supportmeasures.models import (
    Forwarding,
    ForwardReceipt,
    MeasureStatus,
    MoveOut,
    Person,
    Role,
    SupportMeasure,
)
from supportmeasures.propagation import forwarding as fw

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


@pytest.fixture
def login(login):
    """Logged in, reading the pages in English."""

    def english(staff):
        client = login(staff)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return english


@pytest.fixture
def forwarding(x_measure, clerk_a, now):
    return fw.forward_measure(
        measure=x_measure,
        acting_user=clerk_a,
        relation="domicile",
        municipality_name="札幌市",
        municipality_code="011002",
        forwarded_on=x_measure.applied_on,
        recorded_at=now,
    )


def url(measure, name, **kwargs):
    from django.urls import reverse

    return reverse(f"supportmeasures:{name}", kwargs={"ref": measure.ref, **kwargs})


class TestTheMeasurePage:
    def test_the_owning_wards_clerk_sees_the_forwardings_and_the_buttons(
        self, forwarding, x_measure, clerk_a, login
    ):
        page = login(clerk_a).get(x_measure.get_absolute_url()).content.decode()

        assert "Forwarding to other municipalities" in page
        assert "札幌市" in page
        assert url(x_measure, "forward") in page
        assert url(x_measure, "move_out") in page
        assert url(x_measure, "forward_reply", pk=forwarding.pk) in page

    def test_the_section_is_in_japanese_by_default(self, forwarding, x_measure, clerk_a):
        from django.test import Client

        client = Client()
        client.force_login(clerk_a)

        page = client.get(x_measure.get_absolute_url()).content.decode()

        assert "他の市区町村への転送（転送）" in page
        assert "回答を記録する" in page

    def test_an_auditor_sees_no_municipality(self, forwarding, x_measure, auditor, login):
        page = login(auditor).get(x_measure.get_absolute_url()).content.decode()

        assert "札幌市" not in page
        assert "Forwarding to other municipalities" not in page

    def test_an_overdue_forwarding_is_named_in_words_not_colour_alone(
        self, forwarding, x_measure, clerk_a, login, time_machine
    ):
        time_machine.move_to(forwarding.due_at + DAY)

        page = login(clerk_a).get(x_measure.get_absolute_url()).content.decode()

        assert "No reply by the deadline" in page
        assert 'class="row--alarm"' in page

    def test_the_reply_clears_the_alarm(self, forwarding, x_measure, clerk_a, login, now, today):
        fw.record_forward_reply(
            forwarding=forwarding, acting_user=clerk_a, replied_on=today, note="", recorded_at=now
        )

        page = login(clerk_a).get(x_measure.get_absolute_url()).content.decode()

        assert "No reply by the deadline" not in page
        assert "Replied" in page


class TestForwardPage:
    def test_the_clerk_records_a_forwarding(self, x_measure, clerk_a, login, today):
        response = login(clerk_a).post(
            url(x_measure, "forward"),
            {
                "relation": "former_address",
                "municipality_name": "千代田区",
                "municipality_code": "131016",
                "forwarded_on": today.isoformat(),
            },
        )

        assert response.status_code == 302
        assert Forwarding.objects.get().municipality_name == "千代田区"

    def test_bad_input_is_a_400_with_the_reason_and_nothing_recorded(
        self, x_measure, clerk_a, login, today
    ):
        response = login(clerk_a).post(
            url(x_measure, "forward"),
            {
                "relation": "former_address",
                "municipality_name": "千代田区",
                "municipality_code": "13-016",
                "forwarded_on": (today + DAY).isoformat(),
            },
        )

        assert response.status_code == 400
        assert "local government code" in response.content.decode()
        assert not Forwarding.objects.exists()

    @pytest.mark.parametrize("who", ["clerk_b", "auditor", "contractor_a"])
    @pytest.mark.parametrize("name", ["forward", "move_out"])
    def test_is_a_404_to_anyone_but_the_owning_wards_case_staff(
        self, x_measure, who, name, request, login, today
    ):
        client = login(request.getfixturevalue(who))

        assert client.get(url(x_measure, name)).status_code == 404
        assert client.post(url(x_measure, name), {}).status_code == 404
        assert not Forwarding.objects.exists()

    def test_an_untrained_clerk_is_told_why(self, x_measure, make_staff, ward_a, login):
        untrained = make_staff(ward_a, Role.CLERK, trained=False)

        response = login(untrained).get(url(x_measure, "forward"))

        assert response.status_code == 403
        assert "training" in response.content.decode()

    def test_an_ended_measure_goes_back_to_the_measure(
        self, x_measure, supervisor_a, clerk_a, login, now
    ):
        from supportmeasures import actions

        actions.end_measure(
            measure=x_measure,
            acting_user=supervisor_a,
            end_reason="requested",
            reason="本人の申出",
            decided_at=now,
        )

        response = login(clerk_a).get(url(x_measure, "forward"))

        assert response.status_code == 302
        assert response["Location"] == x_measure.get_absolute_url()


class TestReplyPage:
    def test_the_clerk_records_the_reply(self, forwarding, x_measure, clerk_a, login, today):
        response = login(clerk_a).post(
            url(x_measure, "forward_reply", pk=forwarding.pk),
            {"replied_on": today.isoformat(), "note": "設定済み", "confirm": "on"},
        )

        forwarding.refresh_from_db()
        assert response.status_code == 302
        assert forwarding.replied_on == today

    def test_a_forwarding_of_another_measure_typed_in_the_url_is_a_404(
        self, forwarding, register, clerk_a, login
    ):
        other = register(clerk_a)

        response = login(clerk_a).get(url(other, "forward_reply", pk=forwarding.pk))

        assert response.status_code == 404

    @pytest.mark.parametrize("who", ["clerk_b", "auditor", "contractor_a"])
    def test_is_a_404_to_anyone_else(self, forwarding, x_measure, who, request, login, today):
        response = login(request.getfixturevalue(who)).post(
            url(x_measure, "forward_reply", pk=forwarding.pk),
            {"replied_on": today.isoformat(), "confirm": "on"},
        )

        assert response.status_code == 404
        forwarding.refresh_from_db()
        assert forwarding.replied_on is None

    def test_a_second_reply_goes_back_to_the_measure(
        self, forwarding, x_measure, clerk_a, login, now, today
    ):
        fw.record_forward_reply(
            forwarding=forwarding, acting_user=clerk_a, replied_on=today, note="", recorded_at=now
        )

        response = login(clerk_a).get(url(x_measure, "forward_reply", pk=forwarding.pk))

        assert response.status_code == 302


class TestMoveOutPage:
    def test_the_clerk_records_the_move_out(self, x_measure, clerk_a, login, today):
        response = login(clerk_a).post(
            url(x_measure, "move_out"),
            {
                "moved_out_on": today.isoformat(),
                "municipality_name": "福岡市",
                "municipality_code": "401307",
                "confirm": "on",
            },
        )

        x_measure.refresh_from_db()
        assert response.status_code == 302
        assert x_measure.status == MeasureStatus.PROVISIONAL
        assert MoveOut.objects.get(measure=x_measure).forwarding.municipality_code == "401307"


def receive_data(today, **overrides):
    data = {
        "m-origin_name": "川崎市",
        "m-origin_code": "141305",
        "m-origin_forwarded_on": (today - 3 * DAY).isoformat(),
        "m-received_on": today.isoformat(),
        "m-need_confirmed": "yes",
        "m-starts_on": (today - 10 * DAY).isoformat(),
        "m-ends_on": (today + 300 * DAY).isoformat(),
        "m-applicant_notified_on": "",
        "m-kind": "dv",
        "m-basis_kind": "consulting_body",
        "m-basis_body": "川崎市配偶者暴力相談支援センター",
        "m-restricts_inspection": "on",
        "m-restricts_resident_copies": "on",
        "p-name": "小林 由美",
        "p-kana": "コバヤシ ユミ",
        "c-TOTAL_FORMS": "2",
        "c-INITIAL_FORMS": "0",
        "c-MIN_NUM_FORMS": "0",
        "c-MAX_NUM_FORMS": "10",
        "c-0-name": "小林 剛",
        "c-0-relationship": "夫",
    }
    return data | overrides


class TestReceiveForwardedPage:
    URL = "/measures/forwarded/new/"

    def test_the_clerk_registers_it_in_force_at_once(self, clerk_a, login, today):
        assert login(clerk_a).get(self.URL).status_code == 200

        response = login(clerk_a).post(self.URL, receive_data(today))

        measure = SupportMeasure.objects.get()
        assert response.status_code == 302
        assert response["Location"] == measure.get_absolute_url()
        assert measure.status == MeasureStatus.ACTIVE
        assert ForwardReceipt.objects.get(measure=measure).origin_name == "川崎市"

    def test_need_not_confirmed_needs_the_notification_date(self, clerk_a, login, today):
        response = login(clerk_a).post(self.URL, receive_data(today, **{"m-need_confirmed": "no"}))

        assert response.status_code == 400
        assert "the applicant was told" in response.content.decode()
        assert not SupportMeasure.objects.exists()

    def test_need_not_confirmed_is_provisional(self, clerk_a, login, today):
        login(clerk_a).post(
            self.URL,
            receive_data(
                today,
                **{"m-need_confirmed": "no", "m-applicant_notified_on": today.isoformat()},
            ),
        )

        assert SupportMeasure.objects.get().status == MeasureStatus.PROVISIONAL

    @pytest.mark.parametrize("who", ["auditor", "contractor_a"])
    def test_is_a_404_to_anyone_but_case_staff(self, who, request, login, today):
        client = login(request.getfixturevalue(who))

        assert client.get(self.URL).status_code == 404
        assert client.post(self.URL, receive_data(today)).status_code == 404
        assert not SupportMeasure.objects.exists()

    def test_the_measure_list_links_to_it_for_case_staff_only(self, clerk_a, auditor, login):
        assert self.URL in login(clerk_a).get("/measures/").content.decode()
        assert self.URL not in login(auditor).get("/measures/").content.decode()


class TestReceiveForwardedIdentity:
    """転送受付 has the registration's identity step: receiving 高橋 由美 (ﾀｶﾊｼ ﾕﾐ) while
    髙橋 由美 is already registered must not write a second, unlinked person."""

    URL = TestReceiveForwardedPage.URL
    BORN = datetime.date(1995, 2, 14)

    @pytest.fixture
    def yumi(self, register, clerk_a):
        measure = register(
            clerk_a,
            protected=PersonData(
                name="髙橋 由美", kana="タカハシ ユミ", birth_date=self.BORN, sex="F"
            ),
        )
        return measure.parties.get(role="protected").person

    def data(self, today, **overrides):
        return receive_data(
            today,
            **{"p-name": "高橋 由美", "p-kana": "ﾀｶﾊｼ ﾕﾐ", "p-birth_date": self.BORN.isoformat()},
            **overrides,
        )

    def test_offers_the_person_already_registered_before_registering(
        self, yumi, clerk_a, login, today
    ):
        response = login(clerk_a).post(self.URL, self.data(today))

        body = response.content.decode()
        assert response.status_code == 400
        assert str(yumi.public_id) in body
        assert 'name="p-identity"' in body
        assert not ForwardReceipt.objects.exists()
        assert Person.objects.filter(birth_date=self.BORN).count() == 1

    def test_the_same_person_chosen_links_the_forwarded_application(
        self, yumi, clerk_a, login, today
    ):
        response = login(clerk_a).post(
            self.URL, self.data(today, **{"p-identity": str(yumi.public_id)})
        )

        measure = ForwardReceipt.objects.get().measure
        assert response.status_code == 302
        assert measure.parties.get(role="protected").person_id == yumi.pk
        assert Person.objects.filter(birth_date=self.BORN).count() == 1

    def test_a_different_person_needs_the_confirmation(self, yumi, clerk_a, login, today):
        client = login(clerk_a)
        seen = {"p-identity": "different", "p-identity_seen": str(yumi.public_id)}

        unconfirmed = client.post(self.URL, self.data(today, **seen))
        assert unconfirmed.status_code == 400
        assert not ForwardReceipt.objects.exists()

        confirmed = client.post(self.URL, self.data(today, **seen, **{"p-confirm_different": "on"}))
        assert confirmed.status_code == 302
        assert Person.objects.filter(birth_date=self.BORN).count() == 2

    def test_a_different_person_said_of_no_one_seen_is_asked_again(
        self, yumi, clerk_a, login, today
    ):
        data = self.data(today, **{"p-identity": "different", "p-confirm_different": "on"})

        assert login(clerk_a).post(self.URL, data).status_code == 400
        assert not ForwardReceipt.objects.exists()

    def test_a_person_id_typed_into_the_post_that_is_not_a_candidate_is_refused(
        self, yumi, clerk_a, login, today
    ):
        # 山﨑 健一 (Y, the counterparty of 髙橋 由美's measure) is registered, but not found
        # for the name 高橋 由美.
        other = Person.objects.get(name="山﨑 健一")

        response = login(clerk_a).post(
            self.URL, self.data(today, **{"p-identity": str(other.public_id)})
        )

        assert response.status_code == 400
        assert not ForwardReceipt.objects.exists()
        assert not other.parties.filter(role="protected").exists()

    def test_a_counterparty_already_registered_is_offered_too(self, yumi, clerk_a, login, today):
        other = Person.objects.get(name="山﨑 健一")
        data = receive_data(today, **{"c-0-name": "山崎 健一", "c-0-kana": "ヤマサキ ケンイチ"})

        asked = login(clerk_a).post(self.URL, data)
        linked = login(clerk_a).post(self.URL, data | {"c-0-identity": str(other.public_id)})

        assert asked.status_code == 400
        assert 'name="c-0-identity"' in asked.content.decode()
        assert linked.status_code == 302
        measure = ForwardReceipt.objects.get().measure
        assert measure.parties.get(role="counterparty").person_id == other.pk


class TestAForwardedMeasuresPage:
    def test_says_where_it_came_from_and_that_it_was_not_re_examined(
        self, clerk_a, supervisor_a, login, today
    ):
        login(clerk_a).post(TestReceiveForwardedPage.URL, receive_data(today))
        measure = SupportMeasure.objects.get()

        page = login(supervisor_a).get(measure.get_absolute_url())

        text = page.content.decode()
        assert page.status_code == 200
        assert "川崎市 (141305)" in text
        assert "in force without re-examination" in text


class TestTheHomePage:
    def test_the_wards_case_staff_see_an_overdue_forwarding(
        self, forwarding, x_measure, clerk_a, supervisor_a, login, time_machine
    ):
        time_machine.move_to(forwarding.due_at + DAY)

        for member in (clerk_a, supervisor_a):
            page = login(member).get("/").content.decode()

            assert "Forwardings without a reply by the deadline" in page
            assert x_measure.ref in page

    def test_not_before_the_deadline_nor_to_another_ward_or_an_auditor(
        self, forwarding, x_measure, clerk_a, clerk_b, auditor, login, time_machine
    ):
        assert "Forwardings without a reply" not in login(clerk_a).get("/").content.decode()
        time_machine.move_to(forwarding.due_at + DAY)
        for member in (clerk_b, auditor):
            assert x_measure.ref not in login(member).get("/").content.decode()

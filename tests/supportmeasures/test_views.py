from __future__ import annotations

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from auditlog.models import AuditEvent, EventKind
from supportmeasures import actions
from supportmeasures.models import MeasureStatus, Person, Role, SupportMeasure

pytestmark = pytest.mark.django_db


def details_url(person: Person) -> str:
    return reverse("supportmeasures:details", kwargs={"public_id": person.public_id})


def ack_url(person: Person) -> str:
    return reverse("supportmeasures:acknowledge", kwargs={"public_id": person.public_id})


def events(kind: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(kind=kind).order_by("sequence"))


ACK = {"purpose": "counter", "confirm": "on"}


class TestLoginRequired:
    @pytest.mark.parametrize(
        "name",
        [
            "supportmeasures:home",
            "supportmeasures:search",
            "supportmeasures:measures",
            "supportmeasures:register",
            "auditlog:events",
        ],
    )
    def test_every_page_sends_a_stranger_to_the_login_page(self, client, name):
        response = client.get(reverse(name))

        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))

    def test_the_login_page_speaks_japanese_by_default(self, client):
        response = client.get(reverse("login"))

        assert response.status_code == 200
        assert 'lang="ja"' in response.content.decode()


class TestSearch:
    def test_another_ward_sees_the_counterparty_badge(self, login, clerk_b, y):
        response = login(clerk_b).get(reverse("supportmeasures:search"), {"name": "山崎 健一"})

        body = response.content.decode()
        assert response.status_code == 200
        assert y.get_absolute_url() in body
        assert "badge--counterparty" in body

    def test_finds_by_reading_in_hiragana_and_marks_the_protected(self, login, clerk_b, x):
        response = login(clerk_b).get(
            reverse("supportmeasures:search"), {"kana": "やまさき みさき"}
        )

        body = response.content.decode()
        assert x.get_absolute_url() in body
        assert "badge--protected" in body
        assert "豊岡町" not in body

    def test_finds_by_an_era_date_of_birth(self, login, clerk_b, x):
        response = login(clerk_b).get(reverse("supportmeasures:search"), {"birth_date": "H2.5.12"})

        assert x.get_absolute_url() in response.content.decode()

    def test_an_impossible_date_is_a_clear_error_not_a_500(self, login, clerk_b, x):
        response = login(clerk_b).get(
            reverse("supportmeasures:search"), {"birth_date": "平成2年2月30日"}
        )

        assert response.status_code == 200
        assert 'aria-invalid="true"' in response.content.decode()
        assert x.get_absolute_url() not in response.content.decode()

    def test_lapsed_measures_still_flag_in_results(
        self, login, clerk_b, register, decide, clerk_a, supervisor_a
    ):
        decide(register(clerk_a), supervisor_a, starts_on=datetime.date(2024, 1, 1))

        body = (
            login(clerk_b).get(reverse("supportmeasures:search"), {"name": "山﨑"}).content.decode()
        )

        assert "badge--protected" in body
        assert "badge--lapsed" in body


class TestNeedToKnow:
    def test_another_ward_sees_the_flag_and_withheld_never_the_address(self, login, clerk_b, x):
        response = login(clerk_b).get(x.get_absolute_url())

        body = response.content.decode()
        assert response.status_code == 200
        assert "flag-banner--protected" in body
        assert "withheld" in body
        assert "豊岡町" not in body and "045-000-1234" not in body
        assert "山﨑 健一" in body  # the counterparty list travels with the flag

    @pytest.mark.parametrize("url_for", [details_url, ack_url])
    def test_a_url_typed_by_hand_from_another_ward_is_a_404(self, login, clerk_b, x, url_for):
        assert login(clerk_b).get(url_for(x)).status_code == 404
        assert login(clerk_b).post(url_for(x), ACK).status_code == 404
        assert not events(EventKind.DETAILS_VIEWED)
        assert not events(EventKind.DETAILS_ACKNOWLEDGED)

    def test_a_contractor_of_the_owning_ward_never_gets_details(self, login, contractor_a, x):
        client = login(contractor_a)

        assert client.get(details_url(x)).status_code == 404
        assert client.post(ack_url(x), ACK).status_code == 404
        assert "withheld" in client.get(x.get_absolute_url()).content.decode()

    def test_another_wards_measure_page_is_a_404_like_a_missing_one(
        self, login, clerk_b, x_measure
    ):
        client = login(clerk_b)

        assert client.get(x_measure.get_absolute_url()).status_code == 404
        assert client.get("/measures/no-such-ref/").status_code == 404
        assert (
            client.post(
                reverse("supportmeasures:end", args=[x_measure.ref]),
                {"end_reason": "requested", "reason": "x"},
            ).status_code
            == 404
        )
        x_measure.refresh_from_db()
        assert x_measure.status == MeasureStatus.ACTIVE

    def test_an_unknown_person_is_a_404(self, login, clerk_a):
        assert (
            login(clerk_a).get("/people/00000000-0000-0000-0000-000000000000/").status_code == 404
        )

    def test_a_grant_lets_one_named_person_of_another_ward_in(
        self, login, clerk_b, supervisor_a, x, x_measure, now
    ):
        actions.grant_details_access(
            measure=x_measure,
            acting_user=supervisor_a,
            grantee=clerk_b,
            reason="照会回答のため",
            granted_at=now,
        )
        client = login(clerk_b)

        assert client.post(ack_url(x), ACK).status_code == 302
        response = client.get(details_url(x))
        assert response.status_code == 200
        assert "豊岡町" in response.content.decode()
        assert events(EventKind.ACCESS_GRANTED)[0].data == {"grantee_id": clerk_b.pk}


class TestAcknowledgement:
    def test_details_without_acknowledgement_are_refused_and_the_refusal_recorded(
        self, login, clerk_a, x
    ):
        response = login(clerk_a).get(details_url(x))

        assert response.status_code == 302
        assert response["Location"] == ack_url(x)
        refused = events(EventKind.DETAILS_REFUSED)
        assert [(e.actor, e.person_public_id) for e in refused] == [(clerk_a, x.public_id)]
        assert not events(EventKind.DETAILS_VIEWED)

    def test_a_form_posted_without_the_warning_confirmed_changes_nothing(self, login, clerk_a, x):
        client = login(clerk_a)

        response = client.post(ack_url(x), {"purpose": "counter"})

        assert response.status_code == 200
        assert 'aria-invalid="true"' in response.content.decode()
        assert not events(EventKind.DETAILS_ACKNOWLEDGED)
        assert client.get(details_url(x)).status_code == 302

    def test_other_purpose_needs_a_reason(self, login, clerk_a, x):
        response = login(clerk_a).post(ack_url(x), {"purpose": "other", "confirm": "on"})

        assert response.status_code == 200
        assert not events(EventKind.DETAILS_ACKNOWLEDGED)

    def test_acknowledging_opens_the_details_and_both_are_recorded(self, login, clerk_a, x):
        client = login(clerk_a)

        response = client.post(ack_url(x), ACK)
        details = client.get(details_url(x))

        assert response["Location"] == details_url(x)
        assert details.status_code == 200
        assert "横浜市鶴見区豊岡町20-1" in details.content.decode()
        assert details["Cache-Control"] == "no-store"
        acknowledged = events(EventKind.DETAILS_ACKNOWLEDGED)
        viewed = events(EventKind.DETAILS_VIEWED)
        assert [(e.actor, e.data["purpose"]) for e in acknowledged] == [(clerk_a, "counter")]
        assert [(e.actor, e.person_public_id) for e in viewed] == [(clerk_a, x.public_id)]
        assert acknowledged[0].sequence < viewed[0].sequence

    def test_an_acknowledgement_is_for_one_person_and_one_user(
        self, login, clerk_a, make_staff, ward_a, x, register
    ):
        other_clerk = make_staff(ward_a, Role.CLERK)
        login(clerk_a).post(ack_url(x), ACK)
        child = Person.objects.create(name="別人", created_at=timezone.now())

        assert login(other_clerk).get(details_url(x)).status_code == 302
        assert login(clerk_a).get(details_url(child)).status_code == 404

    def test_an_acknowledgement_expires(self, login, clerk_a, x, settings):
        client = login(clerk_a)
        client.post(ack_url(x), ACK)

        later = timezone.now() + datetime.timedelta(
            minutes=settings.MAMORI_ACKNOWLEDGEMENT_MINUTES, seconds=1
        )
        with time_machine.travel(later):
            response = client.get(details_url(x))

        assert response.status_code == 302
        assert response["Location"] == ack_url(x)

    def test_declining_is_recorded_and_shows_nothing(self, login, clerk_a, x):
        response = login(clerk_a).post(ack_url(x), {"decline": "1"})

        assert response.status_code == 302
        assert response["Location"] == x.get_absolute_url()
        assert [e.actor for e in events(EventKind.DETAILS_DECLINED)] == [clerk_a]
        assert not events(EventKind.DETAILS_ACKNOWLEDGED)

    def test_untrained_staff_cannot_open_details_and_are_told_why(
        self, login, make_staff, ward_a, x
    ):
        untrained = make_staff(ward_a, Role.CLERK, trained=False)
        client = login(untrained)

        ack = client.post(ack_url(x), ACK)
        details = client.get(details_url(x))

        assert ack.status_code == 200
        assert "training" in ack.content.decode() or "研修" in ack.content.decode()
        assert details.status_code == 403
        assert not events(EventKind.DETAILS_VIEWED)

    def test_an_untrained_acknowledgement_is_warned_before_refused_after_and_recorded(
        self, login, make_staff, ward_a, x
    ):
        untrained = make_staff(ward_a, Role.CLERK, trained=False)
        client = login(untrained)

        form = client.get(ack_url(x)).content.decode()
        refused = client.post(ack_url(x), ACK).content.decode()

        training = reverse("training:index")
        assert f'href="{training}"' in form  # said before the form is filled in
        assert f'href="{training}"' in refused
        [event] = events(EventKind.DETAILS_REFUSED)
        assert (event.actor, event.reason, event.data) == (
            untrained,
            "training_expired",
            {"step": "acknowledgement"},
        )
        assert not events(EventKind.DETAILS_ACKNOWLEDGED)


class TestDecisionPages:
    def test_the_registering_clerk_cannot_decide_their_own_application(
        self, login, register, supervisor_a
    ):
        measure = register(supervisor_a)

        response = login(supervisor_a).post(
            reverse("supportmeasures:decide", args=[measure.ref]),
            {"decision": "approve", "starts_on": "R7.4.1"},
        )

        # Refused by the action's own rule before the form is read, with the reason.
        assert response.status_code == 403
        assert "申出を登録した職員" in response.content.decode()
        measure.refresh_from_db()
        assert measure.status == MeasureStatus.PROVISIONAL

    def test_a_clerk_of_the_owning_ward_is_refused(self, login, register, clerk_a):
        measure = register(clerk_a)

        response = login(clerk_a).post(
            reverse("supportmeasures:decide", args=[measure.ref]),
            {"decision": "approve", "starts_on": "R7.4.1"},
        )

        assert response.status_code == 403
        measure.refresh_from_db()
        assert measure.status == MeasureStatus.PROVISIONAL

    def test_an_untrained_supervisor_is_refused_with_the_reason(
        self, login, register, clerk_a, make_staff, ward_a
    ):
        untrained = make_staff(ward_a, Role.SUPERVISOR, trained=False)
        measure = register(clerk_a)

        response = login(untrained).post(
            reverse("supportmeasures:decide", args=[measure.ref]),
            {"decision": "approve", "starts_on": "R7.4.1"},
        )

        assert response.status_code == 403
        assert "研修" in response.content.decode() or "training" in response.content.decode()
        measure.refresh_from_db()
        assert measure.status == MeasureStatus.PROVISIONAL

    def test_a_supervisor_decides_with_an_era_date(self, login, register, clerk_a, supervisor_a):
        measure = register(clerk_a)

        response = login(supervisor_a).post(
            reverse("supportmeasures:decide", args=[measure.ref]),
            {"decision": "approve", "starts_on": "令和7年4月1日"},
        )

        assert response.status_code == 302
        measure.refresh_from_db()
        assert (measure.status, measure.starts_on, measure.ends_on) == (
            MeasureStatus.ACTIVE,
            datetime.date(2025, 4, 1),
            datetime.date(2026, 3, 31),
        )

    def test_the_lapsed_measure_page_warns_and_offers_release(
        self, login, register, decide, clerk_a, supervisor_a
    ):
        measure = decide(register(clerk_a), supervisor_a, starts_on=datetime.date(2024, 1, 1))

        body = login(supervisor_a).get(measure.get_absolute_url()).content.decode()

        assert "flag-banner--lapsed" in body
        assert reverse("supportmeasures:release", args=[measure.ref]) in body


class TestRegisterApplicationPage:
    def form(self, **overrides: str) -> dict[str, str]:
        data = {
            "m-kind": "dv",
            "m-applied_on": "R8.11.1",
            "m-basis_kind": "consulting_body",
            "m-basis_body": "鶴見警察署",
            "m-restricts_inspection": "on",
            "m-restricts_resident_copies": "on",
            "m-restricts_koseki_attachment": "on",
            "p-name": "高橋 由美",
            "p-kana": "たかはし ゆみ",
            "p-birth_date": "H7.2.14",
            "p-address": "横浜市鶴見区鶴見中央4-5-6",
            "j-TOTAL_FORMS": "2",
            "j-INITIAL_FORMS": "0",
            "j-MIN_NUM_FORMS": "0",
            "j-MAX_NUM_FORMS": "10",
            "c-TOTAL_FORMS": "2",
            "c-INITIAL_FORMS": "0",
            "c-MIN_NUM_FORMS": "0",
            "c-MAX_NUM_FORMS": "10",
            "c-0-name": "佐藤 大輔",
            "c-0-kana": "サトウ ダイスケ",
            "c-0-relationship": "元交際相手",
        }
        data.update(overrides)
        return data

    def test_registers_and_protects_at_once(self, login, clerk_a, today):
        response = login(clerk_a).post(reverse("supportmeasures:register"), self.form())

        measure = SupportMeasure.objects.get()
        assert response.status_code == 302
        assert response["Location"] == measure.get_absolute_url()
        assert measure.status == MeasureStatus.PROVISIONAL
        assert measure.applied_on == datetime.date(2026, 11, 1)
        flags = Person.objects.with_flags(today)
        assert flags.get(name="高橋 由美").is_protected
        assert flags.get(name="佐藤 大輔").is_counterparty
        assert events(EventKind.APPLICATION_REGISTERED)[0].actor == clerk_a

    def test_without_a_counterparty_nothing_is_saved(self, login, clerk_a):
        response = login(clerk_a).post(
            reverse("supportmeasures:register"),
            self.form(**{"c-0-name": "", "c-0-kana": "", "c-0-relationship": ""}),
        )

        assert response.status_code == 400
        assert SupportMeasure.objects.count() == 0
        assert Person.objects.count() == 0

    def test_a_bad_date_is_an_error_and_nothing_is_saved(self, login, clerk_a):
        response = login(clerk_a).post(
            reverse("supportmeasures:register"), self.form(**{"m-applied_on": "令和8年13月1日"})
        )

        assert response.status_code == 400
        assert SupportMeasure.objects.count() == 0

    def test_a_contractor_cannot_open_the_form(self, login, contractor_a):
        assert login(contractor_a).get(reverse("supportmeasures:register")).status_code == 404


class TestAuditLogPage:
    @pytest.mark.parametrize("role", [Role.CLERK, Role.SUPERVISOR, Role.CONTRACTOR])
    def test_is_a_404_for_everyone_but_auditors(self, login, make_staff, ward_a, role):
        assert login(make_staff(ward_a, role)).get(reverse("auditlog:events")).status_code == 404

    def test_an_auditor_sees_the_events_and_can_verify(
        self, login, auditor, x_measure, settings, tmp_path
    ):
        settings.AUDIT_CHECKPOINT_DIR = str(tmp_path)
        response = login(auditor).post(reverse("auditlog:verify"), follow=True)

        body = response.content.decode()
        assert response.status_code == 200
        assert x_measure.ref in body
        assert "message--success" in body


class TestLanguage:
    def test_english_can_be_chosen(self, login, clerk_a):
        client = login(clerk_a)

        client.post(reverse("set_language"), {"language": "en", "next": "/"})
        response = client.get(reverse("supportmeasures:search"))

        assert 'lang="en"' in response.content.decode()
        assert "Search the registry" in response.content.decode()


class TestActionPagesFollowTheState:
    def test_deciding_an_active_measure_goes_back_to_it(self, login, x_measure, make_staff, ward_a):
        other = make_staff(ward_a, Role.SUPERVISOR)

        response = login(other).post(
            reverse("supportmeasures:decide", args=[x_measure.ref]),
            {"decision": "refuse", "reason": "x"},
        )

        assert response.status_code == 302
        assert response["Location"] == x_measure.get_absolute_url()
        x_measure.refresh_from_db()
        assert x_measure.status == MeasureStatus.ACTIVE

    def test_releasing_an_active_measure_is_not_offered(self, login, x_measure, supervisor_a):
        response = login(supervisor_a).get(reverse("supportmeasures:release", args=[x_measure.ref]))

        assert response.status_code == 302


class TestSearchUsesTheScreeningEngine:
    def test_hiragana_finds_the_old_kanji_counterparty(self, login, clerk_b, register, clerk_a):
        from supportmeasures.actions import PartyData, PersonData

        register(
            clerk_a,
            counterparties=[
                PartyData(person=PersonData(name="髙橋 健一", kana="タカハシ ケンイチ"))
            ],
        )

        body = (
            login(clerk_b)
            .get(reverse("supportmeasures:search"), {"name": "たかはし けんいち"})
            .content.decode()
        )

        assert "髙橋 健一" in body
        assert "badge--counterparty" in body  # the person is marked as a counterparty
        # A reading alone, without a date, is "check first"; the banner is as strong as the badge.
        assert "flag-banner--counterparty" in body
        assert "同一人物かどうかは確認できていません" in body

    def test_a_reading_with_the_date_of_birth_is_a_counterparty_verdict(
        self, login, clerk_b, register, clerk_a
    ):
        from supportmeasures.actions import PartyData, PersonData

        register(
            clerk_a,
            counterparties=[
                PartyData(
                    person=PersonData(
                        name="髙橋 健一",
                        kana="タカハシ ケンイチ",
                        birth_date=datetime.date(1985, 11, 3),
                    )
                )
            ],
        )

        body = (
            login(clerk_b)
            .get(
                reverse("supportmeasures:search"),
                {"name": "たかはし けんいち", "birth_date": "昭和60年11月3日"},
            )
            .content.decode()
        )

        assert "flag-banner--counterparty" in body

    def test_a_clear_result_says_so(self, login, clerk_b, x):
        body = (
            login(clerk_b)
            .get(reverse("supportmeasures:search"), {"name": "山田 太郎"})
            .content.decode()
        )

        assert "notice--info" in body
        assert "flag-banner" not in body


def downloaded(response) -> bytes:
    """The file the page offers (a data: link, so nothing screened stays on the server)."""
    import base64
    import re

    found = re.search(
        r'href="data:text/csv;charset=[^;]+;base64,([^"]+)"', response.content.decode()
    )
    assert found, "no download link"
    return base64.b64decode(found.group(1))


class TestBatchScreeningPage:
    def test_japanese_headers_and_every_name_column_are_screened(self, login, clerk_b, x, y):
        response = self.upload(
            login(clerk_b),
            "宛名番号,氏名,フリガナ,生年月日,子の氏名,住所\n"
            "1,田中 花子,タナカ ハナコ,S55.1.1,山崎 健一,横浜市\n"
            "2,鈴木 一郎,スズキ イチロウ,,,川崎市\n",
        )

        lines = downloaded(response).decode("utf-8-sig").splitlines()
        assert lines[0].endswith(",screening_result,screening_note")
        assert ",counterparty," in lines[1]  # found through the child's name column
        assert lines[2].split(",")[-2] == "clear"

    def test_a_file_in_the_other_encoding_is_a_web_error(self, login, clerk_b, y):
        from django.core.files.uploadedfile import SimpleUploadedFile

        bad = login(clerk_b).post(
            reverse("supportmeasures:batch_screening"),
            {
                "file": SimpleUploadedFile(
                    "list.csv", "氏名\n山崎 健一\n".encode("cp932"), "text/csv"
                ),
                "encoding": "utf-8",
                "purpose": "案内",
            },
        )

        assert bad.status_code == 400
        text = bad.content.decode()
        assert "Shift_JIS (CP932)" in text and "--encoding" not in text
        assert not AuditEvent.objects.filter(kind=EventKind.SCREENING_HIT).exists()

    def upload(self, client, text: str, encoding: str = "utf-8"):
        from django.core.files.uploadedfile import SimpleUploadedFile

        return client.post(
            reverse("supportmeasures:batch_screening"),
            {
                "file": SimpleUploadedFile("list.csv", text.encode(encoding), "text/csv"),
                "encoding": encoding,
                "purpose": "案内状の送付",
            },
        )

    def test_returns_the_list_with_a_result_per_row(self, login, clerk_b, x, y):
        response = self.upload(
            login(clerk_b), "id,name,kana,birth_date\n1,山田 太郎,,\n2,山崎 健一,,S61.11.3\n"
        )

        assert response.status_code == 200
        assert response["Cache-Control"] == "no-store"
        assert 'download="list-screened.csv"' in response.content.decode()
        lines = downloaded(response).decode("utf-8-sig").splitlines()
        assert lines[0] == "id,name,kana,birth_date,screening_result,screening_note"
        assert lines[1].startswith("1,山田 太郎,,,clear,")
        assert lines[2].startswith("2,山崎 健一,,S61.11.3,counterparty,")
        assert "豊岡町" not in downloaded(response).decode("utf-8-sig")
        # On the page, the counterparty's row comes first.
        page = response.content.decode()
        assert page.index("山崎 健一") < page.index("山田 太郎")
        assert [e.reason for e in AuditEvent.objects.filter(kind=EventKind.SCREENING_HIT)] == [
            "案内状の送付"
        ]

    def test_answers_in_cp932_when_asked(self, login, clerk_b, y):
        response = self.upload(login(clerk_b), "name\n山崎 健一\n", "cp932")

        assert "counterparty" in downloaded(response).decode("cp932")

    def test_a_bad_row_is_named_and_nothing_is_screened(self, login, clerk_b, y):
        response = self.upload(login(clerk_b), "name,birth_date\n山崎 健一,R8.2.30\n")

        assert response.status_code == 400
        assert "2行目 birth_date" in response.content.decode()
        assert "line 2" not in response.content.decode()  # one language, the page's
        assert not AuditEvent.objects.filter(kind=EventKind.SCREENING_HIT).exists()

    def test_in_english_a_bad_row_is_named_in_english(self, login, clerk_b, y):
        client = login(clerk_b)
        client.cookies["django_language"] = "en"

        response = self.upload(client, "name,birth_date\n山崎 健一,R8.2.30\n")

        body = response.content.decode()
        assert response.status_code == 400
        assert "Line 2 birth_date" in body and "行目" not in body


class TestGrantsCanBeRevoked:
    def test_the_same_staff_object_sees_a_grant_and_its_revoke(
        self, clerk_b, supervisor_a, x_measure, now
    ):
        """Grants are read once per user object; a grant or a revoke reads them again."""
        from supportmeasures import permissions

        assert x_measure.pk not in permissions.granted_measure_ids(clerk_b)
        actions.grant_details_access(
            measure=x_measure, acting_user=supervisor_a, grantee=clerk_b, reason="照会回答",
            granted_at=now,
        )  # fmt: skip
        assert x_measure.pk in permissions.granted_measure_ids(clerk_b)
        actions.revoke_details_access(
            measure=x_measure, acting_user=supervisor_a, grantee=clerk_b, revoked_at=now
        )
        assert x_measure.pk not in permissions.granted_measure_ids(clerk_b)

    def test_a_revoked_grant_is_a_404_again(self, login, clerk_b, supervisor_a, x, x_measure, now):
        actions.grant_details_access(
            measure=x_measure,
            acting_user=supervisor_a,
            grantee=clerk_b,
            reason="照会回答",
            granted_at=now,
        )
        url = reverse("supportmeasures:revoke", args=[x_measure.ref, clerk_b.pk])

        response = login(supervisor_a).post(url)

        assert response.status_code == 302
        assert login(clerk_b).get(ack_url(x)).status_code == 404
        assert events(EventKind.ACCESS_REVOKED)[0].data == {"grantee_id": clerk_b.pk}
        assert login(supervisor_a).post(url).status_code == 404  # nothing left to revoke

    def test_the_grantee_cannot_revoke_or_grant(self, login, clerk_b, supervisor_a, x_measure, now):
        actions.grant_details_access(
            measure=x_measure,
            acting_user=supervisor_a,
            grantee=clerk_b,
            reason="照会回答",
            granted_at=now,
        )

        response = login(clerk_b).post(
            reverse("supportmeasures:revoke", args=[x_measure.ref, clerk_b.pk])
        )

        assert response.status_code == 403
        assert not events(EventKind.ACCESS_REVOKED)


class TestContractors:
    def test_see_the_flag_but_not_even_the_owning_ward(self, login, contractor_a, y):
        body = login(contractor_a).get(y.get_absolute_url()).content.decode()

        assert "flag-banner--counterparty" in body
        assert "鶴見区</td>" not in body


class TestPartialSearch:
    def test_a_partial_name_in_kana_lists_people_by_their_reading(self, login, clerk_b, x):
        body = (
            login(clerk_b)
            .get(reverse("supportmeasures:search"), {"name": "やまさき"})
            .content.decode()
        )

        assert x.get_absolute_url() in body
        assert "badge--protected" in body


class TestMailingListForContractors:
    def test_a_contractor_gets_the_flags_but_not_the_owning_ward(self, login, contractor_a, y):
        from django.core.files.uploadedfile import SimpleUploadedFile

        response = login(contractor_a).post(
            reverse("supportmeasures:batch_screening"),
            {
                "file": SimpleUploadedFile("l.csv", "name\n山崎 健一\n".encode(), "text/csv"),
                "encoding": "utf-8",
                "purpose": "案内",
            },
        )

        text = downloaded(response).decode("utf-8-sig")
        assert "counterparty" in text
        assert "鶴見区" not in text


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        (Role.CLERK, True),
        (Role.SUPERVISOR, True),
        (Role.CONTRACTOR, False),
        (Role.AUDITOR, False),
        (Role.ADMINISTRATOR, False),
    ],
)
def test_only_case_staff_learn_which_ward_holds_a_case(make_staff, ward_a, role, sees):
    from supportmeasures import permissions

    assert permissions.may_see_owning_wards(make_staff(ward_a, role)) is sees

"""The print log (spec 10.2): protected details print only through the Print button, which
records `details.printed` under exactly the rules of the details page, and the printed page says
who printed it and when. The details page itself hides them from the browser's own print."""

from __future__ import annotations

import pytest
from django.urls import reverse

from auditlog.models import AuditEvent, EventKind
from supportmeasures import actions
from supportmeasures.models import Person, Role

pytestmark = pytest.mark.django_db

ACK = {"purpose": "counter", "confirm": "on"}


def print_url(person: Person) -> str:
    return reverse("supportmeasures:print_details", kwargs={"public_id": person.public_id})


def ack_url(person: Person) -> str:
    return reverse("supportmeasures:acknowledge", kwargs={"public_id": person.public_id})


def events(kind: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(kind=kind).order_by("sequence"))


class TestPrintingProtectedDetails:
    def test_prints_after_the_acknowledgement_saying_who_and_when(self, login, clerk_a, x):
        client = login(clerk_a)
        client.post(ack_url(x), ACK)

        response = client.post(print_url(x))

        html = response.content.decode()
        assert response.status_code == 200
        assert response["Cache-Control"] == "no-store"
        assert "横浜市鶴見区豊岡町20-1" in html
        assert f"印刷者: {clerk_a.full_name}（{clerk_a.username}） 印刷日時: 令和" in html
        assert "data-print-on-load" in html and "js/print.js" in html
        printed = events(EventKind.DETAILS_PRINTED)
        assert [(e.actor, e.person_public_id, e.decision) for e in printed] == [
            (clerk_a, x.public_id, "printed")
        ]

    def test_is_refused_before_the_acknowledgement_and_the_refusal_recorded(
        self, login, clerk_a, x
    ):
        response = login(clerk_a).post(print_url(x))

        assert response.status_code == 302
        assert response["Location"] == ack_url(x)
        assert not events(EventKind.DETAILS_PRINTED)
        refused = events(EventKind.DETAILS_REFUSED)
        assert [(e.actor, e.reason, e.data) for e in refused] == [
            (clerk_a, "acknowledgement_required", {"print": True})
        ]

    def test_is_a_404_outside_the_scope_like_the_details(self, login, clerk_b, x):
        response = login(clerk_b).post(print_url(x))

        assert response.status_code == 404
        assert not events(EventKind.DETAILS_PRINTED)
        assert not events(EventKind.DETAILS_REFUSED)

    def test_a_lapsed_training_is_refused_with_the_reason(
        self, login, make_staff, ward_a, x, in_english
    ):
        untrained = make_staff(ward_a, Role.CLERK, trained=False)

        response = login(untrained).post(print_url(x))

        assert response.status_code == 403
        assert "研修" in response.content.decode()
        assert not events(EventKind.DETAILS_PRINTED)
        assert [e.reason for e in events(EventKind.DETAILS_REFUSED)] == ["training_expired"]

    def test_is_post_only_a_link_prints_nothing(self, login, clerk_a, x):
        client = login(clerk_a)
        client.post(ack_url(x), ACK)

        response = client.get(print_url(x))

        assert response.status_code == 405
        assert not events(EventKind.DETAILS_PRINTED)

    def test_the_details_page_offers_the_button_and_hides_the_details_from_ctrl_p(
        self, login, clerk_a, x
    ):
        client = login(clerk_a)
        client.post(ack_url(x), ACK)

        html = client.get(reverse("supportmeasures:details", args=[x.public_id])).content.decode()

        assert f'action="{print_url(x)}"' in html
        assert 'class="card stack protected-on-screen"' in html
        assert "印刷は「印刷」ボタンから行ってください" in html

    def test_the_action_refuses_outside_the_scope(self, clerk_b, x, now):
        with pytest.raises(actions.NotPermitted):
            actions.print_protected_details(person=x, acting_user=clerk_b, printed_at=now)

        assert not events(EventKind.DETAILS_PRINTED)


class TestAuditorsSeeThePrint:
    def test_in_the_persons_history_with_labels_not_codes(self, login, clerk_a, auditor, x):
        client = login(clerk_a)
        client.post(ack_url(x), ACK)
        client.post(print_url(x))

        html = login(auditor).get(reverse("auditlog:person", args=[x.public_id])).content.decode()

        assert "保護対象の詳細を印刷" in html
        assert ">印刷<" in html or "印刷</" in html
        assert ">printed<" not in html


class TestPrintingTheEndingNotice:
    """支援措置期間終了のお知らせ carries the resident's name and address: its print is recorded
    too, under the notice's own rules, and the letter's foot says who printed it and when."""

    def url(self, measure) -> str:
        return reverse("supportmeasures:print_ending_notice", kwargs={"ref": measure.ref})

    def test_prints_after_the_acknowledgement_with_the_printer_at_the_foot(
        self, login, clerk_a, x, x_measure
    ):
        client = login(clerk_a)
        client.post(ack_url(x), ACK)
        notice = client.get(reverse("supportmeasures:ending_notice", args=[x_measure.ref]))

        response = client.post(self.url(x_measure))

        html = response.content.decode()
        assert f'action="{self.url(x_measure)}"' in notice.content.decode()
        assert 'class="letter protected-on-screen"' in notice.content.decode()
        assert response.status_code == 200
        assert response["Cache-Control"] == "no-store"
        assert "横浜市鶴見区豊岡町20-1" in html
        assert f"印刷者: {clerk_a.full_name}（{clerk_a.username}） 印刷日時: 令和" in html
        assert "data-print-on-load" in html
        assert [(e.actor, e.person_public_id) for e in events(EventKind.DETAILS_PRINTED)] == [
            (clerk_a, x.public_id)
        ]

    def test_without_the_acknowledgement_goes_to_acknowledge_and_back_to_the_notice(
        self, login, clerk_a, x, x_measure
    ):
        response = login(clerk_a).post(self.url(x_measure))

        notice = reverse("supportmeasures:ending_notice", args=[x_measure.ref])
        assert response.status_code == 302
        assert response["Location"] == f"{ack_url(x)}?next={notice}"
        assert not events(EventKind.DETAILS_PRINTED)

    def test_another_ward_gets_a_404_and_a_link_prints_nothing(
        self, login, clerk_a, supervisor_b, x, x_measure
    ):
        client = login(clerk_a)
        client.post(ack_url(x), ACK)

        assert login(supervisor_b).post(self.url(x_measure)).status_code == 404
        assert client.get(self.url(x_measure)).status_code == 405
        assert not events(EventKind.DETAILS_PRINTED)

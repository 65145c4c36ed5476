"""Registering an application for someone already in the registry links to that person
(found by screening, confirmed by the clerk) instead of writing a second, unlinked record."""

from __future__ import annotations

import dataclasses
import datetime
import uuid

import pytest
from django.urls import reverse

from supportmeasures import actions, selectors
from supportmeasures.actions import Identity
from supportmeasures.models import EndReason, MeasureStatus, Person, SupportMeasure
from tests.conftest import X, Y

REGISTER = "supportmeasures:register"


def form(**overrides: str) -> dict[str, str]:
    """The application page's form: X applies again, against Y."""
    data = {
        "m-kind": "dv",
        "m-applied_on": "R8.11.1",
        "m-basis_kind": "consulting_body",
        "m-basis_body": "鶴見警察署",
        "m-restricts_inspection": "on",
        "m-restricts_resident_copies": "on",
        "m-restricts_koseki_attachment": "on",
        "p-name": "山崎 美咲",  # typed with the common 崎: the registry has 山﨑
        "p-kana": "やまさき みさき",
        "p-birth_date": "H2.5.12",
        "j-TOTAL_FORMS": "1",
        "j-INITIAL_FORMS": "0",
        "j-MIN_NUM_FORMS": "0",
        "j-MAX_NUM_FORMS": "10",
        "c-TOTAL_FORMS": "1",
        "c-INITIAL_FORMS": "0",
        "c-MIN_NUM_FORMS": "0",
        "c-MAX_NUM_FORMS": "10",
        "c-0-name": "石田 誠",
        "c-0-kana": "イシダ マコト",
    }
    data.update(overrides)
    return data


@pytest.fixture
def ended_x(x_measure, supervisor_a, now):
    """X's measure ended at her request: she is in the registry, protected by nothing."""
    return actions.end_measure(
        measure=x_measure,
        acting_user=supervisor_a,
        end_reason=EndReason.REQUESTED,
        reason="本人の申出",
        decided_at=now,
    )


def new_measure() -> SupportMeasure:
    return SupportMeasure.objects.order_by("-pk")[0]


class TestIdentityCandidates:
    def test_finds_a_person_whose_measure_ended_by_another_spelling(self, ended_x, x, today):
        found = selectors.identity_candidates(name="山崎 美咲", kana="", today=today)

        assert [p.pk for p in found] == [x.pk]

    def test_finds_by_resident_number_alone(self, register, clerk_a, today):
        register(clerk_a, protected=dataclasses.replace(X, resident_number="0000099"))

        found = selectors.identity_candidates(
            name="別名 太郎", kana="", resident_number="0000099", today=today
        )

        assert [p.name for p in found] == [X.name]

    def test_finds_nobody_for_an_unknown_name(self, x, today):
        assert selectors.identity_candidates(name="鈴木 一郎", kana="", today=today) == []


class TestRegisterApplicationLinks:
    def test_links_to_the_chosen_person_instead_of_a_second_record(
        self, register, clerk_a, ended_x, x
    ):
        again = register(
            clerk_a, protected=dataclasses.replace(X, identity=Identity(same_as=x.public_id))
        )

        assert again.parties.get(role="protected").person_id == x.pk
        assert Person.objects.filter(name=X.name).count() == 1

    def test_refuses_an_id_that_is_not_a_candidate_for_what_was_typed(
        self, register, clerk_a, ended_x, y
    ):
        # Y is in the registry, but not someone the name 山﨑 美咲 finds.
        with pytest.raises(actions.IdentityUnconfirmed):
            register(
                clerk_a, protected=dataclasses.replace(X, identity=Identity(same_as=y.public_id))
            )

        assert SupportMeasure.objects.count() == 1

    def test_refuses_an_unknown_id(self, register, clerk_a, ended_x):
        with pytest.raises(actions.IdentityUnconfirmed):
            register(
                clerk_a, protected=dataclasses.replace(X, identity=Identity(same_as=uuid.uuid4()))
            )

    def test_a_different_person_must_have_been_said_of_every_candidate(
        self, register, clerk_a, ended_x, x
    ):
        with pytest.raises(actions.IdentityUnconfirmed):
            register(clerk_a, protected=dataclasses.replace(X, identity=Identity()))

        different = dataclasses.replace(
            X, identity=Identity(different_from=frozenset({x.public_id}))
        )
        measure = register(clerk_a, protected=different)

        assert measure.parties.get(role="protected").person_id != x.pk

    def test_a_resident_number_already_registered_is_not_a_different_person(
        self, register, clerk_a, today
    ):
        numbered = dataclasses.replace(X, resident_number="0000099")
        register(clerk_a, protected=numbered)
        x = Person.objects.get(resident_number="0000099")

        with pytest.raises(actions.IdentityUnconfirmed):
            register(
                clerk_a,
                protected=dataclasses.replace(
                    numbered, identity=Identity(different_from=frozenset({x.public_id}))
                ),
            )


class TestRegisterApplicationPage:
    def test_asks_before_registering_someone_who_may_be_in_the_registry(
        self, login, clerk_a, ended_x, x
    ):
        response = login(clerk_a).post(reverse(REGISTER), form())

        assert response.status_code == 400
        body = response.content.decode()
        assert str(x.public_id) in body
        assert "p-identity" in body
        assert SupportMeasure.objects.count() == 1

    def test_the_same_person_chosen_links_the_new_application(self, login, clerk_a, ended_x, x):
        response = login(clerk_a).post(reverse(REGISTER), form(**{"p-identity": str(x.public_id)}))

        assert response.status_code == 302
        assert new_measure().parties.get(role="protected").person_id == x.pk
        assert new_measure().status == MeasureStatus.PROVISIONAL
        assert Person.objects.with_flags(datetime.date(2026, 12, 1)).get(pk=x.pk).is_protected

    def test_a_different_person_needs_the_confirmation(self, login, clerk_a, ended_x, x):
        client = login(clerk_a)
        seen = {"p-identity": "different", "p-identity_seen": str(x.public_id)}

        unconfirmed = client.post(reverse(REGISTER), form(**seen))
        confirmed = client.post(reverse(REGISTER), form(**seen, **{"p-confirm_different": "on"}))

        assert unconfirmed.status_code == 400
        assert confirmed.status_code == 302
        assert Person.objects.filter(birth_date=X.birth_date).count() == 2

    def test_a_different_person_said_of_no_one_seen_is_asked_again(
        self, login, clerk_a, ended_x, x
    ):
        data = form(**{"p-identity": "different", "p-confirm_different": "on"})

        response = login(clerk_a).post(reverse(REGISTER), data)

        assert response.status_code == 400
        assert SupportMeasure.objects.count() == 1

    def test_another_wards_person_chosen_is_refused_by_name_not_by_a_blank_number(
        self, login, clerk_b, x
    ):
        response = login(clerk_b).post(reverse(REGISTER), form(**{"p-identity": str(x.public_id)}))

        body = response.content.decode()
        assert response.status_code == 400
        assert "山崎 美咲: 選んだ方は他区の支援措置に登録されています。" in body
        assert "は他区の支援措置に登録されています" in body
        assert "宛名番号  は" not in body
        assert SupportMeasure.objects.count() == 1

    def test_an_id_typed_into_the_post_is_refused(self, login, clerk_a, ended_x, y):
        response = login(clerk_a).post(reverse(REGISTER), form(**{"p-identity": str(y.public_id)}))

        assert response.status_code == 400
        assert SupportMeasure.objects.count() == 1

    def test_a_counterparty_already_registered_is_linked_too(self, login, clerk_a, ended_x, y):
        data = form(
            **{
                "p-name": "田中 花子",
                "p-kana": "タナカ ハナコ",
                "p-birth_date": "",
                "c-0-name": Y.name,
                "c-0-kana": Y.kana,
                "c-0-identity": str(y.public_id),
            }
        )

        response = login(clerk_a).post(reverse(REGISTER), data)

        assert response.status_code == 302
        assert new_measure().parties.get(role="counterparty").person_id == y.pk

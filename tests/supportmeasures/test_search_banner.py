"""The search page's banner tells the strongest flag the page shows, in both languages."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from supportmeasures import actions
from supportmeasures.actions import PartyData, PersonData
from supportmeasures.models import Person
from supportmeasures.screening import Result
from supportmeasures.selectors import ScreenedPerson
from supportmeasures.views import search_banner

NOBODY_JA = ("台帳に一致する人はいません", "台帳に該当する人物はいません")
NOBODY_EN = ("No exact match in the registry", "Nobody in the registry matches")


def search(client, **params: str) -> str:
    response = client.get(reverse("supportmeasures:search"), params)
    assert response.status_code == 200
    return response.content.decode()


def in_english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def person(*, counterparty: bool = False, protected: bool = False) -> Person:
    found = Person(name="someone")
    found.is_counterparty, found.is_protected, found.has_lapsed_measure = (
        counterparty,
        protected,
        False,
    )
    return found


def screened(result: str, **flags: bool) -> ScreenedPerson:
    return ScreenedPerson(
        person=person(**flags), result=result, result_label="", reasons=[], measure_refs=[]
    )


@pytest.mark.django_db
class TestTheBannerOnThePage:
    def test_counterparties_in_the_partial_list_raise_the_counterparty_banner(
        self, login, clerk_b, x, y
    ):
        # 山﨑 alone is nobody's whole name: the screening is clear, the list shows X and Y.
        body = search(login(clerk_b), name="山﨑")

        assert y.get_absolute_url() in body
        assert "flag-banner--counterparty" in body
        assert "この画面に相手方が表示されています" in body
        assert not any(text in body for text in NOBODY_JA)

    def test_the_same_page_in_english(self, login, clerk_b, x, y):
        body = search(in_english(login(clerk_b)), name="山﨑")

        assert "A counterparty (相手方) is shown on this page: tell them nothing" in body
        assert not any(text in body for text in NOBODY_EN)

    def test_a_date_of_birth_alone_that_lists_a_counterparty_says_so(self, login, clerk_b, y):
        body = search(login(clerk_b), birth_date="1986-11-03")

        assert y.get_absolute_url() in body
        assert "flag-banner--counterparty" in body
        assert not any(text in body for text in NOBODY_JA)

    def test_protected_people_in_the_partial_list_raise_the_protected_banner(
        self, login, clerk_b, x
    ):
        body = search(login(clerk_b), name="美咲")

        assert x.get_absolute_url() in body
        assert "flag-banner--protected" in body
        assert "この画面に保護対象者が表示されています" in body
        assert not any(text in body for text in NOBODY_JA)

    def test_an_exact_counterparty_is_named_as_the_person_searched(self, login, clerk_b, y):
        ja = search(login(clerk_b), name="山崎 健一")
        en = search(in_english(login(clerk_b)), name="山崎 健一")

        assert "相手方：何も伝えないでください" in ja
        assert "この方は相手方として登録されています" in ja
        assert "Counterparty (相手方): tell them nothing" in en
        assert "This person is registered as a counterparty." in en

    def test_a_clear_page_with_no_rows_says_nobody_matches_and_promises_no_list(
        self, login, clerk_b, x
    ):
        ja = search(login(clerk_b), name="山田 太郎")
        en = search(in_english(login(clerk_b)), name="山田 太郎")

        assert all(text in ja for text in NOBODY_JA)
        assert "下に表示" not in ja
        assert "flag-banner" not in ja
        assert all(text in en for text in NOBODY_EN)
        assert "below" not in en

    def test_a_date_of_birth_alone_with_no_rows_says_nobody_matches(self, login, clerk_b, x):
        body = search(login(clerk_b), birth_date="2001-01-01")

        assert all(text in body for text in NOBODY_JA)

    def test_a_possible_match_of_a_counterparty_shows_the_counterparty_banner(
        self, login, clerk_b, register, clerk_a
    ):
        register(
            clerk_a,
            counterparties=[
                PartyData(person=PersonData(name="髙橋 健一", kana="タカハシ ケンイチ"))
            ],
        )

        ja = search(login(clerk_b), name="たかはし けんいち")
        en = search(in_english(login(clerk_b)), name="たかはし けんいち")

        # The row carries the 相手方 badge: the banner above it is never weaker.
        assert "flag-banner--counterparty" in ja
        assert "同一人物かどうかは確認できていません" in ja
        assert not any(text in ja for text in NOBODY_JA)
        assert "nothing confirms it is the same person" in en
        assert not any(text in en for text in NOBODY_EN)

    def test_a_possible_match_of_nobody_flagged_shows_the_possible_match_banner(self):
        banner = search_banner(screened=[screened(Result.POSSIBLE_MATCH)], others=[])

        assert banner.level == Result.POSSIBLE_MATCH
        assert "notice--warning" in banner.css

    def test_rows_whose_measures_all_ended_are_not_called_nobody(
        self, login, clerk_b, register, clerk_a, supervisor_a, now
    ):
        measure = register(clerk_a)
        actions.decide_measure(
            measure=measure,
            acting_user=supervisor_a,
            approve=False,
            starts_on=None,
            reason="要件を満たさない",
            decided_at=now,
        )

        ja = search(login(clerk_b), name="山﨑")
        en = search(in_english(login(clerk_b)), name="山﨑")

        assert "実施中の支援措置なし" in ja
        assert "表示された人に実施中の支援措置はありません" in ja
        assert not any(text in ja for text in NOBODY_JA)
        assert "Nobody shown has a support measure in force" in en
        assert "flag-banner" not in en


class TestTheBannerRule:
    def test_nothing_shown_is_nobody(self):
        banner = search_banner(screened=[], others=[])

        assert banner.level == Result.CLEAR
        assert "notice--info" in banner.css

    def test_a_counterparty_row_outranks_a_clear_screening(self):
        banner = search_banner(
            screened=[], others=[person(protected=True), person(counterparty=True)]
        )

        assert banner.level == Result.COUNTERPARTY
        assert "flag-banner--counterparty" in banner.css

    def test_joint_family_and_protected_rows_give_the_protected_banner(self):
        banner = search_banner(screened=[], others=[person(protected=True), person()])

        assert banner.level == Result.PROTECTED

    def test_a_possible_match_of_a_counterparty_raises_the_banner_and_says_so(self):
        banner = search_banner(
            screened=[screened(Result.POSSIBLE_MATCH, counterparty=True)], others=[person()]
        )

        assert banner.level == Result.COUNTERPARTY
        assert len(banner.paragraphs) == 2  # the listed-counterparty text, then the possible note

    def test_a_weaker_screening_verdict_is_still_said_under_a_stronger_banner(self):
        with_possible = search_banner(
            screened=[screened(Result.POSSIBLE_MATCH)], others=[person(counterparty=True)]
        )
        with_protected = search_banner(
            screened=[screened(Result.PROTECTED, protected=True)],
            others=[person(counterparty=True)],
        )

        assert with_possible.level == with_protected.level == Result.COUNTERPARTY
        assert len(with_possible.paragraphs) == len(with_protected.paragraphs) == 2

    def test_an_exact_verdict_at_the_top_needs_no_note(self):
        banner = search_banner(
            screened=[screened(Result.COUNTERPARTY, counterparty=True)],
            others=[person(counterparty=True)],
        )

        assert banner.level == Result.COUNTERPARTY
        assert len(banner.paragraphs) == 1


@pytest.mark.django_db
class TestASurnameTypedLoosely:
    @pytest.mark.parametrize("typed", ["やまざき", "ヤマザキ", "Yamasaki"])
    def test_finds_the_registered_people_under_the_counterparty_banner(
        self, typed, login, clerk_b, x, y
    ):
        body = search(login(clerk_b), name=typed)

        assert "山﨑 健一" in body and "山﨑 美咲" in body
        assert "flag-banner--counterparty" in body
        assert not any(text in body for text in NOBODY_JA)

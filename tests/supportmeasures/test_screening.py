from __future__ import annotations

import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditlog.models import AuditEvent, EventKind
from supportmeasures import actions
from supportmeasures.actions import PartyData, PersonData
from supportmeasures.models import AliasKind, EndReason, Role
from supportmeasures.screening import Query, Reason, Result, screen, screen_many

pytestmark = pytest.mark.django_db

TAKAHASHI = PersonData(
    name="髙橋 健一", kana="タカハシ ケンイチ", birth_date=datetime.date(1985, 11, 3), sex="M"
)
PARK = PersonData(
    name="PARK JUNHO",
    kana="パク ジュンホ",
    birth_date=datetime.date(1990, 1, 2),
    aliases=[(AliasKind.SPELLING, "朴 俊浩")],
)
WATANABE = PersonData(
    name="渡邉 さくら",
    kana="ワタナベ サクラ",
    birth_date=datetime.date(1988, 4, 1),
    aliases=[(AliasKind.FORMER, "佐々木 さくら")],
)
OHNO = PersonData(name="大野 浩二", kana="オオノ コウジ", birth_date=None)


@pytest.fixture
def registry(register, decide, clerk_a, supervisor_a):
    """Watanabe protected (with a child) from Takahashi and Park; Ohno a counterparty with no
    date of birth in another measure."""
    child = PartyData(
        person=PersonData(
            name="渡邉 陽太", kana="ワタナベ ヨウタ", birth_date=datetime.date(2018, 8, 20)
        ),
        relationship="子",
    )
    main = decide(
        register(
            clerk_a,
            protected=WATANABE,
            joint=[child],
            counterparties=[
                PartyData(person=TAKAHASHI, relationship="元夫"),
                PartyData(person=PARK, relationship="元交際相手"),
            ],
        ),
        supervisor_a,
    )
    other = register(
        clerk_a, protected=PersonData(name="鈴木 花子"), counterparties=[PartyData(person=OHNO)]
    )
    return main, other


class TestMatchingRules:
    def test_a_full_name_with_agreeing_dates_is_a_match_for_the_role(self, registry):
        found = screen(Query(name="髙橋 健一", birth_date=datetime.date(1985, 11, 3)))

        assert found.result == Result.COUNTERPARTY
        assert found.matches[0].reasons == (Reason.NAME, Reason.BIRTH_DATE_AGREES)

    def test_a_full_name_with_no_date_on_one_side_is_a_match(self, registry):
        assert screen(Query(name="髙橋健一")).result == Result.COUNTERPARTY
        assert (
            screen(Query(name="大野 浩二", birth_date=datetime.date(1970, 1, 1))).result
            == Result.COUNTERPARTY
        )

    def test_a_full_name_with_disagreeing_dates_is_a_possible_match(self, registry):
        found = screen(Query(name="高橋 健一", birth_date=datetime.date(1985, 11, 4)))

        assert found.result == Result.POSSIBLE_MATCH
        assert Reason.BIRTH_DATE_DIFFERS in found.matches[0].reasons

    def test_a_reading_with_agreeing_dates_is_a_match(self, registry):
        found = screen(Query(kana="たかはし けんいち", birth_date=datetime.date(1985, 11, 3)))

        assert found.result == Result.COUNTERPARTY
        assert Reason.READING in found.matches[0].reasons

    def test_a_reading_without_an_agreeing_date_is_a_possible_match(self, registry):
        assert screen(Query(kana="タカハシケンイチ")).result == Result.POSSIBLE_MATCH
        assert (
            screen(Query(kana="タカハシケンイチ", birth_date=datetime.date(2000, 1, 1))).result
            == Result.POSSIBLE_MATCH
        )

    def test_aliases_and_former_names_match(self, registry):
        assert screen(Query(name="朴俊浩")).result == Result.COUNTERPARTY
        assert screen(Query(name="佐々木 さくら")).result == Result.PROTECTED
        assert screen(Query(name="佐佐木さくら")).matches[0].reasons[0] == Reason.ALIAS

    def test_joint_family_is_protected(self, registry):
        found = screen(Query(name="渡辺 陽太", birth_date=datetime.date(2018, 8, 20)))

        assert (found.result, found.matches[0].role) == (Result.PROTECTED, "joint")

    def test_nobody_is_clear(self, registry):
        found = screen(Query(name="山田 太郎", kana="ヤマダ タロウ"))

        assert (found.result, found.matches) == (Result.CLEAR, [])

    def test_a_provisional_measure_already_counts(self, registry):
        assert screen(Query(name="大野浩二")).result == Result.COUNTERPARTY

    def test_an_ended_measure_no_longer_counts(self, registry, supervisor_a, now):
        main, _ = registry
        actions.end_measure(
            measure=main,
            acting_user=supervisor_a,
            end_reason=EndReason.REQUESTED,
            reason="本人の申出",
            decided_at=now,
        )

        assert screen(Query(name="髙橋 健一")).result == Result.CLEAR

    def test_a_lapsed_measure_still_counts(self, register, decide, clerk_a, supervisor_a):
        decide(
            register(clerk_a, protected=WATANABE, counterparties=[PartyData(person=TAKAHASHI)]),
            supervisor_a,
            starts_on=datetime.date(2023, 1, 1),
        )

        assert screen(Query(name="高橋健一")).result == Result.COUNTERPARTY

    def test_protected_in_one_measure_and_counterparty_in_another_is_a_counterparty(
        self, registry, register, make_staff, ward_b
    ):
        clerk = make_staff(ward_b, Role.CLERK)
        register(
            clerk, protected=TAKAHASHI, counterparties=[PartyData(person=PersonData(name="某"))]
        )

        found = screen(Query(name="髙橋 健一", birth_date=datetime.date(1985, 11, 3)))

        assert found.result == Result.COUNTERPARTY
        assert {m.result for m in found.matches} == {Result.COUNTERPARTY, Result.PROTECTED}

    def test_a_batch_answers_each_entry_in_order(self, registry):
        results = screen_many(
            [
                Query(name="山田 太郎"),
                Query(name="高橋健一"),
                Query(kana="わたなべ さくら", birth_date=datetime.date(1988, 4, 1)),
            ]
        )

        assert [r.result for r in results] == [Result.CLEAR, Result.COUNTERPARTY, Result.PROTECTED]

    def test_the_incident_spellings(self, registry):
        for query in [
            Query(name="PARK JUNHO"),
            Query(name="park junho"),
            Query(name="ＰＡＲＫ　ＪＵＮＨＯ"),
            Query(name="パク ジュンホ", birth_date=datetime.date(1990, 1, 2)),
            Query(kana="ﾊﾟｸ ｼﾞｭﾝﾎ", birth_date=datetime.date(1990, 1, 2)),
        ]:
            assert screen(query).result == Result.COUNTERPARTY, query


class TestScreenPeopleAction:
    def test_a_hit_is_an_audit_event_under_the_owning_ward(self, registry, clerk_b, now):
        ((screening_id, found),) = actions.screen_people(
            queries=[Query(name="高橋 健一")],
            purpose="照会への回答",
            screened_at=now,
            acting_user=clerk_b,
        )

        events = list(AuditEvent.objects.filter(kind=EventKind.SCREENING_HIT))
        assert [(e.actor, e.ward_code, e.decision, e.reason) for e in events] == [
            (clerk_b, "141011", Result.COUNTERPARTY, "照会への回答")
        ]
        assert events[0].data["screening_id"] == screening_id
        assert found.result == Result.COUNTERPARTY

    def test_a_clear_screening_leaves_no_event(self, registry, clerk_b, now):
        before = AuditEvent.objects.count()

        actions.screen_people(
            queries=[Query(name="山田 太郎")], purpose="x", screened_at=now, acting_user=clerk_b
        )

        assert AuditEvent.objects.count() == before


# Ways the same registered person is really written down: scripts, widths, spaces,
# old kanji, long vowels, era dates.
NAME_SPELLINGS = st.sampled_from(
    ["髙橋 健一", "高橋 健一", "高橋健一", "髙橋　健一", "高橋　 健一"]
)
KANA_SPELLINGS = st.sampled_from(
    [
        "タカハシ ケンイチ",
        "たかはし けんいち",
        "ﾀｶﾊｼ ｹﾝｲﾁ",
        "タカハシケンイチ",
        "たかはし　けんいち",
        "タカハシ・ケンイチ",
    ]
)
DATE_SPELLINGS = st.sampled_from(
    [
        "1985-11-03",
        "昭和60年11月3日",
        "S60.11.3",
        "s60/11/03",
        "Ｓ６０．１１．３",
        "1985/11/3",
        "19851103",
    ]
)


class TestPropertyAnySpellingFindsTheCounterparty:
    @settings(
        max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(
        name=NAME_SPELLINGS,
        kana=KANA_SPELLINGS,
        date=DATE_SPELLINGS,
        use=st.sampled_from(["name", "kana", "both"]),
    )
    def test_screening_finds_him_however_he_is_written(self, registry, name, kana, date, use):
        from supportmeasures.wareki import parse_date

        query = Query(
            name=name if use != "kana" else "",
            kana=kana if use != "name" else "",
            birth_date=parse_date(date),
        )

        assert screen(query).result == Result.COUNTERPARTY

    @settings(
        max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(
        reading=st.sampled_from(
            [
                "オオノ コウジ",
                "オーノ コージ",
                "おうの こうじ",
                "ｵｰﾉ ｺｰｼﾞ",
                "オオノ コオジ",
                "おおの こーじ",
            ]
        )
    )
    def test_long_vowel_spellings_find_the_same_reading(self, registry, reading):
        found = screen(Query(kana=reading))

        assert found.result == Result.POSSIBLE_MATCH  # reading alone, no date: check first
        assert found.matches[0].person_name == "大野 浩二"


class TestKeysThatAreEmpty:
    def test_a_name_without_a_reading_does_not_match_everyone_without_one(self, registry):
        # 鈴木 花子 and 大野 浩二's measure partner have no reading: an empty key is no key.
        found = screen(Query(name="全く別の人"))

        assert (found.result, found.matches) == (Result.CLEAR, [])

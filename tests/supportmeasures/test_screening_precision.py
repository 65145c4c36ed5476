"""Precision: loose keys must not flag everyone. An alert that fires on common names gets
clicked past, which is how the original flag was missed.

A registry of 240 measures (720 people, plus the incident's cast) whose names come from the
same common surnames as a mailing list of 3,000 unrelated residents, with other given names;
at least 99.5% of the mailing list must stay clear. The figure is printed (pytest -s) and
recorded in docs/screening.md.
"""

from __future__ import annotations

import datetime
import random

import pytest
from django.utils import timezone
from jaconv import kata2alphabet

from supportmeasures.models import (
    MeasureParty,
    MeasureSource,
    MeasureStatus,
    Person,
    PersonAlias,
    SupportMeasure,
)
from supportmeasures.names import romaji_to_kana
from supportmeasures.screening import Query, Result, screen_many

pytestmark = pytest.mark.django_db

# The most common surnames (with old forms and the confusable 斉藤/斎藤, 大野/小野).
SURNAMES = [
    ("佐藤", "サトウ", "Sato"), ("鈴木", "スズキ", "Suzuki"), ("高橋", "タカハシ", "Takahashi"),
    ("田中", "タナカ", "Tanaka"), ("伊藤", "イトウ", "Ito"), ("渡辺", "ワタナベ", "Watanabe"),
    ("山本", "ヤマモト", "Yamamoto"), ("中村", "ナカムラ", "Nakamura"),
    ("小林", "コバヤシ", "Kobayashi"), ("加藤", "カトウ", "Kato"), ("吉田", "ヨシダ", "Yoshida"),
    ("山田", "ヤマダ", "Yamada"), ("佐々木", "ササキ", "Sasaki"), ("山口", "ヤマグチ", "Yamaguchi"),
    ("松本", "マツモト", "Matsumoto"), ("井上", "イノウエ", "Inoue"), ("木村", "キムラ", "Kimura"),
    ("林", "ハヤシ", "Hayashi"), ("斎藤", "サイトウ", "Saito"), ("清水", "シミズ", "Shimizu"),
    ("山崎", "ヤマザキ", "Yamazaki"), ("森", "モリ", "Mori"), ("池田", "イケダ", "Ikeda"),
    ("橋本", "ハシモト", "Hashimoto"), ("阿部", "アベ", "Abe"), ("石川", "イシカワ", "Ishikawa"),
    ("斉藤", "サイトウ", "Saito"), ("大野", "オオノ", "Ono"), ("小野", "オノ", "Ono"),
    ("髙橋", "タカハシ", "Takahashi"), ("渡邉", "ワタナベ", "Watanabe"), ("近藤", "コンドウ", "Kondo"),
    ("後藤", "ゴトウ", "Goto"), ("遠藤", "エンドウ", "Endo"), ("工藤", "クドウ", "Kudo"),
]  # fmt: skip
# Given names of registered people, and different ones for the mailing list.
REGISTERED_GIVEN = [
    ("健一", "ケンイチ"), ("美咲", "ミサキ"), ("浩二", "コウジ"), ("恭子", "キョウコ"),
    ("修", "オサム"), ("順也", "ジュンヤ"), ("由美", "ユミ"), ("翔太", "ショウタ"),
    ("直樹", "ナオキ"), ("智子", "トモコ"), ("達也", "タツヤ"), ("明美", "アケミ"),
    ("大輔", "ダイスケ"), ("真理", "マリ"), ("剛", "ツヨシ"), ("恵子", "ケイコ"),
    ("拓也", "タクヤ"), ("陽子", "ヨウコ"), ("誠", "マコト"), ("和子", "カズコ"),
]  # fmt: skip
MAILING_GIVEN = [
    ("太郎", "タロウ"), ("花子", "ハナコ"), ("一郎", "イチロウ"), ("次郎", "ジロウ"),
    ("さくら", "サクラ"), ("蓮", "レン"), ("陽翔", "ハルト"), ("結衣", "ユイ"), ("美穂", "ミホ"),
    ("隆", "タカシ"), ("学", "マナブ"), ("聡", "サトシ"), ("舞", "マイ"), ("愛", "アイ"),
    ("彩", "アヤ"), ("亮", "リョウ"), ("颯太", "ソウタ"), ("悠斗", "ユウト"), ("香織", "カオリ"),
    ("裕子", "ユウコ"), ("浩", "ヒロシ"), ("清", "キヨシ"), ("勇気", "ユウキ"), ("千尋", "チヒロ"),
    ("純一", "ジュンイチ"), ("雅人", "マサト"), ("恵美", "エミ"), ("直美", "ナオミ"),
    ("光", "ヒカル"), ("大和", "ヤマト"),
]  # fmt: skip

MEASURES = 240
MAILING_LIST = 3000


def _born(rng: random.Random) -> datetime.date:
    return datetime.date(1940, 1, 1) + datetime.timedelta(days=rng.randrange(30_000))


def _romaji(kana: str) -> str:
    """A crude Hepburn spelling of a reading, enough for a mailing list in Latin letters."""
    return kata2alphabet(kana).capitalize()


@pytest.fixture
def common_registry(register, decide, clerk_a, supervisor_a, ward_a) -> int:
    decide(register(clerk_a), supervisor_a)  # the incident's 山﨑 美咲 and 山﨑 健一
    rng = random.Random(20261206)
    now = timezone.now()
    people = 2
    for i in range(MEASURES):
        measure = SupportMeasure.objects.create(
            ref=f"P-{i:04d}",
            kind="dv",
            owning_ward=ward_a,
            status=MeasureStatus.ACTIVE,
            source=MeasureSource.IMPORTED,
            basis_kind="consulting_body",
            basis_body="precision",
            restricts_inspection=True,
            restricts_resident_copies=True,
            restricts_koseki_attachment=True,
            applied_on=now.date(),
            starts_on=now.date(),
            ends_on=now.date() + datetime.timedelta(days=364),
            registered_at=now,
        )
        for role in ("protected", "joint", "counterparty"):
            surname, surname_kana, _ = rng.choice(SURNAMES)
            given, given_kana = rng.choice(REGISTERED_GIVEN)
            person = Person(
                name=f"{surname} {given}",
                kana=f"{surname_kana} {given_kana}",
                birth_date=_born(rng),
                created_at=now,
            )
            person.save()
            MeasureParty.objects.create(measure=measure, person=person, role=role)
            if role == "counterparty" and i % 4 == 0:  # a former name, as registries hold
                other = rng.choice(SURNAMES)[0]
                PersonAlias.objects.create(person=person, kind="former", name=f"{other} {given}")
            people += 1
    return people


def mailing_list(rng: random.Random) -> list[Query]:
    """Unrelated residents written as mailing lists write them: mostly kanji with the reading,
    some without a reading, some readings without a space, some in romaji given name first."""
    queries = []
    for i in range(MAILING_LIST):
        surname, surname_kana, surname_romaji = rng.choice(SURNAMES)
        given, given_kana = rng.choice(MAILING_GIVEN)
        born = _born(rng)
        shape = i % 20
        if shape < 14:
            queries.append(Query(f"{surname} {given}", f"{surname_kana} {given_kana}", born))
        elif shape < 17:
            queries.append(Query(name=f"{surname}{given}", birth_date=born))
        elif shape < 19:
            queries.append(Query(kana=f"{surname_kana}{given_kana}", birth_date=born))
        else:
            name = f"{_romaji(given_kana)} {surname_romaji}"
            assert romaji_to_kana(name.split()[0]), name
            queries.append(Query(name=name, birth_date=born))
    return queries


class TestPrecisionOnCommonNames:
    def test_unrelated_residents_with_common_names_stay_clear(self, common_registry):
        queries = mailing_list(random.Random(7))

        results = screen_many(queries)

        flagged = [(q, r) for q, r in zip(queries, results, strict=True) if not r.is_clear]
        clear_share = 1 - len(flagged) / len(queries)
        print(
            f"\nprecision: {len(queries)} unrelated entries against {common_registry} "
            f"registered people: {clear_share:.2%} clear, {len(flagged)} flagged"
        )
        for query, result in flagged[:20]:
            print(" ", query.name, query.kana, result.result, result.matches[0].person_name,
                  result.matches[0].reasons)  # fmt: skip
        assert clear_share >= 0.995

    def test_none_of_them_is_flagged_as_a_certain_hit(self, common_registry):
        results = screen_many(mailing_list(random.Random(8)))

        assert {r.result for r in results} <= {Result.CLEAR, Result.POSSIBLE_MATCH}

"""The disclosure guard (inquiries/guard.py): pure functions, no database."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from inquiries import guard
from inquiries.models import DisclosureCategory

CORPUS = tomllib.loads(
    (Path(guard.__file__).parent / "data" / "guard_corpus.toml").read_text(encoding="utf-8")
)
YOKOHAMA = ["鶴見", "神奈川", "西", "中", "南", "港南", "保土ケ谷", "旭", "磯子", "金沢", "港北",
            "緑", "青葉", "都筑", "戸塚", "栄", "泉", "瀬谷"]  # fmt: skip
OFFICES = [f"{w}区" for w in YOKOHAMA] + [f"{w}区役所" for w in YOKOHAMA]
OWN = ["神奈川区", "神奈川区役所"]
X = ["山﨑 美咲", "山崎 みさき"]
# What a plan that reveals nothing ticks (the corpus's setting).
PLAIN = ["identity", "application", "dates", "amounts", "documents"]


def found(
    words: str,
    categories: list[str] = PLAIN,
    *,
    protected_names: list[str] = X,
    own_identity_allowed: bool = True,
) -> list[guard.Finding]:
    """The guard as 神奈川区 calls it about X (the corpus's setting)."""
    return guard.check(
        words,
        categories,
        OFFICES,
        protected_names=protected_names,
        own_office_names=OWN,
        own_identity_allowed=own_identity_allowed,
    )


def pairs(words: str, **options: Any) -> set[tuple[str, str]]:
    return {(f.kind, f.text) for f in found(words, **options)}


class TestTheCorpus:
    def test_is_big_enough_to_mean_something(self):
        assert len(CORPUS["ordinary"]) >= 80
        assert len(CORPUS["revealing"]) >= 40
        assert {r["kind"] for r in CORPUS["revealing"]} >= set(guard.KIND_LABELS) - {"category"}

    def test_every_revealing_sentence_is_caught_and_ordinary_wording_stays_clear(self, capsys):
        missed = [
            r["text"]
            for r in CORPUS["revealing"]
            if r["kind"] not in {f.kind for f in found(r["text"])}
        ]
        alarms = {s: [(f.kind, f.text) for f in found(s)] for s in CORPUS["ordinary"]}
        alarms = {s: a for s, a in alarms.items() if a}
        recall = 1 - len(missed) / len(CORPUS["revealing"])
        false_positive_rate = len(alarms) / len(CORPUS["ordinary"])
        with capsys.disabled():
            print(
                f"\nguard: recall {recall:.1%} on {len(CORPUS['revealing'])} revealing sentences,"
                f" false positives {false_positive_rate:.1%} on {len(CORPUS['ordinary'])} ordinary"
            )

        assert missed == []
        assert false_positive_rate <= 0.05, alarms


class TestWhatRevealsALocation:
    @pytest.mark.parametrize(
        "words, kind, text",
        [
            ("Xさんが先ほど鶴見区役所に来庁されました", "office", "鶴見区役所"),
            ("Xさんが先ほど鶴見区役所に来庁されました", "visit", "来庁されました"),
            ("横浜市鶴見区豊岡町20-1にお住まいです", "place", "横浜市鶴見区豊岡町"),
            ("横浜市鶴見区豊岡町20-1にお住まいです", "address", "20-1"),
            ("折り返しは045-000-1234へ", "phone", "045-000-1234"),
            ("〒230-0062 宛に送ります", "postcode", "〒230-0062"),
            ("豊岡小学校に通っています", "school_work", "豊岡小学校"),
            ("昨日、窓口に相談に来られました", "visit", "窓口に"),
            ("別の区から問い合わせがありました", "other_office", "別の区"),
            ("よその区で手続きされたようです", "other_office", "よその区"),
            ("鶴見駅の近くで見かけました", "landmark", "鶴見駅"),
            ("生麦駅前のバス停で", "landmark", "生麦駅前"),
            ("横浜駅西口で待っていました", "landmark", "横浜駅西口"),
        ],
    )
    def test_is_found_where_it_is(self, words, kind, text):
        assert (kind, text) in pairs(words)

    @pytest.mark.parametrize(
        "words, text",
        [
            ("つるみくやくしょから連絡がありました", "つるみくやくしょ"),
            ("ツルミクヤクショの者です", "ツルミクヤクショ"),
            ("今はつるみくに住んでいます", "つるみく"),
            ("ツルミクのほうで把握しています", "ツルミク"),
        ],
    )
    def test_a_ward_written_in_kana_is_found_by_its_reading(self, words, text):
        assert ("office", text) in pairs(words)

    @pytest.mark.parametrize("words", ["おなかくだしです", "みなみくんの児童手当です"])
    def test_a_ward_reading_inside_another_word_is_not_a_ward(self, words):
        offices = ["中区", "南区"]

        assert guard.check(words, [], offices) == []

    def test_the_ward_names_readings_are_computed_once(self):
        guard.reading.cache_clear()
        for _ in range(3):
            guard.check("つるみくやくしょです", [], OFFICES)

        assert guard.reading.cache_info().misses <= len(OFFICES)

    def test_positions_point_into_the_normalised_wording(self):
        words = "ｼｪﾙﾀｰ　鶴見駅前　ﾂﾙﾐｸ"  # half-width kana and ideographic spaces

        text = guard.normalise(words)
        for finding in found(words):
            assert text[finding.start : finding.end] == finding.text
        assert {f.kind for f in found(words)} == {"landmark", "office"}


class TestTheProtectedPersonsName:
    @pytest.mark.parametrize(
        "words, text",
        [
            ("山崎美咲さんの件です", "山崎美咲"),
            ("山﨑　美咲様の件です", "山﨑 美咲"),
            ("髙橋由美さんの件です", "髙橋由美"),
            ("やまさき みさきさんの書類です", "やまさき みさき"),
            ("ヤマザキミサキさんの書類です", "ヤマザキミサキ"),
            ("山崎ミサキさんの書類です", "山崎ミサキ"),
        ],
    )
    def test_the_full_name_is_found_however_it_is_written(self, words, text):
        names = [*X, "髙橋 由美"]

        assert ("person_name", text) in pairs(words, protected_names=names)

    @pytest.mark.parametrize("words", ["美咲さんはお元気ですよ", "みさきちゃんの保育料です"])
    def test_the_given_name_with_an_honorific_is_found(self, words):
        assert "person_name" in {f.kind for f in found(words)}

    @pytest.mark.parametrize(
        "words", ["山崎様ご本人に書類をお送りします", "山崎健一さんの保険料です", "美咲という字は"]
    )
    def test_the_surname_alone_or_the_given_name_alone_is_not(self, words):
        assert found(words) == []

    def test_a_name_without_a_space_is_split_by_the_dictionary(self):
        assert ("person_name", "みさきさん") in pairs(
            "みさきさんの件です", protected_names=["山﨑美咲"]
        )

    def test_is_not_a_location(self):
        assert not guard.is_location("person_name")
        assert all(guard.is_location(kind) for kind in guard.KIND_LABELS if kind != "person_name")
        assert "category" in guard.LOCATION_KINDS


class TestOwnIdentity:
    INTRODUCTION = "神奈川区役所保険年金課の神奈川と申します"

    def test_is_not_a_disclosure_when_allowed_and_ticked(self):
        assert found(self.INTRODUCTION) == []

    def test_is_a_finding_when_the_acting_ward_holds_a_measure_of_the_person(self):
        kinds = {f.kind for f in found(self.INTRODUCTION, own_identity_allowed=False)}

        assert "office" in kinds

    def test_is_a_finding_when_identity_is_not_ticked(self):
        assert found(self.INTRODUCTION, categories=["documents"]) != []

    def test_another_wards_introduction_is_still_a_finding(self):
        assert ("office", "鶴見区役所") in pairs("鶴見区役所の者です")

    def test_excuses_nothing_else_in_the_same_wording(self):
        words = "神奈川区役所の者です。Xさんは鶴見区に住んでいて、昨日来庁されました"

        kinds = {f.kind for f in found(words)}

        assert {"office", "visit"} <= kinds
        assert ("office", "神奈川区役所") not in pairs(words)

    def test_the_own_ward_said_as_where_someone_lives_is_still_a_finding(self):
        assert ("office", "神奈川区") in pairs("Xさんは神奈川区のハイツにお住まいです")

    def test_a_revealing_category_is_still_a_finding(self):
        kinds = [f.kind for f in found(self.INTRODUCTION, categories=["identity", "location"])]

        assert kinds == ["category"]


class TestOrdinaryWording:
    @pytest.mark.parametrize(
        "words",
        [
            "書類がお手元に届くまで2-3日かかります",
            "受付時間は平日8:45-17:00です",
            "2026-11-27までにご提出ください",
            "国民年金の第1号被保険者の方",
            "勤務先の健康保険証の写しをお送りください",
            "ご来庁の際は本人確認書類をお持ちください",
            "各市区町村の窓口でお手続きください",
            "病院の領収書をご返送ください",
        ],
    )
    def test_that_looks_like_a_location_is_not_one(self, words):
        assert guard.check(words, ["documents"], OFFICES) == []


class TestCompatibility:
    def test_the_three_positional_arguments_still_work(self):
        found = guard.check("Xさんが先ほどA区役所に来庁されました", [], ["鶴見区"])

        assert [(f.kind, f.text) for f in found] == [
            ("office", "A区役所"),
            ("visit", "来庁されました"),
        ]

    def test_revealing_categories_are_findings(self):
        found = guard.check("書類を送ります", [DisclosureCategory.LOCATION], [])

        assert [(f.kind, f.start, f.end) for f in found] == [("category", -1, -1)]

    def test_every_kind_has_a_label_and_findings_serialise(self):
        finding = guard.Finding("landmark", "鶴見駅", 0, 3)

        assert finding.label == str(guard.KIND_LABELS["landmark"])
        assert finding.as_dict() == {"kind": "landmark", "text": "鶴見駅", "start": 0, "end": 3}

    def test_highlight_cuts_the_wording_at_the_findings(self):
        words = "Xさんが鶴見駅で見かけられました"
        findings = [f.as_dict() for f in guard.check(words, ["location"], [])]

        assert guard.highlight(words, findings) == [
            ("Xさんが", ""),
            ("鶴見駅", "landmark"),
            ("で", ""),
            ("見かけ", "visit"),
            ("られました", ""),
        ]


class TestLongWording:
    def test_four_thousand_characters_of_mixed_text_are_checked(self):
        piece = (
            "神奈川区役所保険年金課の神奈川と申します。保険料は12,300円、2-3日で届きます。"
            "ｱｲｳｴｵ　abc 123-4567 〒230-0062 ああああああああ漢字漢字漢字漢字ーーーー"
            "鶴見駅前でやまさきみさきさんを見かけました。" + "区" * 40 + "1-" * 20
        )
        words = (piece * (4000 // len(piece) + 1))[:4000]

        findings = found(words)

        assert len(words) == 4000
        assert {"landmark", "person_name", "postcode", "visit"} <= {f.kind for f in findings}

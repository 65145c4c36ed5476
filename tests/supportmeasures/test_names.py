import csv
import unicodedata
from pathlib import Path

import pytest

from supportmeasures import names
from supportmeasures.names import (
    CONFUSABLE_KANJI,
    KANJI_VARIANTS,
    KeyKind,
    QueryKey,
    confusable_key,
    kana_key,
    loose_reading_key,
    name_key,
    query_match_keys,
    registry_match_keys,
    romaji_to_kana,
)


class TestNameKey:
    @pytest.mark.parametrize(
        "text",
        [
            "高橋太郎",
            "高橋 太郎",
            "高橋　太郎",
            " 高橋\t太郎 ",
            "髙橋太郎",
            "髙橋　太郎",
            "高橋・太郎",
        ],
    )
    def test_ignores_spaces_dots_and_old_kanji(self, text: str) -> None:
        assert name_key(text) == "高橋太郎"

    @pytest.mark.parametrize(
        "text", ["PARK JUNHO", "Park Junho", "park  junho", "Ｐａｒｋ　Ｊｕｎｈｏ"]
    )
    def test_folds_the_case_and_width_of_latin_names(self, text: str) -> None:
        assert name_key(text) == "parkjunho"

    def test_keeps_word_order(self) -> None:
        assert name_key("Junho Park") != name_key("Park Junho")

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("Smith, John", "smithjohn"),
            ("J. Smith", "jsmith"),
            ("José", "jose"),
            ("NGUYỄN Văn Đức", "nguyenvanduc"),
            ("Jean-Pierre", "jean-pierre"),
            ("MÜLLER", "muller"),
        ],
    )
    def test_drops_commas_periods_and_accents_but_keeps_latin_hyphens(
        self, text: str, expected: str
    ) -> None:
        assert name_key(text) == expected

    @pytest.mark.parametrize("text", ["さくら", "サクラ", "ｻｸﾗ", "さ く ら"])
    def test_writes_kana_names_in_full_width_katakana(self, text: str) -> None:
        assert name_key(text) == "サクラ"

    @pytest.mark.parametrize(
        "text",
        ["ジョン・スミス", "ジョン･スミス", "ジョン＝スミス", "ジョン スミス", "じょん すみす"],
    )
    def test_drops_separators_in_foreign_names_written_in_kana(self, text: str) -> None:
        assert name_key(text) == "ジョンスミス"

    @pytest.mark.parametrize("text", ["ジョージ", "ジョ-ジ", "ジョ－ジ", "ジョ−ジ", "ｼﾞｮｰｼﾞ"])
    def test_reads_a_dash_after_kana_as_the_long_mark(self, text: str) -> None:
        assert name_key(text) == "ジョージ"

    def test_does_not_unify_long_vowels(self) -> None:
        assert name_key("ジョージ") != name_key("ジョウジ")

    @pytest.mark.parametrize(
        ("variant", "common"),
        [
            ("髙田", "高田"),
            ("山﨑", "山崎"),
            ("山嵜", "山崎"),
            ("渡邊", "渡辺"),
            ("渡邉", "渡辺"),
            ("齋藤", "斎藤"),
            ("齊藤", "斉藤"),
            ("濵田", "浜田"),
            ("濱田", "浜田"),
            ("澤田", "沢田"),
            ("櫻井", "桜井"),
            ("廣瀬", "広瀬"),
            ("國本", "国本"),
            ("德永", "徳永"),
            ("惠子", "恵子"),
            ("眞理", "真理"),
            ("槇原", "槙原"),
            ("冨田", "富田"),
            ("曾根", "曽根"),
            ("瀧本", "滝本"),
            ("龍之介", "竜之介"),
            ("嶋田", "島田"),
            ("小嶌", "小島"),
            ("峯岸", "峰岸"),
            ("舘野", "館野"),
            ("𠮷田", "吉田"),
            ("𣘺本", "橋本"),
            ("關口", "関口"),
            ("彌生", "弥生"),
            ("寳田", "宝田"),
            ("寶田", "宝田"),
        ],
    )
    def test_folds_variant_kanji_to_the_common_form(self, variant: str, common: str) -> None:
        assert name_key(variant) == common

    def test_keeps_sai_and_sei_apart(self) -> None:
        # 斎藤 and 斉藤 are different surnames, not variants of one another.
        assert name_key("齋藤") != name_key("齊藤")
        assert name_key("斎藤") != name_key("斉藤")

    @pytest.mark.parametrize(
        ("compat", "common"), [("\ufa10", "塚"), ("\ufa4f", "祐"), ("\ufa1b", "福")]
    )
    def test_folds_compatibility_ideographs_through_nfkc(self, compat: str, common: str) -> None:
        assert name_key(compat) == common

    def test_ignores_ideographic_variation_selectors(self) -> None:
        # 辻 with two dots is U+8FBB followed by a variation selector.
        assert name_key("\u8fbb\U000e0101本") == "辻本"
        assert name_key("葛\U000e0100西") == "葛西"

    def test_ignores_zero_width_characters(self) -> None:
        assert name_key("高\u200b橋\ufeff") == "高橋"

    @pytest.mark.parametrize(
        ("text", "expected"),
        [("佐々木", "佐佐木"), ("みすゞ", "ミスズ"), ("いすゞ", "イスズ"), ("さゝき", "ササキ")],
    )
    def test_spells_out_iteration_marks(self, text: str, expected: str) -> None:
        assert name_key(text) == expected
        assert name_key(expected) == expected

    def test_folds_small_ke_in_names(self) -> None:
        assert name_key("八ヶ代") == name_key("八ケ代") == "八ケ代"

    @pytest.mark.parametrize("text", ["", " ", "\u3000\t\n", "・"])
    def test_is_empty_for_blank_text(self, text: str) -> None:
        assert name_key(text) == ""

    @pytest.mark.parametrize(
        "text", ["髙橋 ﾀﾛｳ", "Park Junho", "渡邉・花子", "みすゞ", "NGUYỄN Văn Đức", "ｼﾞｮｰｼﾞ"]
    )
    def test_is_its_own_key(self, text: str) -> None:
        assert name_key(name_key(text)) == name_key(text)


class TestKanjiVariants:
    def test_every_variant_survives_nfkc_so_it_can_be_seen(self) -> None:
        unseen = [k for k in KANJI_VARIANTS if unicodedata.normalize("NFKC", k) != k]
        assert unseen == []

    def test_no_common_form_is_itself_a_variant(self) -> None:
        assert [v for v in KANJI_VARIANTS.values() if v in KANJI_VARIANTS] == []

    def test_maps_single_characters(self) -> None:
        assert all(len(k) == 1 and len(v) == 1 for k, v in KANJI_VARIANTS.items())

    def test_covers_the_listed_variants(self) -> None:
        assert KANJI_VARIANTS["龍"] == "竜"
        assert KANJI_VARIANTS["檜"] == "桧"
        assert KANJI_VARIANTS["齋"] == "斎"
        assert KANJI_VARIANTS["齊"] == "斉"
        assert "斉" not in KANJI_VARIANTS
        assert len(KANJI_VARIANTS) >= 60


class TestKanaKey:
    @pytest.mark.parametrize(
        ("spellings", "expected"),
        [
            (["オオノ", "オーノ", "オウノ", "おおの", "おーの", "おうの", "ｵｰﾉ", "ｵｳﾉ"], "オオノ"),
            (["コウジ", "コージ", "コオジ", "こうじ", "ｺｰｼﾞ", "コ-ジ"], "コオジ"),
            (["ユウコ", "ユーコ", "ゆうこ"], "ユウコ"),
            (["ケイコ", "ケーコ", "けいこ"], "ケエコ"),
            (["キョウコ", "キヨウコ", "きょーこ", "ｷｮｳｺ"], "キヨオコ"),
            (["ハットリ", "ハツトリ"], "ハツトリ"),
            (["シュウジ", "シユウジ", "シューヂ"], "シユウジ"),
        ],
    )
    def test_unifies_ways_of_writing_the_same_reading(
        self, spellings: list[str], expected: str
    ) -> None:
        assert [kana_key(s) for s in spellings] == [expected] * len(spellings)

    def test_does_not_collapse_doubled_vowels(self) -> None:
        assert kana_key("オノ") == "オノ"
        assert kana_key("オオノ") == "オオノ"
        assert kana_key("オノ") != kana_key("オーノ")

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("チヂミ", "チジミ"),
            ("ツヅキ", "ツズキ"),
            ("ヲノ", "オノ"),
            ("ヰ", "イ"),
            ("ヱミ", "エミ"),
        ],
    )
    def test_folds_kana_that_sound_the_same(self, text: str, expected: str) -> None:
        assert kana_key(text) == expected

    def test_keeps_vu(self) -> None:
        assert kana_key("ヴィクトル") == "ヴイクトル"
        assert kana_key("ヴィクトル") != kana_key("ビクトル")

    @pytest.mark.parametrize(
        "text", ["ヤマダ タロウ", "ヤマダ　タロウ", "ﾔﾏﾀﾞ ﾀﾛｳ", "やまだ・たろう", "ヤマダ,タロウ"]
    )
    def test_ignores_spaces_dots_and_width(self, text: str) -> None:
        assert kana_key(text) == "ヤマダタロオ"

    def test_joins_a_detached_voicing_mark(self) -> None:
        assert kana_key("カ゛ク") == kana_key("ガク") == "ガク"

    @pytest.mark.parametrize(
        ("text", "expected"), [("ンー", "ンー"), ("ー", "ー"), ("アーー", "アアア")]
    )
    def test_keeps_a_long_mark_with_no_vowel_before_it(self, text: str, expected: str) -> None:
        assert kana_key(text) == expected

    def test_casefolds_latin(self) -> None:
        assert kana_key("PARK Junho") == "parkjunho"

    @pytest.mark.parametrize("text", ["", "  ", "\u3000"])
    def test_is_empty_for_blank_text(self, text: str) -> None:
        assert kana_key(text) == ""

    @pytest.mark.parametrize("text", ["オーノ", "きょーこ", "ケイコ", "ｼｭｰﾁﾞ", "ヴァイオリン"])
    def test_is_its_own_key(self, text: str) -> None:
        assert kana_key(kana_key(text)) == kana_key(text)


class TestLooseReadingKey:
    @pytest.mark.parametrize(
        ("spellings", "expected"),
        [
            (["ヤマサキ", "ヤマザキ", "やまざき", "ﾔﾏｻﾞｷ"], "ヤマサキ"),
            (["オオノ", "オーノ", "オウノ", "オノ", "おおの", "ｵｰﾉ"], "オノ"),
            (["キョウコ", "キヨウコ", "キョーコ", "キョコ"], "キヨコ"),
            (["ツヅキ", "ツズキ", "ツスキ"], "ツスキ"),
            (["チヂミ", "チジミ"], "チシミ"),
            (["ヴァイオリン", "バイオリン", "ヴアイオリン"], "ハイオリン"),
            (["ヴィクトル", "ビクトル"], "ヒクトル"),
            (["ヴ", "ブ"], "フ"),
            (["ケンイチ", "ケニチ"], "ケニチ"),
            (["ユウコ", "ユーコ", "ユコ"], "ユコ"),
            (["ケイコ", "ケーコ", "ケエコ"], "ケコ"),
            (["シイナ", "シーナ", "シナ"], "シナ"),
        ],
    )
    def test_folds_voicing_vu_small_kana_and_long_vowels(
        self, spellings: list[str], expected: str
    ) -> None:
        assert [loose_reading_key(s) for s in spellings] == [expected] * len(spellings)

    def test_keeps_different_consonants_and_vowels_apart(self) -> None:
        assert loose_reading_key("ヤマサキ") != loose_reading_key("ヤマシタ")
        assert loose_reading_key("ユウコ") != loose_reading_key("ヨウコ")

    @pytest.mark.parametrize("text", ["オーノ", "ヤマザキ ケンイチ", "ヴァイオリン", "ケイコ"])
    def test_is_its_own_key(self, text: str) -> None:
        assert loose_reading_key(loose_reading_key(text)) == loose_reading_key(text)


class TestRomajiToKana:
    @pytest.mark.parametrize(
        ("romaji", "kana"),
        [
            ("Yamasaki", "ヤマサキ"),
            ("ＹＡＭＡＺＡＫＩ", "ヤマザキ"),
            ("Tsuzuki", "ツズキ"),
            ("Tuzuki", "ツズキ"),
            ("Tsudzuki", "ツヅキ"),
            ("Shimizu", "シミズ"),
            ("Simizu", "シミズ"),
            ("Chiba", "チバ"),
            ("Tiba", "チバ"),
            ("Fujita", "フジタ"),
            ("Huzita", "フジタ"),
            ("Jun'ya", "ジュンヤ"),
            ("Zyunya", "ジュニャ"),
            ("Konno", "コンノ"),
            ("Kon'no", "コンノ"),
            ("Homma", "ホンマ"),
            ("Hattori", "ハットリ"),
            ("Ohno", "オーノ"),
            ("Satoh", "サトー"),
            ("Ōno", "オノ"),
            ("Ôno", "オノ"),
            ("Oono", "オオノ"),
            ("Kenn", "ケン"),
        ],
    )
    def test_reads_hepburn_and_kunrei(self, romaji: str, kana: str) -> None:
        assert romaji_to_kana(romaji) == kana

    @pytest.mark.parametrize("text", ["Park", "Smith", "Nguyen", "山田", "やまだ", "", "X"])
    def test_is_empty_for_what_is_not_japanese_romaji(self, text: str) -> None:
        assert romaji_to_kana(text) == ""

    @pytest.mark.parametrize(
        "spelling", ["Ōno", "Ono", "Oono", "Ohno", "Ôno", "Ouno", "ONO", "ｏｈｎｏ"]
    )
    def test_every_spelling_of_ono_has_the_loose_key_of_oono(self, spelling: str) -> None:
        assert loose_reading_key(romaji_to_kana(spelling)) == loose_reading_key("オオノ")

    @pytest.mark.parametrize("spelling", ["Kenichi", "Ken'ichi", "KENICHI", "Ken-ichi"])
    def test_n_before_a_vowel_reads_back_either_way(self, spelling: str) -> None:
        assert loose_reading_key(romaji_to_kana(spelling)) == loose_reading_key("ケンイチ")


class TestConfusableKanji:
    def test_are_folded_into_a_separate_key_not_the_exact_one(self) -> None:
        assert confusable_key("斉藤") == confusable_key("斎藤") == confusable_key("齊藤") == "斎藤"
        assert name_key("斉藤") != name_key("斎藤")
        assert confusable_key("佐籐") == "佐藤"

    def test_see_through_variation_selectors(self) -> None:
        assert confusable_key("斉\U000e0101藤") == "斎藤"

    def test_every_pair_survives_name_key_and_folds_once(self) -> None:
        assert [c for c in CONFUSABLE_KANJI if name_key(c) != c] == []
        assert [v for v in CONFUSABLE_KANJI.values() if v in CONFUSABLE_KANJI] == []
        assert [v for v in CONFUSABLE_KANJI.values() if name_key(v) != v] == []
        assert set(CONFUSABLE_KANJI) >= {"斉", "籐", "埼", "淵"}


def _confusable_rows() -> list[dict[str, str]]:
    path = Path(names.__file__).resolve().parent / "data" / "confusable_kanji.tsv"
    with path.open(encoding="utf-8", newline="") as f:
        lines = [line for line in f if not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


class TestConfusableDataAgainstJaItaiji:
    """The confusable table is data with a source per pair; ja-itaiji (PyPI, 1.0.2) is the
    maintained 異体字 list it is checked against."""

    @pytest.mark.parametrize("row", _confusable_rows(), ids=lambda row: row["char"])
    def test_each_pair_is_confirmed_by_its_source(self, row: dict[str, str]) -> None:
        from ja_itaiji import Itaiji

        char, common = row["char"], row["folds_to"]
        same_family = Itaiji.is_family(char, common) or Itaiji.is_family(common, char)
        assert row["source"] in ("ja-itaiji", "reading")
        assert row["note"]
        # ja-itaiji rows are variants there; a reading row must not be (or it would be
        # mislabelled: it would belong to the ja-itaiji rows).
        assert same_family == (row["source"] == "ja-itaiji")

    def test_exact_variants_are_not_repeated_as_confusables(self) -> None:
        assert set(CONFUSABLE_KANJI) & set(KANJI_VARIANTS) == set()

    def test_sai_and_sei_are_not_one_family_there_either(self) -> None:
        from ja_itaiji import Itaiji

        assert not Itaiji.is_family("斉", "斎")
        assert Itaiji.is_family("齊", "斉") and Itaiji.is_family("齋", "斎")


class TestMatchKeys:
    def test_the_registry_stores_the_reading_the_mixed_and_the_confusable_keys(self) -> None:
        assert registry_match_keys("斉藤 美咲", "サイトウ ミサキ") == {
            (KeyKind.READING, "サイトミサキ"),
            (KeyKind.MIXED, "斎藤ミサキ"),
            (KeyKind.MIXED, "サイト美咲"),
            (KeyKind.CONFUSABLE, "斎藤美咲"),
        }

    def test_a_romaji_or_kana_alias_is_a_reading(self) -> None:
        assert registry_match_keys("Sato Tsuyoshi") == {(KeyKind.ROMAJI, "サトツヨシ")}
        assert registry_match_keys("さとう つよし") == {(KeyKind.READING, "サトツヨシ")}
        assert registry_match_keys("PARK JUNHO") == set()

    def test_no_mixed_keys_without_a_space_on_both_sides(self) -> None:
        assert {k for k, _ in registry_match_keys("山崎美咲", "ヤマサキ ミサキ")} == {
            KeyKind.READING
        }

    @pytest.mark.parametrize(
        "name", ["山崎 みさき", "山崎みさき", "山﨑ミサキ", "山崎 Misaki", "やまざき 美咲"]
    )
    def test_a_mixed_query_meets_a_stored_mixed_key(self, name: str) -> None:
        stored = {key for kind, key in registry_match_keys("山﨑 美咲", "ヤマサキ ミサキ")}
        query = {k.key for k in query_match_keys(name) if k.kind == KeyKind.MIXED}
        assert stored & query

    @pytest.mark.parametrize(
        "name", ["みさき やまさき", "ミサキヤマザキ", "Misaki Yamasaki", "MisakiYamazaki"]
    )
    def test_a_given_name_first_query_meets_the_stored_reading(self, name: str) -> None:
        stored = {key for _, key in registry_match_keys("山﨑 美咲", "ヤマサキ ミサキ")}
        turned = {k.key for k in query_match_keys(name) if k.given_name_first}
        assert stored & turned

    def test_a_kanji_query_has_only_its_confusable_key(self) -> None:
        assert query_match_keys("高橋 健一") == {QueryKey(KeyKind.CONFUSABLE, "高橋健一")}

"""閲覧 lists (spec 9.5): the protected and their households leave the list, recorded."""

from __future__ import annotations

import base64
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from auditlog.models import AuditEvent, EventKind
from supportmeasures import actions, inspection
from supportmeasures.importing import ImportFileError
from supportmeasures.models import Role

HEADER = "氏名,フリガナ,生年月日,住所,備考"
ROWS = [
    "山﨑 美咲,ヤマサキ ミサキ,1990-05-12,横浜市鶴見区豊岡町２０番１号,本人",  # X: protected
    "山﨑 陽太,ヤマサキ ヨウタ,,横浜市鶴見区豊岡町20-1,同居",  # X's household
    "田中 一郎,タナカ イチロウ,1970-01-01,横浜市鶴見区豊岡町20-10,隣",  # another house
    "山﨑 健一,ヤマサキ ケンイチ,1986-11-03,東京都大田区蒲田1-2-3,相手方",  # Y: stays
    "山崎 美咲,,1991-01-01,横浜市港北区日吉1-1-1,同名",  # possible match
    "佐藤 花子,サトウ ハナコ,平成2年4月1日,横浜市港北区日吉1-1-1 202号室,同じ建物の別室",
    "=HYPERLINK(1),,,横浜市南区1-1,式",
]


def csv_of(rows: list[str], encoding: str = "utf-8") -> bytes:
    return ("\r\n".join([HEADER, *rows]) + "\r\n").encode(encoding)


def download(response) -> bytes:
    href = re.search(
        r'href="data:text/csv;charset=[^;]+;base64,([^"]+)"', response.content.decode()
    )
    assert href is not None
    return base64.b64decode(href.group(1))


def run(raw: bytes, user, now, encoding: str = "utf-8") -> inspection.Filtered:
    return actions.filter_inspection_list(
        inspection_list=inspection.parse(raw, encoding),
        purpose="閲覧申出 第1号",
        acting_user=user,
        filtered_at=now,
    )


class TestAddressKey:
    @pytest.mark.parametrize(
        ("a", "b"),
        [
            ("横浜市鶴見区豊岡町２０番１号", "横浜市鶴見区豊岡町20-1"),
            ("豊岡町1丁目2番地3", "豊岡町1-2-3"),
            ("豊岡町 20 − 1", "豊岡町20-1"),
            ("豊岡町20の1", "豊岡町20-1"),
            # A household must not stay on the list because its address is written another
            # way: 丁目 in kanji, 番地の, the prefecture written on one side only.
            ("横浜市鶴見区豊岡町一丁目2番3号", "横浜市鶴見区豊岡町1-2-3"),
            ("豊岡町二十三丁目1番", "豊岡町23-1"),
            ("豊岡町１丁目２番地の３", "豊岡町1-2-3"),
            ("神奈川県横浜市鶴見区豊岡町1-2-3", "横浜市鶴見区豊岡町1-2-3"),
            ("東京都豊島区池袋十丁目1", "豊島区池袋10-1"),
        ],
    )
    def test_writings_of_one_address_are_one_key(self, a, b):
        assert inspection.address_key(a) == inspection.address_key(b)

    def test_only_a_kanji_number_before_a_block_word_is_read_as_a_number(self):
        assert inspection.address_key("八王子市元本郷町一丁目9番9号") == "八王子市元本郷町1-9-9"
        assert inspection.address_key("四谷三丁目5") == "四谷3-5"

    def test_a_room_in_the_building_is_the_same_household_another_number_is_not(self):
        key = inspection.address_key("豊岡町20-1")

        assert inspection.same_household(key, inspection.address_key("豊岡町20-1 101号室"))
        assert not inspection.same_household(key, inspection.address_key("豊岡町20-10"))
        assert not inspection.same_household(
            inspection.address_key("横浜市鶴見区"), inspection.address_key("横浜市鶴見区豊岡町1")
        )


class TestHouseholds:
    def test_finds_a_household_either_way_round_and_nothing_else(self):
        key = inspection.address_key
        households = inspection.Households([key("豊岡町20-1"), key("日吉1-1-1 202号室")])

        assert key("豊岡町２０番１号") in households
        assert key("豊岡町20-1 101号室") in households  # a room of the address
        assert key("日吉1-1-1") in households  # the building of a room
        assert key("豊岡町20-10") not in households
        assert key("日吉1-1-10") not in households
        assert key("豊岡町") not in households and "" not in households


class TestFilterInspectionList:
    def test_removes_the_protected_their_household_and_possible_matches(self, x, clerk_a, now):
        filtered = run(csv_of(ROWS), clerk_a, now)

        kept = [row[0] for row in filtered.kept]
        assert kept == ["田中 一郎", "山﨑 健一", "=HYPERLINK(1)"]
        assert (
            filtered.removed_protected,
            filtered.removed_possible,
            filtered.removed_household,
        ) == (1, 1, 2)
        assert [(c.line, c.people) for c in filtered.to_check] == [(6, "山崎 美咲")]

    def test_a_household_at_the_registered_address_goes_whoever_is_named(self, x, clerk_a, now):
        raw = csv_of(["鈴木 次郎,スズキ ジロウ,,横浜市鶴見区豊岡町20番地1,転入"])

        filtered = run(raw, clerk_a, now)

        assert filtered.kept == [] and filtered.removed_household == 1

    def test_records_counts_and_person_ids_never_names(self, x, clerk_a, now):
        run(csv_of(ROWS), clerk_a, now)

        event = AuditEvent.objects.get(kind=EventKind.INSPECTION_FILTERED)
        assert event.data["rows_in"] == 7 and event.data["rows_out"] == 3
        assert event.data["removed_household"] == 2
        assert event.data["persons"] == [str(x.public_id)]
        assert "山" not in str(event.data) and "豊岡" not in str(event.data)

    def test_an_ended_measure_protects_nobody(self, x, x_measure, supervisor_a, clerk_a, now):
        actions.end_measure(
            measure=x_measure,
            acting_user=supervisor_a,
            end_reason="requested",
            reason="本人の申出",
            decided_at=now,
        )

        filtered = run(csv_of(ROWS[:2]), clerk_a, now)

        assert len(filtered.kept) == 2

    def test_a_list_without_an_address_column_is_refused(self):
        with pytest.raises(ImportFileError) as exc:
            inspection.parse("氏名,フリガナ\r\n山田 太郎,ヤマダ タロウ\r\n".encode(), "utf-8")

        assert "住所" in str(exc.value.errors[0])

    @pytest.mark.parametrize("role", [Role.AUDITOR, Role.CONTRACTOR])
    def test_only_case_staff_prepare_lists(self, x, make_staff, ward_a, now, role):
        with pytest.raises(actions.NotPermitted):
            run(csv_of(ROWS), make_staff(ward_a, role), now)


class TestInspectionListPage:
    def post(self, client, raw: bytes, encoding: str):
        return client.post(
            reverse("supportmeasures:inspection_list"),
            {
                "file": SimpleUploadedFile("etsuran.csv", raw, content_type="text/csv"),
                "encoding": encoding,
                "purpose": "閲覧申出 第1号",
            },
        )

    def test_a_utf8_list_comes_back_in_utf8_without_the_removed_rows(self, x, login, clerk_a):
        response = self.post(login(clerk_a), csv_of(ROWS), "utf-8")

        assert response.status_code == 200
        text = download(response).decode("utf-8-sig")
        assert text.splitlines() == [
            HEADER,
            "田中 一郎,タナカ イチロウ,1970-01-01,横浜市鶴見区豊岡町20-10,隣",
            "山﨑 健一,ヤマサキ ケンイチ,1986-11-03,東京都大田区蒲田1-2-3,相手方",
            "'=HYPERLINK(1),,,横浜市南区1-1,式",
        ]
        assert "山崎 美咲" in response.content.decode()  # the line to check, on the page
        assert response["Cache-Control"] == "no-store"

    def test_a_cp932_list_comes_back_in_cp932(self, x, login, clerk_a):
        rows = [r.replace("﨑", "崎") for r in ROWS[:3]]  # as older systems write it

        response = self.post(login(clerk_a), csv_of(rows, "cp932"), "cp932")

        lines = download(response).decode("cp932").splitlines()
        assert lines == [HEADER, "田中 一郎,タナカ イチロウ,1970-01-01,横浜市鶴見区豊岡町20-10,隣"]

    def test_the_wrong_encoding_is_a_clear_error(self, x, login, clerk_a):
        response = self.post(login(clerk_a), csv_of(ROWS, "utf-8"), "cp932")

        assert response.status_code == 400
        assert AuditEvent.objects.filter(kind=EventKind.INSPECTION_FILTERED).count() == 0

    def test_is_a_404_for_a_contractor(self, login, contractor_a):
        assert (
            login(contractor_a).get(reverse("supportmeasures:inspection_list")).status_code == 404
        )

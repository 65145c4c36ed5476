from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from auditlog.models import AuditEvent, EventKind
from supportmeasures.models import (
    MeasureParty,
    MeasureSource,
    MeasureStatus,
    Person,
    SupportMeasure,
    Ward,
)
from supportmeasures.screening import Query, Result, screen

pytestmark = pytest.mark.django_db

HEADER = (
    "measure_ref,ward_code,role,name,kana,aliases,birth_date,sex,address,relationship,"
    "kind,status,starts_on,ends_on"
)
ROWS = [
    "M-1,141011,protected,渡邉 さくら,ワタナベ サクラ,佐々木 さくら,S63.4.1,F,横浜市鶴見区1-1,,dv,active,R8.4.1,",
    "M-1,141011,joint,渡邉 陽太,わたなべ ようた,,2018-08-20,M,横浜市鶴見区1-1,子,dv,active,R8.4.1,",
    "M-1,141011,counterparty,髙橋 健一,ﾀｶﾊｼ ｹﾝｲﾁ,高橋 健一|タカハシ,1985-11-03,M,,元夫,dv,active,R8.4.1,",
    "M-2,141020,protected,田中 翔太,タナカ ショウタ,,1982-06-15,M,,,dv,active,2024-01-01,2024-12-31",
    "M-2,141020,counterparty,田中 真理,タナカ マリ,,1984-01-20,F,,妻,dv,active,2024-01-01,2024-12-31",
    "M-3,141020,protected,鈴木 花子,スズキ ハナコ,,,F,,,stalking,ended,2020-01-01,2020-12-31",
    "M-3,141020,counterparty,小林 剛,コバヤシ ツヨシ,,,M,,,stalking,ended,2020-01-01,2020-12-31",
]  # fmt: skip


def write(tmp_path, rows=None, encoding="utf-8", bom=False, name="registry.csv"):
    text = "\r\n".join([HEADER, *(ROWS if rows is None else rows)]) + "\r\n"
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding))
    return str(path)


def state() -> tuple[int, int, int, int]:
    return (
        SupportMeasure.objects.count(),
        Person.objects.count(),
        MeasureParty.objects.count(),
        Ward.objects.count(),
    )


@pytest.fixture
def wards(ward_a, ward_b):
    return ward_a, ward_b


@pytest.fixture(autouse=True)
def fixed_today():
    """The rows' dates are fixed, so is today: M-1 is active, M-2 past its end."""
    with time_machine.travel(datetime.datetime(2026, 11, 26, 12, tzinfo=datetime.UTC)):
        yield


class TestImportRegistry:
    @pytest.mark.parametrize("encoding, bom", [("utf-8", False), ("utf-8", True), ("cp932", False)])
    def test_imports_every_measure_in_each_encoding(self, tmp_path, wards, encoding, bom):
        rows = [r.replace("髙", "高") for r in ROWS] if encoding == "cp932" else ROWS

        call_command(
            "import_registry", write(tmp_path, rows, encoding, bom), "--encoding", encoding
        )

        m1 = SupportMeasure.objects.get(ref="M-1")
        assert (m1.status, m1.source, m1.starts_on, m1.ends_on) == (
            MeasureStatus.ACTIVE,
            MeasureSource.IMPORTED,
            datetime.date(2026, 4, 1),
            datetime.date(2027, 3, 31),
        )
        assert SupportMeasure.objects.get(ref="M-2").status == MeasureStatus.LAPSED
        assert SupportMeasure.objects.get(ref="M-3").status == MeasureStatus.ENDED
        assert state()[:3] == (3, 7, 7)
        assert screen(Query(name="高橋健一")).result == Result.COUNTERPARTY
        assert screen(Query(name="佐々木さくら")).result == Result.PROTECTED
        assert screen(Query(name="小林 剛")).result == Result.CLEAR  # ended measure
        event = AuditEvent.objects.get(kind=EventKind.REGISTRY_IMPORTED)
        assert (event.data["measures_created"], event.data["people_created"]) == (3, 7)

    @pytest.mark.parametrize("encoding", ["utf-8", "cp932"])
    def test_importing_the_same_file_twice_changes_nothing(self, tmp_path, wards, capsys, encoding):
        rows = [r.replace("髙", "高") for r in ROWS]
        path = write(tmp_path, rows, encoding)
        call_command("import_registry", path, "--encoding", encoding)
        before = state()

        call_command("import_registry", path, "--encoding", encoding)

        assert state() == before
        assert "measures created 0, unchanged 3" in capsys.readouterr().out

    def test_the_same_rows_in_another_order_are_the_same_import(self, tmp_path, wards):
        call_command("import_registry", write(tmp_path))
        before = state()

        call_command("import_registry", write(tmp_path, list(reversed(ROWS)), name="b.csv"))

        assert state() == before

    def test_one_bad_row_and_nothing_is_imported(self, tmp_path, wards, capsys):
        rows = [*ROWS, "M-4,141011,protected,甲,,,平成2年2月30日,F,,,dv,active,R8.1.1,"]

        with pytest.raises(CommandError) as info:
            call_command("import_registry", write(tmp_path, rows))

        assert "nothing was imported" in str(info.value)
        err = capsys.readouterr().err
        assert "9行目 birth_date" in err and "line 9 birth_date" in err
        assert state()[:3] == (0, 0, 0)
        assert not AuditEvent.objects.filter(kind=EventKind.REGISTRY_IMPORTED).exists()

    @pytest.mark.parametrize(
        "row, column",
        [
            ("M-9,141011,victim,甲,,,,,,,dv,active,R8.1.1,", "role"),
            ("M-9,141011,protected,,,,,,,,dv,active,R8.1.1,", "name"),
            ("M-9,141011,protected,甲,,,,X,,,dv,active,R8.1.1,", "sex"),
            ("M-9,141011,protected,甲,,,,,,,abuse,active,R8.1.1,", "kind"),
            ("M-9,141011,protected,甲,,,,,,,dv,lapsed,R8.1.1,", "status"),
            ("M-9,141011,protected,甲,,,,,,,dv,active,,", "starts_on"),
            ("M-9,141011,protected,甲,,,,,,,dv,active,R8.1.1,R7.1.1", "ends_on"),
            ("M-1,141020,protected,甲,,,,,,,dv,active,R8.4.1,", "ward_code"),
        ],
    )
    def test_each_bad_value_is_named_by_line_and_column(self, tmp_path, wards, capsys, row, column):
        with pytest.raises(CommandError):
            call_command("import_registry", write(tmp_path, [*ROWS, row]))

        assert f"9行目 {column}" in capsys.readouterr().err
        assert SupportMeasure.objects.count() == 0

    def test_a_wrong_header_is_refused(self, tmp_path, wards, capsys):
        path = tmp_path / "x.csv"
        path.write_text("name,kana\n甲,コウ\n", encoding="utf-8")

        with pytest.raises(CommandError):
            call_command("import_registry", str(path))

        assert "header" in capsys.readouterr().err

    def test_a_measure_without_a_counterparty_is_refused(self, tmp_path, wards, capsys):
        with pytest.raises(CommandError):
            call_command("import_registry", write(tmp_path, ROWS[:2]))

        assert "counterparty" in capsys.readouterr().err

    def test_shift_jis_read_as_utf8_says_which_encoding_to_try(self, tmp_path, wards, capsys):
        path = write(tmp_path, [r.replace("髙", "高") for r in ROWS], "cp932")

        with pytest.raises(CommandError):
            call_command("import_registry", path)

        assert "--encoding cp932" in capsys.readouterr().err

    def test_unknown_wards_need_create_wards(self, tmp_path, capsys):
        with pytest.raises(CommandError):
            call_command("import_registry", write(tmp_path))
        assert "141011" in capsys.readouterr().err

        call_command("import_registry", write(tmp_path), "--create-wards")

        assert set(Ward.objects.values_list("code", flat=True)) == {"141011", "141020"}

    def test_a_changed_measure_is_a_conflict_not_a_silent_update(self, tmp_path, wards, capsys):
        call_command("import_registry", write(tmp_path))
        changed = [ROWS[0].replace("横浜市鶴見区1-1", "別の住所"), *ROWS[1:]]

        with pytest.raises(CommandError):
            call_command("import_registry", write(tmp_path, changed, name="c.csv"))

        assert "M-1" in capsys.readouterr().err

    def test_a_dry_run_checks_and_rolls_back(self, tmp_path, wards, capsys):
        call_command("import_registry", write(tmp_path), "--dry-run")

        assert state()[:3] == (0, 0, 0)
        assert "dry run" in capsys.readouterr().out

    def test_rows_of_one_measure_must_agree(self, tmp_path, wards, capsys):
        rows = [*ROWS[:2], ROWS[2].replace(",dv,", ",stalking,")]

        with pytest.raises(CommandError):
            call_command("import_registry", write(tmp_path, rows))

        assert "4行目 kind" in capsys.readouterr().err

    def test_today_is_the_edge_of_lapsing(self, tmp_path, wards):
        today = timezone.localdate()
        rows = [r.replace("2024-12-31", today.isoformat()) for r in ROWS]

        call_command("import_registry", write(tmp_path, rows))

        assert SupportMeasure.objects.get(ref="M-2").status == MeasureStatus.ACTIVE


class TestImportOverTime:
    def test_the_same_file_after_an_active_measure_has_passed_its_end_is_unchanged(
        self, tmp_path, wards, capsys
    ):
        path = write(tmp_path)
        call_command("import_registry", path)
        with time_machine.travel(datetime.datetime(2027, 6, 1, 12, tzinfo=datetime.UTC)):
            call_command("import_registry", path)

        assert "measures created 0, unchanged 3" in capsys.readouterr().out

    def test_a_person_of_another_wards_measure_is_not_merged_into(
        self, tmp_path, wards, register, clerk_b
    ):
        from supportmeasures.actions import PartyData, PersonData

        register(
            clerk_b,
            protected=PersonData(name="髙橋 健一", birth_date=datetime.date(1985, 11, 3)),
            counterparties=[PartyData(person=PersonData(name="某"))],
        )

        call_command("import_registry", write(tmp_path))

        assert Person.objects.filter(name_key="高橋健一").count() == 2

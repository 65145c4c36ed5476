"""Read a registry export (CSV) into measures, or say exactly what is wrong with it.

Parsing and validation only: nothing here touches the database but the ward look-up.
`actions.import_registry` writes, all or nothing.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field

from supportmeasures import wareki
from supportmeasures.models import MeasureKind, MeasureStatus, PartyRole, Sex

COLUMNS = [
    "measure_ref", "ward_code", "role", "name", "kana", "aliases", "birth_date", "sex",
    "address", "relationship", "kind", "status", "starts_on", "ends_on",
]  # fmt: skip
STATUSES = ("provisional", "active", "ended")
LIMITS = {"measure_ref": 40, "name": 100, "kana": 200, "relationship": 100, "ward_code": 6}


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    ja: str
    en: str

    def __str__(self) -> str:
        where = f"{self.line}行目" + (f" {self.column}" if self.column else "")
        return (
            f"{where}: {self.ja} / line {self.line}"
            + (f" {self.column}" if self.column else "")
            + f": {self.en}"
        )

    def in_language(self, language: str) -> str:
        """One language for a web page (the command line shows both)."""
        column = f" {self.column}" if self.column else ""
        if language.startswith("en"):
            return f"Line {self.line}{column}: {self.en}"
        return f"{self.line}行目{column}: {self.ja}"


@dataclass
class ImportedPerson:
    line: int
    role: str
    name: str
    kana: str
    aliases: list[str]
    birth_date: datetime.date | None
    sex: str
    address: str
    relationship: str


@dataclass
class ImportedMeasure:
    ref: str
    ward_code: str
    kind: str
    status: str
    starts_on: datetime.date | None
    ends_on: datetime.date | None
    first_line: int
    # As written in the file: the fingerprint must not change when an active measure's
    # end passes and it is imported as lapsed.
    raw_status: str = ""
    people: list[ImportedPerson] = field(default_factory=list)

    def fingerprint(self) -> str:
        """A digest of everything imported for this measure, independent of row order."""
        content = {
            "ref": self.ref, "ward": self.ward_code, "kind": self.kind,
            "status": self.raw_status or self.status,
            "starts_on": str(self.starts_on), "ends_on": str(self.ends_on),
            "people": sorted(
                json.dumps([p.role, p.name, p.kana, sorted(p.aliases), str(p.birth_date), p.sex,
                            p.address, p.relationship], ensure_ascii=False)
                for p in self.people
            ),
        }  # fmt: skip
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


class ImportFileError(Exception):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


def decode(raw: bytes, encoding: str) -> str:
    if encoding not in ("utf-8", "cp932"):
        raise ImportFileError(
            [RowError(0, "", "文字コードは utf-8 か cp932 です", "encoding must be utf-8 or cp932")]
        )
    try:
        # utf-8-sig: a BOM from Excel is read and dropped, its absence is fine.
        return raw.decode("utf-8-sig" if encoding == "utf-8" else "cp932")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            [
                RowError(
                    0,
                    "",
                    f"{encoding} として読めません（{exc.start}バイト目）",
                    f"not valid {encoding} (byte {exc.start}); try --encoding "
                    f"{'cp932' if encoding == 'utf-8' else 'utf-8'}",
                )
            ]
        ) from exc


def _date(value: str, line: int, column: str, errors: list[RowError]) -> datetime.date | None:
    if not value:
        return None
    try:
        return wareki.parse_date(value)
    except wareki.InvalidDate as exc:
        errors.append(RowError(line, column, f"日付が正しくありません（{value}）", str(exc)))
        return None


def parse(text: str, today: datetime.date) -> list[ImportedMeasure]:
    """Every error in the file at once (up to a limit), or the measures it describes."""
    if "\x00" in text:  # not a text file, and PostgreSQL text cannot hold NUL
        line = text[: text.index("\x00")].count("\n") + 1
        raise ImportFileError(
            [RowError(line, "", "NUL文字が含まれています", "the file contains a NUL character")]
        )
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        return _parse(reader, today)
    except csv.Error as exc:  # a cell over csv's field limit (131,072 characters)
        raise ImportFileError(
            [RowError(reader.line_num, "", "CSVとして読めません", f"not readable as CSV ({exc})")]
        ) from exc


def _parse(reader: Iterator[list[str]], today: datetime.date) -> list[ImportedMeasure]:
    header = [h.strip() for h in next(reader, [])]
    if header != COLUMNS:
        raise ImportFileError(
            [
                RowError(
                    1,
                    "",
                    "見出し行の列が違います。必要な列: " + ",".join(COLUMNS),
                    "the header must be exactly: " + ",".join(COLUMNS),
                )
            ]
        )
    errors: list[RowError] = []
    measures: dict[str, ImportedMeasure] = {}
    for line, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(COLUMNS):
            errors.append(
                RowError(
                    line,
                    "",
                    f"列の数が{len(row)}です（{len(COLUMNS)}必要）",
                    f"has {len(row)} columns, {len(COLUMNS)} expected",
                )
            )
            continue
        cells = {c: v.strip() for c, v in zip(COLUMNS, row, strict=True)}
        _parse_row(cells, line, today, measures, errors)
        if len(errors) >= 200:
            break
    for measure in measures.values():
        roles = [p.role for p in measure.people]
        if roles.count(PartyRole.PROTECTED) != 1:
            errors.append(
                RowError(
                    measure.first_line,
                    "role",
                    f"{measure.ref}: 支援措置対象者（protected）はちょうど1人です",
                    f"{measure.ref}: needs exactly one protected resident",
                )
            )
        if PartyRole.COUNTERPARTY not in roles:
            errors.append(
                RowError(
                    measure.first_line,
                    "role",
                    f"{measure.ref}: 相手方（counterparty）が1人以上必要です",
                    f"{measure.ref}: needs at least one counterparty",
                )
            )
    if errors:
        raise ImportFileError(sorted(errors, key=lambda e: e.line))
    return list(measures.values())


def _parse_row(
    cells: dict[str, str],
    line: int,
    today: datetime.date,
    measures: dict[str, ImportedMeasure],
    errors: list[RowError],
) -> None:
    before = len(errors)
    for column in ("measure_ref", "ward_code", "role", "name", "kind", "status"):
        if not cells[column]:
            errors.append(RowError(line, column, "必須です", "is required"))
    for column, limit in LIMITS.items():
        if len(cells[column]) > limit:
            errors.append(
                RowError(line, column, f"{limit}文字以内です", f"longer than {limit} characters")
            )
    if cells["role"] and cells["role"] not in PartyRole.values:
        errors.append(
            RowError(
                line,
                "role",
                "protected / joint / counterparty のいずれかです",
                "must be protected, joint or counterparty",
            )
        )
    if cells["kind"] and cells["kind"] not in MeasureKind.values:
        errors.append(
            RowError(
                line,
                "kind",
                "dv / stalking / child_abuse / similar のいずれかです",
                "must be dv, stalking, child_abuse or similar",
            )
        )
    if cells["status"] and cells["status"] not in STATUSES:
        errors.append(
            RowError(
                line,
                "status",
                "provisional / active / ended のいずれかです",
                "must be provisional, active or ended",
            )
        )
    if cells["sex"] not in ("F", "M", ""):
        errors.append(RowError(line, "sex", "F / M / 空欄 のいずれかです", "must be F, M or blank"))
    birth_date = _date(cells["birth_date"], line, "birth_date", errors)
    starts_on = _date(cells["starts_on"], line, "starts_on", errors)
    ends_on = _date(cells["ends_on"], line, "ends_on", errors)
    if ends_on is None and starts_on is not None and not cells["ends_on"]:
        ends_on = wareki.measure_end_for(starts_on)
    if starts_on and ends_on and ends_on < starts_on:
        errors.append(RowError(line, "ends_on", "終了日が開始日より前です", "is before starts_on"))
    if cells["status"] == "active" and starts_on is None and not cells["starts_on"]:
        errors.append(
            RowError(
                line,
                "starts_on",
                "active の措置には開始日が必要です",
                "is required for an active measure",
            )
        )
    if birth_date and birth_date > today:
        errors.append(RowError(line, "birth_date", "未来の日付です", "is in the future"))
    if len(errors) > before:
        return
    status = cells["status"]
    if status == "active" and ends_on and ends_on < today:
        status = MeasureStatus.LAPSED  # past its end without extension: still protecting
    measure = measures.get(cells["measure_ref"])
    if measure is None:
        measure = measures[cells["measure_ref"]] = ImportedMeasure(
            ref=cells["measure_ref"],
            ward_code=cells["ward_code"],
            kind=cells["kind"],
            status=status,
            starts_on=starts_on,
            ends_on=ends_on,
            first_line=line,
            raw_status=cells["status"],
        )
    else:
        values = {
            "ward_code": cells["ward_code"],
            "kind": cells["kind"],
            "status": status,
            "starts_on": starts_on,
            "ends_on": ends_on,
        }
        for column, value in values.items():
            if getattr(measure, column) != value:
                errors.append(
                    RowError(
                        line,
                        column,
                        f"同じ measure_ref（{measure.ref}）の{measure.first_line}行目と違います",
                        f"differs from line {measure.first_line} of the same measure_ref",
                    )
                )
                return
    measure.people.append(
        ImportedPerson(
            line=line,
            role=cells["role"],
            name=cells["name"],
            kana=cells["kana"],
            aliases=[a.strip() for a in cells["aliases"].split("|") if a.strip()],
            birth_date=birth_date,
            sex=cells["sex"] if cells["sex"] in Sex.values else "",
            address=cells["address"],
            relationship=cells["relationship"],
        )
    )

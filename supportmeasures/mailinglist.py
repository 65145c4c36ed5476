"""A department's mailing list (CSV) in, the same list with a screening column out."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _

from auditlog.spreadsheet import safe_row
from supportmeasures import wareki
from supportmeasures.importing import ImportFileError, RowError, decode
from supportmeasures.openapi import ENTRY_FIELDS
from supportmeasures.screening import RANK, Query, Result, Screening

MAX_ROWS = 10_000
# The API's limits for a name and a reading (one definition, in openapi.py).
NAME_MAX = ENTRY_FIELDS["name"].max_length
KANA_MAX = ENTRY_FIELDS["kana"].max_length
RESULT_COLUMNS = ["screening_result", "screening_note"]

# Headers as departments really write them. A name column is any whose header ends in one of
# NAME_SUFFIXES (氏名, 子の氏名, 共有者氏名, name, child_name); a reading column pairs with the name
# column of the same prefix (子のフリガナ with 子の氏名). Exact headers first, then suffixes.
NAME_HEADERS = {"name", "氏名", "名前", "宛名", "氏名（漢字）", "漢字氏名"}
KANA_HEADERS = {
    "kana",
    "フリガナ",
    "ふりがな",
    "カナ",
    "カナ氏名",
    "氏名カナ",
    "氏名（カナ）",
    "よみ",
}
BIRTH_HEADERS = {"birth_date", "生年月日"}
NAME_SUFFIXES = ("氏名", "名前", "name")
KANA_SUFFIXES = ("フリガナ", "ふりがな", "カナ", "kana")


@dataclass(frozen=True)
class NameColumn:
    label: str
    name: int | None
    kana: int | None


@dataclass(frozen=True)
class MailingList:
    header: list[str]
    rows: list[list[str]]
    # One query per name column, per row: a child's name or a co-owner is screened too.
    queries: list[list[tuple[str, Query]]]
    lines: list[int]


def _prefix(header: str, suffixes: tuple[str, ...]) -> str | None:
    folded = header.casefold()
    for suffix in suffixes:
        if folded.endswith(suffix.casefold()):
            return folded[: len(folded) - len(suffix)].rstrip("_ （(・")
    return None


def name_columns(header: list[str]) -> list[NameColumn]:
    """Every name column of the file, each with the reading column of the same person."""
    names: dict[str, int] = {}
    kanas: dict[str, int] = {}
    for i, h in enumerate(header):
        if h in NAME_HEADERS or h.casefold() == "name":
            names.setdefault("", i)
        elif h in KANA_HEADERS or h.casefold() == "kana":
            kanas.setdefault("", i)
        elif (prefix := _prefix(h, KANA_SUFFIXES)) is not None:
            kanas.setdefault(prefix, i)
        elif (prefix := _prefix(h, NAME_SUFFIXES)) is not None:
            names.setdefault(prefix, i)
    prefixes = list(dict.fromkeys([*names, *kanas]))
    return [
        NameColumn(
            label=header[names[p]] if p in names else header[kanas[p]],
            name=names.get(p),
            kana=kanas.get(p),
        )
        for p in prefixes
    ]


def _decode(raw: bytes, encoding: str) -> str:
    """The file as text, or a web error naming the encoding to choose on the form."""
    try:
        return decode(raw, encoding)
    except ImportFileError as exc:
        other = "Shift_JIS (CP932)" if encoding == "utf-8" else "UTF-8"
        raise ImportFileError(
            [
                RowError(
                    1,
                    "",
                    f"ファイルの文字コードが違うようです。「{other}」を選んで、"
                    "もう一度アップロードしてください",
                    f"the file does not seem to be in this encoding: choose {other} "
                    "and upload it again",
                )
            ]
        ) from exc


def parse(raw: bytes, encoding: str) -> MailingList:
    text = _decode(raw, encoding)
    if "\x00" in text:  # not a text file (and PostgreSQL could not hold it)
        raise ImportFileError(
            [
                RowError(
                    text[: text.index("\x00")].count("\n") + 1,
                    "",
                    "NUL文字が含まれています。CSV（テキスト）ファイルを選んでください",
                    "the file contains a NUL character: choose a CSV (text) file",
                )
            ]
        )
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        return _parse(reader)
    except csv.Error as exc:  # a cell over csv's field limit (131,072 characters)
        raise ImportFileError(
            [
                RowError(
                    reader.line_num,
                    "",
                    "CSVとして読めません（大きすぎる欄があります）",
                    f"not readable as CSV ({exc})",
                )
            ]
        ) from exc


def _parse(reader: Iterator[list[str]]) -> MailingList:
    header = [h.strip().lstrip("\ufeff") for h in next(reader, [])]
    columns = name_columns(header)
    if not columns:
        raise ImportFileError(
            [
                RowError(
                    1,
                    "",
                    "見出し行に氏名（name）かフリガナ（kana）の列が必要です",
                    "the header needs a name (氏名) or a reading (フリガナ, kana) column",
                )
            ]
        )
    birth = next((i for i, h in enumerate(header) if h in BIRTH_HEADERS), None)
    rows: list[list[str]] = []
    queries: list[list[tuple[str, Query]]] = []
    lines: list[int] = []
    errors: list[RowError] = []
    for line, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(rows) >= MAX_ROWS:
            raise ImportFileError(
                [RowError(line, "", f"{MAX_ROWS}行までです", f"at most {MAX_ROWS} rows")]
            )
        row = row + [""] * (len(header) - len(row))

        def cell(index: int | None, row: list[str] = row) -> str:
            return row[index].strip() if index is not None else ""

        birth_date = None
        if cell(birth):
            try:
                birth_date = wareki.parse_date(cell(birth))
            except wareki.InvalidDate as exc:
                errors.append(
                    RowError(line, header[birth or 0], "日付が正しくありません", str(exc))
                )
        for c in columns:
            for index, limit in ((c.name, NAME_MAX), (c.kana, KANA_MAX)):
                if len(cell(index)) > limit:
                    errors.append(
                        RowError(
                            line,
                            header[index or 0],
                            f"{limit}文字までです",
                            f"longer than {limit} characters",
                        )
                    )
        found = [
            # The file's date of birth belongs to its first person (the addressee).
            (c.label, Query(cell(c.name), cell(c.kana), birth_date if n == 0 else None))
            for n, c in enumerate(columns)
            if cell(c.name) or cell(c.kana)
        ]
        if not found:
            errors.append(
                RowError(
                    line,
                    columns[0].label,
                    "氏名かフリガナが必要です",
                    "a name or a reading is required",
                )
            )
        rows.append(row)
        queries.append(found)
        lines.append(line)
    if errors:
        raise ImportFileError(errors[:200])
    if not rows:
        raise ImportFileError([RowError(2, "", "データ行がありません", "no rows")])
    return MailingList(header, rows, queries, lines)


def combine(screenings: list[Screening]) -> Screening:
    """A row's verdict: the strongest of its people's."""
    matches = [m for s in screenings for m in s.matches]
    result = max((Result(s.result) for s in screenings), key=RANK.__getitem__, default=Result.CLEAR)
    return Screening(result, matches)


@dataclass(frozen=True)
class ResultRow:
    """One row of the file as the page shows it, flags first."""

    line: int
    people: str
    result: str
    note: str


def result_rows(
    mailing_list: MailingList, screenings: list[Screening], *, show_wards: bool
) -> list[ResultRow]:
    rows = [
        ResultRow(
            line=line,
            people=_(", ").join(q.name or q.kana for _column, q in queries),
            result=screening.result,
            note=note_for(screening, show_wards=show_wards),
        )
        for line, queries, screening in zip(
            mailing_list.lines, mailing_list.queries, screenings, strict=True
        )
    ]
    return sorted(rows, key=lambda r: (-RANK[Result(r.result)], r.line))


def note_for(screening: Screening, *, show_wards: bool) -> str:
    notes = {
        Result.COUNTERPARTY: _("Counterparty: do not send before a supervisor's sign-off"),
        Result.PROTECTED: _("Protected resident: check the address with the owning ward"),
        Result.POSSIBLE_MATCH: _("Possible match: confirm the identity before sending"),
        Result.CLEAR: "",
    }
    note = notes[Result(screening.result)]
    wards = (
        _(", ").join(sorted({m.owning_ward_name for m in screening.matches})) if show_wards else ""
    )
    return f"{note} ({wards})" if wards else note


def render(
    mailing_list: MailingList, screenings: list[Screening], encoding: str, *, show_wards: bool
) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    # The department's own cells come back too: none may run as a formula in Excel.
    writer.writerow(safe_row(mailing_list.header + RESULT_COLUMNS))
    for row, screening in zip(mailing_list.rows, screenings, strict=True):
        writer.writerow(
            safe_row([*row, screening.result, note_for(screening, show_wards=show_wards)])
        )
    text = out.getvalue()
    # Excel opens UTF-8 only with a BOM; CP932 for older office PCs. Characters CP932 lacks
    # (髙, 﨑 written as such) become '?' there rather than failing the whole download.
    return (
        ("\ufeff" + text).encode("utf-8")
        if encoding == "utf-8"
        else text.encode("cp932", errors="replace")
    )

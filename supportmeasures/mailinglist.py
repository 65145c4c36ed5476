"""A department's mailing list (CSV) in, the same list with a screening column out."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.utils.translation import gettext as _

from supportmeasures import wareki
from supportmeasures.importing import ImportFileError, RowError, decode
from supportmeasures.screening import Query, Result, Screening

MAX_ROWS = 10_000
RESULT_COLUMNS = ["screening_result", "screening_note"]


@dataclass(frozen=True)
class MailingList:
    header: list[str]
    rows: list[list[str]]
    queries: list[Query]


def parse(raw: bytes, encoding: str) -> MailingList:
    reader = csv.reader(io.StringIO(decode(raw, encoding), newline=""))
    header = [h.strip() for h in next(reader, [])]
    if "name" not in header and "kana" not in header:
        raise ImportFileError(
            [
                RowError(
                    1,
                    "",
                    "見出し行に name か kana の列が必要です",
                    "the header needs a name or a kana column",
                )
            ]
        )
    columns = {c: header.index(c) for c in ("name", "kana", "birth_date") if c in header}
    rows: list[list[str]] = []
    queries: list[Query] = []
    errors: list[RowError] = []
    for line, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(rows) >= MAX_ROWS:
            raise ImportFileError(
                [RowError(line, "", f"{MAX_ROWS}行までです", f"at most {MAX_ROWS} rows")]
            )
        row = row + [""] * (len(header) - len(row))

        def cell(column: str, row: list[str] = row) -> str:
            return row[columns[column]].strip() if column in columns else ""

        birth_date = None
        if cell("birth_date"):
            try:
                birth_date = wareki.parse_date(cell("birth_date"))
            except wareki.InvalidDate as exc:
                errors.append(RowError(line, "birth_date", "日付が正しくありません", str(exc)))
        if not (cell("name") or cell("kana")):
            errors.append(
                RowError(line, "name", "name か kana が必要です", "name or kana is required")
            )
        rows.append(row)
        queries.append(Query(cell("name"), cell("kana"), birth_date))
    if errors:
        raise ImportFileError(errors[:200])
    if not rows:
        raise ImportFileError([RowError(2, "", "データ行がありません", "no rows")])
    return MailingList(header, rows, queries)


def note_for(screening: Screening, *, show_wards: bool) -> str:
    notes = {
        Result.COUNTERPARTY: _("Counterparty: do not send before a supervisor's sign-off"),
        Result.PROTECTED: _("Protected resident: check the address with the owning ward"),
        Result.POSSIBLE_MATCH: _("Possible match: confirm the identity before sending"),
        Result.CLEAR: "",
    }
    note = notes[Result(screening.result)]
    wards = "、".join(sorted({m.owning_ward_name for m in screening.matches})) if show_wards else ""
    return f"{note} ({wards})" if wards else note


def render(
    mailing_list: MailingList, screenings: list[Screening], encoding: str, *, show_wards: bool
) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(mailing_list.header + RESULT_COLUMNS)
    for row, screening in zip(mailing_list.rows, screenings, strict=True):
        writer.writerow([*row, screening.result, note_for(screening, show_wards=show_wards)])
    text = out.getvalue()
    # Excel opens UTF-8 only with a BOM; CP932 for older office PCs. Characters CP932 lacks
    # (髙, 﨑 written as such) become '?' there rather than failing the whole download.
    return (
        ("\ufeff" + text).encode("utf-8")
        if encoding == "utf-8"
        else text.encode("cp932", errors="replace")
    )

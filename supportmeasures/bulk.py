"""A bulk run's list (CSV): measures to end or release, prepared in advance.

The list is only a request. Each line is decided again when it runs (actions/bulk.py), on the
locked measure, through the measure's own rule and `permissions.bulk_recheck_refusal`: a list
prepared weeks ago must never release a person who has applied again since.

Columns (header required, Japanese or English):
- 管理番号 / ref: the measure reference;
- 処理 / action: 終了 / end, or 解除 / release (a lapsed measure);
- 終了日 / ends_on: the end date the list was prepared against (blank for an application not
  yet decided: it had none);
- 作成日 / prepared_on: the day the list was prepared.
Dates as the rest of the registry reads them (2026-04-01, 令和8年4月1日, R8.4.1).
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from supportmeasures import wareki
from supportmeasures.importing import ImportFileError, RowError, decode

MAX_LINES = 2000

REF_HEADERS = {"管理番号", "措置番号", "ref", "measure_ref"}
ACTION_HEADERS = {"処理", "action"}
ENDS_ON_HEADERS = {"終了日", "ends_on", "end_date"}
PREPARED_HEADERS = {"作成日", "prepared_on"}


class BulkAction(StrEnum):
    END = "end"
    RELEASE = "release"


ACTION_WORDS = {
    "end": BulkAction.END,
    "終了": BulkAction.END,
    "release": BulkAction.RELEASE,
    "解除": BulkAction.RELEASE,
}


@dataclass(frozen=True)
class BulkLine:
    line: int
    ref: str
    action: BulkAction
    ends_on: datetime.date | None  # as the list saw it; None: the measure had no end date
    prepared_on: datetime.date


def _column(header: list[str], names: set[str], label: str) -> int:
    for i, h in enumerate(header):
        if h in names or h.casefold() in names:
            return i
    raise ImportFileError(
        [
            RowError(
                1,
                "",
                f"見出し行に「{label}」の列が必要です",
                f"the header needs a column {label}",
            )
        ]
    )


def _date(value: str, line: int, column: str, errors: list[RowError]) -> datetime.date | None:
    try:
        return wareki.parse_date(value)
    except wareki.InvalidDate as exc:
        errors.append(RowError(line, column, "日付が正しくありません", str(exc)))
        return None


def parse(raw: bytes, encoding: str) -> list[BulkLine]:
    """The list's lines, or ImportFileError naming every bad line: nothing runs then."""
    text = decode(raw, encoding)
    if "\x00" in text:
        raise ImportFileError(
            [RowError(1, "", "CSV（テキスト）ファイルを選んでください", "not a CSV (text) file")]
        )
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        return _parse(reader)
    except csv.Error as exc:
        raise ImportFileError(
            [RowError(reader.line_num, "", "CSVとして読めません", f"not readable as CSV ({exc})")]
        ) from exc


def _parse(reader: Iterator[list[str]]) -> list[BulkLine]:
    header = [h.strip().lstrip("\ufeff") for h in next(reader, [])]
    ref_at = _column(header, REF_HEADERS, "管理番号 (ref)")
    action_at = _column(header, ACTION_HEADERS, "処理 (action)")
    ends_at = _column(header, ENDS_ON_HEADERS, "終了日 (ends_on)")
    prepared_at = _column(header, PREPARED_HEADERS, "作成日 (prepared_on)")
    lines: list[BulkLine] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(lines) >= MAX_LINES:
            raise ImportFileError(
                [RowError(number, "", f"{MAX_LINES}行までです", f"at most {MAX_LINES} lines")]
            )
        row = [cell.strip() for cell in row] + [""] * (len(header) - len(row))
        ref, word = row[ref_at], row[action_at]
        action = ACTION_WORDS.get(word.casefold())
        if not ref or len(ref) > 40:
            errors.append(
                RowError(number, header[ref_at], "管理番号が正しくありません", "invalid reference")
            )
        elif ref in seen:
            errors.append(
                RowError(
                    number,
                    header[ref_at],
                    f"{seen[ref]}行目と同じ管理番号です",
                    f"the same reference as line {seen[ref]}",
                )
            )
        seen.setdefault(ref, number)
        if action is None:
            errors.append(
                RowError(
                    number,
                    header[action_at],
                    "処理は「終了」か「解除」です",
                    "action must be end (終了) or release (解除)",
                )
            )
        ends_on = _date(row[ends_at], number, header[ends_at], errors) if row[ends_at] else None
        prepared_on = None
        if row[prepared_at]:
            prepared_on = _date(row[prepared_at], number, header[prepared_at], errors)
        else:
            errors.append(
                RowError(number, header[prepared_at], "作成日が必要です", "prepared_on is required")
            )
        if action is not None and prepared_on is not None:
            lines.append(BulkLine(number, ref, action, ends_on, prepared_on))
    if errors:
        raise ImportFileError(errors[:200])
    if not lines:
        raise ImportFileError([RowError(2, "", "データ行がありません", "no lines")])
    return lines

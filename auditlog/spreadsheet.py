"""Cells a spreadsheet will not run: every CSV the app writes goes through here.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to Excel
and LibreOffice (OWASP "CSV injection"): a name like `=HYPERLINK("http://x","click")` in an
uploaded mailing list or an API client's purpose would run on the auditor's or the clerk's PC.
Such a cell is written with a single quote in front (`'=HYPERLINK(...)`), which shows the
text as it was and runs nothing. The full-width forms (＝＋－＠), which Japanese Excel also
reads as a formula when typed, are treated the same way.

A plain number (`-5`, `+3`, `-1.5`) cannot do anything and is left as it is. Everything
else that starts with a trigger, a telephone number written `+81-90-…` included (which Excel
would compute), comes back with the quote.

It lives in the lowest floor so that every app may use it: `safe_row` for CSV written by
Python, `SafeCell` for CSV written by PostgreSQL (`COPY`); both use the same two patterns.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.db import NotSupportedError
from django.db.models import CharField, Func, Value

# The characters that start a formula. "-" first, so that it is literal in a character class.
TRIGGERS = "-=+@\t\r＝＋－＠"
# A cell that starts with one of them is neutralised...
_TRIGGER = f"^[{TRIGGERS}]"
# ...unless it is a plain number. ASCII digits only, in Python as in PostgreSQL.
_NUMBER = r"^[+-]?[0-9]+([.][0-9]+)?$"
_trigger = re.compile(_TRIGGER)
_number = re.compile(_NUMBER)
QUOTE = "'"


def safe_cell(value: Any) -> Any:
    """The value to write in a CSV cell: text that would start a formula gets a quote."""
    if isinstance(value, str) and _trigger.match(value) and not _number.match(value):
        return QUOTE + value
    return value


def safe_row(row: Iterable[Any]) -> list[Any]:
    return [safe_cell(value) for value in row]


class SafeCell(Func):
    """`safe_cell` in SQL, for CSV that PostgreSQL writes itself. NULL stays NULL."""

    output_field = CharField()

    def __init__(self, expression: Any) -> None:
        super().__init__(expression, Value(_TRIGGER), Value(_NUMBER), Value(QUOTE))

    def as_sql(self, compiler: Any, connection: Any, *args: Any, **extra_context: Any) -> Any:
        # Only PostgreSQL writes CSV itself; elsewhere Python writes it through safe_row.
        raise NotSupportedError("SafeCell is written for PostgreSQL's COPY only.")

    def as_postgresql(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        value, trigger, number, quote = (compiler.compile(e) for e in self.get_source_expressions())
        sql = (
            f"(CASE WHEN ({value[0]})::text ~ {trigger[0]} AND ({value[0]})::text !~ {number[0]} "
            f"THEN {quote[0]} || ({value[0]})::text ELSE ({value[0]})::text END)"
        )
        params = [*value[1], *trigger[1], *value[1], *number[1], *quote[1], *value[1], *value[1]]
        return sql, params

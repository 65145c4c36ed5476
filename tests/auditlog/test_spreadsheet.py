"""No CSV the app writes can run a formula (OWASP CSV injection): the helper, and the audit
export written both ways (by PostgreSQL's COPY, and by Python for SQLite)."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from auditlog.models import AuditEvent, EventKind
from auditlog.spreadsheet import safe_cell, safe_row
from auditlog.workspace import export, selectors
from supportmeasures import actions as registry
from supportmeasures.screening import Query

# What an attacker would type as a name or a purpose, and what the cell must then hold.
PAYLOADS = {
    '=HYPERLINK("http://x","click")': '\'=HYPERLINK("http://x","click")',
    "+1+cmd|' /C calc'!A0": "'+1+cmd|' /C calc'!A0",
    "-2+3": "'-2+3",
    "@SUM(A1)": "'@SUM(A1)",
    "\tx": "'\tx",
    "\rx": "'\rx",
    "＝1+1": "'＝1+1",
    "+81-90-1234-5678": "'+81-90-1234-5678",
}


class TestSafeCell:
    @pytest.mark.parametrize(("value", "written"), PAYLOADS.items())
    def test_a_cell_that_would_start_a_formula_gets_a_quote(self, value, written):
        assert safe_cell(value) == written

    @pytest.mark.parametrize("value", ["+1", "-2", "-1.5", "0", "山崎 健一", "a=b", " =1", ""])
    def test_plain_numbers_and_ordinary_text_are_left_alone(self, value):
        assert safe_cell(value) == value

    def test_values_that_are_not_text_are_left_alone(self):
        assert safe_row([12, None, -3]) == [12, None, -3]


@pytest.fixture
def hostile_events(db, clerk_b, y, now):
    """One screening hit per payload, each with the payload as its purpose (the Reason
    column): text an API client or a clerk typed, written into the auditors' export."""
    for purpose in PAYLOADS:
        registry.screen_people(
            queries=[Query(name="山崎 健一")], purpose=purpose, screened_at=now, acting_user=clerk_b
        )
    return AuditEvent.objects.filter(kind=EventKind.SCREENING_HIT)


KIND, REASON = 6, 12  # export.header(): the event code, the reason (a screening's purpose)


def _reasons(body: bytes) -> list[str]:
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    return [row[REASON] for row in rows[1:] if row[KIND] == EventKind.SCREENING_HIT]


class TestAuditExport:
    def test_the_exported_file_quotes_every_hostile_cell(self, hostile_events, auditor, login):
        response = login(auditor).post(reverse("auditlog:export"), {"encoding": "utf-8"})

        body = b"".join(response.streaming_content)
        assert sorted(_reasons(body)) == sorted(PAYLOADS.values())

    def test_postgresql_and_python_write_the_same_neutralised_cells(self, hostile_events, auditor):
        flt = selectors.EventFilter()

        by_database = b"".join(
            export.pg_csv_stream(
                selectors.events_to_export(user=auditor, flt=flt), encoding="utf-8"
            )
        )
        portable = b"".join(
            export.csv_stream(selectors.export_rows(user=auditor, flt=flt), encoding="utf-8")
        )

        assert sorted(_reasons(by_database)) == sorted(_reasons(portable))
        assert sorted(_reasons(portable)) == sorted(PAYLOADS.values())

    def test_a_staff_name_that_starts_a_formula_is_quoted_too(
        self, make_staff, ward_b, y, auditor, now
    ):
        from supportmeasures.models import Role

        clerk = make_staff(ward_b, Role.CLERK, username="formula_clerk")
        clerk.full_name = "=cmd|' /C calc'!A0"
        clerk.save(update_fields=["full_name"])
        registry.screen_people(
            queries=[Query(name="山崎 健一")], purpose="案内", screened_at=now, acting_user=clerk
        )

        body = b"".join(
            export.pg_csv_stream(
                selectors.events_to_export(user=auditor, flt=selectors.EventFilter()),
                encoding="utf-8",
            )
        )

        rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
        names = {row[3] for row in rows[1:] if row[2] == "formula_clerk"}
        assert names == {"'=cmd|' /C calc'!A0"}

"""The auditors' workspace at 1,000,000 events in PostgreSQL, beside the minimal page.

Reports, in the same run: p50/p95 and throughput of the event list (newest page, and filtered
by staff member and kind), of a person's history, and of the smallest authenticated page (an
empty notifications list), interleaved; and the CSV export's rows per second and peak memory.
Goals: each page ≥ 0.5 of the minimal page's throughput; export ≥ 50,000 rows/s, < 200 MB.
"""

from __future__ import annotations

import datetime
import functools
import os
import platform
import time
import tracemalloc
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test import Client
from django.utils import timezone

from supportmeasures import actions
from supportmeasures.actions import PartyData, PersonData
from supportmeasures.models import BasisKind, MeasureKind, Role, Staff, Ward
from tests.benchmarks.auditlog_data import generate_events
from tests.benchmarks.conftest import summary_ms, timed, write_section

# Committed, so that the teardown truncates the million events: rolled back, they would stay
# as dead rows at the top of the sequence index and slow every later benchmark's appends.
pytestmark = [pytest.mark.bench, pytest.mark.django_db(transaction=True)]

EVENTS = int(os.environ.get("AUDIT_BENCH_EVENTS", "1000000"))
PEOPLE = 10_000
ROUNDS = 200


def _staff(ward: Ward, username: str, role: str, now: datetime.datetime) -> Staff:
    staff = actions.register_staff(
        acting_user=None,
        username=username,
        full_name=username,
        ward=ward,
        role=role,
        password=None,
        registered_at=now,
    )
    actions.record_training(
        staff=staff,
        acting_user=None,
        completed_on=now.date() - datetime.timedelta(days=10),
        course="研修",
        recorded_at=now,
    )
    return staff


def test_workspace_at_a_million_events(tmp_path: Path, settings: Any) -> None:
    settings.AUDIT_CHECKPOINT_DIR = str(tmp_path)
    now = timezone.now()
    wards = [Ward.objects.create(code=f"1410{i:02d}", name=f"第{i}区") for i in range(1, 19)]
    clerks = [_staff(wards[i % 18], f"clerk{i}", Role.CLERK, now) for i in range(60)]
    supervisor = _staff(wards[0], "supervisor", Role.SUPERVISOR, now)
    auditor = _staff(wards[0], "auditor", Role.AUDITOR, now)
    measure = actions.register_application(
        acting_user=clerks[0],
        ward=wards[0],
        kind=MeasureKind.DV,
        basis_kind=BasisKind.CONSULTING_BODY,
        basis_body="神奈川県警察",
        basis_opinion_on=None,
        basis_document="",
        applied_on=timezone.localdate(now),
        restricts_inspection=True,
        restricts_resident_copies=True,
        restricts_koseki_attachment=True,
        protected=PersonData(name="山﨑 美咲", kana="ヤマサキ ミサキ"),
        joint=[],
        counterparties=[PartyData(person=PersonData(name="山﨑 健一"), relationship="夫")],
        registered_at=now,
    )
    actions.decide_measure(
        measure=measure,
        acting_user=supervisor,
        approve=True,
        starts_on=timezone.localdate(now),
        decided_at=now,
    )
    x = measure.parties.get(role="protected").person
    persons = [x.public_id] + [uuid.uuid4() for _ in range(PEOPLE - 1)]

    start = time.perf_counter()
    head = generate_events(EVENTS, persons=persons, staff=clerks, wards=wards)
    with connection.cursor() as cursor:
        # The person index, as record_events writes it for each event.
        cursor.execute(
            "INSERT INTO auditlog_auditeventperson (event_id, person_public_id) "
            "SELECT id, person_public_id FROM auditlog_auditevent "
            "WHERE person_public_id IS NOT NULL ON CONFLICT DO NOTHING"
        )
        # As a production table is: vacuumed and analysed, and autovacuum not about to start
        # on a million fresh rows in the middle of the measurement.
        cursor.execute("VACUUM ANALYZE")
    built = time.perf_counter() - start

    client = Client()
    client.force_login(auditor)
    pages = {
        "minimal": "/inquiries/notifications/",
        "list": "/audit/",
        "filtered": f"/audit/?staff={clerks[3].pk}&kind=details.viewed",
        "history": f"/audit/people/{x.public_id}/",
    }
    for url in pages.values():
        for _ in range(5):
            response = client.get(url)
            assert response.status_code == 200, url
    history_events = len(client.get(pages["history"]).context["history"].events)
    times: dict[str, list[float]] = {k: [] for k in pages}
    for _ in range(ROUNDS):
        for key, url in pages.items():
            times[key].append(timed(functools.partial(client.get, url)))
    stats = {k: summary_ms(v) for k, v in times.items()}
    rps = {k: len(v) / sum(v) for k, v in times.items()}

    def export() -> int:
        response = client.post("/audit/export/", {"encoding": "utf-8"})
        size = 0
        assert isinstance(response, StreamingHttpResponse)
        for chunk in response.streaming_content:
            size += len(chunk)
        return size

    start = time.perf_counter()
    size = export()
    export_seconds = time.perf_counter() - start
    tracemalloc.start()
    export()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rows_per_s = head / export_seconds

    def row(name: str, key: str) -> str:
        s = stats[key]
        ratio = rps[key] / rps["minimal"]
        return (
            f"| {name} | {s['p50']:.1f} ms | {s['p95']:.1f} ms | {rps[key]:.0f} | **{ratio:.2f}** |"
        )

    write_section(
        "Auditors' workspace (issue 5)",
        f"""
Run on {datetime.date.today().isoformat()}, Python {platform.python_version()}:
{head:,} chained events in PostgreSQL (generated with valid hashes and loaded with COPY in
{built:.0f} s, 18 wards, 60 staff, {PEOPLE:,} people, 4 events in 5 naming a person, with the
person index), Django test client (full middleware, session login, templates) as an auditor.
{ROUNDS} interleaved rounds of each page.

| page | p50 | p95 | requests/s | throughput ratio to the minimal page (goal ≥ 0.5) |
| --- | --- | --- | --- | --- |
{row("minimal page (empty notifications list)", "minimal")}
{row("event list, newest 50 `/audit/`", "list")}
{row("event list filtered by staff member and kind", "filtered")}
{row(f"person's history (all {history_events} events of one person, oldest first)", "history")}

CSV export of all {head:,} events (UTF-8 with BOM) through the view, streamed:
{export_seconds:.1f} s → **{rows_per_s:,.0f} rows/s** (goal ≥ 50,000), {size / 1e6:.0f} MB of
CSV; peak Python memory while streaming it (tracemalloc, second run) **{peak / 1e6:.1f} MB**
(goal < 200 MB). PostgreSQL writes the CSV itself (`COPY … TO STDOUT WITH (FORMAT csv)`,
labels joined in SQL); Python relays its blocks (re-encoding them for CP932). SQLite, the
demo, streams through Python by key in chunks of 5,000 rows.

How the pages are built: every list is one query by key (`sequence`) on an index that starts
with the filtered column and ends with `sequence`, so a page reads 50 index entries whatever
the table's size; a person's events come from the person index (`auditeventperson`, one
index range per person) and their measures' events from `(measure_ref, sequence)`, in one
UNION subquery; rows and select options are built as plain strings with one escape per value.

What keeps a page near the minimal one: the rows are read as plain values (`EventRow`, no
model instance per row) and rendered in Python with each label translated once per page and
each day's era computed once; the filter form is laid out in Python (the same HTML as the
shared field template, tested); code-list options are built once per language and the ward
and staff choices read once per form; the last verification and the job alarms come from one
query. The number of queries per page is constant (tested). The filtered list is measured on
a filter that matches: a combination that matches nothing reads the whole of the narrower
filter's index range (every event of that staff member), which no page-level work avoids.
""",
    )
    print(
        f"\nminimal {rps['minimal']:.0f}/s list {rps['list']:.0f}/s filtered "
        f"{rps['filtered']:.0f}/s history {rps['history']:.0f}/s export {rows_per_s:.0f} rows/s "
        f"peak {peak / 1e6:.1f} MB"
    )

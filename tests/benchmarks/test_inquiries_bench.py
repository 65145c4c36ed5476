"""Inboxes and the approvers' queue at 10,000 open inquiries, beside the minimal page.

Throughput (requests/s) of the inbox/outbox page and the approvers' queue, and of the smallest
authenticated page (an empty notifications list: same session, middleware and base template),
measured interleaved in the same run. Goal: each ≥ 0.5 of the minimal page.
"""

from __future__ import annotations

import datetime
import functools
import platform

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from inquiries.models import Inquiry, InquiryState, ProtectedStatus
from supportmeasures import actions
from supportmeasures.models import Role, Ward
from tests.benchmarks.conftest import timed, write_section

pytestmark = [pytest.mark.bench, pytest.mark.django_db]

OPEN = 10_000
ROUNDS = 200


def test_inbox_and_queue_throughput_at_ten_thousand_open_inquiries() -> None:
    now = timezone.now()
    a = Ward.objects.create(code="141011", name="鶴見区")
    b = Ward.objects.create(code="141020", name="神奈川区")
    staff = {}
    for name, ward, role in [
        ("a_clerk", a, Role.CLERK),
        ("a_sup", a, Role.SUPERVISOR),
        ("b_sup", b, Role.SUPERVISOR),
    ]:
        staff[name] = actions.register_staff(
            acting_user=None,
            username=name,
            full_name=name,
            ward=ward,
            role=role,
            password=None,
            registered_at=now,
        )
        actions.record_training(
            staff=staff[name],
            acting_user=None,
            completed_on=now.date() - datetime.timedelta(days=10),
            course="研修",
            recorded_at=now,
        )
    statuses = list(ProtectedStatus.values)
    Inquiry.objects.bulk_create(
        [
            Inquiry(
                from_ward=a if i % 2 else b,
                to_ward=b if i % 2 else a,
                author=staff["a_clerk"],
                created_at=now,
                subject_name=f"対象 {i}",
                question="q",
                reason="r",
                urgency="normal",
                registry_status=statuses[i % 4],
                protected_status=statuses[i % 4],
                state=InquiryState.AWAITING_SIGNOFF if i % 3 == 0 else InquiryState.SENT,
            )
            for i in range(OPEN)
        ],
        batch_size=2000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # as autovacuum would have, in a live database
    client = Client()
    client.force_login(staff["a_sup"])
    pages = {
        "minimal": "/inquiries/notifications/",
        "inbox": "/inquiries/",
        "queue": "/inquiries/queue/",
    }
    for url in pages.values():
        for _ in range(10):
            assert client.get(url).status_code == 200
    times: dict[str, list[float]] = {k: [] for k in pages}
    for _ in range(ROUNDS):
        for key, url in pages.items():
            times[key].append(timed(functools.partial(client.get, url)))
    rps = {k: len(v) / sum(v) for k, v in times.items()}

    write_section(
        "Inboxes and the approvers' queue (issue 4)",
        f"""
Run on {datetime.date.today().isoformat()}, Python {platform.python_version()}: {OPEN:,} open
inquiries between two wards (a third awaiting sign-off), PostgreSQL, Django test client (full
middleware, session login, templates). {ROUNDS} interleaved rounds of each page as a supervisor.
Lists are paged by key, 25 rows a page (two lists on the inbox page); each page makes a constant number of queries
(tests/inquiries/test_views.py asserts it).

| page | requests/s | ratio to the minimal page (goal ≥ 0.5) |
| --- | --- | --- |
| minimal page (empty notifications list) | {rps["minimal"]:.0f} | 1 |
| inbox and outbox `/inquiries/` | {rps["inbox"]:.0f} | **{rps["inbox"] / rps["minimal"]:.2f}** |
| approvers' queue `/inquiries/queue/` | {rps["queue"]:.0f} | **{rps["queue"] / rps["minimal"]:.2f}** |

How the lists stay near the floor: each list is one query by key that reads its rows as
plain values (no model instance per row, no joined ward objects), the rows are rendered in
Python with each label translated once per list, and the queue's "oldest first" reads
indexes that end in (time, id) so nothing is sorted.
""",
    )
    print(f"\nminimal {rps['minimal']:.0f}/s inbox {rps['inbox']:.0f}/s queue {rps['queue']:.0f}/s")

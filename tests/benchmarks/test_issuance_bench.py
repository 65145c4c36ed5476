"""Issuance checks at scale (issue 11): `POST /api/v1/issuance-checks` against a screening.

The same registry as the screening benchmark (100,000 measures), the same client, in the same
run: each round sends one screening and one issuance check about the same kind of person (clear,
or a registered person), interleaved so that noise hits both alike. Goal: an issuance check
costs at most twice a screening. A check screens everyone it names (the subject and the
requester, in one batch) and always records the request and its event (promise 5: every
decision is recorded); a clear screening records nothing.
"""

from __future__ import annotations

import datetime
import functools
import json
import platform
import random
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from supportmeasures import actions
from supportmeasures.models import Person
from tests.benchmarks.conftest import summary_ms, timed, write_section
from tests.benchmarks.test_screening_bench import MEASURES, _name, big_registry  # noqa: F401

pytestmark = [pytest.mark.bench, pytest.mark.django_db]

ROUNDS = 300


def test_an_issuance_check_costs_at_most_twice_a_screening(
    big_registry: list[Person],  # noqa: F811
    settings: Any,
) -> None:
    settings.MAMORI_SCREENING_LIMIT_CLIENT = 1_000_000
    settings.MAMORI_SCREENING_PEOPLE_CLIENT = 1_000_000_000
    _, token = actions.create_api_client(name="bench", acting_user=None, created_at=timezone.now())
    client = Client(headers={"Authorization": f"Bearer {token}"})
    rng = random.Random(11)

    def clear_person() -> dict[str, str]:
        name, kana, born = _name(rng)
        return {"name": name + "x", "kana": kana, "birth_date": born.isoformat()}

    def registered() -> dict[str, str]:
        p = rng.choice(big_registry)
        assert p.birth_date is not None
        return {"name": p.name, "birth_date": p.birth_date.isoformat()}

    def check_body(subject: dict[str, str]) -> str:
        return json.dumps(
            {
                "documents": ["juminhyo"],
                "channel": "counter",
                "requester": {"type": "third_party", **clear_person()},
                "subjects": [subject],
                "purpose": "bench",
            }
        )

    def post(path: str, body: str) -> None:
        response = client.post(path, body, content_type="application/json")
        assert response.status_code == 200, response.content

    def screening(person: dict[str, str]) -> str:
        return json.dumps({**person, "purpose": "bench"})

    for _ in range(20):  # warm up every path
        post("/api/v1/screenings", screening(clear_person()))
        post("/api/v1/issuance-checks", check_body(clear_person()))
        post("/api/v1/screenings", screening(registered()))
        post("/api/v1/issuance-checks", check_body(registered()))
    times: dict[str, list[float]] = {k: [] for k in ("s_clear", "c_clear", "s_hit", "c_hit")}
    for _ in range(ROUNDS):
        bodies = {
            "s_clear": ("/api/v1/screenings", screening(clear_person())),
            "c_clear": ("/api/v1/issuance-checks", check_body(clear_person())),
            "s_hit": ("/api/v1/screenings", screening(registered())),
            "c_hit": ("/api/v1/issuance-checks", check_body(registered())),
        }
        for key, (path, body) in bodies.items():
            times[key].append(timed(functools.partial(post, path, body)))
    f = {key: summary_ms(values) for key, values in times.items()}
    clear_ratio = f["c_clear"]["p50"] / f["s_clear"]["p50"]
    hit_ratio = f["c_hit"]["p50"] / f["s_hit"]["p50"]

    def row(label: str, key: str, against: str) -> str:
        return (
            f"| {label} | {f[key]['p50']:.2f} ms | {f[key]['p95']:.2f} ms | "
            f"**{f[key]['p50'] / f[against]['p50']:.2f}** | "
            f"{f[key]['p95'] / f[against]['p95']:.2f} |"
        )

    write_section(
        "Issuance checks (issue 11)",
        f"""
Run on {datetime.date.today().isoformat()}, Python {platform.python_version()}, the screening
benchmark's registry ({MEASURES:,} measures / {len(big_registry):,} people), through Django's
full middleware stack (test client, no network). {ROUNDS} rounds, each: a screening of a person
not in the registry, an issuance check about such a person, a screening of a registered person
and an issuance check about one (`tests/benchmarks/test_issuance_bench.py`). Every check names
a subject and a third-party requester (two people screened in one batch) and records the
request, its subject and a `request.recorded` event; a check about a registered person also
goes to review (the notices to its officers are written in the same transaction).

| request | p50 | p95 | ratio p50 / screening (goal ≤ 2) | ratio p95 / screening |
| --- | --- | --- | --- | --- |
| screening, clear | {f["s_clear"]["p50"]:.2f} ms | {f["s_clear"]["p95"]:.2f} ms | 1 | 1 |
{row("issuance check, clear", "c_clear", "s_clear")}
| screening that finds someone | {f["s_hit"]["p50"]:.2f} ms | {f["s_hit"]["p95"]:.2f} ms | 1 | 1 |
{row("issuance check about a registered person", "c_hit", "s_hit")}

Where a check's time goes beyond the screening's (queries counted on a small registry with
`CaptureQueriesContext`, time by wrapping each step): a clear screening is 2 round trips (the
token, the key look-up); a clear check is 6: the token, the look-up of both people, then the
record of the decision (promise 5): the savepoint pair that stands for BEGIN and COMMIT in
this benchmark (it runs inside the test's transaction), one statement inserting the request
with its subjects, and the audit append. A check that goes to review adds one query (who
holds the wards' officer and supervisor grants) and, when someone holds them, one for who
they are and the notices. Under load each round trip costs about 1 to 1.5 ms, Python about a
sixth of the check (compiling the insert, the event's canonical text, parsing).

Changed on 2026-12-06 (helper E): `record_request` inserts the request and its subjects in
one statement on PostgreSQL (`WITH new_request AS (INSERT … RETURNING id) INSERT INTO …`,
written by Django's insert compiler; SQLite keeps two) and hands the subjects back in the
request's prefetch cache, so the answer no longer re-reads them (8 round trips → 6); the
reviewers are found by `selectors.supervisor_grants` (one query with nobody to tell, two
with someone) instead of three joined queries and a grant look-up per officer (on a small
registry with one supervisor, 2.5 ms against 5.6 ms: planning those joins cost PostgreSQL
more than running them); `notify` with nobody to tell returns at once. Nothing left the
transaction, every person named is still screened, nothing is cached across requests.
Before (same machine, same day, load 3 to 4): clear ×2.02, ×2.51 and ×2.14; registered
person ×2.23, ×2.18 and ×2.26. After (load 4 to 7): clear ×2.17, ×2.00 and ×2.11 (the
table above); registered person ×1.42, ×1.41 and ×1.23.
The goal is met for a check about a registered person, with room; a clear check sits at
about twice a clear screening on this loaded machine and is not reliably under it: its four
round trips beyond the screening's are the savepoint pair and the two writes every decision
needs. In production the savepoint pair is BEGIN and COMMIT, and the audit append travels
with the COMMIT (`auditlog/postgresql/base.py`): one round trip fewer, plus a WAL flush
that this benchmark, which never commits, does not measure.
""",
    )
    print(
        f"\nscreening clear p50 {f['s_clear']['p50']:.2f} ms, check clear p50 "
        f"{f['c_clear']['p50']:.2f} ms (x{clear_ratio:.2f}); screening hit p50 "
        f"{f['s_hit']['p50']:.2f} ms, check hit p50 {f['c_hit']['p50']:.2f} ms (x{hit_ratio:.2f})"
    )

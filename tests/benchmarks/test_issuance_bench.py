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

Where a check's time goes beyond the screening's (queries counted on a small registry): a clear
screening is 2 round trips (the token, the key look-up); a clear check is 8 (the token, the
look-up of both people, the request, its subject, the audit append, the savepoint pair, and a
read of the subjects for the answer), a check that goes to review 13 (the notices to the
responsible ward's officers: the ward, who they are, the notice). Every one of them is the
record of a decision (promise 5) except the read of the subjects, which `record_request` could
hand back in the request's prefetch cache (a round trip less). The ratio is over the goal on
a loaded machine: the round trips, not Python, are the cost. Two runs on 2026-12-06 (load
average about 4 on 2 cores) gave 2.02 and 2.51 for a clear check, 2.23 and 2.18 for one about
a registered person: the goal is not met for a clear check. What would meet it is fewer round
trips in `record_request`: the subjects handed back (above), and the request and its subjects
inserted in one statement.
""",
    )
    print(
        f"\nscreening clear p50 {f['s_clear']['p50']:.2f} ms, check clear p50 "
        f"{f['c_clear']['p50']:.2f} ms (x{clear_ratio:.2f}); screening hit p50 "
        f"{f['s_hit']['p50']:.2f} ms, check hit p50 {f['c_hit']['p50']:.2f} ms (x{hit_ratio:.2f})"
    )

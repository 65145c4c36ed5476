"""The access matrix: every URL pattern × every role × own/other ward × GET/POST, compared with
the table in docs/roles.md (between the `access-matrix` markers).

Every member of staff here works in ward A. "own" fills a URL's arguments with objects of ward
A (a measure and person of A, an inquiry A sent, a plan A made, staff of A); "other" with
objects of ward B, or of B and C where two wards are involved (an inquiry from B to C), so that
nothing of A is in it. URLs without arguments give the same answer in both columns.

Each request runs in a savepoint that is rolled back (an empty POST to `approve` approves), so
every request sees the same data; POST bodies are empty (a form that validates nothing must
still be refused to whoever may not post). A cell is the status code, `login` for a redirect
to the login page, or `302` for any other redirect.

A URL pattern without rows in the table fails the test with the rows to add (what this code
observed: review them before pasting, they are the new rule). Set MAMORI_ACCESS_MATRIX_OUT to
a file name to have the whole observed table written there.
"""

from __future__ import annotations

import datetime
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import transaction
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from inquiries import actions as inquiry_actions
from inquiries.models import Channel, DisclosureCategory
from supportmeasures import actions
from supportmeasures.actions import PartyData, PersonData
from supportmeasures.models import (
    BasisKind,
    MeasureKind,
    Person,
    Role,
    Staff,
    SupportMeasure,
    Ward,
)

ROOT = Path(__file__).resolve().parents[2]
TABLE_FILE = ROOT / "docs" / "roles.md"
START, END = "<!-- access-matrix:start -->", "<!-- access-matrix:end -->"
HEADER = "| URL name | role | own GET | own POST | other GET | other POST |"

ROLES = (
    Role.CLERK,
    Role.SUPERVISOR,
    Role.AUDITOR,
    Role.ADMINISTRATOR,
    Role.CONTRACTOR,
    "anonymous",
)
# What the matrix does not walk, and why.
SKIPPED = {
    "admin/": "Django's admin: is_staff only; its own tests (tests/config/test_admin*.py)",
    "i18n/": "Django's set_language: a language cookie, no data",
}


def url_patterns() -> list[tuple[str, str]]:
    """(route, name) of every URL pattern, namespaced, except SKIPPED."""
    found: list[tuple[str, str]] = []

    def walk(patterns: list[Any], prefix: str, namespace: str) -> None:
        for p in patterns:
            route = prefix + str(p.pattern)
            if any(route.startswith(s) for s in SKIPPED):
                continue
            if isinstance(p, URLResolver):
                walk(p.url_patterns, route, namespace + (f"{p.namespace}:" if p.namespace else ""))
            elif isinstance(p, URLPattern):
                assert p.name, f"URL pattern {route!r} has no name: the matrix cannot row it"
                found.append((route, namespace + p.name))

    walk(get_resolver().url_patterns, "", "")
    return found


@dataclass
class Side:
    """The objects of one side (own: ward A; other: wards B and C)."""

    person: Person
    measure: SupportMeasure
    staff: Staff
    grantee: Staff
    inquiry: Any
    plan: Any
    received: Any  # an inquiry this side's ward receives (own) or neither sends nor receives
    # A document request recorded at this side's ward (awaiting review), and an issuance.
    doc_request: Any = None
    issuance: Any = None
    # A linked system's confirmation task: own, of the system the clerk of A is section staff
    # of (resident register); other, of a system nobody here staffs (tax).
    task: Any = None
    # A forwarding (転送) of this side's measure, recorded by its ward's clerk.
    forwarding: Any = None


def kwargs_for(name: str, side: Side) -> dict[str, Any]:
    person = {"public_id": side.person.public_id}
    measure = {"ref": side.measure.ref}
    inquiry = {"public_id": side.inquiry.public_id}
    received = {"public_id": side.received.public_id}
    plan = {"public_id": side.plan.public_id}
    known: dict[str, dict[str, Any]] = {
        "supportmeasures:person": person,
        "supportmeasures:acknowledge": person,
        "supportmeasures:details": person,
        "supportmeasures:print_details": person,
        "supportmeasures:measure": measure,
        "supportmeasures:decide": measure,
        "supportmeasures:extend": measure,
        "supportmeasures:ending_notice": measure,
        "supportmeasures:print_ending_notice": measure,
        "supportmeasures:end": measure,
        "supportmeasures:release": measure,
        "supportmeasures:correct_period": measure,
        "supportmeasures:grant": measure,
        "supportmeasures:revoke": {"ref": side.measure.ref, "staff_id": side.grantee.pk},
        "auditlog:person": person,
        "auditlog:staff": {"staff_id": side.staff.pk},
        "auditlog:report": {"code": "night"},
        "inquiries:plan": plan,
        "inquiries:edit_plan": plan,
        "inquiries:plan_contact": plan,
        "inquiries:print_plan_contact": plan,
        "inquiries:plan_action": {"public_id": side.plan.public_id, "action": "approve"},
        "inquiries:detail": inquiry,
        "inquiries:acknowledge": received,
        "inquiries:print": inquiry,
        "inquiries:sign_off": inquiry,
        "inquiries:raise": inquiry,
        "inquiries:answer": received,
        "inquiries:sign_off_answer": received,
        # Not a ward's: the same in both columns.
        "training:page": {"page_id": "status-travels"},
        "help:page": {"slug": "clerk"},
        "help:image": {"name": "clerk-1-login.png"},
        "requests:detail": {"public_id": getattr(side.doc_request, "public_id", None)},
        "requests:review": {"public_id": getattr(side.doc_request, "public_id", None)},
        "requests:issue": {"public_id": getattr(side.doc_request, "public_id", None)},
        "requests:withdraw": {"public_id": getattr(side.doc_request, "public_id", None)},
        "requests:dispose": {"pk": getattr(side.issuance, "pk", None)},
        "supportmeasures:forward": measure,
        "supportmeasures:move_out": measure,
        "supportmeasures:forward_reply": {
            "ref": side.measure.ref,
            "pk": getattr(side.forwarding, "pk", None),
        },
        "api:confirm_change": {"change_id": "1"},
        "propagation:task": {"pk": getattr(side.task, "pk", None)},
        "propagation:confirm": {"pk": getattr(side.task, "pk", None)},
        "propagation:fail": {"pk": getattr(side.task, "pk", None)},
        "issuance_check": {"check_id": str(getattr(side.doc_request, "public_id", ""))},
    }
    return known.get(name, {})


# --- the data, made through the real actions ------------------------------------------------

PASSWORD = "correct horse battery staple"


def person(name: str, kana: str, born: datetime.date, address: str) -> PersonData:
    return PersonData(name=name, kana=kana, birth_date=born, sex="F", address=address)


def build(now: datetime.datetime) -> tuple[dict[str, Staff], Side, Side]:
    wards = {
        code: Ward.objects.create(code=code, name=name, name_en=name)
        for code, name in (("141011", "鶴見区"), ("141020", "神奈川区"), ("141038", "西区"))
    }
    a, b, c = wards["141011"], wards["141020"], wards["141038"]
    counter = iter(range(1, 1000))

    def staff(ward: Ward, role: str) -> Staff:
        member = actions.register_staff(
            acting_user=None,
            username=f"{role}{next(counter)}_{ward.code}",
            full_name=role,
            ward=ward,
            role=role,
            password=PASSWORD,
            registered_at=now,
        )
        actions.record_training(
            staff=member,
            acting_user=None,
            completed_on=timezone.localdate(now) - datetime.timedelta(days=30),
            course="研修",
            recorded_at=now,
        )
        return member

    users = {role: staff(a, role) for role in ROLES if role != "anonymous"}
    clerk_b, supervisor_b = staff(b, Role.CLERK), staff(b, Role.SUPERVISOR)
    clerk_c, supervisor_c = staff(c, Role.CLERK), staff(c, Role.SUPERVISOR)
    supervisor_a2 = staff(a, Role.SUPERVISOR)

    def measure(
        clerk: Staff, decider: Staff, protected: PersonData, counterparty: PersonData
    ) -> SupportMeasure:
        assert clerk.ward is not None
        registered = actions.register_application(
            acting_user=clerk,
            ward=clerk.ward,
            kind=MeasureKind.DV,
            basis_kind=BasisKind.CONSULTING_BODY,
            basis_body="神奈川県警察",
            basis_opinion_on=None,
            basis_document="",
            applied_on=timezone.localdate(now),
            restricts_inspection=True,
            restricts_resident_copies=True,
            restricts_koseki_attachment=True,
            protected=protected,
            joint=[],
            counterparties=[PartyData(person=counterparty, relationship="夫")],
            registered_at=now,
        )
        return actions.decide_measure(
            measure=registered,
            acting_user=decider,
            approve=True,
            starts_on=timezone.localdate(now),
            decided_at=now,
        )

    x = person("山﨑 美咲", "ヤマサキ ミサキ", datetime.date(1990, 5, 12), "横浜市鶴見区豊岡町20-1")
    z = person("佐藤 花子", "サトウ ハナコ", datetime.date(1985, 1, 2), "横浜市神奈川区反町1-1")
    y = person(
        "山﨑 健一", "ヤマサキ ケンイチ", datetime.date(1986, 11, 3), "東京都大田区蒲田1-2-3"
    )
    w = person("佐藤 次郎", "サトウ ジロウ", datetime.date(1980, 3, 4), "川崎市川崎区1-1")
    own_measure = measure(users[Role.CLERK], supervisor_a2, x, y)
    other_measure = measure(clerk_b, supervisor_b, z, w)
    for m, by, to in (
        (own_measure, supervisor_a2, clerk_b),
        (other_measure, supervisor_b, clerk_c),
    ):
        actions.grant_details_access(
            measure=m, acting_user=by, grantee=to, reason="照会対応のため", granted_at=now
        )

    def inquiry(clerk: Staff, signer: Staff, to: Ward, about: PersonData) -> Any:
        drafted = inquiry_actions.create_inquiry(
            acting_user=clerk,
            to_ward=to,
            to_department="保険年金課",
            subject_name=about.name,
            subject_kana=about.kana,
            subject_birth_date=None,
            question="国民健康保険の加入状況を教えてください",
            reason="福祉相談の手続きのため",
            urgency="urgent",
            created_at=now,
        )
        return inquiry_actions.sign_off_inquiry(
            inquiry=drafted, acting_user=signer, confirmed_minimal=True, signed_at=now
        )

    def plan(clerk: Staff) -> Any:
        return inquiry_actions.create_plan(
            acting_user=clerk,
            created_at=now,
            inquiry=None,
            matter_name="鈴木 一郎",
            matter_kana="スズキ イチロウ",
            target_name="鈴木 一郎",
            target_kana="スズキ イチロウ",
            target_contact="090-0000-0000",
            target_relation="本人",
            channel=Channel.PHONE,
            purpose="保険料の確認",
            categories=[DisclosureCategory.IDENTITY],
            wording="書類をお送りします",
        )

    own = Side(
        person=Person.objects.get(name=x.name),
        measure=own_measure,
        staff=supervisor_a2,
        grantee=clerk_b,
        inquiry=inquiry(users[Role.CLERK], supervisor_a2, b, x),
        plan=plan(users[Role.CLERK]),
        received=inquiry(clerk_b, supervisor_b, a, z),  # B asks A: A acknowledges, answers
    )
    other = Side(
        person=Person.objects.get(name=z.name),
        measure=other_measure,
        staff=clerk_b,
        grantee=clerk_c,
        inquiry=inquiry(clerk_b, supervisor_b, c, z),
        plan=plan(clerk_b),
        received=inquiry(clerk_c, supervisor_c, b, w),  # between B and C: not A's
    )
    for side, clerk, about in ((own, users[Role.CLERK], x), (other, clerk_b, z)):
        side.doc_request, side.issuance = document_requests(clerk, about, now)
    own.task, other.task = section_tasks(users[Role.CLERK], own_measure, other_measure, now)
    own.forwarding, other.forwarding = (
        forwarding(clerk, m, now)
        for clerk, m in ((users[Role.CLERK], own_measure), (clerk_b, other_measure))
    )
    return users, own, other


def forwarding(clerk: Staff, measure: SupportMeasure, now: datetime.datetime) -> Any:
    """The measure forwarded to its person's domicile (本籍地) by its ward's clerk."""
    from supportmeasures.propagation import forwarding as forwardings

    return forwardings.forward_measure(
        measure=measure,
        acting_user=clerk,
        relation="domicile",
        municipality_name="札幌市",
        municipality_code="011002",
        forwarded_on=measure.applied_on,
        recorded_at=now,
    )


def section_tasks(
    clerk: Staff, own: SupportMeasure, other: SupportMeasure, now: datetime.datetime
) -> tuple[Any, Any]:
    """The clerk of A made section staff of the resident-register system: its open task for
    A's measure (own), and the tax system's open task for B's measure (other)."""
    from supportmeasures.models import ConfirmationTask, LinkedSystem
    from supportmeasures.propagation import actions as propagation

    register = LinkedSystem.objects.get(code="resident_register")
    propagation.grant_section_staff(acting_user=None, staff=clerk, system=register, granted_at=now)
    return (
        ConfirmationTask.objects.get(change__measure=own, system=register, state="open"),
        ConfirmationTask.objects.get(change__measure=other, system__code="tax", state="open"),
    )


def document_requests(clerk: Staff, about: PersonData, now: datetime.datetime) -> tuple[Any, Any]:
    """A request about the side's protected person (awaiting review), and an issuance of a
    request about nobody in the registry, both at the clerk's ward."""
    from inquiries.requests import actions as request_actions
    from inquiries.requests.actions import Named, Requester

    def record(person: Named) -> Any:
        return request_actions.record_request(
            ward=clerk.ward,
            by=clerk,
            recorded_at=now,
            documents=["juminhyo"],
            channel="counter",
            requester=Requester(person.name, person.kana, person.birth_date, type="self"),
            client=None,
            subjects=[person],
            purpose="手続きのため",
        )

    awaiting = record(Named(about.name, about.kana, about.birth_date))
    issued = request_actions.record_issuance(
        request=record(Named("鈴木 一郎", "スズキ イチロウ")),
        by=clerk,
        issued_at=now,
        place="窓口",
        pages=1,
        issue_number=f"M-{clerk.pk}",
    )
    return awaiting, issued


# --- walking ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    name: str
    role: str
    cells: tuple[str, str, str, str]

    def line(self) -> str:
        return f"| `{self.name}` | {self.role} | " + " | ".join(self.cells) + " |"


def cell(response: Any) -> str:
    if response.status_code in (301, 302):
        target = response.headers.get("Location", "")
        login = resolve_url(settings.LOGIN_URL)
        return "login" if target.startswith(login) else str(response.status_code)
    return str(response.status_code)


@contextmanager
def rolled_back() -> Iterator[None]:
    # Marked as Django's TestCase marks its own blocks, so the actions' durable blocks run
    # inside it as they would at the top level; then everything is undone.
    atomic = transaction.atomic()
    atomic._from_testcase = True  # type: ignore[attr-defined]
    with atomic:
        yield
        transaction.set_rollback(True)


def request(client: Client, method: str, url: str) -> str:
    cookies = client.cookies
    client.cookies = type(cookies)(cookies)  # a logout must not log the next request out
    try:
        with rolled_back():
            response = client.get(url) if method == "GET" else client.post(url, {})
        return cell(response)
    finally:
        client.cookies = cookies


def observed(users: dict[str, Staff], own: Side, other: Side) -> dict[tuple[str, str], Row]:
    clients: dict[str, Client] = {}
    for role in ROLES:
        client = Client(raise_request_exception=False)
        if role != "anonymous":
            client.force_login(users[role])
        clients[role] = client
    rows: dict[tuple[str, str], Row] = {}
    for _route, name in url_patterns():
        try:
            urls = [reverse(name, kwargs=kwargs_for(name, side)) for side in (own, other)]
        except NoReverseMatch:
            pytest.fail(
                f"URL pattern {name!r} takes arguments the matrix does not know: add them to "
                "kwargs_for() (an object of the own ward and of the other), then its rows"
            )
        for role in ROLES:
            got = tuple(
                request(clients[role], method, url) for url in urls for method in ("GET", "POST")
            )
            rows[(name, role)] = Row(name, role, got)  # type: ignore[arg-type]
    return rows


def documented() -> dict[tuple[str, str], Row]:
    text = TABLE_FILE.read_text(encoding="utf-8")
    assert START in text and END in text, f"docs/roles.md has no {START} … {END} table"
    table = text.split(START, 1)[1].split(END, 1)[0]
    rows: dict[tuple[str, str], Row] = {}
    for line in table.splitlines():
        found = re.match(r"^\|\s*`([^`]+)`\s*\|\s*(\w+)\s*\|(.*)\|\s*$", line)
        if not found:
            continue
        parts = [c.strip() for c in found.group(3).split("|")]
        assert len(parts) == 4, f"docs/roles.md: a matrix row needs four cells: {line}"
        cells = (parts[0], parts[1], parts[2], parts[3])
        rows[(found.group(1), found.group(2))] = Row(found.group(1), found.group(2), cells)
    return rows


def as_table(rows: list[Row]) -> str:
    return "\n".join([HEADER, "| --- | --- | --- | --- | --- | --- |", *(r.line() for r in rows)])


@pytest.fixture
def world(db: None) -> tuple[dict[str, Staff], Side, Side]:
    return build(timezone.now())


class TestAccessMatrix:
    def test_every_url_every_role_and_both_wards_answer_as_docs_roles_md_says(
        self, world: tuple[dict[str, Staff], Side, Side]
    ) -> None:
        users, own, other = world

        seen = observed(users, own, other)

        written = os.environ.get("MAMORI_ACCESS_MATRIX_OUT")
        if written:
            Path(written).write_text(as_table(list(seen.values())) + "\n", encoding="utf-8")
        table = documented()
        missing = [row for key, row in seen.items() if key not in table]
        differ = [
            f"{row.name} as {row.role}: docs say {' | '.join(table[key].cells)}, "
            f"the app answers {' | '.join(row.cells)}"
            for key, row in seen.items()
            if key in table and table[key].cells != row.cells
        ]
        gone = [f"{name} as {role}" for (name, role) in table if (name, role) not in seen]
        problems = []
        if missing:
            problems.append(
                "URL patterns without rows in docs/roles.md (decide who may open them, then "
                "add these rows as observed, corrected to the rule):\n"
                + "\n".join(r.line() for r in missing)
            )
        if differ:
            problems.append("Answers that differ from docs/roles.md:\n" + "\n".join(differ))
        if gone:
            problems.append("Rows in docs/roles.md for no URL pattern:\n" + "\n".join(gone))
        assert not problems, "\n\n".join(problems)

    def test_a_url_pattern_without_a_row_is_named(self) -> None:
        table = documented()

        names = {name for _route, name in url_patterns()}

        without_rows = sorted(
            f"{name} as {role}" for name in names for role in ROLES if (name, role) not in table
        )
        assert not without_rows, "URL patterns without rows in docs/roles.md: " + ", ".join(
            without_rows
        )
        assert {name for name, _role in table} <= names, "docs/roles.md rows for no URL pattern"


def test_the_walk_skips_only_what_it_says() -> None:
    routes = [route for route, _name in url_patterns()]

    assert not [r for r in routes if r.startswith(tuple(SKIPPED))]
    assert "search/" in routes and "healthz" in routes

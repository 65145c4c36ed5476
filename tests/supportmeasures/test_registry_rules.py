"""Each registry rule has one home (docs/architecture.md): the action enforces it, the page
offers a decision only when its action would succeed, and who sees an owning ward is asked
in one place."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from auditlog.models import AuditEvent, EventKind
from supportmeasures import actions, permissions, selectors, wareki
from supportmeasures.models import (
    DecisionKind,
    EndReason,
    MeasureStatus,
    Person,
    Role,
    Staff,
    SupportMeasure,
    Ward,
)
from supportmeasures.screening import Result

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


# --- who may see the owning ward ------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        (Role.CLERK, True),
        (Role.SUPERVISOR, True),
        (Role.AUDITOR, False),
        (Role.ADMINISTRATOR, False),
        (Role.CONTRACTOR, False),
    ],
)
class TestOwningWardIsShownOnlyToCaseStaff:
    def test_on_the_person_page(self, login, make_staff, ward_b, y, role, sees):
        staff = make_staff(ward_b, role)  # of another ward: its own name is 神奈川区

        body = login(staff).get(y.get_absolute_url()).content.decode()

        assert "flag-banner--counterparty" in body  # the flag travels to everyone
        assert ("鶴見区</td>" in body) is sees
        if not sees:
            assert "鶴見区" not in body
            assert "withheld" in body

    def test_in_the_mailing_list_download(self, login, make_staff, ward_b, y, role, sees):
        staff = make_staff(ward_b, role)

        response = login(staff).post(
            reverse("supportmeasures:batch_screening"),
            {
                "file": SimpleUploadedFile("l.csv", "name\n山崎 健一\n".encode(), "text/csv"),
                "encoding": "utf-8",
                "purpose": "案内",
            },
        )

        from tests.supportmeasures.test_views import downloaded

        text = downloaded(response).decode("utf-8-sig")
        assert "counterparty" in text
        assert ("鶴見区" in text) is sees
        page = response.content.decode()
        table = page[page.index('<table class="data-table">') : page.index("</table>")]
        assert ("鶴見区" in table) is sees  # nor on the page

    def test_the_predicate_says_the_same(self, make_staff, ward_b, x, role, sees):
        staff = make_staff(ward_b, role)

        assert permissions.may_see_owning_wards(staff) is sees
        assert permissions.person_actions(staff, x).see_owning_wards is sees


# --- every decision on a measure: offered exactly when its action succeeds -------------------

STATES = ["provisional", "active", "extension_open", "lapsed", "lapsed_long", "ended"]
ACTORS = ["supervisor", "registrar", "untrained", "clerk", "other_ward"]
DECISIONS = ["decide", "extend", "correct_period", "end", "release", "grant"]
REASON = "理由を記録"


@pytest.fixture
def registrar(make_staff: Callable[..., Staff], ward_a: Ward) -> Staff:
    """A supervisor of the owning ward who registered the application."""
    return make_staff(ward_a, Role.SUPERVISOR, username="a_registrar")


@pytest.fixture
def measure_in(
    register: Callable[..., SupportMeasure],
    decide: Callable[..., SupportMeasure],
    registrar: Staff,
    supervisor_a: Staff,
    today: datetime.date,
    now: datetime.datetime,
) -> Callable[[str], SupportMeasure]:
    def make(state: str) -> SupportMeasure:
        measure = register(registrar)
        year_ago = wareki.add_years(today, -1)
        starts_on = {
            "provisional": None,
            "active": today,
            "extension_open": year_ago + datetime.timedelta(days=10),
            "lapsed": year_ago - datetime.timedelta(days=30),
            "lapsed_long": wareki.add_years(today, -3),
            "ended": today,
        }[state]
        if starts_on is not None:
            measure = decide(measure, supervisor_a, starts_on=starts_on)
        if state == "ended":
            measure = actions.end_measure(
                measure=measure,
                acting_user=supervisor_a,
                end_reason=EndReason.REQUESTED,
                reason=REASON,
                decided_at=now,
            )
        return measure

    return make


def actor(request: pytest.FixtureRequest, name: str) -> Staff:
    if name == "untrained":
        make_staff = request.getfixturevalue("make_staff")
        return make_staff(request.getfixturevalue("ward_a"), Role.SUPERVISOR, trained=False)
    fixture = {
        "supervisor": "supervisor_a",
        "registrar": "registrar",
        "clerk": "clerk_a",
        "other_ward": "supervisor_b",
    }[name]
    staff: Staff = request.getfixturevalue(fixture)
    return staff


def take(
    decision: str, measure: SupportMeasure, user: Staff, grantee: Staff, now: datetime.datetime
) -> None:
    today = timezone.localdate(now)
    kwargs: dict[str, Any] = {"measure": measure, "acting_user": user}
    if decision == "decide":
        actions.decide_measure(**kwargs, approve=True, starts_on=today, decided_at=now)
    elif decision == "extend":
        actions.extend_measure(**kwargs, decided_at=now)
    elif decision == "correct_period":
        ends_on = (measure.ends_on or today) + datetime.timedelta(days=30)
        actions.correct_period(**kwargs, ends_on=ends_on, reason=REASON, decided_at=now)
    elif decision == "end":
        actions.end_measure(**kwargs, end_reason=EndReason.REQUESTED, reason=REASON, decided_at=now)
    elif decision == "release":
        actions.release_lapsed_measure(**kwargs, reason=REASON, decided_at=now)
    else:
        actions.grant_details_access(**kwargs, grantee=grantee, reason=REASON, granted_at=now)


@pytest.mark.parametrize("decision", DECISIONS)
@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("who", ACTORS)
def test_a_decision_is_offered_exactly_when_its_action_succeeds(
    request, login, measure_in, clerk_b, now, today, decision, state, who
):
    measure = measure_in(state)
    user = actor(request, who)
    offered = getattr(permissions.measure_actions(user, measure, today), decision)
    url = reverse(f"supportmeasures:{decision}", args=[measure.ref])

    page = login(user).get(url)
    try:
        take(decision, measure, user, clerk_b, now)
    except actions.ActionRefused:
        succeeded = False
    else:
        succeeded = True

    assert offered is succeeded
    assert (page.status_code == 200) is offered
    if not offered:
        # A page that would fail is never shown: out of scope 404, a state that does not
        # allow it goes back to the measure, anyone else is told why.
        assert page.status_code in (302, 403, 404)


class TestTheMeasurePage:
    def test_shows_the_buttons_of_the_decisions_that_would_succeed(
        self, login, measure_in, supervisor_a, today
    ):
        measure = measure_in("lapsed")

        body = login(supervisor_a).get(measure.get_absolute_url()).content.decode()

        for decision, shown in [
            ("extend", True),
            ("correct_period", True),
            ("release", True),
            ("grant", True),
            ("end", True),
            ("decide", False),
        ]:
            url = reverse(f"supportmeasures:{decision}", args=[measure.ref])
            assert (url in body) is shown, decision

    def test_an_extension_not_yet_open_says_when_it_opens(
        self, login, measure_in, supervisor_a, today
    ):
        measure = measure_in("active")
        assert measure.ends_on is not None
        opens_on = wareki.add_months(measure.ends_on, -1)

        body = login(supervisor_a).get(measure.get_absolute_url()).content.decode()

        assert reverse("supportmeasures:extend", args=[measure.ref]) not in body
        assert opens_on.isoformat() in body
        assert reverse("supportmeasures:correct_period", args=[measure.ref]) in body

    def test_the_registrar_is_told_why_they_cannot_decide(self, login, measure_in, registrar):
        measure = measure_in("provisional")

        body = login(registrar).get(measure.get_absolute_url()).content.decode()

        assert reverse("supportmeasures:decide", args=[measure.ref]) not in body
        assert "申出を登録した職員は、その申出の決定を行えません" in body
        # Ending an undecided application is deciding it: not offered either.
        assert reverse("supportmeasures:end", args=[measure.ref]) not in body

    def test_an_untrained_supervisor_sees_no_button_and_the_reason(
        self, login, measure_in, make_staff, ward_a
    ):
        measure = measure_in("lapsed")
        untrained = make_staff(ward_a, Role.SUPERVISOR, trained=False)

        body = login(untrained).get(measure.get_absolute_url()).content.decode()

        assert "研修" in body
        assert "/release/" not in body and "/extend/" not in body and "/grant/" not in body

    def test_an_ended_measure_offers_nothing_but_revoking(
        self, login, measure_in, supervisor_a, clerk_b, now
    ):
        measure = measure_in("active")
        actions.grant_details_access(
            measure=measure, acting_user=supervisor_a, grantee=clerk_b, reason=REASON,
            granted_at=now,
        )  # fmt: skip
        actions.end_measure(
            measure=measure,
            acting_user=supervisor_a,
            end_reason=EndReason.DECIDED,
            reason=REASON,
            decided_at=now,
        )

        body = login(supervisor_a).get(measure.get_absolute_url()).content.decode()

        for decision in DECISIONS:
            assert reverse(f"supportmeasures:{decision}", args=[measure.ref]) not in body
        assert reverse("supportmeasures:revoke", args=[measure.ref, clerk_b.pk]) in body

    def test_the_revoke_button_only_for_a_trained_supervisor_of_the_owning_ward(
        self, login, measure_in, supervisor_a, clerk_a, clerk_b, today, now
    ):
        measure = measure_in("active")
        actions.grant_details_access(
            measure=measure, acting_user=supervisor_a, grantee=clerk_b, reason=REASON,
            granted_at=now,
        )  # fmt: skip
        revoke = reverse("supportmeasures:revoke", args=[measure.ref, clerk_b.pk])

        assert revoke not in login(clerk_a).get(measure.get_absolute_url()).content.decode()
        assert not permissions.measure_actions(clerk_a, measure, today).revoke
        assert revoke in login(supervisor_a).get(measure.get_absolute_url()).content.decode()
        assert permissions.measure_actions(supervisor_a, measure, today).revoke


# --- who may grant access to a measure's details --------------------------------------------


class TestGrantingAccess:
    def test_an_ended_measure_is_refused_and_nothing_is_saved(
        self, measure_in, supervisor_a, clerk_b, now
    ):
        measure = measure_in("ended")
        decisions = measure.decisions.count()
        events = AuditEvent.objects.count()

        with pytest.raises(actions.InvalidTransition) as refused:
            actions.grant_details_access(
                measure=measure,
                acting_user=supervisor_a,
                grantee=clerk_b,
                reason=REASON,
                granted_at=now,
            )

        assert "終了" in str(refused.value)  # translated: the measure has ended
        permissions.forget_grants(clerk_b)
        assert measure.pk not in permissions.granted_measure_ids(clerk_b)
        assert measure.decisions.count() == decisions
        assert not measure.decisions.filter(kind=DecisionKind.ACCESS_GRANTED).exists()
        assert AuditEvent.objects.count() == events
        assert not AuditEvent.objects.filter(kind=EventKind.ACCESS_GRANTED).exists()

    def test_the_refusal_is_said_in_english_too(
        self, in_english, measure_in, supervisor_a, clerk_b, today
    ):
        refusal = permissions.grant_refusal(supervisor_a, measure_in("ended"), today)

        assert isinstance(refusal, actions.InvalidTransition)
        assert "has ended" in str(refusal)

    def test_the_grant_page_of_an_ended_measure_goes_back_to_it(
        self, login, measure_in, supervisor_a, clerk_b
    ):
        measure = measure_in("ended")
        url = reverse("supportmeasures:grant", args=[measure.ref])

        response = login(supervisor_a).post(url, {"grantee": clerk_b.pk, "reason": REASON})

        assert response.status_code == 302
        assert response["Location"] == measure.get_absolute_url()
        assert measure.pk not in permissions.granted_measure_ids(clerk_b)

    def test_staff_of_the_owning_ward_are_not_granted(self, measure_in, supervisor_a, clerk_a, now):
        measure = measure_in("active")

        with pytest.raises(actions.NotPermitted):
            actions.grant_details_access(
                measure=measure,
                acting_user=supervisor_a,
                grantee=clerk_a,
                reason=REASON,
                granted_at=now,
            )

        assert measure.pk not in permissions.granted_measure_ids(clerk_a)

    def test_the_grantable_list_is_exactly_whom_the_rule_accepts(
        self, measure_in, make_staff, ward_a, ward_b
    ):
        measure = measure_in("active")
        for ward in (ward_a, ward_b):
            for role in Role.values:
                make_staff(ward, role)
        inactive = make_staff(ward_b, Role.CLERK)
        inactive.is_active = False
        inactive.save()

        listed = set(selectors.grantable_staff(measure=measure))

        for staff in Staff.objects.all():
            assert (staff in listed) is (permissions.grantee_refusal(staff, measure) is None)
        assert {s.ward_id for s in listed} == {ward_b.pk}


# --- when an extension opens -----------------------------------------------------------------


def trained_back_then(staff: Staff, now: datetime.datetime) -> None:
    """A training valid on the past days these tests ask about (2025-10-01 to 2026-09-30)."""
    actions.record_training(
        staff=staff,
        acting_user=None,
        completed_on=datetime.date(2025, 10, 1),
        course="研修",
        recorded_at=now,
    )


class TestWhenAnExtensionOpens:
    def test_one_month_before_the_end_clamped_to_a_short_month(
        self, register, decide, clerk_a, supervisor_a, now
    ):
        trained_back_then(supervisor_a, now)
        measure = decide(
            register(clerk_a),
            supervisor_a,
            starts_on=datetime.date(2025, 4, 1),
            ends_on=datetime.date(2026, 3, 31),
        )

        assert not permissions.may_extend(supervisor_a, measure, datetime.date(2026, 2, 27))
        assert permissions.may_extend(supervisor_a, measure, datetime.date(2026, 2, 28))
        assert measure.extension_opens_on() == datetime.date(2026, 2, 28)

    def test_not_once_the_new_year_would_already_be_over(
        self, register, decide, clerk_a, supervisor_a, now
    ):
        trained_back_then(supervisor_a, now)
        measure = decide(
            register(clerk_a), supervisor_a, starts_on=datetime.date(2024, 4, 1)
        )  # ends 2025-03-31; a new year would run to 2026-03-31

        assert permissions.may_extend(supervisor_a, measure, datetime.date(2026, 3, 31))
        assert not permissions.may_extend(supervisor_a, measure, datetime.date(2026, 4, 1))

    def test_the_action_extends_by_the_period_the_rule_names(self, measure_in, supervisor_a, now):
        measure = measure_in("extension_open")
        period = permissions.extension_period(measure)

        measure = actions.extend_measure(measure=measure, acting_user=supervisor_a, decided_at=now)

        assert (measure.starts_on, measure.ends_on) == period


# --- the training rule -----------------------------------------------------------------------


class TestTheTrainingRule:
    def test_recording_a_training_is_seen_at_once_by_the_same_user_object(
        self, make_staff, ward_a, today, now
    ):
        staff = make_staff(ward_a, Role.SUPERVISOR, trained=False)
        assert not permissions.is_trained(staff, today)

        actions.record_training(
            staff=staff, acting_user=None, completed_on=today, course="研修", recorded_at=now
        )

        assert permissions.is_trained(staff, today)

    def test_lapsed_case_staff_are_refused_with_the_training_reason(
        self, make_staff, ward_a, today
    ):
        staff = make_staff(ward_a, Role.CLERK, trained=False)

        assert isinstance(permissions.training_refusal(staff, today), actions.TrainingLapsed)


# --- one home each: nobody asks the same question another way ------------------------------


def _sources() -> list[Path]:
    return [
        path
        for app in ("supportmeasures", "inquiries", "auditlog", "config")
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts
    ]


@pytest.mark.parametrize(
    ("pattern", "home"),
    [
        # The training rule: only permissions.is_trained asks the model.
        (r"training_valid_on\(|\.valid_on\(", {"supportmeasures/permissions.py"}),
        # "Who must be told": only selectors.staff_with_roles reads the role groups.
        (r"groups__name", {"supportmeasures/selectors.py"}),
        # The owning-ward lookup: only selectors.wards_with_codes turns codes into wards.
        (r"code__in\s*=", {"supportmeasures/selectors.py"}),
    ],
)
def test_a_rule_is_asked_in_one_place(pattern, home):
    found = {
        str(path.relative_to(ROOT))
        for path in _sources()
        if re.search(pattern, path.read_text(encoding="utf-8"))
        and path.name != "models.py"  # where the data and its queryset are defined
    }

    assert found == home


# --- the protected-status vocabulary ---------------------------------------------------------


class TestOneVocabulary:
    def test_the_badges_say_what_screening_result_says(self, login, clerk_b, x, y, in_english):
        body = login(clerk_b).get(reverse("supportmeasures:search"), {"name": "山﨑"})

        text = body.content.decode()
        assert f'badge--counterparty">{Result.COUNTERPARTY.label}<' in text
        assert f'badge--protected">{Result.PROTECTED.label}<' in text

    def test_the_inquiries_badges_use_the_same_labels(self):
        from inquiries.models import ProtectedStatus
        from inquiries.templatetags.inquiry_tags import status_badge

        for status, result in [
            (ProtectedStatus.NONE, Result.CLEAR),
            (ProtectedStatus.POSSIBLE_MATCH, Result.POSSIBLE_MATCH),
            (ProtectedStatus.PROTECTED, Result.PROTECTED),
            (ProtectedStatus.COUNTERPARTY, Result.COUNTERPARTY),
        ]:
            assert f">{result.label}</span>" in status_badge(status)


def test_the_owning_ward_lookup_keeps_known_codes_in_code_order(ward_a, ward_b):
    assert selectors.wards_with_codes(["141020", "999999", "141011"]) == [ward_a, ward_b]


def test_person_actions_open_details_only_in_scope(clerk_a, clerk_b, x: Person):
    assert permissions.person_actions(clerk_a, x).open_details
    assert not permissions.person_actions(clerk_b, x).open_details
    assert MeasureStatus.ACTIVE in {p.measure.status for p in x.parties.all()}

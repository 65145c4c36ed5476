"""The measure list page: each ward's case staff see their ward's measures, the soonest end
first; a measure past its end is listed as lapsed before any job has run; auditors see every
ward; nobody else sees any."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from supportmeasures import actions
from supportmeasures.actions import PersonData
from supportmeasures.models import EndReason, Role, SupportMeasure

pytestmark = pytest.mark.django_db

LIST = reverse("supportmeasures:measures")
W = PersonData(name="渡邉 さくら", kana="ワタナベ サクラ", birth_date=datetime.date(1995, 2, 3))


@pytest.fixture
def overdue(register, decide, clerk_a, supervisor_a) -> SupportMeasure:
    """Ward A's measure that ended on 2025-03-31; no job has marked it lapsed."""
    return decide(register(clerk_a, protected=W), supervisor_a, starts_on=datetime.date(2024, 4, 1))


@pytest.fixture
def ward_b_measure(register, clerk_b) -> SupportMeasure:
    return register(clerk_b, protected=PersonData(name="佐藤 花", kana="サトウ ハナ"))


def page(client, **params: str) -> str:
    response = client.get(LIST, params)
    assert response.status_code == 200
    return response.content.decode()


class TestMeasureList:
    def test_a_clerk_sees_their_wards_measures_the_soonest_end_first_and_no_other_ward(
        self, login, clerk_a, x_measure, overdue, ward_b_measure
    ):
        body = page(login(clerk_a))

        assert 'id="ward-141011"' in body and 'id="ward-141020"' not in body
        assert body.index(overdue.ref) < body.index(x_measure.ref)
        assert "山﨑 美咲" in body and "渡邉 さくら" in body
        assert ward_b_measure.ref not in body and "佐藤 花" not in body

    def test_a_measure_past_its_end_is_listed_as_lapsed_not_active_before_any_job_runs(
        self, login, clerk_a, x_measure, overdue
    ):
        client = login(clerk_a)

        lapsed = page(client, status="lapsed")
        active = page(client, status="active")

        assert overdue.ref in lapsed and x_measure.ref not in lapsed
        assert x_measure.ref in active and overdue.ref not in active
        # Lapsed still protects: the badge stays.
        assert "badge--protected" in lapsed

    def test_an_ended_measure_is_listed_without_the_protected_badge(
        self, login, clerk_a, x_measure, supervisor_a, now
    ):
        actions.end_measure(
            measure=x_measure,
            acting_user=supervisor_a,
            end_reason=EndReason.REQUESTED,
            reason="本人の申出",
            decided_at=now,
        )

        body = page(login(clerk_a), status="ended")

        assert x_measure.ref in body
        assert "badge--protected" not in body

    def test_an_auditor_sees_every_ward_and_may_narrow_to_one(
        self, login, auditor, x_measure, ward_b_measure
    ):
        client = login(auditor)

        every = page(client)
        ward_b_only = page(client, ward="141020")

        assert x_measure.ref in every and ward_b_measure.ref in every
        assert ward_b_measure.ref in ward_b_only and x_measure.ref not in ward_b_only

    def test_a_grant_adds_one_measure_of_another_ward(
        self, login, clerk_b, supervisor_a, x_measure, overdue, now
    ):
        actions.grant_details_access(
            measure=x_measure,
            acting_user=supervisor_a,
            grantee=clerk_b,
            reason="共同対応",
            granted_at=now,
        )

        body = page(login(clerk_b))

        assert x_measure.ref in body and overdue.ref not in body

    @pytest.mark.parametrize("role", [Role.CONTRACTOR])
    def test_nobody_without_a_case_role_sees_any_measure(
        self, login, make_staff, ward_a, x_measure, role
    ):
        response = login(make_staff(ward_a, role)).get(LIST)

        assert x_measure.ref not in response.content.decode()
        assert "山﨑 美咲" not in response.content.decode()

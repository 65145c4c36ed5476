"""A lifting change does not tell section staff to lift the block of someone another measure
in force still protects (reviewer R12): X's first measure ends while her second one protects
her; the task page marks her "keep", and the people no other measure covers "lift"."""

from __future__ import annotations

import pytest
from django.urls import reverse

from supportmeasures import actions
from supportmeasures.actions.common import PersonData
from supportmeasures.models import BlockChangeKind, ConfirmationTask, EndReason
from supportmeasures.propagation import selectors

pytestmark = pytest.mark.django_db

KEEP = "still protected by another measure"


def _end(measure, supervisor, now):
    return actions.end_measure(
        measure=measure,
        acting_user=supervisor,
        end_reason=EndReason.REQUESTED,
        reason="本人の申出",
        decided_at=now,
    )


def _lift_task(measure, system) -> ConfirmationTask:
    return ConfirmationTask.objects.get(
        change__measure=measure, change__kind=BlockChangeKind.ENDED, system=system
    )


def test_a_person_still_protected_elsewhere_is_marked_keep(
    login, register, x_measure, clerk_a, supervisor_a, section_clerk, register_system, now
):
    second = register(clerk_a)  # X applies again: a second measure in force
    assert second.pk != x_measure.pk
    _end(x_measure, supervisor_a, now)
    task = _lift_task(x_measure, register_system)
    (x_entry,) = task.change.released_persons

    assert selectors.still_restricted_ids(task.change) == {x_entry["id"]}
    page = login(section_clerk).get(reverse("propagation:task", kwargs={"pk": task.pk}))
    assert page.status_code == 200
    text = page.content.decode()
    assert "row--alarm" in text and ("別の支援措置" in text or KEEP in text)


def test_the_same_name_and_birth_date_in_another_ward_counts_too(
    register, x_measure, clerk_b, supervisor_a, register_system, now
):
    from tests.conftest import X

    register(clerk_b, protected=PersonData(name=X.name, kana=X.kana, birth_date=X.birth_date))
    _end(x_measure, supervisor_a, now)
    task = _lift_task(x_measure, register_system)

    assert selectors.still_restricted_ids(task.change) == {
        p["id"] for p in task.change.released_persons
    }


def test_nobody_else_protecting_them_means_lift(
    login, x_measure, supervisor_a, section_clerk, register_system, now
):
    _end(x_measure, supervisor_a, now)
    task = _lift_task(x_measure, register_system)

    assert selectors.still_restricted_ids(task.change) == frozenset()
    text = login(section_clerk).get(reverse("propagation:task", kwargs={"pk": task.pk}))
    assert "row--alarm" not in text.content.decode()


def test_the_period_end_is_not_a_date_to_lift_the_block(
    login, x_measure, section_clerk, register_system
):
    """A lapse is not a change (the measure still protects): the page and the feed's schema
    say that `ends_on` is never the day to lift the block."""
    from supportmeasures.openapi import SCHEMA

    task = ConfirmationTask.objects.get(
        change__measure=x_measure, change__kind=BlockChangeKind.APPROVED, system=register_system
    )
    text = login(section_clerk).get(reverse("propagation:task", kwargs={"pk": task.pk}))

    assert "この日に制限を解除しないでください" in text.content.decode()
    ends_on = SCHEMA["components"]["schemas"]["Change"]["properties"]["ends_on"]
    assert "never lift" in ends_on["description"]

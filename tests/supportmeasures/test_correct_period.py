"""Correcting a measure's end date (a clerical error, a court order): a trained supervisor
of the owning ward, with a reason, in the measure's history and in the audit log."""

from __future__ import annotations

import datetime

import pytest

from auditlog.models import AuditEvent, EventKind
from supportmeasures import actions
from supportmeasures.models import DecisionKind, EndReason, MeasureStatus, Person, Role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]

TRAINING_LAPSED = (
    "Your annual training on support measures has expired (none in the last 12 months). "
    "Take the training before you open protected details or decide."
)


def corrections() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(kind=EventKind.MEASURE_PERIOD_CORRECTED))


@pytest.fixture
def lapsed_measure(register, decide, clerk_a, supervisor_a, now):
    """Ward A's measure that ended on 2025-03-31 and was marked lapsed by the daily job."""
    measure = decide(register(clerk_a), supervisor_a, starts_on=datetime.date(2024, 4, 1))
    actions.lapse_overdue_measures(now=now)
    measure.refresh_from_db()
    assert (measure.status, measure.ends_on) == (MeasureStatus.LAPSED, datetime.date(2025, 3, 31))
    return measure


class TestCorrectPeriod:
    def test_a_supervisor_of_the_owning_ward_corrects_the_end_with_a_reason(
        self, x_measure, supervisor_a, now
    ):
        previous = x_measure.ends_on
        corrected_end = x_measure.starts_on + datetime.timedelta(days=200)

        measure = actions.correct_period(
            measure=x_measure,
            acting_user=supervisor_a,
            ends_on=corrected_end,
            reason="決定通知の終了日の誤記",
            decided_at=now,
        )

        measure.refresh_from_db()
        assert (measure.status, measure.ends_on) == (MeasureStatus.ACTIVE, corrected_end)
        history = measure.decisions.order_by("-pk")[0]
        assert (
            history.kind,
            history.decided_by,
            history.reason,
            history.starts_on,
            history.ends_on,
        ) == (
            DecisionKind.PERIOD_CORRECTED,
            supervisor_a,
            "決定通知の終了日の誤記",
            measure.starts_on,
            corrected_end,
        )
        [event] = corrections()
        assert (event.actor, event.decision, event.reason, event.measure_ref) == (
            supervisor_a,
            "corrected",
            "決定通知の終了日の誤記",
            measure.ref,
        )
        assert (event.data["previous_ends_on"], event.data["ends_on"]) == (
            str(previous),
            str(corrected_end),
        )

    def test_a_lapsed_measure_given_an_end_still_to_come_is_in_force_again(
        self, lapsed_measure, supervisor_a, today, now
    ):
        measure = actions.correct_period(
            measure=lapsed_measure,
            acting_user=supervisor_a,
            ends_on=today + datetime.timedelta(days=30),
            reason="延長決定の入力漏れ",
            decided_at=now,
        )

        measure.refresh_from_db()
        assert measure.status == MeasureStatus.ACTIVE
        assert not Person.objects.with_flags(today).get(name="山﨑 美咲").has_lapsed_measure

    def test_a_lapsed_measure_given_an_end_already_past_stays_lapsed(
        self, lapsed_measure, supervisor_a, now
    ):
        measure = actions.correct_period(
            measure=lapsed_measure,
            acting_user=supervisor_a,
            ends_on=datetime.date(2025, 4, 30),
            reason="終了日の誤記",
            decided_at=now,
        )

        measure.refresh_from_db()
        assert (measure.status, measure.ends_on) == (
            MeasureStatus.LAPSED,
            datetime.date(2025, 4, 30),
        )
        assert len(corrections()) == 1

    def test_the_end_may_be_the_start_but_not_before_it(self, x_measure, supervisor_a, now):
        with pytest.raises(actions.ActionRefused) as refused:
            actions.correct_period(
                measure=x_measure,
                acting_user=supervisor_a,
                ends_on=x_measure.starts_on - datetime.timedelta(days=1),
                reason="誤記",
                decided_at=now,
            )
        same_day = actions.correct_period(
            measure=x_measure,
            acting_user=supervisor_a,
            ends_on=x_measure.starts_on,
            reason="誤記",
            decided_at=now,
        )

        assert str(refused.value) == "The end date cannot be before the start date."
        assert same_day.ends_on == same_day.starts_on
        assert len(corrections()) == 1

    @pytest.mark.parametrize("reason", ["", "  \n"])
    def test_refuses_without_a_reason(self, x_measure, supervisor_a, reason, now):
        ends_on = x_measure.ends_on

        with pytest.raises(actions.ActionRefused) as refused:
            actions.correct_period(
                measure=x_measure,
                acting_user=supervisor_a,
                ends_on=ends_on - datetime.timedelta(days=10),
                reason=reason,
                decided_at=now,
            )

        assert str(refused.value) == "Give the reason for correcting the period."
        x_measure.refresh_from_db()
        assert x_measure.ends_on == ends_on
        assert corrections() == []

    def test_refuses_a_provisional_measure(self, register, clerk_a, supervisor_a, today, now):
        provisional = register(clerk_a)

        with pytest.raises(actions.InvalidTransition) as refused:
            actions.correct_period(
                measure=provisional,
                acting_user=supervisor_a,
                ends_on=today,
                reason="誤記",
                decided_at=now,
            )

        assert str(refused.value) == "This application has not been decided yet."
        provisional.refresh_from_db()
        assert (provisional.status, provisional.ends_on) == (MeasureStatus.PROVISIONAL, None)
        assert corrections() == []

    def test_refuses_an_ended_measure(self, x_measure, supervisor_a, today, now):
        ended = actions.end_measure(
            measure=x_measure,
            acting_user=supervisor_a,
            end_reason=EndReason.REQUESTED,
            reason="本人の申出",
            decided_at=now,
        )

        with pytest.raises(actions.InvalidTransition) as refused:
            actions.correct_period(
                measure=ended,
                acting_user=supervisor_a,
                ends_on=today,
                reason="誤記",
                decided_at=now,
            )

        assert str(refused.value) == "This measure has ended."
        assert corrections() == []

    @pytest.mark.parametrize(
        "who, error, message",
        [
            (
                "clerk",
                actions.NotPermitted,
                "Only a supervisor of the owning ward can decide on this measure.",
            ),
            (
                "other_ward",
                actions.NotPermitted,
                "Only a supervisor of the owning ward can decide on this measure.",
            ),
            (
                "auditor",
                actions.NotPermitted,
                "Only a supervisor of the owning ward can decide on this measure.",
            ),
            ("untrained", actions.TrainingLapsed, TRAINING_LAPSED),
        ],
    )
    def test_only_a_trained_supervisor_of_the_owning_ward_corrects(
        self, x_measure, make_staff, ward_a, ward_b, who, error, message, now
    ):
        corrector = {
            "clerk": lambda: make_staff(ward_a, Role.CLERK),
            "other_ward": lambda: make_staff(ward_b, Role.SUPERVISOR),
            "auditor": lambda: make_staff(ward_a, Role.AUDITOR),
            "untrained": lambda: make_staff(ward_a, Role.SUPERVISOR, trained=False),
        }[who]()
        ends_on = x_measure.ends_on

        with pytest.raises(error) as refused:
            actions.correct_period(
                measure=x_measure,
                acting_user=corrector,
                ends_on=ends_on - datetime.timedelta(days=10),
                reason="誤記",
                decided_at=now,
            )

        assert str(refused.value) == message
        x_measure.refresh_from_db()
        assert x_measure.ends_on == ends_on
        assert corrections() == []

"""A refusal says why (issue 15): not "not possible in the current state" but what the measure
is now: not yet decided, decided and in force until a date, extended, lapsed, refused, released
or ended. One predicate (`permissions.measure_state_refusal`) words the state for every rule
that refuses on it, and the measure's pages show that sentence."""

from __future__ import annotations

import datetime

import pytest
from django.utils import translation

from supportmeasures import actions, wareki
from supportmeasures import permissions as rules
from supportmeasures.actions import PersonData
from supportmeasures.models import EndReason, MeasureStatus, Role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]

SATO = PersonData(name="佐藤 花", kana="サトウ ハナ")


def said(found: Exception | None) -> str:
    assert isinstance(found, actions.InvalidTransition), found
    return str(found)


@pytest.fixture
def second_supervisor(make_staff, ward_a):
    return make_staff(ward_a, Role.SUPERVISOR)


@pytest.fixture
def lapsed(register, decide, clerk_a, supervisor_a, today):
    """Decided 400 days ago: its year is over, nobody extended it."""
    return decide(
        register(clerk_a, protected=SATO), supervisor_a, starts_on=today - datetime.timedelta(400)
    )


class TestMeasureStateRefusals:
    def test_an_application_not_yet_decided(self, register, clerk_a, supervisor_a, today):
        provisional = register(clerk_a)

        assert said(rules.extension_refusal(supervisor_a, provisional, today)) == (
            "This application has not been decided yet."
        )
        assert said(rules.release_refusal(supervisor_a, provisional, today)) == (
            "This application has not been decided yet."
        )

    def test_a_decided_measure_says_until_when_it_is_in_force(
        self, x_measure, second_supervisor, today
    ):
        until = wareki.format_both(x_measure.ends_on)

        assert said(rules.decide_refusal(second_supervisor, x_measure, today)) == (
            f"This measure was granted and is in force until {until}."
        )

    def test_an_extended_measure_says_it_was_extended(
        self, register, decide, clerk_a, supervisor_a, second_supervisor, today, now
    ):
        due = decide(register(clerk_a), supervisor_a, starts_on=today - datetime.timedelta(350))
        extended = actions.extend_measure(
            measure=due, acting_user=second_supervisor, reason="継続", decided_at=now
        )
        opens_on = extended.extension_opens_on()
        assert extended.ends_on is not None and opens_on is not None
        until, opens = wareki.format_both(extended.ends_on), wareki.format_both(opens_on)

        assert said(rules.extension_refusal(supervisor_a, extended, today)) == (
            f"This measure has been extended until {until}. The next extension opens one month "
            f"before the end, on {opens}."
        )
        assert said(rules.release_refusal(supervisor_a, extended, today)) == (
            f"This measure has been extended: it is in force until {until}."
        )
        with translation.override("ja"):
            assert str(rules.extension_refusal(supervisor_a, extended, today)).startswith(
                "この支援措置は延長されています"
            )

    def test_a_lapsed_measure_says_when_its_period_ended(self, lapsed, second_supervisor, today):
        ended_on = wareki.format_both(lapsed.ends_on)

        assert lapsed.effective_status(today) == MeasureStatus.LAPSED
        assert said(rules.decide_refusal(second_supervisor, lapsed, today)) == (
            f"This measure has lapsed: its period ended on {ended_on}."
        )
        with translation.override("ja"):
            assert str(rules.decide_refusal(second_supervisor, lapsed, today)) == (
                f"この支援措置は期限切れです（期間は{wareki.format_both(lapsed.ends_on)}に"
                "終了しました）。"
            )
        assert ended_on == f"{lapsed.ends_on.isoformat()} ({wareki.format_wareki(lapsed.ends_on)})"

    def test_a_released_measure_says_it_was_released(
        self, lapsed, supervisor_a, second_supervisor, today, now
    ):
        released = actions.release_lapsed_measure(
            measure=lapsed, acting_user=supervisor_a, reason="本人と連絡が取れない", decided_at=now
        )

        assert said(rules.end_refusal(second_supervisor, released, today)) == (
            "This lapsed measure has been released: it has ended."
        )

    def test_a_refused_application_says_it_was_refused(
        self, register, clerk_a, supervisor_a, second_supervisor, today, now
    ):
        refused = actions.decide_measure(
            measure=register(clerk_a),
            acting_user=supervisor_a,
            approve=False,
            starts_on=None,
            reason="要件に該当しない",
            decided_at=now,
        )

        assert said(rules.decide_refusal(second_supervisor, refused, today)) == (
            "This application has been refused."
        )
        assert said(rules.correct_period_refusal(second_supervisor, refused, today)) == (
            "This application has been refused."
        )

    def test_an_ended_measure_says_it_has_ended(self, x_measure, supervisor_a, today, now):
        ended = actions.end_measure(
            measure=x_measure,
            acting_user=supervisor_a,
            end_reason=EndReason.REQUESTED,
            reason="本人の申出",
            decided_at=now,
        )

        assert said(rules.end_refusal(supervisor_a, ended, today)) == "This measure has ended."
        with translation.override("ja"):
            assert str(rules.end_refusal(supervisor_a, ended, today)) == (
                "この支援措置は終了しています。"
            )

    def test_the_page_of_a_refused_action_shows_the_reason(
        self, register, decide, clerk_a, supervisor_a, second_supervisor, today, now, login
    ):
        due = decide(register(clerk_a), supervisor_a, starts_on=today - datetime.timedelta(350))
        actions.extend_measure(
            measure=due, acting_user=second_supervisor, reason="継続", decided_at=now
        )

        response = login(supervisor_a).get(f"/measures/{due.ref}/extend/", follow=True)

        assert "この支援措置は延長されています" in response.content.decode()

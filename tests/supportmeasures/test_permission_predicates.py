"""The registry's rules (supportmeasures/permissions.py) asked directly, word for word where
they refuse. Written against the surviving mutants of `make mutants`; the rules' offers on the
measure page are in test_registry_rules."""

from __future__ import annotations

import datetime

import pytest

from supportmeasures import actions, wareki
from supportmeasures import permissions as rules
from supportmeasures.actions import PersonData
from supportmeasures.models import EndReason, Role, Staff

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]


def refusal(found: Exception | None) -> tuple[type, str] | None:
    return None if found is None else (type(found), str(found))


class TestWhoSearches:
    def test_anyone_active_with_a_role(self, clerk_a, contractor_a, auditor):
        assert [rules.can_search(u) for u in (clerk_a, contractor_a, auditor)] == [True] * 3

    def test_not_an_account_without_a_role(self, db):
        roleless = Staff.objects.create_user(username="no_role", password="x" * 12)

        assert rules.can_search(roleless) is False

    def test_not_a_deactivated_account(self, clerk_a):
        clerk_a.is_active = False
        clerk_a.save()

        assert rules.can_search(clerk_a) is False


class TestDetailsInScope:
    def test_the_owning_ward_and_the_granted_in_one_query_per_person(
        self, x, clerk_a, clerk_b, supervisor_a, x_measure, django_assert_num_queries, now
    ):
        actions.grant_details_access(
            measure=x_measure,
            acting_user=supervisor_a,
            grantee=clerk_b,
            reason="共同対応",
            granted_at=now,
        )
        # The grants are read once per user object, before the look.
        assert rules.ward_ids(clerk_a) and not rules.granted_measure_ids(clerk_a)

        with django_assert_num_queries(1):
            in_scope = rules.details_in_scope(clerk_a, x)

        assert in_scope is True
        assert rules.details_in_scope(clerk_b, x) is True


class TestGrants:
    @pytest.mark.parametrize(
        "who, message",
        [
            ("contractor", "Only clerks and supervisors can be granted access."),
            ("auditor", "Only clerks and supervisors can be granted access."),
            ("owning_ward_clerk", "Staff of the owning ward are not granted access: they have it."),
        ],
    )
    def test_who_may_not_be_granted_word_for_word(
        self, x_measure, make_staff, ward_a, ward_b, who, message
    ):
        grantee = {
            "contractor": lambda: make_staff(ward_b, Role.CONTRACTOR),
            "auditor": lambda: make_staff(ward_b, Role.AUDITOR),
            "owning_ward_clerk": lambda: make_staff(ward_a, Role.CLERK),
        }[who]()

        assert refusal(rules.grantee_refusal(grantee, x_measure)) == (
            actions.NotPermitted,
            message,
        )

    def test_case_staff_of_another_ward_may_be(self, x_measure, clerk_b, supervisor_b):
        assert rules.grantee_refusal(clerk_b, x_measure) is None
        assert rules.grantee_refusal(supervisor_b, x_measure) is None

    def test_only_a_grant_held_is_revoked(self, x_measure, supervisor_a, clerk_b, today, now):
        nothing_held = refusal(rules.revoke_refusal(supervisor_a, x_measure, clerk_b, today))
        actions.grant_details_access(
            measure=x_measure,
            acting_user=supervisor_a,
            grantee=clerk_b,
            reason="共同対応",
            granted_at=now,
        )
        rules.forget_grants(clerk_b)

        assert nothing_held == (
            actions.InvalidTransition,
            "This staff member has no access to revoke.",
        )
        assert rules.revoke_refusal(supervisor_a, x_measure, clerk_b, today) is None


TRAINING_LAPSED = (
    "Your annual training on support measures has expired (none in the last 12 months). "
    "Take the training before you open protected details or decide."
)
NOT_A_DECIDER = "Only a supervisor of the owning ward can decide on this measure."


class TestExtensionAndRelease:
    def test_not_before_it_opens_and_the_page_says_when(self, x_measure, supervisor_a, today):
        opens_on = x_measure.extension_opens_on()

        assert refusal(rules.extension_refusal(supervisor_a, x_measure, today)) == (
            actions.InvalidTransition,
            f"This measure is in force until {wareki.format_both(x_measure.ends_on)}. "
            f"Extension opens one month before the end, on {wareki.format_both(opens_on)}.",
        )
        assert rules.extension_refusal(supervisor_a, x_measure, opens_on) is None

    def test_not_an_ended_measure_nor_an_application(
        self, x_measure, register, clerk_a, supervisor_a, today, now
    ):
        ended = actions.end_measure(
            measure=x_measure,
            acting_user=supervisor_a,
            end_reason=EndReason.REQUESTED,
            reason="本人の申出",
            decided_at=now,
        )
        provisional = register(clerk_a, protected=PersonData(name="佐藤 花", kana="サトウ ハナ"))

        assert refusal(rules.extension_refusal(supervisor_a, ended, today)) == (
            actions.InvalidTransition,
            "This measure has ended.",
        )
        assert refusal(rules.extension_refusal(supervisor_a, provisional, today)) == (
            actions.InvalidTransition,
            "This application has not been decided yet.",
        )

    def test_not_once_the_new_year_would_already_be_over(
        self, register, decide, clerk_a, supervisor_a, today
    ):
        long_lapsed = decide(register(clerk_a), supervisor_a, starts_on=datetime.date(2023, 4, 1))

        assert refusal(rules.extension_refusal(supervisor_a, long_lapsed, today)) == (
            actions.InvalidTransition,
            "A one-year extension from the day after the old end would already be over. "
            "Correct the end date with a reason, or register a new application.",
        )

    def test_only_a_lapsed_measure_is_released(self, x_measure, supervisor_a, today):
        assert refusal(rules.release_refusal(supervisor_a, x_measure, today)) == (
            actions.InvalidTransition,
            "This measure was granted and is in force until "
            f"{wareki.format_both(x_measure.ends_on)}.",
        )


class TestWhatTheMeasurePageSaysToWhom:
    def test_a_trained_supervisor_of_the_owning_ward_is_told_nothing(
        self, x_measure, supervisor_a, today
    ):
        can = rules.measure_actions(supervisor_a, x_measure, today)

        assert (can.decider_note, can.training_lapsed) == ("", False)

    def test_an_untrained_supervisor_is_told_why_while_the_measure_is_in_force(
        self, x_measure, make_staff, ward_a, supervisor_a, today, now
    ):
        untrained = make_staff(ward_a, Role.SUPERVISOR, trained=False)
        in_force = rules.measure_actions(untrained, x_measure, today)
        ended = actions.end_measure(
            measure=x_measure,
            acting_user=supervisor_a,
            end_reason=EndReason.REQUESTED,
            reason="本人の申出",
            decided_at=now,
        )
        after = rules.measure_actions(untrained, ended, today)

        assert (in_force.decider_note, in_force.training_lapsed) == (TRAINING_LAPSED, True)
        assert (after.decider_note, after.training_lapsed) == ("", False)

    def test_a_clerk_is_told_who_decides_while_the_measure_is_in_force(
        self, x_measure, clerk_a, supervisor_a, today, now
    ):
        in_force = rules.measure_actions(clerk_a, x_measure, today)
        ended = actions.end_measure(
            measure=x_measure,
            acting_user=supervisor_a,
            end_reason=EndReason.REQUESTED,
            reason="本人の申出",
            decided_at=now,
        )

        assert (in_force.decider_note, in_force.training_lapsed) == (NOT_A_DECIDER, False)
        assert rules.measure_actions(clerk_a, ended, today).decider_note == ""


class TestEnding:
    def test_not_twice(self, x_measure, supervisor_a, today, now):
        ended = actions.end_measure(
            measure=x_measure,
            acting_user=supervisor_a,
            end_reason=EndReason.REQUESTED,
            reason="本人の申出",
            decided_at=now,
        )

        assert refusal(rules.end_refusal(supervisor_a, ended, today)) == (
            actions.InvalidTransition,
            "This measure has ended.",
        )

    def test_an_application_not_by_the_one_who_registered_it(
        self, register, clerk_a, supervisor_a, today
    ):
        by_a_clerk = register(clerk_a)
        by_the_supervisor = register(
            supervisor_a, protected=PersonData(name="佐藤 花", kana="サトウ ハナ")
        )

        assert rules.end_refusal(supervisor_a, by_a_clerk, today) is None
        assert refusal(rules.end_refusal(supervisor_a, by_the_supervisor, today)) == (
            actions.SameStaffMember,
            "The staff member who registered the application cannot end it.",
        )

    def test_a_decided_measure_by_the_one_who_registered_it(
        self, register, decide, supervisor_a, make_staff, ward_a, today
    ):
        decided = decide(register(supervisor_a), make_staff(ward_a, Role.SUPERVISOR))

        assert rules.end_refusal(supervisor_a, decided, today) is None


def test_an_application_is_decided_once(x_measure, make_staff, ward_a, today):
    another = make_staff(ward_a, Role.SUPERVISOR)

    assert refusal(rules.decide_refusal(another, x_measure, today)) == (
        actions.InvalidTransition,
        f"This measure was granted and is in force until {wareki.format_both(x_measure.ends_on)}.",
    )


class TestScopeAndTrainingAreReadOnce:
    def test_the_training_rule_reads_the_records_once_per_user_and_day(
        self, clerk_a, today, django_assert_num_queries
    ):
        with django_assert_num_queries(1):
            first = rules.is_trained(clerk_a, today)
        with django_assert_num_queries(0):
            again = rules.is_trained(clerk_a, today)
        with django_assert_num_queries(1):
            a_year_on = rules.is_trained(clerk_a, today + datetime.timedelta(days=400))

        assert (first, again, a_year_on) == (True, True, False)

    def test_a_deactivated_account_works_on_no_ward(self, clerk_a, ward_a):
        clerk_a.is_active = False
        clerk_a.save()
        rules.forget_grants(clerk_a)

        assert rules.ward_ids(clerk_a) == frozenset()

    def test_only_the_work_in_ward_grant_gives_a_ward(self, clerk_b, ward_a, ward_b):
        from guardian.shortcuts import assign_perm

        # Another object permission on a ward (say, given in the admin) is no scope.
        assign_perm("supportmeasures.view_ward", clerk_b, ward_a)
        rules.forget_grants(clerk_b)

        assert rules.ward_ids(clerk_b) == frozenset({ward_b.pk})

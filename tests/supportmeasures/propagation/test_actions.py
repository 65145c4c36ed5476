"""Block changes and their confirmation tasks: every change of what must be blocked asks
every active linked system, once; section staff confirm or report; overdue escalates once."""

from __future__ import annotations

import datetime

import pytest

from auditlog.models import AuditEvent, EventKind
from inquiries.models import Notification
from supportmeasures import actions
from supportmeasures.models import (
    BlockChange,
    BlockChangeKind,
    ConfirmationTask,
    EndReason,
    LinkedSystem,
    Role,
    TaskState,
)
from supportmeasures.propagation import actions as propagation
from supportmeasures.propagation import permissions as rules
from supportmeasures.propagation.deadlines import next_business_day_end
from supportmeasures.refusals import InvalidTransition, NotPermitted, TrainingLapsed

pytestmark = pytest.mark.django_db

ONE_YEAR_AND_A_MONTH = datetime.timedelta(days=400)


def kinds(measure):
    return list(measure.block_changes.order_by("sequence").values_list("kind", flat=True))


def latest_task(measure, system):
    return ConfirmationTask.objects.filter(change__measure=measure, system=system).latest("pk")


class TestEveryLifecycleEventAsksEverySystem:
    def test_a_registration_asks_the_ten_systems_by_the_next_business_day(
        self, register, clerk_a, now
    ):
        measure = register(clerk_a)

        change = measure.block_changes.get()
        assert change.kind == BlockChangeKind.REGISTERED
        assert change.blocks is True
        assert [p["name"] for p in change.persons] == ["山﨑 美咲"]
        assert change.documents == ["inspection", "resident_copies", "koseki_attachment"]
        assert change.tasks.count() == 10
        assert {t.due_at for t in change.tasks.all()} == {next_business_day_end(now)}
        event = AuditEvent.objects.get(kind=EventKind.PROPAGATION_TASKS_CREATED)
        assert event.measure_ref == measure.ref
        assert len(event.data["systems"]) == 10

    def test_the_snapshot_names_no_address_and_not_the_counterparty(self, register, clerk_a):
        change = register(clerk_a).block_changes.get()

        text = str(change.persons)
        assert "豊岡町" not in text and "045-" not in text
        assert "山﨑 健一" not in text
        assert set(change.persons[0]) == {"id", "role", "name", "kana", "birth_date"}

    def test_a_decision_asks_again_and_supersedes_the_open_tasks(self, x_measure):
        assert kinds(x_measure) == [BlockChangeKind.REGISTERED, BlockChangeKind.APPROVED]
        registered, approved = x_measure.block_changes.order_by("sequence")
        assert set(registered.tasks.values_list("state", flat=True)) == {TaskState.SUPERSEDED}
        assert set(approved.tasks.values_list("state", flat=True)) == {TaskState.OPEN}
        assert approved.ends_on == x_measure.ends_on

    def test_a_refusal_lifts_the_block_for_everyone_covered(
        self, register, clerk_a, supervisor_a, now
    ):
        measure = actions.decide_measure(
            measure=register(clerk_a),
            acting_user=supervisor_a,
            approve=False,
            starts_on=None,
            reason="要件を満たさない",
            decided_at=now,
        )

        change = measure.block_changes.order_by("sequence").reverse()[0]
        assert (change.kind, change.blocks, change.persons) == (BlockChangeKind.REFUSED, False, [])
        assert [p["name"] for p in change.released_persons] == ["山﨑 美咲"]
        assert change.tasks.count() == 10

    def test_an_end_and_a_period_correction_each_ask(self, x_measure, supervisor_a, now, today):
        actions.correct_period(
            measure=x_measure,
            acting_user=supervisor_a,
            ends_on=today + datetime.timedelta(days=100),
            reason="保護命令の期間",
            decided_at=now,
        )
        actions.end_measure(
            measure=x_measure,
            acting_user=supervisor_a,
            end_reason=EndReason.REQUESTED,
            reason="本人の申出",
            decided_at=now,
        )

        assert kinds(x_measure)[-2:] == [BlockChangeKind.PERIOD_CORRECTED, BlockChangeKind.ENDED]
        assert x_measure.block_changes.order_by("sequence").last().blocks is False

    def test_an_extension_and_a_release_each_ask_but_a_lapse_does_not(
        self, register, decide, clerk_a, supervisor_a, now, today
    ):
        lapsed = decide(register(clerk_a), supervisor_a, starts_on=today - ONE_YEAR_AND_A_MONTH)
        before = BlockChange.objects.count()

        actions.lapse_overdue_measures(now=now)

        assert BlockChange.objects.count() == before
        actions.extend_measure(measure=lapsed, acting_user=supervisor_a, decided_at=now)
        assert kinds(lapsed)[-1] == BlockChangeKind.EXTENDED

    def test_a_release_asks(self, register, decide, clerk_a, supervisor_a, now, today):
        measure = decide(register(clerk_a), supervisor_a, starts_on=today - ONE_YEAR_AND_A_MONTH)
        actions.lapse_overdue_measures(now=now)

        actions.release_lapsed_measure(
            measure=measure, acting_user=supervisor_a, reason="連絡が取れない", decided_at=now
        )

        assert kinds(measure)[-1] == BlockChangeKind.RELEASED
        assert measure.block_changes.order_by("sequence").last().blocks is False

    def test_each_change_says_from_when(self, register, decide, clerk_a, supervisor_a, now, today):
        applied = today - datetime.timedelta(days=3)
        measure = register(clerk_a, applied_on=applied)
        decide(measure, supervisor_a, starts_on=today - datetime.timedelta(days=2))

        registered, approved = measure.block_changes.order_by("sequence")

        assert registered.effective_from == applied
        assert approved.effective_from == today  # at once, not back-dated for others

    def test_an_extension_applies_from_its_first_day(
        self, register, decide, clerk_a, supervisor_a, now, today
    ):
        lapsed = decide(register(clerk_a), supervisor_a, starts_on=today - ONE_YEAR_AND_A_MONTH)

        actions.extend_measure(measure=lapsed, acting_user=supervisor_a, decided_at=now)

        lapsed.refresh_from_db()
        extended = lapsed.block_changes.order_by("sequence").reverse()[0]
        assert (extended.effective_from, extended.ends_on) == (lapsed.starts_on, lapsed.ends_on)

    def test_an_inactive_system_is_not_asked(self, register, clerk_a, tax_system):
        LinkedSystem.objects.filter(pk=tax_system.pk).update(is_active=False)

        change = register(clerk_a).block_changes.get()

        assert change.tasks.count() == 9
        assert not change.tasks.filter(system=tax_system).exists()

    @pytest.mark.django_db(transaction=True)
    def test_a_block_change_outside_the_act_transaction_is_refused(self, x_measure, now):
        with pytest.raises(propagation.PropagationOutsideTransaction):
            propagation.record_block_change(
                measure=x_measure, kind=BlockChangeKind.APPROVED, acting_user=None, at=now
            )


class TestConfirm:
    def test_section_staff_confirm_once(self, x_measure, section_clerk, register_system, now):
        task = latest_task(x_measure, register_system)

        propagation.confirm_task(task=task, acting_user=section_clerk, confirmed_at=now)

        task.refresh_from_db()
        assert (task.state, task.confirmed_by, task.confirmed_via) == (
            TaskState.CONFIRMED,
            section_clerk,
            "hand",
        )
        event = AuditEvent.objects.get(kind=EventKind.PROPAGATION_CONFIRMED)
        assert event.data["system"] == "resident_register"

    def test_a_second_confirmation_changes_nothing_and_says_why(
        self, x_measure, section_clerk, register_system, now, in_english
    ):
        task = latest_task(x_measure, register_system)
        propagation.confirm_task(task=task, acting_user=section_clerk, confirmed_at=now)

        with pytest.raises(InvalidTransition, match="already"):
            propagation.confirm_task(
                task=task,
                acting_user=section_clerk,
                confirmed_at=now + datetime.timedelta(minutes=1),
            )

        task.refresh_from_db()
        assert task.confirmed_at == now
        assert AuditEvent.objects.filter(kind=EventKind.PROPAGATION_CONFIRMED).count() == 1

    def test_staff_of_another_system_cannot_confirm(
        self, x_measure, section_clerk, tax_system, now
    ):
        task = latest_task(x_measure, tax_system)

        with pytest.raises(NotPermitted):
            propagation.confirm_task(task=task, acting_user=section_clerk, confirmed_at=now)

        task.refresh_from_db()
        assert task.state == TaskState.OPEN

    def test_the_ward_supervisor_is_not_section_staff(
        self, x_measure, supervisor_a, register_system, now
    ):
        with pytest.raises(NotPermitted):
            propagation.confirm_task(
                task=latest_task(x_measure, register_system),
                acting_user=supervisor_a,
                confirmed_at=now,
            )

    def test_untrained_section_staff_cannot_confirm(
        self, x_measure, make_staff, ward_b, register_system, now
    ):
        staff = make_staff(ward_b, Role.CLERK, trained=False)
        propagation.grant_section_staff(
            acting_user=None, staff=staff, system=register_system, granted_at=now
        )

        with pytest.raises(TrainingLapsed):
            propagation.confirm_task(
                task=latest_task(x_measure, register_system), acting_user=staff, confirmed_at=now
            )

    def test_a_contractor_cannot_be_made_section_staff(self, contractor_a, register_system, now):
        with pytest.raises(NotPermitted):
            propagation.grant_section_staff(
                acting_user=None, staff=contractor_a, system=register_system, granted_at=now
            )

    def test_a_superseded_task_is_not_confirmed(
        self, x_measure, section_clerk, register_system, now, in_english
    ):
        old = ConfirmationTask.objects.filter(
            change__measure=x_measure, system=register_system, state=TaskState.SUPERSEDED
        ).get()

        with pytest.raises(InvalidTransition, match="later change"):
            propagation.confirm_task(task=old, acting_user=section_clerk, confirmed_at=now)


class TestConfirmByApi:
    def test_the_client_confirms_for_its_own_system_only(self, x_measure, tax_system, now):
        client, _token = actions.create_api_client(
            acting_user=None, name="税務システム", created_at=now
        )
        LinkedSystem.objects.filter(pk=tax_system.pk).update(confirms_by="api", api_client=client)
        change = x_measure.block_changes.order_by("sequence").last()

        task = propagation.confirm_by_api(change=change, client=client, confirmed_at=now)

        assert (task.system, task.state, task.confirmed_client) == (
            tax_system,
            TaskState.CONFIRMED,
            client,
        )
        with pytest.raises(InvalidTransition):
            propagation.confirm_by_api(change=change, client=client, confirmed_at=now)

    def test_a_client_of_no_system_is_refused(self, x_measure, now):
        client, _token = actions.create_api_client(
            acting_user=None, name="他システム", created_at=now
        )
        change = x_measure.block_changes.order_by("sequence").last()

        with pytest.raises(NotPermitted):
            propagation.confirm_by_api(change=change, client=client, confirmed_at=now)


class TestReportFailed:
    def test_escalates_at_once_to_the_officer_and_the_auditors(
        self, x_measure, section_clerk, register_system, supervisor_a, auditor, now
    ):
        actions.appoint_responsible_officer(
            acting_user=None, staff=supervisor_a, ward=x_measure.owning_ward, appointed_at=now
        )
        task = latest_task(x_measure, register_system)

        propagation.report_task_failed(
            task=task, acting_user=section_clerk, reason="端末が故障中", failed_at=now
        )

        task.refresh_from_db()
        assert (task.state, task.escalated_at, task.note) == (TaskState.FAILED, now, "端末が故障中")
        told = set(Notification.objects.filter(critical=True).values_list("recipient", flat=True))
        assert told == {supervisor_a.pk, auditor.pk}
        assert AuditEvent.objects.filter(kind=EventKind.PROPAGATION_FAILED).count() == 1

    def test_needs_a_reason(self, x_measure, section_clerk, register_system, now):
        with pytest.raises(actions.ActionRefused):
            propagation.report_task_failed(
                task=latest_task(x_measure, register_system),
                acting_user=section_clerk,
                reason="  ",
                failed_at=now,
            )

    def test_a_failed_task_confirmed_later_is_closed(
        self, x_measure, section_clerk, register_system, now
    ):
        task = latest_task(x_measure, register_system)
        propagation.report_task_failed(
            task=task, acting_user=section_clerk, reason="端末が故障中", failed_at=now
        )

        propagation.confirm_task(task=task, acting_user=section_clerk, confirmed_at=now)

        task.refresh_from_db()
        assert task.state == TaskState.CONFIRMED


class TestEscalation:
    def test_an_overdue_task_escalates_once(
        self, x_measure, supervisor_a, auditor, clerk_a, section_clerk, register_system
    ):
        task = latest_task(x_measure, register_system)
        later = task.due_at + datetime.timedelta(minutes=5)
        propagation.confirm_task(task=task, acting_user=section_clerk, confirmed_at=later)

        first = propagation.escalate_overdue_tasks(now=later)
        second = propagation.escalate_overdue_tasks(now=later + datetime.timedelta(minutes=5))

        assert (first, second) == (9, 0)
        event = AuditEvent.objects.get(kind=EventKind.PROPAGATION_OVERDUE)
        assert len(event.data["systems"]) == 9
        assert "resident_register" not in event.data["systems"]
        # No officer appointed: the ward's supervisors are told, and the auditors; not clerks.
        told = list(Notification.objects.values_list("recipient", flat=True))
        assert sorted(told) == sorted([supervisor_a.pk, auditor.pk])

    def test_nothing_escalates_before_the_deadline(self, x_measure):
        due = ConfirmationTask.objects.filter(state=TaskState.OPEN)[0].due_at

        assert propagation.escalate_overdue_tasks(now=due - datetime.timedelta(seconds=1)) == 0
        assert not ConfirmationTask.objects.exclude(escalated_at=None).exists()


class TestAlarmsSurviveLaterChanges:
    def test_a_later_change_does_not_forgive_an_overdue_system(
        self, x_measure, supervisor_a, register_system, now, today
    ):
        overdue = latest_task(x_measure, register_system)
        propagation.escalate_overdue_tasks(now=overdue.due_at + datetime.timedelta(minutes=1))

        actions.correct_period(
            measure=x_measure,
            acting_user=supervisor_a,
            ends_on=today + datetime.timedelta(days=200),
            reason="保護命令の期間",
            decided_at=now,
        )

        overdue.refresh_from_db()
        assert (overdue.state, overdue.escalated_at is not None) == (TaskState.OPEN, True)
        others = ConfirmationTask.objects.filter(
            change=overdue.change, escalated_at__isnull=True
        ).exclude(pk=overdue.pk)
        assert set(others.values_list("state", flat=True)) <= {TaskState.OPEN}

    def test_confirming_the_latest_change_covers_the_older_alarm(
        self, x_measure, supervisor_a, section_clerk, register_system, now, today
    ):
        overdue = latest_task(x_measure, register_system)
        propagation.escalate_overdue_tasks(now=overdue.due_at + datetime.timedelta(minutes=1))
        actions.correct_period(
            measure=x_measure,
            acting_user=supervisor_a,
            ends_on=today + datetime.timedelta(days=200),
            reason="保護命令の期間",
            decided_at=now,
        )
        newest = latest_task(x_measure, register_system)
        assert newest.pk != overdue.pk

        propagation.confirm_task(task=newest, acting_user=section_clerk, confirmed_at=now)

        overdue.refresh_from_db()
        assert overdue.state == TaskState.SUPERSEDED
        event = AuditEvent.objects.filter(kind=EventKind.PROPAGATION_CONFIRMED).get()
        assert event.data["covered"] == 1


class TestSectionStaff:
    def test_an_administrator_sets_the_list_and_each_change_is_recorded(
        self, make_staff, ward_a, clerk_a, supervisor_a, register_system, now
    ):
        admin = make_staff(ward_a, Role.ADMINISTRATOR)
        propagation.set_section_staff(
            acting_user=admin, system=register_system, staff=[clerk_a], changed_at=now
        )

        granted, withdrawn = propagation.set_section_staff(
            acting_user=admin, system=register_system, staff=[supervisor_a], changed_at=now
        )

        assert (granted, withdrawn) == (1, 1)
        decisions = list(
            AuditEvent.objects.filter(kind=EventKind.ADMIN_CHANGED)
            .order_by("sequence")
            .values_list("decision", "data__staff_id")
        )
        assert decisions == [
            ("granted", clerk_a.pk),
            ("granted", supervisor_a.pk),
            ("revoked", clerk_a.pk),
        ]
        clerk_a.refresh_from_db()
        assert not rules.is_section_staff(clerk_a, register_system)
        assert rules.is_section_staff(supervisor_a, register_system)

    def test_only_an_administrator_sets_it(self, clerk_a, supervisor_a, register_system, now):
        with pytest.raises(NotPermitted):
            propagation.set_section_staff(
                acting_user=supervisor_a, system=register_system, staff=[clerk_a], changed_at=now
            )

    def test_a_contractor_is_refused_and_nothing_changes(
        self, make_staff, ward_a, contractor_a, clerk_a, register_system, now
    ):
        admin = make_staff(ward_a, Role.ADMINISTRATOR)

        with pytest.raises(NotPermitted):
            propagation.set_section_staff(
                acting_user=admin,
                system=register_system,
                staff=[clerk_a, contractor_a],
                changed_at=now,
            )

        assert not AuditEvent.objects.filter(kind=EventKind.ADMIN_CHANGED).exists()

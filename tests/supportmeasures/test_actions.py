from __future__ import annotations

import dataclasses
import datetime

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import timezone

from auditlog.models import AuditEvent, EventKind
from auditlog.verification import verify_chain
from supportmeasures import actions, wareki
from supportmeasures.actions import PartyData, PersonData
from supportmeasures.models import (
    DecisionKind,
    EndReason,
    MeasureStatus,
    Person,
    Role,
    SupportMeasure,
)
from tests.conftest import X, Y

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]


def last_event() -> AuditEvent:
    event = AuditEvent.objects.order_by("-sequence").first()
    assert event is not None
    return event


class TestRegisterApplication:
    def test_protects_the_person_provisionally_at_once(self, register, clerk_a, today):
        measure = register(clerk_a)

        assert measure.status == MeasureStatus.PROVISIONAL
        assert measure.starts_on == today and measure.ends_on is None
        x = Person.objects.with_flags(today).get(name="山﨑 美咲")
        y = Person.objects.with_flags(today).get(name="山﨑 健一")
        assert (x.is_protected, x.is_counterparty) == (True, False)
        assert (y.is_protected, y.is_counterparty) == (False, True)
        event = last_event()
        assert (event.kind, event.actor, event.measure_ref) == (
            EventKind.APPLICATION_REGISTERED,
            clerk_a,
            measure.ref,
        )
        assert event.person_public_id == x.public_id
        assert list(measure.decisions.values_list("kind", flat=True)) == [DecisionKind.REGISTERED]

    def test_refuses_a_clerk_of_another_ward(self, register, clerk_b, ward_a, now):
        with pytest.raises(actions.NotPermitted):
            actions.register_application(
                acting_user=clerk_b,
                ward=ward_a,
                kind="dv",
                basis_kind="consulting_body",
                basis_body="警察",
                basis_opinion_on=None,
                basis_document="",
                applied_on=timezone.localdate(now),
                restricts_inspection=True,
                restricts_resident_copies=True,
                restricts_koseki_attachment=True,
                protected=PersonData(name="甲"),
                joint=[],
                counterparties=[PartyData(person=Y)],
                registered_at=now,
            )

        assert SupportMeasure.objects.count() == 0

    def test_refuses_a_contractor(self, register, contractor_a):
        with pytest.raises(actions.NotPermitted):
            register(contractor_a)

    def test_names_nobody_twice_and_saves_nothing_half_done(self, register, clerk_a):
        events_before = AuditEvent.objects.count()

        with pytest.raises(actions.ActionRefused):
            register(
                clerk_a,
                counterparties=[
                    PartyData(person=PersonData(name="乙", resident_number="123")),
                    PartyData(person=PersonData(name="乙", resident_number="123")),
                ],
            )

        assert SupportMeasure.objects.count() == 0
        assert Person.objects.count() == 0
        assert AuditEvent.objects.count() == events_before

    def test_a_child_counterparty_of_the_protected_resident_is_a_counterparty(
        self, register, clerk_a, today
    ):
        register(
            clerk_a,
            counterparties=[
                PartyData(
                    person=PersonData(name="伊藤 拓也", kana="イトウ タクヤ"),
                    relationship="長男",
                    agent_note="弁護士",
                )
            ],
        )

        son = Person.objects.with_flags(today).get(name="伊藤 拓也")
        assert son.is_counterparty


class TestDecideMeasure:
    def test_grants_one_year_from_the_start(self, register, clerk_a, supervisor_a, now):
        measure = register(clerk_a)

        measure = actions.decide_measure(
            measure=measure,
            acting_user=supervisor_a,
            approve=True,
            starts_on=datetime.date(2025, 4, 1),
            decided_at=now,
        )

        assert measure.status == MeasureStatus.ACTIVE
        assert (measure.starts_on, measure.ends_on) == (
            datetime.date(2025, 4, 1),
            datetime.date(2026, 3, 31),
        )
        assert measure.decided_by == supervisor_a
        event = last_event()
        assert (event.kind, event.actor, event.decision) == (
            EventKind.MEASURE_APPROVED,
            supervisor_a,
            "approved",
        )

    def test_refuses_the_clerk_who_registered_it_even_as_a_supervisor(
        self, register, supervisor_a, now
    ):
        measure = register(supervisor_a)

        with pytest.raises(actions.SameStaffMember):
            actions.decide_measure(
                measure=measure,
                acting_user=supervisor_a,
                approve=True,
                starts_on=timezone.localdate(now),
                decided_at=now,
            )

        measure.refresh_from_db()
        assert measure.status == MeasureStatus.PROVISIONAL
        assert last_event().kind == EventKind.APPLICATION_REGISTERED

    def test_the_database_refuses_a_decider_who_registered_it(self, register, supervisor_a, now):
        measure = register(supervisor_a)

        with pytest.raises(IntegrityError), transaction.atomic():
            SupportMeasure.objects.filter(pk=measure.pk).update(
                decided_by=supervisor_a,
                status=MeasureStatus.ACTIVE,
                ends_on=timezone.localdate(now),
            )

    def test_refuses_a_clerk(self, register, clerk_a, make_staff, ward_a, now):
        other_clerk = make_staff(ward_a, Role.CLERK)
        measure = register(clerk_a)

        with pytest.raises(actions.NotPermitted):
            actions.decide_measure(
                measure=measure,
                acting_user=other_clerk,
                approve=True,
                starts_on=timezone.localdate(now),
                decided_at=now,
            )

    def test_refuses_a_supervisor_of_another_ward(self, register, clerk_a, supervisor_b, now):
        measure = register(clerk_a)

        with pytest.raises(actions.NotPermitted):
            actions.decide_measure(
                measure=measure,
                acting_user=supervisor_b,
                approve=True,
                starts_on=timezone.localdate(now),
                decided_at=now,
            )

    def test_refuses_an_untrained_supervisor_and_says_why(
        self, register, clerk_a, make_staff, ward_a, now
    ):
        untrained = make_staff(ward_a, Role.SUPERVISOR, trained=False)
        measure = register(clerk_a)

        with pytest.raises(actions.TrainingLapsed) as info:
            actions.decide_measure(
                measure=measure,
                acting_user=untrained,
                approve=True,
                starts_on=timezone.localdate(now),
                decided_at=now,
            )

        assert "training" in str(info.value)
        measure.refresh_from_db()
        assert measure.status == MeasureStatus.PROVISIONAL

    def test_cannot_decide_twice(self, x_measure, make_staff, ward_a, now):
        other = make_staff(ward_a, Role.SUPERVISOR)

        with pytest.raises(actions.InvalidTransition):
            actions.decide_measure(
                measure=x_measure,
                acting_user=other,
                approve=True,
                starts_on=timezone.localdate(now),
                decided_at=now,
            )

    def test_another_end_date_needs_a_reason(self, register, clerk_a, supervisor_a, now):
        measure = register(clerk_a)

        with pytest.raises(actions.ActionRefused):
            actions.decide_measure(
                measure=measure,
                acting_user=supervisor_a,
                approve=True,
                starts_on=datetime.date(2025, 4, 1),
                ends_on=datetime.date(2025, 9, 30),
                decided_at=now,
            )
        measure = actions.decide_measure(
            measure=measure,
            acting_user=supervisor_a,
            approve=True,
            starts_on=datetime.date(2025, 4, 1),
            ends_on=datetime.date(2025, 9, 30),
            reason="保護命令の期間に合わせる",
            decided_at=now,
        )

        assert measure.ends_on == datetime.date(2025, 9, 30)

    def test_a_refusal_ends_the_provisional_protection_with_its_reason(
        self, register, clerk_a, supervisor_a, now, today
    ):
        measure = register(clerk_a)

        measure = actions.decide_measure(
            measure=measure,
            acting_user=supervisor_a,
            approve=False,
            starts_on=None,
            reason="要件を満たさない",
            decided_at=now,
        )

        assert (measure.status, measure.end_reason) == (MeasureStatus.ENDED, EndReason.REFUSED)
        assert not Person.objects.with_flags(today).get(name="山﨑 美咲").is_protected
        assert last_event().kind == EventKind.MEASURE_REFUSED


class TestExtendMeasure:
    def test_is_refused_earlier_than_one_month_before_the_end(self, x_measure, supervisor_a, now):
        with pytest.raises(actions.InvalidTransition) as info:
            actions.extend_measure(measure=x_measure, acting_user=supervisor_a, decided_at=now)

        assert "one month before the end" in str(info.value)
        assert AuditEvent.objects.filter(kind=EventKind.MEASURE_EXTENDED).count() == 0

    def test_starts_the_new_period_the_day_after_the_old_end(
        self, register, decide, clerk_a, supervisor_a, now, today
    ):
        measure = decide(
            register(clerk_a),
            supervisor_a,
            starts_on=datetime.date(2025, 4, 1),
            ends_on=wareki.add_months(today, 1),
            reason="保護命令の期間",
        )

        measure = actions.extend_measure(measure=measure, acting_user=supervisor_a, decided_at=now)

        new_start = wareki.add_months(today, 1) + datetime.timedelta(days=1)
        assert (measure.starts_on, measure.ends_on) == (
            new_start,
            wareki.add_years(new_start, 1) - datetime.timedelta(days=1),
        )
        assert last_event().kind == EventKind.MEASURE_EXTENDED

    def test_a_day_too_early_is_refused(self, register, decide, clerk_a, supervisor_a, now, today):
        ends_on = wareki.add_months(today, 1) + datetime.timedelta(days=1)
        measure = decide(
            register(clerk_a),
            supervisor_a,
            starts_on=datetime.date(2025, 4, 1),
            ends_on=ends_on,
            reason="保護命令の期間",
        )

        with pytest.raises(actions.InvalidTransition):
            actions.extend_measure(measure=measure, acting_user=supervisor_a, decided_at=now)

        measure.refresh_from_db()
        assert measure.ends_on == ends_on


class TestExtendALongLapsedMeasure:
    def test_is_refused_when_the_extension_would_already_be_over(
        self, register, decide, clerk_a, supervisor_a, now
    ):
        measure = decide(register(clerk_a), supervisor_a, starts_on=datetime.date(2023, 1, 1))

        with pytest.raises(actions.InvalidTransition):
            actions.extend_measure(measure=measure, acting_user=supervisor_a, decided_at=now)

        measure.refresh_from_db()
        assert measure.ends_on == datetime.date(2023, 12, 31)


class TestLapse:
    def test_a_measure_past_its_end_still_flags_the_person_before_any_job_runs(
        self, register, decide, clerk_a, supervisor_a
    ):
        decide(register(clerk_a), supervisor_a, starts_on=datetime.date(2024, 4, 1))
        later = datetime.date(2025, 6, 1)

        x = Person.objects.with_flags(later).get(name="山﨑 美咲")

        assert (x.is_protected, x.has_lapsed_measure) == (True, True)

    def test_the_daily_job_marks_it_lapsed_once_and_it_keeps_warning(
        self, register, decide, clerk_a, supervisor_a
    ):
        measure = decide(register(clerk_a), supervisor_a, starts_on=datetime.date(2024, 4, 1))
        job_time = datetime.datetime(2025, 6, 1, 0, 15, tzinfo=datetime.UTC)

        first = actions.lapse_overdue_measures(now=job_time)
        second = actions.lapse_overdue_measures(now=job_time)

        assert (first, second) == ([measure.ref], [])
        measure.refresh_from_db()
        assert measure.status == MeasureStatus.LAPSED
        assert AuditEvent.objects.filter(kind=EventKind.MEASURE_LAPSED).count() == 1
        assert (
            Person.objects.with_flags(datetime.date(2025, 6, 1)).get(name="山﨑 美咲").is_protected
        )

    def test_only_a_supervisor_release_ends_the_protection(
        self, register, decide, clerk_a, supervisor_a
    ):
        measure = decide(register(clerk_a), supervisor_a, starts_on=datetime.date(2024, 4, 1))
        at = timezone.now()
        actions.lapse_overdue_measures(now=at)

        with pytest.raises(actions.NotPermitted):
            actions.release_lapsed_measure(
                measure=measure, acting_user=clerk_a, reason="本人と連絡が取れない", decided_at=at
            )
        actions.release_lapsed_measure(
            measure=measure, acting_user=supervisor_a, reason="本人と連絡が取れない", decided_at=at
        )

        measure.refresh_from_db()
        assert (measure.status, measure.end_reason) == (MeasureStatus.ENDED, EndReason.RELEASED)
        assert not Person.objects.with_flags(at.date()).get(name="山﨑 美咲").is_protected
        assert last_event().kind == EventKind.MEASURE_RELEASED

    def test_an_active_measure_cannot_be_released(self, x_measure, supervisor_a, now):
        with pytest.raises(actions.InvalidTransition):
            actions.release_lapsed_measure(
                measure=x_measure, acting_user=supervisor_a, reason="x", decided_at=now
            )


class TestEndMeasure:
    def test_the_registrar_cannot_end_an_undecided_application(self, register, supervisor_a, now):
        measure = register(supervisor_a)

        with pytest.raises(actions.SameStaffMember):
            actions.end_measure(
                measure=measure,
                acting_user=supervisor_a,
                end_reason=EndReason.REQUESTED,
                reason="取下げ",
                decided_at=now,
            )

        measure.refresh_from_db()
        assert measure.status == MeasureStatus.PROVISIONAL

    def test_records_who_and_why(self, x_measure, supervisor_a, now):
        measure = actions.end_measure(
            measure=x_measure,
            acting_user=supervisor_a,
            end_reason=EndReason.REQUESTED,
            reason="本人の申出",
            decided_at=now,
        )

        assert (measure.status, measure.ended_by, measure.end_reason) == (
            MeasureStatus.ENDED,
            supervisor_a,
            EndReason.REQUESTED,
        )
        event = last_event()
        assert (event.kind, event.reason, event.decision) == (
            EventKind.MEASURE_ENDED,
            "本人の申出",
            "requested",
        )

    def test_refuses_without_a_reason(self, x_measure, supervisor_a, now):
        with pytest.raises(actions.ActionRefused):
            actions.end_measure(
                measure=x_measure,
                acting_user=supervisor_a,
                end_reason=EndReason.REQUESTED,
                reason="  ",
                decided_at=now,
            )

        x_measure.refresh_from_db()
        assert x_measure.status == MeasureStatus.ACTIVE


class TestOverlappingMeasures:
    def test_the_strongest_measure_in_force_decides_the_flags(
        self, register, decide, clerk_a, supervisor_a, now, today
    ):
        x = dataclasses.replace(X, resident_number="X-1")
        y = [PartyData(person=dataclasses.replace(Y, resident_number="Y-1"))]
        old = decide(register(clerk_a, protected=x, counterparties=y), supervisor_a)
        # A new application while the old measure is ended: X stays protected throughout.
        register(clerk_a, protected=x, counterparties=y)
        actions.end_measure(
            measure=old,
            acting_user=supervisor_a,
            end_reason=EndReason.DECIDED,
            reason="再申出へ移行",
            decided_at=now,
        )

        flags = Person.objects.with_flags(today)

        assert flags.get(resident_number="X-1").is_protected
        assert flags.get(resident_number="Y-1").is_counterparty
        assert Person.objects.count() == 2

    def test_protected_in_one_measure_and_counterparty_in_another_is_both(
        self, register, clerk_a, today
    ):
        y = dataclasses.replace(Y, resident_number="Y-1")
        register(clerk_a, counterparties=[PartyData(person=y)])
        register(clerk_a, protected=y, counterparties=[PartyData(person=PersonData(name="某 氏"))])

        flags = Person.objects.with_flags(today).get(resident_number="Y-1")

        assert (flags.is_protected, flags.is_counterparty) == (True, True)

    def test_another_ward_cannot_attach_a_person_of_ours_by_resident_number(
        self, register, clerk_a, make_staff, ward_b
    ):
        x = dataclasses.replace(X, resident_number="X-1")
        register(clerk_a, protected=x)
        clerk_b = make_staff(ward_b, Role.CLERK)
        intruder = PersonData(name="別名", address="偽の住所", resident_number="X-1")

        with pytest.raises(actions.NotPermitted):
            register(clerk_b, protected=PersonData(name="乙"), joint=[PartyData(person=intruder)])

        person = Person.objects.get(resident_number="X-1")
        assert (person.name, person.address) == (X.name, X.address)
        assert SupportMeasure.objects.count() == 1

    def test_the_same_ward_reuses_the_record_and_only_fills_blanks(self, register, clerk_a):
        x = dataclasses.replace(X, resident_number="X-1", phone="")
        register(clerk_a, protected=x)

        register(clerk_a, protected=dataclasses.replace(x, address="別の住所", phone="090-1"))

        person = Person.objects.get(resident_number="X-1")
        assert (person.address, person.phone) == (X.address, "090-1")


class TestTraining:
    @time_machine.travel(datetime.datetime(2026, 11, 26, 9, tzinfo=datetime.UTC), tick=False)
    def test_lapses_twelve_months_after_completion(self, supervisor_a, now):
        actions.record_training(
            staff=supervisor_a,
            acting_user=None,
            completed_on=datetime.date(2025, 11, 27),
            course="研修",
            recorded_at=timezone.now(),
        )
        supervisor_a.training_records.exclude(completed_on=datetime.date(2025, 11, 27)).delete()

        assert supervisor_a.training_valid_on(datetime.date(2026, 11, 26))
        assert not supervisor_a.training_valid_on(datetime.date(2026, 11, 27))


def test_every_action_above_leaves_a_verifiable_chain(x_measure, supervisor_a, now):
    actions.end_measure(
        measure=x_measure,
        acting_user=supervisor_a,
        end_reason=EndReason.REQUESTED,
        reason="本人の申出",
        decided_at=now,
    )

    report = verify_chain()

    assert report.ok and report.checked == AuditEvent.objects.count()

"""Forwarding (転送), forwarded applications received (転送受付) and moves out (issue 12)."""

from __future__ import annotations

import datetime
from dataclasses import replace

import pytest

from auditlog.models import AuditEvent, EventKind
from inquiries.models import Notification
from supportmeasures import actions
from supportmeasures.actions.common import Identity, PartyData, PersonData
from supportmeasures.models import (
    BlockChange,
    BlockChangeKind,
    ConfirmationTask,
    Forwarding,
    ForwardingRelation,
    ForwardReceipt,
    LinkedSystem,
    MeasureSource,
    MeasureStatus,
    MoveOut,
    Person,
    Role,
    SupportMeasure,
)
from supportmeasures.propagation import forwarding as fw
from supportmeasures.refusals import (
    ActionRefused,
    IdentityUnconfirmed,
    InvalidTransition,
    NotPermitted,
    TrainingLapsed,
)

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


def forward(measure, user, now, **kwargs):
    values = {
        "relation": ForwardingRelation.DOMICILE,
        "municipality_name": "札幌市",
        "municipality_code": "011002",
        "forwarded_on": measure.applied_on,
    } | kwargs
    return fw.forward_measure(measure=measure, acting_user=user, recorded_at=now, **values)


def receive(clerk, now, today, **kwargs):
    values = {
        "origin_name": "川崎市",
        "origin_code": "141305",
        "origin_forwarded_on": today - 3 * DAY,
        "received_on": today,
        "need_confirmed": True,
        "applicant_notified_on": None,
        "starts_on": today - 10 * DAY,
        "ends_on": today + 300 * DAY,
        "kind": "dv",
        "basis_kind": "consulting_body",
        "basis_body": "川崎市配偶者暴力相談支援センター",
        "restricts_inspection": True,
        "restricts_resident_copies": True,
        "restricts_koseki_attachment": True,
        "protected": PersonData(name="小林 由美", kana="コバヤシ ユミ", address="横浜市"),
        "joint": [],
        "counterparties": [PartyData(person=PersonData(name="小林 剛"), relationship="夫")],
    } | kwargs
    return fw.receive_forwarded_application(
        acting_user=clerk, ward=clerk.ward, recorded_at=now, **values
    )


def events(kind) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(kind=kind).order_by("sequence"))


class TestForwardMeasure:
    def test_records_the_forwarding_as_a_task_with_its_deadline(self, x_measure, clerk_a, now):
        forwarding = forward(x_measure, clerk_a, now)

        assert forwarding.municipality_code == "011002"
        assert forwarding.replied_on is None
        assert forwarding.due_at > now + 5 * DAY  # five business days: a weekend at least
        (event,) = events(EventKind.MEASURE_FORWARDED)
        assert (event.actor, event.measure_ref, event.decision) == (
            clerk_a,
            x_measure.ref,
            "domicile",
        )
        assert event.data["forwarding"] == forwarding.pk

    def test_the_event_never_names_the_municipality(self, x_measure, clerk_a, now):
        forward(x_measure, clerk_a, now)

        text = str(events(EventKind.MEASURE_FORWARDED)[0].data)
        assert "札幌" not in text and "011002" not in text

    def test_the_supervisor_of_the_owning_ward_may_forward_too(self, x_measure, supervisor_a, now):
        assert forward(x_measure, supervisor_a, now).recorded_by == supervisor_a

    @pytest.mark.parametrize("who", ["clerk_b", "auditor", "contractor_a"])
    def test_refuses_anyone_but_the_owning_wards_case_staff(self, x_measure, who, request, now):
        user = request.getfixturevalue(who)

        with pytest.raises(NotPermitted):
            forward(x_measure, user, now)
        assert not Forwarding.objects.exists()

    def test_refuses_an_untrained_clerk(self, x_measure, make_staff, ward_a, now):
        untrained = make_staff(ward_a, Role.CLERK, trained=False)

        with pytest.raises(TrainingLapsed):
            forward(x_measure, untrained, now)

    def test_refuses_an_ended_measure(self, x_measure, supervisor_a, clerk_a, now):
        actions.end_measure(
            measure=x_measure,
            acting_user=supervisor_a,
            end_reason="requested",
            reason="本人の申出",
            decided_at=now,
        )

        with pytest.raises(InvalidTransition):
            forward(x_measure, clerk_a, now)

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("municipality_code", "abc123"),
            ("municipality_code", "1234567"),
            ("municipality_name", "  "),
            ("relation", "sister_city"),
        ],
    )
    def test_refuses_bad_input_and_records_nothing(self, x_measure, clerk_a, now, field, value):
        with pytest.raises(ActionRefused):
            forward(x_measure, clerk_a, now, **{field: value})
        assert not Forwarding.objects.exists()
        assert events(EventKind.MEASURE_FORWARDED) == []

    def test_accepts_the_code_without_its_check_digit(self, x_measure, clerk_a, now):
        assert forward(x_measure, clerk_a, now, municipality_code="01100").pk

    def test_refuses_a_date_in_the_future_or_before_the_application(
        self, x_measure, clerk_a, now, today
    ):
        with pytest.raises(ActionRefused):
            forward(x_measure, clerk_a, now, forwarded_on=today + DAY)
        with pytest.raises(ActionRefused):
            forward(x_measure, clerk_a, now, forwarded_on=x_measure.applied_on - DAY)

    def test_refuses_the_same_forwarding_twice(self, x_measure, clerk_a, now):
        forward(x_measure, clerk_a, now)

        with pytest.raises(ActionRefused):
            forward(x_measure, clerk_a, now)
        assert Forwarding.objects.count() == 1


class TestRecordTheReply:
    def test_the_reply_closes_the_task(self, x_measure, clerk_a, now, today):
        forwarding = forward(x_measure, clerk_a, now)

        fw.record_forward_reply(
            forwarding=forwarding,
            acting_user=clerk_a,
            replied_on=today,
            note="札幌市市民課より設定済みの回答",
            recorded_at=now,
        )

        forwarding.refresh_from_db()
        assert (forwarding.replied_on, forwarding.reply_recorded_by) == (today, clerk_a)
        (event,) = events(EventKind.FORWARD_REPLIED)
        assert event.data == {
            "forwarding": forwarding.pk,
            "relation": "domicile",
            "replied_on": today.isoformat(),
            "late": False,
            "was_escalated": False,
        }

    def test_a_second_reply_is_refused_and_changes_nothing(self, x_measure, clerk_a, now, today):
        forwarding = forward(x_measure, clerk_a, now)
        fw.record_forward_reply(
            forwarding=forwarding, acting_user=clerk_a, replied_on=today, note="", recorded_at=now
        )

        with pytest.raises(InvalidTransition):
            fw.record_forward_reply(
                forwarding=forwarding,
                acting_user=clerk_a,
                replied_on=today,
                note="again",
                recorded_at=now,
            )
        assert len(events(EventKind.FORWARD_REPLIED)) == 1

    def test_another_ward_cannot_record_the_reply(self, x_measure, clerk_a, clerk_b, now, today):
        forwarding = forward(x_measure, clerk_a, now)

        with pytest.raises(NotPermitted):
            fw.record_forward_reply(
                forwarding=forwarding,
                acting_user=clerk_b,
                replied_on=today,
                note="",
                recorded_at=now,
            )

    def test_a_reply_before_the_forwarding_is_refused(self, x_measure, clerk_a, now, today):
        forwarding = forward(x_measure, clerk_a, now)

        with pytest.raises(ActionRefused):
            fw.record_forward_reply(
                forwarding=forwarding,
                acting_user=clerk_a,
                replied_on=forwarding.forwarded_on - DAY,
                note="",
                recorded_at=now,
            )


class TestEscalation:
    def test_a_forwarding_without_reply_past_its_deadline_escalates_once(
        self, x_measure, clerk_a, supervisor_a, auditor, now
    ):
        actions.appoint_responsible_officer(
            acting_user=None, staff=supervisor_a, ward=x_measure.owning_ward, appointed_at=now
        )
        forwarding = forward(x_measure, clerk_a, now)
        later = forwarding.due_at + DAY

        first = fw.escalate_overdue_forwardings(now=later)
        second = fw.escalate_overdue_forwardings(now=later + DAY)

        assert (first, second) == (1, 0)
        forwarding.refresh_from_db()
        assert forwarding.escalated_at == later
        (event,) = events(EventKind.PROPAGATION_OVERDUE)
        assert (event.decision, event.data["forwarding"]) == ("forwarding_overdue", forwarding.pk)
        told = Notification.objects.filter(critical=True, subject__contains=x_measure.ref)
        assert sorted(told.values_list("recipient__username", flat=True)) == [
            "a_supervisor",
            "auditor",
        ]

    def test_a_forwarding_replied_or_not_yet_due_does_not_escalate(
        self, x_measure, clerk_a, now, today
    ):
        replied = forward(x_measure, clerk_a, now)
        fw.record_forward_reply(
            forwarding=replied, acting_user=clerk_a, replied_on=today, note="", recorded_at=now
        )
        forward(x_measure, clerk_a, now, municipality_code="131016", municipality_name="千代田区")

        assert fw.escalate_overdue_forwardings(now=now + DAY) == 0
        assert fw.escalate_overdue_forwardings(now=replied.due_at + DAY) == 1

    def test_the_reply_after_escalation_says_it_was_late(self, x_measure, clerk_a, now, today):
        forwarding = forward(x_measure, clerk_a, now)
        late = forwarding.due_at + DAY
        fw.escalate_overdue_forwardings(now=late)

        fw.record_forward_reply(
            forwarding=forwarding,
            acting_user=clerk_a,
            replied_on=today,
            note="",
            recorded_at=late,
        )

        (event,) = events(EventKind.FORWARD_REPLIED)
        assert (event.data["late"], event.data["was_escalated"]) == (True, True)


class TestReceiveForwardedApplication:
    def test_is_in_force_at_once_with_the_origins_period_and_no_decision_here(
        self, clerk_a, now, today
    ):
        measure = receive(clerk_a, now, today)

        assert (measure.status, measure.source) == (MeasureStatus.ACTIVE, MeasureSource.FORWARDED)
        assert (measure.starts_on, measure.ends_on) == (today - 10 * DAY, today + 300 * DAY)
        assert measure.decided_by is None
        receipt = ForwardReceipt.objects.get(measure=measure)
        assert (receipt.origin_code, receipt.need_confirmed) == ("141305", True)
        assert receipt.applicant_notified_on is None
        protected = Person.objects.with_flags(today).get(name="小林 由美")
        assert protected.is_protected

    def test_the_linked_systems_are_asked_to_set_the_block(self, clerk_a, now, today):
        measure = receive(clerk_a, now, today)

        change = BlockChange.objects.get(measure=measure)
        assert (change.kind, change.blocks, change.effective_from) == (
            BlockChangeKind.FORWARD_RECEIVED,
            True,
            today,
        )
        assert ConfirmationTask.objects.filter(change=change).count() == (
            LinkedSystem.objects.filter(is_active=True).count()
        )
        (event,) = events(EventKind.FORWARD_RECEIVED)
        assert (event.actor, event.decision, event.measure_ref) == (
            clerk_a,
            "active",
            measure.ref,
        )

    def test_when_the_need_was_not_confirmed_it_is_provisional_with_the_notification_date(
        self, clerk_a, now, today
    ):
        measure = receive(
            clerk_a,
            now,
            today,
            need_confirmed=False,
            applicant_notified_on=today - DAY,
            starts_on=None,
            ends_on=None,
        )

        assert measure.status == MeasureStatus.PROVISIONAL
        assert ForwardReceipt.objects.get(measure=measure).applicant_notified_on == today - DAY

    @pytest.mark.parametrize(
        "kwargs",
        [
            {"need_confirmed": False, "applicant_notified_on": None},
            {"applicant_notified_on": datetime.date(2020, 1, 1)},
            {"starts_on": None},
            {"origin_code": "x"},
            {"counterparties": []},
            {"restricts_inspection": False, "restricts_resident_copies": False,
             "restricts_koseki_attachment": False},
        ],
    )  # fmt: skip
    def test_refuses_incomplete_input_and_registers_nothing(self, clerk_a, now, today, kwargs):
        with pytest.raises(ActionRefused):
            receive(clerk_a, now, today, **kwargs)

        assert not SupportMeasure.objects.exists()

    def test_refuses_received_before_forwarded(self, clerk_a, now, today):
        with pytest.raises(ActionRefused):
            receive(clerk_a, now, today, origin_forwarded_on=today + DAY)

    @pytest.mark.parametrize("who", ["auditor", "contractor_a"])
    def test_refuses_anyone_but_the_wards_case_staff(self, who, request, now, today, ward_a):
        user = request.getfixturevalue(who)

        with pytest.raises(NotPermitted):
            receive(user, now, today)
        assert not SupportMeasure.objects.exists()

    def test_an_untrained_clerk_may_still_start_protection(self, make_staff, ward_a, now, today):
        untrained = make_staff(ward_a, Role.CLERK, trained=False)

        assert receive(untrained, now, today).status == MeasureStatus.ACTIVE

    def test_the_identity_chosen_is_checked_against_the_candidates_found_now(
        self, x_measure, clerk_a, now, today
    ):
        x = Person.objects.get(name="山﨑 美咲")
        y = Person.objects.get(name="山﨑 健一")
        typed = PersonData(name="山崎 美咲", kana="ヤマサキ ミサキ")

        for identity in (Identity(same_as=y.public_id), Identity()):
            with pytest.raises(IdentityUnconfirmed):
                receive(clerk_a, now, today, protected=replace(typed, identity=identity))
        measure = receive(
            clerk_a, now, today, protected=replace(typed, identity=Identity(same_as=x.public_id))
        )

        assert measure.parties.get(role="protected").person_id == x.pk
        assert Person.objects.filter(kana="ヤマサキ ミサキ").count() == 1


class TestMoveOut:
    def test_the_measure_continues_as_former_address_protection_provisionally(
        self, x_measure, x, clerk_a, now, today
    ):
        move = fw.record_move_out(
            measure=x_measure,
            acting_user=clerk_a,
            moved_out_on=today,
            municipality_name="福岡市",
            municipality_code="401307",
            recorded_at=now,
        )

        x_measure.refresh_from_db()
        assert x_measure.status == MeasureStatus.PROVISIONAL
        assert (move.previous_status, move.forwarding.relation) == (
            MeasureStatus.ACTIVE,
            ForwardingRelation.DESTINATION,
        )
        assert move.forwarding.replied_on is None
        change = BlockChange.objects.filter(measure=x_measure).order_by("-pk").first()
        assert change is not None
        assert (change.kind, change.blocks) == (BlockChangeKind.MOVED_OUT, True)
        assert [p["id"] for p in change.persons] == [str(x.public_id)]
        assert len(events(EventKind.MEASURE_MOVED_OUT)) == 1
        assert events(EventKind.MEASURE_FORWARDED)[0].decision == "destination"
        assert Person.objects.with_flags(today).get(pk=x.pk).is_protected

    def test_a_second_move_out_is_refused(self, x_measure, clerk_a, now, today):
        fw.record_move_out(
            measure=x_measure,
            acting_user=clerk_a,
            moved_out_on=today,
            municipality_name="福岡市",
            municipality_code="401307",
            recorded_at=now,
        )

        with pytest.raises(InvalidTransition):
            fw.record_move_out(
                measure=x_measure,
                acting_user=clerk_a,
                moved_out_on=today,
                municipality_name="福岡市",
                municipality_code="401307",
                recorded_at=now,
            )
        assert MoveOut.objects.count() == 1

    def test_another_ward_cannot_record_it(self, x_measure, clerk_b, now, today):
        with pytest.raises(NotPermitted):
            fw.record_move_out(
                measure=x_measure,
                acting_user=clerk_b,
                moved_out_on=today,
                municipality_name="福岡市",
                municipality_code="401307",
                recorded_at=now,
            )
        x_measure.refresh_from_db()
        assert x_measure.status == MeasureStatus.ACTIVE

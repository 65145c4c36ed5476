"""Each analysis finds its planted case and nothing else."""

from __future__ import annotations

import datetime
import uuid
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction

from auditlog.actions import Event, record_events
from auditlog.models import AuditEvent, EventKind
from auditlog.workspace import analyses
from inquiries import actions as inquiry_actions
from inquiries.models import Channel, DisclosureCategory
from supportmeasures import actions
from supportmeasures.actions import PersonData
from supportmeasures.models import AccessPurpose, Role

JST = ZoneInfo("Asia/Tokyo")
pytestmark = pytest.mark.usefixtures("in_english", "clock")


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=JST)


@pytest.fixture
def clock():
    # Friday 27 November 2026, noon in Tokyo: `now` in the shared fixtures.
    with time_machine.travel(at(27, 12), tick=False):
        yield


def plant(kind, actor, occurred_at, *, person=None, measure_ref="", data=None):
    with transaction.atomic():
        record_events(
            [
                Event(
                    kind=kind,
                    actor=actor,
                    occurred_at=occurred_at,
                    person_public_id=person,
                    measure_ref=measure_ref,
                    data=data or {},
                )
            ]
        )


def look(staff, person, when):
    """The real path: acknowledge the warning, then open the details."""
    actions.acknowledge_warning(
        person=person,
        acting_user=staff,
        purpose=AccessPurpose.MEASURE_WORK,
        purpose_note="",
        acknowledged_at=when,
    )
    actions.open_protected_details(
        person=person, acting_user=staff, opened_at=when + datetime.timedelta(minutes=1)
    )


WEEK = {"since": at(16, 0), "until": at(30, 0)}


@pytest.mark.django_db
class TestOutOfHours:
    def test_finds_looks_on_a_public_holiday_and_at_night_and_nothing_in_hours(self, clerk_a, x):
        look(clerk_a, x, at(23, 10))  # 勤労感謝の日 (Monday)
        look(clerk_a, x, at(24, 20))  # Tuesday night
        look(clerk_a, x, at(24, 10))  # Tuesday morning: in hours

        report = analyses.out_of_hours(**WEEK)

        found = [(f.events[0].kind, f.when.astimezone(JST).strftime("%d %H:%M")) for f in report]
        assert found == [
            (EventKind.DETAILS_ACKNOWLEDGED, "23 10:00"),
            (EventKind.DETAILS_VIEWED, "23 10:01"),
            (EventKind.DETAILS_ACKNOWLEDGED, "24 20:00"),
            (EventKind.DETAILS_VIEWED, "24 20:01"),
        ]
        assert "勤労感謝の日" in report.rows[0].what
        assert "Outside working hours (08:30–17:15)" in report.rows[2].what
        assert report.rows[0].who == "a_clerk"

    def test_finds_a_saturday_but_not_a_night_event_of_another_kind(self, clerk_a, x, x_measure):
        plant(EventKind.DETAILS_VIEWED, clerk_a, at(28, 11), person=x.public_id)
        plant(EventKind.MEASURE_EXTENDED, clerk_a, at(25, 23), measure_ref=x_measure.ref)

        report = analyses.out_of_hours(**WEEK)

        assert [f.what for f in report] == ["Protected details viewed — Saturday"]

    def test_working_hours_are_a_setting(self, clerk_a, x, settings):
        settings.MAMORI_AUDIT_WORKING_HOURS = ("09:00", "17:00")
        plant(EventKind.PLAN_APPROVED, clerk_a, at(24, 8, 45))

        report = analyses.out_of_hours(**WEEK)

        assert [f.events[0].kind for f in report] == [EventKind.PLAN_APPROVED]

    @pytest.mark.parametrize(
        ("moment", "outside"),
        [
            (at(24, 8, 29), True),
            (at(24, 8, 30), False),
            (at(24, 17, 14), False),
            (at(24, 17, 15), True),
            (at(30, 0, 0, month=12), True),  # year-end closure, a Wednesday
            (datetime.datetime(2026, 11, 25, 3, 0, tzinfo=datetime.UTC), False),  # noon in Tokyo
        ],
    )
    def test_hours_are_read_in_japan_time(self, moment, outside):
        assert bool(analyses.out_of_hours_reason(moment)) is outside


@pytest.mark.django_db
class TestManyRecords:
    def test_finds_the_user_over_the_threshold_on_one_japanese_day(self, clerk_a, clerk_b):
        people = [uuid.uuid4() for _ in range(12)]
        for i, person in enumerate(people[:11]):
            plant(EventKind.DETAILS_VIEWED, clerk_a, at(24, 9, i), person=person)
        plant(EventKind.DETAILS_VIEWED, clerk_a, at(24, 10), person=people[0])  # again
        # clerk_b: 12 people in one UTC day, but 6 before and 6 after midnight in Tokyo.
        for i, person in enumerate(people):
            when = at(25, 23, i * 5) if i < 6 else at(26, 0, i)
            plant(EventKind.DETAILS_VIEWED, clerk_b, when, person=person)

        report = analyses.many_records(**WEEK)

        (finding,) = report.rows
        assert finding.who == "a_clerk"
        assert finding.what == "Opened the details of 11 people on 2026-11-24"
        assert len(finding.events) == 12

    def test_the_threshold_is_a_setting(self, clerk_a, settings):
        settings.MAMORI_AUDIT_MANY_RECORDS_PER_DAY = 11
        for i in range(11):
            plant(EventKind.DETAILS_VIEWED, clerk_a, at(24, 9, i), person=uuid.uuid4())

        assert len(analyses.many_records(**WEEK)) == 0


@pytest.mark.django_db
class TestLooksWithoutWork:
    def test_finds_the_look_with_no_work_and_not_the_looks_with_work(
        self, x, x_measure, clerk_a, supervisor_a, supervisor_b, make_staff, ward_b
    ):
        asker, planner, old_asker = (make_staff(ward_b, Role.CLERK) for _ in range(3))
        # supervisor_a decided the measure, clerk_a registered it (both at `now`).
        # asker drafted an inquiry whose screening found X's measure 5 days before;
        # planner a plan naming X; old_asker an inquiry 40 days before.
        plant(EventKind.INQUIRY_CREATED, asker, at(22, 10), data={"measures": [x_measure.ref]})
        plant(EventKind.PLAN_CREATED, planner, at(26, 10), data={"persons": [str(x.public_id)]})
        plant(EventKind.INQUIRY_CREATED, old_asker, at(17, 10, month=10),
              data={"measures": [x_measure.ref]})  # fmt: skip
        # supervisor_b only looked: acknowledging and searching are not work.
        plant(EventKind.DETAILS_ACKNOWLEDGED, supervisor_b, at(27, 12, 30), person=x.public_id)
        plant(EventKind.SCREENING_HIT, supervisor_b, at(27, 12, 20), person=x.public_id)
        for n, staff in enumerate([clerk_a, supervisor_a, asker, planner, old_asker, supervisor_b]):
            plant(EventKind.DETAILS_VIEWED, staff, at(27, 13, n), person=x.public_id)

        report = analyses.looks_without_work(**WEEK)

        assert sorted(f.events[0].actor_id or 0 for f in report) == sorted(
            [old_asker.pk, supervisor_b.pk]
        )

    def test_the_look_back_is_a_setting(self, x, x_measure, make_staff, ward_b, settings):
        settings.MAMORI_AUDIT_WORK_LOOKBACK_DAYS = 60
        old_asker = make_staff(ward_b, Role.CLERK)
        plant(EventKind.INQUIRY_CREATED, old_asker, at(17, 10, month=10),
              data={"measures": [x_measure.ref]})  # fmt: skip
        plant(EventKind.DETAILS_VIEWED, old_asker, at(27, 13), person=x.public_id)

        assert len(analyses.looks_without_work(**WEEK)) == 0

    def test_work_after_the_look_does_not_excuse_it(self, x, x_measure, supervisor_b):
        plant(EventKind.DETAILS_VIEWED, supervisor_b, at(26, 13), person=x.public_id)
        plant(EventKind.MEASURE_EXTENDED, supervisor_b, at(26, 14), measure_ref=x_measure.ref)

        assert len(analyses.looks_without_work(**WEEK)) == 1


@pytest.mark.django_db
class TestDeclinedThenViewed:
    def test_finds_the_look_after_a_decline_within_the_window_only(
        self, x, y, clerk_a, supervisor_a, clerk_b
    ):
        plant(EventKind.DETAILS_DECLINED, clerk_a, at(24, 10), person=x.public_id)
        plant(EventKind.DETAILS_VIEWED, clerk_a, at(24, 12), person=x.public_id)
        # too late (30 hours):
        plant(EventKind.DETAILS_DECLINED, supervisor_a, at(23, 10), person=x.public_id)
        plant(EventKind.DETAILS_VIEWED, supervisor_a, at(24, 16), person=x.public_id)
        # another person, and a look before the decline:
        plant(EventKind.DETAILS_VIEWED, clerk_b, at(25, 9), person=x.public_id)
        plant(EventKind.DETAILS_DECLINED, clerk_b, at(25, 10), person=x.public_id)
        plant(EventKind.DETAILS_VIEWED, clerk_b, at(25, 11), person=y.public_id)

        report = analyses.declined_then_viewed(**WEEK)

        (finding,) = report.rows
        assert [e.kind for e in finding.events] == [
            EventKind.DETAILS_DECLINED,
            EventKind.DETAILS_VIEWED,
        ]
        assert finding.who == "a_clerk"
        assert finding.what == "Declined the warning, then opened the details 120 minutes later"


PEOPLE = [
    PersonData(name=f"佐藤 花子{i}", kana=f"サトウ ハナコ{i}", birth_date=None, sex="F", address="")
    for i in range(12)
]


@pytest.mark.django_db
class TestMutualApprovals:
    def test_finds_the_pair_that_approve_each_other_and_not_a_one_sided_pair(
        self, register, decide, make_staff, ward_a
    ):
        one, two, three = (make_staff(ward_a, Role.SUPERVISOR) for _ in range(3))
        people = iter(PEOPLE)
        for author, decider, times in [(one, two, 3), (two, one, 3), (one, three, 3),
                                       (three, one, 2)]:  # fmt: skip
            for _ in range(times):
                decide(register(author, protected=next(people)), decider)

        report = analyses.mutual_approvals(**WEEK)

        (finding,) = report.rows
        assert finding.who == f"{one} ⇄ {two}"
        assert len(finding.events) == 6
        assert {e.actor_id for e in finding.events} == {one.pk, two.pk}

    def test_counts_plan_approvals_by_their_author(self, make_staff, ward_a, settings):
        settings.MAMORI_AUDIT_MUTUAL_APPROVALS = 1
        one, two = (make_staff(ward_a, Role.SUPERVISOR) for _ in range(2))
        for author, approver in [(one, two), (two, one)]:
            plan = emergency_plan(author)
            inquiry_actions.approve_plan(plan=plan, acting_user=approver, approved_at=at(27, 12))

        (finding,) = analyses.mutual_approvals(**WEEK).rows

        assert [e.kind for e in finding.events] == [EventKind.PLAN_APPROVED] * 2

    def test_a_plan_approval_records_its_author_and_the_analysis_reads_it_from_the_log(
        self, make_staff, ward_a, settings
    ):
        """The approval event names whose work it approved: the analysis needs no plan row."""
        settings.MAMORI_AUDIT_MUTUAL_APPROVALS = 1
        one, two = (make_staff(ward_a, Role.SUPERVISOR) for _ in range(2))
        with transaction.atomic():
            record_events(
                [
                    Event(
                        kind=EventKind.PLAN_APPROVED,
                        actor=approver,
                        occurred_at=at(27, 12),
                        decision="approved",
                        data={"plan": str(uuid.uuid4()), "author": author.pk},
                    )
                    for author, approver in [(one, two), (two, one)]
                ]
            )

        (finding,) = analyses.mutual_approvals(**WEEK).rows

        assert finding.who == f"{one} ⇄ {two}"
        plan = emergency_plan(one)
        inquiry_actions.approve_plan(plan=plan, acting_user=two, approved_at=at(27, 13))
        approved = AuditEvent.objects.filter(kind=EventKind.PLAN_APPROVED).latest("sequence")
        assert approved.data["author"] == one.pk

    def test_an_older_approval_without_its_author_is_matched_through_the_plan(
        self, make_staff, ward_a, settings
    ):
        settings.MAMORI_AUDIT_MUTUAL_APPROVALS = 1
        one, two = (make_staff(ward_a, Role.SUPERVISOR) for _ in range(2))
        plans = [
            (emergency_plan(author), approver) for author, approver in [(one, two), (two, one)]
        ]
        with transaction.atomic():
            record_events(
                [
                    Event(
                        kind=EventKind.PLAN_APPROVED,
                        actor=approver,
                        occurred_at=at(27, 12),
                        decision="approved",
                        data={"plan": str(plan.public_id)},  # as written before issue 14
                    )
                    for plan, approver in plans
                ]
            )

        (finding,) = analyses.mutual_approvals(**WEEK).rows

        assert finding.who == f"{one} ⇄ {two}"


def emergency_plan(author, **overrides):
    fields = {
        "target_name": "鈴木 一郎",
        "target_kana": "スズキ イチロウ",
        "target_contact": "090-0000-0000",
        "target_relation": "本人",
        "channel": Channel.PHONE,
        "purpose": "安否確認",
        "categories": [DisclosureCategory.IDENTITY],
        "wording": "安否確認の電話をします",
        "is_emergency": True,
        "emergency_reason": "本人と連絡が取れず安否が不明",
    }
    fields.update(overrides)
    return inquiry_actions.create_plan(acting_user=author, created_at=at(27, 11), **fields)


@pytest.mark.django_db
class TestUnreviewedEmergencies:
    def test_finds_the_emergency_acted_on_and_not_reviewed(
        self, clerk_a, supervisor_a, make_staff, ward_a
    ):
        second = make_staff(ward_a, Role.SUPERVISOR)
        open_one, reviewed, waiting = (emergency_plan(clerk_a) for _ in range(3))
        for plan in (open_one, reviewed):
            for approver in (supervisor_a, second):
                inquiry_actions.approve_plan(
                    plan=plan, acting_user=approver, approved_at=at(27, 11)
                )
        inquiry_actions.review_emergency(
            plan=reviewed, acting_user=supervisor_a, note="妥当", reviewed_at=at(27, 11, 30)
        )
        emergency_plan(clerk_a, is_emergency=False, emergency_reason="")

        report = analyses.unreviewed_emergencies(**WEEK)

        (finding,) = report.rows
        assert finding.reference == str(open_one.public_id)
        assert [e.kind for e in finding.events] == [
            EventKind.PLAN_CREATED,
            EventKind.PLAN_APPROVED,
            EventKind.PLAN_APPROVED,
        ]
        assert waiting.state == "awaiting_approval"


@pytest.mark.django_db
class TestAnomalyReports:
    def test_every_report_once_in_order_with_its_count(self, clerk_a, x):
        plant(EventKind.DETAILS_VIEWED, clerk_a, at(28, 11), person=x.public_id)

        reports = analyses.anomaly_reports(**WEEK)

        assert [r.code for r in reports] == list(analyses.REPORT_CODES)
        # The 7th: failed logins; the 8th: linked systems' unconfirmed blocks.
        assert [len(r) for r in reports] == [1, 0, 0, 0, 0, 0, 0, 0]
        assert all(r.title and r.description for r in reports)

    def test_the_holiday_comes_from_jpholiday(self):
        assert analyses.closed_day_name(datetime.date(2026, 11, 23)) == "勤労感謝の日"
        assert analyses.closed_day_name(datetime.date(2026, 11, 24)) == ""

    def test_counts_are_read_in_a_fixed_number_of_queries(
        self, clerk_a, x, django_assert_max_num_queries
    ):
        for i in range(30):
            plant(EventKind.DETAILS_VIEWED, clerk_a, at(24, 20, i), person=uuid.uuid4())
            plant(EventKind.DETAILS_DECLINED, clerk_a, at(24, 19, i), person=x.public_id)

        with django_assert_max_num_queries(14):
            reports = analyses.anomaly_reports(**WEEK)

        assert len(reports[0]) == 30

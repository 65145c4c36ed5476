"""The auditors' workspace: who may read it, each filter, a person's whole story, the export."""

from __future__ import annotations

import csv
import datetime
import io
import json

import pytest
from django.db import connection, transaction
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from auditlog.actions import Event, record_events
from auditlog.models import AuditEvent, AuditEventPerson, EventKind
from auditlog.workspace import selectors
from inquiries import actions as inquiries
from inquiries.models import Channel, DisclosureCategory
from supportmeasures import actions as registry
from supportmeasures.actions import PersonData
from supportmeasures.models import AccessPurpose, Person, Role
from supportmeasures.screening import Query

pytestmark = pytest.mark.django_db

TAKAHASHI = PersonData(
    name="髙橋 陽子", kana="タカハシ ヨウコ", birth_date=datetime.date(1985, 1, 2)
)


def sequences(response) -> list[int]:
    return [e.sequence for e in response.context["found"].events]


@pytest.fixture
def story(x_measure, x, y, clerk_a, supervisor_a, clerk_b, supervisor_b, make_staff, ward_b, now):
    """The incident replayed through the real actions, ending in a contact: X's whole story."""
    registry.acknowledge_warning(
        person=x,
        acting_user=clerk_a,
        purpose=AccessPurpose.MEASURE_WORK,
        purpose_note="",
        acknowledged_at=now,
    )
    registry.open_protected_details(person=x, acting_user=clerk_a, opened_at=now)
    registry.screen_people(
        queries=[Query(name="山崎 美咲")],
        purpose="registry_search",
        screened_at=now,
        acting_user=clerk_b,
    )
    inquiry = inquiries.create_inquiry(
        acting_user=clerk_a,
        to_ward=ward_b,
        to_department="保険年金課",
        subject_name="山崎 美咲",
        subject_kana="やまさき みさき",
        subject_birth_date=None,
        question="国民健康保険の加入状況",
        reason="福祉相談の手続きのため",
        urgency="urgent",
        created_at=now,
    )
    inquiries.sign_off_inquiry(
        inquiry=inquiry, acting_user=supervisor_a, confirmed_minimal=True, signed_at=now
    )
    inquiries.acknowledge_inquiry(inquiry=inquiry, acting_user=clerk_b, acknowledged_at=now)
    plan = inquiries.create_plan(
        acting_user=clerk_b,
        created_at=now,
        inquiry=inquiry,
        matter_name="山﨑 美咲",
        matter_kana="ヤマサキ ミサキ",
        target_name="山﨑 健一",
        target_kana="ヤマサキ ケンイチ",
        target_contact="090-0000-0000",
        target_relation="世帯主",
        channel=Channel.PHONE,
        purpose="保険料の確認",
        categories=[DisclosureCategory.IDENTITY],
        wording="保険料についてご本人に確認したいことがあります",
    )
    second = make_staff(ward_b, Role.SUPERVISOR, username="b_supervisor2")
    inquiries.approve_plan(plan=plan, acting_user=supervisor_b, approved_at=now)
    inquiries.approve_plan(plan=plan, acting_user=second, approved_at=now)
    inquiries.record_contact(
        plan=plan,
        acting_user=clerk_b,
        said="保険料についてご本人に確認したいことがあります",
        outcome="折り返し",
        categories=[DisclosureCategory.IDENTITY],
        contacted_at=now,
    )
    return plan


class TestOnlyAuditorsSeeTheWorkspace:
    @pytest.mark.parametrize("who", ["clerk_a", "supervisor_a", "contractor_a", "supervisor_b"])
    def test_everyone_else_gets_404_on_every_page(self, request, who, login, x, x_measure):
        client = login(request.getfixturevalue(who))
        for url in [
            reverse("auditlog:events"),
            reverse("auditlog:events") + "?person=山崎",
            reverse("auditlog:person", args=[x.public_id]),
            reverse("auditlog:staff", args=[x_measure.registered_by_id]),
        ]:
            assert client.get(url).status_code == 404, url
        before = AuditEvent.objects.count()
        assert client.post(reverse("auditlog:export"), {"encoding": "utf-8"}).status_code == 404
        assert AuditEvent.objects.count() == before  # nothing exported, nothing recorded

    def test_the_auditor_sees_every_wards_events(self, auditor, login, story):
        response = login(auditor).get(reverse("auditlog:events"))
        assert response.status_code == 200
        wards = {e.ward_code for e in response.context["found"].events}
        assert wards == {"141011", "141020"}
        assert sequences(response) == sorted(sequences(response), reverse=True)


class TestFilters:
    def test_kind(self, auditor, login, story):
        r = login(auditor).get(reverse("auditlog:events"), {"kind": EventKind.PLAN_APPROVED})
        assert [e.kind for e in r.context["found"].events] == [EventKind.PLAN_APPROVED] * 2

    def test_decision(self, auditor, login, story):
        r = login(auditor).get(reverse("auditlog:events"), {"decision": "acknowledged"})
        events = r.context["found"].events
        assert events and {e.decision for e in events} == {"acknowledged"}

    def test_ward(self, auditor, login, story, ward_b):
        r = login(auditor).get(reverse("auditlog:events"), {"ward": ward_b.pk})
        events = r.context["found"].events
        assert events and {e.ward_id for e in events} == {ward_b.pk}

    def test_staff_member(self, auditor, login, story, clerk_b):
        r = login(auditor).get(reverse("auditlog:events"), {"staff": clerk_b.pk})
        events = r.context["found"].events
        assert {e.actor_id for e in events} == {clerk_b.pk}
        assert EventKind.CONTACT_RECORDED in {e.kind for e in events}

    def test_measure(self, auditor, login, story, x_measure):
        r = login(auditor).get(reverse("auditlog:events"), {"measure": x_measure.ref})
        events = r.context["found"].events
        assert {e.measure_ref for e in events} == {x_measure.ref}
        assert EventKind.MEASURE_APPROVED in {e.kind for e in events}

    def test_period(self, auditor, login, clerk_a, now):
        today = timezone.localdate(now)
        old = now - datetime.timedelta(days=40)
        with transaction.atomic():
            record_events(
                [
                    Event(kind=EventKind.DETAILS_VIEWED, actor=clerk_a, occurred_at=old),
                    Event(kind=EventKind.DETAILS_VIEWED, actor=clerk_a, occurred_at=now),
                ]
            )
        client = login(auditor)
        r = client.get(
            reverse("auditlog:events"),
            {"kind": EventKind.DETAILS_VIEWED, "since": (today - datetime.timedelta(days=1))},
        )
        assert [e.occurred_at for e in r.context["found"].events] == [now]
        r = client.get(
            reverse("auditlog:events"),
            {"kind": EventKind.DETAILS_VIEWED, "until": (today - datetime.timedelta(days=39))},
        )
        assert [e.occurred_at for e in r.context["found"].events] == [old]

    def test_a_period_that_ends_before_it_starts_is_refused_clearly(self, auditor, login, story):
        r = login(auditor).get(
            reverse("auditlog:events"), {"since": "2026-11-27", "until": "R8.1.1"}
        )
        assert r.status_code == 200
        assert r.context["form"].errors
        assert r.context["found"].events == []

    def test_nonsense_input_is_not_a_500(self, auditor, login, story):
        client = login(auditor)
        for params in [
            {"before": "9" * 40},
            {"before": "-1"},
            {"person_id": "not-a-uuid"},
            {"kind": "nope"},
            {"ward": "abc"},
            {"since": "令和99年99月99日"},
        ]:
            assert client.get(reverse("auditlog:events"), params).status_code == 200, params

    def test_a_person_is_found_through_name_matching(self, auditor, login, clerk_a, register):
        # Registered as 髙橋; the auditor types 高橋 in plain kanji and still finds her.
        measure = register(clerk_a, protected=TAKAHASHI, counterparties=[])
        other = register(clerk_a, protected=PersonData(name="鈴木 一郎", kana="スズキ イチロウ"))
        r = login(auditor).get(reverse("auditlog:events"), {"person": "高橋 陽子"})
        found = r.context["found"]
        assert [p.name for p in found.people] == ["髙橋 陽子"]
        refs = {e.measure_ref for e in found.events}
        assert measure.ref in refs and other.ref not in refs

    def test_a_surname_alone_finds_everyone_who_bears_it(self, auditor, login, story, x, y):
        # The desk types 山崎 (plain 崎) or the reading; both 山﨑 in the registry are found.
        for typed in ["山崎", "やまさき", "ヤマサキ"]:
            r = login(auditor).get(reverse("auditlog:events"), {"person": typed})
            found = {p.public_id for p in r.context["found"].people}
            assert found == {x.public_id, y.public_id}, typed

    def test_a_name_that_finds_nobody_shows_no_event(self, auditor, login, story):
        r = login(auditor).get(reverse("auditlog:events"), {"person": "存在 しない"})
        assert r.context["found"].people == [] and r.context["found"].events == []

    def test_pages_by_key_newest_first(self, auditor, login, clerk_a, now):
        with transaction.atomic():
            record_events(
                [
                    Event(kind=EventKind.DETAILS_VIEWED, actor=clerk_a, occurred_at=now)
                    for _ in range(selectors.PAGE_SIZE + 7)
                ]
            )
        client = login(auditor)
        first = client.get(reverse("auditlog:events"), {"kind": EventKind.DETAILS_VIEWED})
        cursor = first.context["found"].next_before
        assert cursor == sequences(first)[-1]
        assert f"before={cursor}" in first.content.decode()
        second = client.get(
            reverse("auditlog:events"), {"kind": EventKind.DETAILS_VIEWED, "before": cursor}
        )
        assert len(sequences(second)) == 7 and max(sequences(second)) < cursor
        assert second.context["found"].next_before is None


class TestPersonHistory:
    def test_the_whole_story_in_order(self, auditor, login, story, x, y):
        response = login(auditor).get(reverse("auditlog:person", args=[x.public_id]))
        assert response.status_code == 200
        events = response.context["history"].events
        assert [e.sequence for e in events] == sorted(e.sequence for e in events)
        kinds = [e.kind for e in events]
        for kind in [
            EventKind.APPLICATION_REGISTERED,
            EventKind.MEASURE_APPROVED,
            EventKind.DETAILS_ACKNOWLEDGED,
            EventKind.DETAILS_VIEWED,
            EventKind.SCREENING_HIT,
            EventKind.INQUIRY_CREATED,
            EventKind.INQUIRY_SIGNED_OFF,
            EventKind.INQUIRY_ACKNOWLEDGED,
            EventKind.PLAN_CREATED,
            EventKind.PLAN_APPROVED,
            EventKind.CONTACT_RECORDED,
        ]:
            assert kind in kinds, kind
        assert kinds.count(EventKind.PLAN_APPROVED) == 2
        # Every event about the inquiry and the plan is there, none of anyone else's.
        inquiry_events = AuditEvent.objects.filter(
            kind__startswith="inquiry.", data__inquiry=str(story.inquiry.public_id)
        ).count()
        assert sum(1 for k in kinds if k.startswith("inquiry.")) == inquiry_events
        page = response.content.decode()
        assert "山﨑 美咲" in page and "横浜市鶴見区" not in page  # the history, not the address

    def test_another_persons_events_are_not_in_it(
        self, auditor, login, story, x, clerk_a, register
    ):
        other = register(clerk_a, protected=TAKAHASHI, counterparties=[])
        response = login(auditor).get(reverse("auditlog:person", args=[x.public_id]))
        refs = {e.measure_ref for e in response.context["history"].events if e.measure_ref}
        assert other.ref not in refs

    def test_the_person_index_is_append_only_too(self, story, x):
        from django.db import connection

        row = AuditEventPerson.objects.filter(person_public_id=x.public_id).first()
        assert row is not None
        with (
            pytest.raises(Exception, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute("DELETE FROM auditlog_auditeventperson WHERE id = %s", [row.pk])
        assert AuditEventPerson.objects.filter(pk=row.pk).exists()

    def test_an_unknown_person_is_404(self, auditor, login, story):
        url = reverse("auditlog:person", args=["00000000-0000-0000-0000-000000000001"])
        assert login(auditor).get(url).status_code == 404


class TestStaffActivity:
    def test_only_that_staff_members_events_in_order(self, auditor, login, story, clerk_b):
        response = login(auditor).get(reverse("auditlog:staff", args=[clerk_b.pk]))
        events = response.context["history"].events
        assert events and {e.actor_id for e in events} == {clerk_b.pk}
        assert [e.sequence for e in events] == sorted(e.sequence for e in events)
        expected = AuditEvent.objects.filter(actor=clerk_b).count()
        assert len(events) == expected


def read_export(response) -> list[list[str]]:
    assert isinstance(response, StreamingHttpResponse)
    body = b"".join(response.streaming_content)  # type: ignore[arg-type]
    encoding = "cp932" if "shift_jis" in response["Content-Type"] else "utf-8-sig"
    if encoding == "utf-8-sig":
        assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body.decode(encoding))))


class TestExport:
    def test_the_export_streams_and_matches_the_list(self, auditor, login, story, ward_b):
        client = login(auditor)
        listed = client.get(reverse("auditlog:events"), {"ward": ward_b.pk})
        response = client.post(reverse("auditlog:export"), {"ward": ward_b.pk, "encoding": "utf-8"})
        assert response.status_code == 200
        rows = read_export(response)
        assert [int(r[0]) for r in rows[1:]] == sequences(listed)
        assert "attachment" in response["Content-Disposition"]

    def test_the_export_is_itself_an_audit_event(self, auditor, login, story, ward_b):
        login(auditor).post(reverse("auditlog:export"), {"ward": ward_b.pk, "encoding": "cp932"})
        last = AuditEvent.objects.order_by("-sequence").first()
        assert last is not None
        assert last.kind == EventKind.AUDITLOG_EXPORTED and last.actor == auditor
        assert last.data == {"filter": {"ward": str(ward_b.pk)}, "encoding": "cp932"}

    def test_cp932_is_readable_by_old_tools(self, auditor, login, story, x):
        response = login(auditor).post(
            reverse("auditlog:export"), {"person_id": str(x.public_id), "encoding": "cp932"}
        )
        rows = read_export(response)
        assert rows[0][0] in ("Sequence", "連番")
        assert len(rows) > 10

    def test_a_person_history_export_has_the_same_events(self, auditor, login, story, x):
        client = login(auditor)
        history = client.get(reverse("auditlog:person", args=[x.public_id])).context["history"]
        rows = read_export(
            client.post(
                reverse("auditlog:export"), {"person_id": str(x.public_id), "encoding": "utf-8"}
            )
        )
        # Everything the page showed, then the opening of the page and the export's own event
        # (both concern X too: who watched the watchers).
        opened, exported = AuditEvent.objects.order_by("-sequence")[:2][::-1]
        assert (opened.kind, exported.kind) == (
            EventKind.AUDITLOG_VIEWED,
            EventKind.AUDITLOG_EXPORTED,
        )
        assert sorted(int(r[0]) for r in rows[1:]) == [
            *(e.sequence for e in history.events),
            opened.sequence,
            exported.sequence,
        ]

    def test_an_export_filtered_by_name_has_that_persons_events_and_says_so(
        self, auditor, login, story, x, y
    ):
        client = login(auditor)
        listed = client.get(reverse("auditlog:events"), {"person": "山崎 美咲"})
        rows = read_export(
            client.post(reverse("auditlog:export"), {"person": "山崎 美咲", "encoding": "utf-8"})
        )
        exported = AuditEvent.objects.order_by("-sequence").first()
        assert exported is not None
        # Newest first: the export's own event, then what the list showed.
        assert [int(r[0]) for r in rows[1:]] == [exported.sequence, *sequences(listed)]
        assert exported.data["filter"]["person"] == "山崎 美咲"
        assert exported.data["filter"]["persons"] == str(x.public_id)
        # The export is itself part of X's story.
        history = client.get(reverse("auditlog:person", args=[x.public_id])).context["history"]
        assert history.events[-1].kind == EventKind.AUDITLOG_EXPORTED

    def test_an_export_by_a_name_that_finds_nobody_is_empty_not_everything(
        self, auditor, login, story
    ):
        rows = read_export(
            login(auditor).post(
                reverse("auditlog:export"), {"person": "存在 しない", "encoding": "utf-8"}
            )
        )
        assert len(rows) == 1  # the header only

    def test_a_bad_filter_or_encoding_exports_nothing(self, auditor, login, story):
        client = login(auditor)
        before = AuditEvent.objects.count()
        assert client.post(reverse("auditlog:export"), {"encoding": "latin-1"}).status_code == 400
        assert (
            client.post(
                reverse("auditlog:export"),
                {"since": "2026-12-01", "until": "2026-11-01", "encoding": "utf-8"},
            ).status_code
            == 400
        )
        assert AuditEvent.objects.count() == before

    def test_a_get_does_not_export(self, auditor, login, story):
        assert login(auditor).get(reverse("auditlog:export")).status_code == 405


def test_people_named_needs_the_auditor_role(clerk_a, x):
    from django.http import Http404

    with pytest.raises(Http404):
        selectors.people_named(user=clerk_a, query="山崎")
    assert Person.objects.filter(public_id=x.public_id).exists()


class TestChainStatus:
    def test_the_last_checkpoint_and_verification_are_shown(
        self, auditor, login, story, settings, tmp_path, now
    ):
        from auditlog import jobs

        settings.AUDIT_CHECKPOINT_DIR = str(tmp_path)
        run = jobs.run_scheduled("seal-and-verify-auditlog", now=now, final=True)
        assert run.outcome == "succeeded"
        response = login(auditor).get(reverse("auditlog:events"))
        status = response.context["status"]
        assert status.checkpoint is not None
        assert status.checkpoint.sequence == AuditEvent.objects.count()
        assert status.verification.pk == run.pk and not status.verification_failed
        assert "ALARM" not in response.content.decode()

    def test_a_failed_verification_raises_the_alarm_in_the_workspace(
        self, auditor, login, story, settings, tmp_path, now
    ):
        from django.db import connection

        from auditlog import jobs

        settings.AUDIT_CHECKPOINT_DIR = str(tmp_path)
        jobs.run_scheduled("seal-and-verify-auditlog", now=now, final=True)
        # Someone with the database owner's rights edits an event behind the trigger's back.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending FK checks
            cursor.execute("ALTER TABLE auditlog_auditevent DISABLE TRIGGER USER")
            cursor.execute("UPDATE auditlog_auditevent SET decision = 'refused' WHERE sequence = 2")
            cursor.execute("ALTER TABLE auditlog_auditevent ENABLE TRIGGER USER")
        later = now + datetime.timedelta(days=1)
        run = jobs.run_scheduled("seal-and-verify-auditlog", now=later, final=True)
        assert run.outcome == "alarmed"
        page = login(auditor).get(reverse("auditlog:events")).content.decode()
        assert "警報：直近の監査ログ検証が失敗しました" in page
        assert "#2" in page


def test_the_database_written_csv_matches_the_portable_one(story, auditor):
    """PostgreSQL writes the export itself (COPY); SQLite (the demo) goes through Python.
    Both give the same columns, except the JSON details' spacing."""
    from auditlog.workspace import export

    flt = selectors.EventFilter()
    by_database = b"".join(
        export.pg_csv_stream(selectors.events_to_export(user=auditor, flt=flt), encoding="utf-8")
    )
    portable = b"".join(
        export.csv_stream(selectors.export_rows(user=auditor, flt=flt), encoding="utf-8")
    )
    a = list(csv.reader(io.StringIO(by_database.decode("utf-8-sig"))))
    b = list(csv.reader(io.StringIO(portable.decode("utf-8-sig"))))
    assert len(a) == len(b) == AuditEvent.objects.count() + 1
    assert [row[:13] + row[14:] for row in a] == [row[:13] + row[14:] for row in b]
    assert [json.loads(row[13]) if row[13] else {} for row in a[1:]] == [
        json.loads(row[13]) if row[13] else {} for row in b[1:]
    ]


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("auditlog:events", {"until": "9999-12-31"}),
        ("auditlog:events", {"since": "0001-01-01"}),
        ("auditlog:reports", {"from_date": "9999-12-30", "to_date": "9999-12-31"}),
    ],
)
def test_dates_at_the_edge_of_the_calendar_are_refused_not_a_500(auditor, login, url, params):
    response = login(auditor).get(reverse(url), params)
    assert response.status_code == 200
    assert response.context["form"].errors


def test_an_export_with_an_impossible_date_is_refused(auditor, login):
    response = login(auditor).post(
        reverse("auditlog:export"), {"until": "9999-12-31", "encoding": "utf-8"}
    )
    assert response.status_code == 400


class TestVerifyNowAndJobRuns:
    def test_verifying_now_is_a_post_recorded_as_the_last_verification(
        self, auditor, login, story, settings, tmp_path
    ):
        from auditlog.models import JobRun

        settings.AUDIT_CHECKPOINT_DIR = str(tmp_path)
        client = login(auditor)
        assert client.get(reverse("auditlog:verify")).status_code == 405
        response = client.post(reverse("auditlog:verify"), follow=True)
        run = JobRun.objects.current().get(job="verify-auditlog")
        assert run.outcome == "succeeded"
        assert response.context["status"].verification == run
        # Paging links never carry a verification along.
        page = client.get(reverse("auditlog:events"), {"verify": "1", "kind": "plan.approved"})
        assert "verify=1" not in page.context["query"]

    @pytest.mark.parametrize("who", ["clerk_a", "supervisor_a"])
    def test_others_cannot_verify_or_read_the_runs(self, request, who, login, story):
        from auditlog.models import JobRun

        client = login(request.getfixturevalue(who))
        assert client.post(reverse("auditlog:verify")).status_code == 404
        assert client.get(reverse("auditlog:jobs")).status_code == 404
        assert not JobRun.objects.exists()

    def test_the_auditors_read_every_jobs_runs_without_the_traceback(self, auditor, login, now):
        from auditlog import jobs

        def broken(at):
            raise RuntimeError("the mail server refused the connection")

        jobs.run_job("weekly-anomaly-reports", broken, now=now, period="2026-W48")
        page = login(auditor).get(reverse("auditlog:jobs")).content.decode()
        assert "weekly-anomaly-reports" in page
        assert "RuntimeError: the mail server refused the connection" in page
        assert "Traceback" not in page


def _plant_views(actor, now, count: int) -> None:
    with transaction.atomic():
        record_events([Event(kind=EventKind.DETAILS_VIEWED, actor=actor, occurred_at=now)] * count)


class TestPagesReadInAFixedNumberOfQueries:
    @pytest.mark.parametrize("page", ["events", "filtered", "person", "staff"])
    def test_as_many_queries_for_fifty_events_as_for_one(
        self, page, auditor, login, clerk_a, x, now, django_assert_num_queries
    ):
        url = {
            "events": reverse("auditlog:events"),
            "filtered": reverse("auditlog:events")
            + f"?staff={clerk_a.pk}&kind={EventKind.DETAILS_VIEWED}",
            "person": reverse("auditlog:person", args=[x.public_id]),
            "staff": reverse("auditlog:staff", args=[clerk_a.pk]),
        }[page]
        client = login(auditor)
        _plant_views(clerk_a, now, 1)
        client.get(url)
        with CaptureQueriesContext(connection) as few:
            client.get(url)

        _plant_views(clerk_a, now, selectors.PAGE_SIZE)

        with django_assert_num_queries(len(few)):
            response = client.get(url)
        assert response.status_code == 200


class TestChainStatusIsOneQuery:
    def test_the_last_verification_and_the_alarms_as_each_query_alone_reads_them(
        self, now, django_assert_num_queries
    ):
        from auditlog import jobs
        from auditlog.models import JobOutcome, JobRun

        later = now + datetime.timedelta(hours=1)
        jobs.run_job(selectors.VERIFICATION_JOB, lambda at: "ok", now=now, period="a")
        jobs.run_job("notification-digests", lambda at: 1 / 0, now=now, period="a")  # type: ignore[arg-type,return-value]
        jobs.run_job("escalate-waiting-plans", lambda at: 1 / 0, now=now, period="a")  # type: ignore[arg-type,return-value]
        jobs.run_job("escalate-waiting-plans", lambda at: "ok", now=later, period="b")
        JobRun.objects.create(job=jobs.VERIFY_ON_DEMAND, period="c", started_at=later)  # running
        names = (selectors.VERIFICATION_JOB, jobs.VERIFY_ON_DEMAND)

        with django_assert_num_queries(1):
            verification, alarms = jobs.last_finished_and_alarms(names)

        expected = (
            JobRun.objects.filter(job__in=names)
            .exclude(outcome=JobOutcome.RUNNING)
            .order_by("-started_at", "-pk")
            .first()
        )
        assert verification == expected and verification is not None
        assert verification.job == selectors.VERIFICATION_JOB
        assert alarms == jobs.alarms()
        assert [r.job for r in alarms] == ["notification-digests"]

    def test_nothing_run_yet(self):
        from auditlog import jobs

        assert jobs.last_finished_and_alarms(("a", "b")) == (None, [])


class TestFilterFormLayout:
    """The filter form is laid out in Python, exactly as the shared field template does."""

    @pytest.mark.parametrize(
        "data",
        [
            {},
            {"since": "2026-11-27", "until": "R8.1.1"},
            {"since": "令和99年99月99日", "ward": "abc", "kind": "nope", "person": "<b>&'\""},
            {"kind": EventKind.DETAILS_VIEWED, "decision": "approved", "measure": 'x"y'},
        ],
    )
    def test_is_the_field_template(self, data, auditor, ward_a):
        import re

        from django.template import engines

        from auditlog.workspace.forms import EventFilterForm

        form = EventFilterForm(data)
        form.is_valid()
        shared = engines["django"].from_string(
            '{% include "includes/form_errors.html" %}{% for field in form %}'
            '{% include "includes/field.html" %}{% endfor %}'
        )

        ours = engines["django"].from_string(
            "{% load audit_tags %}{{ form|form_errors }}{{ form|form_fields }}"
        )

        def tags(html: str) -> str:
            return re.sub(r">\s+<", "><", html).strip()

        assert tags(ours.render({"form": form})) == tags(shared.render({"form": form}))
        assert "selected" in ours.render({"form": form})


class TestStaffAndWardsRemovedBehindDjangosBack:
    """The audit tables keep no foreign-key constraints in the database (their checks ran
    under the chain's lock). A staff member or ward deleted with raw SQL must not take the
    record with them: every page still answers, naming them as the events recorded them."""

    def test_every_page_still_shows_what_was_recorded(self, login, auditor, x, tmp_path):
        from auditlog.verification import verify_with_checkpoints
        from auditlog.workspace.analyses import REPORT_CODES
        from supportmeasures.models import Staff, Ward

        gone_ward = Ward.objects.create(code="149996", name="消えた区")
        gone = Staff.objects.create_user(username="gone_clerk", ward=gone_ward)
        today = timezone.localdate()
        sunday = today - datetime.timedelta(days=(today.weekday() + 1) % 7)
        # Late on a Sunday: the out-of-hours report lists it, naming the staff member.
        late = timezone.make_aware(datetime.datetime.combine(sunday, datetime.time(23, 0)))
        with transaction.atomic():
            record_events(
                [
                    Event(
                        kind=EventKind.DETAILS_VIEWED,
                        actor=gone,
                        occurred_at=late,
                        person_public_id=x.public_id,
                        decision="shown",
                    )
                ]
            )
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM supportmeasures_staff WHERE id = %s", [gone.pk])
            cursor.execute("DELETE FROM supportmeasures_ward WHERE id = %s", [gone_ward.pk])

        client = login(auditor)
        listed = client.get(reverse("auditlog:events"))
        assert listed.status_code == 200
        assert "gone_clerk" in listed.content.decode()
        history = client.get(reverse("auditlog:person", args=[x.public_id]))
        assert "gone_clerk" in history.content.decode()
        assert client.get(reverse("auditlog:staff", args=[gone.pk])).status_code == 404
        assert client.get(reverse("auditlog:dashboard")).status_code == 200
        reports = [client.get(reverse("auditlog:report", args=[code])) for code in REPORT_CODES]
        assert [r.status_code for r in reports] == [200] * len(REPORT_CODES)
        assert any("gone_clerk" in r.content.decode() for r in reports)
        assert all("None" not in r.content.decode() for r in reports)
        exported = client.post(reverse("auditlog:export"), {"encoding": "utf-8"})
        assert "gone_clerk" in b"".join(exported.streaming_content).decode("utf-8-sig")
        assert verify_with_checkpoints(directory=tmp_path).ok

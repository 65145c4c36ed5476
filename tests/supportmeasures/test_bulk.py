"""Bulk runs: a prepared list of measures to end or release, each line re-checked as it runs."""

from __future__ import annotations

import dataclasses
import datetime
import threading
import time

import pytest
from django.db import connection
from django.urls import reverse

from auditlog.models import AuditEvent, EventKind
from supportmeasures import actions, bulk
from supportmeasures.importing import ImportFileError
from supportmeasures.models import EndReason, MeasureStatus, Person, Role
from tests.conftest import X

X_NUMBERED = dataclasses.replace(X, resident_number="0000012345")
LAPSED_ENDS_ON = datetime.date(2025, 3, 31)


def csv_bytes(*rows: str, encoding: str = "utf-8") -> bytes:
    return ("管理番号,処理,終了日,作成日\n" + "\n".join(rows) + "\n").encode(encoding)


@pytest.fixture
def later(now):
    """The run: a few days after everything the fixtures decided (at `now`)."""
    return now + datetime.timedelta(days=3)


@pytest.fixture
def prepared_on(now):
    """The list was prepared after the fixtures' decisions, before the run."""
    return (now + datetime.timedelta(days=1)).date()


@pytest.fixture
def lapsed(register, decide, clerk_a, supervisor_a):
    """X's measure of 2024: it lapsed on 2025-03-31 and still protects."""
    return decide(
        register(clerk_a, protected=X_NUMBERED), supervisor_a, starts_on=datetime.date(2024, 4, 1)
    )


def line(measure, action, prepared_on, ends_on="same"):
    return bulk.BulkLine(
        line=2,
        ref=measure.ref,
        action=bulk.BulkAction(action),
        ends_on=measure.ends_on if ends_on == "same" else ends_on,
        prepared_on=prepared_on,
    )


def bulk_events():
    return list(AuditEvent.objects.filter(kind=EventKind.BULK_RUN).order_by("sequence"))


class TestRunBulkList:
    def test_releases_a_lapsed_measure_that_still_holds_with_both_events(
        self, lapsed, supervisor_a, prepared_on, later
    ):
        result = actions.run_bulk_list(
            lines=[line(lapsed, "release", prepared_on)],
            acting_user=supervisor_a,
            reason="期間満了",
            run_at=later,
        )

        lapsed.refresh_from_db()
        assert (lapsed.status, lapsed.end_reason) == (MeasureStatus.ENDED, EndReason.RELEASED)
        assert [o.ref for o in result.done] == [lapsed.ref] and result.skipped == []
        assert AuditEvent.objects.filter(
            kind=EventKind.MEASURE_RELEASED, measure_ref=lapsed.ref
        ).exists()
        (event,) = bulk_events()
        assert event.data["done_count"] == 1 and event.data["skipped_count"] == 0
        assert event.data["done"] == [{"ref": lapsed.ref, "action": "release"}]

    def test_skips_the_person_who_applied_again_and_keeps_her_protected(
        self, lapsed, register, clerk_a, supervisor_a, prepared_on, later
    ):
        again = register(clerk_a, protected=X_NUMBERED)  # the same person, a new application

        result = actions.run_bulk_list(
            lines=[line(lapsed, "release", prepared_on)],
            acting_user=supervisor_a,
            reason="期間満了",
            run_at=later,
        )

        lapsed.refresh_from_db()
        assert lapsed.status != MeasureStatus.ENDED
        assert again.parties.get(role="protected").person_id == (
            lapsed.parties.get(role="protected").person_id
        )
        (skipped,) = result.skipped
        assert skipped.code == "other_measure_in_force"
        assert "another application" in skipped.reason or "申出" in skipped.reason
        assert not AuditEvent.objects.filter(kind=EventKind.MEASURE_RELEASED).exists()
        (event,) = bulk_events()
        assert event.data["skipped"] == [
            {"ref": lapsed.ref, "action": "release", "reason": "other_measure_in_force"}
        ]
        assert Person.objects.with_flags(later.date()).get(pk=skipped_person(lapsed)).is_protected

    def test_skips_a_joint_person_protected_by_another_measure(
        self, register, decide, clerk_a, supervisor_a, prepared_on, later
    ):
        child = actions.PersonData(name="山﨑 陽菜", kana="ヤマサキ ヒナ", resident_number="77")
        first = decide(
            register(clerk_a, joint=[actions.PartyData(person=child)]),
            supervisor_a,
            starts_on=datetime.date(2024, 4, 1),
        )
        register(
            clerk_a,
            protected=actions.PersonData(
                name="山﨑 陽菜", kana="ヤマサキ ヒナ", resident_number="77"
            ),
        )

        result = actions.run_bulk_list(
            lines=[line(first, "release", prepared_on)],
            acting_user=supervisor_a,
            reason="期間満了",
            run_at=later,
        )

        assert [o.code for o in result.skipped] == ["other_measure_in_force"]

    def test_skips_a_measure_whose_end_date_is_not_the_listed_one(
        self, lapsed, supervisor_a, prepared_on, later
    ):
        listed = line(lapsed, "release", prepared_on, ends_on=datetime.date(2025, 2, 28))

        result = actions.run_bulk_list(
            lines=[listed], acting_user=supervisor_a, reason="期間満了", run_at=later
        )

        assert [o.code for o in result.skipped] == ["end_date_changed"]
        lapsed.refresh_from_db()
        assert lapsed.status != MeasureStatus.ENDED

    def test_skips_a_measure_corrected_after_the_list_was_prepared(
        self, x_measure, supervisor_a, now, prepared_on, later
    ):
        listed = line(x_measure, "end", prepared_on)
        actions.correct_period(
            measure=x_measure,
            acting_user=supervisor_a,
            ends_on=x_measure.ends_on,
            reason="確認の上、同日で訂正",
            decided_at=later - datetime.timedelta(hours=1),
        )

        result = actions.run_bulk_list(
            lines=[listed], acting_user=supervisor_a, reason="終了の申出", run_at=later
        )

        assert [o.code for o in result.skipped] == ["changed_since_prepared"]
        x_measure.refresh_from_db()
        assert x_measure.status == MeasureStatus.ACTIVE

    def test_skips_a_line_whose_list_says_it_was_prepared_after_the_run(
        self, x_measure, supervisor_a, now, later
    ):
        """A date after the run would hide every decision taken since (a corrected or
        hand-made list): fail closed."""
        listed = line(x_measure, "end", (later + datetime.timedelta(days=30)).date())
        actions.correct_period(
            measure=x_measure,
            acting_user=supervisor_a,
            ends_on=x_measure.ends_on,
            reason="確認の上、同日で訂正",
            decided_at=later - datetime.timedelta(hours=1),
        )

        result = actions.run_bulk_list(
            lines=[listed], acting_user=supervisor_a, reason="終了の申出", run_at=later
        )

        assert [o.code for o in result.skipped] == ["prepared_in_future"]
        x_measure.refresh_from_db()
        assert x_measure.status == MeasureStatus.ACTIVE

    def test_a_list_made_the_day_its_measure_was_decided_still_runs(
        self, x_measure, supervisor_a, today, later
    ):
        result = actions.run_bulk_list(
            lines=[line(x_measure, "end", today)],  # decided today, listed today
            acting_user=supervisor_a,
            reason="本人の申出",
            run_at=later,
        )

        assert result.skipped == [] and [o.ref for o in result.done] == [x_measure.ref]

    def test_skips_a_measure_extended_after_the_list_was_prepared(
        self, register, decide, clerk_a, supervisor_a, now
    ):
        # Ends within a month of the run: extension is open.
        run_at = now
        starts = (now - datetime.timedelta(days=350)).date()
        measure = decide(register(clerk_a), supervisor_a, starts_on=starts)
        listed = line(measure, "end", starts)
        actions.extend_measure(measure=measure, acting_user=supervisor_a, decided_at=run_at)

        result = actions.run_bulk_list(
            lines=[listed], acting_user=supervisor_a, reason="終了", run_at=run_at
        )

        assert [o.code for o in result.skipped] == ["end_date_changed"]
        measure.refresh_from_db()
        assert measure.status == MeasureStatus.ACTIVE

    def test_each_line_asks_the_measures_own_rule(
        self, x_measure, supervisor_a, prepared_on, later
    ):
        result = actions.run_bulk_list(
            lines=[line(x_measure, "release", prepared_on)],  # active: not lapsed
            acting_user=supervisor_a,
            reason="期間満了",
            run_at=later,
        )

        assert [o.code for o in result.skipped] == ["InvalidTransition"]

    def test_another_wards_measure_is_not_found(self, lapsed, supervisor_b, prepared_on, later):
        result = actions.run_bulk_list(
            lines=[line(lapsed, "release", prepared_on)],
            acting_user=supervisor_b,
            reason="期間満了",
            run_at=later,
        )

        (skipped,) = result.skipped
        assert skipped.code == "not_found"
        lapsed.refresh_from_db()
        assert lapsed.status != MeasureStatus.ENDED

    def test_does_some_and_skips_others_in_one_run(
        self, register, decide, clerk_a, x_measure, supervisor_a, prepared_on, later
    ):
        z = actions.PersonData(name="佐藤 葵", kana="サトウ アオイ")
        lapsed_z = decide(
            register(clerk_a, protected=z), supervisor_a, starts_on=datetime.date(2024, 4, 1)
        )
        lines = [
            line(lapsed_z, "release", prepared_on),
            line(x_measure, "end", prepared_on, ends_on=datetime.date(2020, 1, 1)),
        ]

        result = actions.run_bulk_list(
            lines=lines, acting_user=supervisor_a, reason="一括処理", run_at=later
        )

        assert [o.ref for o in result.done] == [lapsed_z.ref]
        assert [(o.ref, o.code) for o in result.skipped] == [(x_measure.ref, "end_date_changed")]
        (event,) = bulk_events()
        assert (event.data["lines"], event.data["done_count"], event.data["skipped_count"]) == (
            2,
            1,
            1,
        )

    def test_skips_a_person_who_applied_again_elsewhere_as_a_second_record(
        self, lapsed, register, clerk_b, supervisor_a, prepared_on, later
    ):
        # Another ward cannot name ward A's person: X's new application there is a new record.
        elsewhere = register(clerk_b, protected=X)
        assert elsewhere.parties.get(role="protected").person_id != (
            lapsed.parties.get(role="protected").person_id
        )

        result = actions.run_bulk_list(
            lines=[line(lapsed, "release", prepared_on)],
            acting_user=supervisor_a,
            reason="期間満了",
            run_at=later,
        )

        assert [o.code for o in result.skipped] == ["same_name_in_force"]
        lapsed.refresh_from_db()
        assert lapsed.status != MeasureStatus.ENDED

    def test_only_a_trained_supervisor_runs_a_list(
        self, lapsed, clerk_a, make_staff, ward_a, prepared_on, later
    ):
        untrained = make_staff(ward_a, Role.SUPERVISOR, trained=False)
        for user, refusal in ((clerk_a, actions.NotPermitted), (untrained, actions.TrainingLapsed)):
            with pytest.raises(refusal):
                actions.run_bulk_list(
                    lines=[line(lapsed, "release", prepared_on)],
                    acting_user=user,
                    reason="期間満了",
                    run_at=later,
                )

        assert bulk_events() == []
        lapsed.refresh_from_db()
        assert lapsed.status != MeasureStatus.ENDED


def skipped_person(measure):
    return measure.parties.get(role="protected").person_id


class TestParse:
    def test_reads_japanese_headers_words_and_era_dates_in_cp932(self):
        raw = csv_bytes("141011-2024-0001,解除,令和7年3月31日,R8.11.1", encoding="cp932")

        (parsed,) = bulk.parse(raw, "cp932")

        assert parsed == bulk.BulkLine(
            2,
            "141011-2024-0001",
            bulk.BulkAction.RELEASE,
            datetime.date(2025, 3, 31),
            datetime.date(2026, 11, 1),
        )

    def test_reads_english_headers_and_a_blank_end_date(self):
        raw = b"ref,action,ends_on,prepared_on\n141011-2026-0001,end,,2026-11-01\n"

        (parsed,) = bulk.parse(raw, "utf-8")

        assert (parsed.action, parsed.ends_on) == (bulk.BulkAction.END, None)

    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            (b"ref,action,prepared_on\nA,end,2026-11-01\n", "終了日"),
            (csv_bytes("A,delete,,2026-11-01"), "処理"),
            (csv_bytes("A,end,,"), "作成日"),
            (csv_bytes("A,end,,yesterday"), "日付"),
            (csv_bytes("A,end,,2026-11-01", "A,end,,2026-11-01"), "同じ管理番号"),
            (csv_bytes(), "データ行"),
        ],
    )
    def test_a_bad_list_is_refused_whole(self, raw, expected):
        with pytest.raises(ImportFileError) as exc:
            bulk.parse(raw, "utf-8")

        assert expected in " ".join(str(e) for e in exc.value.errors)


class TestBulkRunView:
    def test_is_not_a_page_for_clerks(self, login, clerk_a):
        assert login(clerk_a).get(reverse("supportmeasures:bulk_run")).status_code == 404

    def test_runs_a_pasted_list_and_lists_the_skipped_with_the_reason(
        self, login, lapsed, register, clerk_a, supervisor_a, prepared_on
    ):
        register(clerk_a, protected=X_NUMBERED)
        text = f"管理番号,処理,終了日,作成日\n{lapsed.ref},解除,{LAPSED_ENDS_ON},{prepared_on}\n"

        response = login(supervisor_a).post(
            reverse("supportmeasures:bulk_run"),
            {"text": text, "encoding": "utf-8", "reason": "満了"},
        )

        assert response.status_code == 200
        body = response.content.decode()
        assert lapsed.ref in body
        lapsed.refresh_from_db()
        assert lapsed.status != MeasureStatus.ENDED
        assert len(bulk_events()) == 1

    def test_a_bad_list_changes_nothing_and_says_why(self, login, lapsed, supervisor_a):
        text = f"管理番号,処理,終了日,作成日\n{lapsed.ref},削除,,2026-11-01\n"

        response = login(supervisor_a).post(
            reverse("supportmeasures:bulk_run"),
            {"text": text, "encoding": "utf-8", "reason": "満了"},
        )

        assert response.status_code == 400
        assert "処理は「終了」か「解除」です" in response.content.decode()
        assert bulk_events() == []
        lapsed.refresh_from_db()
        assert lapsed.status != MeasureStatus.ENDED


def _wait_for_a_lock_wait() -> None:
    """Until another session of this database waits for a lock (at most 10 s)."""
    with connection.cursor() as cursor:
        for _ in range(200):
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.05)
    raise AssertionError("nobody waited for a lock")


@pytest.mark.django_db(transaction=True)
class TestRunBulkListAgainstAnApplication:
    def test_a_line_waits_for_an_application_in_progress_and_sees_it(
        self, lapsed, register, clerk_a, supervisor_a, prepared_on, later, monkeypatch
    ):
        """X applies again while the list runs: her registration has named her (her row
        saved, her party row written) but not committed. The line waits, then sees the
        application, and skips her measure."""
        from supportmeasures.actions import applications

        named, go, errors, results = threading.Event(), threading.Event(), [], []
        record = applications.record_event

        def record_when_told(**kwargs):
            named.set()  # everything is written but the event; nothing is committed
            go.wait(10)
            return record(**kwargs)

        monkeypatch.setattr(applications, "record_event", record_when_told)

        def apply_again() -> None:
            try:
                register(clerk_a, protected=X_NUMBERED)
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)
            finally:
                connection.close()

        def run_the_list() -> None:
            try:
                results.append(
                    actions.run_bulk_list(
                        lines=[line(lapsed, "release", prepared_on)],
                        acting_user=supervisor_a,
                        reason="期間満了",
                        run_at=later,
                    )
                )
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)
            finally:
                connection.close()

        application = threading.Thread(target=apply_again)
        application.start()
        assert named.wait(10)
        run = threading.Thread(target=run_the_list)
        run.start()
        try:
            _wait_for_a_lock_wait()  # the line waits for the registration's locks
        finally:
            go.set()
            application.join()
            run.join()

        assert errors == []
        (result,) = results
        assert [o.code for o in result.skipped] == ["other_measure_in_force"]
        lapsed.refresh_from_db()
        assert lapsed.status != MeasureStatus.ENDED

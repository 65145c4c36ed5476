from __future__ import annotations

import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction
from django.db.utils import DatabaseError

from auditlog.actions import AuditOutsideTransaction, record_event
from auditlog.models import GENESIS_HASH, AuditEvent, EventKind
from auditlog.verification import verify_chain


def append(n: int, now, actor=None) -> list[AuditEvent]:
    """n events, each in its own transaction; the last n of the chain, oldest first."""
    for i in range(n):
        with transaction.atomic():
            record_event(
                kind=EventKind.DETAILS_VIEWED,
                actor=actor,
                occurred_at=now,
                decision="shown",
                data={"i": i},
            )
    return list(AuditEvent.objects.order_by("-sequence")[:n])[::-1]


def _wait_for_a_lock_wait_or(done: threading.Event) -> None:
    """Until another session of this database waits for a lock, or `done` (at most 10 s)."""
    import time

    with connection.cursor() as cursor:
        for _ in range(200):
            if done.is_set():
                return
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.05)


# Messages are translated; these tests read the English ones.
pytestmark = pytest.mark.usefixtures("in_english")


def raw(sql: str, params: list | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


@pytest.mark.django_db
class TestRecordEvent:
    def test_links_each_event_to_the_one_before(self, now):
        first, second, third = append(3, now)

        assert (first.sequence, first.prev_hash) == (1, GENESIS_HASH)
        assert second.prev_hash == first.hash
        assert third.prev_hash == second.hash
        assert third.hash == third.compute_hash()

    def test_the_hash_covers_every_content_column(self, now):
        (event,) = append(1, now)
        original = event.hash

        for column, value in [
            ("reason", "x"),
            ("decision", "other"),
            ("actor_username", "eve"),
            ("kind", EventKind.DETAILS_DECLINED),
            ("data", {"i": 99}),
            ("measure_ref", "M-1"),
            ("ward_code", "999999"),
        ]:
            changed = AuditEvent.objects.get(pk=event.pk)
            setattr(changed, column, value)
            assert changed.compute_hash() != original, column


@pytest.mark.django_db
class TestAppendOnly:
    def test_the_database_refuses_an_update_with_raw_sql(self, now):
        (event,) = append(1, now)

        with pytest.raises(DatabaseError) as info, transaction.atomic():
            raw("UPDATE auditlog_auditevent SET reason = 'rewritten' WHERE id = %s", [event.pk])

        assert "append-only" in str(info.value)
        assert AuditEvent.objects.get(pk=event.pk).reason == ""

    def test_the_database_refuses_a_delete_with_raw_sql(self, now):
        (event,) = append(1, now)

        with pytest.raises(DatabaseError) as info, transaction.atomic():
            raw("DELETE FROM auditlog_auditevent WHERE id = %s", [event.pk])

        assert "append-only" in str(info.value)
        assert AuditEvent.objects.filter(pk=event.pk).exists()

    def test_the_orm_cannot_update_or_delete_either(self, now):
        (event,) = append(1, now)

        with pytest.raises(DatabaseError), transaction.atomic():
            AuditEvent.objects.filter(pk=event.pk).update(reason="rewritten")
        with pytest.raises(DatabaseError), transaction.atomic():
            event.delete()

        assert AuditEvent.objects.get(pk=event.pk).reason == ""

    def test_a_second_event_cannot_claim_the_same_predecessor(self, now):
        first, _second = append(2, now)
        fork = AuditEvent(
            sequence=3,
            prev_hash=first.hash,
            occurred_at=now,
            kind=EventKind.DETAILS_VIEWED,
            hash="f" * 64,
        )

        with pytest.raises(IntegrityError), transaction.atomic():
            fork.save(force_insert=True)


def tamper(sql: str, params: list) -> None:
    """What a database owner can do: switch triggers off, change history, switch them on."""
    with transaction.atomic():
        raw("SET LOCAL session_replication_role = replica")
        raw(sql, params)
        raw("SET LOCAL session_replication_role = origin")


@pytest.mark.django_db
class TestVerifyAuditlog:
    def test_passes_an_untouched_chain(self, now, capsys):
        append(5, now)

        call_command("verify_auditlog")

        assert "OK: 5 events verified" in capsys.readouterr().out

    def test_names_an_event_changed_with_the_trigger_disabled(self, now):
        events = append(5, now)
        tamper(
            "UPDATE auditlog_auditevent SET reason = 'nothing happened' WHERE id = %s",
            [events[2].pk],
        )

        with pytest.raises(CommandError) as info:
            call_command("verify_auditlog")

        assert "event #3" in str(info.value)
        assert "changed" in str(info.value)

    def test_names_a_removed_event(self, now):
        events = append(5, now)
        tamper("DELETE FROM auditlog_auditevent WHERE id = %s", [events[1].pk])

        report = verify_chain()

        assert (report.ok, report.first_bad_sequence, report.checked) == (False, 2, 1)
        assert "missing" in report.problem

    def test_names_reordered_events(self, now):
        events = append(4, now)
        # Swap the positions of #2 and #3 (through a free number, as sequence is unique).
        tamper("UPDATE auditlog_auditevent SET sequence = 999 WHERE id = %s", [events[1].pk])
        tamper("UPDATE auditlog_auditevent SET sequence = 2 WHERE id = %s", [events[2].pk])
        tamper("UPDATE auditlog_auditevent SET sequence = 3 WHERE id = %s", [events[1].pk])

        report = verify_chain()

        assert report.first_bad_sequence == 2
        assert not report.ok

    def test_names_a_rewritten_hash_that_no_longer_links(self, now):
        events = append(3, now)
        forged = AuditEvent.objects.get(pk=events[1].pk)
        forged.reason = "forged"
        tamper(
            "UPDATE auditlog_auditevent SET reason = 'forged', hash = %s WHERE id = %s",
            [forged.compute_hash(), events[1].pk],
        )

        report = verify_chain()

        assert report.first_bad_sequence == 3
        assert "does not link" in report.problem


@pytest.mark.django_db(transaction=True)
class TestRecordEventOutsideATransaction:
    def test_refuses_to_write_an_event_with_no_act_around_it(self, now):
        with pytest.raises(AuditOutsideTransaction):
            record_event(kind=EventKind.DETAILS_VIEWED, actor=None, occurred_at=now)

        assert AuditEvent.objects.count() == 0


@pytest.mark.django_db(transaction=True)
class TestLinkedAtCommit:
    """PostgreSQL links events into the chain when their transaction commits (0009)."""

    def test_an_event_joins_the_chain_only_when_its_act_commits(self, now):
        with transaction.atomic():
            record_event(kind=EventKind.DETAILS_VIEWED, actor=None, occurred_at=now)
            assert AuditEvent.objects.count() == 0  # queued, not yet in the chain
        (event,) = AuditEvent.objects.all()
        assert (event.sequence, event.prev_hash) == (1, GENESIS_HASH)
        assert event.hash == event.compute_hash()
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM auditlog_pendingevent")
            assert cursor.fetchone() == (0,)  # the queue is emptied by the commit

    def test_an_act_rolled_back_leaves_no_event(self, now):
        with pytest.raises(RuntimeError), transaction.atomic():
            record_event(kind=EventKind.DETAILS_VIEWED, actor=None, occurred_at=now)
            raise RuntimeError("the act failed")
        append(1, now)

        assert list(AuditEvent.objects.values_list("sequence", flat=True)) == [1]
        assert verify_chain().ok

    def test_awkward_text_sent_with_the_commit_hashes_as_python_hashes_it(self, now, tmp_path):
        """The commit sends the events as SQL text (quoted by psycopg): quotes, backslashes,
        percent signs, control characters and emoji must arrive exactly."""
        from auditlog.verification import verify_with_checkpoints

        awkward = {
            "quote": "it's \"quoted\" \\ and ''doubled''",
            "percent": "100% %s %(x)s %%",
            "lines": "一行目\n二行目\ttab\r\x01",
            "emoji": "👩‍👧 髙橋 﨑 \u2028",
            "nested": {"b": [1, 2.5, None, True], "a": {"z": "", "y": "\u3000"}},
        }
        with transaction.atomic():
            record_event(
                kind=EventKind.DETAILS_VIEWED,
                actor=None,
                occurred_at=now,
                reason="理由 '引用' %s",
                data=awkward,
                persons=("2f1c9c3e-5a7b-4c1e-9d2a-0b6f1e2d3c4b",),
            )

        (event,) = AuditEvent.objects.all()
        assert event.data == {**awkward, "persons": ["2f1c9c3e-5a7b-4c1e-9d2a-0b6f1e2d3c4b"]}
        assert event.reason == "理由 '引用' %s"
        assert event.hash == event.compute_hash()
        assert event.people.count() == 1
        report = verify_with_checkpoints(directory=tmp_path)
        assert report.ok and report.checked == 1

    def test_events_are_sent_once_when_code_commits_by_hand(self, now):
        """With autocommit off, Django keeps its on-commit list across commits: the events of
        one commit must not be sent again by the next."""
        from supportmeasures.models import Ward

        transaction.set_autocommit(False)
        try:
            with transaction.atomic():
                record_event(kind=EventKind.DETAILS_VIEWED, actor=None, occurred_at=now)
            transaction.commit()
            Ward.objects.create(code="149997", name="試験区")
            transaction.commit()
        finally:
            transaction.set_autocommit(True)

        assert AuditEvent.objects.count() == 1
        assert verify_chain().ok

    def test_an_event_of_a_rolled_back_savepoint_goes_with_it(self, now):
        with transaction.atomic():
            record_event(
                kind=EventKind.DETAILS_VIEWED, actor=None, occurred_at=now, data={"kept": 1}
            )
            with pytest.raises(RuntimeError), transaction.atomic():
                record_event(
                    kind=EventKind.DETAILS_VIEWED, actor=None, occurred_at=now, data={"kept": 0}
                )
                raise RuntimeError("the inner act failed")
            record_event(
                kind=EventKind.DETAILS_VIEWED, actor=None, occurred_at=now, data={"kept": 2}
            )

        assert [e.data for e in AuditEvent.objects.order_by("sequence")] == [
            {"kept": 1},
            {"kept": 2},
        ]
        assert verify_chain().ok

    def test_a_link_that_fails_at_commit_undoes_the_act(self, now):
        """No decision without its event: if the chain refuses the event at commit, the act
        in the same transaction is undone with it."""
        from supportmeasures.models import Ward

        with connection.cursor() as cursor:
            cursor.execute(
                "ALTER TABLE auditlog_auditevent ADD CONSTRAINT refuse_all CHECK (false) NOT VALID"
            )
        try:
            with pytest.raises(IntegrityError), transaction.atomic():
                Ward.objects.create(code="149999", name="試験区")
                record_event(kind=EventKind.DETAILS_VIEWED, actor=None, occurred_at=now)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("ALTER TABLE auditlog_auditevent DROP CONSTRAINT refuse_all")

        assert not Ward.objects.filter(code="149999").exists()
        assert AuditEvent.objects.count() == 0

    def test_an_act_holding_its_ward_row_does_not_deadlock_with_the_chain(self, now):
        """An act locks its ward's row FOR UPDATE, then records its event; meanwhile another
        act's event for that ward commits. Linking must not wait for the ward's row while it
        holds the chain's lock: the first act's commit would then wait for the lock, and the
        lock for the first act (a deadlock). The audit tables have no foreign-key checks."""
        from supportmeasures.models import Ward

        ward = Ward.objects.create(code="149998", name="試験区")
        locked, second_done, errors = threading.Event(), threading.Event(), []

        def first_act() -> None:
            try:
                with transaction.atomic():
                    Ward.objects.select_for_update().get(pk=ward.pk)
                    locked.set()
                    _wait_for_a_lock_wait_or(second_done)
                    record_event(
                        kind=EventKind.DETAILS_VIEWED, actor=None, occurred_at=now, ward=ward
                    )
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)
            finally:
                connection.close()

        thread = threading.Thread(target=first_act)
        thread.start()
        assert locked.wait(10)
        try:
            with transaction.atomic():
                record_event(kind=EventKind.DETAILS_VIEWED, actor=None, occurred_at=now, ward=ward)
        finally:
            second_done.set()
            thread.join()

        assert errors == []
        assert AuditEvent.objects.filter(ward=ward).count() == 2
        assert verify_chain().ok

    def test_staff_and_wards_named_by_events_still_cannot_be_deleted(self, now, clerk_a):
        from django.db.models import ProtectedError

        with transaction.atomic():
            record_event(kind=EventKind.DETAILS_VIEWED, actor=clerk_a, occurred_at=now)

        for named in (clerk_a.ward, clerk_a):
            with pytest.raises(ProtectedError) as refused:
                named.delete()
            assert any(isinstance(o, AuditEvent) for o in refused.value.protected_objects)

    def test_refuses_to_link_at_another_isolation_level(self, now):
        """Under REPEATABLE READ the head read after the lock could be stale: refused, and
        the act with it."""
        with pytest.raises(DatabaseError, match="READ COMMITTED"), transaction.atomic():
            raw("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            record_event(kind=EventKind.DETAILS_VIEWED, actor=None, occurred_at=now)

        assert AuditEvent.objects.count() == 0

    def test_events_of_one_transaction_keep_their_order(self, now):
        with transaction.atomic():
            for i in range(3):
                record_event(
                    kind=EventKind.DETAILS_VIEWED, actor=None, occurred_at=now, data={"i": i}
                )
        assert [e.data["i"] for e in AuditEvent.objects.order_by("sequence")] == [0, 1, 2]
        assert verify_chain().ok


@pytest.mark.django_db(transaction=True)
class TestConcurrentWriters:
    def test_eight_writers_never_fork_or_gap_the_chain(self, now):
        errors: list[BaseException] = []

        def writer() -> None:
            try:
                for _ in range(15):
                    with transaction.atomic():
                        record_event(kind=EventKind.DETAILS_VIEWED, actor=None, occurred_at=now)
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=writer) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert errors == []
        report = verify_chain()
        assert (report.ok, report.checked) == (True, 120)
        assert list(
            AuditEvent.objects.order_by("sequence").values_list("sequence", flat=True)
        ) == list(range(1, 121))


@pytest.mark.django_db(transaction=True)
class TestTriggerDisabledByTheOwner:
    def test_verify_auditlog_names_the_row_changed_while_the_trigger_was_off(self, now):
        events = append(3, now)
        with transaction.atomic():
            raw("ALTER TABLE auditlog_auditevent DISABLE TRIGGER auditlog_append_only")
            raw("UPDATE auditlog_auditevent SET decision = 'refused' WHERE id = %s", [events[0].pk])
            raw("ALTER TABLE auditlog_auditevent ENABLE TRIGGER auditlog_append_only")

        with pytest.raises(CommandError) as info:
            call_command("verify_auditlog")

        assert "event #1 was changed" in str(info.value)


@pytest.mark.django_db
def test_one_event_hashed_by_the_database_is_hashed_as_python_hashes_it(clerk_a, now, tmp_path):
    """A single event is appended by one SQL statement that hashes in PostgreSQL; a batch is
    hashed in Python. Both must give exactly the canonical form's SHA-256, whatever the text."""
    from auditlog.actions import Event, record_events

    awkward = {
        "quote": 'he said "no" \\ and left',
        "lines": "一行目\n二行目\ttab",
        "emoji": "👩‍👧 髙橋 﨑",
        "nested": {"b": [1, 2.5, None, True], "a": {"z": "", "y": "\u3000"}},
        "number": -12,
    }
    with transaction.atomic():
        record_events(
            [
                Event(
                    kind=EventKind.DETAILS_VIEWED,
                    actor=clerk_a,
                    occurred_at=now,
                    measure_ref="141011-2026-0001",
                    decision="shown",
                    reason='理由 "引用"',
                    data=awkward,
                    persons=("2f1c9c3e-5a7b-4c1e-9d2a-0b6f1e2d3c4b",),
                )
            ]
        )
        record_events(
            [Event(kind=EventKind.DETAILS_VIEWED, actor=None, occurred_at=now, data=awkward)] * 2
        )
    stored, *batch = list(AuditEvent.objects.order_by("-sequence")[:3])[::-1]
    assert stored.hash == stored.compute_hash()
    assert [e.hash for e in batch] == [e.compute_hash() for e in batch]
    assert stored.data == {**awkward, "persons": ["2f1c9c3e-5a7b-4c1e-9d2a-0b6f1e2d3c4b"]}
    assert stored.people.count() == 1
    assert [e.prev_hash for e in batch] == [stored.hash, batch[0].hash]
    assert verify_chain().ok
    # The fast verifier reads COPY's escaped text (backslashes, tabs, newlines) back exactly.
    from auditlog.verification import verify_with_checkpoints

    report = verify_with_checkpoints(directory=tmp_path)
    assert report.ok and report.checked == AuditEvent.objects.count()


@pytest.mark.django_db(transaction=True)
class TestTheLinkCannotBeSwitchedOffUnseen:
    def test_verification_names_events_queued_while_the_trigger_was_off(self, now, tmp_path):
        """A database owner switches off the trigger that links events at commit: the acts
        then commit without their events. Verification must say so."""
        from auditlog.verification import verify_with_checkpoints

        raw("ALTER TABLE auditlog_pendingevent DISABLE TRIGGER auditlog_link_at_commit")
        try:
            for _ in range(2):
                with transaction.atomic():
                    record_event(kind=EventKind.DETAILS_VIEWED, actor=None, occurred_at=now)
        finally:
            raw("ALTER TABLE auditlog_pendingevent ENABLE TRIGGER auditlog_link_at_commit")

        try:
            report = verify_with_checkpoints(directory=tmp_path)
        finally:
            raw("DELETE FROM auditlog_pendingevent")  # not a Django table: not flushed

        assert AuditEvent.objects.count() == 0
        assert not report.ok
        assert report.problems == [
            "2 events were queued but never linked into the chain: the trigger that links "
            "events at commit was switched off, and their acts committed without them"
        ]

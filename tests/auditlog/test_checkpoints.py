"""Checkpoints sealed outside the database, and verification against them (issue 5)."""

from __future__ import annotations

import ast
import base64
import datetime
import json
import os
import stat
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from auditlog import offline_verify
from auditlog.actions import Event, record_events
from auditlog.checkpoints import (
    CheckpointRefused,
    latest_checkpoint,
    load_checkpoints,
    public_key_pem,
    seal_checkpoint,
)
from auditlog.models import AuditEvent, EventKind, canonical_form
from auditlog.verification import (
    MAX_SEQUENCE,
    canonical_data,
    rows,
    split_content,
    verify_chain,
    verify_with_checkpoints,
)
from supportmeasures.models import Staff, SupportMeasure

ROOT = Path(__file__).resolve().parents[2]
OFFLINE = ROOT / "auditlog" / "offline_verify.py"

pytestmark = pytest.mark.usefixtures("in_english")


@pytest.fixture
def checkpoint_dir(settings: Any, tmp_path: Path) -> Path:
    settings.AUDIT_CHECKPOINT_DIR = tmp_path / "checkpoints"
    settings.MAMORI_AUDITOR_EMAIL = ""
    return tmp_path / "checkpoints"


@pytest.fixture
def history(
    register: Callable[..., SupportMeasure],
    decide: Callable[..., SupportMeasure],
    clerk_a: Staff,
    supervisor_a: Staff,
    now: datetime.datetime,
) -> int:
    """Events written by the real actions, then a few more: returns the head's sequence."""
    decide(register(clerk_a), supervisor_a)
    with transaction.atomic():
        record_events(
            [
                Event(kind=EventKind.DETAILS_VIEWED, actor=clerk_a, occurred_at=now, data={"i": i})
                for i in range(4)
            ]
        )
    head = AuditEvent.objects.order_by("-sequence").values_list("sequence", flat=True).first()
    assert head is not None and head >= 8
    return head


def raw(sql: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


@contextmanager
def as_database_owner() -> Iterator[None]:
    """What the owner of the table can do: switch its triggers off, and on again after.
    (Inside the test's transaction, the deferred foreign-key checks are run first.)"""
    raw("SET CONSTRAINTS ALL IMMEDIATE")
    raw("ALTER TABLE auditlog_auditevent DISABLE TRIGGER ALL")
    try:
        yield
    finally:
        raw("ALTER TABLE auditlog_auditevent ENABLE TRIGGER ALL")
        raw("SET CONSTRAINTS ALL DEFERRED")


def rewrite_history_from(sequence: int, reason: str) -> None:
    """Change event #sequence and recompute every hash after it: a consistent forged chain."""
    events = list(AuditEvent.objects.filter(sequence__gte=sequence).order_by("sequence"))
    previous = AuditEvent.objects.get(sequence=sequence - 1).hash if sequence > 1 else "0" * 64
    with as_database_owner():
        for event in events:
            if event.sequence == sequence:
                event.reason = reason
            event.prev_hash = previous
            event.hash = event.compute_hash()
            previous = event.hash
            raw(
                "UPDATE auditlog_auditevent SET reason = %s, prev_hash = %s, hash = %s "
                "WHERE id = %s",
                [event.reason, event.prev_hash, event.hash, event.pk],
            )


def swap(first: int, second: int) -> None:
    with as_database_owner():
        raw("UPDATE auditlog_auditevent SET sequence = 999999 WHERE sequence = %s", [first])
        raw("UPDATE auditlog_auditevent SET sequence = %s WHERE sequence = %s", [first, second])
        raw("UPDATE auditlog_auditevent SET sequence = %s WHERE sequence = 999999", [second])


def other_key_checkpoint(directory: Path, sequence: int, last_hash: str) -> tuple[Path, str]:
    """A well-formed checkpoint signed with a key that is not ours; and that key's base64."""
    key = Ed25519PrivateKey.generate()
    raw_public = offline_verify.raw_public_bytes(key.public_key())
    fields: dict[str, Any] = {
        "format": offline_verify.CHECKPOINT_FORMAT,
        "algorithm": "Ed25519",
        "key_id": offline_verify.key_id(raw_public),
        "sequence": sequence,
        "last_hash": last_hash,
        "sealed_at": "2026-11-27T00:00:00.000000Z",
    }
    fields["signature"] = base64.b64encode(key.sign(offline_verify.signed_payload(fields))).decode()
    path = directory / f"{sequence:012d}-20261127T000000Z.json"
    path.write_text(json.dumps(fields), encoding="utf-8")
    return path, base64.b64encode(raw_public).decode()


@pytest.mark.django_db
class TestSealCheckpoint:
    def test_writes_the_head_signed_into_a_new_read_only_file(self, history, checkpoint_dir, now):
        head = AuditEvent.objects.get(sequence=history)

        checkpoint = seal_checkpoint(now=now)

        assert (checkpoint.sequence, checkpoint.last_hash) == (history, head.hash)
        assert checkpoint.path.parent == checkpoint_dir
        assert checkpoint.path.name.startswith(f"{history:012d}-")
        assert stat.S_IMODE(checkpoint.path.stat().st_mode) == 0o444
        fields = json.loads(checkpoint.path.read_text())
        assert (fields["sequence"], fields["last_hash"]) == (history, head.hash)
        assert fields["algorithm"] == "Ed25519"
        public_key = offline_verify.load_public_key(public_key_pem().encode())
        assert offline_verify.signature_is_valid(fields, public_key)
        assert checkpoint.signature_valid

    def test_sealing_the_same_head_again_returns_the_same_checkpoint_and_writes_nothing(
        self, history, checkpoint_dir, now
    ):
        first = seal_checkpoint(now=now)

        again = seal_checkpoint(now=now + datetime.timedelta(hours=1))

        assert again.path == first.path
        assert len(list(checkpoint_dir.iterdir())) == 1

    def test_a_new_event_gives_a_new_checkpoint_and_the_latest_is_the_highest(
        self, history, checkpoint_dir, now, clerk_a
    ):
        seal_checkpoint(now=now)
        with transaction.atomic():
            record_events([Event(kind=EventKind.DETAILS_VIEWED, actor=clerk_a, occurred_at=now)])

        second = seal_checkpoint(now=now + datetime.timedelta(minutes=1))

        assert [c.sequence for c in load_checkpoints()] == [history, history + 1]
        assert latest_checkpoint() == second

    def test_never_overwrites_a_file_already_there(self, history, checkpoint_dir, now):
        checkpoint_dir.mkdir()
        name = f"{history:012d}-{now.astimezone(datetime.UTC):%Y%m%dT%H%M%SZ}.json"
        (checkpoint_dir / name).write_text("not ours")

        with pytest.raises(FileExistsError):
            seal_checkpoint(now=now)

        assert (checkpoint_dir / name).read_text() == "not ours"

    def test_refuses_to_seal_over_a_removed_tail(self, history, checkpoint_dir, now):
        seal_checkpoint(now=now)
        with as_database_owner():
            raw("DELETE FROM auditlog_auditevent WHERE sequence > %s", [history - 2])

        with pytest.raises(CheckpointRefused) as info:
            seal_checkpoint(now=now + datetime.timedelta(minutes=1))

        assert info.value.problems == [
            f"the log ends at event #{history - 2} but checkpoint "
            f"{load_checkpoints()[0].name} sealed #{history}: events #{history - 1} to "
            f"#{history} were removed"
        ]
        assert len(list(checkpoint_dir.iterdir())) == 1

    def test_refuses_to_seal_a_history_rewritten_since_the_last_checkpoint(
        self, history, checkpoint_dir, now, clerk_a
    ):
        seal_checkpoint(now=now)
        with transaction.atomic():
            record_events([Event(kind=EventKind.DETAILS_VIEWED, actor=clerk_a, occurred_at=now)])
        rewrite_history_from(3, "nothing happened")

        with pytest.raises(CheckpointRefused) as info:
            seal_checkpoint(now=now + datetime.timedelta(minutes=1))

        assert "was rewritten after it was sealed" in info.value.problems[0]
        assert len(list(checkpoint_dir.iterdir())) == 1

    def test_the_first_checkpoint_is_refused_over_a_broken_chain(
        self, history, checkpoint_dir, now
    ):
        with as_database_owner():
            raw("UPDATE auditlog_auditevent SET reason = 'x' WHERE sequence = 2")

        with pytest.raises(CheckpointRefused) as info:
            seal_checkpoint(now=now)

        assert info.value.problems == ["event #2 was changed after it was written"]
        assert not checkpoint_dir.exists() or not list(checkpoint_dir.iterdir())

    def test_mails_a_new_checkpoint_to_the_auditor_when_configured(
        self, history, checkpoint_dir, now, settings
    ):
        settings.MAMORI_AUDITOR_EMAIL = "audit@example.jp"

        checkpoint = seal_checkpoint(now=now)
        seal_checkpoint(now=now)

        assert len(mail.outbox) == 1
        assert mail.outbox[0].to == ["audit@example.jp"]
        ((name, body, kind),) = mail.outbox[0].attachments
        assert (name, kind) == (checkpoint.name, "application/json")
        assert json.loads(body)["signature"] == checkpoint.signature

    def test_seals_an_empty_log_as_sequence_zero(self, db, checkpoint_dir, now):
        checkpoint = seal_checkpoint(now=now)

        assert (checkpoint.sequence, checkpoint.last_hash) == (0, "0" * 64)
        assert verify_with_checkpoints().ok


@pytest.mark.django_db
class TestSigningKey:
    def test_a_pem_key_from_a_file_signs_and_its_public_key_verifies(
        self, history, checkpoint_dir, now, settings, tmp_path
    ):
        key = Ed25519PrivateKey.generate()
        key_file = tmp_path / "checkpoint.pem"
        key_file.write_bytes(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
        settings.AUDIT_CHECKPOINT_KEY = ""
        settings.AUDIT_CHECKPOINT_KEY_FILE = str(key_file)

        checkpoint = seal_checkpoint(now=now)

        raw_public = offline_verify.raw_public_bytes(key.public_key())
        assert checkpoint.key_id == offline_verify.key_id(raw_public)
        assert offline_verify.load_public_key(public_key_pem().encode()).public_bytes_raw() == (
            raw_public
        )

    def test_a_key_that_is_not_ed25519_is_a_configuration_error(
        self, history, checkpoint_dir, now, settings
    ):
        settings.AUDIT_CHECKPOINT_KEY = "bm90IGEga2V5"

        with pytest.raises(ImproperlyConfigured) as info:
            seal_checkpoint(now=now)

        assert "AUDIT_CHECKPOINT_KEY is not a usable Ed25519 key" in str(info.value)
        assert not checkpoint_dir.exists()


@pytest.mark.django_db
class TestVerifyWithCheckpoints:
    def test_passes_an_untouched_chain_and_counts_what_it_checked(
        self, history, checkpoint_dir, now
    ):
        seal_checkpoint(now=now)

        report = verify_with_checkpoints()

        assert report.ok, report.problems
        assert (report.checked, report.head_sequence, report.checkpoints_checked) == (
            history,
            history,
            1,
        )
        assert report.head_hash == AuditEvent.objects.get(sequence=history).hash
        assert report.sealed_sequence == history

    def test_names_a_rewritten_history_that_the_chain_alone_cannot_see(
        self, history, checkpoint_dir, now
    ):
        checkpoint = seal_checkpoint(now=now)
        rewrite_history_from(3, "nothing happened")

        report = verify_with_checkpoints()

        assert verify_chain().ok  # internally consistent: only the checkpoint tells
        assert report.problems == [
            f"the history from event #1 to #{history} was rewritten after it was sealed: "
            f"event #{history}'s hash differs from checkpoint {checkpoint.name} (sealed at "
            f"{json.loads(checkpoint.path.read_text())['sealed_at']})"
        ]

    def test_names_the_span_between_the_last_matching_checkpoint_and_the_first_that_differs(
        self, history, checkpoint_dir, now, clerk_a
    ):
        seal_checkpoint(now=now)
        for minutes in (1, 2):
            with transaction.atomic():
                record_events(
                    [Event(kind=EventKind.DETAILS_VIEWED, actor=clerk_a, occurred_at=now)]
                )
            seal_checkpoint(now=now + datetime.timedelta(minutes=minutes))
        rewrite_history_from(history + 1, "nothing happened")

        report = verify_with_checkpoints()

        assert len(report.problems) == 2
        assert report.problems[0].startswith(
            f"the history from event #{history + 1} to #{history + 1} was rewritten"
        )
        assert report.problems[1] == (
            f"1 later checkpoint does not match the log either (up to #{history + 2})"
        )

    def test_names_a_removed_tail(self, history, checkpoint_dir, now):
        checkpoint = seal_checkpoint(now=now)
        with as_database_owner():
            raw("DELETE FROM auditlog_auditevent WHERE sequence > %s", [history - 3])

        report = verify_with_checkpoints()

        assert verify_chain().ok
        assert report.problems == [
            f"the log ends at event #{history - 3} but checkpoint {checkpoint.name} sealed "
            f"#{history}: events #{history - 2} to #{history} were removed"
        ]

    def test_names_a_truncated_log(self, history, checkpoint_dir, now):
        seal_checkpoint(now=now)
        with as_database_owner():
            raw("DELETE FROM auditlog_auditevent")

        report = verify_with_checkpoints()

        assert report.checked == 0
        assert report.problems[0].startswith("the log ends at event #0 but checkpoint")

    def test_names_a_dropped_event_and_nothing_else(self, history, checkpoint_dir, now):
        seal_checkpoint(now=now)
        with as_database_owner():
            raw("DELETE FROM auditlog_auditevent WHERE sequence = 3")

        report = verify_with_checkpoints()

        assert report.problems[0] == (
            "event #3 is missing (the next present is #4): removed or renumbered"
        )
        # ...and, after the chain's problems, the record it was written for
        # (config/audit_witnesses.py).
        assert len(report.problems) == 2 and report.problems[1].endswith("it was deleted")

    def test_names_several_dropped_events_as_a_span(self, history, checkpoint_dir, now):
        with as_database_owner():
            raw("DELETE FROM auditlog_auditevent WHERE sequence IN (3, 4, 5)")

        report = verify_with_checkpoints()

        assert report.problems[0] == (
            "events #3 to #5 are missing (the next present is #6): removed or renumbered"
        )
        assert report.problems[1:] and all(
            p.endswith(("it was deleted", "events were deleted")) for p in report.problems[1:]
        )

    def test_names_reordered_events(self, history, checkpoint_dir, now):
        seal_checkpoint(now=now)
        swap(2, 5)

        report = verify_with_checkpoints()

        assert report.problems == [
            "event #2 was written as event #5: events were reordered",
            "event #5 was written as event #2: events were reordered",
        ]

    def test_names_two_neighbours_swapped(self, history, checkpoint_dir, now):
        swap(3, 4)

        report = verify_with_checkpoints()

        assert report.problems == [
            "event #3 was written as event #4: events were reordered",
            "event #4 was written as event #3: events were reordered",
        ]

    def test_names_a_changed_event(self, history, checkpoint_dir, now):
        seal_checkpoint(now=now)
        with as_database_owner():
            raw("UPDATE auditlog_auditevent SET decision = 'refused' WHERE sequence = 4")

        report = verify_with_checkpoints()

        assert report.problems == ["event #4 was changed after it was written"]

    def test_names_an_event_rewritten_with_its_hash_recomputed_by_the_next_link(
        self, history, checkpoint_dir, now
    ):
        event = AuditEvent.objects.get(sequence=4)
        event.reason = "forged"
        with as_database_owner():
            raw(
                "UPDATE auditlog_auditevent SET reason = 'forged', hash = %s WHERE sequence = 4",
                [event.compute_hash()],
            )

        report = verify_with_checkpoints()

        assert report.problems == [
            "event #5 does not link to the event before it: inserted, removed or reordered"
        ]

    def test_names_a_forged_checkpoint_and_does_not_use_it(self, history, checkpoint_dir, now):
        genuine = seal_checkpoint(now=now)
        fields = json.loads(genuine.path.read_text())
        fields["sequence"], fields["last_hash"] = history - 1, "f" * 64
        forged = checkpoint_dir / f"{history - 1:012d}-20261127T000000Z.json"
        forged.write_text(json.dumps(fields))

        report = verify_with_checkpoints()

        assert report.problems == [
            f"checkpoint {forged.name} has an invalid signature: forged or altered; it was not used"
        ]
        assert report.checkpoints_checked == 1
        assert [c.signature_valid for c in load_checkpoints()] == [False, True]
        assert latest_checkpoint() == genuine

    def test_names_a_checkpoint_signed_with_a_key_that_is_not_ours(
        self, history, checkpoint_dir, now
    ):
        checkpoint_dir.mkdir()
        last_hash = AuditEvent.objects.get(sequence=history).hash
        path, _public = other_key_checkpoint(checkpoint_dir, history, last_hash)

        report = verify_with_checkpoints()

        assert len(report.problems) == 1
        assert report.problems[0].startswith(f"checkpoint {path.name} is signed with key ed25519:")
        assert "which is not one of ours" in report.problems[0]

    def test_trusts_an_earlier_key_listed_in_the_settings(
        self, history, checkpoint_dir, now, settings
    ):
        checkpoint_dir.mkdir()
        last_hash = AuditEvent.objects.get(sequence=history).hash
        _path, public = other_key_checkpoint(checkpoint_dir, history, last_hash)
        settings.AUDIT_CHECKPOINT_PUBLIC_KEYS = [public]

        report = verify_with_checkpoints()

        assert report.ok, report.problems
        assert report.checkpoints_checked == 1

    def test_names_a_file_that_is_not_a_checkpoint(self, history, checkpoint_dir, now):
        checkpoint_dir.mkdir()
        (checkpoint_dir / "000000000001-x.json").write_text("{")

        report = verify_with_checkpoints()

        assert len(report.problems) == 1
        assert report.problems[0].startswith("checkpoint 000000000001-x.json cannot be read")


VARIED: list[dict[str, Any]] = [
    {},
    {"i": 1, "purpose": "registry_search"},
    {"z": None, "a": [1, 2.5, None, True, False, -3], "m": {"y": {"b": "髙", "a": "﨑"}}},
    {"日本語": "ｶﾀｶﾅ ﾃｽﾄ", "": "", "emoji": "😀", "ctl": '\x01\x1f\x7f\n\r\t\b\f"\\/'},
    {"big": 2**62, "neg": -(2**40), "float": 0.1, "exp": 1.25e-05, "list": [[], {}, [[]]]},
    {"line": "\u2028\u2029", "bom": "\ufeff", "surrogate pair": "𠮷野家"},
]


@pytest.mark.django_db
class TestFastPath:
    def test_builds_exactly_the_canonical_form_and_hash_of_the_model(
        self, history, clerk_a, ward_b, now
    ):
        tokyo = now.astimezone(datetime.timezone(datetime.timedelta(hours=9)))
        specs = [
            Event(
                kind=EventKind.DETAILS_VIEWED,
                actor=clerk_a if i % 2 else None,
                occurred_at=tokyo.replace(microsecond=i * 7) + datetime.timedelta(days=i),
                ward=ward_b if i % 3 == 0 else None,
                person_public_id=uuid.uuid4() if i % 2 == 0 else None,
                measure_ref="141011-2026-0001" if i % 2 else "",
                decision="shown",
                reason=["", '窓口で確認\n理由: "緊急"', "tab\there \\ back", "\x02 ☃"][i % 4],
                data=data,
            )
            for i, data in enumerate(VARIED)
        ]
        with transaction.atomic():
            record_events(specs)
        events = {e.sequence: e for e in AuditEvent.objects.all()}

        fast = list(rows(1, MAX_SEQUENCE))

        assert [row[0] for row in fast] == sorted(events)
        for sequence, pre, data, post, prev_hash, stored in fast:
            event = events[sequence]
            expected = canonical_form(event.content()).decode()
            assert pre + canonical_data(data) + post == expected, sequence
            assert (prev_hash, stored) == (event.prev_hash, event.hash)
            assert event.compute_hash() == event.hash
            assert (pre, canonical_data(data), post) == split_content(event.content())
            assert offline_verify.canonical_form(event.content()) == expected.encode()
        assert verify_with_checkpoints().checked == len(events)

    def test_the_fast_path_tells_a_changed_data_key_order_from_content(
        self, history, checkpoint_dir
    ):
        with as_database_owner():
            raw(
                "UPDATE auditlog_auditevent SET data = data || '{\"i\": 7}'::jsonb "
                "WHERE sequence = %s",
                [history],
            )

        assert verify_with_checkpoints().problems == [
            f"event #{history} was changed after it was written"
        ]


@pytest.mark.django_db
class TestCommands:
    def test_verify_auditlog_prints_ok_with_the_checkpoints_it_used(
        self, history, checkpoint_dir, now, capsys
    ):
        seal_checkpoint(now=now)

        call_command("verify_auditlog")

        assert f"OK: {history} events verified against 1 checkpoint(s)" in capsys.readouterr().out

    def test_verify_auditlog_prints_every_problem_and_fails(
        self, history, checkpoint_dir, now, capsys
    ):
        seal_checkpoint(now=now)
        with as_database_owner():
            raw("DELETE FROM auditlog_auditevent WHERE sequence IN (2, %s)", [history])

        with pytest.raises(CommandError) as info:
            call_command("verify_auditlog")

        err = capsys.readouterr().err
        assert "PROBLEM: event #2 is missing" in err
        assert "were removed" in err
        assert "2 problem(s)" in str(info.value)

    def test_checkpoint_auditlog_seals_and_prints_the_checkpoint(
        self, history, checkpoint_dir, capsys
    ):
        call_command("checkpoint_auditlog")

        out = capsys.readouterr().out
        (checkpoint,) = load_checkpoints()
        assert str(checkpoint.path) in out
        assert f"#{history} {checkpoint.last_hash}" in out

    def test_checkpoint_auditlog_refuses_over_a_broken_chain(self, history, checkpoint_dir, capsys):
        with as_database_owner():
            raw("UPDATE auditlog_auditevent SET reason = 'x' WHERE sequence = 3")

        with pytest.raises(CommandError):
            call_command("checkpoint_auditlog")

        assert "PROBLEM: event #3 was changed" in capsys.readouterr().err
        assert load_checkpoints() == []

    def test_checkpoint_auditlog_prints_the_public_key_and_seals_nothing(
        self, history, checkpoint_dir, capsys
    ):
        call_command("checkpoint_auditlog", "--public-key")

        out = capsys.readouterr().out
        assert out.startswith("-----BEGIN PUBLIC KEY-----")
        assert offline_verify.load_public_key(out.encode())
        assert load_checkpoints() == []

    def test_export_auditlog_refuses_to_overwrite_a_file(self, history, tmp_path):
        target = tmp_path / "export.jsonl"
        target.write_text("keep")

        with pytest.raises(CommandError) as info:
            call_command("export_auditlog", "--output", str(target))

        assert "exists" in str(info.value)
        assert target.read_text() == "keep"


def offline(*args: Path | str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "-I", str(OFFLINE), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd="/",
    )


@pytest.fixture
def exported(history: int, checkpoint_dir: Path, now: datetime.datetime, tmp_path: Path) -> Path:
    seal_checkpoint(now=now)
    export = tmp_path / "export.jsonl"
    call_command("export_auditlog", "--output", str(export))
    (tmp_path / "key.pub").write_text(public_key_pem())
    return export


@pytest.mark.django_db
class TestOfflineVerification:
    def test_verifies_a_real_export_against_its_checkpoints(
        self, exported, history, checkpoint_dir, tmp_path
    ):
        result = offline(exported, checkpoint_dir, "--public-key", tmp_path / "key.pub")

        assert result.returncode == 0, result.stdout + result.stderr
        assert f"OK: {history} events verified against 1 checkpoint(s)" in result.stdout

    def test_the_export_is_exactly_the_hashed_content_plus_the_hash(self, exported, history):
        lines = exported.read_text(encoding="utf-8").splitlines()

        assert len(lines) == history
        for line, event in zip(lines, AuditEvent.objects.order_by("sequence"), strict=True):
            assert json.loads(line) == {
                **json.loads(canonical_form(event.content())),
                "hash": event.hash,
            }

    def test_names_a_changed_event_in_the_export(self, exported, checkpoint_dir, tmp_path):
        lines = exported.read_text(encoding="utf-8").splitlines()
        event = json.loads(lines[2])
        event["reason"] = "nothing happened"
        lines[2] = json.dumps(event, ensure_ascii=False)
        exported.write_text("\n".join(lines) + "\n", encoding="utf-8")

        result = offline(exported, checkpoint_dir, "--public-key", tmp_path / "key.pub")

        assert result.returncode == 1
        assert "PROBLEM: event #3 was changed after it was written" in result.stdout

    def test_names_an_export_rewritten_from_some_event_on(
        self, exported, history, checkpoint_dir, tmp_path
    ):
        lines = [json.loads(line) for line in exported.read_text(encoding="utf-8").splitlines()]
        previous = lines[1]["hash"]
        for event in lines[2:]:
            event["prev_hash"] = previous
            event.pop("hash")
            event["reason"] = event["reason"] or "rewritten"
            event["hash"] = offline_verify.event_hash(event)
            previous = event["hash"]
        exported.write_text("".join(json.dumps(e) + "\n" for e in lines), encoding="utf-8")

        result = offline(exported, checkpoint_dir, "--public-key", tmp_path / "key.pub")

        assert result.returncode == 1
        assert f"event #{history}'s hash differs from checkpoint" in result.stdout
        assert result.stdout.count("PROBLEM") == 1

    def test_names_a_removed_tail_in_the_export(self, exported, history, checkpoint_dir, tmp_path):
        lines = exported.read_text(encoding="utf-8").splitlines()
        exported.write_text("\n".join(lines[:-2]) + "\n", encoding="utf-8")

        result = offline(exported, checkpoint_dir, "--public-key", tmp_path / "key.pub")

        assert result.returncode == 1
        assert f"events #{history - 1} to #{history} were removed" in result.stdout

    def test_names_a_forged_checkpoint(self, exported, history, checkpoint_dir, tmp_path):
        (checkpoint,) = checkpoint_dir.iterdir()
        fields = json.loads(checkpoint.read_text())
        fields["sequence"] = history - 1
        (checkpoint_dir / "000000000001-forged.json").write_text(json.dumps(fields))

        result = offline(exported, checkpoint_dir, "--public-key", tmp_path / "key.pub")

        assert result.returncode == 1
        assert "checkpoint 000000000001-forged.json has an invalid signature" in result.stdout

    def test_refuses_a_public_key_it_cannot_read(self, exported, checkpoint_dir, tmp_path):
        (tmp_path / "bad.pub").write_text("not a key")

        result = offline(exported, checkpoint_dir, "--public-key", tmp_path / "bad.pub")

        assert result.returncode == 2
        assert "cannot read the public key" in result.stderr

    def test_the_script_needs_only_the_standard_library_and_cryptography(self):
        tree = ast.parse(OFFLINE.read_text(encoding="utf-8"))
        modules = {
            ((node.module or "") if isinstance(node, ast.ImportFrom) else alias.name).split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            for alias in node.names
        }

        assert modules - set(sys.stdlib_module_names) == {"cryptography"}


def start_up(**env: str) -> subprocess.CompletedProcess[str]:
    base = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "config.settings"}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


class TestStartUp:
    def test_refuses_to_start_without_a_checkpoint_key_when_debug_is_off(self):
        result = start_up(SECRET_KEY="x" * 50)

        assert result.returncode != 0
        assert "AUDIT_CHECKPOINT_KEY or AUDIT_CHECKPOINT_KEY_FILE must be set" in result.stderr

    def test_refuses_a_key_file_that_does_not_exist(self, tmp_path):
        result = start_up(SECRET_KEY="x" * 50, AUDIT_CHECKPOINT_KEY_FILE=str(tmp_path / "none"))

        assert result.returncode != 0
        assert "AUDIT_CHECKPOINT_KEY_FILE" in result.stderr

    def test_starts_with_a_key(self):
        result = start_up(
            SECRET_KEY="x" * 50, AUDIT_CHECKPOINT_KEY=base64.b64encode(os.urandom(32)).decode()
        )

        assert result.returncode == 0, result.stderr
        assert "development key" not in result.stderr

    def test_development_uses_a_fixed_key_and_says_so(self):
        result = start_up(DEBUG="1")

        assert result.returncode == 0, result.stderr
        assert "signed with the fixed development key" in result.stderr

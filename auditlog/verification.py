"""Verify the audit chain: every hash, every link, no gaps; and against the checkpoints."""

from __future__ import annotations

import datetime
import hashlib
import json
import json.encoder as json_encoder
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection
from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from auditlog.checkpoints import Checkpoint, scan_checkpoints
from auditlog.models import GENESIS_HASH, AuditEvent, canonical_form, format_timestamp

MAX_SEQUENCE = 2**63 - 1


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_bad_sequence: int | None = None
    problem: str = ""
    last_hash: str = GENESIS_HASH

    @property
    def ok(self) -> bool:
        return self.first_bad_sequence is None


def verify_events(events: Iterable[AuditEvent]) -> ChainReport:
    """Walk events in sequence order; stop at the first that does not hold."""
    expected_sequence = 1
    previous_hash = GENESIS_HASH
    checked = 0
    for event in events:
        if event.sequence != expected_sequence:
            return ChainReport(
                checked,
                expected_sequence,
                _(
                    "event #%(missing)d is missing (the next present is #%(found)d): "
                    "removed or renumbered"
                )
                % {"missing": expected_sequence, "found": event.sequence},
                previous_hash,
            )
        if event.prev_hash != previous_hash:
            return ChainReport(
                checked,
                event.sequence,
                _(
                    "event #%(seq)d does not link to the event before it: inserted, removed "
                    "or reordered"
                )
                % {"seq": event.sequence},
                previous_hash,
            )
        if event.compute_hash() != event.hash:
            return ChainReport(
                checked,
                event.sequence,
                _("event #%(seq)d was changed after it was written") % {"seq": event.sequence},
                previous_hash,
            )
        previous_hash = event.hash
        expected_sequence += 1
        checked += 1
    return ChainReport(checked, None, "", previous_hash)


def verify_chain() -> ChainReport:
    return verify_events(AuditEvent.objects.order_by("sequence").iterator(chunk_size=5000))


# Verification against the checkpoints sealed outside the database -------------------------

# The canonical form (models.canonical_form of AuditEvent.content()) is built without a model
# instance, in two places at once: PostgreSQL writes the text around `data` (its `to_json`
# escapes exactly as json.dumps with ensure_ascii=False) on its own core, while Python
# re-encodes `data` with sorted keys, joins the three pieces and hashes.

MAX_PROBLEMS = 100

# One row: (sequence, canonical text before data, data as JSON text, after data, prev, hash).
Row = tuple[int, str, str, str, str, str]


def _make_data_encoder() -> Callable[[str], str]:
    """JSON text → canonical JSON text (sorted keys, compact, non-ASCII kept), as fast as the
    standard library allows: its C scanner and C encoder, built once."""
    scan = json.JSONDecoder().scan_once  # type: ignore[attr-defined]
    c_make_encoder = getattr(json_encoder, "c_make_encoder", None)
    c_encode_string = getattr(json_encoder, "c_encode_basestring", None)
    if c_make_encoder is None or c_encode_string is None:  # pragma: no cover - no C extension
        return lambda text: canonical_form(json.loads(text)).decode()
    encode = c_make_encoder(None, None, c_encode_string, None, ":", ",", True, False, True)

    def canonical_data(text: str) -> str:
        if text == "{}":
            return text
        return "".join(encode(scan(text, 0)[0], 0))

    return canonical_data


canonical_data = _make_data_encoder()


def split_content(content: dict[str, Any]) -> tuple[str, str, str]:
    """The pieces of a row's canonical form, from `AuditEvent.content()` (databases other
    than PostgreSQL, and the reference the fast path is tested against)."""
    text = canonical_form(content).decode()
    data = canonical_form(content["data"]).decode()
    head, _sep, rest = text.partition(',"data":')
    # The keys after "data" start with "decision": the first occurrence after the data.
    after = rest[len(data) :]
    return head + ',"data":', data, after


_COPY_ESCAPES = re.compile(r"\\(.)")
_COPY_CHARS = {"t": "\t", "n": "\n", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "\\": "\\"}


def _unescape_copy(field: str) -> str:
    return _COPY_ESCAPES.sub(lambda m: _COPY_CHARS.get(m.group(1), m.group(1)), field)


# Each row's canonical text before and after `data`, keys in sorted order (as in
# AuditEvent.content()); `data` as stored, re-encoded in Python.
_TEXT_SQL = """
SELECT sequence,
       '{"actor_id":' || COALESCE(actor_id::text, 'null')
       || ',"actor_username":' || to_json(actor_username)::text || ',"data":',
       data,
       ',"decision":' || to_json(decision)::text
       || ',"kind":' || to_json(kind)::text
       || ',"measure_ref":' || to_json(measure_ref)::text
       || ',"occurred_at":"'
       || to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
       || '","person_public_id":' || COALESCE('"' || person_public_id::text || '"', 'null')
       || ',"prev_hash":' || to_json(prev_hash)::text
       || ',"reason":' || to_json(reason)::text
       || ',"sequence":' || sequence::text
       || ',"ward_code":' || to_json(ward_code)::text
       || ',"ward_id":' || COALESCE(ward_id::text, 'null') || '}',
       prev_hash, hash
FROM auditlog_auditevent WHERE sequence >= %s AND sequence <= %s ORDER BY sequence
"""


def _copied_rows(first: int, last: int) -> Iterator[Row]:
    """Rows as PostgreSQL's COPY writes them: one text stream, split here, far cheaper than a
    cursor's per-value conversions. Streamed: the server reads and writes the next rows
    while these are checked, on another core. So nothing may query on this connection
    until the stream ends (a connection in COPY cannot); see _Walk.suspects."""
    with connection.cursor() as cursor:
        sql = cursor.mogrify(_TEXT_SQL, [first, last])
        with cursor.cursor.copy(f"COPY ({sql}) TO STDOUT") as copy:
            tail = ""
            for block in copy:
                lines = (tail + bytes(block).decode()).split("\n")
                tail = lines.pop()
                for line in lines:
                    if "\\" in line:  # COPY escapes backslashes and control characters
                        seq, pre, data, post, prev, stored = map(_unescape_copy, line.split("\t"))
                    else:
                        seq, pre, data, post, prev, stored = line.split("\t")
                    yield int(seq), pre, data, post, prev, stored


def rows(first: int, last: int) -> Iterator[Row]:
    if connection.vendor == "postgresql":
        yield from _copied_rows(first, last)
        return
    events = AuditEvent.objects.filter(sequence__gte=first, sequence__lte=last)
    for event in events.order_by("sequence").iterator(chunk_size=5000):
        pre, data, post = split_content(event.content())
        yield event.sequence, pre, data, post, event.prev_hash, event.hash


def _original_sequence(row: Row) -> int | None:
    """For a row whose hash does not match: the sequence it was written with, if it is this
    row moved to another place (its hash matches its content renumbered)."""
    sequence, pre, data, post, prev_hash, stored = row
    candidates = set()
    before = AuditEvent.objects.filter(hash=prev_hash).values_list("sequence", flat=True).first()
    if before is not None:
        candidates.add(before + 1)
    after = AuditEvent.objects.filter(prev_hash=stored).values_list("sequence", flat=True).first()
    if after is not None:
        candidates.add(after - 1)
    marker = f',"sequence":{sequence},'
    at = post.rfind(marker)
    for candidate in sorted(candidates - {sequence}):
        renumbered = post[:at] + f',"sequence":{candidate},' + post[at + len(marker) :]
        text = pre + canonical_data(data) + renumbered
        if hashlib.sha256(text.encode()).hexdigest() == stored:
            return candidate
    return None


@dataclass
class _Walk:
    """One pass over the rows: every hash, every link, every gap, every checkpoint."""

    sealed: dict[int, list[Checkpoint]]
    expected: int = 1
    previous: str | None = GENESIS_HASH  # None: the first row's link is not checked
    checked: int = 0
    head_sequence: int = 0
    head_hash: str = GENESIS_HASH
    matched_sequence: int = 0
    rewritten: list[tuple[int, Checkpoint]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    # Rows whose hash does not match, with their place in `problems`: what happened to them
    # is asked of the database once the rows have all been read (see _copied_rows).
    suspects: list[tuple[int, Row]] = field(default_factory=list)

    def run(self, rows: Iterable[Row]) -> None:
        sha256 = hashlib.sha256
        encode_data = canonical_data
        sealed = self.sealed
        expected, previous = self.expected, self.previous
        last_bad = 0
        for row in rows:
            sequence, pre, data, post, prev_hash, stored = row
            gap = sequence != expected
            if gap:
                self._missing(expected, sequence)
            if sha256((pre + encode_data(data) + post).encode()).hexdigest() != stored:
                self._bad_hash(row)
                last_bad = sequence
            elif prev_hash != previous and previous is not None and not gap:
                if last_bad != sequence - 1:
                    self._problem(
                        _(
                            "event #%(seq)d does not link to the event before it: inserted, "
                            "removed or reordered"
                        )
                        % {"seq": sequence}
                    )
                last_bad = sequence
            if sequence in sealed:
                self._compare(sequence, stored)
            previous = stored
            expected = sequence + 1
            self.checked += 1
        self.expected, self.previous = expected, previous
        self.head_sequence, self.head_hash = expected - 1, previous or GENESIS_HASH
        self._explain_suspects()

    def _problem(self, text: str) -> None:
        self.problems.append(text)

    def _missing(self, expected: int, found: int) -> None:
        if found == expected + 1:
            text = _(
                "event #%(missing)d is missing (the next present is #%(found)d): removed or "
                "renumbered"
            ) % {"missing": expected, "found": found}
        else:
            text = _(
                "events #%(first)d to #%(last)d are missing (the next present is #%(found)d): "
                "removed or renumbered"
            ) % {"first": expected, "last": found - 1, "found": found}
        self._problem(text)

    def _bad_hash(self, row: Row) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.suspects.append((len(self.problems), row))
        self._problem(_("event #%(seq)d was changed after it was written") % {"seq": row[0]})

    def _explain_suspects(self) -> None:
        """A changed row may be a row moved: name where it was written, if so."""
        for place, row in self.suspects:
            original = _original_sequence(row)
            if original is not None:
                text = _("event #%(seq)d was written as event #%(original)d: events were reordered")
                self.problems[place] = text % {"seq": row[0], "original": original}
        self.suspects.clear()

    def _compare(self, sequence: int, stored: str) -> None:
        for checkpoint in self.sealed[sequence]:
            if checkpoint.last_hash == stored:
                if not self.rewritten:
                    self.matched_sequence = sequence
            else:
                self.rewritten.append((sequence, checkpoint))

    def finish(self) -> None:
        if self.rewritten:
            sequence, checkpoint = self.rewritten[0]
            self._problem(
                _(
                    "the history from event #%(first)d to #%(seq)d was rewritten after it was "
                    "sealed: event #%(seq)d's hash differs from checkpoint %(name)s (sealed at "
                    "%(sealed_at)s)"
                )
                % {
                    "first": self.matched_sequence + 1,
                    "seq": sequence,
                    "name": checkpoint.name,
                    "sealed_at": format_timestamp(checkpoint.sealed_at),
                }
            )
            later = len(self.rewritten) - 1
            if later:
                self._problem(
                    ngettext(
                        "%(count)d later checkpoint does not match the log either (up to #%(seq)d)",
                        "%(count)d later checkpoints do not match the log either (up to #%(seq)d)",
                        later,
                    )
                    % {"count": later, "seq": self.rewritten[-1][0]}
                )
        beyond = [seq for seq in self.sealed if seq > self.head_sequence]
        if beyond:
            top = max(beyond)
            self._problem(
                _(
                    "the log ends at event #%(head)d but checkpoint %(name)s sealed #%(sealed)d: "
                    "events #%(first)d to #%(sealed)d were removed"
                )
                % {
                    "head": self.head_sequence,
                    "name": self.sealed[top][-1].name,
                    "sealed": top,
                    "first": self.head_sequence + 1,
                }
            )


@dataclass(frozen=True)
class VerificationReport:
    checked: int
    head_sequence: int
    head_hash: str
    checkpoints_checked: int
    problems: list[str]
    # The highest sequence sealed by a valid checkpoint (0: none); events after it are
    # protected by the chain only, until the next checkpoint.
    sealed_sequence: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def problem(self) -> str:
        """All problems in one line (for a job's or a command's one-line message)."""
        return "; ".join(self.problems)


def _limited(problems: list[str]) -> list[str]:
    if len(problems) <= MAX_PROBLEMS:
        return problems
    more = len(problems) - MAX_PROBLEMS
    return [*problems[:MAX_PROBLEMS], _("… and %(count)d more problems") % {"count": more}]


def _never_linked() -> list[str]:
    """Committed rows left in the queue of events (migration 0009): the trigger that links
    them at commit was switched off, so their acts committed without their events."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM auditlog_pendingevent")
        (count,) = cursor.fetchone()
    if not count:
        return []
    return [
        ngettext(
            "%(count)d event was queued but never linked into the chain: the trigger that "
            "links events at commit was switched off, and its act committed without it",
            "%(count)d events were queued but never linked into the chain: the trigger that "
            "links events at commit was switched off, and their acts committed without them",
            count,
        )
        % {"count": count}
    ]


# Cross-checks: records that each need their event ------------------------------------------
#
# The chain shows an event changed, removed from the middle, or (against a checkpoint) a sealed
# tail removed. An event removed from the unsealed tail, with the record it describes left in
# place, is found here: each app's records that are written with an event (an API client with
# its `api_client.created`, a plan with its `plan.created`...) are counted against the events
# that name them. The audit core knows no app's models, so the checks are registered from the
# top floor (config/audit_witnesses.py); verifying without any registered fails closed.

CrossCheck = Callable[[datetime.datetime | None], list[str]]
CROSS_CHECKS: dict[str, CrossCheck] = {}


def register_cross_check(name: str) -> Callable[[CrossCheck], CrossCheck]:
    """Decorator: ``fn(since)`` returns a problem per record (written at or after ``since``,
    the chain's first event; None: the log is empty) that lacks its event."""

    def register(fn: CrossCheck) -> CrossCheck:
        CROSS_CHECKS[name] = fn
        return fn

    return register


def events_per_key(kinds: Iterable[str], key: str) -> dict[str, int]:
    """How many events of ``kinds`` name each value of ``key``: a column (``measure_ref``) or
    a key of the event's data (``data__client_id``). Values are compared as text."""
    rows = (
        AuditEvent.objects.filter(kind__in=list(kinds))
        .exclude(**{f"{key}__isnull": True})
        .values(key)
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {str(row[key]): int(row["n"]) for row in rows}


def missing(expected: dict[str, int], found: dict[str, int]) -> list[tuple[str, int, int]]:
    """(key, events expected, events found) for each key with fewer events than expected."""
    return sorted(
        (key, n, found.get(key, 0)) for key, n in expected.items() if found.get(key, 0) < n
    )


def chain_started_at() -> datetime.datetime | None:
    first = AuditEvent.objects.order_by("sequence").values_list("occurred_at", flat=True)[:1]
    return next(iter(first), None)


def cross_check() -> list[str]:
    """Every registered cross-check's problems (records without their events)."""
    if not CROSS_CHECKS:
        return [_("no cross-check of records against their events is registered")]
    since = chain_started_at()
    problems: list[str] = []
    for name in sorted(CROSS_CHECKS):
        problems += CROSS_CHECKS[name](since)
    return problems


def verify_with_checkpoints(*, directory: Path | None = None) -> VerificationReport:
    """Verify the whole chain (hashes, links, gaps) and compare it with every checkpoint;
    on PostgreSQL, also that no event was left queued and never linked; and that every record
    that needs an event has one (`cross_check`).

    Streams the rows (`rows`, no model instance per event). Problems are translated
    sentences naming the event and the checkpoint concerned.
    """
    checkpoints, problems = scan_checkpoints(directory)
    valid = [c for c in checkpoints if c.signature_valid]
    problems += [c.problem for c in checkpoints if not c.signature_valid]
    sealed: dict[int, list[Checkpoint]] = {}
    for checkpoint in valid:
        sealed.setdefault(checkpoint.sequence, []).append(checkpoint)
    genesis = sealed.pop(0, [])
    problems += [
        _("checkpoint %(name)s seals an empty log with a hash that is not the genesis hash")
        % {"name": c.name}
        for c in genesis
        if c.last_hash != GENESIS_HASH
    ]
    problems += _never_linked()
    walk = _Walk(sealed)
    walk.run(rows(1, MAX_SEQUENCE))
    walk.finish()
    return VerificationReport(
        checked=walk.checked,
        head_sequence=walk.head_sequence,
        head_hash=walk.head_hash,
        checkpoints_checked=len(valid),
        # The chain's own problems first; then the records whose events are gone.
        problems=_limited(problems + walk.problems + cross_check()),
        sealed_sequence=max((c.sequence for c in valid), default=0),
    )


def verify_since(checkpoint: Checkpoint | None, *, up_to: int) -> list[str]:
    """Problems in the events sealed by `checkpoint` and after it, up to `up_to`: its event
    still has its hash, and every later one hashes and links. Used before sealing."""
    start = checkpoint.sequence if checkpoint else 1
    sealed = {checkpoint.sequence: [checkpoint]} if checkpoint and checkpoint.sequence else {}
    first_link = None if checkpoint and checkpoint.sequence else GENESIS_HASH
    walk = _Walk(sealed, expected=max(start, 1), previous=first_link)
    if up_to >= start:
        walk.run(rows(max(start, 1), up_to))
    else:
        walk.head_sequence = up_to
    walk.finish()
    return _limited(walk.problems)


def seal_and_verify(*, now: datetime.datetime) -> str:
    """The hourly job's work: seal a checkpoint of the chain's head, then verify the whole chain
    against every checkpoint. A chain that does not verify raises `JobFailed` (so the job is
    retried, then alarmed); returns the run's summary."""
    from auditlog.checkpoints import seal_checkpoint
    from auditlog.jobs import JobFailed

    seal_checkpoint(now=now)
    report = verify_with_checkpoints()
    if not report.ok:
        raise JobFailed(
            _("The audit log does not verify: %(problem)s")
            % {"problem": "; ".join(report.problems)}
        )
    return _("sealed; %(n)d events verified") % {"n": report.checked}

"""The auditors' workspace reads the audit log: for auditors only, anyone else gets a 404.

The registry's and the inquiries' facts come through their own selectors, never their models.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, NamedTuple

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404

from auditlog.checkpoints import Checkpoint
from auditlog.models import AuditEvent, JobOutcome, JobRun, day_start
from supportmeasures import selectors as registry

if TYPE_CHECKING:
    from supportmeasures.models import MeasureParty, Person, Staff

PAGE_SIZE = 50
# A history page shows this many events at most; the export has them all.
HISTORY_LIMIT = 2000
EXPORT_CHUNK = 5000


def can_read_auditlog(user: object) -> bool:
    return registry.auditor_or_none(user) is not None


def _require_auditor(user: Staff) -> None:
    if not can_read_auditlog(user):
        raise Http404


@dataclass(frozen=True)
class EventFilter:
    """What the auditor asked for. Empty fields filter nothing."""

    since: datetime.date | None = None
    until: datetime.date | None = None
    ward_id: int | None = None
    actor_id: int | None = None
    kind: str = ""
    decision: str = ""
    # Public ids of the registered people (found by name, or picked from a history link).
    person_ids: tuple[str, ...] = ()
    person_query: str = ""
    measure: str = ""

    def describe(self) -> dict[str, str]:
        """The filter as plain codes, for the export's audit event."""
        values = {
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
            "ward": str(self.ward_id or ""),
            "staff": str(self.actor_id or ""),
            "kind": self.kind,
            "decision": self.decision,
            "person": self.person_query,
            "persons": ",".join(self.person_ids),
            "measure": self.measure,
        }
        return {k: v for k, v in values.items() if v}


@dataclass(frozen=True)
class PersonFound:
    public_id: uuid.UUID
    name: str
    kana: str
    birth_date: datetime.date | None
    roles: tuple[str, ...]
    measure_refs: tuple[str, ...]


PEOPLE_LIMIT = 50


def people_named(*, user: Staff, query: str) -> list[PersonFound]:
    """Registered people whose name, alias or reading contains what was typed, compared on
    the registry's match keys (variant kanji, kana of any script or width), as the desk's
    own search does: 高橋 finds 髙橋 由美, a surname finds everyone who bears it."""
    _require_auditor(user)
    people = registry.people_named(query=query, limit=PEOPLE_LIMIT)
    return [
        PersonFound(
            p.public_id,
            p.name,
            p.kana,
            p.birth_date,
            tuple(sorted({party.role for party in p.parties.all()})),
            tuple(sorted({party.measure.ref for party in p.parties.all()})),
        )
        for p in people
    ]


def _event_ids_concerning(person_ids: tuple[str, ...]) -> RawSQL:
    """Every event about these people, as one subquery: indexed by person, or about one of
    their measures (whose refs the registry gives). A UNION of two index reads."""
    marks = ", ".join(["%s"] * len(person_ids))
    # UUIDs as PostgreSQL stores them; SQLite stores them as 32 hex digits.
    people: list[object] = [
        uuid.UUID(p).hex if connection.vendor == "sqlite" else uuid.UUID(p) for p in person_ids
    ]
    refs = registry.measure_refs_of_people(person_ids)
    ref_marks = ", ".join(["%s"] * len(refs))
    by_measure = (
        f"UNION SELECT e.id FROM auditlog_auditevent e WHERE e.measure_ref IN ({ref_marks})"  # noqa: S608
        if refs
        else ""
    )
    # Only placeholders are formatted into the text; every value is a bound parameter.
    return RawSQL(  # noqa: S611
        f"""SELECT event_id FROM auditlog_auditeventperson WHERE person_public_id IN ({marks})
        {by_measure}""",  # noqa: S608
        [*people, *refs],
    )


def _filtered(flt: EventFilter) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.all()
    if flt.since:
        events = events.filter(occurred_at__gte=day_start(flt.since))
    if flt.until:
        events = events.filter(occurred_at__lt=day_start(flt.until + datetime.timedelta(days=1)))
    if flt.ward_id:
        events = events.filter(ward_id=flt.ward_id)
    if flt.actor_id:
        events = events.filter(actor_id=flt.actor_id)
    if flt.kind:
        events = events.filter(kind=flt.kind)
    if flt.decision:
        events = events.filter(decision=flt.decision)
    if flt.measure:
        events = events.filter(measure_ref=flt.measure)
    if flt.person_ids:
        events = events.filter(pk__in=_event_ids_concerning(flt.person_ids))
    elif flt.person_query:
        return events.none()  # a name that finds nobody finds no event either
    return events


class EventRow(NamedTuple):
    """What a row of the workspace shows, read as plain values: the event without its
    hashes, its staff member's names and its ward's. The lists are the auditors' busiest
    pages, and three model instances per row (event, staff member, ward) cost more than the
    query."""

    sequence: int
    occurred_at: datetime.datetime
    actor_id: int | None
    actor_username: str  # as recorded: the only name of an event with no staff member
    actor_full_name: str | None  # the staff member's names today
    actor_current_username: str | None
    ward_id: int | None
    ward_code: str
    ward_name: str | None
    kind: str
    person_public_id: uuid.UUID | None
    measure_ref: str
    decision: str
    reason: str
    data: dict[str, object]

    @property
    def actor_name(self) -> str:
        """The staff member as the workspace names them (`str(staff)`)."""
        return self.actor_full_name or self.actor_current_username or ""


_EVENT_ROW = (
    "sequence", "occurred_at", "actor_id", "actor_username", "actor__full_name",
    "actor__username", "ward_id", "ward_code", "ward__name", "kind", "person_public_id",
    "measure_ref", "decision", "reason", "data",
)  # fmt: skip


def _rows(events: QuerySet[AuditEvent]) -> list[EventRow]:
    return [EventRow(*values) for values in events.values_list(*_EVENT_ROW)]


def events_page(*, user: Staff, flt: EventFilter, before: int | None = None) -> list[EventRow]:
    """Newest first, paged by key (sequence), never by OFFSET: every page costs the same."""
    _require_auditor(user)
    events = _filtered(flt)
    if before:
        events = events.filter(sequence__lt=before)
    return _rows(events.order_by("-sequence")[:PAGE_SIZE])


@dataclass(frozen=True)
class EventSearch:
    events: list[EventRow]
    people: list[PersonFound]
    next_before: int | None


def with_people(*, user: Staff, flt: EventFilter) -> tuple[EventFilter, list[PersonFound]]:
    """A name in the filter resolved to the registered people it finds (their ids)."""
    _require_auditor(user)
    if not flt.person_query or flt.person_ids:
        return flt, []
    people = people_named(user=user, query=flt.person_query)
    return replace(flt, person_ids=tuple(str(p.public_id) for p in people)), people


def search_events(*, user: Staff, flt: EventFilter, before: int | None = None) -> EventSearch:
    """The event list: a name is resolved to registered people first, then their events."""
    flt, people = with_people(user=user, flt=flt)
    events = events_page(user=user, flt=flt, before=before)
    return EventSearch(events, people, events[-1].sequence if len(events) == PAGE_SIZE else None)


@dataclass(frozen=True)
class History:
    """A person's or a staff member's events, oldest first, on one page."""

    events: list[EventRow]
    truncated: bool
    person: Person | None = None
    parties: list[MeasureParty] = field(default_factory=list)
    staff: Staff | None = None


def _history(events: QuerySet[AuditEvent]) -> tuple[list[EventRow], bool]:
    rows = _rows(events.order_by("sequence")[: HISTORY_LIMIT + 1])
    return rows[:HISTORY_LIMIT], len(rows) > HISTORY_LIMIT


def person_history(*, user: Staff, public_id: uuid.UUID) -> History:
    """Everything that happened concerning one registered person, in order."""
    _require_auditor(user)
    person, parties = registry.person_and_parties(public_id=public_id)
    events, truncated = _history(
        AuditEvent.objects.filter(pk__in=_event_ids_concerning((str(public_id),)))
    )
    return History(events, truncated, person=person, parties=parties)


def staff_activity(
    *, user: Staff, staff_id: int, since: datetime.date | None, until: datetime.date | None
) -> History:
    """What one staff member did, in order, over a period."""
    _require_auditor(user)
    staff = registry.staff_member(staff_id=staff_id)
    events, truncated = _history(
        _filtered(EventFilter(since=since, until=until, actor_id=staff.pk))
    )
    return History(events, truncated, staff=staff)


EXPORT_COLUMNS = (
    "sequence",
    "occurred_at",
    "actor_username",
    "actor__full_name",
    "ward_code",
    "ward__name",
    "kind",
    "person_public_id",
    "measure_ref",
    "decision",
    "reason",
    "data",
    "prev_hash",
    "hash",
)


def events_to_export(*, user: Staff, flt: EventFilter) -> QuerySet[AuditEvent]:
    """The filtered events, for an export the database writes itself (PostgreSQL)."""
    _require_auditor(user)
    return _filtered(flt)


def export_rows(*, user: Staff, flt: EventFilter) -> Iterator[tuple[object, ...]]:
    """The filtered events as value tuples, newest first like the list, read by key in chunks:
    a million rows never sit in memory. The role is checked now, not at the first row."""
    _require_auditor(user)
    return _chunked(_filtered(flt))


def _chunked(events: QuerySet[AuditEvent]) -> Iterator[tuple[object, ...]]:
    before: int | None = None
    while True:
        chunk = events.filter(sequence__lt=before) if before else events
        rows = list(chunk.order_by("-sequence").values_list(*EXPORT_COLUMNS)[:EXPORT_CHUNK])
        yield from rows
        if len(rows) < EXPORT_CHUNK:
            return
        before = int(str(rows[-1][0]))


@dataclass(frozen=True)
class ChainStatus:
    """What the workspace shows above everything: the last seal, the last verification, and
    any job that failed."""

    checkpoint: Checkpoint | None
    verification: JobRun | None
    alarms: list[JobRun]

    @property
    def verification_failed(self) -> bool:
        return self.verification is not None and self.verification.outcome in (
            JobOutcome.FAILED,
            JobOutcome.ALARMED,
        )


VERIFICATION_JOB = "seal-and-verify-auditlog"


def chain_status(*, user: Staff) -> ChainStatus:
    _require_auditor(user)
    from auditlog import jobs
    from auditlog.checkpoints import latest_checkpoint

    verification, alarms = jobs.last_finished_and_alarms((VERIFICATION_JOB, jobs.VERIFY_ON_DEMAND))
    return ChainStatus(latest_checkpoint(), verification, alarms)


@dataclass(frozen=True)
class JobRuns:
    latest: list[JobRun]
    recent: list[JobRun]


def job_runs(*, user: Staff) -> JobRuns:
    """Every scheduled job's last run, and the latest runs: read-only, for the auditors."""
    _require_auditor(user)
    from auditlog import jobs

    return JobRuns(jobs.latest_runs(), jobs.recent_runs())

"""Ready reports over the audit log: the analyses the government standard for resident-record
systems asks of access logs (who looked at what, when, and why), over a period.

`anomaly_reports(since=, until=)` is the public entry point (the weekly mail uses it);
`reports_for` and `report_for` are the same with the auditor check, for the pages.
Every analysis reads a fixed number of queries (no query per event) and is portable: what the
ORM cannot say the same way on PostgreSQL and SQLite is done in Python over the rows fetched.
See docs/auditors-reports.md.
"""

from __future__ import annotations

import datetime
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import jpholiday
from django.conf import settings
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from auditlog.models import AuditEvent, EventKind, day_start
from auditlog.workspace.selectors import can_read_auditlog
from inquiries import selectors as inquiries
from supportmeasures import selectors as registry
from supportmeasures import wareki

if TYPE_CHECKING:
    from inquiries.models import ContactPlan
    from supportmeasures.models import Staff

# Looks at protected details and disclosure decisions: reported when done out of hours.
OUT_OF_HOURS_KINDS = (
    EventKind.DETAILS_ACKNOWLEDGED,
    EventKind.DETAILS_VIEWED,
    EventKind.DETAILS_REFUSED,
    EventKind.ACCESS_GRANTED,
    EventKind.INQUIRY_SIGNED_OFF,
    EventKind.INQUIRY_ANSWERED,
    EventKind.ANSWER_SIGNED_OFF,
    EventKind.PLAN_APPROVED,
    EventKind.CONTACT_RECORDED,
    EventKind.CONTACT_REFUSED,
    EventKind.REQUEST_REVIEWED,
    EventKind.REQUEST_ISSUED,
)
# Looking is not work: these never count as the reason behind a look.
LOOK_KINDS = (
    EventKind.DETAILS_ACKNOWLEDGED,
    EventKind.DETAILS_DECLINED,
    EventKind.DETAILS_VIEWED,
    EventKind.DETAILS_REFUSED,
    EventKind.SCREENING_HIT,
)
# Sign-offs of someone else's work, and where the author of that work is recorded.
APPROVAL_KINDS = (
    EventKind.PLAN_APPROVED,
    EventKind.INQUIRY_SIGNED_OFF,
    EventKind.ANSWER_SIGNED_OFF,
    EventKind.MEASURE_APPROVED,
    EventKind.REQUEST_REVIEWED,
)

NIGHT = "night"
MANY_RECORDS = "many-records"
NO_WORK = "no-work"
DECLINED_THEN_VIEWED = "declined-then-viewed"
MUTUAL_APPROVALS = "mutual-approvals"
UNREVIEWED_EMERGENCIES = "unreviewed-emergencies"
FAILED_LOGINS = "failed-logins"
UNCONFIRMED_BLOCKS = "unconfirmed-blocks"
REPORT_CODES = (
    NIGHT,
    MANY_RECORDS,
    NO_WORK,
    DECLINED_THEN_VIEWED,
    MUTUAL_APPROVALS,
    UNREVIEWED_EMERGENCIES,
    FAILED_LOGINS,
    UNCONFIRMED_BLOCKS,
)


@dataclass(frozen=True)
class EventRow:
    """One audit event as a report shows it: identifiers and codes only, never a location."""

    sequence: int
    occurred_at: datetime.datetime
    actor_id: int | None
    actor: str
    ward: str
    kind: str
    kind_label: str
    person_public_id: uuid.UUID | None
    measure_ref: str
    decision: str

    @classmethod
    def of(cls, event: AuditEvent) -> EventRow:
        return cls(
            sequence=event.sequence,
            occurred_at=event.occurred_at,
            actor_id=event.actor_id,
            actor=_staff_name(event.actor, event.actor_username),
            ward=str(event.ward) if event.ward else event.ward_code,  # as recorded, if gone
            kind=event.kind,
            kind_label=event.get_kind_display(),
            person_public_id=event.person_public_id,
            measure_ref=event.measure_ref,
            decision=event.decision,
        )


@dataclass(frozen=True)
class Finding:
    """One row of a report: who, when, what, and the events (or pair) concerned."""

    who: str
    when: datetime.datetime
    what: str
    events: tuple[EventRow, ...] = ()
    reference: str = ""
    # How the page names the reference; blank: a contact plan's (「連絡計画 …」).
    reference_text: str = ""


@dataclass
class AnomalyReport:
    code: str
    title: str
    description: str
    rows: list[Finding] = field(default_factory=list)
    since: datetime.datetime | None = None
    until: datetime.datetime | None = None

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[Finding]:
        return iter(self.rows)


# --- settings and calendar -------------------------------------------------------------------


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _hhmm(text: str) -> datetime.time:
    hours, minutes = text.split(":")
    return datetime.time(int(hours), int(minutes))


def working_hours() -> tuple[datetime.time, datetime.time]:
    start, end = getattr(settings, "MAMORI_AUDIT_WORKING_HOURS", ("08:30", "17:15"))
    return _hhmm(start), _hhmm(end)


def closed_day_name(day: datetime.date) -> str:
    """Why the offices are closed on `day` ("" if they are open): weekends, public holidays
    (jpholiday) and the year-end closure 29 December to 3 January (行政機関の休日)."""
    holiday = jpholiday.is_holiday_name(day)
    if holiday:
        return str(holiday)
    if (day.month, day.day) >= (12, 29) or (day.month, day.day) <= (1, 3):
        return _("Year-end closure")
    if day.weekday() == 5:
        return _("Saturday")
    if day.weekday() == 6:
        return _("Sunday")
    return ""


def out_of_hours_reason(moment: datetime.datetime) -> str:
    """Why `moment` (any time zone) is outside working hours in Japan time; "" if it is not."""
    local = moment.astimezone(_zone())
    closed = closed_day_name(local.date())
    if closed:
        return closed
    start, end = working_hours()
    if not start <= local.time() < end:
        return _("Outside working hours (%(start)s–%(end)s)") % {
            "start": start.strftime("%H:%M"),
            "end": end.strftime("%H:%M"),
        }
    return ""


def _staff_name(staff: Staff | None, username: str = "") -> str:
    if staff is not None:
        return str(staff)
    return username or _("system")


def _events(**filters: object) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(**filters).select_related("actor", "ward").order_by("sequence")
    )


# --- the analyses ----------------------------------------------------------------------------


def out_of_hours(*, since: datetime.datetime, until: datetime.datetime) -> AnomalyReport:
    start, end = working_hours()
    report = AnomalyReport(
        code=NIGHT,
        title=_("Access at night, on weekends and on public holidays"),
        description=_(
            "Looks at protected details and disclosure decisions made outside working hours "
            "(%(start)s–%(end)s Japan time), on Saturdays, Sundays, public holidays and during "
            "the year-end closure."
        )
        % {"start": start.strftime("%H:%M"), "end": end.strftime("%H:%M")},
    )
    # One query; the calendar test is in Python (holidays are not in the database).
    for event in _events(
        kind__in=OUT_OF_HOURS_KINDS, occurred_at__gte=since, occurred_at__lt=until
    ):
        reason = out_of_hours_reason(event.occurred_at)
        if reason:
            row = EventRow.of(event)
            report.rows.append(
                Finding(
                    who=row.actor,
                    when=row.occurred_at,
                    what=f"{row.kind_label} — {reason}",
                    events=(row,),
                )
            )
    return report


def many_records(*, since: datetime.datetime, until: datetime.datetime) -> AnomalyReport:
    threshold = getattr(settings, "MAMORI_AUDIT_MANY_RECORDS_PER_DAY", 10)
    report = AnomalyReport(
        code=MANY_RECORDS,
        title=_("One user opening many protected records"),
        description=_(
            "Staff who opened the protected details of more than %(n)s different people in one "
            "day (Japan time)."
        )
        % {"n": threshold},
    )
    views = AuditEvent.objects.filter(
        kind=EventKind.DETAILS_VIEWED,
        occurred_at__gte=since,
        occurred_at__lt=until,
        actor__isnull=False,
    )
    flagged = {
        (row["actor_id"], row["day"]): row["persons_viewed"]
        for row in views.annotate(day=TruncDate("occurred_at", tzinfo=_zone()))
        .values("actor_id", "day")
        .annotate(persons_viewed=Count("person_public_id", distinct=True))
        .filter(persons_viewed__gt=threshold)
        .order_by()
    }
    if not flagged:
        return report
    grouped: dict[tuple[int, datetime.date], list[EventRow]] = defaultdict(list)
    for event in _events(pk__in=views.filter(actor_id__in={a for a, _d in flagged})):
        key = (event.actor_id, event.occurred_at.astimezone(_zone()).date())
        if key in flagged and event.actor_id is not None:
            grouped[(event.actor_id, key[1])].append(EventRow.of(event))
    for (actor, day), rows in sorted(grouped.items(), key=lambda item: item[1][0].sequence):
        report.rows.append(
            Finding(
                who=rows[0].actor,
                when=rows[0].occurred_at,
                what=_("Opened the details of %(n)s people on %(day)s")
                % {"n": flagged[(actor, day)], "day": day.isoformat()},
                events=tuple(rows),
            )
        )
    return report


def _people_concerned(event: AuditEvent, by_measure: dict[str, set[str]]) -> set[str]:
    """The registered people an event is about: its person, the people of its measure, and
    for inquiries and plans the people and measures their screening found (in `data`)."""
    people: set[str] = set()
    if event.person_public_id:
        people.add(str(event.person_public_id))
    refs = [event.measure_ref] if event.measure_ref else []
    data = event.data if isinstance(event.data, dict) else {}
    refs += [str(r) for r in data.get("measures", []) or []]
    people |= {str(p) for p in data.get("persons", []) or []}
    for ref in refs:
        people |= by_measure.get(ref, set())
    return people


def _measure_refs(event: AuditEvent) -> list[str]:
    data = event.data if isinstance(event.data, dict) else {}
    refs = [str(r) for r in data.get("measures", []) or []]
    return [event.measure_ref, *refs] if event.measure_ref else refs


def looks_without_work(*, since: datetime.datetime, until: datetime.datetime) -> AnomalyReport:
    days = getattr(settings, "MAMORI_AUDIT_WORK_LOOKBACK_DAYS", 30)
    report = AnomalyReport(
        code=NO_WORK,
        title=_("Looks at protected details with no work behind them"),
        description=_(
            "Protected details opened by someone who did no work on that person (a measure "
            "decision, an inquiry, an answer or a contact plan) in the %(days)s days before. "
            "Acknowledging the warning, searching and looking are not work."
        )
        % {"days": days},
    )
    views = _events(
        kind=EventKind.DETAILS_VIEWED,
        occurred_at__gte=since,
        occurred_at__lt=until,
        actor__isnull=False,
        person_public_id__isnull=False,
    )
    if not views:
        return report
    # Every non-look event by the same users in the window: one query, matched in Python
    # (the people an inquiry or plan concerns are in its JSON data, read the same way on
    # PostgreSQL and SQLite).
    work = list(
        AuditEvent.objects.filter(
            actor_id__in={v.actor_id for v in views},
            occurred_at__gte=since - datetime.timedelta(days=days),
            occurred_at__lt=until,
        )
        .exclude(kind__in=LOOK_KINDS)
        .only("sequence", "occurred_at", "actor_id", "person_public_id", "measure_ref", "data")
    )
    by_measure = registry.people_of_measures(r for e in work for r in _measure_refs(e))
    work_on: dict[tuple[int | None, str], list[datetime.datetime]] = defaultdict(list)
    for event in work:
        for person in _people_concerned(event, by_measure):
            work_on[(event.actor_id, person)].append(event.occurred_at)
    for view in views:
        earliest = view.occurred_at - datetime.timedelta(days=days)
        times = work_on.get((view.actor_id, str(view.person_public_id)), [])
        if not any(earliest <= t <= view.occurred_at for t in times):
            row = EventRow.of(view)
            report.rows.append(
                Finding(
                    who=row.actor,
                    when=row.occurred_at,
                    what=_("Opened a protected person's details with no work on them"),
                    events=(row,),
                )
            )
    return report


def declined_then_viewed(*, since: datetime.datetime, until: datetime.datetime) -> AnomalyReport:
    hours = getattr(settings, "MAMORI_AUDIT_DECLINE_WINDOW_HOURS", 24)
    window = datetime.timedelta(hours=hours)
    report = AnomalyReport(
        code=DECLINED_THEN_VIEWED,
        title=_("Declined warnings followed by a look"),
        description=_(
            "Someone declined the warning before a protected person's details, then opened "
            "that person's details within %(hours)s hours."
        )
        % {"hours": hours},
    )
    events = _events(
        kind__in=[EventKind.DETAILS_DECLINED, EventKind.DETAILS_VIEWED],
        occurred_at__gte=since,
        occurred_at__lt=until + window,
        actor__isnull=False,
        person_public_id__isnull=False,
    )
    pending: dict[tuple[int | None, uuid.UUID | None], list[AuditEvent]] = defaultdict(list)
    for event in events:  # in sequence order
        key = (event.actor_id, event.person_public_id)
        if event.kind == EventKind.DETAILS_DECLINED:
            if event.occurred_at < until:
                pending[key].append(event)
            continue
        for declined in pending.pop(key, []):
            if declined.occurred_at <= event.occurred_at <= declined.occurred_at + window:
                first, then = EventRow.of(declined), EventRow.of(event)
                report.rows.append(
                    Finding(
                        who=first.actor,
                        when=first.occurred_at,
                        what=_("Declined the warning, then opened the details %(minutes)s "
                               "minutes later")
                        % {"minutes": int((then.occurred_at - first.occurred_at).total_seconds())
                           // 60},
                        events=(first, then),
                    )
                )  # fmt: skip
    report.rows.sort(key=lambda f: f.events[0].sequence)
    return report


def _authors(events: list[AuditEvent]) -> dict[int, int]:
    """For each approval event (by pk), who wrote what it approved. Recorded in the event
    (`data["author"]`) since issue 14; for older events, asked of the apps' selectors."""
    authors: dict[int, int] = {}
    ids: dict[str, set[str]] = defaultdict(set)
    for event in events:
        data = event.data if isinstance(event.data, dict) else {}
        if isinstance(data.get("author"), int):
            authors[event.pk] = data["author"]
        elif event.kind == EventKind.PLAN_APPROVED and data.get("plan"):
            ids["plan"].add(str(data["plan"]))
        elif event.kind in (EventKind.INQUIRY_SIGNED_OFF, EventKind.ANSWER_SIGNED_OFF):
            if data.get("inquiry"):
                ids["inquiry"].add(str(data["inquiry"]))
        elif event.kind == EventKind.MEASURE_APPROVED and event.measure_ref:
            ids["measure"].add(event.measure_ref)
    plans = inquiries.plan_authors(ids["plan"])
    by_inquiry = inquiries.inquiry_authors(ids["inquiry"])
    measures = registry.registrars_of_measures(ids["measure"])
    for event in events:
        if event.pk in authors:
            continue
        data = event.data if isinstance(event.data, dict) else {}
        author: int | None = None
        if event.kind == EventKind.PLAN_APPROVED:
            author = plans.get(str(data.get("plan")))
        elif event.kind == EventKind.INQUIRY_SIGNED_OFF:
            author = by_inquiry.get(str(data.get("inquiry")), (None, None))[0]
        elif event.kind == EventKind.ANSWER_SIGNED_OFF:
            author = by_inquiry.get(str(data.get("inquiry")), (None, None))[1]
        elif event.kind == EventKind.MEASURE_APPROVED:
            author = measures.get(event.measure_ref)
        if author is not None:
            authors[event.pk] = author
    return authors


def mutual_approvals(*, since: datetime.datetime, until: datetime.datetime) -> AnomalyReport:
    times = getattr(settings, "MAMORI_AUDIT_MUTUAL_APPROVALS", 3)
    report = AnomalyReport(
        code=MUTUAL_APPROVALS,
        title=_("Pairs of staff who keep approving each other"),
        description=_(
            "Two staff members who each approved the other's contact plans, inquiries, answers "
            "or measure applications at least %(n)s times in the period."
        )
        % {"n": times},
    )
    events = _events(
        kind__in=APPROVAL_KINDS,
        occurred_at__gte=since,
        occurred_at__lt=until,
        actor__isnull=False,
    )
    authors = _authors(events)
    edges: dict[tuple[int, int], list[AuditEvent]] = defaultdict(list)
    for event in events:
        author = authors.get(event.pk)
        if author is not None and event.actor_id is not None and author != event.actor_id:
            edges[(event.actor_id, author)].append(event)
    pairs = sorted(
        (a, b)
        for (a, b), approved in edges.items()
        if a < b and len(approved) >= times and len(edges.get((b, a), [])) >= times
    )
    if not pairs:
        return report
    names = registry.staff_names(p for ab in pairs for p in ab)
    for a, b in pairs:
        rows = tuple(EventRow.of(e) for e in sorted(edges[(a, b)] + edges[(b, a)], key=_seq))
        report.rows.append(
            Finding(
                who=f"{names[a]} ⇄ {names[b]}",
                when=rows[0].occurred_at,
                what=_(
                    "%(a)s approved %(b)s's work %(ab)s times; %(b)s approved %(a)s's %(ba)s times"
                )
                % {
                    "a": names[a],
                    "b": names[b],
                    "ab": len(edges[(a, b)]),
                    "ba": len(edges[(b, a)]),
                },
                events=rows,
            )
        )
    return report


def _seq(event: AuditEvent) -> int:
    return event.sequence


def unreviewed_emergency_plans(*, until: datetime.datetime) -> list[ContactPlan]:
    """Emergencies acted on (not awaiting approval, not refused) and never reviewed."""
    return inquiries.emergencies_to_review_before(until)


def unreviewed_emergencies(*, since: datetime.datetime, until: datetime.datetime) -> AnomalyReport:
    report = AnomalyReport(
        code=UNREVIEWED_EMERGENCIES,
        title=_("Emergencies not yet reviewed"),
        description=_(
            "Emergency contact plans that were acted on and have not been reviewed by the "
            "owning ward, however old (the period's end is the cut-off)."
        ),
    )
    plans = unreviewed_emergency_plans(until=until)
    if not plans:
        return report
    by_plan: dict[str, list[EventRow]] = defaultdict(list)
    for event in _events(
        kind__startswith="plan.", data__plan__in=[str(p.public_id) for p in plans]
    ):
        by_plan[str(event.data.get("plan"))].append(EventRow.of(event))
    for plan in plans:
        report.rows.append(
            Finding(
                who=_staff_name(plan.author),
                when=plan.created_at,
                what=_("Emergency %(channel)s by %(ward)s — %(state)s, not reviewed")
                % {
                    "channel": plan.get_channel_display(),
                    "ward": plan.acting_ward,
                    "state": plan.get_state_display(),
                },
                events=tuple(by_plan.get(str(plan.public_id), [])),
                reference=str(plan.public_id),
            )
        )
    return report


def failed_logins(*, since: datetime.datetime, until: datetime.datetime) -> AnomalyReport:
    """Failed logins per user name tried and per day (Japan time), with the addresses, and the
    lockouts and unlocks of that name: one query over the log (spec 10.2's example)."""
    report = AnomalyReport(
        code=FAILED_LOGINS,
        title=_("Failed logins"),
        description=_(
            "Every user name with failed logins, per day (Japan time): how many, from which "
            "addresses, and whether it was locked out or unlocked. A name that is no account "
            "is marked."
        ),
    )
    kinds = (EventKind.LOGIN_FAILED, EventKind.ACCOUNT_LOCKED, EventKind.ACCOUNT_UNLOCKED)
    groups: dict[tuple[datetime.date, str], list[AuditEvent]] = defaultdict(list)
    for event in _events(kind__in=kinds, occurred_at__gte=since, occurred_at__lt=until):
        name = str(event.data.get("username", ""))
        if name or event.kind == EventKind.LOGIN_FAILED:
            day = event.occurred_at.astimezone(_zone()).date()
            groups[(day, name)].append(event)
    for (_day, name), found in sorted(groups.items()):
        failures = [e for e in found if e.kind == EventKind.LOGIN_FAILED]
        if not failures:
            continue  # an unlock alone is not a finding
        addresses = sorted({str(e.data.get("address", "")) for e in failures} - {""})
        what = _("Failed logins: %(n)d, from %(addresses)s") % {
            "n": len(failures),
            "addresses": ", ".join(addresses) or "—",
        }
        if any(e.kind == EventKind.ACCOUNT_LOCKED for e in found):
            what += " — " + _("locked out")
        if any(e.kind == EventKind.ACCOUNT_UNLOCKED for e in found):
            what += " — " + _("unlocked by an administrator")
        if all(e.data.get("staff_id") is None for e in failures):
            what += " — " + _("no such account")
        report.rows.append(
            Finding(
                who=name or "—",
                when=failures[0].occurred_at,
                what=what,
                events=tuple(EventRow.of(e) for e in found[:20]),
            )
        )
    return report


def unconfirmed_blocks(*, since: datetime.datetime, until: datetime.datetime) -> AnomalyReport:
    """Linked systems that had not confirmed a block by the period's end, however old
    (supportmeasures/propagation): overdue or reported as not set, and not confirmed since."""
    report = AnomalyReport(
        code=UNCONFIRMED_BLOCKS,
        title=_("Linked systems that have not confirmed a block"),
        description=_(
            "Blocks a linked system did not confirm by its deadline, or reported it could not "
            "set, and had still not confirmed at the period's end, however old."
        ),
    )
    tasks = registry.unconfirmed_blocks(until=until)
    # A forwarding to another municipality is a task like the others (issue 12): named by
    # its relation, never by the municipality (where a resident who moved now lives).
    forwardings = registry.unanswered_forwardings(until=until)
    if not tasks and not forwardings:
        return report
    by_change: dict[int, list[EventRow]] = defaultdict(list)
    by_forwarding: dict[int, list[EventRow]] = defaultdict(list)
    for event in _events(
        kind__startswith="propagation.",
        measure_ref__in=sorted(
            {t.change.measure.ref for t in tasks} | {f.measure.ref for f in forwardings}
        ),
    ):
        data = event.data if isinstance(event.data, dict) else {}
        change, forwarding = data.get("change"), data.get("forwarding")
        if isinstance(change, int):
            by_change[change].append(EventRow.of(event))
        if isinstance(forwarding, int):
            by_forwarding[forwarding].append(EventRow.of(event))
    if forwardings:
        for event in _events(
            kind=EventKind.MEASURE_FORWARDED,
            measure_ref__in=sorted({f.measure.ref for f in forwardings}),
        ):
            forwarding = event.data.get("forwarding") if isinstance(event.data, dict) else None
            if isinstance(forwarding, int):
                by_forwarding[forwarding].insert(0, EventRow.of(event))
    for task in tasks:
        measure = task.change.measure
        report.rows.append(
            Finding(
                who=f"{task.system.name} ({task.system.section})",
                when=task.due_at,
                what=(
                    _("%(ref)s (%(ward)s): reported that the block could not be set")
                    if task.state == "failed"
                    else _("%(ref)s (%(ward)s): not confirmed by the deadline")
                )
                % {"ref": measure.ref, "ward": measure.owning_ward},
                events=tuple(by_change.get(task.change_id, [])),
                reference=measure.ref,
                reference_text=_("Support measure %(ref)s") % {"ref": measure.ref},
            )
        )
    for row in forwardings:
        measure = row.measure
        report.rows.append(
            Finding(
                who=_("Forwarding: %(relation)s") % {"relation": row.get_relation_display()},
                when=row.due_at,
                what=_("%(ref)s (%(ward)s): no reply to the forwarding recorded by the deadline")
                % {"ref": measure.ref, "ward": measure.owning_ward},
                events=tuple(by_forwarding.get(row.pk, [])),
                reference=measure.ref,
                reference_text=_("Support measure %(ref)s") % {"ref": measure.ref},
            )
        )
    return report


ANALYSES: dict[str, Callable[..., AnomalyReport]] = {
    NIGHT: out_of_hours,
    MANY_RECORDS: many_records,
    NO_WORK: looks_without_work,
    DECLINED_THEN_VIEWED: declined_then_viewed,
    MUTUAL_APPROVALS: mutual_approvals,
    UNREVIEWED_EMERGENCIES: unreviewed_emergencies,
    FAILED_LOGINS: failed_logins,
    UNCONFIRMED_BLOCKS: unconfirmed_blocks,
}


def run_report(code: str, *, since: datetime.datetime, until: datetime.datetime) -> AnomalyReport:
    if code not in ANALYSES:
        raise KeyError(code)
    report = ANALYSES[code](since=since, until=until)
    report.since, report.until = since, until
    return report


def anomaly_reports(*, since: datetime.datetime, until: datetime.datetime) -> list[AnomalyReport]:
    """Every report over [since, until), in a fixed order. No permission check: for the
    weekly mail to auditors and for `reports_for`."""
    return [run_report(code, since=since, until=until) for code in REPORT_CODES]


# --- for the pages: the auditor check ----------------------------------------------------------


def reports_for(
    *, user: Staff, since: datetime.datetime, until: datetime.datetime
) -> list[AnomalyReport]:
    if not can_read_auditlog(user):
        raise Http404
    return anomaly_reports(since=since, until=until)


def report_for(
    *, user: Staff, code: str, since: datetime.datetime, until: datetime.datetime
) -> AnomalyReport:
    if not can_read_auditlog(user) or code not in ANALYSES:
        raise Http404
    return run_report(code, since=since, until=until)


def period_of(
    first_day: datetime.date, last_day: datetime.date
) -> tuple[datetime.datetime, datetime.datetime]:
    """[start of first_day, start of the day after last_day) in Japan time."""
    return day_start(first_day), day_start(last_day + datetime.timedelta(days=1))


def default_period(now: datetime.datetime) -> tuple[datetime.date, datetime.date]:
    """The last 7 days, today included."""
    today = timezone.localdate(now, _zone())
    return today - datetime.timedelta(days=6), today


# --- the weekly notice to the auditors (the job is in config/jobs.py) --------------------------


def report_week(now: datetime.datetime) -> tuple[datetime.datetime, datetime.datetime]:
    """The week before the one ``now`` falls in: Monday 00:00 to Monday 00:00, Japan time."""
    local = timezone.localtime(now)
    monday = local.date() - datetime.timedelta(days=local.weekday())
    until = day_start(monday)
    return until - datetime.timedelta(days=7), until


@dataclass(frozen=True)
class WeeklyNotice:
    url: str  # the reports page for the week: it names the week, so a week is told once
    subject: str
    body: str
    reports: int


def weekly_notice(*, now: datetime.datetime) -> WeeklyNotice:
    """Last week's anomaly reports as a notice: each report's title and count, and the link to
    the reports page for that week. No permission check: for the weekly job."""
    since, until = report_week(now)
    reports = anomaly_reports(since=since, until=until)
    last_day = until.date() - datetime.timedelta(days=1)
    url = (
        f"{reverse('auditlog:reports')}"
        f"?from_date={since.date().isoformat()}&to_date={last_day.isoformat()}"
    )
    lines = [f"- {report.title}: {len(report)}" for report in reports]
    body = "\n".join(
        [
            _("Anomaly reports for %(since)s to %(until)s:")
            % {"since": wareki.format_both(since.date()), "until": wareki.format_both(last_day)},
            "",
            *lines,
        ]
    )
    subject = _("Weekly audit reports: %(n)d findings") % {
        "n": sum(len(report) for report in reports)
    }
    return WeeklyNotice(url=url, subject=subject, body=body, reports=len(reports))

"""What the auditors' dashboard shows: activity, what waits for sign-off, what ends soon.

`dashboard_for(user=, now=)` reads everything in a fixed number of queries (eight) and
returns it with its charts drawn (auditlog/charts.py). See docs/auditors-reports.md.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from auditlog.models import AuditEvent, day_start
from auditlog.workspace.charts import Chart, bar_chart, stacked_bar_chart
from auditlog.workspace.selectors import can_read_auditlog
from inquiries import selectors as inquiries
from supportmeasures import selectors as registry

if TYPE_CHECKING:
    from inquiries.models import ContactPlan
    from supportmeasures.models import ConfirmationTask, Forwarding, Staff, SupportMeasure

ACTIVITY_DAYS = 30
ENDING_DAYS = 30
# Kind groups: the part of the event kind before the dot; the rest is "other".
KIND_GROUPS = ("details", "screening", "measure", "inquiry", "plan")


def kind_group(kind: str) -> str:
    group = kind.split(".", 1)[0]
    return group if group in KIND_GROUPS else "other"


def group_labels() -> dict[str, str]:
    return {
        "details": _("Looks at protected details"),
        "screening": _("Screening"),
        "measure": pgettext("count of measures", "Measures"),
        "inquiry": _("Inquiries"),
        "plan": _("Contact plans"),
        "other": _("Other"),
    }


def age_buckets() -> list[tuple[str, datetime.timedelta | None]]:
    """Upper bounds of each age bucket; the last has none."""
    hour = datetime.timedelta(hours=1)
    return [
        (_("Under 1 hour"), hour),
        (_("1 to 24 hours"), 24 * hour),
        (_("1 to 3 days"), 72 * hour),
        (_("Over 3 days"), None),
    ]


@dataclass(frozen=True)
class Dashboard:
    today: datetime.date
    activity_since: datetime.date
    events_by_day: Chart
    events_by_ward: Chart
    pending: Chart
    pending_total: int
    ending_by_ward: Chart
    ending: list[SupportMeasure]
    ending_until: datetime.date
    emergencies: list[ContactPlan]
    unconfirmed: list[ConfirmationTask]  # linked systems' blocks escalated, not confirmed
    # Forwardings to other municipalities escalated without a reply (a task like the others,
    # issue 12); shown by relation, never by municipality.
    unanswered_forwardings: list[Forwarding] = field(default_factory=list)

    @property
    def unconfirmed_count(self) -> int:
        return len(self.unconfirmed) + len(self.unanswered_forwardings)


def _activity(now: datetime.datetime, today: datetime.date) -> tuple[Chart, Chart, datetime.date]:
    zone = ZoneInfo(settings.TIME_ZONE)
    first = today - datetime.timedelta(days=ACTIVITY_DAYS - 1)
    since = day_start(first)
    counts = (
        AuditEvent.objects.filter(occurred_at__gte=since, occurred_at__lte=now)
        .annotate(day=TruncDate("occurred_at", tzinfo=zone))
        .values("day", "kind", "ward_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    groups = [*KIND_GROUPS, "other"]
    labels = group_labels()
    by_day: dict[datetime.date, Counter[str]] = defaultdict(Counter)
    by_ward: dict[int | None, Counter[str]] = defaultdict(Counter)
    for row in counts:
        group = kind_group(row["kind"])
        by_day[row["day"]][group] += row["n"]
        by_ward[row["ward_id"]][group] += row["n"]
    wards = registry.ward_names(w for w in by_ward if w)
    days = [first + datetime.timedelta(days=i) for i in range(ACTIVITY_DAYS)]
    series = [labels[g] for g in groups]
    per_day = stacked_bar_chart(
        title=_("Audit events per day, by kind (last %(n)s days)") % {"n": ACTIVITY_DAYS},
        label_heading=_("Day"),
        series=series,
        rows=[(day.strftime("%m-%d"), [by_day[day][g] for g in groups]) for day in days],
    )
    ward_rows = sorted(
        ((wards.get(w, "") if w else _("No ward (system)"), c) for w, c in by_ward.items()),
        key=lambda row: (-sum(row[1].values()), row[0]),
    )
    per_ward = stacked_bar_chart(
        title=_("Audit events per ward, by kind (last %(n)s days)") % {"n": ACTIVITY_DAYS},
        label_heading=_("Ward"),
        series=series,
        rows=[(name, [c[g] for g in groups]) for name, c in ward_rows],
    )
    return per_day, per_ward, first


def _pending(now: datetime.datetime) -> tuple[Chart, int]:
    """Inquiries and answers awaiting sign-off, plans awaiting approval, by how long."""
    buckets = age_buckets()
    waiting = inquiries.waiting_by_age(now=now, bounds=[upper for _name, upper in buckets])
    rows = [
        (_("Inquiries awaiting sign-off"), waiting["inquiries"]),
        (_("Answers awaiting sign-off"), waiting["answers"]),
        (_("Contact plans awaiting approval"), waiting["plans"]),
    ]
    chart = stacked_bar_chart(
        title=_("Waiting for sign-off or approval, by how long"),
        label_heading=_("What waits"),
        series=[name for name, _upper in buckets],
        rows=rows,
    )
    return chart, sum(sum(values) for _label, values in rows)


def _ending(today: datetime.date) -> tuple[Chart, list[SupportMeasure], datetime.date]:
    until = today + datetime.timedelta(days=ENDING_DAYS)
    ending = registry.measures_ending_between(today, until)
    per_ward = Counter(str(m.owning_ward) for m in ending)
    chart = bar_chart(
        title=_("Measures ending in the next %(n)s days, per ward") % {"n": ENDING_DAYS},
        label_heading=_("Ward"),
        value_heading=pgettext("count of measures", "Measures"),
        items=sorted(per_ward.items(), key=lambda item: (-item[1], item[0])),
    )
    return chart, ending, until


def open_emergencies() -> list[ContactPlan]:
    """Emergency plans not yet reviewed (refused ones excepted), oldest first."""
    return inquiries.open_emergencies()


def dashboard_data(*, now: datetime.datetime) -> Dashboard:
    today = timezone.localdate(now)
    per_day, per_ward, first = _activity(now, today)
    pending, pending_total = _pending(now)
    ending_chart, ending, ending_until = _ending(today)
    return Dashboard(
        today=today,
        activity_since=first,
        events_by_day=per_day,
        events_by_ward=per_ward,
        pending=pending,
        pending_total=pending_total,
        ending_by_ward=ending_chart,
        ending=ending,
        ending_until=ending_until,
        emergencies=open_emergencies(),
        unconfirmed=registry.unconfirmed_blocks(),
        unanswered_forwardings=registry.unanswered_forwardings(),
    )


def dashboard_for(*, user: Staff, now: datetime.datetime) -> Dashboard:
    if not can_read_auditlog(user):
        raise Http404
    return dashboard_data(now=now)

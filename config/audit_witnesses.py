"""The records that each need their audit event, checked at every verification.

Registered with the audit core's verification (`auditlog.verification.register_cross_check`)
from the top floor, which may read every app: the audit core knows ids and codes only. Each
check counts one app's records written after the chain's first event against the events that
name them, so an event deleted with the database owner's rights (triggers off) while its record
stays is reported by the next hourly verification, sealed or not.

Only records that are written by one action, always with their event, are checked (docs/
auditlog.md lists them). Records that legitimately have no event of their own are left out:
measures imported from the resident register (one `registry.imported` for the whole file),
accounts made with `createsuperuser` (no role), and anything older than the chain.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db.models import Count, QuerySet
from django.utils.functional import Promise as StrPromise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from auditlog.models import EventKind
from auditlog.verification import events_per_key, missing, register_cross_check
from inquiries.models import (
    ContactPlan,
    Disposal,
    DocumentRequest,
    Inquiry,
    Issuance,
    TemporaryRelease,
)
from supportmeasures import selectors
from supportmeasures.models import ApiClient, DecisionKind, Forwarding, MeasureDecision, Role

# The events written with a measure's decisions (record_decision, register_application).
DECISION_EVENTS = (
    EventKind.APPLICATION_REGISTERED,
    EventKind.MEASURE_APPROVED,
    EventKind.MEASURE_REFUSED,
    EventKind.MEASURE_PERIOD_CORRECTED,
    EventKind.MEASURE_EXTENDED,
    EventKind.MEASURE_ENDED,
    EventKind.MEASURE_LAPSED,
    EventKind.MEASURE_RELEASED,
    EventKind.ACCESS_GRANTED,
    EventKind.ACCESS_REVOKED,
    # A forwarded application received (転送受付) is registered with its decision row.
    EventKind.FORWARD_RECEIVED,
)


Records = TypeVar("Records", bound=QuerySet[Any])


def _since(records: Records, field: str, since: datetime.datetime | None) -> Records:
    return records.filter(**{f"{field}__gte": since}) if since is not None else records


def _once(keys: Iterable[object]) -> dict[str, int]:
    return {str(key): 1 for key in keys}


def _each_has_its_event(
    keys: Iterable[object], kind: EventKind, key_path: str, message: str
) -> list[str]:
    """Records written once, each with one event of `kind` naming it at `key_path`."""
    expected = _once(keys)
    if not expected:  # nothing to look for: the events are not read
        return []
    found = events_per_key([kind], key_path)
    return [
        message % {"id": key, "kind": kind.value} for key, _n, _found in missing(expected, found)
    ]


@register_cross_check("api clients")
def api_clients(since: datetime.datetime | None) -> list[str]:
    clients = _since(ApiClient.objects.all(), "created_at", since)
    return _each_has_its_event(
        clients.values_list("pk", flat=True),
        EventKind.API_CLIENT_CREATED,
        "data__client_id",
        _("API client #%(id)s has no %(kind)s event: it was deleted"),
    )


@register_cross_check("staff")
def staff(since: datetime.datetime | None) -> list[str]:
    members = _since(selectors.staff_holding_roles(*Role.values), "date_joined", since)
    return _each_has_its_event(
        members.values_list("pk", flat=True).distinct(),
        EventKind.STAFF_REGISTERED,
        "data__staff_id",
        _("staff member #%(id)s has no %(kind)s event: it was deleted"),
    )


@register_cross_check("measure decisions")
def measure_decisions(since: datetime.datetime | None) -> list[str]:
    decisions = _since(
        MeasureDecision.objects.exclude(kind=DecisionKind.IMPORTED), "decided_at", since
    )
    expected = {
        str(row["measure__ref"]): int(row["n"])
        for row in decisions.values("measure__ref").annotate(n=Count("pk")).order_by()
    }
    if not expected:  # nothing to look for: the events are not read
        return []
    found = events_per_key(DECISION_EVENTS, "measure_ref")
    return [
        _(
            "measure %(ref)s has %(expected)d decisions in its history but %(found)d events "
            "in the audit log: events were deleted"
        )
        % {"ref": key, "expected": n, "found": got}
        for key, n, got in missing(expected, found)
    ]


@dataclass(frozen=True)
class _OneEventEach:
    """Records written by one action, each with one event of `kind` naming it at `key_path`."""

    records: Callable[[], QuerySet[Any]]
    written_at: str  # the record's own date field, compared with the chain's first event
    key: str  # the field the event names it by
    kind: EventKind
    key_path: str
    message: StrPromise  # %(id)s, %(kind)s


_ONE_EVENT_EACH = {
    "inquiries": _OneEventEach(
        Inquiry.objects.all, "created_at", "public_id", EventKind.INQUIRY_CREATED,
        "data__inquiry", gettext_lazy("inquiry %(id)s has no %(kind)s event: it was deleted"),
    ),
    "contact plans": _OneEventEach(
        ContactPlan.objects.all, "created_at", "public_id", EventKind.PLAN_CREATED,
        "data__plan", gettext_lazy("contact plan %(id)s has no %(kind)s event: it was deleted"),
    ),
    "document requests": _OneEventEach(
        DocumentRequest.objects.all, "recorded_at", "public_id", EventKind.REQUEST_RECORDED,
        "data__request",
        gettext_lazy("document request %(id)s has no %(kind)s event: it was deleted"),
    ),
    "temporary releases": _OneEventEach(
        TemporaryRelease.objects.all, "granted_at", "pk", EventKind.RELEASE_GRANTED,
        "data__release",
        gettext_lazy("temporary release #%(id)s has no %(kind)s event: it was deleted"),
    ),
    "issuances": _OneEventEach(
        Issuance.objects.all, "issued_at", "pk", EventKind.REQUEST_ISSUED, "data__issuance",
        gettext_lazy("issuance #%(id)s has no %(kind)s event: it was deleted"),
    ),
    "disposals": _OneEventEach(
        Disposal.objects.all, "destroyed_at", "issuance_id", EventKind.ISSUANCE_DISPOSED,
        "data__issuance",
        gettext_lazy("the disposal of issuance #%(id)s has no %(kind)s event: it was deleted"),
    ),
    "forwardings": _OneEventEach(
        Forwarding.objects.all, "recorded_at", "pk", EventKind.MEASURE_FORWARDED,
        "data__forwarding",
        gettext_lazy("forwarding #%(id)s has no %(kind)s event: it was deleted"),
    ),
}  # fmt: skip


def _check_one_event_each(spec: _OneEventEach) -> Callable[[datetime.datetime | None], list[str]]:
    def check(since: datetime.datetime | None) -> list[str]:
        records = _since(spec.records(), spec.written_at, since)
        return _each_has_its_event(
            records.values_list(spec.key, flat=True), spec.kind, spec.key_path, str(spec.message)
        )

    return check


for _name, _spec in _ONE_EVENT_EACH.items():
    register_cross_check(_name)(_check_one_event_each(_spec))

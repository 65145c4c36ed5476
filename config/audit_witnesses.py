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
from collections.abc import Iterable
from typing import Any, TypeVar

from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

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


@register_cross_check("inquiries")
def inquiries(since: datetime.datetime | None) -> list[str]:
    records = _since(Inquiry.objects.all(), "created_at", since)
    return _each_has_its_event(
        records.values_list("public_id", flat=True),
        EventKind.INQUIRY_CREATED,
        "data__inquiry",
        _("inquiry %(id)s has no %(kind)s event: it was deleted"),
    )


@register_cross_check("contact plans")
def contact_plans(since: datetime.datetime | None) -> list[str]:
    records = _since(ContactPlan.objects.all(), "created_at", since)
    return _each_has_its_event(
        records.values_list("public_id", flat=True),
        EventKind.PLAN_CREATED,
        "data__plan",
        _("contact plan %(id)s has no %(kind)s event: it was deleted"),
    )


@register_cross_check("document requests")
def document_requests(since: datetime.datetime | None) -> list[str]:
    records = _since(DocumentRequest.objects.all(), "recorded_at", since)
    return _each_has_its_event(
        records.values_list("public_id", flat=True),
        EventKind.REQUEST_RECORDED,
        "data__request",
        _("document request %(id)s has no %(kind)s event: it was deleted"),
    )


@register_cross_check("temporary releases")
def temporary_releases(since: datetime.datetime | None) -> list[str]:
    records = _since(TemporaryRelease.objects.all(), "granted_at", since)
    return _each_has_its_event(
        records.values_list("pk", flat=True),
        EventKind.RELEASE_GRANTED,
        "data__release",
        _("temporary release #%(id)s has no %(kind)s event: it was deleted"),
    )


@register_cross_check("issuances")
def issuances(since: datetime.datetime | None) -> list[str]:
    records = _since(Issuance.objects.all(), "issued_at", since)
    return _each_has_its_event(
        records.values_list("pk", flat=True),
        EventKind.REQUEST_ISSUED,
        "data__issuance",
        _("issuance #%(id)s has no %(kind)s event: it was deleted"),
    )


@register_cross_check("disposals")
def disposals(since: datetime.datetime | None) -> list[str]:
    records = _since(Disposal.objects.all(), "destroyed_at", since)
    return _each_has_its_event(
        records.values_list("issuance_id", flat=True),
        EventKind.ISSUANCE_DISPOSED,
        "data__issuance",
        _("the disposal of issuance #%(id)s has no %(kind)s event: it was deleted"),
    )


@register_cross_check("forwardings")
def forwardings(since: datetime.datetime | None) -> list[str]:
    records = _since(Forwarding.objects.all(), "recorded_at", since)
    return _each_has_its_event(
        records.values_list("pk", flat=True),
        EventKind.MEASURE_FORWARDED,
        "data__forwarding",
        _("forwarding #%(id)s has no %(kind)s event: it was deleted"),
    )

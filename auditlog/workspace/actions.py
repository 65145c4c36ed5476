"""What the auditors' workspace does (its only write: the record of an export)."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import TYPE_CHECKING

from django.db import connection, transaction

from auditlog.actions import record_event
from auditlog.models import EventKind
from auditlog.workspace import export, selectors

if TYPE_CHECKING:
    from supportmeasures.models import Staff


def export_events(
    *, user: Staff, flt: selectors.EventFilter, encoding: str, exported_at: datetime.datetime
) -> Iterator[bytes]:
    """Record the export, then stream the events as CSV (UTF-8 with BOM, or CP932).

    The event is committed before the first byte leaves: an export is itself a disclosure.
    """
    flt, _people = selectors.with_people(user=user, flt=flt)  # checks the auditor role first
    events = selectors.events_to_export(user=user, flt=flt)
    if encoding not in export.ENCODINGS:
        raise ValueError(encoding)
    with transaction.atomic(durable=True):
        # Indexed by the people exported, so the export shows in each one's history.
        record_event(
            kind=EventKind.AUDITLOG_EXPORTED,
            actor=user,
            occurred_at=exported_at,
            decision="exported",
            data={"filter": flt.describe(), "encoding": encoding},
            persons=flt.person_ids,
        )
    if connection.vendor == "postgresql":
        return export.pg_csv_stream(events, encoding=encoding)
    return export.csv_stream(selectors.export_rows(user=user, flt=flt), encoding=encoding)
